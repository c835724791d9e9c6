/** Predict with, and evaluate, a saved model (an adapted one, or any image classifier with labels). */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors';
import type { EvaluationReport, Prediction } from '../../core/protocol/reports';
import type { HeadTask, Task } from '../../core/recipe/schema';
import { HEAD_TASKS } from '../../core/recipe/defaults';
import { loadImageFile, openDataset } from './data';
import type { ImageSpec } from './data/types';
import { evaluateExamples, imagePredictor } from './evaluate';
import { withFusedInference } from './inference/fuse';
import { loadModel, type LoadedModel } from './io/load';
import { parseDetectionSpec, type DetectionModelSpec } from '../../core/detection/model';
import { evaluateDetector, predictBoxes } from './detection/predict';
import { layoutOf, type MultiTaskLayout } from '../../core/multitask/layout';
import { headReports, multiTaskReport } from '../../core/multitask/report';
import type { MultiTaskReport } from '../../core/protocol/reports';
import { scoreExamples } from './evaluate';

type SavedHead = { name: string; task: HeadTask; labels: string[]; columns?: string[]; lossWeight?: number };

export interface SavedModelInfo {
  loaded: LoadedModel;
  image: ImageSpec;
  labels: string[];
  task: Task;
  /** A detector's head layout and thresholds (metadata.json's transferStudio.detection). */
  detection?: DetectionModelSpec;
  /** A multi-task model's heads, one per output (metadata.json's transferStudio.heads). */
  multiTask?: MultiTaskLayout;
}

export async function openSavedModel(model: string): Promise<SavedModelInfo> {
  const loaded = await loadModel(model);
  const shape = loaded.model.inputs[0]!.shape;
  if (shape.length !== 4) throw new UserError(`only image models are supported (input shape [${shape.join(', ')}])`, { file: loaded.source });
  const meta = readTransferStudio(loaded.source);
  const task = (meta?.task ?? 'single-label') as Task;
  const image: ImageSpec = { height: shape[1] as number, width: shape[2] as number, channels: shape[3] as 1 | 3, preprocess: loaded.metadata.preprocess ?? '0,1' };
  if (task === 'detection') {
    const detection = parseDetectionSpec(meta?.detection);
    if (!detection || !loaded.metadata.labels) throw new UserError('a detection model without its head layout in metadata.json ("transferStudio.detection")', { file: loaded.source, hint: 'keep the metadata.json the training wrote beside model.json' });
    return { loaded, labels: loaded.metadata.labels, task, image, detection };
  }
  const heads = parseHeads(meta?.heads);
  if (heads) {
    if (heads.length !== loaded.model.outputs.length) throw new UserError(`metadata.json lists ${heads.length} heads but the model has ${loaded.model.outputs.length} outputs`, { file: loaded.source });
    heads.forEach((h, i) => {
      const units = loaded.model.outputs[i]!.shape[1];
      if (units !== h.labels.length) throw new UserError(`the head "${h.name}" has ${units} outputs but its metadata lists ${h.labels.length} labels`, { file: loaded.source });
    });
    const multiTask = layoutOf(heads.map((h) => ({ name: h.name, task: h.task, labels: h.labels, lossWeight: h.lossWeight, ...(h.columns ? { column: h.columns } : {}) })), (_, i) => heads[i]!.labels);
    return { loaded, labels: heads[0]!.labels, task: heads[0]!.task, image, multiTask };
  }
  const outputs = loaded.model.outputs[0]!.shape[1] ?? 0;
  const labels = loaded.metadata.labels ?? Array.from({ length: outputs }, (_, i) => `class ${i}`);
  if (labels.length !== outputs) throw new UserError(`the model has ${outputs} outputs but its metadata lists ${labels.length} labels`, { file: loaded.source });
  return { loaded, labels, task, image };
}

function parseHeads(v: unknown): SavedHead[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const ok = v.every((h) => h && typeof h.name === 'string' && (HEAD_TASKS as readonly string[]).includes(h.task) && Array.isArray(h.labels) && h.labels.every((l: unknown) => typeof l === 'string'));
  return ok ? (v as SavedHead[]) : undefined;
}

