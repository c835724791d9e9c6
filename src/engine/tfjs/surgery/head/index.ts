/** The new head: recipe layer specs → TF.js layers, applied to the cut layer's output. */
import type * as tf from '@tensorflow/tfjs';
import type { HeadLayerSpec, Task } from '../../../../core/recipe/schema';
import { activation, dense, dropout, flatten } from './core';
import { batchNormalization } from './normalization';
import { globalAveragePooling2D, globalMaxPooling2D } from './pooling';
import type { HeadBuildContext } from './types';

export { completeHead, defaultHead } from '../../../../core/recipe/head';

const BUILDERS: { [T in HeadLayerSpec['type']]: (spec: Extract<HeadLayerSpec, { type: T }>, ctx: HeadBuildContext) => tf.layers.Layer } = {
  Dense: dense,
  Dropout: dropout,
  Activation: activation,
  Flatten: flatten,
  GlobalAveragePooling2D: globalAveragePooling2D,
  GlobalMaxPooling2D: globalMaxPooling2D,
  BatchNormalization: batchNormalization,
};

export interface HeadOptions {
  featureShape: number[];
  outputs: number;
  task: Task;
  seed: number;
  file?: string;
  /** Names already used by the base, so head names never clash. */
  takenNames: Set<string>;
  /** false: no layer is the output (a multi-task recipe's shared layers: every Dense needs "units"). Default true. */
  final?: boolean;
  /** JSON pointer of the specs in the recipe, for errors. Default "/head". */
  jsonPath?: string;
  /** Name of the output Dense when its spec names none (a multi-task head's: the head's name). */
  outputName?: string;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** Build head layers, checking shapes as it goes; returns the layers and their output shape. */
export function buildHead(specs: HeadLayerSpec[], opts: HeadOptions): { layers: tf.layers.Layer[]; outputShape: number[] } {
  const layers: tf.layers.Layer[] = [];
  let shape = opts.featureShape;
  const lastDense = opts.final === false ? -1 : specs.map((s) => s.type).lastIndexOf('Dense');
  specs.forEach((spec, i) => {
    const fallback = i === lastDense && opts.outputName ? opts.outputName : `head_${spec.type.replace(/2D$/, '_2d').toLowerCase()}`;
    const ctx: HeadBuildContext = {
      inputShape: shape,
      name: uniqueName(spec.name ?? fallback, opts.takenNames),
      outputs: opts.outputs,
      isLast: i === lastDense,
      task: opts.task,
      seed: opts.seed + i,
      file: opts.file,
      jsonPath: `${opts.jsonPath ?? '/head'}/${i}`,
    };
    const build = BUILDERS[spec.type] as (s: HeadLayerSpec, c: HeadBuildContext) => tf.layers.Layer;
    const layer = build(spec, ctx);
    shape = (layer.computeOutputShape([null, ...shape]) as (number | null)[]).slice(1).map((d) => d ?? -1);
    layers.push(layer);
  });
  return { layers, outputShape: shape };
}
