/** Activation layers whose option names changed between Keras versions. */
import type { LayerFixer } from './types';

const leakyRelu: LayerFixer = (l) => {
  const c = { ...l.config };
  if (c.negative_slope !== undefined && c.alpha === undefined) c.alpha = c.negative_slope; // Keras 3 name
  delete c.negative_slope;
  return { ...l, config: c };
};

const relu: LayerFixer = (l) => {
  const c = { ...l.config };
  if (c.negative_slope === 0) delete c.negative_slope;
  if (c.threshold === 0) delete c.threshold;
  return { ...l, config: c };
};

export const ACTIVATION_FIXERS: Record<string, LayerFixer> = {
  LeakyReLU: leakyRelu,
  ReLU: relu,
};
