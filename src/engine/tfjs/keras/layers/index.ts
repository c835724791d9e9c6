/** Per-family fixes to Keras layer configs; supporting a new layer is one entry in one family file. */
import { ACTIVATION_FIXERS } from './activations';
import { CONVOLUTIONAL_FIXERS } from './convolutional';
import { CORE_FIXERS } from './core';
import { MERGE_FIXERS } from './merge';
import { NORMALIZATION_FIXERS } from './normalization';
import { POOLING_FIXERS } from './pooling';
import { PREPROCESSING_FIXERS } from './preprocessing';
import { REGULARIZATION_FIXERS } from './regularization';
import { RESHAPING_FIXERS } from './reshaping';
import type { LayerFixer } from './types';

export const LAYER_FIXERS: Record<string, LayerFixer> = {
  ...CORE_FIXERS,
  ...CONVOLUTIONAL_FIXERS,
  ...POOLING_FIXERS,
  ...NORMALIZATION_FIXERS,
  ...MERGE_FIXERS,
  ...RESHAPING_FIXERS,
  ...REGULARIZATION_FIXERS,
  ...ACTIVATION_FIXERS,
  ...PREPROCESSING_FIXERS,
};

export { tfjsActivation } from './activations';
export { layerName, refuse, tfjsDtype } from './common';
export type { FixContext, KerasLayer, LayerFixer } from './types';
