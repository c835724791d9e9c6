/**
 * One runner for every phase of a run (the head, phase-2 fine-tuning, the from-scratch baseline):
 * a phase is a value — what trains, on which batches, how it is validated, whether it keeps
 * checkpoints — and the runner gives it the run's shared settings.
 */
import * as tf from '@tensorflow/tfjs';
import type { WorkerEvent } from '../../../core/protocol/worker';
import type { ResolvedTraining } from '../../../core/recipe/resolve';
import type { Task } from '../../../core/recipe/schema';
import type { PhaseBudget } from '../../../core/training/budget';
import { leafLayers } from '../surgery/layers';
import type { Checkpointer } from './checkpoints';
import { trainLoop, type LoopResult } from './loop';
import type { Objective } from './objective';
import type { Progress } from './progress';
import type { BatchSource, EpochScores, Trainee } from './types';

export interface PhaseRun {
  budget: PhaseBudget;
  trainee: Trainee;
  source: BatchSource;
  validate?: () => Promise<EpochScores | undefined>;
  /** The source `validate` reads, freed with the phase. */
  validationSource?: BatchSource;
  /** Keep `checkpoint` (every epoch) and `best` (when the monitor improved) in the run folder. */
  checkpoints: boolean;
  startEpoch?: number;
  stepMemoryBytes?: number;
}

export interface RunShared {
  task: Task;
  /** What the steps minimise and the epochs report (several heads); default the task's. */
  objective?: Objective;
  training: ResolvedTraining;
  classWeights?: number[];
  emit(e: WorkerEvent): void;
  shouldStop(): boolean;
  progress: Progress;
  checkpointer: Checkpointer;
  /** Batches per epoch, to take epochs that early stopping skipped off the progress total. */
  batchesPerEpoch: number;
}

/**
 * Seconds between checkpoints written to disk. A cached epoch lasts milliseconds and a checkpoint
 * (the whole model) tens of them: writing both every epoch made a converged head's run mostly
 * disk writes. The phase's last epoch is always written; the best epoch is written when it is
 * the best for good (after the loop has restored its weights), or on the same clock.
 */
function checkpointSeconds(): number {
  const v = Number(process.env.TRANSFER_STUDIO_CHECKPOINT_SECONDS ?? 30);
  return Number.isFinite(v) && v >= 0 ? v : 30;
}

export async function runPhase(p: PhaseRun, s: RunShared): Promise<LoopResult> {
  const { phase } = p.budget;
  const monitor = p.budget.monitor.metric;
  const every = checkpointSeconds() * 1000;
  let lastWrite = performance.now();
  let lastBest = performance.now();
  let pendingBest: { epoch: number; value: number | null } | undefined;
  const r = await trainLoop(p.trainee, p.source, {
    budget: p.budget, task: s.task, objective: s.objective, training: s.training, startEpoch: p.startEpoch, classWeights: s.classWeights,
    emit: s.emit, shouldStop: s.shouldStop, progress: s.progress, validate: p.validate, stepMemoryBytes: p.stepMemoryBytes,
    resumeOptimizer: p.checkpoints ? s.checkpointer.takeResumedOptimizer(phase) : undefined,
    checkpoint: p.checkpoints
      ? async (epoch, best, value, final, optimizer) => {
        const now = performance.now();
        if (final || now - lastWrite >= every) {
          await s.checkpointer.save('checkpoint', phase, epoch, { name: monitor, value }, optimizer);
          lastWrite = performance.now();
        }
        if (!best) return;
        // with restoreBest the weights of a pending best come back at the end of the loop
        if (p.budget.monitor.restoreBest && now - lastBest < every && !final) { pendingBest = { epoch, value }; return; }
        await s.checkpointer.save('best', phase, epoch, { name: monitor, value });
        pendingBest = undefined;
        lastBest = performance.now();
      }
      : undefined,
  }).finally(() => { p.source.dispose?.(); p.validationSource?.dispose?.(); });
  if (pendingBest && !r.stopped && r.keptEpoch === pendingBest.epoch) await s.checkpointer.save('best', phase, pendingBest.epoch, { name: monitor, value: pendingBest.value });
  s.progress.add(-(p.budget.epochs - (p.startEpoch ?? 0) - r.epochsRun) * s.batchesPerEpoch); // early stopping
  return r;
}

/** A forward pass with `training` reaching every layer, nested models included (as in TF.js's own fit()). */
export function forward(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  return model.apply(x, { training }) as tf.Tensor;
}

/** The layer regularizers (L2 on head Dense layers) plus weight decay on every trainable kernel. */
export function regularization(model: tf.LayersModel, layers: tf.layers.Layer[], weightDecay: number): tf.Scalar[] {
  const losses = (model as unknown as { calculateLosses(): tf.Scalar[] }).calculateLosses();
  if (weightDecay <= 0) return losses;
  const kernels = layers.filter((l) => l.trainable).flatMap((l) => l.trainableWeights).filter((w) => /kernel|depthwise_kernel|pointwise_kernel/.test(w.name)).map((w) => w.read());
  if (kernels.length === 0) return losses;
  return [...losses, tf.mul(weightDecay, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))) as tf.Scalar];
}

/** The whole model trains (what is trainable in it): phase 2, the baseline, a trainable base. */
export function wholeModel(model: tf.LayersModel, headLayerNames: Set<string>, weightDecay: number): Trainee {
  const layers = leafLayers(model);
  return { forward: (x, training) => forward(model, x, training), layers, headLayerNames, regularization: () => regularization(model, layers, weightDecay) };
}
