/**
 * The plan the Python worker trains (python/README.md has its format), built with the TF.js
 * engine's own pieces so both engines train the same thing: the model is loaded (Keras files
 * imported), cut and given its head exactly as a TF.js run would (adaptModel) and saved as a
 * TF.js layers model the worker rebuilds in torch; the dataset is listed and split here (same
 * seed, same split); the phases' budgets, monitor and schedule are core's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineChoice } from '../../core/protocol/reports';
import type { TrainOverrides } from '../../core/protocol/worker';
import { DEFAULTS } from '../../core/recipe/defaults';
import { modelFolder, type ResolvedRecipe } from '../../core/recipe/resolve';
import { phaseBudgets, type PhaseBudget } from '../../core/training/budget';
import { createHash } from 'node:crypto';
import { requireTwoClasses } from '../../core/data/labels';
import type { ModelSummary } from '../../core/modelSummary';
import { ModelSummarySchema } from '../../core/protocol/reports';
import { isPyTorchModel, parseModelRef } from '../../core/recipe/modelRef';
import type { HeadLayerSpec, Preprocess } from '../../core/recipe/schema';
import { torchvisionBase, torchvisionClassifier, torchvisionFrozen, torchvisionHead, torchvisionTopLayers } from '../../core/torchvision';
import { adaptModel } from '../tfjs/adapt';
import { openDataset } from '../tfjs/data';
import type { Dataset, Example } from '../tfjs/data/types';
import { loadModel } from '../tfjs/io/load';
import { saveAdaptedModel, type AdaptedMetadata } from '../tfjs/io/save';
import { imageSpecFor } from '../tfjs/recipe';
import { withInputSize } from '../tfjs/surgery/inputSize';
import { topLayersToUnfreeze } from '../tfjs/train/session';
import { classWeightVector } from '../tfjs/train/losses';
import { pythonRequest } from './request';

export interface TrainingPlan {
  name: string;
  recipe: string;
  runDir: string;
  staging: string;
  model:
    | { kind: 'tfjs'; modelJson: string; headLayers: string[]; frozen: string[]; featureShape: number[]; standardize: string | null }
    | { kind: 'torchvision'; arch: string | null; weights: string | null; torchscript: string | null; cut: string | null; head: HeadLayerSpec[]; frozen: string[]; standardize: string | null };
  task: ResolvedRecipe['task'];
  labels: string[];
  data: {
    image: { height: number; width: number; channels: 1 | 3; preprocess: Preprocess; fit: 'cover' | 'fill' };
    augment: Record<string, unknown> | null;
    train: { file: string; y: number[] }[];
    validation: { file: string; y: number[] }[];
    test: { file: string; y: number[] }[];
    evalSplit: 'test' | 'validation' | 'train';
    maxSkipped: number;
  };
  training: {
    batchSize: number; optimizer: string; momentum: number | null; weightDecay: number; seed: number;
    schedule: PhaseBudget['schedule'];
    earlyStopping: { monitor: string; mode: 'min' | 'max'; patience: number; minDelta: number; restoreBest: boolean } | null;
    classWeights: number[] | null;
    learningRateMultipliers: Record<string, number> | null;
    phases: { phase: 'head' | 'fineTune'; epochs: number; learningRate: number; startEpoch: number; cache: boolean; unfreeze?: string[] }[];
  };
  engine: { device: 'auto'; amp: string; compile: string; workers: number | null; nproc: number };
  resume: string | null;
  metadata: Record<string, unknown>;
}

export interface BuiltPlan {
  plan: TrainingPlan;
  file: string;
  dataset: Dataset;
  /** The source model's file (model.json, .h5, .pth, TorchScript) and the folder never written to. */
  source: string;
  sourceFolder: string | undefined;
  budgets: PhaseBudget[];
  metadata: (extra: Record<string, unknown>) => AdaptedMetadata;
  fastPath: boolean;
}

function targets(task: ResolvedRecipe['task'], outputs: number, e: Example): number[] {
  if (task === 'regression') return e.values;
  const y = new Array<number>(outputs).fill(0);
  for (const c of e.classes) y[c] = 1;
  return y;
}

/** The dataset, listed and split here (the same seed and split as a TF.js run). */
async function openPlanDataset(recipe: ResolvedRecipe, image: TrainingPlan['data']['image'], log: (m: string) => void): Promise<Dataset> {
  const t = recipe.training;
  const data = recipe.data!;
  const dataset = await openDataset({
    train: data.train, validation: data.validation, test: data.test, validationSplit: data.validationSplit,
    labels: data.labels, task: recipe.task, seed: t.seed, maxSkipped: data.maxSkipped, image, memoryBudgetBytes: 0,
  }, log);
  if (recipe.task === 'single-label') requireTwoClasses(dataset.labels, data.train, !!data.labels);
  return dataset;
}

