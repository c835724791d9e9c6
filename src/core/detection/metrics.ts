/**
 * Detection metrics from predictions (pure numbers): per-class average precision, mAP at IoU 0.5
 * and COCO's mAP@[.5:.95], as pycocotools computes them (101-point interpolated precision, at most
 * 100 detections per image and class, classes without ground truth left out of the mean); the
 * precision/recall at one score threshold; and, for single-object localisation, the mean IoU of
 * each object's best-matching prediction. `truth[i]` and `predictions[i]` are the same image.
 */
import { iou } from './boxes';
import { byClass, matchAt, matchCase, type MatchCase, type TruthBox } from './match';
import type { Detection } from './nms';

export type { TruthBox } from './match';

/** numpy.linspace, value for value: the thresholds pycocotools compares against. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/** COCO's IoU thresholds 0.5, 0.55, …, 0.95. */
export const COCO_IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
/** COCO's 101 recall points 0, 0.01, …, 1. */
export const RECALL_POINTS: readonly number[] = linspace(0, 1, 101);

export interface DetectionMetricsOptions {
  /** Class names; their count is the number of classes. */
  labels: readonly string[];
  /** IoU thresholds averaged into `mAP` (COCO's ten). */
  iouThresholds?: readonly number[];
  /** Detections kept per image and class, best first (100, as COCO). */
  maxDetections?: number;
  /**
   * 'coco': mean precision at 101 recall points (pycocotools); 'voc': the area under the whole
   * interpolated curve (the VOC 2010+ devkit), slightly higher for the same detections.
   */
  interpolation?: 'coco' | 'voc';
}

export interface PrPoint {
  recall: number;
  /** Interpolated: the best precision at this recall or beyond (0 past the highest recall reached). */
  precision: number;
  /** The score a detector would threshold at to reach this point (0 past the highest recall). */
  score: number;
}

export interface ClassAP {
  label: number;
  name: string;
  /** Ground-truth boxes that count. */
  truths: number;
  /** Ground-truth boxes flagged difficult / crowd. */
  ignored: number;
  /** Detections evaluated (after the per-image cap). */
  detections: number;
  /** Mean AP over `iouThresholds`; null for a class without ground truth (left out of the means). */
  ap: number | null;
  ap50: number | null;
  ap75: number | null;
  /** AP at each of the report's `iouThresholds`. */
  apPerThreshold: (number | null)[];
  /** At IoU 0.5, all detections: matched, unmatched, and the recall reached. */
  tp50: number;
  fp50: number;
  recall50: number | null;
  /** The interpolated precision/recall curve at IoU 0.5 (101 points), for a chart. */
  curve: PrPoint[];
}

export interface DetectionReport {
  images: number;
  truths: number;
  detections: number;
  iouThresholds: number[];
  interpolation: 'coco' | 'voc';
  /** Means over the classes that have ground truth; null when none has. */
  mAP: number | null;
  mAP50: number | null;
  mAP75: number | null;
  perClass: ClassAP[];
}

interface Accumulated {
  ap: number;
  curve: PrPoint[];
  tp: number;
  fp: number;
  recall: number;
}

