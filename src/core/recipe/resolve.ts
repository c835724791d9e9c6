/** A validated recipe with every default filled in and every path absolute (model-dependent defaults are the engine's). */
import * as path from 'node:path';
import { UserError } from '../errors';
import type { EarlyStoppingSetting } from '../training/monitor';
import { parseModelRef } from './modelRef';
import { DEFAULTS, type BackendPreference, type CacheMode, type EnginePreference, type OptimizerName } from './defaults';
import type { AugmentSpec, EngineSpec, FreezeRules, HeadLayerSpec, Preprocess, Recipe, ScheduleSpec, Task, TaskHeadSpec } from './schema';

export { DEFAULTS } from './defaults';

export interface ResolvedData {
  train: string;
  validation?: string;
  test?: string;
  validationSplit: number;
  labels?: string[];
  imageSize?: [number, number];
  preprocess?: Preprocess;
  augment?: AugmentSpec;
  cache: CacheMode;
  maxSkipped: number;
}

export interface ResolvedTraining {
  /** The epoch cap the recipe (or --epochs) sets; undefined: core/training/budget.ts picks it per phase. */
  epochs?: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  momentum?: number;
  /** L2 penalty on every weight that trains, added to the loss. */
  weightDecay: number;
  /** undefined: budget.ts picks (reduce on plateau with validation data, else constant). */
  schedule?: ScheduleSpec;
  /** 'default': on wherever there is validation data; false: off. core/training/monitor.ts resolves it. */
  earlyStopping: EarlyStoppingSetting;
  /** Per-feature standardisation of the head's input. */
  standardize: boolean;
  classWeights?: 'balanced' | Record<string, number>;
  seed: number;
  backend: BackendPreference;
  fineTune?: { epochs: number; unfreeze: number; learningRateFactor: number };
  learningRateMultipliers?: Record<string, number>;
  /** 'single-task' (multi-task recipes, their default): each head also trained alone. */
  baseline: 'none' | 'scratch' | 'single-task';
  baselineEpochs?: number;
}

export interface ResolvedEngine {
  name: EnginePreference;
  devices: number;
  mixedPrecision: NonNullable<EngineSpec['mixedPrecision']>;
  compile: NonNullable<EngineSpec['compile']>;
  workers?: number;
}

