/** Evaluate a model on examples: predictions in batches → the evaluation report. */
import * as tf from '@tensorflow/tfjs';
import { evaluationReport, type Scored } from '../../core/metrics';
import type { EvaluationReport } from '../../core/protocol/reports';
import type { Task } from '../../core/recipe/schema';
import type { Dataset, Example } from './data/types';
import { perExampleLoss } from './train/losses';

export interface PredictFn {
  (examples: Example[]): Promise<tf.Tensor2D>;
}

/** Predictions for examples from a full image model (its `predict`, e.g. a fused one), in batches. */
export function imagePredictor(predict: (x: tf.Tensor) => tf.Tensor, dataset: Dataset): PredictFn {
  const { height, width, channels } = dataset.image;
  return async (examples) => {
    const per = height * width * channels;
    const pixels = new Float32Array(examples.length * per);
    const loaded = await Promise.all(examples.map((e) => dataset.load(e)));
    loaded.forEach((p, i) => pixels.set(p, i * per));
    return tf.tidy(() => predict(tf.tensor4d(pixels, [examples.length, height, width, channels])) as tf.Tensor2D);
  };
}

export function targetsFor(task: Task, outputs: number, examples: Example[]): tf.Tensor2D {
  const data = new Float32Array(examples.length * outputs);
  examples.forEach((e, i) => {
    if (task === 'regression') e.values.forEach((v, j) => { data[i * outputs + j] = v; });
    else e.classes.forEach((c) => { data[i * outputs + c] = 1; });
  });
  return tf.tensor2d(data, [examples.length, outputs]);
}

/** The model's outputs for examples with their targets (a multi-task model's are split per head in core/multitask/report.ts). */
export async function scoreExamples(predict: PredictFn, examples: Example[], batchSize = 32): Promise<Scored[]> {
  const scored: Scored[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const out = await predict(chunk);
    const values = (await out.array()) as number[][];
    out.dispose();
    chunk.forEach((e, j) => scored.push({ file: e.file, classes: e.classes, values: e.values, output: values[j]! }));
  }
  return scored;
}

export async function evaluateExamples(predict: PredictFn, examples: Example[], labels: string[], task: Task, split: string, batchSize = 32): Promise<EvaluationReport> {
  const scored: Scored[] = [];
  let lossSum = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const out = await predict(chunk);
    const ys = targetsFor(task, out.shape[1], chunk);
    const l = tf.tidy(() => tf.sum(perExampleLoss(task, ys, out)));
    lossSum += (await l.data())[0]!;
    const values = (await out.array()) as number[][];
    tf.dispose([out, ys, l]);
    chunk.forEach((e, j) => scored.push({ file: e.file, classes: e.classes, values: e.values, output: values[j]! }));
  }
  return evaluationReport(task, labels, scored, split, examples.length ? lossSum / examples.length : null);
}
