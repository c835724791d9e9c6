/** Regularization layers: dropout and noise (active in training only). */
import { rename } from './common';
import type { LayerFixer } from './types';

const dropout: LayerFixer = (l) => {
  const c = { ...l.config };
  rename(c, { p: 'rate' }); // Keras 1
  return { ...l, config: c };
};

/** TF.js has no 2D/3D spatial dropout: plain Dropout of the same rate (same at inference; in
 *  training it drops single values rather than whole feature maps). */
const spatialDropout: LayerFixer = (l) => ({ class_name: 'Dropout', name: l.name, inbound_nodes: l.inbound_nodes, config: { name: l.config.name, trainable: l.config.trainable, rate: l.config.rate ?? l.config.p } });

export const REGULARIZATION_FIXERS: Record<string, LayerFixer> = {
  Dropout: dropout,
  SpatialDropout2D: spatialDropout,
  SpatialDropout3D: spatialDropout,
  // only adds a loss term in training; the identity otherwise
  ActivityRegularization: () => null,
};
