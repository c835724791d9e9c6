/**
 * The training loop: batches from any source (cached features or decoded images), a step with
 * explicit `training: true`, per-group learning rates, class weights, schedules, early stopping,
 * best-weights keeping, NaN detection and a graceful stop at the next batch. Emits protocol events.
 * One update per batch is step.ts's (micro-batches when the batch does not fit in memory).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { Phase, WorkerEvent } from '../../../core/protocol';
import type { ResolvedTraining } from '../../../core/recipe/resolve';
import type { Task } from '../../../core/recipe/schema';
import { restartDropoutMasks } from '../surgery/dropout';
import { batchLoss, batchMetricSum, metricName } from './losses';
import { disposeGroups, paramGroups, scheduledRate, setGroupRates, type ParamGroup } from './optimizers';
import type { Progress } from './progress';
import { Stepper } from './step';

export interface TrainBatch {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

export interface BatchSource {
  numBatches: number;
  examples: number;
  batches(epoch: number): AsyncIterable<TrainBatch>;
}

export interface Trainee {
  /**
   * The frozen part in front of `forward`, run outside the gradient tape: nothing of it is kept
   * for the backward pass (a frozen base with augmentation on, where features cannot be cached).
   */
  prepare?(x: tf.Tensor): tf.Tensor;
  /** Forward pass with the training flag passed to every layer. */
  forward(x: tf.Tensor, training: boolean): tf.Tensor;
  /** Layers whose trainable weights are optimized (grouped by learning-rate multiplier). */
  layers: tf.layers.Layer[];
  headLayerNames: Set<string>;
  /** Regularization losses (L2 on the head). */
  regularization(): tf.Scalar[];
}

export interface EpochScores {
  loss: number;
  metric: number;
}

export interface LoopOptions {
  phase: Phase;
  task: Task;
  training: ResolvedTraining;
  epochs: number;
  /** First epoch to run (resume). */
  startEpoch?: number;
  baseRate: number;
  classWeights?: number[];
  emit(event: WorkerEvent): void;
  shouldStop(): boolean;
  progress: Progress;
  validate?(): Promise<EpochScores | undefined>;
  /** Called at the end of every epoch (`best` when the monitored value improved). */
  checkpoint?(epoch: number, best: boolean, monitorValue: number | null): Promise<void>;
  /** Bytes one forward + backward pass may use; beyond it a batch runs as micro-batches. */
  stepMemoryBytes?: number;
}

export interface LoopResult {
  stopped: boolean;
  stoppedEarly: boolean;
  epochsRun: number;
  bestEpoch: number;
  history: Record<string, number | null>[];
}

function isFiniteNumber(x: number): boolean {
  return Number.isFinite(x);
}

