/**
 * The training loop of one phase: batches from any source (cached features or decoded images), a
 * step with explicit `training: true`, per-group learning rates, class weights, the phase's
 * schedule and monitor (both from core, so the engines agree), best-weights keeping, NaN
 * detection and a graceful stop at the next batch. Emits protocol events, ending with `phaseEnd`:
 * the epoch that was kept and why the phase stopped. One update per batch is step.ts's.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { Phase } from '../../../core/protocol/reports';
import type { WorkerEvent } from '../../../core/protocol/worker';
import type { ResolvedTraining } from '../../../core/recipe/resolve';
import type { Task } from '../../../core/recipe/schema';
import type { PhaseBudget } from '../../../core/training/budget';
import { EarlyStopper } from '../../../core/training/monitor';
import { makeSchedule } from '../../../core/training/schedule';
import { restartDropoutMasks } from '../surgery/dropout';
import { taskObjective, type Objective } from './objective';
import { disposeGroups, paramGroups, setGroupRates, type ParamGroup } from './optimizers';
import type { OptimizerState } from './checkpoints';
import type { Progress } from './progress';
import { Stepper } from './step';
import type { BatchSource, EpochScores, Trainee, TrainBatch } from './types';

export type { BatchSource, EpochScores, Trainee, TrainBatch } from './types';

export interface LoopOptions {
  budget: PhaseBudget;
  task: Task;
  /** What the steps minimise and the epochs report; default: the task's loss and metric (class-weighted). */
  objective?: Objective;
  training: ResolvedTraining;
  /** First epoch to run (resume). */
  startEpoch?: number;
  classWeights?: number[];
  emit(event: WorkerEvent): void;
  shouldStop(): boolean;
  progress: Progress;
  validate?(): Promise<EpochScores | undefined>;
  /** Called at the end of every epoch (`best` when the monitored value improved; `final` for the phase's last epoch). */
  checkpoint?(epoch: number, best: boolean, monitorValue: number | null, final: boolean, optimizer: () => Promise<OptimizerState>): Promise<void>;
  /** The optimizers' state at `startEpoch` (resume), as a checkpoint kept it. */
  resumeOptimizer?: OptimizerState;
  /** Bytes one forward + backward pass may use; beyond it a batch runs as micro-batches. */
  stepMemoryBytes?: number;
}

export interface LoopResult {
  stopped: boolean;
  stoppedEarly: boolean;
  epochsRun: number;
  /** 1-based epoch whose weights the phase ends with. */
  keptEpoch: number;
  history: Record<string, number | null>[];
}

