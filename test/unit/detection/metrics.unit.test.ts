// Detection metrics (src/core/detection/metrics.ts, match.ts): a case worked by hand, the known
// properties (perfect → 1, nothing → 0, duplicates are false positives, classes without ground truth
// left out), difficult boxes, and a random case whose numbers pycocotools 2.0.11 computed.
import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/detection/boxes';
import { COCO_IOU_THRESHOLDS, evaluateDetections, localisation, precisionRecall, RECALL_POINTS, type TruthBox } from '../../../src/core/detection/metrics';
import type { Detection } from '../../../src/core/detection/nms';
import { rng } from '../../../src/core/random';

const near = (a: number | null, b: number, eps = 1e-12): void => assert.ok(a !== null && Math.abs(a - b) <= eps, `${a} ≉ ${b}`);
const B = (x: number, y: number, w: number, h: number): Box => ({ x, y, w, h });
const gt = (label: number, box: Box, difficult = false): TruthBox => ({ label, box, ...(difficult ? { difficult } : {}) });
const det = (label: number, box: Box, score: number): Detection => ({ label, box, score });

/*
 * By hand. One class ("shape"); class 1 ("ghost") has no ground truth, only one detection.
 *   image A: g1 = (.1,.1,.2,.2)   g2 = (.6,.6,.3,.3)
 *   image B: g3 = (.2,.2,.4,.4)
 *   p1 A .9  = g1 exactly                      IoU 1
 *   p2 B .8  (.7,.7,.2,.2): on nothing         FP
 *   p3 B .7  (.2,.2,.4,.29): g3 cut short      IoU .29/.4 = .725 → TP at t ≤ .7, FP at t ≥ .75
 *   p4 A .6  (.11,.1,.2,.2): g1 again          IoU .905, but g1 is taken: a duplicate, FP
 *   p5 A .5  = g2 exactly                      IoU 1
 * At t = .5 … .7 (5 thresholds), by score:
 *        p1  p2   p3   p4   p5
 *   TP    1   1    2    2    3
 *   FP    0   1    1    2    2
 *   rec  1/3 1/3  2/3  2/3   1
 *   prec  1  1/2  2/3  1/2  3/5   → envelope (best precision at this recall or beyond): 1, 2/3, 2/3, 3/5, 3/5
 *   101 recall points r = 0, .01, …, 1 read the envelope at the first point reaching r:
 *     r ≤ 1/3 (0 … .33, 34 points): 1;  1/3 < r ≤ 2/3 (.34 … .66, 33): 2/3;  r > 2/3 (.67 … 1, 34): 3/5
 *   AP = (34·1 + 33·2/3 + 34·3/5) / 101 = 76.4 / 101 = 0.75644
 *   VOC (area under the envelope) = 1/3·1 + 1/3·2/3 + 1/3·3/5 = 34/45 = 0.75556
 * At t = .75 … .95 (5 thresholds) p3 misses too:
 *   TP 1 1 1 1 2, FP 0 1 2 3 3, rec 1/3 1/3 1/3 1/3 2/3, prec 1 1/2 1/3 1/4 2/5 → envelope 1, .5, .4, .4, .4
 *   AP = (34·1 + 33·.4 + 34·0) / 101 = 47.2 / 101 = 0.46733
 * mAP@[.5:.95] = (5·76.4/101 + 5·47.2/101) / 10 = 123.6 / 202 = 0.61188
 */
const HAND_TRUTH = [
  [gt(0, B(0.1, 0.1, 0.2, 0.2)), gt(0, B(0.6, 0.6, 0.3, 0.3))],
  [gt(0, B(0.2, 0.2, 0.4, 0.4))],
];
const HAND_PREDS = [
  [det(0, B(0.1, 0.1, 0.2, 0.2), 0.9), det(0, B(0.11, 0.1, 0.2, 0.2), 0.6), det(0, B(0.6, 0.6, 0.3, 0.3), 0.5), det(1, B(0.5, 0.5, 0.1, 0.1), 0.4)],
  [det(0, B(0.7, 0.7, 0.2, 0.2), 0.8), det(0, B(0.2, 0.2, 0.4, 0.29), 0.7)],
];
const LABELS = ['shape', 'ghost'];

