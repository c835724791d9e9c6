// Box conventions and geometry (src/core/detection/boxes.ts): converters, IoU, GIoU, clipping, placing pixel boxes.
import * as assert from 'node:assert/strict';
import {
  area, clip, clipTolerance, corners, fromCoco, fromPixelCorners, fromVoc, fromYolo, giou, intersection, iou, placePixelBox, shapeIou,
  toCoco, toPixels, toVoc, toYolo, vocToPixelCorners, type Box,
} from '../../../src/core/detection/boxes';

const near = (a: number, b: number, eps = 1e-12): void => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);
const nearBox = (a: Box, b: Box, eps = 1e-12): void => (['x', 'y', 'w', 'h'] as const).forEach((k) => near(a[k], b[k], eps));
const SIZE = { width: 200, height: 100 };

describe('detection boxes', () => {
  it('COCO [x, y, w, h] px ↔ normalised xywh, width and height not mixed up', () => {
    const b = fromCoco([20, 10, 50, 30], SIZE);
    assert.deepEqual(b, { x: 0.1, y: 0.1, w: 0.25, h: 0.3 });
    assert.deepEqual(toCoco(b, SIZE), [20, 10, 50, 30]);
  });

  it('VOC is 1-based and inclusive: xmin 1…xmax 10 is the first ten columns, xmin = xmax one pixel', () => {
    assert.deepEqual(vocToPixelCorners(1, 1, 10, 10), { x1: 0, y1: 0, x2: 10, y2: 10 });
    assert.deepEqual(fromVoc([1, 1, 200, 100], SIZE), { x: 0, y: 0, w: 1, h: 1 }); // the whole image
    assert.deepEqual(fromVoc([5, 5, 5, 5], SIZE), { x: 4 / 200, y: 4 / 100, w: 1 / 200, h: 1 / 100 });
    // the same pixels written as COCO and as VOC are the same box
    assert.deepEqual(fromVoc([21, 11, 70, 40], SIZE), fromCoco([20, 10, 50, 30], SIZE));
    assert.deepEqual(toVoc(fromCoco([20, 10, 50, 30], SIZE), SIZE), [21, 11, 70, 40]);
  });

  it('YOLO centre form ↔ corner form', () => {
    const b = fromYolo([0.5, 0.5, 0.2, 0.4]);
    nearBox(b, { x: 0.4, y: 0.3, w: 0.2, h: 0.4 });
    const back = toYolo(b);
    [0.5, 0.5, 0.2, 0.4].forEach((v, i) => near(back[i]!, v));
  });

  it('pixel corners and pixels round-trip', () => {
    const b = fromPixelCorners({ x1: 40, y1: 20, x2: 140, y2: 70 }, SIZE);
    assert.deepEqual(b, { x: 0.2, y: 0.2, w: 0.5, h: 0.5 });
    assert.deepEqual(toPixels(b, SIZE), { x: 40, y: 20, w: 100, h: 50 });
    assert.deepEqual(corners(b), { x1: 0.2, y1: 0.2, x2: 0.7, y2: 0.7 });
  });

  it('area, intersection and IoU by hand', () => {
    const a = { x: 0, y: 0, w: 2, h: 2 };
    const b = { x: 1, y: 1, w: 2, h: 2 };
    assert.equal(area(a), 4);
    assert.equal(intersection(a, b), 1);
    near(iou(a, b), 1 / 7); // 1 / (4 + 4 − 1)
    assert.equal(iou(a, a), 1);
    assert.equal(iou(a, { x: 5, y: 5, w: 1, h: 1 }), 0);
    assert.equal(iou(a, { x: 2, y: 0, w: 1, h: 2 }), 0); // touching edges share no area
    assert.equal(area({ x: 0, y: 0, w: -1, h: 2 }), 0);
    assert.equal(iou({ x: 0, y: 0, w: 0, h: 0 }, { x: 0, y: 0, w: 0, h: 0 }), 0);
    near(iou(a, b), iou(b, a));
  });

  it('GIoU: equals IoU when one box encloses the other, negative when apart, −1 at the limit', () => {
    const a = { x: 0, y: 0, w: 2, h: 2 };
    const b = { x: 1, y: 1, w: 2, h: 2 };
    near(giou(a, b), 1 / 7 - (9 - 7) / 9); // enclosing 3×3
    near(giou(a, { x: 0.5, y: 0.5, w: 1, h: 1 }), 0.25);
    near(giou(a, { x: 3, y: 0, w: 2, h: 2 }), 0 - (10 - 8) / 10); // apart: GIoU still says how far
    assert.ok(giou(a, { x: 100, y: 100, w: 2, h: 2 }) < -0.99);
    assert.equal(giou(a, a), 1);
  });

  it('shape IoU compares sizes on a shared centre', () => {
    near(shapeIou({ w: 1, h: 1 }, { w: 2, h: 2 }), 0.25);
    near(shapeIou({ w: 2, h: 1 }, { w: 1, h: 2 }), 1 / 3);
  });

  it('clip: to [0,1]² by default, to a pixel size when given; a box outside clips to nothing', () => {
    assert.deepEqual(clip({ x: -0.1, y: 0.5, w: 0.5, h: 0.7 }), { x: 0, y: 0.5, w: 0.4, h: 0.5 });
    assert.deepEqual(clip({ x: 190, y: -5, w: 20, h: 10 }, SIZE), { x: 190, y: 0, w: 10, h: 5 });
    assert.equal(area(clip({ x: 2, y: 2, w: 1, h: 1 })), 0);
  });

  it('placing a pixel box: inside as is, slightly outside clipped, far outside refused with the edge named', () => {
    assert.deepEqual(placePixelBox({ x1: 20, y1: 10, x2: 70, y2: 40 }, SIZE), { box: fromCoco([20, 10, 50, 30], SIZE), clipped: false });
    assert.equal(clipTolerance(100), 2);
    assert.equal(clipTolerance(1000), 20);
    // VOC written 0-based: xmin 0 → x1 = −1, one pixel out: clipped
    const slight = placePixelBox({ x1: -1, y1: 0, x2: 201, y2: 100 }, SIZE);
    assert.deepEqual(slight, { box: { x: 0, y: 0, w: 1, h: 1 }, clipped: true });
    const far = placePixelBox({ x1: 10, y1: 10, x2: 300, y2: 50 }, SIZE);
    assert.ok('problem' in far && /extends beyond the 200×100 image \(right edge at x = 300\)/.test(far.problem), JSON.stringify(far));
    const away = placePixelBox({ x1: 300, y1: 10, x2: 320, y2: 50 }, SIZE);
    assert.ok('problem' in away && /lies outside the 200×100 image/.test(away.problem));
  });
});