export async function trainLoop(trainee: Trainee, source: BatchSource, opts: LoopOptions): Promise<LoopResult> {
  const { task, training, budget } = opts;
  const phase: Phase = budget.phase;
  const groups: ParamGroup[] = paramGroups(trainee.layers, trainee.headLayerNames, training, budget.learningRate);
  const variables = groups.flatMap((g) => g.variables);
  if (variables.length === 0) throw new UserError('nothing to train: every layer is frozen and the head has no weights');
  if (opts.resumeOptimizer) await restoreOptimizers(groups, opts.resumeOptimizer);
  const weights = opts.classWeights ? tf.keep(tf.tensor1d(opts.classWeights)) : undefined;
  const monitor = budget.monitor;
  const stopper = new EarlyStopper(monitor);
  const schedule = makeSchedule(budget.schedule, budget.learningRate, budget.epochs, monitor.mode);
  let bestWeights: tf.Tensor[] | undefined;
  const history: Record<string, number | null>[] = [];
  let stopped = false;
  let stoppedEarly = false;
  const startEpoch = opts.startEpoch ?? 0;
  let epoch = startEpoch;
  if (monitor.note) opts.emit({ type: 'log', level: 'info', message: `${phase}: ${monitor.note}` });

  const stepper = new Stepper(trainee, variables, (grads) => {
    for (const g of groups) {
      const sub: Record<string, tf.Tensor> = {};
      for (const v of g.variables) sub[v.name] = grads[v.name]!;
      g.optimizer.applyGradients(sub);
    }
  }, { task, weights, objective: opts.objective, stepMemoryBytes: opts.stepMemoryBytes, emit: opts.emit });
  const names = stepper.objective.names;

  try {
    for (; epoch < budget.epochs; epoch++) {
      const rate = schedule.rate(epoch);
      setGroupRates(groups, rate);
      restartDropoutMasks(trainee.layers, training.seed, phase, epoch);
      opts.emit({ type: 'epochStart', phase, epoch: epoch + 1, epochs: budget.epochs, learningRate: rate, batches: source.numBatches });
      const t0 = performance.now();
      const sums = await runEpoch(stepper, source, epoch, opts, rate);
      const logs: Record<string, number | null> = { loss: sums.seen ? sums.loss / sums.seen : null, ...figureMeans(names, sums.figures), learning_rate: rate };
      if (sums.stopped) {
        stopped = true;
        history.push(logs);
        break;
      }
      const val = opts.validate ? await opts.validate() : undefined;
      if (val) {
        logs.val_loss = val.loss;
        for (const [k, v] of Object.entries(val.metrics)) logs[`val_${k}`] = v;
      }
      history.push(logs);
      const monitored = logs[monitor.metric] ?? null;
      const improved = stopper.observe(epoch, monitored);
      schedule.observe(monitored);
      if (improved && monitor.restoreBest) {
        tf.dispose(bestWeights);
        bestWeights = variables.map((v) => tf.keep(v.clone()));
      }
      opts.emit({ type: 'epochEnd', phase, epoch: epoch + 1, epochs: budget.epochs, logs, durationMs: performance.now() - t0, etaSec: opts.progress.etaSec(), tensors: tf.memory().numTensors });
      const stopNow = opts.shouldStop();
      await opts.checkpoint?.(epoch + 1, improved, monitored, stopper.shouldStop || stopNow || epoch + 1 >= budget.epochs, () => optimizerState(groups));
      if (stopper.shouldStop) {
        stoppedEarly = true;
        epoch++;
        break;
      }
      if (stopNow) { stopped = true; epoch++; break; }
    }
    // keep the best epoch's weights, as Keras's restore_best_weights does
    const last = epoch - 1;
    const restore = !stopped && monitor.restoreBest && bestWeights !== undefined && stopper.bestEpoch >= 0 && stopper.bestEpoch < last;
    if (restore) variables.forEach((v, i) => v.assign(bestWeights![i]!));
    const keptEpoch = restore ? stopper.bestEpoch + 1 : epoch;
    const epochsRun = epoch - startEpoch;
    const reason = stopped ? 'stopped' : stoppedEarly ? 'converged' : 'cap';
    const value = restore ? stopper.bestValue : (history.at(-1)?.[monitor.metric] ?? null);
    const message = reason === 'stopped'
      ? `${phase}: stopped after epoch ${epoch}`
      : reason === 'converged'
        ? `${phase}: converged — ${monitor.metric} has not improved for ${stopper.sinceBest} epochs; keeping epoch ${keptEpoch} (${monitor.metric} ${fmt(stopper.bestValue)})`
        : `${phase}: reached the epoch cap (${budget.epochs})${monitor.patience === undefined ? '' : ' before converging'}; keeping epoch ${keptEpoch}${value === null ? '' : ` (${monitor.metric} ${fmt(value)})`}`;
    opts.emit({ type: 'phaseEnd', phase, epochsRun, keptEpoch, reason, monitor: { name: monitor.metric, value, mode: monitor.mode }, message });
    return { stopped, stoppedEarly, epochsRun, keptEpoch, history };
  } finally {
    tf.dispose(bestWeights);
    tf.dispose(weights);
    disposeGroups(groups);
  }
}

/**
 * Adam's running powers β₁ᵗ and β₂ᵗ: its setWeights recomputes them as pow(β, t), which rounds
 * differently from the products an uninterrupted run accumulated; kept as they are, the resumed
 * run's updates are the same floats.
 */
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;
export const OPTIMIZER_EXTRA = 'transferStudio/';

/** Every group's optimizer state: its own variables, a new step-count scalar "iter", and copies of Adam's powers. */
async function optimizerState(groups: ParamGroup[]): Promise<OptimizerState> {
  return {
    groups: await Promise.all(groups.map(async (g) => {
      const weights = await g.optimizer.getWeights();
      const o = g.optimizer as unknown as Partial<Record<(typeof ADAM_POWERS)[number], tf.Variable>>;
      for (const k of ADAM_POWERS) if (o[k]) weights.push({ name: `${OPTIMIZER_EXTRA}${k}`, tensor: o[k].clone() });
      return { multiplier: g.multiplier, weights };
    })),
  };
}

