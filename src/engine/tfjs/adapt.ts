/** Applying a recipe to a loaded model: cut, freeze, attach the head. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors';
import type { ResolvedRecipe } from '../../core/recipe/resolve';
import type { HeadLayerSpec, Task } from '../../core/recipe/schema';
import type { LoadedModel } from './io/load';
import { chooseDefaultCut } from '../../core/classifier';
import { defaultSharedLayers, type MultiTaskLayout } from '../../core/multitask/layout';
import { summarizeLayer } from './inspect';
import { truncateAt } from './surgery/cut';
import { applyFreeze, frozenLeafNames } from './surgery/freeze';
import { freshDropoutMasks } from './surgery/dropout';
import { keepFrozenBatchNormInInference } from './surgery/frozenBatchNorm';
import { buildHead, completeHead, defaultHead } from './surgery/head';
import { allLayers, leafLayers } from './surgery/layers';
import { STANDARDIZE_LAYER, standardizeIndex, standardizerLayer } from './surgery/standardize';

export interface AdaptedModel {
  /** Base + head: what gets trained (unless the fast path applies) and saved. */
  model: tf.LayersModel;
  /** The source model up to the cut, sharing its layers and weights. */
  base: tf.LayersModel;
  /** The head alone, on an input of the feature shape, sharing the head layers with `model`. */
  head: tf.LayersModel;
  cut: string;
  cutIsDefault: boolean;
  /** Why the cut sits where it does, when it is the default one. */
  cutReason?: string;
  frozen: Set<string>;
  /** True when every layer of the base is frozen: its outputs can be computed once and cached. */
  baseFrozen: boolean;
  featureShape: number[];
  headSpec: HeadLayerSpec[];
  /** The frozen standardiser of the head's input (training.standardize), its statistics set by the run. */
  standardizer?: tf.layers.Layer;
  /** Head layers in front of the standardiser (pooling / Flatten): features pass them before their statistics are taken. */
  beforeStandardizer: tf.layers.Layer[];
  /**
   * Several heads: the model with one output per head, what is saved. `model` and `head` are the
   * same layers with the outputs concatenated (what training, evaluation and checkpoints use).
   */
  multiOutput?: tf.LayersModel;
  /** A multi-task model's output layer of each head, in the layout's order. */
  headOutputs?: tf.layers.Layer[];
}

export interface AdaptOptions {
  /** Labels (classification) or targets (regression) the last layer is sized from. */
  outputs: number;
  /** Overrides the recipe's freeze rules (used by the from-scratch baseline and phase 2). */
  trainEverything?: boolean;
  /** A multi-task recipe's heads, their labels known: the recipe's "head" holds the shared layers. */
  multiTask?: MultiTaskLayout;
}

export function resolveCut(model: tf.LayersModel, recipe: Pick<ResolvedRecipe, 'cut' | 'head' | 'file'>): { cut: string; isDefault: boolean; reason?: string } {
  const choice = chooseDefaultCut(model.layers.map((l) => summarizeLayer(l, model)));
  if (recipe.cut) {
    const headNames = new Set((recipe.head ?? []).map((h) => h.name).filter(Boolean));
    if (headNames.has(recipe.cut)) {
      throw new UserError(`the cut layer "${recipe.cut}" is a layer of the new head: the cut must be a layer of the source model, below the head`, { file: recipe.file, jsonPath: '/cut' });
    }
    return { cut: recipe.cut, isDefault: false, reason: choice?.cut === recipe.cut ? choice.reason : undefined };
  }
  if (!choice) {
    throw new UserError('cannot tell where the feature extractor ends (the last layers branch, or there is no pooling / Flatten below the classifier): set "cut" to the layer whose output should feed the new head', { file: recipe.file, jsonPath: '/cut' });
  }
  return { cut: choice.cut, isDefault: true, reason: choice.reason };
}

