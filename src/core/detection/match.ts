/**
 * Matching detections to ground truth in one image and one class, as pycocotools' `evaluateImg`
 * does: detections by descending score, each takes the unmatched ground-truth box it overlaps most
 * (IoU ≥ the threshold), a ground-truth box is matched at most once, and a later detection of an
 * already-matched object is a false positive. Ground truth flagged `difficult` (VOC) or crowd
 * (COCO `iscrowd`) is "ignored": a detection on it is neither right nor wrong, and any number of
 * detections may land on it. Boxes that can be matched normally always win over ignored ones.
 */
import { iou, type Box } from './boxes';
import type { Detection } from './nms';

export interface TruthBox {
  label: number;
  box: Box;
  /** VOC `<difficult>` or COCO `iscrowd`: not counted, detections on it not penalised. */
  difficult?: boolean;
}

/** What each detection of one image and class became at one IoU threshold. */
export interface Matched {
  /** Scores of the detections, best first (after the per-image cap). */
  scores: number[];
  /** Per detection: matched a counted ground-truth box. */
  tp: boolean[];
  /** Per detection: matched an ignored box (left out of precision and recall). */
  ignored: boolean[];
}

/** One image and one class, ready to match at any threshold (the IoUs are computed once). */
export interface MatchCase {
  scores: number[];
  /** ious[d][g]: detection d (best first) against ground truth g (counted ones first). */
  ious: number[][];
  /** Per ground-truth box (same order): ignored. */
  gtIgnored: boolean[];
  /** Counted (not ignored) ground-truth boxes. */
  counted: number;
}

/** Highest score first, ties in input order (pycocotools sorts with a stable mergesort). */
export function scoreOrder<T extends { score: number }>(items: readonly T[]): T[] {
  return items.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i).map((e) => e.d);
}

export function matchCase(truth: readonly TruthBox[], dets: readonly Detection[], maxDetections: number): MatchCase {
  const gts = [...truth.filter((t) => !t.difficult), ...truth.filter((t) => t.difficult)];
  const ds = scoreOrder(dets).slice(0, maxDetections);
  return {
    scores: ds.map((d) => d.score),
    ious: ds.map((d) => gts.map((g) => iou(d.box, g.box))),
    gtIgnored: gts.map((g) => !!g.difficult),
    counted: gts.filter((g) => !g.difficult).length,
  };
}

export function matchAt(c: MatchCase, threshold: number): Matched {
  const taken = c.gtIgnored.map(() => false);
  const tp: boolean[] = [];
  const ignored: boolean[] = [];
  // pycocotools' min(t, 1 − 1e-10): an IoU of exactly 1 still matches at a threshold of 1
  const floor = Math.min(threshold, 1 - 1e-10);
  for (const row of c.ious) {
    let best = floor;
    let m = -1;
    for (let g = 0; g < row.length; g++) {
      if (taken[g] && !c.gtIgnored[g]) continue;
      // a counted match found: ignored boxes (sorted after the counted ones) cannot replace it
      if (m > -1 && !c.gtIgnored[m] && c.gtIgnored[g]) break;
      if (row[g]! < best) continue;
      best = row[g]!;
      m = g;
    }
    if (m === -1) {
      tp.push(false);
      ignored.push(false);
      continue;
    }
    taken[m] = true;
    tp.push(!c.gtIgnored[m]);
    ignored.push(c.gtIgnored[m]!);
  }
  return { scores: c.scores, tp, ignored };
}

/** Splits the boxes of one image by class. */
export function byClass<T extends { label: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const it of items) {
    const g = out.get(it.label);
    if (g) g.push(it);
    else out.set(it.label, [it]);
  }
  return out;
}