function readTransferStudio(source: string): { task?: string; detection?: unknown; heads?: unknown } | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(source.replace(/model\.json$/, 'metadata.json'), 'utf8')) as { transferStudio?: { task?: string; detection?: unknown; heads?: unknown } };
    return meta.transferStudio;
  } catch {
    return undefined;
  }
}

export async function predictFiles(model: string, files: string[], topK = 3): Promise<Prediction[]> {
  const info = await openSavedModel(model);
  if (info.detection) return predictBoxes({ ...info, spec: info.detection }, files);
  if (info.multiTask) return predictHeads(info, info.multiTask, files, topK);
  return withFusedInference(info.loaded.model, async (predict) => {
    const out: Prediction[] = [];
    for (const file of files) {
      const pixels = await loadImageFile(file, info.image);
      const y = tf.tidy(() => predict(tf.tensor4d(pixels, [1, info.image.height, info.image.width, info.image.channels])));
      const values = Array.from(await y.data());
      y.dispose();
      if (info.task === 'regression') {
        out.push({ file, top: [], values });
        continue;
      }
      const top = values.map((score, i) => ({ label: info.labels[i]!, score })).sort((a, b) => b.score - a.score).slice(0, Math.min(topK, values.length));
      out.push({ file, top });
    }
    return out;
  });
}

/** A multi-task model's outputs, side by side (its heads' layout order). */
function joinedPredict(model: tf.LayersModel): (x: tf.Tensor) => tf.Tensor {
  return (x) => tf.tidy(() => {
    const out = model.predict(x);
    return Array.isArray(out) ? tf.concat(out, -1) : out;
  });
}

async function predictHeads(info: SavedModelInfo, layout: MultiTaskLayout, files: string[], topK: number): Promise<Prediction[]> {
  const predict = joinedPredict(info.loaded.model);
  const out: Prediction[] = [];
  for (const file of files) {
    const pixels = await loadImageFile(file, info.image);
    const y = predict(tf.tensor4d(pixels, [1, info.image.height, info.image.width, info.image.channels]));
    const values = Array.from(await y.data());
    y.dispose();
    const heads = layout.heads.map((h) => {
      const mine = values.slice(h.offset, h.offset + h.units);
      if (h.task === 'regression') return { name: h.name, task: h.task, top: [], values: mine };
      return { name: h.name, task: h.task, top: mine.map((score, i) => ({ label: h.labels[i]!, score })).sort((a, b) => b.score - a.score).slice(0, Math.min(topK, mine.length)) };
    });
    out.push({ file, top: heads[0]!.top, ...(heads[0]!.values ? { values: heads[0]!.values } : {}), heads });
  }
  return out;
}

/** A saved model's evaluation; a multi-task model's carries each head's report in `multiTask` (the top level is its first head's). */
export async function evaluateSavedModel(model: string, data: string): Promise<EvaluationReport & { multiTask?: MultiTaskReport }> {
  const info = await openSavedModel(model);
  if (info.detection) return evaluateDetector({ ...info, spec: info.detection }, data);
  if (info.multiTask) {
    const ds = await openDataset({ train: data, validationSplit: 0, task: 'regression', seed: 0, maxSkipped: 1, image: info.image, multiTask: info.multiTask });
    const examples = [...ds.train, ...ds.validation, ...ds.test];
    const scored = await scoreExamples(imagePredictor(joinedPredict(info.loaded.model), ds), examples);
    const mt = multiTaskReport(info.multiTask, headReports(info.multiTask, scored, data), data);
    return { ...mt.heads[0]!.report, multiTask: mt };
  }
  const ds = await openDataset({ train: data, validationSplit: 0, labels: info.task === 'regression' ? undefined : info.labels, task: info.task, seed: 0, maxSkipped: 1, image: info.image });
  const examples = [...ds.train, ...ds.validation, ...ds.test];
  return withFusedInference(info.loaded.model, (predict) => evaluateExamples(imagePredictor(predict, ds), examples, ds.labels, info.task, data));
}
