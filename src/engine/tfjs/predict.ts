/** Predict with, and evaluate, a saved model (an adapted one, or any image classifier with labels). */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors';
import type { EvaluationReport, Prediction } from '../../core/protocol/reports';
import type { Task } from '../../core/recipe/schema';
import { loadImageFile, openDataset } from './data';
import type { ImageSpec } from './data/types';
import { evaluateExamples, imagePredictor } from './evaluate';
import { withFusedInference } from './inference/fuse';
import { loadModel, type LoadedModel } from './io/load';
import { parseDetectionSpec, type DetectionModelSpec } from '../../core/detection/model';
import { evaluateDetector, predictBoxes } from './detection/predict';

export interface SavedModelInfo {
  loaded: LoadedModel;
  image: ImageSpec;
  labels: string[];
  task: Task;
  /** A detector's head layout and thresholds (metadata.json's transferStudio.detection). */
  detection?: DetectionModelSpec;
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
  const outputs = loaded.model.outputs[0]!.shape[1] ?? 0;
  const labels = loaded.metadata.labels ?? Array.from({ length: outputs }, (_, i) => `class ${i}`);
  if (labels.length !== outputs) throw new UserError(`the model has ${outputs} outputs but its metadata lists ${labels.length} labels`, { file: loaded.source });
  return { loaded, labels, task, image };
}

function readTransferStudio(source: string): { task?: string; detection?: unknown } | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(source.replace(/model\.json$/, 'metadata.json'), 'utf8')) as { transferStudio?: { task?: string; detection?: unknown } };
    return meta.transferStudio;
  } catch {
    return undefined;
  }
}

export async function predictFiles(model: string, files: string[], topK = 3): Promise<Prediction[]> {
  const info = await openSavedModel(model);
  if (info.detection) return predictBoxes({ ...info, spec: info.detection }, files);
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

export async function evaluateSavedModel(model: string, data: string): Promise<EvaluationReport> {
  const info = await openSavedModel(model);
  if (info.detection) return evaluateDetector({ ...info, spec: info.detection }, data);
  const ds = await openDataset({ train: data, validationSplit: 0, labels: info.task === 'regression' ? undefined : info.labels, task: info.task, seed: 0, maxSkipped: 1, image: info.image });
  const examples = [...ds.train, ...ds.validation, ...ds.test];
  return withFusedInference(info.loaded.model, (predict) => evaluateExamples(imagePredictor(predict, ds), examples, ds.labels, info.task, data));
}
