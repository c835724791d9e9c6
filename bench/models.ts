/**
 * MobileNetV2 (Sandler et al. 2018) in TF.js layers, the same architecture as torchvision's
 * `mobilenet_v2` (width 1.0: inverted residual blocks t,c,n,s; ReLU6; a 1280-channel last conv;
 * global pooling; a Dense classifier), for comparisons with PyTorch on the same network.
 */
import * as tf from '@tensorflow/tfjs';

export function mobileNetV2(size: number, classes: number, alpha = 1): tf.LayersModel {
  const ch = (n: number): number => Math.max(8, Math.round((n * alpha) / 8) * 8);
  let seed = 100;
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed++ });
  const bn = (x: tf.SymbolicTensor): tf.SymbolicTensor => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x) as tf.SymbolicTensor;
  const relu6 = (x: tf.SymbolicTensor): tf.SymbolicTensor => tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  const conv = (x: tf.SymbolicTensor, filters: number, k: number, stride: number): tf.SymbolicTensor =>
    tf.layers.conv2d({ filters, kernelSize: k, strides: stride, padding: 'same', useBias: false, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [size, size, 3] });
  let x = relu6(bn(conv(input, ch(32), 3, 2)));
  let channels = ch(32);
  const settings: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [t, c, n, s] of settings) {
    const out = ch(c);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      let y = x;
      if (t !== 1) y = relu6(bn(conv(y, channels * t, 1, 1)));
      y = relu6(bn(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: init() }).apply(y) as tf.SymbolicTensor));
      y = bn(conv(y, out, 1, 1));
      x = stride === 1 && channels === out ? (tf.layers.add().apply([x, y]) as tf.SymbolicTensor) : y;
      channels = out;
    }
  }
  x = relu6(bn(conv(x, 1280, 1, 1)));
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
