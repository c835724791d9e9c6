/** Loss and metrics per task, with optional per-class weights (Keras semantics: mean of weighted per-example losses). */
import * as tf from '@tensorflow/tfjs';
import type { Task } from '../../../core/recipe/schema';


/** Per-example loss, shape [batch]. */
export function perExampleLoss(task: Task, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    if (task === 'single-label') {
      const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      return tf.neg(tf.sum(tf.mul(yTrue, tf.log(p)), -1)) as tf.Tensor1D;
    }
    if (task === 'multi-label') {
      const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      const bce = tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))));
      return tf.mean(bce, -1) as tf.Tensor1D;
    }
    return tf.mean(tf.square(tf.sub(yPred, yTrue)), -1) as tf.Tensor1D;
  });
}

/** Scalar loss for a batch; `classWeights` (single-label) weighs each example by its true class. */
export function batchLoss(task: Task, yTrue: tf.Tensor, yPred: tf.Tensor, classWeights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const per = perExampleLoss(task, yTrue, yPred);
    if (classWeights && task === 'single-label') return tf.mean(tf.mul(per, tf.sum(tf.mul(yTrue, classWeights), -1))) as tf.Scalar;
    return tf.mean(per) as tf.Scalar;
  });
}

/** Sum of the batch's metric (divide by the example count for the mean). */
export function batchMetricSum(task: Task, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (task === 'single-label') return tf.sum(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32')) as tf.Scalar;
    if (task === 'multi-label') return tf.sum(tf.mean(tf.cast(tf.equal(tf.greater(yPred, 0.5), tf.greater(yTrue, 0.5)), 'float32'), -1)) as tf.Scalar;
    return tf.sum(tf.mean(tf.abs(tf.sub(yPred, yTrue)), -1)) as tf.Scalar;
  });
}

/** Class weights from counts: "balanced" gives n / (k · count_c), as scikit-learn and Keras guides do. */
export function classWeightVector(labels: string[], counts: number[], spec: 'balanced' | Record<string, number> | undefined): number[] | undefined {
  if (!spec) return undefined;
  if (spec === 'balanced') {
    const n = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (c > 0 ? n / (labels.length * c) : 0));
  }
  return labels.map((l) => spec[l] ?? 1);
}
