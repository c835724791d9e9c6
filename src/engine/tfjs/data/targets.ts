/** Training targets of examples: one-hot (single-label), multi-hot (multi-label) or the values (regression). */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Example } from './types';

export function encodeTargets(dataset: Pick<Dataset, 'task' | 'labels'>, examples: Example[]): tf.Tensor2D {
  const k = dataset.labels.length;
  const data = new Float32Array(examples.length * k);
  examples.forEach((e, i) => {
    if (dataset.task === 'regression') e.values.forEach((v, j) => { data[i * k + j] = v; });
    else e.classes.forEach((c) => { data[i * k + c] = 1; });
  });
  return tf.tensor2d(data, [examples.length, k]);
}