export interface ResolvedRecipe {
  /** The recipe file, when there is one (errors name it). */
  file?: string;
  /** Folder relative paths are resolved against. */
  dir: string;
  name: string;
  /** Absolute model path or https URL; "torchvision:ARCH" or "torchscript:/abs/file" (modelRef.ts). */
  model: string;
  /** Absolute path of a torchvision model's .pth weights. */
  weights?: string;
  cut?: string;
  freeze: FreezeRules;
  head?: HeadLayerSpec[];
  /** A multi-task recipe's heads (then `task` is unused and `head` holds the shared layers). */
  heads?: TaskHeadSpec[];
  task: Task;
  data?: ResolvedData;
  training: ResolvedTraining;
  engine: ResolvedEngine;
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

/** The folder holding the source model's files (model.json's folder, the .h5's, the .pth's or the TorchScript file's). */
export function modelFolder(model: string, weights?: string): string | undefined {
  const ref = parseModelRef(model);
  if (ref.kind === 'torchvision') return weights && path.dirname(weights);
  if (ref.kind === 'torchscript') return path.dirname(ref.file);
  if (isUrl(model)) return undefined;
  return /\.(json|h5|hdf5|keras)$/i.test(model) ? path.dirname(model) : model;
}

/** A single-file source (Keras, .pth, TorchScript): the adapted model goes into a folder beside it, in the same folder. */
function singleFileSource(model: string): boolean {
  return parseModelRef(model).kind !== 'layers' || /\.(h5|hdf5|keras)$/i.test(model);
}

export function resolveRecipe(recipe: Recipe, file: string | undefined, baseDir = file ? path.dirname(file) : process.cwd()): ResolvedRecipe {
  const abs = (p: string): string => (isUrl(p) ? p : path.resolve(baseDir, p));
  const name = recipe.name ?? (file ? recipeNameFromFile(file) : 'adapted');
  const ref = parseModelRef(recipe.model);
  const model = ref.kind === 'torchvision' ? recipe.model : ref.kind === 'torchscript' ? `torchscript:${abs(ref.file)}` : abs(recipe.model);
  const weights = recipe.weights === undefined ? undefined : abs(recipe.weights);
  if (weights !== undefined && ref.kind !== 'torchvision') {
    throw new UserError('"weights" is for a torchvision model ("model": "torchvision:ARCH"): a TF.js, Keras or TorchScript model carries its own', { file, jsonPath: '/weights', hint: 'remove "weights", or name the architecture: "model": "torchvision:resnet18"' });
  }
  const t = recipe.training ?? {};
  const d = recipe.data;
  const task = recipe.task ?? DEFAULTS.task;
  const srcFolder = modelFolder(model, weights);
  // beside, never over: a sibling of the model's folder (or of the .h5 file), named after the recipe
  const defaultOutput = srcFolder
    ? singleFileSource(model)
      ? path.join(srcFolder, `${name}-adapted`)
      : path.join(path.dirname(srcFolder), `${name}-adapted`)
    : path.join(baseDir, `${name}-adapted`);
  const output = recipe.output ? abs(recipe.output) : defaultOutput;
  checkOutputFolder(output, model, file, weights);
  return {
    file,
    dir: baseDir,
    name,
    model,
    ...(weights ? { weights } : {}),
    cut: recipe.cut,
    freeze: recipe.freeze ?? {},
    head: recipe.head,
    ...(recipe.heads ? { heads: recipe.heads } : {}),
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
      cache: d.cache ?? DEFAULTS.cache,
      maxSkipped: d.maxSkipped ?? DEFAULTS.maxSkipped,
    },
    training: {
      epochs: t.epochs,
      batchSize: t.batchSize ?? DEFAULTS.batchSize,
      optimizer: t.optimizer ?? DEFAULTS.optimizer,
      learningRate: t.learningRate ?? DEFAULTS.learningRate,
      momentum: t.momentum,
      weightDecay: t.weightDecay ?? 0,
      schedule: t.schedule,
      earlyStopping: t.earlyStopping === undefined ? 'default' : t.earlyStopping === false ? false : {
        monitor: t.earlyStopping.monitor,
        patience: t.earlyStopping.patience ?? DEFAULTS.patience,
        minDelta: t.earlyStopping.minDelta ?? DEFAULTS.minDelta,
      },
      standardize: t.standardize ?? DEFAULTS.standardize,
      classWeights: t.classWeights,
      seed: t.seed ?? DEFAULTS.seed,
      backend: t.backend ?? DEFAULTS.backend,
      fineTune: t.fineTune && {
        epochs: t.fineTune.epochs,
        unfreeze: t.fineTune.unfreeze,
        learningRateFactor: t.fineTune.learningRateFactor ?? DEFAULTS.fineTuneLearningRateFactor,
      },
      learningRateMultipliers: t.learningRateMultipliers,
      // several heads: each is also trained alone unless the recipe says otherwise (docs/MULTITASK.md)
      baseline: t.baseline ?? ((recipe.heads?.length ?? 0) > 1 ? 'single-task' : DEFAULTS.baseline),
      baselineEpochs: t.baselineEpochs,
    },
    engine: {
      name: recipe.engine?.name ?? DEFAULTS.engine,
      devices: recipe.engine?.devices ?? 1,
      mixedPrecision: recipe.engine?.mixedPrecision ?? 'auto',
      compile: recipe.engine?.compile ?? 'auto',
      workers: recipe.engine?.workers,
    },
    output,
    raw: recipe,
  };
}

/** The adapted model goes beside the source, never over it. */
export function checkOutputFolder(output: string, model: string, file?: string, weights?: string): void {
  const src = modelFolder(model, weights);
  if (!src) return;
  const out = path.resolve(output);
  const ref = parseModelRef(model);
  const sourceFile = ref.kind === 'torchscript' ? ref.file : ref.kind === 'torchvision' ? weights! : model;
  if (out === path.resolve(src) || out === path.resolve(sourceFile)) {
    throw new UserError(`the output folder ${out} is the source model's folder: saving there would overwrite or mix with the original`, {
      file,
      jsonPath: '/output',
      hint: 'choose a new folder beside the model, e.g. "../my-model-adapted"',
    });
  }
  // an output folder above the source model: saving replaces the whole folder, the source with it
  const rel = path.relative(out, path.resolve(src));
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new UserError(`the output folder ${out} holds the source model (${path.resolve(src)}): saving there would replace it`, {
      file,
      jsonPath: '/output',
      hint: 'choose a new folder beside the model, e.g. "../my-model-adapted"',
    });
  }
}
