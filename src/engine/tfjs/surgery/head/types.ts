import type * as tf from '@tensorflow/tfjs';
import type { HeadLayerSpec, HeadLayerType, Task } from '../../../../core/recipe/schema';

export interface HeadBuildContext {
  /** Input shape of this layer without the batch dimension. */
  inputShape: number[];
  name: string;
  /** Units of the final layer (labels or regression targets). */
  outputs: number;
  isLast: boolean;
  /** The classification heads' tasks (detection builds its own head: engine/tfjs/detection/head.ts). */
  task: Task;
  seed: number;
  /** For error messages. */
  file?: string;
  jsonPath: string;
}

export type HeadLayerBuilder<T extends HeadLayerType> = (spec: Extract<HeadLayerSpec, { type: T }>, ctx: HeadBuildContext) => tf.layers.Layer;
