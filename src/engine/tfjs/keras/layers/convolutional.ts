/** Convolution layers: Conv2D, DepthwiseConv2D, SeparableConv2D and friends. */
import { UserError } from '../../../../core/errors';
import type { LayerFixer } from './types';

const conv2d: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  if (typeof c.groups === 'number' && c.groups > 1) {
    throw new UserError(`layer "${String(c.name)}" is a grouped Conv2D (groups=${c.groups}), which TF.js does not support`, { file: ctx.file });
  }
  delete c.groups;
  return { ...l, config: c };
};

export const CONVOLUTIONAL_FIXERS: Record<string, LayerFixer> = {
  Conv2D: conv2d,
  Convolution2D: (l, ctx) => conv2d({ ...l, class_name: 'Conv2D' }, ctx),
};