export function adaptModel(loaded: LoadedModel, recipe: ResolvedRecipe, opts: AdaptOptions): AdaptedModel {
  const source = loaded.model;
  const { cut, isDefault, reason } = resolveCut(source, recipe);
  const base = truncateAt(source, cut, recipe.file);
  const sourceLayerNames = new Set(allLayers(source).map((l) => l.name));
  const frozen = opts.trainEverything ? new Set<string>() : frozenLeafNames(base, recipe.freeze, { file: recipe.file, sourceNames: sourceLayerNames, cut });
  applyFreeze(base, frozen);
  const featureShape = (base.outputs[0]!.shape.slice(1) as (number | null)[]).map((d) => d ?? -1);
  if (featureShape.some((d) => d < 0)) {
    throw new UserError(`the cut layer "${cut}" has a free dimension in its output [${featureShape.join(', ')}]: give the model a fixed input size`, { file: recipe.file, jsonPath: '/cut' });
  }
  const multi = opts.multiTask;
  const headSpec = multi ? recipe.head ?? defaultSharedLayers(featureShape) : completeHead(recipe.head ?? defaultHead(featureShape));
  const taken = new Set(allLayers(base).map((l) => l.name));
  const { layers, outputShape } = buildHead(headSpec, { featureShape, outputs: opts.outputs, task: recipe.task, seed: recipe.training.seed, file: recipe.file, takenNames: taken, final: !multi });
  const at = standardizeIndex(headSpec);
  const standardizer = recipe.training.standardize ? standardizerLayer(uniqueLayerName(STANDARDIZE_LAYER, taken)) : undefined;
  if (standardizer) layers.splice(at, 0, standardizer);
  // several heads: one branch per head after the shared layers, each ending in its own output layer
  const branches = multi?.heads.map((h, i) => buildHead(completeHead(h.layers), {
    featureShape: outputShape, outputs: h.units, task: h.task, seed: recipe.training.seed + 1000 * (i + 1), file: recipe.file, takenNames: taken, jsonPath: `/heads/${i}/layers`, outputName: sanitizeName(h.name),
  }).layers);
  const concat = branches && branches.length > 1 ? tf.layers.concatenate({ axis: -1, name: uniqueLayerName('heads_concat', taken) }) : undefined;
  const through = (input: tf.SymbolicTensor): { outputs: tf.SymbolicTensor[]; joined: tf.SymbolicTensor } => {
    let t = input;
    for (const layer of layers) t = layer.apply(t) as tf.SymbolicTensor;
    if (!branches) return { outputs: [t], joined: t };
    const outputs = branches.map((b) => b.reduce((u, layer) => layer.apply(u) as tf.SymbolicTensor, t));
    return { outputs, joined: concat ? (concat.apply(outputs) as tf.SymbolicTensor) : outputs[0]! };
  };

  const full = through(base.outputs[0]!);
  const model = tf.model({ inputs: base.inputs, outputs: full.joined, name: sanitizeName(recipe.name) });
  const multiOutput = branches ? tf.model({ inputs: base.inputs, outputs: full.outputs, name: sanitizeName(recipe.name) }) : undefined;

  const featureInput = tf.input({ shape: featureShape, name: 'features' });
  const head = tf.model({ inputs: featureInput, outputs: through(featureInput).joined, name: `${sanitizeName(recipe.name)}_head` });

  keepFrozenBatchNormInInference(model);
  freshDropoutMasks(allLayers(model));
  const baseLeaves = leafLayers(base);
  return {
    model, base, head, cut, cutIsDefault: isDefault, cutReason: reason, frozen, featureShape, headSpec, standardizer, beforeStandardizer: standardizer ? layers.slice(0, at) : [],
    baseFrozen: baseLeaves.every((l) => frozen.has(l.name) || l.weights.length === 0),
    ...(multiOutput ? { multiOutput, headOutputs: branches!.map((b) => b.at(-1)!) } : {}),
  };
}

function uniqueLayerName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z])/, 'm_$1');
}

export function lossFor(task: Task): string {
  return task === 'single-label' ? 'categoricalCrossentropy' : task === 'multi-label' ? 'binaryCrossentropy' : 'meanSquaredError';
}

export function metricsFor(task: Task): string[] {
  return task === 'single-label' ? ['accuracy'] : task === 'multi-label' ? ['binaryAccuracy'] : ['mae'];
}

export function compileFor(model: tf.LayersModel, task: Task, optimizer: tf.Optimizer): void {
  model.compile({ optimizer, loss: lossFor(task), metrics: metricsFor(task) });
}