/** A seeded random evaluation case: 30 images 640×480, classes 0–2 with ground truth, class 3 without (only false positives). */
function randomCase(seed: number): { truth: TruthBox[][]; preds: Detection[][] } {
  const r = rng(seed);
  const px = (v: number): number => Math.round(v * 10) / 10; // COCO JSON keeps pixels to 0.1
  const box = (x: number, y: number, w: number, h: number) => ({ x: px(x) / 640, y: px(y) / 480, w: px(w) / 640, h: px(h) / 480 });
  const truth: TruthBox[][] = [];
  const preds: Detection[][] = [];
  for (let i = 0; i < 30; i++) {
    const gts: TruthBox[] = [];
    const dets: Detection[] = [];
    const n = Math.floor(r() * 5);
    for (let g = 0; g < n; g++) {
      const w = 20 + r() * 200, h = 20 + r() * 200, x = r() * (640 - w), y = r() * (480 - h);
      const label = Math.floor(r() * 3);
      gts.push({ label, box: box(x, y, w, h) });
      const hits = r() < 0.15 ? 2 : r() < 0.8 ? 1 : 0; // sometimes a duplicate, sometimes missed
      for (let k = 0; k < hits; k++) {
        const j = () => (r() - 0.5) * 0.4;
        const wrong = r() < 0.1;
        dets.push({ label: wrong ? (label + 1) % 3 : label, box: box(x + j() * w, y + j() * h, w * (1 + j()), h * (1 + j())), score: Math.round(r() * 100) / 100 });
      }
    }
    const fps = Math.floor(r() * 3);
    for (let f = 0; f < fps; f++) {
      const w = 20 + r() * 150, h = 20 + r() * 150;
      dets.push({ label: Math.floor(r() * 4), box: box(r() * (640 - w), r() * (480 - h), w, h), score: Math.round(r() * 60) / 100 });
    }
    truth.push(gts);
    preds.push(dets);
  }
  return { truth, preds };
}

