/**
 * The reliability suite's building blocks: the case type, running the CLI as a user would (a real
 * process, its exit code and output), fixtures written into each case's fresh folder, file checks
 * (sha256 of trees, "is this a complete model"), processes (the CLI's worker, RSS sampling) and
 * root-only helpers (tmpfs). Nothing here imports the product: the suite only sees what a user sees.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'transfer-studio.js');
export const DIST_WORKER = path.join(ROOT, 'dist', 'worker.js');
/** MIT-licensed, in the project: copied into case folders (temporary, never committed). */
export const EMOTION = path.join(ROOT, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional');
/** Read in place only (most have no licence to copy). */
export const SHARED_MODELS = path.resolve(ROOT, '..', 'shared', 'fixtures', 'real-models');
export const FASHION_MINI = path.join(ROOT, 'examples', 'fashion-mini');
export const SCHEMA = path.join(ROOT, 'schemas', 'adapt.schema.json');

export type Group = 'models' | 'recipes' | 'data' | 'faults' | 'scale';

export interface CliResult {
  code: number;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The one line the user saw; default: the error line (exit ≠ 0) or the last line of stdout. */
  message?: string;
  /** Extra facts for the report (what was killed when, timings…). */
  notes?: string[];
  ms?: number;
}

export interface Check {
  ok: boolean;
  text: string;
}

export interface Ctx {
  /** The case's fresh folder. */
  dir: string;
  /** Environment of every CLI run of this case (TRANSFER_STUDIO_CACHE inside `dir`, …). */
  env: NodeJS.ProcessEnv;
  full: boolean;
  /** Per-case scratch values shared by setup, run and the file checks. */
  state: Record<string, unknown>;
  /** Suite-wide services (the https test server…). */
  suite: SuiteServices;
  /** Registers a cleanup (unmounts…) run after the case, even when it throws. */
  defer(fn: () => void | Promise<void>): void;
}

export interface SuiteServices {
  https?: { url: string; httpUrl: string; caFile: string };
  tmp: string;
}

export interface Case {
  name: string;
  group: Group;
  /** Only with --full. */
  full?: boolean;
  /** Waits on something idle (a 60 s timeout): started first, in parallel with the rest. */
  background?: boolean;
  /** The case is about the extension's behaviour too (the report says so; the CLI is what runs). */
  extension?: string;
  /** What was done, for the report. */
  what: string;
  setup?(dir: string, ctx: Ctx): Promise<void> | void;
  run(dir: string, ctx: Ctx): Promise<CliResult>;
  expect: {
    code: number | number[];
    message: RegExp;
    files?(dir: string, r: CliResult, ctx: Ctx): Promise<Check[]> | Check[];
  };
}

/** Thrown by setup/run when a case cannot run here (not root…): reported as skipped, with the reason. */
export class Skip extends Error {}

// ---------------------------------------------------------------- running the CLI

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Every complete stdout line as it arrives (JSON events with --json). */
  onLine?(line: string, child: ChildProcess): void;
  onStart?(child: ChildProcess): void;
}

/** `transfer-studio ARGS` in a real process, as a user would run it. */
export function cli(args: string[], opts: CliOptions): Promise<CliResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (!opts.onLine) return;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) opts.onLine(l, child);
    });
    child.stderr.on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    opts.onStart?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** The one line a user reads: the `transfer-studio CMD: …` error line, else the last line printed. */
export function userLine(r: CliResult): string {
  if (r.message !== undefined) return r.message;
  const lines = (s: string): string[] => s.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const err = lines(r.stderr);
  if (r.code !== 0) return err.find((l) => /^transfer-studio( \w+)?: /.test(l)) ?? err.at(-1) ?? lines(r.stdout).at(-1) ?? '';
  const last = lines(r.stdout).at(-1) ?? '';
  if (last.startsWith('{')) {
    try {
      const e = JSON.parse(last) as { type?: string; output?: string; stopped?: boolean };
      if (e.type === 'done') return `{"type":"done","output":"${e.output}","stopped":${e.stopped}} (last --json event)`;
    } catch { /* not JSON */ }
  }
  return last;
}

/** The message without `transfer-studio CMD: ` (to compare what two commands said). */
export function messageBody(line: string): string {
  return line.replace(/^transfer-studio \w+: /, '');
}

