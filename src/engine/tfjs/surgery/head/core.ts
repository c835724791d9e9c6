/** Core head layers: Dense, Dropout, Activation, Flatten. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../../core/errors';
import type { HeadBuildContext, HeadLayerBuilder } from './types';

type ActivationId = Parameters<typeof tf.layers.activation>[0]['activation'];

export function finalActivation(task: HeadBuildContext['task']): ActivationId {
  return task === 'single-label' ? 'softmax' : task === 'multi-label' ? 'sigmoid' : 'linear';
}

export const dense: HeadLayerBuilder<'Dense'> = (spec, ctx) => {
  if (ctx.inputShape.length !== 1) {
    throw new UserError(`Dense needs a flat input, but it receives shape [${ctx.inputShape.join(', ')}]`, { file: ctx.file, jsonPath: ctx.jsonPath, hint: 'put GlobalAveragePooling2D or Flatten before it' });
  }
  const units = spec.units ?? (ctx.isLast ? ctx.outputs : undefined);
  if (units === undefined) throw new UserError('Dense needs "units" (only the last layer is sized from the labels)', { file: ctx.file, jsonPath: `${ctx.jsonPath}/units` });
  if (ctx.isLast && units !== ctx.outputs) {
    throw new UserError(`the last Dense layer has ${units} units but the data has ${ctx.outputs} ${ctx.task === 'regression' ? 'targets' : 'labels'}`, {
      file: ctx.file,
      jsonPath: `${ctx.jsonPath}/units`,
      hint: 'remove "units" from the last layer to size it from the data',
    });
  }
  return tf.layers.dense({
    name: ctx.name,
    units,
    activation: (spec.activation ?? (ctx.isLast ? finalActivation(ctx.task) : 'relu')) as ActivationId,
    useBias: spec.useBias ?? true,
    kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed }),
    kernelRegularizer: spec.l2 ? tf.regularizers.l2({ l2: spec.l2 }) : undefined,
  });
};

export const dropout: HeadLayerBuilder<'Dropout'> = (spec, ctx) => tf.layers.dropout({ name: ctx.name, rate: spec.rate, seed: ctx.seed });

export const activation: HeadLayerBuilder<'Activation'> = (spec, ctx) => tf.layers.activation({ name: ctx.name, activation: spec.activation as ActivationId });

export const flatten: HeadLayerBuilder<'Flatten'> = (_spec, ctx) => tf.layers.flatten({ name: ctx.name });
