/**
 * The parent side of the worker protocol (CLI and extension): start the worker process, validate
 * every event it sends and every reply against its request's reply type, pair requests with
 * results, and turn a crash or an out-of-memory exit into an `error` event — never a hang. It
 * imports only core: the one file of src/worker the extension may import.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fromErrorInfo } from '../core/errors';
import { parseWorkerEvent, parseWorkerReply, PROTOCOL_VERSION, type RequestCommand, type WorkerCommand, type WorkerEvent, type WorkerReply, type WorkerRequestKind } from '../core/protocol/worker';

export type { RequestCommand } from '../core/protocol/worker';

export interface WorkerOptions {
  /** Path of dist/worker.js. */
  script: string;
  env?: NodeJS.ProcessEnv;
  /** e.g. ['--max-old-space-size=8192']. */
  execArgv?: string[];
  /** Node executable; defaults to the current one (the extension host's inside VS Code). */
  execPath?: string;
  cwd?: string;
}

export class WorkerClient {
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private readonly pending = new Map<number, { kind: WorkerRequestKind; resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private stderrTail = '';
  private exitedFlag = false;
  /** Resolves when the process has exited (code, signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: Promise<void>;

  constructor(opts: WorkerOptions) {
    this.child = fork(opts.script, [], {
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: opts.execArgv ?? [],
      execPath: opts.execPath,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.stderr?.on('data', (d: Buffer) => { this.stderrTail = (this.stderrTail + d.toString()).slice(-4000); });
    this.child.stdout?.on('data', () => undefined);
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
    this.ready.catch(() => undefined);
    this.child.on('message', (raw) => {
      let event: WorkerEvent;
      try {
        event = parseWorkerEvent(raw);
      } catch (e) {
        this.dispatch({ type: 'log', level: 'warn', message: `ignored an invalid message from the worker: ${(e as Error).message.split('\n')[0]}` });
        return;
      }
      if (event.type === 'ready') {
        if (event.protocol !== PROTOCOL_VERSION) readyReject(new Error(`worker speaks protocol ${event.protocol}, expected ${PROTOCOL_VERSION}`));
        else readyResolve();
      }
      if (event.type === 'result') {
        const p = this.pending.get(event.id);
        this.pending.delete(event.id);
        if (p) {
          try {
            p.resolve(parseWorkerReply(p.kind, event.value));
          } catch (e) {
            p.reject(new Error(`the worker's reply to ${p.kind} is not what the protocol says: ${(e as Error).message.split('\n')[0]}`));
          }
        }
      }
      if (event.type === 'error' && event.id !== undefined) {
        this.pending.get(event.id)?.reject(fromErrorInfo(event.error));
        this.pending.delete(event.id);
      }
      this.dispatch(event);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitedFlag = true;
        const crash = this.describeExit(code, signal);
        if (crash) {
          const error = { message: crash, user: false, stack: this.stderrTail.trim() || undefined };
          readyReject(new Error(crash));
          for (const p of this.pending.values()) p.reject(new Error(crash));
          this.pending.clear();
          this.dispatch({ type: 'error', error });
        }
        resolve({ code, signal });
      });
      this.child.on('error', (e) => {
        readyReject(e);
        this.dispatch({ type: 'error', error: { message: `could not start the worker: ${e.message}`, user: false } });
      });
    });
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): string | undefined {
    if (this.killedOnPurpose) return undefined;
    if (code === 0 || code === 143) return undefined;
    if (code === 70) return undefined; // the worker already sent its own error
    const oom = /heap out of memory|Allocation failed|out of memory|Cannot allocate memory/i.test(this.stderrTail);
    if (oom) return 'the training worker ran out of memory: try a smaller batch size or image size';
    return `the training worker crashed (${signal ? `signal ${signal}` : `exit code ${code}`})`;
  }

  private killedOnPurpose = false;

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return !this.exitedFlag;
  }

  onEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(e: WorkerEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  send(cmd: WorkerCommand): void {
    if (this.exitedFlag || !this.child.connected) return;
    this.child.send(cmd);
  }

  /** A request/response command, answered with its kind's reply type; rejects with the worker's error (a UserError stays one). */
  request<C extends RequestCommand>(cmd: C): Promise<WorkerReply<C['type']>> {
    const id = this.nextId++;
    return new Promise<WorkerReply<C['type']>>((resolve, reject) => {
      if (this.exitedFlag) {
        reject(new Error('the worker is not running'));
        return;
      }
      this.pending.set(id, { kind: cmd.type, resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }

  /** Graceful stop of a training run (at the next batch; a checkpoint is saved). */
  stop(): void {
    this.send({ type: 'stop' });
  }

  /** End the process now. */
  kill(): void {
    this.killedOnPurpose = true;
    if (!this.exitedFlag) this.child.kill('SIGTERM');
    setTimeout(() => { if (!this.exitedFlag) this.child.kill('SIGKILL'); }, 3000).unref();
  }

  /** Ask the worker to exit after its current work; kill it if it does not within `graceMs`. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.killedOnPurpose = true;
    this.send({ type: 'shutdown' });
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
