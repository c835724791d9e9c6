/**
 * DANN (Ganin et al., "Domain-Adversarial Training of Neural Networks", JMLR 2016) in the
 * fine-tuning phase: a small domain classifier on the features the head sees learns to tell
 * source images from target images, and a gradient-reversal layer in front of it hands the base
 * the opposite of that classifier's gradient. The unfrozen top of the base thus learns features
 * the classifier cannot tell apart while the head keeps learning the labels of the source.
 *
 * Every training batch of source images is paired with as many unlabelled target images; both go
 * through the base in one pass (its BatchNormalization stays frozen in inference mode, so they
 * share statistics, not mix them). The reversed gradient's weight ramps up as in the paper,
 * λ·(2 / (1 + e^(−10p)) − 1) with p the share of the phase done, so the head is not pushed around
 * by a classifier that has not learned anything yet. The classifier is not part of the saved model.
 */
import * as tf from '@tensorflow/tfjs';
import { rng, shuffled } from '../../../core/random';
import type { AdaptedModel } from '../adapt';
import { forward, regularization } from '../train/phases';
import type { BatchSource, Trainee } from '../train/types';
import { leafLayers } from '../surgery/layers';
import type { TargetImages } from './target';

/** Identity forward; the gradient multiplied by −scale backward. */
export function reverseGradient(x: tf.Tensor, scale: number): tf.Tensor {
  const op = tf.customGrad(((input: tf.Tensor) => ({ value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.mul(dy, -scale) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}

/** The paper's ramp of the reversal weight over the phase: 0 at the start, → λ at the end. */
export function reversalWeight(lambda: number, progress: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return lambda * (2 / (1 + Math.exp(-10 * p)) - 1);
}

export interface DannEpochStats {
  epoch: number;
  /** Mean binary cross-entropy of the domain classifier over the epoch's steps. */
  domainLoss: number;
  /** Share of source and target images it told apart (0.5: the features do not give the domain away). */
  domainAccuracy: number;
  /** The reversal weight at the epoch's last step. */
  weight: number;
}

export interface DannPhase {
  trainee: Trainee;
  /**
   * Learning-rate multipliers for the classifier's layers: it learns at the head phase's rate, not
   * at fine-tuning's lowered one — a classifier that cannot keep up sends the base no signal.
   */
  multipliers: Record<string, number>;
  /** The source's batches, each paired (inside) with a batch of target images. */
  source: BatchSource;
  /** Each finished epoch's domain-classifier figures. */
  epochs: DannEpochStats[];
  dispose(): void;
}

export interface DannOptions {
  adapted: AdaptedModel;
  /** The head's frozen front (pooling, the standardiser): the domain classifier sees what the head sees. */
  front: tf.layers.Layer[];
  /** Features after the front. */
  d: number;
  headLayerNames: Set<string>;
  weightDecay: number;
  labelled: BatchSource;
  target: TargetImages;
  lambda: number;
  /** Epochs of the phase: the ramp's length. */
  epochs: number;
  /** Fine-tuning's learning rate as a share of the head phase's (training.fineTune.learningRateFactor). */
  rateFactor: number;
  seed: number;
  log(line: string): void;
}

export function dannPhase(o: DannOptions): DannPhase {
  const { adapted, front } = o;
  const units = Math.max(16, Math.min(256, Math.round(o.d / 4)));
  const hidden = tf.layers.dense({ units, activation: 'relu', name: 'dann_domain_hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed ^ 0xda77 }) });
  const logit = tf.layers.dense({ units: 1, name: 'dann_domain_logit', kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed ^ 0xda78 }) });
  // built now: the training loop collects the variables it optimizes before the first step
  tf.tidy(() => { logit.apply(hidden.apply(tf.zeros([1, o.d]))); });
  const domainLayers = [hidden, logit];
  const headNames = new Set([...o.headLayerNames, ...domainLayers.map((l) => l.name)]);
  const layers = [...leafLayers(adapted.model), ...domainLayers];

  let target: tf.Tensor | undefined; // the target batch paired with the batch being trained
  let cursor = 0; // micro-batches take consecutive target rows
  let weight = 0;
  let pending: tf.Scalar | undefined; // the domain loss of the last forward pass (inside its tape)
  let epochSums: tf.Tensor | undefined; // [loss sum, correct, seen] of the epoch so far, kept
  let steps = 0;
  const epochs: DannEpochStats[] = [];

  const trainee: Trainee = {
    layers,
    headLayerNames: headNames,
    forward: (x, training) => {
      pending = undefined;
      if (!target) return forward(adapted.model, x, training);
      const n = x.shape[0]!;
      const m = target.shape[0]!;
      const rows = tf.tensor1d(Array.from({ length: n }, (_, i) => (cursor + i) % m), 'int32');
      cursor = (cursor + n) % m;
      const both = tf.concat([x, tf.gather(target, rows)]);
      const features = forward(adapted.base, both, training);
      const pred = forward(adapted.head, tf.slice(features, 0, n), training);
      let seen = features;
      for (const l of front) seen = l.apply(seen, { training: false }) as tf.Tensor;
      const z = logit.apply(hidden.apply(reverseGradient(seen, weight), { training }), { training }) as tf.Tensor;
      const labels = tf.concat([tf.zeros([n, 1]), tf.ones([n, 1])]);
      pending = tf.losses.sigmoidCrossEntropy(labels, z) as tf.Scalar;
      if (training) {
        // summed over the epoch's steps (and their micro-batches), read once at its end
        const correct = tf.sum(tf.cast(tf.equal(tf.greater(z, 0), tf.cast(labels, 'bool')), 'float32'));
        const part = tf.stack([tf.mul(pending, 2 * n), correct, tf.scalar(2 * n)]);
        const next = tf.keep(epochSums ? tf.add(epochSums, part) : part);
        epochSums?.dispose();
        epochSums = next;
      }
      return pred;
    },
    extraLoss: () => pending,
    regularization: () => regularization(adapted.model, leafLayers(adapted.model), o.weightDecay),
  };

  // the figures of an epoch, read once at its end (a readback per step would wait for the backend every step)
  const closeEpoch = async (epoch: number): Promise<void> => {
    if (!epochSums) return;
    const [loss, correct, seen] = (await epochSums.data()) as Float32Array;
    epochSums.dispose();
    epochSums = undefined;
    const s: DannEpochStats = { epoch: epoch + 1, domainLoss: loss! / seen!, domainAccuracy: correct! / seen!, weight };
    epochs.push(s);
    o.log(`dann: fine-tune epoch ${s.epoch}: domain classifier loss ${s.domainLoss.toFixed(4)}, told the domains apart on ${(s.domainAccuracy * 100).toFixed(1)}% of the images (50%: the features do not give the domain away); reversal weight ${s.weight.toFixed(3)}`);
  };
  let targetBatches: AsyncGenerator<tf.Tensor4D> | undefined;
  const nextTarget = async (size: number): Promise<tf.Tensor> => {
    for (let tries = 0; tries < 2; tries++) {
      targetBatches ??= o.target.batches(size, shuffled(o.target.files, rng(o.seed + steps)));
      const r = await targetBatches.next();
      if (!r.done) return r.value;
      targetBatches = undefined; // one pass over the target images done: start another, reshuffled
    }
    throw new Error('dann: the target-domain folder gave no readable images');
  };

  const source: BatchSource = {
    numBatches: o.labelled.numBatches,
    examples: o.labelled.examples,
    batches: async function* (epoch: number) {
      let batch = 0;
      for await (const b of o.labelled.batches(epoch)) {
        target?.dispose();
        target = await nextTarget(b.xs.shape[0]!);
        cursor = 0;
        weight = reversalWeight(o.lambda, (epoch + batch / Math.max(1, o.labelled.numBatches)) / Math.max(1, o.epochs));
        batch++;
        steps++;
        yield b;
      }
      await closeEpoch(epoch);
    },
    dispose: () => o.labelled.dispose?.(),
  };
  o.log(`dann: a domain classifier (Dense ${units} → 1) on the ${o.d} features the head sees, behind a gradient-reversal layer; each batch of source images is paired with as many of the ${o.target.files.length} unlabelled target images; reversal weight ramps up to λ = ${o.lambda}`);

  return {
    trainee,
    multipliers: Object.fromEntries(domainLayers.map((l) => [l.name, 1 / o.rateFactor])),
    source,
    epochs,
    dispose: () => {
      target?.dispose();
      epochSums?.dispose();
      void targetBatches?.return(undefined);
      for (const l of domainLayers) l.dispose();
    },
  };
}

/** What the report says DANN did, in words. */
export function dannNote(epochs: DannEpochStats[], epochsRun: number, lambda: number): string {
  const first = epochs[0];
  const last = epochs.at(-1);
  const told = (s: DannEpochStats): string => `${(s.domainAccuracy * 100).toFixed(1)}%`;
  return `DANN: ${epochsRun} fine-tuning epochs against a domain classifier behind a gradient-reversal layer (weight ramped to ${last ? last.weight.toFixed(3) : '0'} of λ = ${lambda})${first && last ? `; the classifier told the domains apart on ${told(first)} of the images in the first epoch and ${told(last)} in the last (50%: indistinguishable)` : ''}; "before" is the model after the head phase`;
}
