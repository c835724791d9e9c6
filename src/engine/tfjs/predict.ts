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

export interface SavedModelInfo {
  loaded: LoadedModel;
  image: ImageSpec;
  labels: string[];
  task: Task;
}

export async function openSavedModel(model: string): Promise<SavedModelInfo> {
  const loaded = await loadModel(model);
  const shape = loaded.model.inputs[0]!.shape;
  if (shape.length !== 4) throw new UserError(`only image models are supported (input shape [${shape.join(', ')}])`, { file: loaded.source });
  const outputs = loaded.model.outputs[0]!.shape[1] ?? 0;
  const labels = loaded.metadata.labels ?? Array.from({ length: outputs }, (_, i) => `class ${i}`);
  if (labels.length !== outputs) throw new UserError(`the model has ${outputs} outputs but its metadata lists ${labels.length} labels`, { file: loaded.source });
  const task = (readTask(loaded.source) ?? 'single-label') as Task;
  return {
    loaded,
    labels,
    task,
    image: { height: shape[1] as number, width: shape[2] as number, channels: shape[3] as 1 | 3, preprocess: loaded.metadata.preprocess ?? '0,1' },
  };
}

function readTask(source: string): string | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(source.replace(/model\.json$/, 'metadata.json'), 'utf8')) as { transferStudio?: { task?: string } };
    return meta.transferStudio?.task;
  } catch {
    return undefined;
  }
}

export async function predictFiles(model: string, files: string[], topK = 3): Promise<Prediction[]> {
  const info = await openSavedModel(model);
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
  const ds = await openDataset({ train: data, validationSplit: 0, labels: info.task === 'regression' ? undefined : info.labels, task: info.task, seed: 0, maxSkipped: 1, image: info.image });
  const examples = [...ds.train, ...ds.validation, ...ds.test];
  return withFusedInference(info.loaded.model, (predict) => evaluateExamples(imagePredictor(predict, ds), examples, ds.labels, info.task, data));
}
