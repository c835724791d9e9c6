/** Activation layers whose options changed between Keras versions, and activation function names. */
import { refuse } from './common';
import type { LayerFixer } from './types';

/** Keras activation names TF.js knows under another name. */
const RENAMED: Record<string, string> = { silu: 'swish', hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax' };
/** TF.js's activation functions (after its snake_case → camelCase conversion). */
const TFJS: ReadonlySet<string> = new Set(['elu', 'hardSigmoid', 'linear', 'relu', 'relu6', 'selu', 'sigmoid', 'softmax', 'softplus', 'softsign', 'tanh', 'swish', 'mish', 'gelu', 'gelu_new', 'logSoftmax']);

/** The TF.js name of a Keras activation function, or undefined when TF.js has none. */
export function tfjsActivation(name: string): string | undefined {
  const n = RENAMED[name] ?? name;
  return TFJS.has(n) ? n : undefined;
}

const leakyRelu: LayerFixer = (l) => {
  const c = { ...l.config };
  if (c.negative_slope !== undefined && c.alpha === undefined) c.alpha = c.negative_slope; // Keras 3 name
  delete c.negative_slope;
  return { ...l, config: c };
};

const relu: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) {
    throw refuse(l, ctx, 'uses a negative slope or threshold, which TF.js\'s ReLU does not support', 'use LeakyReLU or ThresholdedReLU');
  }
  delete c.negative_slope;
  delete c.threshold;
  return { ...l, config: c };
};

const softmax: LayerFixer = (l) => {
  const c = { ...l.config };
  if (Array.isArray(c.axis) && c.axis.length === 1) c.axis = c.axis[0];
  return { ...l, config: c };
};

export const ACTIVATION_FIXERS: Record<string, LayerFixer> = {
  LeakyReLU: leakyRelu,
  ReLU: relu,
  Softmax: softmax,
};
