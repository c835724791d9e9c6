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

export async function fitStandardizer(
  adapted: AdaptedModel, train: Example[], source: { store: FeatureStore } | { dataset: Dataset; predictBase: (x: tf.Tensor) => tf.Tensor }, batchSize: number,
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
  setStandardizer(adapted.standardizer, mean, variance);
  return { features: mean.length, examples: moments!.count };
}
