// Non-maximum suppression (src/core/detection/nms.ts): per class, class-agnostic, thresholds and caps.
import * as assert from 'node:assert/strict';
import { nms, nmsClassAgnostic, nmsIndices, type Detection } from '../../../src/core/detection/nms';

const d = (x: number, score: number, label = 0, w = 0.2): Detection => ({ box: { x, y: 0.1, w, h: 0.2 }, score, label });

describe('detection NMS', () => {
  it('keeps the best of overlapping boxes; a box overlapping only a suppressed one survives', () => {
    // a–b overlap (IoU 0.6), b–c overlap (0.6), a–c only 1/3: b goes, c stays
    const a = d(0.0, 0.9), b = d(0.05, 0.8), c = d(0.1, 0.7);
    assert.ok(Math.abs((0.15 * 0.2) / (0.08 - 0.15 * 0.2) - 0.6) < 1e-9);
    assert.deepEqual(nms([c, b, a], { iouThreshold: 0.5 }), [a, c]);
    assert.deepEqual(nms([c, b, a], { iouThreshold: 0.7 }), [a, b, c]); // nothing overlaps that much
  });

  it('per class: a box never suppresses one of another class; class-agnostic: it does', () => {
    const cat = d(0.3, 0.9, 0), dog = d(0.31, 0.8, 1);
    assert.deepEqual(nms([dog, cat]), [cat, dog]);
    assert.deepEqual(nmsClassAgnostic([dog, cat]), [cat]);
    assert.deepEqual(nms([dog, cat], { classAgnostic: true }), [cat]);
  });

  it('score threshold, max detections (best first across classes) and max per class', () => {
    const dets = [d(0.0, 0.3, 0), d(0.4, 0.95, 1), d(0.7, 0.6, 0), d(0.0, 0.85, 2, 0.1), d(0.5, 0.05, 1, 0.05)];
    assert.deepEqual(nms(dets, { scoreThreshold: 0.1 }).map((x) => x.score), [0.95, 0.85, 0.6, 0.3]);
    assert.deepEqual(nms(dets, { maxDetections: 2 }).map((x) => x.score), [0.95, 0.85]);
    assert.deepEqual(nms(dets, { maxPerClass: 1 }).map((x) => x.score), [0.95, 0.85, 0.6]);
  });

  it('ties keep input order; NaN scores are dropped; identical boxes leave one', () => {
    const a = d(0.2, 0.5), b = d(0.2, 0.5), n = d(0.6, Number.NaN);
    assert.deepEqual(nmsIndices([a, b, n]), [0]);
    assert.deepEqual(nmsIndices([b, a]), [0]);
    assert.deepEqual(nms([]), []);
  });
});
