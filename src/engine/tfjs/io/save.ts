/**
 * Saving an adapted model: model.json + weights.bin + metadata.json, written to a temporary
 * folder and renamed into place, so a failure never leaves a half-written model and never touches
 * the source.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
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
  /** Extra facts (evaluation summary, checkpoint epoch, …). */
  extra?: Record<string, unknown>;
}

export interface SaveOptions {
  /** Paths that must never be written (the source model's folder/file). */
  protect?: string[];
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
  checkOutput(out, opts);
  const { modelJson, weights } = await serializeModel(model);
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'model.json'), modelJson);
    fs.writeFileSync(path.join(tmp, 'weights.bin'), weights);
    fs.writeFileSync(path.join(tmp, 'metadata.json'), metadataJson(meta));
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
