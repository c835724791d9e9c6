/**
 * A saved detector (metadata.json's `transferStudio.detection`) on new images: boxes after NMS in
 * normalised and pixel coordinates (`predict`), or COCO's metrics on an annotated set (`evaluate`).
 * Images are stretched to the model's input as in training, so normalised boxes map straight back.
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { toPixels } from '../../../core/detection/boxes';
import { detectionsFromOutput, EVAL_SCORE_THRESHOLD, outputLength, type DetectionModelSpec } from '../../../core/detection/model';
import { detectionEvaluation, type EvaluatedImage } from '../../../core/detection/report';
import { UserError } from '../../../core/errors';
import type { EvaluationReport, Prediction } from '../../../core/protocol/reports';
import { readBoxDataset } from '../data/annotations';
import { loadImageFile } from '../data/decode';
import type { ImageSpec } from '../data/types';
import { withFusedInference } from '../inference/fuse';
import type { LoadedModel } from '../io/load';
import { truthOf } from './targets';

export interface SavedDetector {
  loaded: LoadedModel;
  image: ImageSpec;
  labels: string[];
  spec: DetectionModelSpec;
}

const round = (v: number, d = 1e4): number => Math.round(v * d) / d;

/** The displayed size (EXIF orientations 5–8 turn the image a quarter), what the boxes' pixels refer to. */
async function imageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(file).metadata();
    if (!m.width || !m.height) throw new Error('no size in the header');
    return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch (e) {
    throw new UserError(`cannot read the image: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
}

export function checkDetector(d: SavedDetector): void {
  const out = d.loaded.model.outputs[0]!.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  if (out !== outputLength(d.spec)) throw new UserError(`the model outputs ${out} values per image but its metadata describes a ${d.spec.head} head of ${outputLength(d.spec)}`, { file: d.loaded.source });
  if (d.labels.length !== d.spec.numClasses) throw new UserError(`the detector has ${d.spec.numClasses} classes but its metadata lists ${d.labels.length} labels`, { file: d.loaded.source });
}

/** Raw outputs of the model over `files`, in batches. */
async function outputsOf(d: SavedDetector, files: string[], onBatch: (values: Float32Array, files: string[]) => Promise<void>, batchSize = 16): Promise<void> {
  const image: ImageSpec = { ...d.image, fit: 'fill' };
  const { height, width, channels } = image;
  const per = height * width * channels;
  await withFusedInference(d.loaded.model, async (predict) => {
    for (let i = 0; i < files.length; i += batchSize) {
      const chunk = files.slice(i, i + batchSize);
      const px = new Float32Array(chunk.length * per);
      (await Promise.all(chunk.map((f) => loadImageFile(f, image)))).forEach((p, j) => px.set(p, j * per));
      const y = tf.tidy(() => predict(tf.tensor4d(px, [chunk.length, height, width, channels])));
      const values = (await y.data()) as Float32Array;
      y.dispose();
      await onBatch(values, chunk);
    }
  });
}

export async function predictBoxes(d: SavedDetector, files: string[]): Promise<Prediction[]> {
  checkDetector(d);
  const L = outputLength(d.spec);
  const out: Prediction[] = [];
  await outputsOf(d, files, async (values, chunk) => {
    for (const [j, file] of chunk.entries()) {
      const size = await imageSize(file);
      const dets = detectionsFromOutput(d.spec, values.subarray(j * L, (j + 1) * L));
      const boxes = dets.map((x) => {
        const p = toPixels(x.box, size);
        return { label: d.labels[x.label]!, score: round(x.score), box: { x: round(x.box.x), y: round(x.box.y), w: round(x.box.w), h: round(x.box.h) }, pixels: { x: round(p.x, 10), y: round(p.y, 10), w: round(p.w, 10), h: round(p.h, 10) } };
      });
      // top: the best score per label, so a classification-minded reader still sees what is there
      const top = [...new Map(boxes.map((b) => [b.label, b.score] as const).reverse()).entries()].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
      out.push({ file, top, boxes, size: [size.width, size.height] });
    }
  });
  return out;
}

/** mAP@0.5, mAP@[.5:.95], per-class AP (and the localiser's mean IoU) on an annotated set: COCO .json, VOC folder or box CSV. */
export async function evaluateDetector(d: SavedDetector, data: string, opts: { images?: string } = {}): Promise<EvaluationReport> {
  checkDetector(d);
  const set = await readBoxDataset(data, { labels: d.labels, images: opts.images });
  const L = outputLength(d.spec);
  const byFile = new Map(set.images.map((im) => [im.file, im]));
  const images: EvaluatedImage[] = [];
  await outputsOf(d, set.images.map((im) => im.file), async (values, chunk) => {
    chunk.forEach((file, j) => {
      const im = byFile.get(file)!;
      images.push({ file, width: im.width, height: im.height, truth: truthOf(im), predicted: detectionsFromOutput(d.spec, values.subarray(j * L, (j + 1) * L), EVAL_SCORE_THRESHOLD) });
    });
  });
  return { task: 'detection', split: data, examples: images.length, loss: null, labels: d.labels, detection: detectionEvaluation(images, { head: d.spec.head, labels: d.labels, scoreThreshold: d.spec.scoreThreshold }) };
}
