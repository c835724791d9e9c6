/**
 * The detection head's training loop, on batches of (cached) features and encoded box targets:
 * the phase budget, schedule and monitor are core's (as for classification, so `check` and the
 * run agree), the step minimises the detection loss, and every epoch reports the loss parts and
 * the validation mAP (`val_mAP50`, `val_mAP`), which early stopping watches by default. The
 * best epoch's weights are kept, as Keras's restore_best_weights.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { WorkerEvent } from '../../../core/protocol/worker';
import type { ResolvedTraining } from '../../../core/recipe/resolve';
import type { PhaseBudget } from '../../../core/training/budget';
import { EarlyStopper } from '../../../core/training/monitor';
import { makeSchedule } from '../../../core/training/schedule';
import { makeOptimizer, setRate } from '../train/optimizers';
import type { Progress } from '../train/progress';
import type { BatchSource } from '../train/types';
import type { LossParts } from './losses';

export interface ValidationScores {
  loss: number;
  mAP50: number | null;
  mAP: number | null;
}

export interface DetectionLoopOptions {
  /** Features → raw head output. */
  head: tf.LayersModel;
  loss(yTrue: tf.Tensor, yPred: tf.Tensor): LossParts;
  source: BatchSource;
  validate?(): Promise<ValidationScores>;
  budget: PhaseBudget;
  training: ResolvedTraining;
  emit(e: WorkerEvent): void;
  shouldStop(): boolean;
  progress: Progress;
}

export interface DetectionLoopResult {
  stopped: boolean;
  epochsRun: number;
  keptEpoch: number;
  reason: 'converged' | 'cap' | 'stopped';
}

const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(4));

export async function trainDetectionHead(o: DetectionLoopOptions): Promise<DetectionLoopResult> {
  const { budget, training } = o;
  const variables = o.head.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  if (!variables.length) throw new UserError('nothing to train: the detection head has no weights');
  const optimizer = makeOptimizer(training, budget.learningRate);
  const monitor = budget.monitor;
  const stopper = new EarlyStopper(monitor);
  const schedule = makeSchedule(budget.schedule, budget.learningRate, budget.epochs, monitor.mode);
  let best: tf.Tensor[] | undefined;
  let epoch = 0;
  let stopped = false;
  let converged = false;
  if (monitor.note) o.emit({ type: 'log', level: 'info', message: `head: ${monitor.note}` });
  try {
    for (; epoch < budget.epochs; epoch++) {
      const rate = schedule.rate(epoch);
      setRate(optimizer, rate);
      o.emit({ type: 'epochStart', phase: 'head', epoch: epoch + 1, epochs: budget.epochs, learningRate: rate, batches: o.source.numBatches });
      const t0 = performance.now();
      const sums = { total: 0, box: 0, object: 0, class: 0, seen: 0 };
      let batch = 0;
      for await (const b of o.source.batches(epoch)) {
        const n = b.xs.shape[0]!;
        const tb = performance.now();
        const held: { parts?: tf.Tensor } = {};
        optimizer.minimize(() => {
          const l = o.loss(b.ys, o.head.apply(b.xs, { training: true }) as tf.Tensor);
          held.parts = tf.keep(tf.stack([l.total, l.box, l.object, l.class]));
          return l.total;
        }, false, variables);
        const values = (await held.parts!.data()) as Float32Array;
        tf.dispose([held.parts!, b.xs, b.ys]);
        if (!Number.isFinite(values[0]!)) {
          throw new UserError(`the detection loss became ${values[0]} at epoch ${epoch + 1}, batch ${batch + 1}: training diverged`, { hint: `lower the learning rate (now ${rate.toExponential(1)})` });
        }
        sums.total += values[0]! * n; sums.box += values[1]! * n; sums.object += values[2]! * n; sums.class += values[3]! * n; sums.seen += n;
        batch++;
        o.progress.batchDone((performance.now() - tb) / 1000, n);
        o.emit({ type: 'batchEnd', phase: 'head', epoch: epoch + 1, batch, batches: o.source.numBatches, loss: values[0]!, metrics: {}, imagesPerSec: o.progress.imagesPerSec(), etaSec: o.progress.etaSec() });
        await new Promise((r) => setImmediate(r)); // a `stop` arrives between batches
        if (o.shouldStop()) { stopped = true; break; }
      }
      const mean = (v: number): number | null => (sums.seen ? v / sums.seen : null);
      const logs: Record<string, number | null> = { loss: mean(sums.total), box_loss: mean(sums.box), object_loss: mean(sums.object), class_loss: mean(sums.class), learning_rate: rate };
      if (stopped) break;
      const val = o.validate ? await o.validate() : undefined;
      if (val) Object.assign(logs, { val_loss: val.loss, val_mAP50: val.mAP50, val_mAP: val.mAP });
      const monitored = logs[monitor.metric] ?? null;
      const improved = stopper.observe(epoch, monitored);
      schedule.observe(monitored);
      if (improved && monitor.restoreBest) {
        tf.dispose(best);
        best = variables.map((v) => tf.keep(v.clone()));
      }
      o.emit({ type: 'epochEnd', phase: 'head', epoch: epoch + 1, epochs: budget.epochs, logs, durationMs: performance.now() - t0, etaSec: o.progress.etaSec(), tensors: tf.memory().numTensors });
      if (stopper.shouldStop) { converged = true; epoch++; break; }
      if (o.shouldStop()) { stopped = true; epoch++; break; }
    }
    const last = epoch - 1;
    const restore = !stopped && monitor.restoreBest && best !== undefined && stopper.bestEpoch >= 0 && stopper.bestEpoch < last;
    if (restore) variables.forEach((v, i) => v.assign(best![i]!));
    const keptEpoch = restore ? stopper.bestEpoch + 1 : epoch;
    const reason = stopped ? 'stopped' : converged ? 'converged' : 'cap';
    const value = stopper.bestValue;
    const message = reason === 'stopped'
      ? `head: stopped after epoch ${epoch}`
      : reason === 'converged'
        ? `head: converged — ${monitor.metric} has not improved for ${stopper.sinceBest} epochs; keeping epoch ${keptEpoch} (${monitor.metric} ${fmt(stopper.bestValue)})`
        : `head: reached the epoch cap (${budget.epochs}); keeping epoch ${keptEpoch} (${monitor.metric} ${fmt(value)})`;
    o.emit({ type: 'phaseEnd', phase: 'head', epochsRun: epoch, keptEpoch, reason, monitor: { name: monitor.metric, value, mode: monitor.mode }, message });
    return { stopped, epochsRun: epoch, keptEpoch, reason };
  } finally {
    tf.dispose(best);
    optimizer.dispose();
  }
}
