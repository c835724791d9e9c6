/**
 * The Python worker as a child process: `python -m transfer_studio_worker` (or torchrun with N of
 * them for several GPUs) connecting back over TCP to a server on 127.0.0.1 that only this run
 * knows (a token in the first line), speaking the same JSON-lines protocol as the TF.js worker.
 * Every event is validated with the protocol's schema before it is passed on; a process that
 * exits without `done` becomes an error naming what it printed last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { parseWorkerEvent, PROTOCOL_VERSION, type WorkerCommand, type WorkerEvent } from '../../core/protocol/worker';
import { pythonEnv } from './interpreter';

export interface PythonWorkerOptions {
  python: string;
  planFile: string;
  /** torchrun's per-rank logs go here (several processes only). */
  logDir: string;
  /** Processes (GPUs): above 1 the worker runs under torchrun with DistributedDataParallel. */
  nproc: number;
  onEvent(e: WorkerEvent): void;
  onLog(level: 'debug' | 'warn', message: string): void;
  env?: NodeJS.ProcessEnv;
}

export class PythonWorker {
  private child?: ChildProcess;
  private socket?: net.Socket;
  private readonly server = net.createServer();
  private readonly token = randomBytes(16).toString('hex');
  private stderrTail = '';
  private ended = false;
  /** Resolves with the exit code (or the signal) once the process has ended and the channel drained. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  private resolveExit!: (v: { code: number | null; signal: NodeJS.Signals | null; stderr: string }) => void;

  constructor(private readonly opts: PythonWorkerOptions) {
    this.exited = new Promise((r) => { this.resolveExit = r; });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => { this.server.once('error', reject); this.server.listen(0, '127.0.0.1', () => resolve()); });
    const { port } = this.server.address() as net.AddressInfo;
    this.server.on('connection', (s) => this.accept(s));
    const worker = ['-m', 'transfer_studio_worker', '--connect', `127.0.0.1:${port}`, '--token', this.token, '--plan', this.opts.planFile];
    // torchrun from the same interpreter (python -m torch.distributed.run), so its ranks run in it too
    // --redirects 1: torch 1.13's torchrun under Python 3.11 crashes on its default 0; its ranks' output goes to logDir
    const args = this.opts.nproc > 1
      ? ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(this.opts.nproc), '--redirects', '1', '--tee', '1', '--log_dir', this.opts.logDir, ...worker]
      : worker;
    const child = spawn(this.opts.python, args, { env: pythonEnv(this.opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer): void => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) this.opts.onLog('debug', `[python] ${line}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (e) => this.finish(null, null, `could not start ${this.opts.python}: ${e.message}`));
    child.on('exit', (code, signal) => {
      // the last events may still be in the socket: let it drain before saying the process ended
      if (this.socket && !this.socket.destroyed) this.socket.once('close', () => this.finish(code, signal));
      else this.finish(code, signal);
      setTimeout(() => this.finish(code, signal), 2000).unref();
    });
  }

  private accept(s: net.Socket): void {
    if (this.socket) { s.destroy(); return; } // one channel: rank 0
    let buffer = '';
    let greeted = false;
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        let raw: unknown;
        try { raw = JSON.parse(line); } catch { this.opts.onLog('warn', `the PyTorch worker sent a line that is not JSON: ${line.slice(0, 200)}`); continue; }
        if (!greeted) {
          const hello = raw as { type?: string; token?: string };
          if (hello.type !== 'hello' || hello.token !== this.token) { s.destroy(); return; }
          greeted = true;
          this.socket = s;
          continue;
        }
        let event: WorkerEvent;
        try {
          event = parseWorkerEvent(raw);
        } catch (e) {
          this.opts.onLog('warn', `ignored an invalid event from the PyTorch worker: ${(e as Error).message.split('\n')[0]} in ${line.slice(0, 200)}`);
          continue;
        }
        if (event.type === 'ready' && event.protocol !== PROTOCOL_VERSION) {
          this.opts.onEvent({ type: 'error', error: { message: `the PyTorch worker speaks protocol ${event.protocol}, this extension ${PROTOCOL_VERSION}: the python/ folder and the extension come from different versions`, user: false } });
          this.kill();
          continue;
        }
        this.opts.onEvent(event);
      }
    });
    s.on('error', () => undefined);
  }

  send(cmd: WorkerCommand): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(JSON.stringify(cmd) + '\n');
  }

  /** Graceful: the current batch finishes, a checkpoint is written, `done` says stopped. */
  stop(): void {
    this.send({ type: 'stop' });
  }

  kill(): void {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    setTimeout(() => { if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL'); }, 3000).unref();
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, extra?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.server.close();
    this.socket?.destroy();
    this.resolveExit({ code, signal, stderr: extra ?? this.stderrTail });
  }
}