export interface WorkerEvent { type: string; [k: string]: unknown }

export function events(stdout: string): WorkerEvent[] {
  const out: WorkerEvent[] = [];
  for (const l of stdout.split('\n')) {
    if (!l.startsWith('{')) continue;
    try { out.push(JSON.parse(l) as WorkerEvent); } catch { /* a partial line */ }
  }
  return out;
}

export function parseEvent(line: string): WorkerEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try { return JSON.parse(line) as WorkerEvent; } catch { return undefined; }
}

/** Run `fn` over `items`, `n` at a time. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

// ---------------------------------------------------------------- fixtures

/** The small functional emotion MobileNet (64×64 grey) copied to `dir/name`; returns its model.json. */
export function copyEmotion(dir: string, name = 'model'): string {
  fs.cpSync(EMOTION, path.join(dir, name), { recursive: true });
  return path.join(dir, name, 'model.json');
}

/** Classes of examples/fashion-mini (12 PNGs each in train) copied to `dir/dest/<class>`. */
export function copyFashion(dir: string, dest = 'data', classes = ['bag', 'coat', 'dress'], split: 'train' | 'test' = 'train'): string {
  for (const c of classes) fs.cpSync(path.join(FASHION_MINI, split, c), path.join(dir, dest, c), { recursive: true });
  return path.join(dir, dest);
}

/** More Fashion-MNIST PNGs (scripts/lib/fashion.mjs): `perClass` per class into `folder/<label>/`. */
export async function writeFashion(folder: string, perClass: number, classes = [8, 4, 3]): Promise<void> {
  const mod = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'lib', 'fashion.mjs')).href)) as { writeFashionImages(dir: string, o: { classes: number[]; perClass: number }): Promise<number> };
  await mod.writeFashionImages(folder, { classes, perClass });
}

export function writeJson(file: string, value: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  return file;
}

/** A recipe that trains in about a second: the emotion model's frozen base, a Dense head on cached features. */
export function tinyRecipe(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: './model/model.json',
    head: [{ type: 'Dense' }],
    data: { train: './data', validationSplit: 0.2 },
    training: { epochs: 3, seed: 1 },
    output: './out',
    ...extra,
  };
}

/** A recipe whose epochs take about half a second each (every layer trains, batches of 6): room to kill it mid-epoch. */
export function slowRecipe(extra: Record<string, unknown> = {}, training: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: './model/model.json',
    freeze: { all: false },
    head: [{ type: 'Dense' }],
    data: { train: './data', validationSplit: 0.2 },
    training: { epochs: 4, batchSize: 6, earlyStopping: false, seed: 1, ...training },
    output: './out',
    ...extra,
  };
}

/** The emotion model + 3 fashion-mini classes + a recipe, in `dir`. */
export function workspace(dir: string, recipe: Record<string, unknown> = tinyRecipe(), file = 'r.adapt.json'): string {
  copyEmotion(dir);
  copyFashion(dir);
  return writeJson(path.join(dir, file), recipe);
}

// ---------------------------------------------------------------- files

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 over every file under `p` (relative names + bytes); undefined when `p` does not exist. */
export function treeHash(p: string): string | undefined {
  if (!fs.existsSync(p)) return undefined;
  const h = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    const st = fs.statSync(d);
    if (st.isFile()) { h.update(`${rel}\0`); h.update(fs.readFileSync(d)); return; }
    for (const e of fs.readdirSync(d).sort()) walk(path.join(d, e), rel ? `${rel}/${e}` : e);
  };
  walk(p, '');
  return h.digest('hex');
}

/** Is `dir` a complete saved model: model.json parses, weights.bin holds exactly what its manifest lists, metadata.json parses. */
export function completeModel(dir: string): { ok: boolean; why: string } {
  try {
    if (!fs.existsSync(dir)) return { ok: false, why: 'absent' };
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[] };
    for (const g of json.weightsManifest) {
      const bytes = g.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
      const have = g.paths.reduce((s, p) => s + fs.statSync(path.join(dir, p)).size, 0);
      if (have !== bytes) return { ok: false, why: `weights ${have} bytes, manifest says ${bytes}` };
    }
    JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    return { ok: true, why: 'complete' };
  } catch (e) {
    return { ok: false, why: (e as Error).message.split('\n')[0]! };
  }
}

