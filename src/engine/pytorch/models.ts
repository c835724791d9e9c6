/**
 * torchvision and TorchScript models outside a training run: their layer tree (inspect), and the
 * predictions and evaluation of a folder the PyTorch engine saved from one (model.pt +
 * metadata.json; there is no model.json for the TF.js engine to open). Each is one short Python
 * process (request.ts); the dataset listing and the metrics are the same code the TF.js engine uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../core/errors';
import { evaluationReport, meanLoss, type Scored } from '../../core/metrics';
import type { ModelSummary } from '../../core/modelSummary';
import { ModelSummarySchema, PredictionSchema, type EvaluationReport, type Prediction } from '../../core/protocol/reports';
import { parseModelRef } from '../../core/recipe/modelRef';
import type { Task } from '../../core/recipe/schema';
import * as z from '../../core/zod';
import { openDataset } from '../tfjs/data';
import type { ImageSpec } from '../tfjs/data/types';
import { chooseEngine } from './choice';
import { pythonRequest } from './request';

type Log = (m: string) => void;

async function torchPython(python: string | undefined): Promise<string> {
  const choice = await chooseEngine('pytorch', python);
  return choice.python!;
}

export interface TorchModelOptions {
  /** A .pth state dict for a `torchvision:ARCH` model. */
  weights?: string;
  /** [height, width] of the traced forward pass (default: the architecture's, else 224). */
  inputSize?: [number, number];
  python?: string;
}

/** The layer tree of `torchvision:ARCH` (with its weights) or `torchscript:FILE`. */
export async function inspectTorchModel(model: string, opts: TorchModelOptions, log: Log = () => undefined): Promise<ModelSummary> {
  const ref = parseModelRef(model);
  if (ref.kind === 'layers') throw new Error(`inspectTorchModel: ${model} is not a torchvision or TorchScript model`);
  if (ref.kind === 'torchscript' && !fs.existsSync(ref.file)) throw new UserError('TorchScript file not found', { file: ref.file });
  if (opts.weights !== undefined) {
    if (ref.kind !== 'torchvision') throw new UserError('weights go with a torchvision:ARCH model; a TorchScript file holds its own', { file: opts.weights });
    if (!fs.existsSync(opts.weights)) throw new UserError('weights file not found', { file: opts.weights });
  }
  const request = ref.kind === 'torchvision'
    ? { kind: 'torchvision', arch: ref.arch, weights: opts.weights ? path.resolve(opts.weights) : null, torchscript: null, inputSize: opts.inputSize ?? null }
    : { kind: 'torchvision', arch: null, weights: null, torchscript: path.resolve(ref.file), inputSize: opts.inputSize ?? null };
  const python = await torchPython(opts.python);
  return ModelSummarySchema.parse(await pythonRequest(python, { type: 'inspect', model: request }, log)) as ModelSummary;
}

interface TorchFolderMeta {
  folder: string;
  labels: string[];
  task: Task;
  image: ImageSpec;
}

/**
 * The folder when `model` is (or names a file in) a folder the PyTorch engine saved from a
 * torchvision model — its metadata.json has transferStudio.torchvision — else undefined.
 */
export function torchModelFolder(model: string): string | undefined {
  let folder = path.resolve(model);
  try {
    if (!fs.statSync(folder).isDirectory()) folder = path.dirname(folder);
  } catch {
    return undefined;
  }
  if (fs.existsSync(path.join(folder, 'model.json'))) return undefined;
  return readTorchMeta(folder) ? folder : undefined;
}

function readTorchMeta(folder: string): TorchFolderMeta | undefined {
  const file = path.join(folder, 'metadata.json');
  let meta: { transferStudio?: { torchvision?: unknown; image?: { height: number; width: number; channels: 1 | 3; preprocess?: string }; labels?: string[]; task?: Task } };
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof meta;
  } catch {
    return undefined;
  }
  const ts = meta.transferStudio;
  if (!ts?.torchvision || !ts.image) return undefined;
  const image = ts.image;
  return { folder, labels: ts.labels ?? [], task: ts.task ?? 'single-label', image: { height: image.height, width: image.width, channels: image.channels, preprocess: (image.preprocess ?? 'imagenet') as ImageSpec['preprocess'] } };
}

const PredictionsSchema = z.array(PredictionSchema);

export async function predictTorchFolder(folder: string, files: string[], topK: number, python: string | undefined, log: Log = () => undefined): Promise<Prediction[]> {
  const py = await torchPython(python);
  const raw = PredictionsSchema.parse(await pythonRequest(py, { type: 'predict', model: folder, files: files.map((f) => path.resolve(f)), topK }, log));
  // The worker answers with absolute paths; give back the caller's own.
  return raw.map((p, i) => ({ ...p, file: files[i] ?? p.file }));
}

/** Accuracy, per-class scores and confusion matrix of a PyTorch-saved folder on a labelled folder or CSV. */
export async function evaluateTorchFolder(folder: string, data: string, python: string | undefined, log: Log = () => undefined): Promise<EvaluationReport> {
  const meta = readTorchMeta(folder);
  if (!meta) throw new UserError('not a folder the PyTorch engine saved from a torchvision model (metadata.json has no transferStudio.torchvision)', { file: folder });
  const ds = await openDataset({ train: data, validationSplit: 0, labels: meta.task === 'regression' ? undefined : meta.labels, task: meta.task, seed: 0, maxSkipped: 1, image: meta.image });
  const examples = [...ds.train, ...ds.validation, ...ds.test];
  const predictions = examples.length ? await predictTorchFolder(folder, examples.map((e) => e.file), Math.max(1, ds.labels.length), python, log) : [];
  const scored: Scored[] = examples.map((e, i) => {
    const p = predictions[i]!;
    const output = p.values ?? outputsFromTop(p, ds.labels);
    return { file: e.file, classes: e.classes, values: e.values, output };
  });
  return evaluationReport(meta.task, ds.labels, scored, data, meanLoss(meta.task, scored));
}

function outputsFromTop(p: Prediction, labels: string[]): number[] {
  return labels.map((l) => p.top.find((t) => t.label === l)?.score ?? 0);
}
