/** Per-family fixes to Keras layer configs; supporting a new layer is one entry in one family file. */
import { ACTIVATION_FIXERS } from './activations';
import { CONVOLUTIONAL_FIXERS } from './convolutional';
import { CORE_FIXERS } from './core';
import { NORMALIZATION_FIXERS } from './normalization';
import type { LayerFixer } from './types';

export const LAYER_FIXERS: Record<string, LayerFixer> = {
  ...CORE_FIXERS,
  ...CONVOLUTIONAL_FIXERS,
  ...NORMALIZATION_FIXERS,
  ...ACTIVATION_FIXERS,
};

export type { KerasLayer, LayerFixer } from './types';
