/** Normalization layers: BatchNormalization, LayerNormalization. */
import { refuse, rename } from './common';
import type { LayerFixer } from './types';

const batchNormalization: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  rename(c, { beta_init: 'beta_initializer', gamma_init: 'gamma_initializer' }); // Keras 1
  if (c.mode !== undefined && c.mode !== 0) throw refuse(l, ctx, `uses Keras 1 mode=${String(c.mode)} (per-sample normalization), which TF.js does not have`);
  // renormalization adds its own variables to the layer
  if (c.renorm === true) throw refuse(l, ctx, 'uses batch renormalization (renorm=True), which TF.js does not support');
  // Keras 3 (and some tf.keras) store the axis as a one-element list
  if (Array.isArray(c.axis) && c.axis.length === 1) c.axis = c.axis[0];
  for (const k of ['mode', 'synchronized', 'renorm', 'renorm_clipping', 'renorm_momentum', 'fused', 'virtual_batch_size', 'adjustment']) delete c[k];
  return { ...l, config: c };
};

const layerNormalization: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  if (c.rms_scaling === true) throw refuse(l, ctx, 'uses RMS scaling, which TF.js does not support');
  delete c.rms_scaling;
  return { ...l, config: c };
};

export const NORMALIZATION_FIXERS: Record<string, LayerFixer> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
};