/** The output path holds nothing or a complete model, never part of one. */
export function absentOrComplete(out: string, label = 'output'): Check {
  if (!fs.existsSync(out)) return { ok: true, text: `no ${label} folder (nothing half-written)` };
  const c = completeModel(out);
  return { ok: c.ok, text: c.ok ? `${label} folder holds a complete model` : `${label} folder holds a PARTIAL model (${c.why})` };
}

/** Temp/aside folders the save leaves beside `out` (`out.tmp-*`, `out.old-*`). */
export function leftovers(out: string): string[] {
  const parent = path.dirname(out);
  if (!fs.existsSync(parent)) return [];
  const base = path.basename(out);
  return fs.readdirSync(parent).filter((f) => f.startsWith(`${base}.tmp-`) || f.startsWith(`${base}.old-`));
}

export function same(label: string, before: string | undefined, after: string | undefined): Check {
  return before === after
    ? { ok: true, text: `${label} byte-identical (sha256 ${before ? before.slice(0, 8) : 'absent'})` }
    : { ok: false, text: `${label} CHANGED (sha256 ${before?.slice(0, 8) ?? 'absent'} → ${after?.slice(0, 8) ?? 'absent'})` };
}

export function check(ok: boolean, text: string, failText = text): Check {
  return { ok, text: ok ? text : failText };
}

/** Float32 weights of a saved model's weights.bin. */
export function weightsOf(dir: string): Float32Array {
  const b = fs.readFileSync(path.join(dir, 'weights.bin'));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ---------------------------------------------------------------- processes

export function childPids(pid: number): number[] {
  const r = spawnSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' });
  return r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

export function cmdline(pid: number): string {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

/** The CLI's training worker (the child running worker.js, or the shim standing in for it). */
export function workerOf(cliPid: number): number | undefined {
  return childPids(cliPid).find((p) => /worker/.test(cmdline(p)));
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  // a zombie is dead for us
  try { return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(everyMs);
  }
  return cond();
}

/** VmRSS / VmHWM of one process, in MiB. */
export function memOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples the CLI and its children every `everyMs`: peak RSS per role. */
export function sampleMemory(cliPid: number, everyMs = 200): { stop(): { cli: number; worker: number; total: number; samples: number } } {
  let cliPeak = 0;
  let workerPeak = 0;
  let totalPeak = 0;
  let samples = 0;
  const tick = (): void => {
    const c = memOf(cliPid);
    if (!c) return;
    samples++;
    cliPeak = Math.max(cliPeak, c.hwm, c.rss);
    let total = c.rss;
    for (const k of childPids(cliPid)) {
      const m = memOf(k);
      if (!m) continue;
      total += m.rss;
      if (/worker/.test(cmdline(k))) workerPeak = Math.max(workerPeak, m.hwm, m.rss);
    }
    totalPeak = Math.max(totalPeak, total);
  };
  const timer = setInterval(tick, everyMs);
  tick();
  return { stop: () => { clearInterval(timer); return { cli: cliPeak, worker: workerPeak, total: totalPeak, samples }; } };
}

// ---------------------------------------------------------------- root-only: tmpfs

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A small tmpfs at `dir` (a disk that fills up), unmounted after the case. */
export function mountTmpfs(ctx: Ctx, dir: string, size: string): void {
  if (!isRoot()) throw new Skip('needs root to mount a tmpfs (run the suite as root)');
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Skip(`mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`);
  ctx.defer(() => { spawnSync('umount', ['-l', dir]); });
}

/** Free bytes of the file system holding `p`. */
export function freeBytes(p: string): number {
  const s = fs.statfsSync(p);
  return s.bavail * s.bsize;
}

/** Fill the file system holding `dir` until exactly `leaveBytes` (rounded to its blocks) are free. */
export function fillDisk(dir: string, leaveBytes: number, name = 'filler.bin'): string {
  const file = path.join(dir, name);
  const free = freeBytes(dir);
  const n = Math.max(0, free - leaveBytes);
  const fd = fs.openSync(file, 'w');
  try {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let left = n;
    while (left > 0) {
      const k = Math.min(left, chunk.length);
      fs.writeSync(fd, chunk, 0, k);
      left -= k;
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
