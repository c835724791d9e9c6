/**
 * The grid loss's box part with GIoU: a prediction that decodes to the true box costs nothing, a
 * shifted one costs 1 − giou() (core's, checked against its definition) of the decoded boxes.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { giou } from '../../../src/core/detection/boxes';
import { encodeGrid, type GridSpec } from '../../../src/core/detection/grid';
import { gridConstants, gridLoss } from '../../../src/engine/tfjs/detection/losses';

const spec: GridSpec = { rows: 4, cols: 4, anchors: [{ w: 0.2, h: 0.2 }, { w: 0.4, h: 0.3 }], numClasses: 2 };
const per = 5 + spec.numClasses;
const logit = (p: number): number => Math.log(p / (1 - p));

/** Raw head outputs that decode to `target` exactly (objectness and classes aside). */
function rawFor(target: Float32Array): Float32Array {
  const raw = new Float32Array(target.length);
  for (let at = 0; at < target.length; at += per) {
    if (target[at] !== 1) continue;
    raw[at + 1] = logit(target[at + 1]!); raw[at + 2] = logit(target[at + 2]!);
    raw[at + 3] = target[at + 3]!; raw[at + 4] = target[at + 4]!;
  }
  return raw;
}

describe('detection losses: GIoU on the grid', () => {
  it('costs 0 for the true box, more than 1 for a box beside it, and matches giou() of the decoded boxes', () => {
    const box = { x: 0.3, y: 0.35, w: 0.25, h: 0.2 };
    const { target, placed } = encodeGrid(spec, [{ label: 1, box }]);
    const g = gridConstants(spec.rows, spec.cols, spec.anchors);
    const loss = (raw: Float32Array): number => tf.tidy(() => gridLoss(tf.tensor2d(target, [1, target.length]), tf.tensor4d(raw, [1, 4, 4, 2 * per]), per, { boxWeight: 1, noObjectWeight: 0.5 } as never, g).box.dataSync()[0]!);
    const exact = rawFor(target);
    assert.ok(Math.abs(loss(exact)) < 1e-5, `exact: ${loss(exact)}`);
    // move the predicted centre right, to the edge of its cell
    const { row, col, anchor } = placed[0]!;
    const at = ((row * spec.cols + col) * spec.anchors.length + anchor) * per;
    const moved = exact.slice();
    const cx = (col + target[at + 1]!) / spec.cols + box.w * 1.2;
    const cellX = cx * spec.cols - col; // may leave the cell: σ⁻¹ of a value in (0, 1) only while it stays
    moved[at + 1] = logit(Math.min(0.999, cellX));
    const decodedX = (col + 1 / (1 + Math.exp(-moved[at + 1]!))) / spec.cols;
    const predicted = { x: decodedX - box.w / 2, y: box.y, w: box.w, h: box.h };
    const expected = 1 - giou(predicted, box);
    assert.ok(Math.abs(loss(moved) - expected) < 1e-4, `${loss(moved)} vs 1 − giou ${expected}`);
    assert.ok(loss(moved) > 0.3, `moved to the cell's edge: ${loss(moved)}`);
    tf.dispose([g.col, g.row, g.anchorW, g.anchorH]);
  });
});
