/** Pooling layers: max/average pooling and their global forms. */
import { keras1Spatial, refuse } from './common';
import type { LayerFixer } from './types';

const pooling: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  keras1Spatial(l, c, ctx);
  return { ...l, config: c };
};

const globalPooling: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  keras1Spatial(l, c, ctx);
  // TF.js always drops the pooled axes
  if (c.keepdims === true) throw refuse(l, ctx, 'keeps the pooled dimensions (keepdims=True), which TF.js does not support', 'add a Reshape after a plain global pooling instead');
  delete c.keepdims;
  return { ...l, config: c };
};

export const POOLING_FIXERS: Record<string, LayerFixer> = {
  MaxPooling1D: pooling,
  MaxPooling2D: pooling,
  MaxPooling3D: pooling,
  AveragePooling1D: pooling,
  AveragePooling2D: pooling,
  AveragePooling3D: pooling,
  GlobalMaxPooling1D: globalPooling,
  GlobalMaxPooling2D: globalPooling,
  GlobalAveragePooling1D: globalPooling,
  GlobalAveragePooling2D: globalPooling,
  // Keras 1 / alias names
  MaxPool2D: (l, ctx) => pooling({ ...l, class_name: 'MaxPooling2D' }, ctx),
  AvgPool2D: (l, ctx) => pooling({ ...l, class_name: 'AveragePooling2D' }, ctx),
  GlobalAvgPool2D: (l, ctx) => globalPooling({ ...l, class_name: 'GlobalAveragePooling2D' }, ctx),
  GlobalMaxPool2D: (l, ctx) => globalPooling({ ...l, class_name: 'GlobalMaxPooling2D' }, ctx),
};
