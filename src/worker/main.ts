/**
 * The background process: started with child_process.fork by the CLI and the extension. It
 * receives commands, runs the TF.js engine and sends protocol events; a crash here never takes
 * the editor down, and the parent reports it.
 */
import { toErrorInfo } from '../core/errors';
import { parseWorkerCommand, PROTOCOL_VERSION, type WorkerCommand, type WorkerEvent } from '../core/protocol/worker';
import { configureTfjs } from '../engine/tfjs/env';
import { handleRequest } from './requests';
import { runTraining } from './training';

function send(event: WorkerEvent): void {
  if (process.send) process.send(event);
  else process.stdout.write(JSON.stringify(event) + '\n');
}

configureTfjs((level, message) => send({ type: 'log', level, message }));

let stopRequested = false;
let training: Promise<void> | undefined;

async function onCommand(cmd: WorkerCommand): Promise<void> {
  switch (cmd.type) {
    case 'stop':
      stopRequested = true;
      send({ type: 'log', level: 'info', message: 'stop requested: finishing the current batch' });
      return;
    case 'shutdown':
      stopRequested = true;
      await training?.catch(() => undefined);
      process.exit(0);
      return;
    case 'train':
      if (training) {
        send({ type: 'error', error: { message: 'a training run is already in progress in this worker', user: true } });
        return;
      }
      // a `stop` that arrived before `train` still counts: the run stops at its first check
      training = runTraining(cmd.recipe, cmd.overrides ?? {}, {
        emit: send,
        shouldStop: () => stopRequested,
        cacheDir: process.env.TRANSFER_STUDIO_CACHE,
      })
        .catch((e: unknown) => send({ type: 'error', error: toErrorInfo(e) }))
        .finally(() => { training = undefined; stopRequested = false; });
      return;
    default:
      try {
        send({ type: 'result', id: cmd.id, value: await handleRequest(cmd, send) });
      } catch (e) {
        send({ type: 'error', id: cmd.id, error: toErrorInfo(e) });
      }
  }
}

process.on('message', (raw) => {
  let cmd: WorkerCommand;
  try {
    cmd = parseWorkerCommand(raw);
  } catch (e) {
    send({ type: 'error', error: { message: `invalid command: ${(e as Error).message.split('\n')[0]}`, user: false } });
    return;
  }
  void onCommand(cmd);
});

// a disconnected parent (the editor closed, the CLI was killed) leaves no orphan behind
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(143));
// Ctrl-C in a terminal reaches the whole process group: the CLI turns it into a graceful `stop`
process.on('SIGINT', () => undefined);
process.on('uncaughtException', (e) => {
  send({ type: 'error', error: toErrorInfo(e) });
  process.exit(70);
});
process.on('unhandledRejection', (e) => {
  send({ type: 'error', error: toErrorInfo(e) });
  process.exit(70);
});

send({ type: 'ready', protocol: PROTOCOL_VERSION, pid: process.pid });
