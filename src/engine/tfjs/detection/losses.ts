/**
 * Detection losses on the layouts of core/detection (grid.ts, localiser.ts), summed per image and
 * averaged over the batch, returned with their parts for the dashboard:
 *   grid       objectness: binary cross-entropy with logits on every cell and anchor, cells
 *              without an object weighted `noObjectWeight` (YOLO's λnoobj; they outnumber the
 *              rest a hundred to one); box: smooth-L1 on (σ(tx), σ(ty), tw, th), class:
 *              cross-entropy — both only where an object is (the target's objectness is the mask).
 *   localiser  box: smooth-L1 on (cx, cy, w, h); class: cross-entropy; images without an object
 *              contribute nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULTS } from '../../../core/recipe/defaults';
import type { Objective } from '../train/objective';

export interface LossParts {
  total: tf.Scalar;
  box: tf.Scalar;
  object: tf.Scalar;
  class: tf.Scalar;
}

/**
 * A detection loss as what the training loop's steps minimise (the total) and its epochs report
 * beside it: `box_loss`, `object_loss`, `class_loss`, each a mean per image as the total is.
 */
export function detectionObjective(loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => LossParts): Objective {
  const figuresOf = (l: LossParts, n: number): tf.Tensor1D => tf.concat([tf.mul(tf.stack([l.box, l.object, l.class]), n), tf.fill([3], n)]) as tf.Tensor1D;
  return {
    names: ['box_loss', 'object_loss', 'class_loss'],
    loss: (y, p) => tf.tidy(() => loss(y, p).total),
    figures: (y, p) => tf.tidy(() => figuresOf(loss(y, p), y.shape[0]!)),
    // a step computes the loss once: a second pass cost 15–20 % of a cached step (the grid head of the unit test, on WASM)
    lossAndFigures: (y, p) => tf.tidy(() => {
      const l = loss(y, p);
      return [l.total, figuresOf(l, y.shape[0]!)];
    }),
  };
}

/**
 * Smooth-L1 (Huber with threshold beta, as Faster R-CNN's 1/9), elementwise, as
 * 0.5·min(|d|, β)²/β + max(|d| − β, 0): the same values, without a comparison (TF.js has no gradient for Less).
 */
function smoothL1(d: tf.Tensor, beta = 1 / 9): tf.Tensor {
  const a = tf.abs(d);
  return tf.add(tf.div(tf.mul(0.5, tf.square(tf.minimum(a, beta))), beta), tf.relu(tf.sub(a, beta)));
}

/** σ cross-entropy from logits, stable: max(x, 0) − x·z + log(1 + e^−|x|). */
function bceWithLogits(x: tf.Tensor, z: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/** Per cell and anchor of a grid (index (row · cols + col) · A + a): column, row, anchor w, h — constants of the GIoU decoding. */
export interface GridConstants {
  cols: number;
  rows: number;
  col: tf.Tensor1D;
  row: tf.Tensor1D;
  anchorW: tf.Tensor1D;
  anchorH: tf.Tensor1D;
}

export function gridConstants(rows: number, cols: number, anchors: readonly { w: number; h: number }[]): GridConstants {
  const n = rows * cols * anchors.length;
  const [col, row, aw, ah] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) anchors.forEach((a, k) => {
    const i = (r * cols + c) * anchors.length + k;
    col[i] = c; row[i] = r; aw[i] = a.w; ah[i] = a.h;
  });
  return { rows, cols, col: tf.keep(tf.tensor1d(col)), row: tf.keep(tf.tensor1d(row)), anchorW: tf.keep(tf.tensor1d(aw)), anchorH: tf.keep(tf.tensor1d(ah)) };
}

/** Corners (x1, y1, x2, y2) of the boxes encoded as (sx, sy, tw, th) per cell: [B, N] each. */
function decodedCorners(g: GridConstants, sx: tf.Tensor, sy: tf.Tensor, tw: tf.Tensor, th: tf.Tensor): tf.Tensor[] {
  const cx = tf.div(tf.add(g.col, sx), g.cols);
  const cy = tf.div(tf.add(g.row, sy), g.rows);
  // exp of a clipped log-size: a wild early prediction must not overflow
  const hw = tf.mul(0.5, tf.mul(g.anchorW, tf.exp(tf.clipByValue(tw, -4, 4))));
  const hh = tf.mul(0.5, tf.mul(g.anchorH, tf.exp(tf.clipByValue(th, -4, 4))));
  return [tf.sub(cx, hw), tf.sub(cy, hh), tf.add(cx, hw), tf.add(cy, hh)];
}