/** A resumed phase's optimizers continue from the saved state (matched by group: multiplier and size). */
async function restoreOptimizers(groups: ParamGroup[], state: OptimizerState): Promise<void> {
  for (const g of groups) {
    const saved = state.groups.find((s) => s.multiplier === g.multiplier);
    if (!saved) continue;
    await g.optimizer.setWeights(saved.weights.filter((w) => !w.name.startsWith(OPTIMIZER_EXTRA)));
    const o = g.optimizer as unknown as Partial<Record<(typeof ADAM_POWERS)[number], tf.Variable>>;
    for (const k of ADAM_POWERS) {
      const w = saved.weights.find((x) => x.name === `${OPTIMIZER_EXTRA}${k}`);
      if (w && o[k]) o[k].assign(w.tensor);
    }
  }
  tf.dispose(state.groups.flatMap((s) => s.weights.map((w) => w.tensor)));
}

function fmt(v: number | null): string {
  return v === null ? '–' : Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(3);
}

/** Figures' sums then counts → each figure's mean by name (null where nothing was counted). */
function figureMeans(names: string[], figures: ArrayLike<number>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  names.forEach((n, i) => { const c = figures[names.length + i]!; out[n] = c > 0 ? figures[i]! / c : null; });
  return out;
}

interface EpochSums { loss: number; figures: Float64Array; seen: number; stopped: boolean }

async function runEpoch(stepper: Stepper, source: BatchSource, epoch: number, opts: LoopOptions, rate: number): Promise<EpochSums> {
  const phase = opts.budget.phase;
  const names = stepper.objective.names;
  const sums: EpochSums = { loss: 0, figures: new Float64Array(2 * names.length), seen: 0, stopped: false };
  let batch = 0;
  for await (const b of source.batches(epoch)) {
    const n = b.xs.shape[0]!;
    const tb = performance.now();
    if (!stepper.planned) await stepper.plan(b);
    const [lossT, metricT] = stepper.step(b.xs, b.ys);
    // one readback for both: a cached step lasts a few milliseconds, and every readback waits for the backend
    const both = tf.tidy(() => tf.concat([tf.reshape(lossT, [1]), metricT]));
    const read = (await both.data()) as Float32Array;
    const loss = read[0];
    const figures = read.subarray(1);
    tf.dispose([both, lossT, metricT, b.xs, b.ys]);
    if (!Number.isFinite(loss!)) {
      throw new UserError(`the loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1} (${phase}): training diverged`, {
        hint: `lower the learning rate (now ${rate.toExponential(1)}), check the data's normalisation ("preprocess"), or use class weights less extreme`,
      });
    }
    sums.loss += loss! * n;
    figures.forEach((v, i) => { sums.figures[i]! += v; });
    sums.seen += n;
    batch++;
    opts.progress.batchDone((performance.now() - tb) / 1000, n);
    opts.emit({
      type: 'batchEnd', phase, epoch: epoch + 1, batch, batches: source.numBatches,
      loss: loss!, metrics: figureMeans(names, figures), imagesPerSec: opts.progress.imagesPerSec(), etaSec: opts.progress.etaSec(),
    });
    // let the event loop run: a `stop` from the parent arrives as a message between batches
    await new Promise((r) => setImmediate(r));
    if (opts.shouldStop()) { sums.stopped = true; break; }
  }
  return sums;
}

/** Loss and figures of a model over a batch source, in inference mode (the objective's, default the task's unweighted). */
export async function scoreBatches(predict: (x: tf.Tensor) => tf.Tensor, source: AsyncIterable<TrainBatch>, task: Task, objective: Objective = taskObjective(task)): Promise<EpochScores | undefined> {
  let lossSum = 0;
  let figures: Float64Array | undefined;
  let n = 0;
  for await (const b of source) {
    const read = tf.tidy(() => {
      const p = predict(b.xs);
      return tf.concat([tf.reshape(tf.mul(objective.loss(b.ys, p), b.ys.shape[0]!), [1]), objective.figures(b.ys, p)]).dataSync();
    });
    lossSum += read[0]!;
    figures ??= new Float64Array(read.length - 1);
    for (let i = 1; i < read.length; i++) figures[i - 1]! += read[i]!;
    n += b.xs.shape[0]!;
    tf.dispose([b.xs, b.ys]);
  }
  return n && figures ? { loss: lossSum / n, metrics: figureMeans(objective.names, figures) } : undefined;
}
