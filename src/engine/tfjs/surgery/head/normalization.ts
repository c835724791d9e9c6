/** Normalization head layers. */
import * as tf from '@tensorflow/tfjs';
import type { HeadLayerBuilder } from './types';

export const batchNormalization: HeadLayerBuilder<'BatchNormalization'> = (spec, ctx) =>
  tf.layers.batchNormalization({ name: ctx.name, momentum: spec.momentum ?? 0.99, epsilon: spec.epsilon ?? 1e-3 });
