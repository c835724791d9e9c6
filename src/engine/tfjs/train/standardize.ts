/**
 * The statistics of the head's input on the training split (never validation's), set into the
 * adapted model's standardiser (surgery/standardize.ts). On the fast path they come from the
 * cached features; otherwise from one inference pass of the base over the training images.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdaptedModel } from '../adapt';
import type { Dataset, Example } from '../data/types';
import { FeatureMoments, setStandardizer } from '../surgery/standardize';
import type { FeatureStore } from './features';

/** Feature vectors of a batch at the standardiser's input (after the head's pooling / Flatten). */
function pooled(adapted: AdaptedModel, features: tf.Tensor): tf.Tensor {
  let x = features;
  for (const l of adapted.beforeStandardizer) x = l.apply(x) as tf.Tensor;
  return x;
}

async function addBatch(adapted: AdaptedModel, moments: FeatureMoments | undefined, features: tf.Tensor): Promise<FeatureMoments> {
  const v = tf.tidy(() => pooled(adapted, features));
  const m = moments ?? new FeatureMoments(v.size / v.shape[0]!);
  m.add((await v.data()) as Float32Array, v.shape[0]!);
  v.dispose();
  return m;
}

/**
 * Each feature's variance plus `shrink` × the mean variance over features: a feature the images
 * barely move (a nearly dead channel) is not blown up to unit variance, where its noise would
 * weigh as much as the informative features. Measured (docs/DEFAULTS.md): plain per-feature
 * standardisation lost 5 points on the demo task against raw features; shrink 1 gained on both
 * the demo and the 12 model × dataset pairs. `TRANSFER_STUDIO_STANDARDIZE_SHRINK` is there to
 * repeat that experiment.
 */
export function shrunkVariance(variance: Float32Array, shrink = Number(process.env.TRANSFER_STUDIO_STANDARDIZE_SHRINK ?? 1)): Float32Array {
  const meanVar = variance.reduce((a, b) => a + b, 0) / Math.max(1, variance.length);
  return variance.map((v) => v + (Number.isFinite(shrink) && shrink >= 0 ? shrink : 1) * meanVar);
}

export async function fitStandardizer(
  adapted: AdaptedModel, train: Example[], source: { store: Pick<FeatureStore, 'size' | 'get'> } | { dataset: Dataset; predictBase: (x: tf.Tensor) => tf.Tensor }, batchSize: number,
): Promise<{ features: number; examples: number } | undefined> {
  if (!adapted.standardizer || train.length === 0) return undefined;
  let moments: FeatureMoments | undefined;
  for (let i = 0; i < train.length; i += batchSize) {
    const chunk = train.slice(i, i + batchSize);
    let features: tf.Tensor;
    if ('store' in source) {
      const { store } = source;
      const xs = new Float32Array(chunk.length * store.size);
      chunk.forEach((e, j) => xs.set(store.get(e.file), j * store.size));
      features = tf.tensor(xs, [chunk.length, ...adapted.featureShape]);
    } else {
      const { dataset } = source;
      const { height, width, channels } = dataset.image;
      const per = height * width * channels;
      const pixels = new Float32Array(chunk.length * per);
      await Promise.all(chunk.map((e, j) => dataset.loadInto(e, pixels, j * per)));
      features = tf.tidy(() => source.predictBase(tf.tensor4d(pixels, [chunk.length, height, width, channels])));
    }
    moments = await addBatch(adapted, moments, features);
    features.dispose();
  }
  const { mean, variance } = moments!.result();
  setStandardizer(adapted.standardizer, mean, shrunkVariance(variance));
  return { features: mean.length, examples: moments!.count };
}
