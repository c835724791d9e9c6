/** Reshaping layers: Flatten, Reshape, ZeroPadding2D, Cropping2D, UpSampling2D (Keras 1 dim_ordering). */
import { keras1Spatial, refuse } from './common';
import type { LayerFixer } from './types';

const spatial: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  keras1Spatial(l, c, ctx);
  return { ...l, config: c };
};

const upSampling: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  keras1Spatial(l, c, ctx);
  if (typeof c.interpolation === 'string' && !['nearest', 'bilinear'].includes(c.interpolation)) {
    throw refuse(l, ctx, `uses ${c.interpolation} interpolation; TF.js has nearest and bilinear`);
  }
  return { ...l, config: c };
};

export const RESHAPING_FIXERS: Record<string, LayerFixer> = {
  Flatten: spatial,
  ZeroPadding2D: spatial,
  Cropping2D: spatial,
  UpSampling2D: upSampling,
};
