import * as path from 'node:path';
import { fromErrorInfo, UserError } from '../../core/errors';
import { formatDuration } from '../../core/format/table';
import { BackendPreferenceSchema, type EvaluationReport, type MultiTaskReport } from '../../core/protocol/reports';
import { type TrainOverrides, type WorkerEvent, type WorkerEventOf } from '../../core/protocol/worker';
import { ENGINES } from '../../core/recipe/defaults';
import { parse } from '../args';
import type { Cli } from '../context';
import { datasetText, epochTable, evaluationText, multiTaskText, progressLine } from '../report';
import { startWorker } from '../worker';

export const usage = 'transfer-studio train RECIPE [--epochs N] [--engine auto|tfjs|pytorch] [--python PATH] [--nproc N] [--backend B] [--baseline scratch] [--resume CHECKPOINT] [--json]';

export async function train(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, {
    epochs: { type: 'string' }, engine: { type: 'string' }, python: { type: 'string' }, nproc: { type: 'string' }, backend: { type: 'string' }, baseline: { type: 'string' }, resume: { type: 'string' }, 'run-dir': { type: 'string' }, json: { type: 'boolean' },
  }, usage);
  if (positionals.length !== 1) throw new UserError(`expected one RECIPE\nusage: ${usage}`);
  const overrides: TrainOverrides = {};
  if (values.epochs !== undefined) {
    const n = Number(values.epochs);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--epochs expects a whole number ≥ 1, got "${values.epochs}"`);
    overrides.epochs = n;
  }
  if (values.backend !== undefined) {
    const b = BackendPreferenceSchema.safeParse(values.backend);
    if (!b.success) throw new UserError(`--backend expects one of ${BackendPreferenceSchema.options.join(', ')}, got "${values.backend}"`);
    overrides.backend = b.data;
  }
  if (values.engine !== undefined) {
    if (!(ENGINES as readonly string[]).includes(values.engine)) throw new UserError(`--engine expects one of ${ENGINES.join(', ')}, got "${values.engine}"`);
    overrides.engine = values.engine as (typeof ENGINES)[number];
  }
  if (values.python !== undefined) overrides.python = values.python;
  if (values.nproc !== undefined) {
    const n = Number(values.nproc);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--nproc expects a whole number ≥ 1, got "${values.nproc}"`);
    overrides.devices = n;
  }
  if (values.baseline !== undefined) {
    if (values.baseline !== 'scratch' && values.baseline !== 'none') throw new UserError(`--baseline expects "scratch" or "none", got "${values.baseline}"`);
    overrides.baseline = values.baseline;
  }
  if (values.resume) overrides.resume = path.resolve(values.resume);
  if (values['run-dir']) overrides.runDir = path.resolve(values['run-dir']);

  const json = values.json ?? false;
  const tty = !json && process.stdout.isTTY === true;
  const worker = startWorker();
  const epochs: WorkerEventOf<'epochEnd'>[] = [];
  const phaseEnds: WorkerEventOf<'phaseEnd'>[] = [];
  let lastEpochLine = 0;
  let totalEpochs = 0;
  let evaluation: { report: EvaluationReport; baseline?: EvaluationReport; warnings: string[]; multiTask?: MultiTaskReport } | undefined;
  let lastLine = '';
  const clearLine = (): void => { if (tty && lastLine) { process.stdout.write('\r\x1b[2K'); lastLine = ''; } };

  // the last per-epoch checkpoint on disk: what a second Ctrl-C (abort) leaves to resume from
  let lastCheckpoint: string | undefined;
  let finish!: (r: { done?: WorkerEventOf<'done'>; error?: Error; aborted?: boolean }) => void;
  const result = new Promise<{ done?: WorkerEventOf<'done'>; error?: Error; aborted?: boolean }>((resolve) => {
    finish = resolve;
    worker.onEvent((e: WorkerEvent) => {
      if (e.type === 'checkpoint' && !e.best) lastCheckpoint = e.path;
      if (json) {
        if (e.type !== 'ready') process.stdout.write(JSON.stringify(e) + '\n');
      } else {
        switch (e.type) {
          case 'started':
            totalEpochs = e.epochs;
            cli.out(`${e.backend.engine === 'pytorch' ? 'engine: PyTorch' : 'backend'}: ${e.backend.name} — ${e.backend.device}${e.backend.notes.length ? `\n  ${e.backend.notes.join('\n  ')}` : ''}\nrun: ${e.runDir}${e.fastPath ? '\nfast path: the frozen base runs once per image; the head trains on cached features' : ''}`);
            break;
          case 'dataset':
            cli.out(datasetText(e.report));
            break;
          case 'log':
            if (e.level === 'warn' || e.level === 'error' || (e.level === 'info' && cli.verbose) || cli.verbose) { clearLine(); (e.level === 'warn' ? cli.err : cli.out)(`${e.level === 'warn' ? 'warning: ' : ''}${e.message}`); }
            else if (e.level === 'info' && !tty) cli.out(e.message);
            break;
          case 'progress':
            if (tty) { lastLine = `[${e.phase}] ${e.message}`; process.stdout.write(`\r\x1b[2K${lastLine}`); }
            break;
          case 'batchEnd':
            if (tty) { lastLine = progressLine(e, e.phase === 'baseline' ? e.epoch : totalEpochs); process.stdout.write(`\r\x1b[2K${lastLine.slice(0, (process.stdout.columns ?? 160) - 1)}`); }
            break;
          case 'epochEnd': {
            epochs.push(e);
            // cached head epochs take milliseconds: at most about one line a second of them
            const now = Date.now();
            if (!cli.verbose && e.durationMs < 1000 && now - lastEpochLine < 1000 && e.epoch > 1) break;
            lastEpochLine = now;
            clearLine();
            const logs = Object.entries(e.logs).filter(([k]) => k !== 'learning_rate').map(([k, v]) => `${k} ${v === null ? '–' : v.toFixed(4)}`).join('  ');
            cli.out(`[${e.phase}] epoch ${e.epoch}/${e.epochs}  ${logs}  (${(e.durationMs / 1000).toFixed(1)} s, ETA ${formatDuration(e.etaSec)})`);
            break;
          }
          case 'phaseEnd':
            phaseEnds.push(e);
            clearLine();
            cli.out(e.message);
            break;
          case 'evaluation':
            evaluation = e;
            break;
          case 'domain': {
            const r = e.report;
            const acc = (x: { accuracy?: number | null }): string => (typeof x.accuracy === 'number' ? `${(x.accuracy * 100).toFixed(1)}%` : '–');
            clearLine();
            cli.out(`domain adaptation (${r.method}, ${r.targetImages} target images): source ${r.source.split} ${acc(r.source.before)} → ${acc(r.source.after)}${r.targetScores ? `; target ${acc(r.targetScores.before)} → ${acc(r.targetScores.after)}` : ''}; feature gap ${r.gap.before.coral.toPrecision(3)} → ${r.gap.after.coral.toPrecision(3)}`);
            break;
          }
          case 'checkpoint':
            if (cli.verbose) cli.out(`checkpoint: ${e.path}${e.best ? ' (best so far)' : ''}`);
            break;
        }
      }
      if (e.type === 'done') resolve({ done: e });
      if (e.type === 'error' && e.id === undefined) resolve({ error: fromErrorInfo(e.error) });
    });
  });

  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      clearLine();
      cli.err('stopping after the current batch (a checkpoint is kept); press Ctrl-C again to abort now');
      worker.stop();
    } else {
      // a killed worker sends no `done`: settle here, or the CLI would just fall out of its event loop with exit 0
      worker.kill();
      finish({ aborted: true });
    }
  };
  process.on('SIGINT', onSigint);
  try {
    await Promise.race([worker.ready, result]); // an abort while starting settles `result`, never `ready`
    // a `stop` sent before the worker was ready is lost (its `train` starts afresh): do not start at all
    if (interrupts > 0) {
      cli.err(interrupts > 1 ? 'aborted before training started' : 'stopped before training started');
      return 130;
    }
    worker.send({ type: 'train', recipe: path.resolve(positionals[0]!), overrides });
    const r = await result;
    clearLine();
    if (r.aborted) {
      cli.err(lastCheckpoint ? `aborted; the last checkpoint is ${lastCheckpoint} (resume with --resume ${lastCheckpoint})` : 'aborted before the first checkpoint');
      return 130;
    }
    if (r.error) {
      // a worker that died (killed, out of memory) is not a bug of the recipe's: say where to go on from
      if (/^the training worker (crashed|ran out of memory)/.test(r.error.message)) {
        throw new UserError(`${r.error.message}; ${lastCheckpoint ? `the last checkpoint is ${lastCheckpoint}` : 'no checkpoint had been written yet'}`, { hint: lastCheckpoint ? `resume with --resume ${lastCheckpoint}` : 'train again' });
      }
      throw r.error;
    }
    const done = r.done!;
    if (!json) {
      if (epochs.length) cli.out(`\n${epochTable(epochs, phaseEnds)}`);
      if (evaluation) {
        cli.out(`\n${evaluation.multiTask ? multiTaskText(evaluation.multiTask) : evaluationText(evaluation.report, evaluation.baseline)}`);
        for (const w of evaluation.warnings) cli.err(`warning: ${w}`);
      }
      cli.out(done.stopped ? `\nstopped after ${formatDuration(done.durationMs / 1000)}; checkpoint: ${done.output}` : `\nadapted model saved to ${done.output} (${formatDuration(done.durationMs / 1000)})`);
    }
    return done.stopped ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await worker.shutdown(2000);
  }
}
