/**
 * The feature-extraction fast path: when the whole base is frozen and no augmentation needs the
 * raw pixels, the base runs once per example and the head trains on its outputs. Features are
 * kept in memory (up to a budget) and on disk, keyed by model hash + cut + preprocessing + the
 * file's own hash, so a later run on the same data skips the base entirely.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import { epochSeed, rng, shuffled } from '../../../core/random';
import { fuseForInference } from '../inference/fuse';
import type { Dataset, Example, ImageSpec } from '../data/types';
import type { BatchSource, TrainBatch } from './types';

export function defaultCacheDir(): string {
  return process.env.TRANSFER_STUDIO_CACHE ?? path.join(os.homedir(), '.cache', 'transfer-studio');
}

export function featureCacheKey(modelSha256: string, cut: string, image: ImageSpec, featureShape: number[]): string {
  return createHash('sha256').update(JSON.stringify({ v: 1, modelSha256, cut, image, featureShape })).digest('hex').slice(0, 32);
}

const fileHashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();
function fileHash(file: string): string {
  const st = fs.statSync(file);
  const known = fileHashes.get(file);
  if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known.hash;
  const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  fileHashes.set(file, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

/** Errors that mean "this disk cannot take the cache now", not a bug: the run goes on from memory. */
const DISK_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);

function diskProblem(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code || !DISK_ERRORS.has(err.code)) return undefined;
  return err.code === 'ENOSPC' || err.code === 'EDQUOT' ? `the disk is full (${err.code})` : `it is not writable (${err.code})`;
}

export interface FeatureStoreOptions {
  /** Disk cache root; undefined disables the disk cache. */
  cacheDir?: string;
  key: string;
  featureShape: number[];
  memoryBudgetBytes?: number;
}

/** Features per example file: in memory up to a budget, on disk beyond it (and across runs). */
export class FeatureStore {
  readonly size: number;
  private readonly memory = new Map<string, Float32Array>();
  private memoryBytes = 0;
  private readonly dir?: string;
  computed = 0;
  fromDisk = 0;
  /**
   * Why the disk cache stopped taking features (a full disk…), once it did: what is on disk stays
   * valid (each file appears whole, by rename), the rest of this run's features stay in memory.
   */
  diskError?: string;

  get cacheDir(): string | undefined {
    return this.opts.cacheDir;
  }

  get key(): string {
    return this.opts.key;
  }

  constructor(private readonly opts: FeatureStoreOptions) {
    this.size = opts.featureShape.reduce((a, b) => a * b, 1);
    if (opts.cacheDir) {
      this.dir = path.join(opts.cacheDir, 'features', opts.key);
      try {
        fs.mkdirSync(this.dir, { recursive: true });
      } catch (e) {
        const why = diskProblem(e);
        if (!why) throw e;
        this.diskError = why;
      }
    }
  }

  private diskPath(file: string): string | undefined {
    return this.dir && path.join(this.dir, `${fileHash(file)}.f32`);
  }

  has(file: string): boolean {
    if (this.memory.has(file)) return true;
    const p = this.diskPath(file);
    return p !== undefined && fs.existsSync(p) && fs.statSync(p).size === this.size * 4;
  }

  get(file: string): Float32Array {
    const m = this.memory.get(file);
    if (m) return m;
    const p = this.diskPath(file);
    if (!p) throw new Error(`no features for ${file}`);
    const buf = fs.readFileSync(p);
    const f = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    this.remember(file, f);
    return f;
  }

  put(file: string, features: Float32Array): void {
    const p = this.diskError ? undefined : this.diskPath(file);
    if (p) {
      const tmp = `${p}.tmp-${process.pid}`;
      try {
        fs.writeFileSync(tmp, Buffer.from(features.buffer, features.byteOffset, features.byteLength));
        fs.renameSync(tmp, p);
      } catch (e) {
        fs.rmSync(tmp, { force: true }); // never leave a torn file behind (has() would skip it, but it takes space)
        const why = diskProblem(e);
        if (!why) throw e;
        this.diskError = why;
      }
    }
    this.remember(file, features);
    if (this.diskError && !this.memory.has(file)) {
      throw new UserError(`the feature cache cannot be written: ${this.diskError}, and the features do not fit in memory (${Math.round(this.memoryBytes / 2 ** 20)} MiB kept)`, {
        file: this.dir,
        hint: 'free some disk space and train again (the features already cached are kept and reused), or set TRANSFER_STUDIO_CACHE to a disk with room',
      });
    }
  }