/** The part of a plan both model kinds share: the budgets, the data lists, the training block. */
function commonPlan(recipe: ResolvedRecipe, overrides: TrainOverrides, dataset: Dataset, image: TrainingPlan['data']['image'], baseFrozen: boolean, log: (m: string) => void) {
  const t = recipe.training;
  const data = recipe.data!;
  const outputs = dataset.labels.length;
  const augment = data.augment && Object.values(data.augment).some((v) => v) ? data.augment : undefined;
  const fastPath = baseFrozen && !augment && data.cache !== 'off';
  const budgets = phaseBudgets(t, { task: recipe.task, hasValidation: dataset.validation.length > 0, cached: fastPath, file: recipe.file });
  const head = budgets.find((b) => b.phase === 'head')!;
  const fine = budgets.find((b) => b.phase === 'fineTune');
  if (budgets.some((b) => b.phase === 'baseline')) log('the from-scratch baseline runs on the TF.js engine only: not run by the PyTorch engine (train it with --engine tfjs)');
  const counts = dataset.labels.map((_, c) => dataset.train.filter((e) => e.classes.includes(c)).length);
  const classWeights = recipe.task === 'single-label' ? classWeightVector(dataset.labels, counts, t.classWeights) : undefined;
  const list = (examples: Example[]): { file: string; y: number[] }[] => examples.map((e) => ({ file: e.file, y: targets(recipe.task, outputs, e) }));
  const m = head.monitor;
  const planData: TrainingPlan['data'] = {
    image, augment: augment ?? null,
    train: list(dataset.train), validation: list(dataset.validation), test: list(dataset.test),
    evalSplit: dataset.test.length ? 'test' : dataset.validation.length ? 'validation' : 'train',
    maxSkipped: data.maxSkipped,
  };
  const training = (unfreeze: string[]): TrainingPlan['training'] => ({
    batchSize: t.batchSize, optimizer: t.optimizer, momentum: t.momentum ?? null, weightDecay: t.weightDecay, seed: t.seed,
    // every field spelled out: the worker applies the same defaults as core's schedule.ts
    schedule: head.schedule.type === 'plateau' ? { type: 'plateau', factor: head.schedule.factor ?? DEFAULTS.plateauFactor, patience: head.schedule.patience ?? DEFAULTS.plateauPatience, minLearningRate: head.schedule.minLearningRate ?? DEFAULTS.plateauMinLearningRate } : head.schedule,
    earlyStopping: m.patience === undefined ? null : { monitor: m.metric, mode: m.mode, patience: m.patience, minDelta: m.minDelta, restoreBest: m.restoreBest },
    classWeights: classWeights ?? null,
    learningRateMultipliers: t.learningRateMultipliers ?? null,
    phases: [
      { phase: 'head', epochs: head.epochs, learningRate: head.learningRate, startEpoch: 0, cache: fastPath },
      ...(fine && t.fineTune ? [{ phase: 'fineTune' as const, epochs: fine.epochs, learningRate: fine.learningRate, startEpoch: 0, cache: false, unfreeze }] : []),
    ],
  });
  const engine: TrainingPlan['engine'] = { device: 'auto', amp: recipe.engine.mixedPrecision, compile: recipe.engine.compile, workers: recipe.engine.workers ?? null, nproc: overrides.devices ?? recipe.engine.devices };
  return { budgets, fastPath, planData, training, engine };
}

function writePlan(planDir: string, plan: TrainingPlan): string {
  fs.mkdirSync(planDir, { recursive: true });
  const file = path.join(planDir, 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan, null, 1));
  return file;
}

function stagingFolder(recipe: ResolvedRecipe): string {
  return `${recipe.output}.staging-${process.pid}-${Date.now().toString(36)}`;
}

export async function buildPlan(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, choice: EngineChoice, log: (m: string) => void): Promise<BuiltPlan> {
  if (isPyTorchModel(recipe.model)) return buildTorchvisionPlan(recipe, overrides, runDir, choice, log);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data!.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  const planImage = { height: image.height, width: image.width, channels: image.channels, preprocess: image.preprocess, fit: image.fit ?? 'cover' } as const;
  const dataset = await openPlanDataset(recipe, planImage, log);
  const adapted = adaptModel(loaded, recipe, { outputs: dataset.labels.length });
  const common = commonPlan(recipe, overrides, dataset, planImage, adapted.baseFrozen, log);
  const sourceFolder = modelFolder(loaded.source);
  const metadata = (extra: Record<string, unknown>): AdaptedMetadata => ({
    labels: dataset.labels, task: recipe.task, inputSize: [image.height, image.width], channels: image.channels, preprocess: image.preprocess,
    recipe: recipe.raw, sourceModel: loaded.source, sourceSha256: loaded.sha256, cut: adapted.cut, frozen: [...adapted.frozen],
    createdAt: new Date().toISOString(), backend: `pytorch ${choice.environment?.chosen.device ?? ''}`.trim(), extra,
  });
  // the adapted model (base + the new head with its initial weights), as the worker rebuilds it
  const planDir = path.join(runDir, 'plan');
  const adaptedDir = await saveAdaptedModel(adapted.model, path.join(planDir, 'adapted'), metadata({}), { protect: sourceFolder ? [sourceFolder] : [] });
  const plan: TrainingPlan = {
    name: recipe.name, recipe: recipe.file ?? '', runDir, staging: stagingFolder(recipe),
    model: {
      kind: 'tfjs', modelJson: path.join(adaptedDir, 'model.json'),
      headLayers: adapted.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name),
      frozen: [...adapted.frozen], featureShape: adapted.featureShape, standardize: adapted.standardizer?.name ?? null,
    },
    task: recipe.task, labels: dataset.labels, data: common.planData,
    training: common.training(recipe.training.fineTune ? topLayersToUnfreeze(adapted.base, recipe.training.fineTune.unfreeze) : []),
    engine: common.engine, resume: overrides.resume ?? null,
    metadata: metadata({}) as unknown as Record<string, unknown>,
  };
  return { plan, file: writePlan(planDir, plan), dataset, source: loaded.source, sourceFolder, budgets: common.budgets, metadata, fastPath: common.fastPath };
}

