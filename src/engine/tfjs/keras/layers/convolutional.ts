/** Convolution layers: Conv1D/2D/3D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, and their Keras 1 names. */
import { keras1Spatial, keras1Weights, refuse, rename, type Config } from './common';
import type { FixContext, KerasLayer, LayerFixer } from './types';

function common(l: KerasLayer, ctx: FixContext): Config {
  const c = { ...l.config };
  keras1Spatial(l, c, ctx);
  keras1Weights(c);
  rename(c, { nb_filter: 'filters', atrous_rate: 'dilation_rate', filter_length: 'kernel_size' });
  if (c.nb_row !== undefined && c.kernel_size === undefined) c.kernel_size = [c.nb_row, c.nb_col];
  delete c.nb_row;
  delete c.nb_col;
  if (typeof c.groups === 'number' && c.groups > 1) {
    throw refuse(l, ctx, `is a grouped convolution (groups=${c.groups}), which TF.js does not support`);
  }
  delete c.groups;
  delete c.lora_rank;
  delete c.lora_alpha;
  return c;
}

const conv = (className: string): LayerFixer => (l, ctx) => ({ ...l, class_name: className, config: common(l, ctx) });

const conv2dTranspose: LayerFixer = (l, ctx) => {
  const c = common(l, ctx);
  if (c.output_padding != null) throw refuse(l, ctx, 'sets output_padding, which TF.js does not support');
  delete c.output_padding;
  return { ...l, class_name: 'Conv2DTranspose', config: c };
};

/** DepthwiseConv2D and SeparableConv2D: tf.keras may still list the Conv2D kernel_* options, which TF.js rejects. */
const withoutKernelOptions = (className: string): LayerFixer => (l, ctx) => {
  const c = common(l, ctx);
  if (className === 'SeparableConv2D' && c.kernel_initializer !== undefined) {
    c.depthwise_initializer ??= c.kernel_initializer; // Keras 1 SeparableConvolution2D "init"
    c.pointwise_initializer ??= c.kernel_initializer;
  }
  for (const k of ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) delete c[k];
  if (className === 'DepthwiseConv2D') delete c.filters;
  return { ...l, class_name: className, config: c };
};

export const CONVOLUTIONAL_FIXERS: Record<string, LayerFixer> = {
  Conv1D: conv('Conv1D'),
  Conv2D: conv('Conv2D'),
  Conv3D: conv('Conv3D'),
  Conv2DTranspose: conv2dTranspose,
  DepthwiseConv2D: withoutKernelOptions('DepthwiseConv2D'),
  SeparableConv2D: withoutKernelOptions('SeparableConv2D'),
  // Keras 1 and alias names
  Convolution1D: conv('Conv1D'),
  Convolution2D: conv('Conv2D'),
  Convolution3D: conv('Conv3D'),
  AtrousConvolution2D: conv('Conv2D'),
  SeparableConvolution2D: withoutKernelOptions('SeparableConv2D'),
};
