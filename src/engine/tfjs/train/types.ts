/** What the training loop and one step work on: batches, their sources, and the model part that trains. */
import type * as tf from '@tensorflow/tfjs';

export interface TrainBatch {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

export interface BatchSource {
  numBatches: number;
  examples: number;
  batches(epoch: number): AsyncIterable<TrainBatch>;
  /** Frees what the source keeps between epochs (resident cached features). */
  dispose?(): void;
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
  /** Regularization losses (L2 on the head, weight decay). */
  regularization(): tf.Scalar[];
  /**
   * A loss term of the last `forward` besides the task's, on the same (micro-)batch: DANN's domain
   * classifier (domain/dann.ts). Scaled with the task loss when a batch runs as micro-batches.
   */
  extraLoss?(): tf.Scalar | undefined;
}

export interface EpochScores {
  loss: number;
  /** The objective's figures by name (accuracy; or each head's loss and metric); null: no example counted. */
  metrics: Record<string, number | null>;
}