describe('detection metrics', () => {
  it('thresholds and recall points are numpy.linspace, as pycocotools', () => {
    assert.equal(COCO_IOU_THRESHOLDS.length, 10);
    assert.equal(COCO_IOU_THRESHOLDS[0], 0.5);
    assert.equal(COCO_IOU_THRESHOLDS[9], 0.95);
    near(COCO_IOU_THRESHOLDS[5]!, 0.75);
    assert.equal(RECALL_POINTS.length, 101);
    assert.equal(RECALL_POINTS[100], 1);
  });

  it('the case worked by hand: AP50, AP75, mAP@[.5:.95], counts and the PR curve', () => {
    const r = evaluateDetections(HAND_TRUTH, HAND_PREDS, { labels: LABELS });
    const shape = r.perClass[0]!;
    near(shape.ap50, 76.4 / 101);
    near(shape.ap75, 47.2 / 101);
    shape.apPerThreshold.forEach((ap, i) => near(ap, i < 5 ? 76.4 / 101 : 47.2 / 101));
    near(shape.ap, 123.6 / 202);
    assert.deepEqual([shape.truths, shape.detections, shape.tp50, shape.fp50, shape.recall50], [3, 5, 3, 2, 1]);
    // the curve a chart draws: precision 1 up to recall 1/3, 2/3 up to 2/3, then 3/5; scores where each is reached
    assert.equal(shape.curve.length, 101);
    assert.deepEqual([shape.curve[33], shape.curve[34], shape.curve[66], shape.curve[67], shape.curve[100]].map((p) => [p!.precision, p!.score]),
      [[1, 0.9], [2 / 3, 0.7], [2 / 3, 0.7], [3 / 5, 0.5], [3 / 5, 0.5]]);
    // the class without ground truth is reported but left out of every mean
    const ghost = r.perClass[1]!;
    assert.deepEqual([ghost.ap, ghost.ap50, ghost.truths, ghost.detections, ghost.fp50], [null, null, 0, 1, 1]);
    near(r.mAP, 123.6 / 202);
    near(r.mAP50, 76.4 / 101);
    near(r.mAP75, 47.2 / 101);
    assert.deepEqual([r.images, r.truths, r.detections], [2, 3, 6]);
  });

  it('VOC interpolation: the area under the envelope, 34/45 for the hand case', () => {
    const r = evaluateDetections(HAND_TRUTH, HAND_PREDS, { labels: LABELS, interpolation: 'voc', iouThresholds: [0.5] });
    near(r.mAP50, 34 / 45);
    near(r.mAP, 34 / 45); // the only threshold
    // 0.75 is not among the thresholds: computed on its own (recall 1/3 at precision 1, then 2/3 at 0.4)
    near(r.mAP75, (1 / 3) * 1 + (1 / 3) * 0.4);
  });

  it('perfect predictions → 1; no predictions → 0; only predictions of another class → 0', () => {
    const perfect = HAND_TRUTH.map((gts) => gts.map((g) => det(g.label, g.box, 0.9)));
    const r = evaluateDetections(HAND_TRUTH, perfect, { labels: LABELS });
    assert.deepEqual([r.mAP, r.mAP50, r.mAP75], [1, 1, 1]);
    const none = evaluateDetections(HAND_TRUTH, [[], []], { labels: LABELS });
    assert.deepEqual([none.mAP, none.mAP50, none.perClass[0]!.recall50], [0, 0, 0]);
    const wrong = evaluateDetections(HAND_TRUTH, HAND_TRUTH.map((gts) => gts.map((g) => det(1, g.box, 0.9))), { labels: LABELS });
    assert.equal(wrong.mAP50, 0);
  });

  it('a duplicate is a false positive: perfect boxes plus one copy of each scored lower', () => {
    const dup = HAND_TRUTH.map((gts) => gts.flatMap((g) => [det(g.label, g.box, 0.9), det(g.label, g.box, 0.3)]));
    const r = evaluateDetections(HAND_TRUTH, dup, { labels: LABELS });
    assert.equal(r.mAP50, 1); // all true positives come first: precision 1 up to recall 1
    assert.deepEqual([r.perClass[0]!.tp50, r.perClass[0]!.fp50], [3, 3]);
    // scored higher than the originals, the copies still take the objects: the originals become the false positives
    const first = HAND_TRUTH.map((gts) => gts.flatMap((g) => [det(g.label, { ...g.box, x: g.box.x + 0.3 }, 0.95), det(g.label, g.box, 0.9)]));
    const r2 = evaluateDetections(HAND_TRUTH, first, { labels: LABELS });
    assert.ok(r2.mAP50! < 1);
  });

  it('no class with ground truth: every mean is null', () => {
    const r = evaluateDetections([[], []], HAND_PREDS, { labels: LABELS });
    assert.deepEqual([r.mAP, r.mAP50, r.mAP75], [null, null, null]);
  });

  it('difficult ground truth: neither found nor missed, and detections on it are not false positives', () => {
    const truth = [[gt(0, B(0.1, 0.1, 0.2, 0.2)), gt(0, B(0.6, 0.6, 0.3, 0.3), true)]];
    // a detection on the difficult box, scored highest: without the flag it would cost precision
    const preds = [[det(0, B(0.6, 0.6, 0.3, 0.3), 0.95), det(0, B(0.61, 0.6, 0.3, 0.3), 0.94), det(0, B(0.1, 0.1, 0.2, 0.2), 0.9)]];
    const r = evaluateDetections(truth, preds, { labels: ['a'] });
    assert.equal(r.mAP50, 1);
    // at IoU .95 the second one (IoU .935) no longer lands on the difficult box: a false positive there
    near(r.perClass[0]!.apPerThreshold[9]!, 0.5); // FP then TP: precision 1/2 all the way
    assert.deepEqual([r.perClass[0]!.truths, r.perClass[0]!.ignored, r.perClass[0]!.tp50, r.perClass[0]!.fp50], [1, 1, 1, 0]);
    // a counted box wins over a difficult one the detection overlaps more
    const both = [[gt(0, B(0.1, 0.1, 0.4, 0.4), true), gt(0, B(0.1, 0.1, 0.3, 0.3))]];
    const one = evaluateDetections(both, [[det(0, B(0.1, 0.1, 0.38, 0.38), 0.9)]], { labels: ['a'] });
    assert.equal(one.perClass[0]!.tp50, 1);
  });

  it('at most maxDetections per image and class, best first', () => {
    const truth = [[gt(0, B(0.1, 0.1, 0.2, 0.2))]];
    const preds = [[det(0, B(0.5, 0.5, 0.2, 0.2), 0.9), det(0, B(0.1, 0.1, 0.2, 0.2), 0.8)]];
    assert.equal(evaluateDetections(truth, preds, { labels: ['a'], maxDetections: 1 }).mAP50, 0);
    assert.equal(evaluateDetections(truth, preds, { labels: ['a'], maxDetections: 2 }).perClass[0]!.detections, 2);
  });

  it('precision and recall at a score threshold, per class and overall', () => {
    const pr = precisionRecall(HAND_TRUTH, HAND_PREDS, { labels: LABELS, scoreThreshold: 0.65 });
    // kept: p1 (TP), p2 (FP), p3 (TP at IoU .5); missed: g2
    assert.deepEqual(pr.perClass[0], { label: 0, name: 'shape', tp: 2, fp: 1, fn: 1, precision: 2 / 3, recall: 2 / 3 });
    assert.deepEqual(pr.perClass[1], { label: 1, name: 'ghost', tp: 0, fp: 0, fn: 0, precision: null, recall: null });
    assert.deepEqual(pr.overall, { tp: 2, fp: 1, fn: 1, precision: 2 / 3, recall: 2 / 3 });
    const strict = precisionRecall(HAND_TRUTH, HAND_PREDS, { labels: LABELS, scoreThreshold: 0, iouThreshold: 0.75 });
    assert.deepEqual([strict.overall.tp, strict.overall.fp, strict.overall.fn], [2, 4, 1]);
  });

  it('localisation: mean IoU of each object\'s best prediction, and the top prediction right', () => {
    // image A: g1 best IoU 1 (p1), g2 best 1 (p5); image B: g3 best .725 (p3)
    const l = localisation(HAND_TRUTH, HAND_PREDS);
    near(l.meanIoU, (1 + 1 + 0.725) / 3, 1e-9);
    // A's top (p1) is right; B's top (p2, .8) is on nothing
    assert.deepEqual([l.correct, l.objects, l.images], [0.5, 3, 2]);
    const missing = localisation([[gt(0, B(0, 0, 0.5, 0.5))]], [[]]);
    assert.deepEqual([missing.meanIoU, missing.correct], [0, 0]);
    assert.deepEqual(localisation([[]], [[]]), { meanIoU: null, correct: null, objects: 0, images: 0 });
    // the wrong class counts only with anyClass
    const other = [[det(1, B(0, 0, 0.5, 0.5), 0.9)]];
    assert.equal(localisation([[gt(0, B(0, 0, 0.5, 0.5))]], other).meanIoU, 0);
    assert.equal(localisation([[gt(0, B(0, 0, 0.5, 0.5))]], other, { anyClass: true }).meanIoU, 1);
  });

  it('agrees with pycocotools 2.0.11 on a random case (30 images, 68 boxes, 105 detections, tied scores)', () => {
    // numbers from COCOeval(gt, dt, "bbox") on the same boxes written as COCO JSON (pixels to 0.1):
    // stats[0:3] and precision[:, :, k, 0, 2].mean() per category
    const { truth, preds } = randomCase(7);
    const r = evaluateDetections(truth, preds, { labels: ['c0', 'c1', 'c2', 'c3'] });
    assert.deepEqual([r.truths, r.detections], [68, 105]);
    near(r.mAP, 0.21125469272791092, 1e-9);
    near(r.mAP50, 0.6736067963959551, 1e-9);
    near(r.mAP75, 0.06357096584990064, 1e-9);
    [[0.18856407435615355, 0.5404526166902404], [0.19474192169223947, 0.8021715214999763], [0.25045808213533965, 0.6781962509976489]].forEach(([ap, ap50], k) => {
      near(r.perClass[k]!.ap, ap!, 1e-9);
      near(r.perClass[k]!.ap50, ap50!, 1e-9);
    });
    assert.equal(r.perClass[3]!.ap, null); // a category without ground truth: -1 in pycocotools, left out
  });

  it('refuses ground truth and predictions for different numbers of images', () => {
    assert.throws(() => evaluateDetections([[]], [], { labels: ['a'] }), /1 images of ground truth but 0 of predictions/);
  });
});
