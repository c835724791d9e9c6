/**
 * One optimizer update from one batch: the loss and its gradients through `trainee` (its frozen
 * `prepare` part outside the gradient tape), handed to `apply`. A batch too large for the
 * backend's memory (memory.ts) runs as equal micro-batches whose gradients are summed: the
 * batch's mean loss is the sum of each part's mean × its share, so the update is the same.
 * The training loop and the benchmarks share this, so the bench measures what users run.
 */
import * as tf from '@tensorflow/tfjs';
import type { WorkerEvent } from '../../../core/protocol/worker';
import type { Task } from '../../../core/recipe/schema';
import { taskObjective, type Objective } from './objective';
import type { Trainee, TrainBatch } from './types';
import { keepingDropoutMasks } from '../surgery/dropout';
import { isContainer, leafLayers } from '../surgery/layers';
import { planMicroBatch } from './memory';

export interface StepOptions {
  task: Task;
  /** Per-class loss weights (single-label). */
  weights?: tf.Tensor1D;
  /** What the step minimises and reports; default: the task's loss and metric. */
  objective?: Objective;
  /** Bytes one forward + backward pass may use; beyond it a batch runs as micro-batches. */
  stepMemoryBytes?: number;
  emit?(event: WorkerEvent): void;
}

interface Grads {
  value: tf.Scalar;
  /** The objective's figures: sums, then counts. */
  metric: tf.Tensor1D;
  grads: tf.NamedTensorMap;
}

/** Runs `fn`, then puts every BatchNormalization layer's moving mean and variance back as they were. */
async function keepingMovingStatistics<T>(layers: tf.layers.Layer[], fn: () => Promise<T>): Promise<T> {
  const leaves = layers.flatMap((l) => (isContainer(l) ? leafLayers(l) : [l]));
  const stats = leaves.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.weights.filter((w) => /moving_(mean|variance)/.test(w.name)));
  const saved = stats.map((w) => tf.keep(w.read().clone()));
  try {
    return await fn();
  } finally {
    stats.forEach((w, i) => w.write(saved[i]!));
    tf.dispose(saved);
  }
}

export class Stepper {
  /** Examples per forward/backward pass; 0: the whole batch at once. */
  microBatch = 0;
  planned = false;
  readonly objective: Objective;

  constructor(
    private readonly trainee: Trainee,
    private readonly variables: tf.Variable[],
    private readonly apply: (grads: tf.NamedTensorMap) => void,
    private readonly opts: StepOptions,
  ) {
    this.objective = opts.objective ?? taskObjective(opts.task, opts.weights);
  }

  /** Gradients of the mean loss over these examples, scaled by `share` (their part of the batch). */
  private gradsOf(xs: tf.Tensor, ys: tf.Tensor, share: number, withRegularization: boolean): Grads {
    const { trainee, objective } = this;
    let metric: tf.Tensor1D | undefined;
    const input = trainee.prepare ? trainee.prepare(xs) : xs; // disposed by the caller's tidy
    const { value, grads } = tf.variableGrads(() => {
      const pred = trainee.forward(input, true);
      const [loss, figures] = objective.lossAndFigures?.(ys, pred) ?? [objective.loss(ys, pred), objective.figures(ys, pred)];
      metric = tf.keep(figures);
      const extra = trainee.extraLoss?.();
      const base = extra ? tf.add(loss, extra) : loss;
      const scaled = share === 1 ? base : tf.mul(base, share);
      const regs = withRegularization ? trainee.regularization() : [];
      return (regs.length ? tf.addN([scaled, ...regs]) : scaled) as tf.Scalar;
    }, this.variables);
    return { value, metric: metric!, grads };
  }

  /** Measures a step on 1 and 2 examples of `b` (no update) and picks the micro-batch size once. */
  async plan(b: TrainBatch): Promise<void> {
    this.planned = true;
    const n = b.xs.shape[0]!;
    const budget = this.opts.stepMemoryBytes;
    if (!budget || n < 2) return;
    // a measurement, not a step: the dropout masks of the first real step stay what they would be
    // nor the moving BatchNorm statistics: a forward pass in training mode updates them, and a
    // resumed run (which measures at its first epoch) must end where an uninterrupted one does
    const plan = await keepingMovingStatistics(this.trainee.layers, () => keepingDropoutMasks(this.trainee.layers, () => planMicroBatch((k) => tf.tidy(() => {
      const { value, metric, grads } = this.gradsOf(tf.slice(b.xs, 0, k), tf.slice(b.ys, 0, k), 1, true);
      tf.dispose([value, metric, ...Object.values(grads)]);
    }), n, budget)));
    if (plan.size >= n) return;
    this.microBatch = plan.size;
    const mib = (x: number): string => `${Math.round(x / 2 ** 20)} MiB`;
    const bn = this.trainee.layers.some((l) => l.trainable && l.getClassName() === 'BatchNormalization');
    this.opts.emit?.({
      type: 'log', level: 'info',
      message: `memory: a training step holds about ${mib(plan.perExampleBytes)} per example, so a batch of ${n} (${mib(plan.perExampleBytes * n)}) exceeds the ${mib(budget)} this backend allows; each batch runs as micro-batches of ${plan.size} with summed gradients (the same update${bn ? '; trainable BatchNormalization layers see micro-batch statistics' : ''})`,
    });
  }

  /** One update from a whole batch: [loss, the objective's figures (sums, then counts)], both kept (the caller disposes them). */
  step(xs: tf.Tensor, ys: tf.Tensor): [tf.Scalar, tf.Tensor1D] {
    const n = xs.shape[0]!;
    const micro = this.microBatch;
    if (!micro || n <= micro) {
      return tf.tidy(() => {
        const { value, metric, grads } = this.gradsOf(xs, ys, 1, true);
        this.apply(grads);
        return [value, metric];
      });
    }
    let acc: tf.NamedTensorMap | undefined;
    let lossAcc: tf.Scalar = tf.keep(tf.scalar(0));
    let metricAcc: tf.Tensor1D = tf.keep(tf.zeros([2 * this.objective.names.length]));
    const each = Math.ceil(n / Math.ceil(n / micro)); // equal parts: 32 at ≤ 17 → 16 + 16
    for (let start = 0; start < n; start += each) {
      const size = Math.min(each, n - start);
      const prev = acc;
      tf.tidy(() => {
        const { value, metric, grads } = this.gradsOf(tf.slice(xs, start, size), tf.slice(ys, start, size), size / n, start === 0);
        const sum: tf.NamedTensorMap = {};
        for (const [k, g] of Object.entries(grads)) sum[k] = tf.keep(prev ? tf.add(prev[k]!, g) : g);
        acc = sum;
        const l = tf.keep(tf.add(lossAcc, value) as tf.Scalar);
        const m = tf.keep(tf.add(metricAcc, metric) as tf.Tensor1D);
        tf.dispose([lossAcc, metricAcc]);
        lossAcc = l;
        metricAcc = m;
      });
      if (prev) tf.dispose(Object.values(prev));
    }
    tf.tidy(() => this.apply(acc!));
    tf.dispose(Object.values(acc!));
    return [lossAcc, metricAcc];
  }
}
