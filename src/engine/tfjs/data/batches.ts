/**
 * Batches for training and evaluation. The order (shuffled per epoch) and every example's
 * augmentation come from the seed and the epoch alone, never from decode timing: the same seed
 * gives the same batches whether pixels come from the cache or from disk. The next batch is
 * decoded while the caller trains on the current one. Only xs and ys are created as tensors;
 * the caller disposes them.
 */
import * as tf from '@tensorflow/tfjs';
import { epochSeed, rng, shuffled } from '../../../core/random';
import { UnreadableImageError } from './decode';
import { encodeTargets } from './targets';
import type { Batch, BatchOptions, Dataset, Example } from './types';

export function numBatches(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

interface Built {
  xs: Float32Array;
  examples: Example[];
}

export async function* batches(dataset: Dataset, examples: Example[], options: BatchOptions): AsyncGenerator<Batch> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const epoch = options.epoch ?? 0;
  const order = options.shuffle ? shuffled(examples, rng(epochSeed(options.seed, epoch))) : examples.slice();
  const augmentRandom = rng(epochSeed(options.seed, epoch, 2));
  const { height, width, channels } = dataset.image;
  const per = height * width * channels;

  const build = async (chunk: Example[]): Promise<Built> => {
    // one seed per example, drawn in order before any await
    const seeds = chunk.map(() => Math.floor(augmentRandom() * 2 ** 32));
    const loaded = await Promise.all(chunk.map(async (e, i) => {
      try {
        return await dataset.load(e, options.augment, rng(seeds[i]!));
      } catch (err) {
        if (err instanceof UnreadableImageError) return undefined; // listed in the report by load(): left out
        throw err;
      }
    }));
    const kept = chunk.filter((_, i) => loaded[i] !== undefined);
    const xs = new Float32Array(kept.length * per);
    let j = 0;
    for (const p of loaded) if (p) xs.set(p, per * j++);
    return { xs, examples: kept };
  };

  const chunks: Example[][] = [];
  for (let i = 0; i < order.length; i += batchSize) chunks.push(order.slice(i, i + batchSize));
  const start = (i: number): Promise<Built> | undefined => {
    if (i >= chunks.length) return undefined;
    const p = build(chunks[i]!);
    p.catch(() => {}); // awaited below; this only keeps an abandoned prefetch from being an unhandled rejection
    return p;
  };
  let next = start(0);
  for (let i = 0; next; i++) {
    const built = await next;
    next = start(i + 1); // decode the next batch while this one trains
    if (built.examples.length === 0) continue;
    const n = built.examples.length;
    const batch = tf.tidy(() => ({ xs: tf.tensor4d(built.xs, [n, height, width, channels]), ys: encodeTargets(dataset, built.examples) }));
    yield { ...batch, examples: built.examples };
  }
}
