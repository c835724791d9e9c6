/**
 * A TF.js functional model with one or more of every layer kind the PyTorch rebuild supports
 * that the real fixtures lack (strided SAME convs on odd sizes, depth multipliers, transposed
 * convs, average pooling, bilinear up-sampling, merges, activations…), with seeded random
 * weights, so the rebuild is checked against TF.js itself layer by layer.
 * (Resizing is left out: TF.js 4.22's Resizing reports an output shape without the batch axis,
 * so no layer can follow it in a graph; python/tests checks it against TF.js's resize values.
 * gelu_new too: TF.js saves it under that name but reads it back as "geluNew", which it lacks.
 * SeparableConv2D keeps depth multiplier 1: TF.js 4.22's getConfig drops depth_multiplier, so a
 * saved multiplier-2 layer does not load back into TF.js; python/tests checks multiplier 2.)
 */
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;

export const ZOO_ACTIVATIONS = ['gelu', 'selu', 'hardSigmoid', 'swish', 'softplus', 'softsign', 'mish', 'tanh', 'sigmoid', 'relu6'];

/** Two outputs: class probabilities [3] and an ELU of globally max-pooled features [5]. */
export function buildLayerZoo(): tf.LayersModel {
  let seed = 100;
  const u = (lo = -0.5, hi = 0.5) => tf.initializers.randomUniform({ minval: lo, maxval: hi, seed: seed++ });
  const ap = (l: tf.layers.Layer, x: T | T[]): T => l.apply(x) as T;
  const inp = tf.input({ shape: [9, 11, 3], name: 'zoo_in' });
  const r = ap(tf.layers.rescaling({ scale: 0.5, offset: -0.2, name: 'rescale' }), inp);
  const c1 = ap(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: u(), biasInitializer: u(), name: 'conv_s2_same' }), r);
  const d1 = ap(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', depthwiseInitializer: u(), biasInitializer: u(), useBias: true, name: 'dw_mult2' }), r);
  const cat = ap(tf.layers.concatenate({ axis: -1, name: 'concat' }), [c1, d1]);
  const bn = ap(tf.layers.batchNormalization({ epsilon: 0.01, gammaInitializer: u(0.5, 1.5), betaInitializer: u(), movingMeanInitializer: u(), movingVarianceInitializer: u(0.5, 1.5), name: 'bn' }), cat);
  const avg = ap(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avgpool_same' }), bn);
  const mp = ap(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'maxpool_same' }), bn);
  const up = ap(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'up_bilinear' }), avg);
  const crop = ap(tf.layers.cropping2D({ cropping: [[1, 0], [0, 0]], name: 'crop' }), up);
  const mx = ap(tf.layers.maximum({ name: 'max' }), [mp, crop]);
  const mn = ap(tf.layers.minimum({ name: 'min' }), [mp, crop]);
  const mean = ap(tf.layers.average({ name: 'avg' }), [mx, mn]);
  const leaky = ap(tf.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }), mp);
  const mul = ap(tf.layers.multiply({ name: 'mul' }), [mean, leaky]);
  const ct = ap(tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: u(), biasInitializer: u(), name: 'convT_same' }), mul);
  const ct2 = ap(tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer: u(), biasInitializer: u(), name: 'convT_valid' }), mul);
  const cat2 = ap(tf.layers.concatenate({ name: 'concat2' }), [ct, ct2]);
  const sep = ap(tf.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'elu', depthwiseInitializer: u(), pointwiseInitializer: u(), biasInitializer: u(), name: 'separable' }), cat2);
  const pr = ap(tf.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: u(0, 0.5), name: 'prelu' }), sep);
  const zp = ap(tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]], name: 'zeropad' }), pr);
  const acts = ZOO_ACTIVATIONS.map((a) =>
    ap(tf.layers.activation({ activation: a as 'relu', name: `act_${a}` }), zp));
  const sum = ap(tf.layers.add({ name: 'sum_acts' }), acts);
  const ln = ap(tf.layers.layerNormalization({ epsilon: 1e-3, gammaInitializer: u(0.5, 1.5), betaInitializer: u(), name: 'layernorm' }), sum);
  const dense4d = ap(tf.layers.dense({ units: 5, kernelInitializer: u(), biasInitializer: u(), name: 'dense_on_image' }), ln);
  const perm = ap(tf.layers.permute({ dims: [2, 1, 3], name: 'permute' }), dense4d);
  const thr = ap(tf.layers.thresholdedReLU({ theta: 0.1, name: 'thresholded' }), perm);
  const gmp = ap(tf.layers.globalMaxPooling2d({ name: 'gmp' }), thr);
  const near = ap(tf.layers.upSampling2d({ size: [1, 2], name: 'up_nearest' }), zp);
  const rs = ap(tf.layers.reshape({ targetShape: [9, 10], name: 'reshape' }), avg);
  const d3 = ap(tf.layers.dense({ units: 4, activation: 'relu', kernelInitializer: u(), biasInitializer: u(), name: 'dense_3d' }), rs);
  const flat = ap(tf.layers.concatenate({ name: 'flat_concat' }), [ap(tf.layers.flatten({ name: 'flatten_a' }), near), ap(tf.layers.flatten({ name: 'flatten_b' }), d3)]);
  const drop = ap(tf.layers.dropout({ rate: 0.3, name: 'dropout' }), flat);
  const logits = ap(tf.layers.dense({ units: 3, kernelInitializer: u(), biasInitializer: u(), name: 'logits' }), drop);
  const out = ap(tf.layers.softmax({ name: 'probs' }), logits);
  const elu = ap(tf.layers.elu({ name: 'elu_layer' }), gmp);
  return tf.model({ inputs: inp, outputs: [out, elu], name: 'layer_zoo' });
}
