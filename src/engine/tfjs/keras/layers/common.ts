/** Helpers shared by the layer families: Keras 1 option names, data formats, refusals. */
import { UserError } from '../../../../core/errors';
import type { FixContext, KerasLayer } from './types';

export type Config = Record<string, unknown>;

export function layerName(l: KerasLayer): string {
  return String(l.config.name ?? l.name ?? '?');
}

/** A UserError that names the layer and its class. */
export function refuse(l: KerasLayer, ctx: FixContext, why: string, hint?: string): UserError {
  return new UserError(`layer "${layerName(l)}" (${l.class_name}) ${why}`, { file: ctx.file, hint });
}

/** Move `old` keys to their new names, keeping a value already under the new name. */
export function rename(c: Config, names: Record<string, string>): void {
  for (const [from, to] of Object.entries(names)) {
    if (!(from in c)) continue;
    if (c[to] === undefined) c[to] = c[from];
    delete c[from];
  }
}

/** Keras 1 names shared by layers with a kernel and a bias (Dense, Convolution*, Embedding…). */
const KERAS1_WEIGHT_OPTIONS: Record<string, string> = {
  init: 'kernel_initializer',
  W_regularizer: 'kernel_regularizer',
  b_regularizer: 'bias_regularizer',
  W_constraint: 'kernel_constraint',
  b_constraint: 'bias_constraint',
  bias: 'use_bias',
};

/** Keras 1 spatial options: border_mode, subsample, dim_ordering. Channels-first ('th') is refused. */
export function keras1Spatial(l: KerasLayer, c: Config, ctx: FixContext): void {
  rename(c, { border_mode: 'padding', subsample: 'strides', subsample_length: 'strides', pool_length: 'pool_size', stride: 'strides' });
  if ('dim_ordering' in c) {
    const o = c.dim_ordering;
    delete c.dim_ordering;
    if (o === 'th') throw refuse(l, ctx, "uses Keras 1 channels-first ('th') dimension ordering, which this importer does not convert", "save it again from Keras 2+ with data_format='channels_last'");
    if (c.data_format === undefined) c.data_format = 'channels_last';
  }
}

export function keras1Weights(c: Config): void {
  rename(c, KERAS1_WEIGHT_OPTIONS);
}

/** TF.js knows float32, int32 and bool: mixed-precision policies ("mixed_float16") keep float32
 *  variables, so they become float32; other integer types become int32. */
export function tfjsDtype(dtype: unknown): unknown {
  if (typeof dtype !== 'string') return dtype;
  if (/^(mixed_)?b?float(16|32|64)$/.test(dtype)) return 'float32';
  if (/^u?int(8|16|32|64)$/.test(dtype)) return 'int32';
  return dtype;
}
