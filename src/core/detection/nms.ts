/**
 * Non-maximum suppression: of boxes that overlap by more than `iouThreshold`, only the highest
 * scoring one stays. Per class by default (a dog box does not suppress the cat box over the same
 * pixels); class-agnostic when one object can only have one label anyway.
 */
import { iou, type Box } from './boxes';

export interface Detection {
  box: Box;
  score: number;
  /** Class index into the dataset's labels. */
  label: number;
}

export interface NmsOptions {
  /** Boxes overlapping a kept one by more than this are dropped (0.5). */
  iouThreshold?: number;
  /** Boxes scoring below this are dropped before anything else (0). */
  scoreThreshold?: number;
  /** At most this many detections in the result, best first (100, as COCO's evaluation). */
  maxDetections?: number;
  /** At most this many per class (no limit). */
  maxPerClass?: number;
  /** Suppress across classes: the best box wins whatever its label (false). */
  classAgnostic?: boolean;
}

/** Highest score first; equal scores keep their input order, so results never depend on the sort. */
function byScore(dets: readonly Detection[]): number[] {
  return dets.map((_, i) => i).sort((a, b) => dets[b]!.score - dets[a]!.score || a - b);
}

/** Greedy NMS over one group; returns indices into `dets`, best first. */
function greedy(dets: readonly Detection[], order: number[], iouThreshold: number, max: number): number[] {
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= max) break;
    const box = dets[i]!.box;
    if (kept.every((k) => iou(dets[k]!.box, box) <= iouThreshold)) kept.push(i);
  }
  return kept;
}

/** Indices of the detections NMS keeps, best first. */
export function nmsIndices(dets: readonly Detection[], opts: NmsOptions = {}): number[] {
  const iouThreshold = opts.iouThreshold ?? 0.5;
  const scoreThreshold = opts.scoreThreshold ?? 0;
  const maxDetections = opts.maxDetections ?? 100;
  const maxPerClass = opts.maxPerClass ?? Infinity;
  // NaN scores would poison the sort: they never pass the threshold
  const order = byScore(dets).filter((i) => dets[i]!.score >= scoreThreshold);
  if (opts.classAgnostic) return greedy(dets, order, iouThreshold, Math.min(maxPerClass, maxDetections));
  const groups = new Map<number, number[]>();
  for (const i of order) {
    const g = groups.get(dets[i]!.label);
    if (g) g.push(i);
    else groups.set(dets[i]!.label, [i]);
  }
  const kept: number[] = [];
  for (const g of groups.values()) kept.push(...greedy(dets, g, iouThreshold, maxPerClass));
  return kept.sort((a, b) => dets[b]!.score - dets[a]!.score || a - b).slice(0, maxDetections);
}

/** The detections NMS keeps, best first. */
export function nms(dets: readonly Detection[], opts: NmsOptions = {}): Detection[] {
  return nmsIndices(dets, opts).map((i) => dets[i]!);
}

/** Class-agnostic NMS: one box per object whatever its label. */
export function nmsClassAgnostic(dets: readonly Detection[], opts: Omit<NmsOptions, 'classAgnostic'> = {}): Detection[] {
  return nms(dets, { ...opts, classAgnostic: true });
}
