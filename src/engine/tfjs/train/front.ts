/**
 * The head's frozen front on the fast path: its leading layers that neither train nor draw random
 * numbers (the pooling, the feature standardiser) give the same output every epoch, so they run
 * once over the cached features and the steps train only the rest of the head — a cached step
 * lasts a few milliseconds, and a pooling and a BatchNorm per step were a third of it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Example } from '../data/types';

export interface HeadFront {
  /** The head behind the front, on its own input (layers and weights shared with the head). */
  tail: tf.LayersModel;
  shape: number[];
  features: { size: number; get(file: string): Float32Array };
}

const STOCHASTIC = /Dropout|GaussianNoise/;
/** Beyond this, the front's output is not kept in memory (the features stream from the store). */
const MAX_BYTES = 256 * 1024 * 1024;

export function frozenFront(head: tf.LayersModel): tf.layers.Layer[] {
  const front: tf.layers.Layer[] = [];
  for (const l of head.layers) {
    if (l.getClassName() === 'InputLayer') continue;
    if (STOCHASTIC.test(l.getClassName()) || l.trainableWeights.length > 0 || l.trainable && l.weights.length > 0) break;
    front.push(l);
  }
  return front;
}

export async function precomputeFront(head: tf.LayersModel, featureShape: number[], store: { size: number; get(file: string): Float32Array }, examples: Example[], batchSize: number): Promise<HeadFront | undefined> {
  const front = frozenFront(head);
  const rest = head.layers.filter((l) => l.getClassName() !== 'InputLayer' && !front.includes(l));
  if (front.length === 0 || rest.length === 0) return undefined;
  let shape = featureShape;
  for (const l of front) shape = (l.computeOutputShape([null, ...shape]) as (number | null)[]).slice(1).map((d) => d ?? -1);
  const size = shape.reduce((a, b) => a * b, 1);
  const unique = [...new Map(examples.map((e) => [e.file, e])).values()];
  if (unique.length * size * 4 > MAX_BYTES) return undefined;
  const out = new Map<string, Float32Array>();
  for (let i = 0; i < unique.length; i += batchSize) {
    const chunk = unique.slice(i, i + batchSize);
    const xs = new Float32Array(chunk.length * store.size);
    chunk.forEach((e, j) => xs.set(store.get(e.file), j * store.size));
    const y = tf.tidy(() => {
      let t: tf.Tensor = tf.tensor(xs, [chunk.length, ...featureShape]);
      for (const l of front) t = l.apply(t, { training: false }) as tf.Tensor;
      return t;
    });
    const values = (await y.data()) as Float32Array;
    y.dispose();
    chunk.forEach((e, j) => out.set(e.file, values.slice(j * size, (j + 1) * size)));
  }
  const input = tf.input({ shape });
  let t: tf.SymbolicTensor = input;
  for (const l of rest) t = l.apply(t) as tf.SymbolicTensor;
  const tail = tf.model({ inputs: input, outputs: t, name: `${head.name}_tail` });
  return { tail, shape, features: { size, get: (file) => out.get(file)! } };
}
