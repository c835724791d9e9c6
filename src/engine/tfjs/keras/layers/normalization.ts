/** Normalization layers. */
import type { LayerFixer } from './types';

const batchNormalization: LayerFixer = (l) => {
  const c = { ...l.config };
  // Keras 3 (and some tf.keras) store the axis as a one-element list
  if (Array.isArray(c.axis) && c.axis.length === 1) c.axis = c.axis[0];
  for (const k of ['synchronized', 'renorm', 'renorm_clipping', 'renorm_momentum', 'fused', 'virtual_batch_size', 'adjustment']) delete c[k];
  return { ...l, config: c };
};

export const NORMALIZATION_FIXERS: Record<string, LayerFixer> = {
  BatchNormalization: batchNormalization,
};
