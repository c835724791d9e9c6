import type * as tf from '@tensorflow/tfjs';
import type { HeadLayerSpec, HeadLayerType } from '../../../../core/recipe/schema';

export interface HeadBuildContext {
  /** Input shape of this layer without the batch dimension. */
  inputShape: number[];
  name: string;
  /** Units of the final layer (labels or regression targets). */
  outputs: number;
  isLast: boolean;
  task: 'single-label' | 'multi-label' | 'regression';
  seed: number;
  /** For error messages. */
  file?: string;
  jsonPath: string;
}

export type HeadLayerBuilder<T extends HeadLayerType> = (spec: Extract<HeadLayerSpec, { type: T }>, ctx: HeadBuildContext) => tf.layers.Layer;
