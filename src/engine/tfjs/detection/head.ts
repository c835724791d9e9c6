/**
 * The detection heads, as plain TF.js layers (so the saved model stays a layers model):
 *   grid       3×3 conv (relu) → 1×1 conv to anchors × (5 + classes) per cell, raw; the layout
 *              core/detection/grid.ts documents. The objectness biases start at log(0.01 / 0.99)
 *              (RetinaNet's prior): almost every cell holds nothing, and a head that starts
 *              at 0.5 everywhere spends its first epochs only learning that.
 *   localiser  on a feature map, the grid head (core/detection/model.ts: it learns each image's
 *              primary object, its best box is the answer); on a feature vector (a pooled cut)
 *              (1×1 conv → max pool to 4×4 →) Flatten → Dense (relu) → [Dense 4 sigmoid: cx, cy,
 *              w, h | Dense classes softmax], concatenated: core/detection/localiser.ts's layout.
 * Both start with the frozen standardiser when there is one (training.standardize, per channel: the
 * training maps' mean and variance): raw feature maps are all positive, and Adam's first steps,
 * about the learning rate on every weight, then move every pre-activation the same way and kill
 * the ReLUs (measured: without it the head stayed at chance on the shapes). The layers are
 * created once and applied to any input, so the full model (base → head) and the head alone
 * (features → head, for the cache) share their weights.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';

export interface HeadBuild {
  /** Applies the head's layers to `x` (the cut's output, or a features input of the same shape). */
  apply(x: tf.SymbolicTensor): tf.SymbolicTensor;
  layers: tf.layers.Layer[];
}

const OBJECTNESS_PRIOR = Math.log(0.01 / 0.99);
const LOCALISER_CELLS = 4;

function unique(name: string, taken: Set<string>): string {
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name}_${i}`;
  taken.add(n);
  return n;
}

const standardize = (x: tf.SymbolicTensor, layer: tf.layers.Layer | undefined): tf.SymbolicTensor => (layer ? layer.apply(x) as tf.SymbolicTensor : x);

export function gridHead(featureShape: number[], anchors: number, numClasses: number, hidden: number, seed: number, taken: Set<string>, file?: string, standardizer?: tf.layers.Layer): HeadBuild {
  if (featureShape.length !== 3) {
    throw new UserError(`a grid head needs a feature map [height, width, channels] at the cut; it gives [${featureShape.join(', ')}]`, {
      file, jsonPath: '/cut', hint: 'leave "cut" out (the default is the last feature map under the pooling), or cut at a convolution\'s output',
    });
  }
  const conv = tf.layers.conv2d({ name: unique('detect_conv', taken), filters: hidden, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) });
  const per = 5 + numClasses;
  const out = tf.layers.conv2d({ name: unique('detect_grid', taken), filters: anchors * per, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) });
  let initialised = false;
  return {
    layers: [...(standardizer ? [standardizer] : []), conv, out],
    apply(x) {
      const y = out.apply(conv.apply(standardize(x, standardizer))) as tf.SymbolicTensor;
      if (!initialised) {
        initialised = true;
        const [kernel] = out.getWeights(); // the variable's own tensor: not disposed
        const b = new Float32Array(anchors * per);
        for (let a = 0; a < anchors; a++) b[a * per] = OBJECTNESS_PRIOR;
        const bias = tf.tensor1d(b);
        out.setWeights([kernel!, bias]);
        bias.dispose();
      }
      return y;
    },
  };
}

export function localiserHead(featureShape: number[], numClasses: number, hidden: number, seed: number, taken: Set<string>, standardizer?: tf.layers.Layer): HeadBuild {
  // a 1×1 convolution to 16 channels and max pooling to at most 4×4 cells keep the Dense layer's
  // fan-in small: with the whole map flattened (16×16×128) Adam's first step saturated it
  const spatial = featureShape.length === 3;
  const squeeze = spatial ? tf.layers.conv2d({ name: unique('localise_squeeze', taken), filters: 16, kernelSize: 1, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }) : undefined;
  const pool = spatial && (featureShape[0]! > LOCALISER_CELLS || featureShape[1]! > LOCALISER_CELLS)
    ? tf.layers.maxPooling2d({ name: unique('localise_pool', taken), poolSize: [Math.ceil(featureShape[0]! / LOCALISER_CELLS), Math.ceil(featureShape[1]! / LOCALISER_CELLS)], padding: 'same' })
    : undefined;
  const flatten = featureShape.length > 1 ? tf.layers.flatten({ name: unique('localise_flatten', taken) }) : undefined;
  const dense = tf.layers.dense({ name: unique('localise_dense', taken), units: hidden, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }) });
  const box = tf.layers.dense({ name: unique('localise_box', taken), units: 4, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) });
  const cls = tf.layers.dense({ name: unique('localise_class', taken), units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) });
  const concat = tf.layers.concatenate({ name: unique('localise_out', taken), axis: -1 });
  const layers = ([standardizer, squeeze, pool, flatten, dense, box, cls, concat] as (tf.layers.Layer | undefined)[]).filter((l): l is tf.layers.Layer => l !== undefined);
  return {
    layers,
    apply(x) {
      let h = standardize(x, standardizer);
      if (squeeze) h = squeeze.apply(h) as tf.SymbolicTensor;
      if (pool) h = pool.apply(h) as tf.SymbolicTensor;
      if (flatten) h = flatten.apply(h) as tf.SymbolicTensor;
      h = dense.apply(h) as tf.SymbolicTensor;
      return concat.apply([box.apply(h) as tf.SymbolicTensor, cls.apply(h) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    },
  };
}
