/**
 * A detector from a loaded model and a recipe: the cut (the recipe's, else core's default — the
 * last feature map under the pooling), the whole base frozen, the head of the chosen kind on the
 * cut's output. `model` (base → head) is what is saved; `head` (features → head) shares its layers
 * and trains on the feature cache.
 */
import * as tf from '@tensorflow/tfjs';
import { kmeansAnchors, type AnchorFit } from '../../../core/detection/anchors';
import type { Anchor } from '../../../core/detection/grid';
import { primaryObject } from '../../../core/detection/localiser';
import type { DetectionModelSpec } from '../../../core/detection/model';
import { UserError } from '../../../core/errors';
import { defaultDetectionCut, type DetectionSettings } from '../../../core/recipe/detection';
import type { ResolvedRecipe } from '../../../core/recipe/resolve';
import { sanitizeName } from '../adapt';
import { summarizeLayer } from '../inspect';
import { truncateAt } from '../surgery/cut';
import { applyFreeze } from '../surgery/freeze';
import { keepFrozenBatchNormInInference } from '../surgery/frozenBatchNorm';
import { allLayers, leafLayers } from '../surgery/layers';
import { FeatureMoments, setStandardizer, STANDARDIZE_LAYER, standardizerLayer } from '../surgery/standardize';
import { shrunkVariance } from '../train/standardize';
import { gridHead, localiserHead } from './head';

export interface DetectionCut {
  cut: string;
  isDefault: boolean;
  reason?: string;
}

export function detectionCut(model: tf.LayersModel, recipe: Pick<ResolvedRecipe, 'cut' | 'file'>): DetectionCut {
  if (recipe.cut) return { cut: recipe.cut, isDefault: false };
  const choice = defaultDetectionCut(model.layers.map((l) => summarizeLayer(l, model)));
  if (!choice) {
    throw new UserError('cannot tell where the feature maps end (no pooling under the classifier, or a branch): set "cut" to the layer whose feature map should feed the detection head', { file: recipe.file, jsonPath: '/cut' });
  }
  return { cut: choice.cut, isDefault: true, reason: choice.reason };
}

export interface Detector {
  model: tf.LayersModel;
  base: tf.LayersModel;
  head: tf.LayersModel;
  cut: DetectionCut;
  featureShape: number[];
  spec: DetectionModelSpec;
  headLayers: tf.layers.Layer[];
  /** The frozen per-channel standardiser in front of the head (training.standardize); its statistics are set by the run. */
  standardizer?: tf.layers.Layer;
  frozen: string[];
}

export function buildDetector(source: tf.LayersModel, recipe: ResolvedRecipe, settings: DetectionSettings, numClasses: number, anchors: Anchor[]): Detector {
  const cut = detectionCut(source, recipe);
  const base = truncateAt(source, cut.cut, recipe.file);
  const frozen = leafLayers(base).map((l) => l.name);
  applyFreeze(base, new Set(frozen));
  const featureShape = (base.outputs[0]!.shape.slice(1) as (number | null)[]).map((d) => d ?? -1);
  if (featureShape.some((d) => d < 0)) {
    throw new UserError(`the cut layer "${cut.cut}" has a free dimension in its output [${featureShape.join(', ')}]: give the model a fixed input size ("data.imageSize")`, { file: recipe.file, jsonPath: '/cut' });
  }
  const taken = new Set(allLayers(base).map((l) => l.name));
  const seed = recipe.training.seed;
  const thresholds = { scoreThreshold: settings.scoreThreshold, iouThreshold: settings.iouThreshold, maxDetections: settings.maxDetections };
  const standardizer = recipe.training.standardize ? standardizerLayer(uniqueName(STANDARDIZE_LAYER, taken)) : undefined;
  // a localiser on a feature map is convolutional too (the grid's layout, its best box the answer):
  // the dense one, on the 120 training images of the shapes test, stayed at val mAP@0.5 ≈ 0.05
  const spatial = featureShape.length === 3;
  const build = settings.head === 'grid' || spatial
    ? gridHead(featureShape, anchors.length, numClasses, settings.hiddenUnits, seed, taken, recipe.file, standardizer)
    : localiserHead(featureShape, numClasses, settings.hiddenUnits, seed, taken, standardizer);
  const name = sanitizeName(recipe.name);
  const model = tf.model({ inputs: base.inputs, outputs: build.apply(base.outputs[0]!), name });
  const features = tf.input({ shape: featureShape, name: 'features' });
  const head = tf.model({ inputs: features, outputs: build.apply(features), name: `${name}_head` });
  keepFrozenBatchNormInInference(model);
  const grid = { rows: featureShape[0]!, cols: featureShape[1]!, anchors };
  const spec: DetectionModelSpec = settings.head === 'grid'
    ? { head: 'grid', ...grid, numClasses, ...thresholds }
    : spatial ? { head: 'localiser', ...grid, numClasses, ...thresholds } : { head: 'localiser', numClasses, ...thresholds };
  return { model, base, head, cut, featureShape, spec, headLayers: build.layers, standardizer, frozen };
}

/** Anchors (k-means, seeded) from the boxes the head learns: all of them (grid), each image's primary object (localiser); never more than their distinct shapes. */
export function anchorsFor(head: DetectionSettings['head'], anchors: number, images: readonly { boxes: readonly { box: { w: number; h: number }; difficult?: boolean; label: number }[] }[], seed: number): AnchorFit {
  const counted = images.map((im) => im.boxes.filter((b) => !b.difficult).map((b) => ({ label: b.label, box: { x: 0, y: 0, w: b.box.w, h: b.box.h } })));
  const learnt = head === 'grid' ? counted.flat() : counted.flatMap((bs) => primaryObject(bs) ?? []);
  const sizes = learnt.map((b) => ({ w: b.box.w, h: b.box.h }));
  const distinct = new Set(sizes.map((s) => `${s.w.toFixed(4)}x${s.h.toFixed(4)}`)).size;
  return kmeansAnchors(sizes, Math.max(1, Math.min(anchors, distinct)), { seed });
}

function uniqueName(name: string, taken: Set<string>): string {
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name}_${i}`;
  taken.add(n);
  return n;
}

/** Per-channel mean and (shrunk) variance of the training feature maps into the standardiser: every position of every map is a sample. */
export async function fitDetectionStandardizer(det: Detector, batches: AsyncIterable<tf.Tensor>): Promise<number> {
  if (!det.standardizer) return 0;
  const channels = det.featureShape.at(-1)!;
  const moments = new FeatureMoments(channels);
  for await (const x of batches) {
    const values = (await x.data()) as Float32Array;
    moments.add(values, values.length / channels);
    x.dispose();
  }
  const { mean, variance } = moments.result();
  setStandardizer(det.standardizer, mean, shrunkVariance(variance));
  return moments.count;
}
