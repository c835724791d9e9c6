/** Core layers: InputLayer, Dense, Dropout, Activation, Flatten, Reshape, and layers TF.js cannot build. */
import { UserError } from '../../../../core/errors';
import type { LayerFixer } from './types';

export const inputLayer: LayerFixer = (l) => {
  const c = { ...l.config };
  // Keras 3 writes batch_shape; Keras 2 and TF.js use batch_input_shape
  if (c.batch_shape && !c.batch_input_shape) c.batch_input_shape = c.batch_shape;
  if (c.shape && !c.batch_input_shape) c.batch_input_shape = [null, ...(c.shape as unknown[])];
  delete c.batch_shape;
  delete c.shape;
  delete c.ragged;
  return { ...l, config: c };
};

/** Lambda layers carry Python code (marshalled bytecode), which JS cannot run. */
export const notBuildable: LayerFixer = (l, ctx) => {
  const name = String(l.config.name ?? l.name ?? '?');
  throw new UserError(`layer "${name}" is a ${l.class_name} layer: it holds Python code that TF.js cannot build`, {
    file: ctx.file,
    hint: 'replace it with built-in layers and save again, or cut the model below it',
  });
};

export const CORE_FIXERS: Record<string, LayerFixer> = {
  InputLayer: inputLayer,
  Lambda: notBuildable,
  TFOpLambda: notBuildable,
  SlicingOpLambda: notBuildable,
};