export async function trainLoop(trainee: Trainee, source: BatchSource, opts: LoopOptions): Promise<LoopResult> {
  const { task, training, phase } = opts;
  const mName = metricName(task);
  const groups: ParamGroup[] = paramGroups(trainee.layers, trainee.headLayerNames, training, opts.baseRate);
  const variables = groups.flatMap((g) => g.variables);
  if (variables.length === 0) throw new UserError('nothing to train: every layer is frozen and the head has no weights');
  const weights = opts.classWeights ? tf.keep(tf.tensor1d(opts.classWeights)) : undefined;
  const monitor = training.earlyStopping?.monitor ?? 'val_loss';
  const maximize = /accuracy/.test(monitor);
  let best = maximize ? -Infinity : Infinity;
  let bestEpoch = -1;
  let bestWeights: tf.Tensor[] | undefined;
  let sinceBest = 0;
  const history: Record<string, number | null>[] = [];
  let stopped = false;
  let stoppedEarly = false;
  let epoch = opts.startEpoch ?? 0;

  const stepper = new Stepper(trainee, variables, (grads) => {
    for (const g of groups) {
      const sub: Record<string, tf.Tensor> = {};
      for (const v of g.variables) sub[v.name] = grads[v.name]!;
      g.optimizer.applyGradients(sub);
    }
  }, { task, weights, stepMemoryBytes: opts.stepMemoryBytes, emit: opts.emit });

  try {
    for (; epoch < opts.epochs; epoch++) {
      const rate = scheduledRate(training, opts.baseRate, epoch, opts.epochs);
      setGroupRates(groups, rate);
      restartDropoutMasks(trainee.layers, training.seed, phase, epoch);
      opts.emit({ type: 'epochStart', phase, epoch: epoch + 1, epochs: opts.epochs, learningRate: rate, batches: source.numBatches });
      const t0 = performance.now();
      let lossSum = 0;
      let metricSum = 0;
      let seen = 0;
      let batch = 0;
      for await (const b of source.batches(epoch)) {
        const n = b.xs.shape[0]!;
        const tb = performance.now();
        if (!stepper.planned) await stepper.plan(b);
        const [lossT, metricT] = stepper.step(b.xs, b.ys);
        const loss = (await lossT.data())[0]!;
        const metric = (await metricT.data())[0]!;
        tf.dispose([lossT, metricT]);
        tf.dispose([b.xs, b.ys]);
        if (!isFiniteNumber(loss)) {
          throw new UserError(`the loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1} (${phase}): training diverged`, {
            hint: `lower the learning rate (now ${rate.toExponential(1)}), check the data's normalisation ("preprocess"), or use class weights less extreme`,
          });
        }
        lossSum += loss * n;
        metricSum += metric;
        seen += n;
        batch++;
        const dt = (performance.now() - tb) / 1000;
        opts.progress.batchDone(dt, n);
        opts.emit({
          type: 'batchEnd', phase, epoch: epoch + 1, batch, batches: source.numBatches,
          loss, metrics: { [mName]: metric / n }, imagesPerSec: opts.progress.imagesPerSec(), etaSec: opts.progress.etaSec(),
        });
        // let the event loop run: a `stop` from the parent arrives as a message between batches
        await new Promise((r) => setImmediate(r));
        if (opts.shouldStop()) { stopped = true; break; }
      }
      const logs: Record<string, number | null> = { loss: seen ? lossSum / seen : null, [mName]: seen ? metricSum / seen : null, learning_rate: rate };
      if (stopped) {
        history.push(logs);
        break;
      }
      const val = opts.validate ? await opts.validate() : undefined;
      if (val) {
        logs.val_loss = val.loss;
        logs[`val_${mName}`] = val.metric;
      }
      history.push(logs);
      const monitored = (logs[monitor] ?? logs.val_loss ?? logs.loss) as number | null;
      const improved = monitored !== null && (maximize ? monitored > best + (training.earlyStopping?.minDelta ?? 0) : monitored < best - (training.earlyStopping?.minDelta ?? 0));
      if (improved) {
        best = monitored!;
        bestEpoch = epoch;
        sinceBest = 0;
        if (training.earlyStopping) {
          tf.dispose(bestWeights);
          bestWeights = variables.map((v) => tf.keep(v.clone()));
        }
      } else sinceBest++;
      opts.emit({ type: 'epochEnd', phase, epoch: epoch + 1, epochs: opts.epochs, logs, durationMs: performance.now() - t0, etaSec: opts.progress.etaSec(), tensors: tf.memory().numTensors });
      await opts.checkpoint?.(epoch + 1, improved, monitored);
      if (training.earlyStopping && sinceBest >= training.earlyStopping.patience) {
        stoppedEarly = true;
        opts.emit({ type: 'log', level: 'info', message: `early stopping: ${monitor} has not improved for ${sinceBest} epochs; keeping epoch ${bestEpoch + 1}` });
        epoch++;
        break;
      }
      if (opts.shouldStop()) { stopped = true; epoch++; break; }
    }
    // early stopping keeps the best weights, as Keras's restore_best_weights does
    if (bestWeights && !stopped && bestEpoch >= 0 && bestEpoch < epoch - 1) variables.forEach((v, i) => v.assign(bestWeights![i]!));
  } finally {
    tf.dispose(bestWeights);
    tf.dispose(weights);
    disposeGroups(groups);
  }
  return { stopped, stoppedEarly, epochsRun: epoch - (opts.startEpoch ?? 0), bestEpoch: bestEpoch + 1, history };
}

/** Loss and metric of a model over a batch source, in inference mode. */
export async function scoreBatches(predict: (x: tf.Tensor) => tf.Tensor, source: AsyncIterable<TrainBatch>, task: Task): Promise<EpochScores | undefined> {
  let lossSum = 0;
  let metricSum = 0;
  let n = 0;
  for await (const b of source) {
    const [l, m] = tf.tidy(() => {
      const p = predict(b.xs);
      return [tf.sum(batchLossPerExampleSum(task, b.ys, p)).dataSync()[0]!, batchMetricSum(task, b.ys, p).dataSync()[0]!];
    });
    lossSum += l;
    metricSum += m;
    n += b.xs.shape[0]!;
    tf.dispose([b.xs, b.ys]);
  }
  return n ? { loss: lossSum / n, metric: metricSum / n } : undefined;
}

function batchLossPerExampleSum(task: Task, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(batchLoss(task, yTrue, yPred), yTrue.shape[0]!) as tf.Scalar);
}
