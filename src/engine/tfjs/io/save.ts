/**
 * Saving an adapted model: model.json + weights.bin + metadata.json, written to a temporary
 * folder and renamed into place, so a failure never leaves a half-written model and never touches
 * the source.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { DetectionModelSpec } from '../../../core/detection/model';
import type { Preprocess, Recipe, Task } from '../../../core/recipe/schema';

export const TRANSFER_STUDIO_VERSION = '0.1.0';

export interface AdaptedMetadata {
  labels: string[];
  task: Task;
  /** [height, width] */
  inputSize: [number, number];
  channels: number;
  preprocess: Preprocess;
  recipe: Recipe;
  sourceModel: string;
  sourceSha256: string;
  cut: string;
  frozen: string[];
  createdAt: string;
  backend?: string;
  /** Multi-task models: one entry per output of the model, in order (`labels` are the first head's). */
  heads?: { name: string; task: Exclude<Task, 'detection'>; labels: string[]; columns: string[]; lossWeight: number }[];
  /** Detection models: the head's layout, anchors and thresholds predict decodes with. */
  detection?: DetectionModelSpec;
  /** Extra facts (evaluation summary, checkpoint epoch, …). */
  extra?: Record<string, unknown>;
}

export interface SaveOptions {
  /** Paths that must never be written (the source model's folder/file). */
  protect?: string[];
  /** More files written into the folder before it is published (a checkpoint's optimizer state). */
  extraFiles?: Record<string, string | Uint8Array>;
}

function sameOrInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Write a file atomically: temp file in the same folder, then rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Serialize a LayersModel to { model.json text, weights bytes } without touching the disk. */
export async function serializeModel(model: tf.LayersModel): Promise<{ modelJson: string; weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer: false });
  if (!artifacts) throw new Error('model.save produced no artifacts');
  const data = artifacts.weightData;
  const weights = data === undefined ? new Uint8Array() : Array.isArray(data) ? concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
  const json = {
    format: 'layers-model',
    generatedBy: `Transfer Studio ${TRANSFER_STUDIO_VERSION}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  return { modelJson: JSON.stringify(json), weights };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function isOurOutput(dir: string): boolean {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    return typeof meta.transferStudio === 'object';
  } catch {
    return false;
  }
}

/** metadata.json of a saved model: Teachable-Machine-compatible keys first, so other tools read the labels and size. */
export function metadataJson(meta: AdaptedMetadata): string {
  return JSON.stringify({ labels: meta.labels, imageSize: meta.inputSize[0], transferStudio: { version: TRANSFER_STUDIO_VERSION, ...meta } }, null, 2) + '\n';
}

/** Where a model may be saved: never into a protected path, never over files Transfer Studio did not write, into a writable parent. */
function checkOutput(out: string, opts: SaveOptions): void {
  for (const p of opts.protect ?? []) {
    if (sameOrInside(p, out) || path.resolve(p) === out) {
      throw new UserError(`refusing to save into ${out}: it holds the source model`, { file: out, hint: 'choose a new output folder beside the model' });
    }
  }
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory()) throw new UserError('the output path exists and is a file, not a folder', { file: out });
    if (fs.readdirSync(out).length > 0 && !isOurOutput(out)) {
      throw new UserError('the output folder already holds files that Transfer Studio did not write; not overwriting them', { file: out, hint: 'choose another output folder or empty this one' });
    }
  }
  const parent = path.dirname(out);
  try {
    fs.mkdirSync(parent, { recursive: true });
    fs.accessSync(parent, fs.constants.W_OK);
  } catch {
    throw new UserError(`cannot write the adapted model: ${parent} is not writable`, { file: out });
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a killed process nobody has reaped yet (a zombie: its parent died too) is gone for our purposes
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // no /proc (macOS, Windows): the signal said it exists
  }
}

/**
 * What a save killed half-way (SIGKILL, power loss) leaves beside `out`: a staging folder
 * `out.tmp-PID-…` (removed) and, killed between its two renames, the previous output moved aside
 * to `out.old-PID-…` with nothing at `out` (put back). Only folders of processes that are gone.
 */
export function recoverInterruptedSave(outDir: string): void {
  const out = path.resolve(outDir);
  const parent = path.dirname(out);
  const base = path.basename(out);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  const mine = (kind: 'tmp' | 'old'): string[] => names
    .filter((n) => n.startsWith(`${base}.${kind}-`) && !processAlive(Number(n.slice(base.length + kind.length + 2).split('-')[0])))
    .sort();
  const olds = mine('old');
  if (!fs.existsSync(out) && olds.length) {
    fs.renameSync(path.join(parent, olds.at(-1)!), out);
    olds.pop();
  }
  for (const n of [...mine('tmp'), ...olds]) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
}

/**
 * One training run at a time per output folder: a lock (the run's pid) in the temp folder, keyed
 * by the output's path. A lock whose process is gone (killed) is taken over. Returns the release.
 */
export function claimOutput(outDir: string): () => void {
  const out = path.resolve(outDir);
  const dir = path.join(os.tmpdir(), 'transfer-studio-locks');
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, `${createHash('sha256').update(out).digest('hex').slice(0, 24)}.lock`);
  const body = JSON.stringify({ pid: process.pid, output: out, startedAt: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, body, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      let holder: { pid?: number; startedAt?: string } = {};
      try { holder = JSON.parse(fs.readFileSync(lock, 'utf8')) as typeof holder; } catch { /* torn: stale */ }
      if (holder.pid !== undefined && holder.pid !== process.pid && processAlive(holder.pid)) {
        throw new UserError(`another training run (process ${holder.pid}, started ${holder.startedAt ?? 'earlier'}) is already writing to this output folder`, {
          file: out,
          hint: 'wait for it to finish or stop it, or give this recipe another "output"',
        });
      }
      fs.rmSync(lock, { force: true });
    }
  }
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid?: number }).pid === process.pid) fs.rmSync(lock, { force: true });
    } catch { /* already gone */ }
  };
}

/**
 * Puts a complete folder in place of `out` in one step: the old output (if any) is renamed aside,
 * the new one renamed in, the old one removed — a reader of `out` never sees half a model. On
 * failure the old output is put back.
 */
export function publishFolder(staged: string, outDir: string, opts: SaveOptions = {}): string {
  const out = path.resolve(outDir);
  checkOutput(out, opts);
  const old = `${out}.old-${process.pid}-${Date.now().toString(36)}`;
  try {
    if (fs.existsSync(out)) fs.renameSync(out, old);
    fs.renameSync(staged, out);
  } catch (e) {
    if (fs.existsSync(old) && !fs.existsSync(out)) fs.renameSync(old, out);
    throw saveError(e, out);
  }
  fs.rmSync(old, { recursive: true, force: true });
  return out;
}

function saveError(e: unknown, out: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') return new UserError(`cannot write the adapted model: ${err.message}`, { file: out });
  if (err.code === 'ENOSPC') return new UserError(`the disk is full: the adapted model could not be written (${err.message})`, { file: out, hint: 'free some space and train again (or resume from the last checkpoint); the previous output, if any, is untouched' });
  return e;
}

/**
 * Save `model` into `outDir` (model.json, weights.bin, metadata.json). An existing `outDir` is
 * replaced only when it is empty or an earlier Transfer Studio output; anything else is refused.
 */
export async function saveAdaptedModel(model: tf.LayersModel, outDir: string, meta: AdaptedMetadata, opts: SaveOptions = {}): Promise<string> {
  const out = path.resolve(outDir);
  recoverInterruptedSave(out);
  checkOutput(out, opts);
  const { modelJson, weights } = await serializeModel(model);
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'model.json'), modelJson);
    fs.writeFileSync(path.join(tmp, 'weights.bin'), weights);
    fs.writeFileSync(path.join(tmp, 'metadata.json'), metadataJson(meta));
    for (const [name, data] of Object.entries(opts.extraFiles ?? {})) fs.writeFileSync(path.join(tmp, name), data);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw saveError(e, out);
  }
  try {
    return publishFolder(tmp, out, opts);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