/** One class at one threshold over all images: pycocotools' `accumulate`. */
function accumulate(matched: ReturnType<typeof matchAt>[], counted: number, interpolation: 'coco' | 'voc'): Accumulated {
  const rows: { score: number; tp: boolean }[] = [];
  for (const m of matched) m.scores.forEach((score, d) => { if (!m.ignored[d]) rows.push({ score, tp: m.tp[d]! }); });
  // stable: equal scores stay in image order, as numpy's mergesort keeps them
  const order = rows.map((r, i) => ({ r, i })).sort((a, b) => b.r.score - a.r.score || a.i - b.i).map((e) => e.r);
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const r of order) {
    if (r.tp) tp++;
    else fp++;
    recall.push(tp / counted);
    precision.push(tp / (tp + fp));
  }
  // the envelope: precision at recall r is the best precision at any recall ≥ r
  for (let i = precision.length - 1; i > 0; i--) precision[i - 1] = Math.max(precision[i - 1]!, precision[i]!);
  let i = 0; // numpy.searchsorted(recall, r, side='left'): the first point reaching r (recall only grows)
  const curve = RECALL_POINTS.map((r) => {
    while (i < recall.length && recall[i]! < r) i++;
    return i < recall.length ? { recall: r, precision: precision[i]!, score: order[i]!.score } : { recall: r, precision: 0, score: 0 };
  });
  let ap: number;
  if (interpolation === 'coco') ap = curve.reduce((s, p) => s + p.precision, 0) / curve.length;
  else {
    ap = 0;
    let prev = 0;
    recall.forEach((rc, i) => { ap += (rc - prev) * precision[i]!; prev = rc; });
  }
  return { ap, curve, tp, fp, recall: recall.at(-1) ?? 0 };
}

