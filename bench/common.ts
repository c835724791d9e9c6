/** What every benchmark shares: the results object, timing helpers, images and a worker run. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerEvent } from '../src/core/protocol/worker';
import { WorkerClient } from '../src/worker/client';

export const ROOT = path.resolve(__dirname, '..');
export const quick = process.argv.includes('--quick');
export const results: Record<string, unknown> = { date: new Date().toISOString(), quick, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.arch()}` } };
export const log = (m: string): void => console.log(`[bench ${((performance.now() / 1000) | 0)}s] ${m}`);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function timeIt(fn: () => Promise<void> | void, reps: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts) / 1000;
}

export async function writeImages(dir: string, perClass: number, offset = 0, classes?: number[]): Promise<void> {
  const { writeFashionImages } = await import(path.join(ROOT, 'scripts', 'lib', 'fashion.mjs'));
  await (writeFashionImages as (d: string, o: { perClass: number; offset: number; classes?: number[] }) => Promise<number>)(dir, { perClass, offset, ...(classes ? { classes } : {}) });
}

export interface WorkerRun { events: WorkerEvent[]; peakRssMB: number }

export async function runWorker(recipe: string, env: NodeJS.ProcessEnv, overrides: Record<string, unknown> = {}): Promise<WorkerRun> {
  const client = new WorkerClient({ script: path.join(ROOT, 'dist', 'worker.js'), env, execArgv: ['--max-old-space-size=8192'] });
  const events: WorkerEvent[] = [];
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = fs.readFileSync(`/proc/${client.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch { /* gone */ }
  }, 200);
  const done = new Promise<void>((resolve) => client.onEvent((e) => { events.push(e); if (e.type === 'done' || (e.type === 'error' && e.id === undefined)) resolve(); }));
  await client.ready;
  client.send({ type: 'train', recipe, overrides: { runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-run-')), ...overrides } });
  await done;
  clearInterval(poll);
  await client.shutdown(3000);
  const err = events.find((e) => e.type === 'error');
  if (err && err.type === 'error') throw new Error(`worker: ${err.error.message}`);
  return { events, peakRssMB: Math.round(peak) };
}

export const epochSeconds = (r: WorkerRun): number[] => r.events.filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> => e.type === 'epochEnd').map((e) => e.durationMs / 1000);
export const featureSeconds = (r: WorkerRun): number => Number(/in ([\d.]+) s$/.exec(r.events.filter((e): e is Extract<WorkerEvent, { type: 'log' }> => e.type === 'log').find((e) => e.message.startsWith('features:'))?.message ?? '')?.[1] ?? NaN);

