/**
 * Detection settings of a recipe, decided in core from the recipe and the box dataset (so every
 * engine agrees): which head, how many anchors, the NMS and score thresholds, and the default cut —
 * a spatial feature map (the last 4-D layer under the global pooling), since boxes need to know
 * where things are and a pooled vector has forgotten it.
 */
import * as path from 'node:path';
import { chooseDefaultCut } from '../classifier';
import { UserError } from '../errors';
import type { LayerSummary } from '../modelSummary';
import { DEFAULTS, type BoxLoss, type DetectionHeadKind } from './defaults';
import type { ResolvedRecipe } from './resolve';

export interface DetectionSettings {
  head: Exclude<DetectionHeadKind, 'auto'>;
  /** Why this head, in words (the CLI's check and the run log say it). */
  headReason: string;
  anchors: number;
  boxLoss: BoxLoss;
  hiddenUnits: number;
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
  /** Absolute folder the annotations' image paths are relative to, when the recipe names one. */
  images?: string;
}

/** What the dataset says that the defaults depend on. */
export interface BoxDataFacts {
  /** The most boxes any training image has (difficult / crowd boxes included). */
  maxBoxesPerImage: number;
  /** Distinct box sizes among the training boxes (k-means needs at least as many as anchors). */
  distinctSizes: number;
}

/** The recipe's `data.images`, absolute. */
export function detectionImages(recipe: Pick<ResolvedRecipe, 'raw' | 'dir'>): string | undefined {
  const images = recipe.raw.data?.images;
  return images === undefined ? undefined : path.resolve(recipe.dir, images);
}

export function resolveDetection(recipe: ResolvedRecipe, facts: BoxDataFacts): DetectionSettings {
  const d = recipe.raw.detection ?? {};
  const images = detectionImages(recipe);
  const asked = d.head ?? 'auto';
  const head = asked === 'auto' ? (facts.maxBoxesPerImage <= 1 ? 'localiser' : 'grid') : asked;
  const headReason = asked !== 'auto'
    ? head === 'localiser' && facts.maxBoxesPerImage > 1 ? `set in the recipe: each image's largest box is learnt (up to ${facts.maxBoxesPerImage} boxes per image)` : 'set in the recipe'
    : facts.maxBoxesPerImage <= 1
      ? 'no training image has more than one box: a single-object localiser (class + box)'
      : `training images have up to ${facts.maxBoxesPerImage} boxes: a grid of anchors on the feature map, NMS at predict time`;
  const wanted = d.anchors ?? DEFAULTS.detection.anchors;
  // fewer distinct shapes than anchors: k-means cannot place them all; an explicit number is an error there
  if (head === 'grid' && d.anchors !== undefined && facts.distinctSizes < d.anchors) {
    throw new UserError(`${d.anchors} anchors need at least ${d.anchors} different box sizes; the training boxes have ${facts.distinctSizes}`, {
      file: recipe.file, jsonPath: '/detection/anchors', hint: `use at most ${Math.max(1, facts.distinctSizes)} anchor(s), or add more annotated images`,
    });
  }
  return {
    head,
    headReason,
    anchors: Math.max(1, Math.min(wanted, facts.distinctSizes)),
    boxLoss: d.boxLoss ?? DEFAULTS.detection.boxLoss,
    hiddenUnits: d.hiddenUnits ?? DEFAULTS.detection.hiddenUnits,
    scoreThreshold: d.scoreThreshold ?? DEFAULTS.detection.scoreThreshold,
    iouThreshold: d.iouThreshold ?? DEFAULTS.detection.iouThreshold,
    maxDetections: d.maxDetections ?? DEFAULTS.detection.maxDetections,
    ...(images ? { images } : {}),
  };
}

function flatten(layers: LayerSummary[], out = new Map<string, LayerSummary>()): Map<string, LayerSummary> {
  for (const l of layers) {
    out.set(l.name, l);
    if (l.layers) flatten(l.layers, out);
  }
  return out;
}

const rank4 = (l: LayerSummary): boolean => {
  const s = l.outputShape;
  return Array.isArray(s[0]) ? false : s.length === 4 && (s as (number | null)[]).slice(1).every((v) => typeof v === 'number' && v > 0);
};

/**
 * The default cut for detection: the classification cut (the pooling under the old classifier),
 * then down its inputs to the first layer whose output is still a feature map [h, w, channels].
 */
export function defaultDetectionCut(layers: LayerSummary[]): { cut: string; reason: string } | undefined {
  const choice = chooseDefaultCut(layers);
  if (!choice) return undefined;
  const byName = flatten(layers);
  let at = byName.get(choice.cut);
  for (let steps = 0; at && steps < 8; steps++) {
    if (rank4(at)) {
      const [, h, w, c] = at.outputShape as number[];
      return { cut: at.name, reason: `the last feature map under the classifier's pooling (${h}×${w}×${c}): boxes need to know where things are, a pooled vector does not` };
    }
    at = at.inbound[0] === undefined ? undefined : byName.get(at.inbound[0]);
  }
  return undefined;
}

/**
 * A warning when the feature map has too few cells for objects to get their own: on the shapes
 * (objects 16–42 % of the side), held-out mAP@0.5 was 0.38 on an 8×8 map and 0.92 on 16×16
 * (docs/DETECTION.md).
 */
export function coarseGridWarning(rows: number, cols: number): string | undefined {
  if (rows * cols >= 100) return undefined;
  return `the feature map is only ${rows}×${cols} cells: objects that share a cell compete for its anchors and boxes are regressed from far away; a larger "data.imageSize" or a lower "cut" (a stride-16 layer) gives more cells (on the tests' shapes: mAP@0.5 0.38 at 8×8, 0.92 at 16×16)`;
}