/** 1 − GIoU per cell (Rezatofighi et al. 2019): IoU minus the share of the enclosing box neither box covers. */
function giouLoss(pred: tf.Tensor[], truth: tf.Tensor[]): tf.Tensor {
  const [px1, py1, px2, py2] = pred as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const [tx1, ty1, tx2, ty2] = truth as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const inter = tf.mul(tf.relu(tf.sub(tf.minimum(px2, tx2), tf.maximum(px1, tx1))), tf.relu(tf.sub(tf.minimum(py2, ty2), tf.maximum(py1, ty1))));
  const union = tf.sub(tf.add(tf.mul(tf.sub(px2, px1), tf.sub(py2, py1)), tf.mul(tf.sub(tx2, tx1), tf.sub(ty2, ty1))), inter);
  const hull = tf.mul(tf.sub(tf.maximum(px2, tx2), tf.minimum(px1, tx1)), tf.sub(tf.maximum(py2, ty2), tf.minimum(py1, ty1)));
  const iou = tf.div(inter, tf.add(union, 1e-9));
  const giou = tf.sub(iou, tf.div(tf.sub(hull, union), tf.add(hull, 1e-9)));
  return tf.sub(1, giou);
}

export function gridLoss(yTrue: tf.Tensor, yPred: tf.Tensor, per: number, weights = DEFAULTS.detection, giou?: GridConstants): LossParts {
  const b = yPred.shape[0]!;
  const p = tf.reshape(yPred, [b, -1, per]);
  const t = tf.reshape(yTrue, [b, -1, per]);
  const n = p.shape[1]!;
  const obj = tf.squeeze(tf.slice(t, [0, 0, 0], [b, n, 1]), [2]);
  const objLogit = tf.squeeze(tf.slice(p, [0, 0, 0], [b, n, 1]), [2]);
  const objWeight = tf.add(obj, tf.mul(weights.noObjectWeight, tf.sub(1, obj)));
  const object = tf.div(tf.sum(tf.mul(bceWithLogits(objLogit, obj), objWeight)), b) as tf.Scalar;
  const xy = tf.sigmoid(tf.slice(p, [0, 0, 1], [b, n, 2]));
  const wh = tf.slice(p, [0, 0, 3], [b, n, 2]);
  const tBox = tf.slice(t, [0, 0, 1], [b, n, 4]);
  const part = (x: tf.Tensor, k: number): tf.Tensor => tf.squeeze(tf.slice(x, [0, 0, k], [b, n, 1]), [2]);
  const boxErr = giou
    ? giouLoss(decodedCorners(giou, part(xy, 0), part(xy, 1), part(wh, 0), part(wh, 1)), decodedCorners(giou, part(tBox, 0), part(tBox, 1), part(tBox, 2), part(tBox, 3)))
    : tf.sum(smoothL1(tf.sub(tf.concat([xy, wh], 2), tBox)), 2);
  const box = tf.div(tf.mul(weights.boxWeight, tf.sum(tf.mul(boxErr, obj))), b) as tf.Scalar;
  const logp = tf.logSoftmax(tf.slice(p, [0, 0, 5], [b, n, per - 5]));
  const ce = tf.neg(tf.sum(tf.mul(tf.slice(t, [0, 0, 5], [b, n, per - 5]), logp), 2));
  const cls = tf.div(tf.sum(tf.mul(ce, obj)), b) as tf.Scalar;
  return { total: tf.addN([object, box, cls]) as tf.Scalar, box, object, class: cls };
}

export function localiserLoss(yTrue: tf.Tensor, yPred: tf.Tensor, weights = DEFAULTS.detection): LossParts {
  const b = yPred.shape[0]!;
  const k = yPred.shape[1]! - 4;
  const tClass = tf.slice(yTrue, [0, 4], [b, k]);
  const mask = tf.sum(tClass, 1); // 1 where the image has an object
  const boxErr = tf.sum(smoothL1(tf.sub(tf.slice(yPred, [0, 0], [b, 4]), tf.slice(yTrue, [0, 0], [b, 4]))), 1);
  const box = tf.div(tf.mul(weights.boxWeight, tf.sum(tf.mul(boxErr, mask))), b) as tf.Scalar;
  const p = tf.clipByValue(tf.slice(yPred, [0, 4], [b, k]), 1e-7, 1);
  const cls = tf.div(tf.neg(tf.sum(tf.mul(tClass, tf.log(p)))), b) as tf.Scalar;
  const object = tf.scalar(0);
  return { total: tf.add(box, cls) as tf.Scalar, box, object, class: cls };
}
