// Grid/anchor head targets (src/core/detection/grid.ts), anchors by k-means on IoU (anchors.ts) and
// the single-object localiser (localiser.ts): the layout, encode → decode round trips, crowded cells.
import * as assert from 'node:assert/strict';
import { iou, type Box } from '../../../src/core/detection/boxes';
import { kmeansAnchors } from '../../../src/core/detection/anchors';
import { activateGrid, decodeGrid, encodeGrid, gridOffset, targetLength, type GridSpec, type Labelled } from '../../../src/core/detection/grid';
import { decodeLocaliser, encodeLocaliser, localiserLength, primaryObject } from '../../../src/core/detection/localiser';
import { nms } from '../../../src/core/detection/nms';
import { isUserError } from '../../../src/core/errors';
import { rng } from '../../../src/core/random';

const ANCHORS = [{ w: 0.1, h: 0.1 }, { w: 0.3, h: 0.15 }, { w: 0.15, h: 0.35 }];
const SPEC: GridSpec = { rows: 5, cols: 7, anchors: ANCHORS, numClasses: 3 };
const boxNear = (a: Box, b: Box, eps: number): boolean => (['x', 'y', 'w', 'h'] as const).every((k) => Math.abs(a[k] - b[k]) <= eps);

/** Random boxes inside the image whose centres fall in distinct cells (so none competes for a slot). */
function randomObjects(seed: number, n: number, spec: GridSpec): Labelled[] {
  const r = rng(seed);
  const used = new Set<string>();
  const out: Labelled[] = [];
  while (out.length < n) {
    const w = 0.05 + r() * 0.4, h = 0.05 + r() * 0.4;
    const box = { x: r() * (1 - w), y: r() * (1 - h), w, h };
    const cell = `${Math.floor((box.y + h / 2) * spec.rows)},${Math.floor((box.x + w / 2) * spec.cols)}`;
    if (used.has(cell)) continue;
    used.add(cell);
    out.push({ label: Math.floor(r() * spec.numClasses), box });
  }
  return out;
}

/** Matches decoded detections to the objects they came from (each to its best IoU). */
function assertSameBoxes(decoded: { box: Box; score: number; label: number }[], objects: Labelled[], eps: number, minScore: number): void {
  assert.equal(decoded.length, objects.length);
  for (const o of objects) {
    const d = decoded.find((x) => boxNear(x.box, o.box, eps));
    assert.ok(d, `no decoded box near ${JSON.stringify(o.box)}`);
    assert.equal(d.label, o.label);
    assert.ok(d.score >= minScore, `score ${d.score}`);
  }
}

describe('detection grid head', () => {
  it('the documented layout: [rows, cols, anchors, 5 + classes], row-major', () => {
    assert.equal(targetLength(SPEC), 5 * 7 * 3 * 8);
    assert.equal(gridOffset(SPEC, 0, 0, 0), 0);
    assert.equal(gridOffset(SPEC, 0, 0, 1), 8);
    assert.equal(gridOffset(SPEC, 0, 1, 0), 24);
    assert.equal(gridOffset(SPEC, 1, 0, 0), 7 * 24);
    // one box centred in row 2, col 3, shaped like anchor 1
    const box = { x: 3.5 / 7 - 0.15, y: 2.25 / 5 - 0.075, w: 0.3, h: 0.15 };
    const { target, placed } = encodeGrid(SPEC, [{ label: 2, box }]);
    assert.deepEqual(placed, [{ row: 2, col: 3, anchor: 1 }]);
    const at = gridOffset(SPEC, 2, 3, 1);
    const cell = [...target.slice(at, at + 8)];
    [1, 0.5, 0.25, 0, 0, 0, 0, 1].forEach((v, k) => assert.ok(Math.abs(cell[k]! - v) < 1e-6, `k=${k}: ${cell[k]} ≠ ${v}`));
    assert.equal(target.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0), 4); // objectness, tx, ty, the class — tw = th = 0 here
  });

  it('encode → decode gives the original boxes with score 1', () => {
    for (const seed of [1, 2, 3]) {
      const objects = randomObjects(seed, 12, SPEC);
      const { target, dropped } = encodeGrid(SPEC, objects);
      assert.equal(dropped, 0);
      const decoded = decodeGrid(SPEC, target, { scoreThreshold: 0.5 });
      assertSameBoxes(decoded, objects, 1e-6, 1);
      decoded.forEach((d) => assert.equal(d.score, 1));
    }
  });

  it('raw logits → activateGrid → decodeGrid: the same boxes, scores near 1', () => {
    const objects = randomObjects(9, 10, SPEC);
    const { target } = encodeGrid(SPEC, objects);
    const logit = (p: number): number => Math.log(p / (1 - p));
    const raw = new Float32Array(target.length);
    for (let at = 0; at < raw.length; at += 8) {
      const obj = target[at] === 1;
      raw[at] = obj ? 12 : -12;
      raw[at + 1] = obj ? logit(Math.min(Math.max(target[at + 1]!, 1e-6), 1 - 1e-6)) : 0;
      raw[at + 2] = obj ? logit(Math.min(Math.max(target[at + 2]!, 1e-6), 1 - 1e-6)) : 0;
      raw[at + 3] = target[at + 3]!;
      raw[at + 4] = target[at + 4]!;
      for (let c = 0; c < 3; c++) raw[at + 5 + c] = target[at + 5 + c]! * 15;
    }
    const out = activateGrid(SPEC, raw);
    const sum = out[5]! + out[6]! + out[7]!;
    assert.ok(Math.abs(sum - 1) < 1e-6); // a softmax over the classes, even where nothing is
    assertSameBoxes(decodeGrid(SPEC, out, { scoreThreshold: 0.5 }), objects, 1e-4, 0.99);
  });

  it('two objects in one cell: the second takes the next best anchor; with no anchor left it is dropped and counted', () => {
    const a = { label: 0, box: { x: 0.3, y: 0.3, w: 0.1, h: 0.1 } };
    const b = { label: 1, box: { x: 0.31, y: 0.31, w: 0.09, h: 0.09 } };
    const two = encodeGrid(SPEC, [a, b]);
    // b fits anchor 0 best (taken by a), then anchor 1 (shape IoU .18) before anchor 2 (.15)
    assert.deepEqual(two.placed.map((p) => p?.anchor), [0, 1]);
    assertSameBoxes(decodeGrid(SPEC, two.target, { scoreThreshold: 0.5 }), [a, b], 1e-6, 1);
    const single = encodeGrid({ ...SPEC, anchors: [ANCHORS[0]!] }, [a, b]);
    assert.deepEqual([single.placed[1], single.dropped], [null, 1]);
  });

  it('a centre on the right or bottom edge goes to the last cell; decoded boxes are clipped; a bad label throws', () => {
    const edge = encodeGrid(SPEC, [{ label: 0, box: { x: 0.9, y: 0.9, w: 0.2, h: 0.2 } }]);
    assert.deepEqual(edge.placed, [{ row: 4, col: 6, anchor: 1 }]);
    const [d] = decodeGrid(SPEC, edge.target);
    assert.ok(boxNear(d!.box, { x: 0.9, y: 0.9, w: 0.1, h: 0.1 }, 1e-6));
    assert.throws(() => encodeGrid(SPEC, [{ label: 3, box: { x: 0, y: 0, w: 0.1, h: 0.1 } }]), /label 3 is not one of the 3 classes/);
    assert.throws(() => activateGrid(SPEC, new Float32Array(5)), /head output has 5 values/);
  });

  it('decoding then NMS leaves one box per object', () => {
    const objects = randomObjects(4, 6, SPEC);
    const decoded = decodeGrid(SPEC, encodeGrid(SPEC, objects).target, { scoreThreshold: 0.5 });
    // what a trained head also says: a weaker, slightly shifted box beside every object
    const echoes = decoded.map((d) => ({ ...d, score: 0.6, box: { ...d.box, x: d.box.x + 0.01 } }));
    assertSameBoxes(nms([...echoes, ...decoded], { iouThreshold: 0.5 }), objects, 1e-6, 1);
  });
});

