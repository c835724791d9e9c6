/**
 * Detection's part of an evaluation report, from ground truth and detections (pure numbers): COCO's
 * mAP@0.5 and mAP@[.5:.95] (metrics.ts), per-class AP, precision and recall at the model's score
 * threshold, the localiser's mean IoU, and a few images with both sets of boxes for the dashboard.
 */
import type { DetectionEvaluation } from '../protocol/reports';
import { evaluateDetections, localisation, precisionRecall, type TruthBox } from './metrics';
import type { Detection } from './nms';

export interface EvaluatedImage {
  file: string;
  width: number;
  height: number;
  truth: TruthBox[];
  /** After NMS, every score down to the evaluation's low threshold (AP needs the whole curve). */
  predicted: Detection[];
}

export interface DetectionReportOptions {
  head: 'grid' | 'localiser';
  labels: readonly string[];
  scoreThreshold: number;
  /** Images kept with their boxes for the dashboard (8). */
  samples?: number;
}

const round = (v: number): number => Math.round(v * 1e5) / 1e5;
const roundBox = (b: { x: number; y: number; w: number; h: number }) => ({ x: round(b.x), y: round(b.y), w: round(b.w), h: round(b.h) });

export function detectionEvaluation(images: readonly EvaluatedImage[], o: DetectionReportOptions): DetectionEvaluation {
  const truth = images.map((i) => i.truth);
  const preds = images.map((i) => i.predicted);
  const r = evaluateDetections(truth, preds, { labels: o.labels });
  const pr = precisionRecall(truth, preds, { labels: o.labels, scoreThreshold: o.scoreThreshold });
  const loc = o.head === 'localiser' ? localisation(truth, preds) : undefined;
  return {
    head: o.head,
    mAP50: r.mAP50,
    mAP: r.mAP,
    mAP75: r.mAP75,
    ...(loc ? { meanIoU: loc.meanIoU, correct: loc.correct } : {}),
    scoreThreshold: o.scoreThreshold,
    precision: pr.overall.precision,
    recall: pr.overall.recall,
    truths: r.truths,
    perClass: r.perClass.map((c) => ({ label: c.name, ap: c.ap, ap50: c.ap50, truths: c.truths, detections: c.detections, recall50: c.recall50 })),
    samples: images.slice(0, o.samples ?? 8).map((i) => ({
      file: i.file,
      width: i.width,
      height: i.height,
      truth: i.truth.filter((t) => !t.difficult).map((t) => ({ label: o.labels[t.label] ?? String(t.label), box: roundBox(t.box) })),
      predicted: i.predicted.filter((d) => d.score >= o.scoreThreshold).map((d) => ({ label: o.labels[d.label] ?? String(d.label), score: round(d.score), box: roundBox(d.box) })),
    })),
  };
}
