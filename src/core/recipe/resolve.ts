/** A validated recipe with every default filled in and every path absolute (model-dependent defaults are the engine's). */
import * as path from 'node:path';
import { UserError } from '../errors';
import type { AugmentSpec, FreezeRules, HeadLayerSpec, Preprocess, Recipe, ScheduleSpec, Task } from './schema';

export const DEFAULTS = {
  task: 'single-label' as Task,
  validationSplit: 0.2,
  maxSkipped: 0.1,
  epochs: 10,
  batchSize: 32,
  optimizer: 'adam' as const,
  learningRate: 1e-3,
  seed: 42,
  backend: 'auto' as const,
  fineTuneLearningRateFactor: 0.01,
  patience: 3,
};

export interface ResolvedData {
  train: string;
  validation?: string;
  test?: string;
  validationSplit: number;
  labels?: string[];
  imageSize?: [number, number];
  preprocess?: Preprocess;
  augment?: AugmentSpec;
  cache: 'auto' | 'memory' | 'disk' | 'off';
  maxSkipped: number;
}

export interface ResolvedTraining {
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  learningRate: number;
  momentum?: number;
  schedule: ScheduleSpec;
  earlyStopping?: { monitor: string; patience: number; minDelta: number };
  classWeights?: 'balanced' | Record<string, number>;
  seed: number;
  backend: 'auto' | 'tensorflow' | 'tensorflow-gpu' | 'wasm' | 'cpu';
  fineTune?: { epochs: number; unfreeze: number; learningRateFactor: number };
  learningRateMultipliers?: Record<string, number>;
  baseline: 'none' | 'scratch';
}

export interface ResolvedRecipe {
  /** The recipe file, when there is one (errors name it). */
  file?: string;
  /** Folder relative paths are resolved against. */
  dir: string;
  name: string;
  /** Absolute model path or https URL. */
  model: string;
  cut?: string;
  freeze: FreezeRules;
  head?: HeadLayerSpec[];
  task: Task;
  data?: ResolvedData;
  training: ResolvedTraining;
  output: string;
  /** The recipe as written, kept with the saved model. */
  raw: Recipe;
}

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

export function recipeNameFromFile(file: string): string {
  return path.basename(file).replace(/\.adapt\.json$/i, '').replace(/\.json$/i, '') || 'adapted';
}

/** The folder holding the source model's files (model.json's folder, or the .h5's folder). */
export function modelFolder(model: string): string | undefined {
  if (isUrl(model)) return undefined;
  return /\.(json|h5|hdf5|keras)$/i.test(model) ? path.dirname(model) : model;
}

export function resolveRecipe(recipe: Recipe, file: string | undefined, baseDir = file ? path.dirname(file) : process.cwd()): ResolvedRecipe {
  const abs = (p: string): string => (isUrl(p) ? p : path.resolve(baseDir, p));
  const name = recipe.name ?? (file ? recipeNameFromFile(file) : 'adapted');
  const model = abs(recipe.model);
  const t = recipe.training ?? {};
  const d = recipe.data;
  const task = recipe.task ?? DEFAULTS.task;
  const srcFolder = modelFolder(model);
  // beside, never over: a sibling of the model's folder (or of the .h5 file), named after the recipe
  const defaultOutput = srcFolder
    ? /\.(h5|hdf5|keras)$/i.test(model)
      ? path.join(srcFolder, `${name}-adapted`)
      : path.join(path.dirname(srcFolder), `${name}-adapted`)
    : path.join(baseDir, `${name}-adapted`);
  const output = recipe.output ? abs(recipe.output) : defaultOutput;
  checkOutputFolder(output, model, file);
  return {
    file,
    dir: baseDir,
    name,
    model,
    cut: recipe.cut,
    freeze: recipe.freeze ?? {},
    head: recipe.head,
    task,
    data: d && {
      train: abs(d.train),
      validation: d.validation && abs(d.validation),
      test: d.test && abs(d.test),
      validationSplit: d.validationSplit ?? DEFAULTS.validationSplit,
      labels: d.labels,
      imageSize: d.imageSize,
      preprocess: d.preprocess,
      augment: d.augment,
      cache: d.cache ?? 'auto',
      maxSkipped: d.maxSkipped ?? DEFAULTS.maxSkipped,
    },
    training: {
      epochs: t.epochs ?? DEFAULTS.epochs,
      batchSize: t.batchSize ?? DEFAULTS.batchSize,
      optimizer: t.optimizer ?? DEFAULTS.optimizer,
      learningRate: t.learningRate ?? DEFAULTS.learningRate,
      momentum: t.momentum,
      schedule: t.schedule ?? { type: 'constant' },
      earlyStopping: t.earlyStopping && {
        monitor: t.earlyStopping.monitor ?? 'val_loss',
        patience: t.earlyStopping.patience ?? DEFAULTS.patience,
        minDelta: t.earlyStopping.minDelta ?? 0,
      },
      classWeights: t.classWeights,
      seed: t.seed ?? DEFAULTS.seed,
      backend: t.backend ?? DEFAULTS.backend,
      fineTune: t.fineTune && {
        epochs: t.fineTune.epochs,
        unfreeze: t.fineTune.unfreeze,
        learningRateFactor: t.fineTune.learningRateFactor ?? DEFAULTS.fineTuneLearningRateFactor,
      },
      learningRateMultipliers: t.learningRateMultipliers,
      baseline: t.baseline ?? 'none',
    },
    output,
    raw: recipe,
  };
}

/** The adapted model goes beside the source, never over it. */
export function checkOutputFolder(output: string, model: string, file?: string): void {
  const src = modelFolder(model);
  if (!src) return;
  const out = path.resolve(output);
  if (out === path.resolve(src) || out === path.resolve(model)) {
    throw new UserError(`the output folder ${out} is the source model's folder: saving there would overwrite or mix with the original`, {
      file,
      jsonPath: '/output',
      hint: 'choose a new folder beside the model, e.g. "../my-model-adapted"',
    });
  }
}
