/**
 * What a saved detection model needs beside its weights to turn outputs into boxes: the head's
 * layout (grid with anchors, or a single-object localiser), its labels' count and the thresholds.
 * Kept in the output's metadata.json (`transferStudio.detection`); engines and predict share
 * `detectionsFromOutput`, so training-time validation and predict decode the same way.
 */
import type { Anchor, GridSpec } from './grid';
import { activateGrid, decodeGrid, targetLength } from './grid';
import { clip } from './boxes';
import { decodeLocaliser, localiserLength } from './localiser';
import { nms, type Detection } from './nms';

interface Thresholds {
  /** predict keeps detections scoring at least this. */
  scoreThreshold: number;
  /** NMS IoU. */
  iouThreshold: number;
  maxDetections: number;
}

interface GridLayout {
  rows: number;
  cols: number;
  anchors: Anchor[];
}

/**
 * grid: many objects, NMS. localiser: one object per image; on a feature map it has the grid's
 * layout (it learns each image's primary object in its cell, and the best-scoring box is the
 * answer: convolutional, so what it learns in one place holds in every other), on a feature
 * vector the dense layout of localiser.ts.
 */
export type DetectionModelSpec =
  | (Thresholds & GridLayout & { head: 'grid'; numClasses: number })
  | (Thresholds & Partial<GridLayout> & { head: 'localiser'; numClasses: number });

type WithGrid = Thresholds & GridLayout & { numClasses: number };
export const hasGrid = (s: DetectionModelSpec): s is DetectionModelSpec & WithGrid => s.rows !== undefined && s.cols !== undefined && Array.isArray(s.anchors);

/** Evaluation keeps detections down to this score: AP integrates the whole precision/recall curve. */
export const EVAL_SCORE_THRESHOLD = 0.01;

export const gridSpecOf = (s: WithGrid): GridSpec => ({ rows: s.rows, cols: s.cols, anchors: s.anchors, numClasses: s.numClasses });

/** Values per image the head outputs. */
export const outputLength = (s: DetectionModelSpec): number => (hasGrid(s) ? targetLength(gridSpecOf(s)) : localiserLength(s.numClasses));

/**
 * One image's raw head output → detections after NMS, best first. Evaluation passes a low
 * `scoreThreshold` (the whole precision/recall curve counts for AP); predict the model's own.
 */
export function detectionsFromOutput(s: DetectionModelSpec, out: Float32Array, scoreThreshold = s.scoreThreshold): Detection[] {
  if (!hasGrid(s)) {
    const d = decodeLocaliser(out, s.numClasses);
    return d.score >= scoreThreshold ? [{ ...d, box: clip(d.box) }] : [];
  }
  const spec = gridSpecOf(s);
  const dets = decodeGrid(spec, activateGrid(spec, out), { scoreThreshold });
  return nms(dets, { iouThreshold: s.iouThreshold, maxDetections: s.head === 'localiser' ? 1 : s.maxDetections });
}

/** A metadata value read back from disk, checked before it is trusted. */
export function parseDetectionSpec(v: unknown): DetectionModelSpec | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const n = (k: string): boolean => typeof o[k] === 'number' && Number.isFinite(o[k]);
  if (!n('numClasses') || !n('scoreThreshold') || !n('iouThreshold') || !n('maxDetections')) return undefined;
  if (o.head === 'localiser' && o.rows === undefined) return o as unknown as DetectionModelSpec;
  if ((o.head !== 'grid' && o.head !== 'localiser') || !n('rows') || !n('cols') || !Array.isArray(o.anchors)) return undefined;
  if (!o.anchors.every((a) => a && typeof a.w === 'number' && typeof a.h === 'number' && a.w > 0 && a.h > 0)) return undefined;
  return o as unknown as DetectionModelSpec;
}
