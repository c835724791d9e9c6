/** Pooling head layers: global average / max pooling over height and width. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../../core/errors';
import type { HeadBuildContext, HeadLayerBuilder } from './types';

function needsImageFeatures(type: string, ctx: HeadBuildContext): void {
  if (ctx.inputShape.length !== 3) {
    throw new UserError(`${type} needs image-like features [height, width, channels], but it receives shape [${ctx.inputShape.join(', ')}]`, {
      file: ctx.file,
      jsonPath: ctx.jsonPath,
      hint: 'remove it (the features are already pooled) or cut at an earlier layer',
    });
  }
}

export const globalAveragePooling2D: HeadLayerBuilder<'GlobalAveragePooling2D'> = (_spec, ctx) => {
  needsImageFeatures('GlobalAveragePooling2D', ctx);
  return tf.layers.globalAveragePooling2d({ name: ctx.name });
};

export const globalMaxPooling2D: HeadLayerBuilder<'GlobalMaxPooling2D'> = (_spec, ctx) => {
  needsImageFeatures('GlobalMaxPooling2D', ctx);
  return tf.layers.globalMaxPooling2d({ name: ctx.name });
};