const mean = (v: (number | null)[]): number | null => {
  const xs = v.filter((x): x is number => x !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
};

const thresholdIndex = (ts: readonly number[], t: number): number => ts.findIndex((x) => Math.abs(x - t) < 1e-9);

/** Per image and class, the IoUs computed once for every threshold. */
function cases(truth: readonly (readonly TruthBox[])[], predictions: readonly (readonly Detection[])[], k: number, maxDetections: number): MatchCase[][] {
  if (truth.length !== predictions.length) throw new Error(`${truth.length} images of ground truth but ${predictions.length} of predictions`);
  const out: MatchCase[][] = Array.from({ length: k }, () => []);
  truth.forEach((t, i) => {
    const gts = byClass(t);
    const dets = byClass(predictions[i]!);
    for (let c = 0; c < k; c++) if (gts.has(c) || dets.has(c)) out[c]!.push(matchCase(gts.get(c) ?? [], dets.get(c) ?? [], maxDetections));
  });
  return out;
}

export function evaluateDetections(truth: readonly (readonly TruthBox[])[], predictions: readonly (readonly Detection[])[], opts: DetectionMetricsOptions): DetectionReport {
  const thresholds = [...(opts.iouThresholds ?? COCO_IOU_THRESHOLDS)];
  const interpolation = opts.interpolation ?? 'coco';
  const k = opts.labels.length;
  const all = cases(truth, predictions, k, opts.maxDetections ?? 100);
  const at50 = thresholdIndex(thresholds, 0.5);
  const at75 = thresholdIndex(thresholds, 0.75);
  const perClass: ClassAP[] = all.map((cs, label) => {
    const counted = cs.reduce((s, c) => s + c.counted, 0);
    const ignored = cs.reduce((s, c) => s + c.gtIgnored.length - c.counted, 0);
    const detections = cs.reduce((s, c) => s + c.scores.length, 0);
    const base = { label, name: opts.labels[label]!, truths: counted, ignored, detections };
    if (counted === 0) {
      // nothing to find: AP is undefined, not 0, so the class does not drag the mean down
      const fp50 = cs.reduce((s, c) => s + matchAt(c, 0.5).ignored.filter((x) => !x).length, 0);
      return { ...base, ap: null, ap50: null, ap75: null, apPerThreshold: thresholds.map(() => null), tp50: 0, fp50, recall50: null, curve: [] };
    }
    const acc = thresholds.map((t) => accumulate(cs.map((c) => matchAt(c, t)), counted, interpolation));
    const half = at50 >= 0 ? acc[at50]! : accumulate(cs.map((c) => matchAt(c, 0.5)), counted, interpolation);
    const apPerThreshold = acc.map((a) => a.ap);
    return {
      ...base,
      ap: mean(apPerThreshold),
      ap50: half.ap,
      ap75: at75 >= 0 ? apPerThreshold[at75]! : accumulate(cs.map((c) => matchAt(c, 0.75)), counted, interpolation).ap,
      apPerThreshold,
      tp50: half.tp,
      fp50: half.fp,
      recall50: half.recall,
      curve: half.curve,
    };
  });
  return {
    images: truth.length,
    truths: perClass.reduce((s, c) => s + c.truths, 0),
    detections: perClass.reduce((s, c) => s + c.detections, 0),
    iouThresholds: thresholds,
    interpolation,
    mAP: mean(perClass.map((c) => c.ap)),
    mAP50: mean(perClass.map((c) => c.ap50)),
    mAP75: mean(perClass.map((c) => c.ap75)),
    perClass,
  };
}

export interface PrCounts {
  tp: number;
  fp: number;
  fn: number;
  /** null when nothing was detected (tp + fp = 0). */
  precision: number | null;
  /** null when there is nothing to find (tp + fn = 0). */
  recall: number | null;
}

const counts = (tp: number, fp: number, fn: number): PrCounts => ({ tp, fp, fn, precision: tp + fp ? tp / (tp + fp) : null, recall: tp + fn ? tp / (tp + fn) : null });

/**
 * Precision and recall of the detections scoring at least `scoreThreshold`, matched at
 * `iouThreshold` (same matching as AP): what a user of the model at that threshold would see.
 */
export function precisionRecall(
  truth: readonly (readonly TruthBox[])[],
  predictions: readonly (readonly Detection[])[],
  opts: { labels: readonly string[]; scoreThreshold?: number; iouThreshold?: number; maxDetections?: number },
): { overall: PrCounts; perClass: (PrCounts & { label: number; name: string })[] } {
  const s = opts.scoreThreshold ?? 0.5;
  const kept = predictions.map((p) => p.filter((d) => d.score >= s));
  const all = cases(truth, kept, opts.labels.length, opts.maxDetections ?? 100);
  let TP = 0, FP = 0, FN = 0;
  const perClass = all.map((cs, label) => {
    let tp = 0, fp = 0, fn = 0;
    for (const c of cs) {
      const m = matchAt(c, opts.iouThreshold ?? 0.5);
      const t = m.tp.filter(Boolean).length;
      tp += t;
      fp += m.tp.filter((x, d) => !x && !m.ignored[d]).length;
      fn += c.counted - t;
    }
    TP += tp; FP += fp; FN += fn;
    return { label, name: opts.labels[label]!, ...counts(tp, fp, fn) };
  });
  return { overall: counts(TP, FP, FN), perClass };
}

/**
 * Single-object localisation: for each counted ground-truth box, the IoU of the prediction that
 * overlaps it most (of the same class unless `anyClass`; 0 when there is none), averaged; and the
 * share of images whose best-scoring prediction has a ground-truth label and IoU ≥ `iouThreshold`
 * with a box of that label (CorLoc with the class checked).
 */
export function localisation(
  truth: readonly (readonly TruthBox[])[],
  predictions: readonly (readonly Detection[])[],
  opts: { iouThreshold?: number; anyClass?: boolean } = {},
): { meanIoU: number | null; correct: number | null; objects: number; images: number } {
  if (truth.length !== predictions.length) throw new Error(`${truth.length} images of ground truth but ${predictions.length} of predictions`);
  const t = opts.iouThreshold ?? 0.5;
  let sum = 0, objects = 0, right = 0, images = 0;
  truth.forEach((gts, i) => {
    const preds = predictions[i]!;
    const counted = gts.filter((g) => !g.difficult);
    for (const g of counted) {
      sum += preds.reduce((best, p) => (opts.anyClass || p.label === g.label ? Math.max(best, iou(p.box, g.box)) : best), 0);
      objects++;
    }
    if (!counted.length) return;
    images++;
    const top = preds.reduce<Detection | undefined>((b, p) => (!b || p.score > b.score ? p : b), undefined);
    if (top && counted.some((g) => g.label === top.label && iou(g.box, top.box) >= t)) right++;
  });
  return { meanIoU: objects ? sum / objects : null, correct: images ? right / images : null, objects, images };
}
