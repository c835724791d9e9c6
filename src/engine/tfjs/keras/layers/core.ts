/** Core layers: InputLayer, Dense, Activation, Embedding, Masking, and layers that hold Python code. */
import { keras1Weights, refuse, rename } from './common';
import type { LayerFixer } from './types';

export const inputLayer: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  // Keras 3 writes batch_shape, Keras 1/2 and TF.js batch_input_shape; a bare shape has no batch axis
  if (c.batch_shape && !c.batch_input_shape) c.batch_input_shape = c.batch_shape;
  if (c.shape && !c.batch_input_shape) c.batch_input_shape = [null, ...(c.shape as unknown[])];
  rename(c, { input_dtype: 'dtype' }); // Keras 1
  if (c.sparse === true) throw refuse(l, ctx, 'is a sparse input, which TF.js does not support');
  for (const k of ['batch_shape', 'shape', 'ragged', 'sparse', 'optional', 'input_tensor']) delete c[k];
  return { ...l, config: c };
};

const dense: LayerFixer = (l) => {
  const c = { ...l.config };
  rename(c, { output_dim: 'units' }); // Keras 1
  keras1Weights(c);
  // Keras 3 LoRA: the saved kernel already has the low-rank update merged in
  for (const k of ['lora_rank', 'lora_alpha', 'quantization_config']) delete c[k];
  return { ...l, config: c };
};

const embedding: LayerFixer = (l) => {
  const c = { ...l.config };
  rename(c, { init: 'embeddings_initializer', W_regularizer: 'embeddings_regularizer', W_constraint: 'embeddings_constraint' }); // Keras 1
  for (const k of ['lora_rank', 'lora_alpha', 'quantization_config', 'sparse']) delete c[k];
  return { ...l, config: c };
};

/** Lambda layers carry Python code (marshalled bytecode), which JS cannot run. */
export const notBuildable: LayerFixer = (l, ctx) => {
  throw refuse(l, ctx, 'holds Python code that TF.js cannot build', 'replace it with built-in layers and save again, or cut the model below it');
};

export const CORE_FIXERS: Record<string, LayerFixer> = {
  InputLayer: inputLayer,
  Dense: dense,
  Embedding: embedding,
  Lambda: notBuildable,
  TFOpLambda: notBuildable,
  SlicingOpLambda: notBuildable,
  // Keras 1 names
  MaxoutDense: (l, ctx) => { throw refuse(l, ctx, 'is a Keras 1 MaxoutDense layer, which TF.js does not have'); },
};