  private remember(file: string, f: Float32Array): void {
    if (this.memory.has(file)) return;
    const budget = this.opts.memoryBudgetBytes ?? 1024 * 1024 * 1024;
    if (this.memoryBytes + f.byteLength > budget && this.dir && !this.diskError) return; // read from disk when needed
    if (this.memoryBytes + f.byteLength > budget && this.diskError) return; // not on disk either: put() says so
    this.memory.set(file, f);
    this.memoryBytes += f.byteLength;
  }

  get bytesInMemory(): number {
    return this.memoryBytes;
  }
}

export interface ExtractOptions {
  batchSize: number;
  shouldStop(): boolean;
  /** Called after each batch with the number of examples done so far. */
  onBatch?(done: number, total: number, seconds: number, examples: number): void;
}

/**
 * The examples still to extract, handed out one batch at a time to whoever asks first: the
 * extraction threads share it (threads.ts), so a thread that starts late or runs slower simply
 * takes fewer batches.
 */
export class ExtractionQueue {
  private next = 0;
  readonly todo: Example[];

  constructor(examples: Example[], store: FeatureStore, readonly batchSize: number) {
    this.todo = [...new Map(examples.filter((e) => !store.has(e.file)).map((e) => [e.file, e])).values()];
  }

  take(): Example[] | undefined {
    if (this.next >= this.todo.length) return undefined;
    const chunk = this.todo.slice(this.next, this.next + this.batchSize);
    this.next += chunk.length;
    return chunk;
  }

  get taken(): number {
    return this.next;
  }
}

/** Run the frozen base over every example not yet in the store (or the queue's batches). Returns false when stopped. */
export async function extractFeatures(base: tf.LayersModel, dataset: Dataset, examples: Example[] | ExtractionQueue, store: FeatureStore, opts: ExtractOptions): Promise<boolean> {
  const queue = examples instanceof ExtractionQueue ? examples : new ExtractionQueue(examples, store, opts.batchSize);
  const { height, width, channels } = dataset.image;
  const per = height * width * channels;
  let done = 0;
  let buffer: Float32Array | undefined; // one input buffer for every batch (see Dataset.loadInto)
  const fused = fuseForInference(base); // the base is frozen while it extracts
  try {
    return await extractLoop();
  } finally {
    fused.dispose();
  }
  async function extractLoop(): Promise<boolean> {
  for (;;) {
    await new Promise((r) => setImmediate(r)); // lets a `stop` message in
    if (opts.shouldStop()) return false;
    const chunk = queue.take();
    if (!chunk) return true;
    const t0 = performance.now();
    buffer ??= new Float32Array(queue.batchSize * per);
    const pixels = buffer.subarray(0, chunk.length * per);
    await Promise.all(chunk.map((e, j) => dataset.loadInto(e, pixels, j * per)));
    const out = tf.tidy(() => fused.predict(tf.tensor4d(pixels, [chunk.length, height, width, channels])));
    const values = (await out.data()) as Float32Array;
    out.dispose();
    chunk.forEach((e, j) => store.put(e.file, values.slice(j * store.size, (j + 1) * store.size)));
    store.computed += chunk.length;
    done += chunk.length;
    opts.onBatch?.(done, queue.todo.length, (performance.now() - t0) / 1000, chunk.length);
  }
  }
}

/**
 * Batches of cached features and their targets, shuffled per epoch with the run's seed, in the
 * order image batches use (data/batches.ts), so cached and uncached runs see the same batches.
 * Each batch is copied in JS into a new tensor: on WASM that costs 0.1 ms a batch, where a
 * tf.gather from features kept on the backend costs 2 ms (measured).
 */
export function featureBatches(store: { size: number; get(file: string): Float32Array }, examples: Example[], targets: (examples: Example[]) => tf.Tensor2D, featureShape: number[], batchSize: number, seed: number, shuffle: boolean): BatchSource {
  return {
    examples: examples.length,
    numBatches: Math.ceil(examples.length / batchSize),
    batches: async function* (epoch: number): AsyncGenerator<TrainBatch> {
      const order = shuffle ? shuffled(examples, rng(epochSeed(seed, epoch))) : examples;
      for (let i = 0; i < order.length; i += batchSize) {
        const chunk = order.slice(i, i + batchSize);
        const xs = new Float32Array(chunk.length * store.size);
        chunk.forEach((e, j) => xs.set(store.get(e.file), j * store.size));
        yield { xs: tf.tensor(xs, [chunk.length, ...featureShape]), ys: targets(chunk) };
      }
    },
  };
}
