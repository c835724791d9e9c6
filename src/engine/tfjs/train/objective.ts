/**
 * What a training step minimises and what an epoch reports, for one task or several heads.
 * A multi-task model's outputs and targets are its heads' side by side (core/multitask/layout.ts):
 * the loss is the sum of each head's mean loss over the batch's examples that have its label,
 * times its weight; the figures are each head's loss and metric. NaN in a target marks "no label
 * for this head" — it is replaced before any arithmetic (a NaN that reaches a masked-out branch
 * still poisons its gradient) and the example's share of that head's loss is zero.
 */
import * as tf from '@tensorflow/tfjs';
import { headMetric, type MultiTaskLayout } from '../../../core/multitask/layout';
import type { Task } from '../../../core/recipe/schema';
import { taskMetric } from '../../../core/training/monitor';
import { batchLoss, batchMetricSum, perExampleLoss } from './losses';

export interface Objective {
  /** Epoch log keys of the figures beside the loss, in the order `figures` returns them. */
  names: string[];
  /** The batch's loss (a mean), what the gradients follow. */
  loss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar;
  /** Each figure's sum over the batch, then how many examples each sum is over: length 2 × names. */
  figures(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor1D;
  /** `loss` and `figures` from one pass, where they share their work (detection's figures are its loss's terms); a training step takes it when there is one. */
  lossAndFigures?(yTrue: tf.Tensor, yPred: tf.Tensor): [tf.Scalar, tf.Tensor1D];
}

/** One task: its loss (class-weighted for single-label) and its metric, over every example. */
export function taskObjective(task: Task, classWeights?: tf.Tensor1D): Objective {
  return {
    names: [taskMetric(task)],
    loss: (y, p) => batchLoss(task, y, p, classWeights),
    figures: (y, p) => tf.tidy(() => tf.stack([batchMetricSum(task, y, p), tf.scalar(y.shape[0]!)]) as tf.Tensor1D),
  };
}

/** Per-example metric of one head's slice (what batchMetricSum sums). */
function perExampleMetric(task: Task, y: tf.Tensor, p: tf.Tensor): tf.Tensor1D {
  if (task === 'single-label') return tf.cast(tf.equal(tf.argMax(y, -1), tf.argMax(p, -1)), 'float32') as tf.Tensor1D;
  if (task === 'multi-label') return tf.mean(tf.cast(tf.equal(tf.greater(p, 0.5), tf.greater(y, 0.5)), 'float32'), -1) as tf.Tensor1D;
  return tf.mean(tf.abs(tf.sub(p, y)), -1) as tf.Tensor1D;
}

/**
 * Several heads. `weights` overrides the heads' loss weights: a single-task baseline is the same
 * model with every other head's weight 0 (its layers then get no gradient at all).
 */
export function multiTaskObjective(layout: MultiTaskLayout, weights = layout.heads.map((h) => h.lossWeight)): Objective {
  const parts = (y: tf.Tensor, p: tf.Tensor) => layout.heads.map((h) => {
    const raw = tf.slice(y, [0, h.offset], [-1, h.units]);
    const present = tf.logicalNot(tf.isNaN(tf.slice(raw, [0, 0], [-1, 1]))).reshape([-1]);
    const mask = tf.cast(present, 'float32') as tf.Tensor1D;
    const yh = tf.where(tf.isNaN(raw), tf.zerosLike(raw), raw);
    const ph = tf.slice(p, [0, h.offset], [-1, h.units]);
    // regression: the loss in units of the targets' spread (layout.ts), the metric in the targets' own
    const s = h.task === 'regression' && h.scale ? tf.tensor1d(h.scale) : undefined;
    const loss = s ? perExampleLoss(h.task, tf.div(yh, s), tf.div(ph, s)) : perExampleLoss(h.task, yh, ph);
    return { h, mask, count: tf.sum(mask), loss: tf.mul(loss, mask), metric: tf.mul(perExampleMetric(h.task, yh, ph), mask) };
  });
  const lossOf = (ps: ReturnType<typeof parts>): tf.Scalar => {
    const terms = ps.flatMap(({ loss, count }, i) => (weights[i] ? [tf.mul(weights[i]!, tf.div(tf.sum(loss), tf.maximum(count, 1)))] : []));
    return (terms.length ? tf.addN(terms) : tf.scalar(0)) as tf.Scalar;
  };
  const figuresOf = (ps: ReturnType<typeof parts>): tf.Tensor1D => tf.stack([...ps.flatMap(({ loss, metric }) => [tf.sum(loss), tf.sum(metric)]), ...ps.flatMap(({ count }) => [count, count])]) as tf.Tensor1D;
  return {
    names: layout.heads.flatMap((h) => [`${h.name}_loss`, `${h.name}_${headMetric(h.task)}`]),
    loss: (y, p) => tf.tidy(() => lossOf(parts(y, p))),
    figures: (y, p) => tf.tidy(() => figuresOf(parts(y, p))),
    // a training step: each head's slices, masks and per-example losses once for both
    lossAndFigures: (y, p) => tf.tidy(() => { const ps = parts(y, p); return [lossOf(ps), figuresOf(ps)]; }),
  };
}
