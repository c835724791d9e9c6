/** Merge layers: Add, Concatenate, Multiply, Average, Maximum, Minimum, Dot, and Keras 1's Merge. */
import { refuse } from './common';
import type { LayerFixer } from './types';

const KERAS1_MODES: Record<string, string> = { sum: 'Add', mul: 'Multiply', ave: 'Average', max: 'Maximum', concat: 'Concatenate', dot: 'Dot' };

/** Keras 1's Merge(mode=…) became one layer class per mode. */
const keras1Merge: LayerFixer = (l, ctx) => {
  const c = l.config;
  if (Array.isArray(c.layers)) throw refuse(l, ctx, 'merges Sequential branches (Keras 1), which TF.js cannot build', 'rebuild it as a functional model');
  const mode = typeof c.mode === 'string' ? c.mode : undefined;
  const className = mode ? KERAS1_MODES[mode] : undefined;
  if (!className) throw refuse(l, ctx, `uses merge mode ${JSON.stringify(c.mode)}, which TF.js cannot build`);
  const config: Record<string, unknown> = { name: c.name, trainable: c.trainable };
  if (className === 'Concatenate') config.axis = c.concat_axis ?? -1;
  if (className === 'Dot') config.axes = c.dot_axes ?? -1;
  return { ...l, class_name: className, config };
};

export const MERGE_FIXERS: Record<string, LayerFixer> = {
  Merge: keras1Merge,
  Subtract: (l, ctx) => { throw refuse(l, ctx, 'is not available in TF.js', 'use Add with a layer that negates one input, or cut the model below it'); },
};
