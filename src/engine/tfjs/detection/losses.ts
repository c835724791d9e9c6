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

export interface LossParts {
  total: tf.Scalar;
  box: tf.Scalar;
  object: tf.Scalar;
  class: tf.Scalar;
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

export function gridLoss(yTrue: tf.Tensor, yPred: tf.Tensor, per: number, weights = DEFAULTS.detection): LossParts {
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
  const boxErr = tf.sum(smoothL1(tf.sub(tf.concat([xy, wh], 2), tBox)), 2);
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
