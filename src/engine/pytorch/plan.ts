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
import { adaptModel, type AdaptedModel } from '../tfjs/adapt';
import { openDataset } from '../tfjs/data';
import type { Dataset, Example } from '../tfjs/data/types';
import { loadModel, type LoadedModel } from '../tfjs/io/load';
import { saveAdaptedModel, type AdaptedMetadata } from '../tfjs/io/save';
import { imageSpecFor } from '../tfjs/recipe';
import { withInputSize } from '../tfjs/surgery/inputSize';
import { topLayersToUnfreeze } from '../tfjs/train/session';
import { classWeightVector } from '../tfjs/train/losses';

export interface TrainingPlan {
  name: string;
  recipe: string;
  runDir: string;
  staging: string;
  model: { kind: 'tfjs'; modelJson: string; headLayers: string[]; frozen: string[]; featureShape: number[]; standardize: string | null };
  task: ResolvedRecipe['task'];
  labels: string[];
  data: {
    image: { height: number; width: number; channels: 1 | 3; preprocess: string; fit: 'cover' | 'fill' };
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
  loaded: LoadedModel;
  adapted: AdaptedModel;
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

export async function buildPlan(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, choice: EngineChoice, log: (m: string) => void): Promise<BuiltPlan> {
  const t = recipe.training;
  const data = recipe.data!;
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (data.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  const dataset = await openDataset({
    train: data.train, validation: data.validation, test: data.test, validationSplit: data.validationSplit,
    labels: data.labels, task: recipe.task, seed: t.seed, maxSkipped: data.maxSkipped, image, memoryBudgetBytes: 0,
  }, log);
  const outputs = dataset.labels.length;
  const adapted = adaptModel(loaded, recipe, { outputs });
  const augment = data.augment && Object.values(data.augment).some((v) => v) ? data.augment : undefined;
  const fastPath = adapted.baseFrozen && !augment && data.cache !== 'off';
  const budgets = phaseBudgets(t, { task: recipe.task, hasValidation: dataset.validation.length > 0, cached: fastPath, file: recipe.file });
  const head = budgets.find((b) => b.phase === 'head')!;
  const fine = budgets.find((b) => b.phase === 'fineTune');
  if (budgets.some((b) => b.phase === 'baseline')) log('the from-scratch baseline runs on the TF.js engine only: not run by the PyTorch engine (train it with --engine tfjs)');
  const sourceFolder = modelFolder(loaded.source);
  const metadata = (extra: Record<string, unknown>): AdaptedMetadata => ({
    labels: dataset.labels, task: recipe.task, inputSize: [image.height, image.width], channels: image.channels, preprocess: image.preprocess,
    recipe: recipe.raw, sourceModel: loaded.source, sourceSha256: loaded.sha256, cut: adapted.cut, frozen: [...adapted.frozen],
    createdAt: new Date().toISOString(), backend: `pytorch ${choice.environment?.chosen.device ?? ''}`.trim(), extra,
  });
  // the adapted model (base + the new head with its initial weights), as the worker rebuilds it
  const planDir = path.join(runDir, 'plan');
  const adaptedDir = await saveAdaptedModel(adapted.model, path.join(planDir, 'adapted'), metadata({}), { protect: sourceFolder ? [sourceFolder] : [] });
  const counts = dataset.labels.map((_, c) => dataset.train.filter((e) => e.classes.includes(c)).length);
  const classWeights = recipe.task === 'single-label' ? classWeightVector(dataset.labels, counts, t.classWeights) : undefined;
  const list = (examples: Example[]): { file: string; y: number[] }[] => examples.map((e) => ({ file: e.file, y: targets(recipe.task, outputs, e) }));
  const m = head.monitor;
  const plan: TrainingPlan = {
    name: recipe.name,
    recipe: recipe.file ?? '',
    runDir,
    staging: `${recipe.output}.staging-${process.pid}-${Date.now().toString(36)}`,
    model: {
      kind: 'tfjs', modelJson: path.join(adaptedDir, 'model.json'),
      headLayers: adapted.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name),
      frozen: [...adapted.frozen], featureShape: adapted.featureShape, standardize: adapted.standardizer?.name ?? null,
    },
    task: recipe.task,
    labels: dataset.labels,
    data: {
      image: { height: image.height, width: image.width, channels: image.channels, preprocess: image.preprocess, fit: image.fit ?? 'cover' },
      augment: augment ?? null,
      train: list(dataset.train), validation: list(dataset.validation), test: list(dataset.test),
      evalSplit: dataset.test.length ? 'test' : dataset.validation.length ? 'validation' : 'train',
      maxSkipped: data.maxSkipped,
    },
    training: {
      batchSize: t.batchSize, optimizer: t.optimizer, momentum: t.momentum ?? null, weightDecay: t.weightDecay, seed: t.seed,
      // every field spelled out: the worker applies the same defaults as core's schedule.ts
      schedule: head.schedule.type === 'plateau' ? { type: 'plateau', factor: head.schedule.factor ?? DEFAULTS.plateauFactor, patience: head.schedule.patience ?? DEFAULTS.plateauPatience, minLearningRate: head.schedule.minLearningRate ?? DEFAULTS.plateauMinLearningRate } : head.schedule,
      earlyStopping: m.patience === undefined ? null : { monitor: m.metric, mode: m.mode, patience: m.patience, minDelta: m.minDelta, restoreBest: m.restoreBest },
      classWeights: classWeights ?? null,
      learningRateMultipliers: t.learningRateMultipliers ?? null,
      phases: [
        { phase: 'head', epochs: head.epochs, learningRate: head.learningRate, startEpoch: 0, cache: fastPath },
        ...(fine && t.fineTune ? [{ phase: 'fineTune' as const, epochs: fine.epochs, learningRate: fine.learningRate, startEpoch: 0, cache: false, unfreeze: topLayersToUnfreeze(adapted.base, t.fineTune.unfreeze) }] : []),
      ],
    },
    engine: { device: 'auto', amp: recipe.engine.mixedPrecision, compile: recipe.engine.compile, workers: recipe.engine.workers ?? null, nproc: overrides.devices ?? recipe.engine.devices },
    resume: overrides.resume ?? null,
    metadata: metadata({}) as unknown as Record<string, unknown>,
  };
  const file = path.join(planDir, 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan, null, 1));
  return { plan, file, dataset, loaded, adapted, budgets, metadata, fastPath };
}