/**
 * A torchvision (or TorchScript) model: its layer tree from the worker's own `inspect` (one short
 * Python process), the base, freezing and head decided in core (core/torchvision.ts), the model
 * itself built only in the worker. The saved model is .pt + ONNX: there is no TF.js export.
 */
async function buildTorchvisionPlan(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, choice: EngineChoice, log: (m: string) => void): Promise<BuiltPlan> {
  const ref = parseModelRef(recipe.model);
  const data = recipe.data!;
  const size = data.imageSize ?? [224, 224];
  const modelRef = ref.kind === 'torchvision'
    ? { kind: 'torchvision', arch: ref.arch, weights: recipe.weights ?? null, torchscript: null, inputSize: size }
    : { kind: 'torchvision', arch: null, weights: null, torchscript: (ref as { file: string }).file, inputSize: size };
  if (ref.kind === 'torchvision' && !recipe.weights) log(`${ref.arch} starts from random weights: the recipe gives no "weights" (a .pth state dict); nothing is downloaded`);
  const summary = ModelSummarySchema.parse(await pythonRequest(choice.python!, { type: 'inspect', model: modelRef }, log)) as ModelSummary;
  const base = torchvisionBase(summary, recipe.cut, recipe.file);
  const frozen = torchvisionFrozen(summary, base, recipe.freeze, recipe.cut, recipe.file);
  const { head, standardize } = torchvisionHead(recipe.head, recipe.training.standardize);
  const baseFrozen = frozen.length === base.length;
  const planImage: TrainingPlan['data']['image'] = { height: size[0], width: size[1], channels: 3, preprocess: data.preprocess ?? 'imagenet', fit: 'cover' };
  const dataset = await openPlanDataset(recipe, planImage, log);
  const common = commonPlan(recipe, overrides, dataset, planImage, baseFrozen, log);
  const source = ref.kind === 'torchvision' ? recipe.weights ?? recipe.model : (ref as { file: string }).file;
  const sourceFolder = modelFolder(recipe.model, recipe.weights);
  const sha256 = fs.existsSync(source) ? createHash('sha256').update(fs.readFileSync(source)).digest('hex') : '';
  const metadata = (extra: Record<string, unknown>): AdaptedMetadata => ({
    labels: dataset.labels, task: recipe.task, inputSize: [size[0], size[1]], channels: 3, preprocess: planImage.preprocess,
    recipe: recipe.raw, sourceModel: source, sourceSha256: sha256, cut: recipe.cut ?? `(${torchvisionClassifier(summary.layers)} replaced)`, frozen,
    createdAt: new Date().toISOString(), backend: `pytorch ${choice.environment?.chosen.device ?? ''}`.trim(), extra,
  });
  const unfreeze = recipe.training.fineTune ? torchvisionTopLayers(base, recipe.training.fineTune.unfreeze) : [];
  const plan: TrainingPlan = {
    name: recipe.name, recipe: recipe.file ?? '', runDir, staging: stagingFolder(recipe),
    model: { kind: 'torchvision', arch: ref.kind === 'torchvision' ? ref.arch : null, weights: recipe.weights ?? null, torchscript: ref.kind === 'torchscript' ? ref.file : null, cut: recipe.cut ?? null, head, frozen: standardize ? [...frozen, standardize] : frozen, standardize },
    task: recipe.task, labels: dataset.labels, data: common.planData, training: common.training(unfreeze),
    engine: common.engine, resume: overrides.resume ?? null,
    metadata: metadata({}) as unknown as Record<string, unknown>,
  };
  log(`${summary.className}: base of ${base.length} modules (${frozen.length} frozen), head ${head.map((h) => h.type).join(' → ')}`);
  return { plan, file: writePlan(path.join(runDir, 'plan'), plan), dataset, source, sourceFolder, budgets: common.budgets, metadata, fastPath: common.fastPath };
}
