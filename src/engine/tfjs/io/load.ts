/** Open any model a user brings: TF.js layers model.json (disk or https), Keras .h5/.hdf5/.keras. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import { isPyTorchModel } from '../../../core/recipe/modelRef';
import type { ModelFormat, ModelMetadata } from '../../../core/modelSummary';
import { loadKerasModel } from '../keras';
import { readModelMetadata } from './metadata';
import { loadArtifacts, parseModelJson, type ShardSource } from './modelJson';
import { checkModelUrl, UrlFetcher, type UrlOptions } from './url';
import { translateTfjsError } from './tfjsErrors';

export { translateTfjsError } from './tfjsErrors';

export interface LoadedModel {
  model: tf.LayersModel;
  format: ModelFormat;
  /** Absolute path of the model file, or its https URL. */
  source: string;
  /** SHA-256 of the model's bytes (model.json + shards in manifest order, or the Keras file). */
  sha256: string;
  metadata: ModelMetadata;
}

export type LoadOptions = UrlOptions;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/** Which file in a folder (or the file itself) is the model. */
export function resolveModelPath(source: string): string {
  const abs = path.resolve(source);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new UserError('model file not found', { file: abs });
  }
  if (stat.isDirectory()) {
    if (fs.existsSync(path.join(abs, 'saved_model.pb'))) throw savedModelError(abs);
    const json = path.join(abs, 'model.json');
    if (fs.existsSync(json)) return json;
    const keras = fs.readdirSync(abs).filter((f) => /\.(h5|hdf5|keras)$/i.test(f));
    if (keras.length === 1) return path.join(abs, keras[0]!);
    throw new UserError('no model found in this folder: expected model.json, a .h5/.hdf5 or a .keras file', { file: abs });
  }
  if (path.basename(abs) === 'saved_model.pb' || /\.pbtxt?$/i.test(abs)) throw savedModelError(path.dirname(abs));
  return abs;
}

function savedModelError(dir: string): UserError {
  return new UserError('this is a TensorFlow SavedModel: it is inference-only here and cannot be fine-tuned', {
    file: dir,
    hint: 'save the Keras model as .keras or .h5 (model.save), or convert it with tensorflowjs_converter --input_format keras',
  });
}

export async function loadModel(source: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  if (isPyTorchModel(source)) {
    throw new UserError(`${source} is a PyTorch model: only the PyTorch engine opens torchvision and TorchScript models`, {
      hint: 'train it with the PyTorch engine ("engine": "pytorch" in the recipe, --engine pytorch, or the transferStudio.engine setting); probing cuts is TF.js-only for now',
    });
  }
  if (isUrl(source)) return loadFromUrl(source, opts);
  const file = resolveModelPath(source);
  const head = readHead(file, 8);
  if (HDF5_SIGNATURE.every((b, i) => head[i] === b) || (head[0] === 0x50 && head[1] === 0x4b)) {
    const keras = await loadKerasModel(file);
    return { model: keras.model, format: keras.format, source: file, sha256: sha256File(file), metadata: { ...readModelMetadata(path.dirname(file)), producer: keras.producer } };
  }
  if (/\.(h5|hdf5|keras)$/i.test(file)) {
    throw new UserError(`not a Keras ${path.extname(file)} file: it does not start with the ${/\.keras$/i.test(file) ? 'zip' : 'HDF5'} signature`, { file });
  }
  return loadLayersFromDisk(file);
}

function readHead(file: string, n: number): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = fs.readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function loadLayersFromDisk(file: string): Promise<LoadedModel> {
  const text = fs.readFileSync(file, 'utf8');
  const json = parseModelJson(text, file);
  const dir = path.dirname(file);
  const hash = createHash('sha256').update(text);
  const shards: ShardSource = {
    where: (p) => path.join(dir, p),
    read: async (p) => {
      const bytes = await fs.promises.readFile(path.join(dir, decodeURIComponent(p)));
      hash.update(bytes);
      return bytes;
    },
  };
  const artifacts = await loadArtifacts(json, file, shards);
  const model = await deserialize(artifacts, file);
  return { model, format: 'tfjs-layers', source: file, sha256: hash.digest('hex'), metadata: metadataFrom(readModelMetadata(dir), json.generatedBy ?? json.convertedBy) };
}

async function loadFromUrl(url: string, opts: LoadOptions): Promise<LoadedModel> {
  checkModelUrl(url, opts);
  const fetcher = new UrlFetcher(opts);
  const bytes = await fetcher.fetchBytes(url, 'model.json');
  const text = new TextDecoder().decode(bytes);
  const json = parseModelJson(text, url);
  const hash = createHash('sha256').update(text);
  const shards: ShardSource = {
    where: (p) => new URL(p, url).toString(),
    read: async (p) => {
      const b = await fetcher.fetchBytes(new URL(p, url).toString(), `weights shard ${p}`).catch((e: unknown) => {
        if (e instanceof UserError && /HTTP 404/.test(e.message)) {
          throw new UserError(`weights shard missing: ${new URL(p, url).toString()} (HTTP 404)`, { file: url, hint: 'model.json lists it under weightsManifest, but the server does not have it' });
        }
        throw e;
      });
      hash.update(b);
      return b;
    },
  };
  const artifacts = await loadArtifacts(json, url, shards);
  const model = await deserialize(artifacts, url);
  const metadata: ModelMetadata = {};
  // Teachable Machine publishes metadata.json beside model.json; it is optional
  try {
    const meta = await fetcher.fetchBytes(new URL('metadata.json', url).toString(), 'metadata.json');
    const m = JSON.parse(new TextDecoder().decode(meta)) as { labels?: unknown; imageSize?: unknown; packageName?: unknown };
    if (Array.isArray(m.labels)) metadata.labels = m.labels.map(String);
    if (typeof m.imageSize === 'number') metadata.imageSize = m.imageSize;
    if (typeof m.packageName === 'string' && m.packageName.startsWith('@teachablemachine/')) {
      metadata.preprocess = '-1,1';
      metadata.imageSize ??= 224;
    }
  } catch {
    // no metadata.json: fine
  }
  return { model, format: 'tfjs-layers', source: url, sha256: hash.digest('hex'), metadata: metadataFrom(metadata, json.generatedBy ?? json.convertedBy) };
}

function metadataFrom(meta: ModelMetadata, producer: string | undefined): ModelMetadata {
  return { ...meta, producer: meta.producer ?? producer };
}

/** Build the LayersModel; TF.js's own errors become UserErrors that name the layer. */
export async function deserialize(artifacts: tf.io.ModelArtifacts, file: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw translateTfjsError(e, file);
  }
}