describe('detection anchors (k-means on IoU)', () => {
  const r = rng(5);
  const cluster = (w: number, h: number, n: number) => Array.from({ length: n }, () => ({ w: w * (0.9 + r() * 0.2), h: h * (0.9 + r() * 0.2) }));
  const sizes = [...cluster(0.05, 0.05, 40), ...cluster(0.3, 0.1, 40), ...cluster(0.12, 0.4, 40)];

  it('finds the three shapes, smallest first, seeded', () => {
    const fit = kmeansAnchors(sizes, 3, { seed: 1 });
    const expected = [{ w: 0.05, h: 0.05 }, { w: 0.3, h: 0.1 }, { w: 0.12, h: 0.4 }]; // by area
    fit.anchors.forEach((a, i) => assert.ok(iou({ x: 0, y: 0, ...a }, { x: 0, y: 0, ...expected[i]! }) > 0.9, JSON.stringify(fit.anchors)));
    assert.ok(fit.meanIoU > 0.8, String(fit.meanIoU));
    assert.deepEqual(kmeansAnchors(sizes, 3, { seed: 1 }), fit);
    assert.ok(kmeansAnchors(sizes, 1).meanIoU < fit.meanIoU); // fewer anchors fit worse
  });

  it('more anchors than distinct box sizes is a UserError with what to do', () => {
    try {
      kmeansAnchors([{ w: 0.1, h: 0.1 }, { w: 0.1, h: 0.1 }, { w: 0.2, h: 0.2 }], 3);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(isUserError(e));
      assert.match(e.message, /3 anchors need at least 3 different box sizes; the training boxes have 2/);
      assert.match(e.hint!, /at most 2 anchor/);
    }
  });
});

describe('detection single-object localiser', () => {
  it('layout [cx, cy, w, h, classes…]; encode → decode gives the box back with score 1', () => {
    const box = { x: 0.1, y: 0.2, w: 0.4, h: 0.5 };
    const t = encodeLocaliser({ label: 2, box }, 4);
    assert.equal(t.length, localiserLength(4));
    [0.3, 0.45, 0.4, 0.5, 0, 0, 1, 0].forEach((v, i) => assert.ok(Math.abs(t[i]! - v) < 1e-7));
    const d = decodeLocaliser(t, 4);
    assert.equal(d.label, 2);
    assert.equal(d.score, 1);
    assert.ok(boxNear(d.box, box, 1e-7));
    assert.throws(() => decodeLocaliser(t, 3), /3 classes need 7/);
  });

  it('the primary object of an image with several: the largest not flagged difficult', () => {
    const objects = [
      { label: 0, box: { x: 0, y: 0, w: 0.2, h: 0.2 } },
      { label: 1, box: { x: 0, y: 0, w: 0.9, h: 0.9 }, difficult: true },
      { label: 2, box: { x: 0.5, y: 0.5, w: 0.3, h: 0.3 } },
    ];
    assert.equal(primaryObject(objects)?.label, 2);
    assert.equal(primaryObject([]), undefined);
  });
});
