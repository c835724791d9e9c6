/** Optimizers and per-group learning-rate multipliers (the schedules are core's: core/training/schedule.ts). */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedTraining } from '../../../core/recipe/resolve';

type WithLearningRate = tf.Optimizer & { learningRate: number; setLearningRate?: (rate: number) => void };

/** SGD/momentum cache the rate in a tensor (setLearningRate); Adam and RMSProp read the field each step. */
export function setRate(optimizer: WithLearningRate, rate: number): void {
  if (optimizer.setLearningRate) optimizer.setLearningRate(rate);
  else optimizer.learningRate = rate;
}

export function makeOptimizer(spec: Pick<ResolvedTraining, 'optimizer' | 'momentum'>, learningRate: number): WithLearningRate {
  switch (spec.optimizer) {
    case 'sgd':
      return (spec.momentum ? tf.train.momentum(learningRate, spec.momentum) : tf.train.sgd(learningRate)) as unknown as WithLearningRate;
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, spec.momentum ?? 0) as unknown as WithLearningRate;
    default:
      return tf.train.adam(learningRate) as unknown as WithLearningRate;
  }
}

export interface ParamGroup {
  multiplier: number;
  variables: tf.Variable[];
  optimizer: WithLearningRate;
}

/**
 * One optimizer per distinct learning-rate multiplier (fastai's discriminative learning rates).
 * A multiplier is looked up by layer name, then by class name, then "head" for the new layers.
 */
export function paramGroups(layers: tf.layers.Layer[], headLayerNames: Set<string>, spec: ResolvedTraining, baseRate: number): ParamGroup[] {
  const multipliers = spec.learningRateMultipliers ?? {};
  const groups = new Map<number, tf.Variable[]>();
  for (const layer of layers) {
    const m = multipliers[layer.name] ?? multipliers[layer.getClassName()] ?? (headLayerNames.has(layer.name) ? multipliers.head : undefined) ?? multipliers.base ?? 1;
    if (m === 0) continue;
    for (const w of layer.trainableWeights) {
      const v = (w as unknown as { val: tf.Variable }).val;
      if (!groups.has(m)) groups.set(m, []);
      groups.get(m)!.push(v);
    }
  }
  return [...groups.entries()].map(([multiplier, variables]) => ({ multiplier, variables, optimizer: makeOptimizer(spec, baseRate * multiplier) }));
}

export function setGroupRates(groups: ParamGroup[], rate: number): void {
  for (const g of groups) setRate(g.optimizer, rate * g.multiplier);
}

export function disposeGroups(groups: ParamGroup[]): void {
  for (const g of groups) g.optimizer.dispose();
}
