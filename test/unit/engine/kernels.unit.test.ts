import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { forceBackend } from '../../../src/engine/tfjs/backend';
import { registerWasmGradientKernels } from '../../../src/engine/tfjs/kernels';
import { setChunkFloats } from '../../../src/engine/tfjs/kernels/conv2dBackpropFilter';
import { setDepthwiseInputViaConvolution } from '../../../src/engine/tfjs/kernels/depthwiseBackprop';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** Run `fn` on a backend (inputs are rebuilt there from plain arrays) and return plain outputs. */
async function on(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await forceBackend(backend);
  const outs = tf.tidy(fn);
  const values = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return values;
}

/** Largest |a − b| / max(1, |b|): absolute for small values, relative for large ones. */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'same number of values');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

function assertClose(actual: Float32Array[], expected: Float32Array[], names: string[]): void {
  names.forEach((name, i) => {
    const d = maxRelDiff(actual[i]!, expected[i]!);
    assert.ok(d <= 1e-4, `${name}: max difference ${d}`);
  });
}

/** Seeded values in [-0.5, 0.5). */
function rand(shape: number[], seed: number): number[] {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

/** Run with the WASM depthwise input gradient on the forward convolution, or on the plain loops. */
async function withDepthwiseInputPath<T>(viaConvolution: boolean, fn: () => Promise<T>): Promise<T> {
  const old = setDepthwiseInputViaConvolution(viaConvolution);
  try {
    return await fn();
  } finally {
    setDepthwiseInputViaConvolution(old);
  }
}

async function withChunkFloats<T>(n: number, fn: () => Promise<T>): Promise<T> {
  const old = setChunkFloats(n);
  try {
    return await fn();
  } finally {
    setChunkFloats(old);
  }
}

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor => tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

describe('WASM gradient kernels equal the pure-JS backend\'s', () => {
  afterEach(async () => forceBackend('wasm'));

  describe('conv2d: dx and dW through tf.grads of Σ conv2d(x, W) · dy', () => {
    // TF.js's conv2d gradient refuses dilations > 1, and Conv2DBackpropFilter has no dilation attribute
    const cases: { name: string; x: Shape4; f: Shape4; stride: number | [number, number]; pad: Pad }[] = [
      { name: '1×1 stride 1, widening (pointwise: Xᵀ·dY)', x: [3, 7, 9, 16], f: [1, 1, 16, 24], stride: 1, pad: 'same' },
      { name: '1×1 stride 1, narrowing (pointwise: dYᵀ·X)', x: [2, 5, 6, 24], f: [1, 1, 24, 8], stride: 1, pad: 'valid' },
      { name: '1×1 stride 2', x: [2, 8, 8, 6], f: [1, 1, 6, 4], stride: 2, pad: 'valid' },
      { name: '1×1 with explicit padding (im2col, not the pointwise path)', x: [2, 5, 4, 3], f: [1, 1, 3, 5], stride: 1, pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
      { name: '3×3 same stride 1, batch 1', x: [1, 9, 8, 5], f: [3, 3, 5, 7], stride: 1, pad: 'same' },
      { name: '3×3 same stride 2, odd sizes, batch 3', x: [3, 11, 13, 3], f: [3, 3, 3, 8], stride: 2, pad: 'same' },
      { name: '3×5 valid stride [2, 1]', x: [2, 10, 12, 4], f: [3, 5, 4, 6], stride: [2, 1], pad: 'valid' },
      { name: '3×3 numeric pad 1', x: [2, 6, 6, 2], f: [3, 3, 2, 3], stride: 1, pad: 1 },
      { name: '3×3 numeric pad 2 stride 2', x: [2, 7, 9, 3], f: [3, 3, 3, 4], stride: 2, pad: 2 },
      { name: '5×3 explicit pads [[0,0],[2,1],[0,3],[0,0]] stride 2', x: [2, 9, 7, 3], f: [5, 3, 3, 5], stride: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
      { name: '3×3 same, 40 channels (long runs in im2col)', x: [2, 6, 5, 40], f: [3, 3, 40, 12], stride: 1, pad: 'same' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const xs = rand(c.x, 1);
        const fs = rand(c.f, 2);
        const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.stride, 1, c.pad as 'same');
        const dys = rand(info.outShape, 3);
        const grads = (): tf.Tensor[] => {
          const dy = tf.tensor4d(dys, info.outShape);
          const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad as 'same'), dy)));
          return g([tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f)]);
        };
        assertClose(await on('wasm', grads), await on('cpu', grads), ['dx', 'dW']);
      });
    }
  });

  describe('depthwise conv2d: dx and dW through tf.grads of Σ depthwiseConv2d(x, W) · dy', () => {
    // TF.js's depthwise gradient refuses dilations > 1: dilated kernels are tested directly below
    const cases: { name: string; x: Shape4; f: Shape4; stride: number | [number, number]; pad: Pad }[] = [
      { name: '3×3 same stride 1', x: [2, 9, 9, 8], f: [3, 3, 8, 1], stride: 1, pad: 'same' },
      { name: '3×3 same stride 2, odd sizes (MobileNet downsampling), batch 3', x: [3, 12, 11, 5], f: [3, 3, 5, 1], stride: 2, pad: 'same' },
      { name: '3×3 valid, channel multiplier 2', x: [2, 8, 10, 3], f: [3, 3, 3, 2], stride: 1, pad: 'valid' },
      { name: '3×3 same stride 2, channel multiplier 3, batch 3', x: [3, 7, 8, 2], f: [3, 3, 2, 3], stride: 2, pad: 'same' },
      { name: '5×3 same, batch 1', x: [1, 7, 9, 6], f: [5, 3, 6, 1], stride: 1, pad: 'same' },
      { name: '5×3 valid stride 2', x: [2, 11, 9, 4], f: [5, 3, 4, 1], stride: 2, pad: 'valid' },
      { name: '3×5 stride [1, 2], 1 input channel', x: [2, 8, 11, 1], f: [3, 5, 1, 1], stride: [1, 2], pad: 'same' },
      { name: '3×3 numeric pad 1', x: [2, 6, 7, 4], f: [3, 3, 4, 1], stride: 1, pad: 1 },
      { name: '3×3 explicit pads [[0,0],[0,2],[1,1],[0,0]] stride 2', x: [2, 9, 8, 3], f: [3, 3, 3, 1], stride: 2, pad: [[0, 0], [0, 2], [1, 1], [0, 0]] },
      { name: '3×3 explicit pads wider than the filter (no transposed convolution for dx)', x: [1, 5, 6, 3], f: [3, 3, 3, 1], stride: 1, pad: [[0, 0], [3, 0], [0, 4], [0, 0]] },
      { name: '1×1', x: [2, 4, 5, 7], f: [1, 1, 7, 1], stride: 1, pad: 'valid' },
    ];
    for (const viaConvolution of [true, false]) {
      for (const c of cases) {
        it(`${c.name}${viaConvolution ? '' : ' (dx by the loops)'}`, async () => {
          const xs = rand(c.x, 4);
          const fs = rand(c.f, 5);
          const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.stride, 1, c.pad as 'same', undefined, true);
          const dys = rand(info.outShape, 6);
          const grads = (): tf.Tensor[] => {
            const dy = tf.tensor4d(dys, info.outShape);
            const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad as 'same'), dy)));
            return g([tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f)]);
          };
          const wasm = await withDepthwiseInputPath(viaConvolution, () => on('wasm', grads));
          assertClose(wasm, await on('cpu', grads), ['dx', 'dW']);
        });
      }
    }
  });

  describe('the kernels called directly: explicit pads, dimRoundingMode, dilations', () => {
    const convCases: { name: string; x: Shape4; f: Shape4; strides: [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'ceil' | 'round' }[] = [
      { name: 'explicit pad array', x: [2, 7, 8, 3], f: [3, 2, 3, 4], strides: [1, 2], pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
      { name: 'numeric pad, dimRoundingMode floor', x: [2, 8, 8, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: 1, dimRoundingMode: 'floor' },
      { name: 'numeric pad, dimRoundingMode ceil', x: [2, 8, 8, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: 1, dimRoundingMode: 'ceil' },
      { name: 'numeric pad, dimRoundingMode round', x: [1, 9, 6, 2], f: [2, 3, 2, 3], strides: [2, 3], pad: 1, dimRoundingMode: 'round' },
    ];
    for (const c of convCases) {
      it(`Conv2DBackpropFilter and Conv2DBackpropInput: ${c.name}`, async () => {
        const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad as 'same', c.dimRoundingMode);
        const [xs, fs, dys] = [rand(c.x, 7), rand(c.f, 8), rand(info.outShape, 9)];
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode };
        const both = (): tf.Tensor[] => {
          const dy = tf.tensor4d(dys, info.outShape);
          return [
            run('Conv2DBackpropInput', { dy, filter: tf.tensor4d(fs, c.f) }, { ...attrs, inputShape: c.x }),
            run('Conv2DBackpropFilter', { x: tf.tensor4d(xs, c.x), dy }, { ...attrs, filterShape: c.f }),
          ];
        };
        assertClose(await on('wasm', both), await on('cpu', both), ['dx', 'dW']);
      });
    }

    const dwCases: { name: string; x: Shape4; f: Shape4; strides: [number, number]; dilations: [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'ceil' | 'round' }[] = [
      { name: 'explicit pad array', x: [2, 7, 8, 3], f: [3, 2, 3, 1], strides: [1, 2], dilations: [1, 1], pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
      { name: 'numeric pad, dimRoundingMode ceil, multiplier 2', x: [2, 8, 8, 3], f: [3, 3, 3, 2], strides: [2, 2], dilations: [1, 1], pad: 1, dimRoundingMode: 'ceil' },
      { name: 'numeric pad, dimRoundingMode floor', x: [2, 8, 8, 3], f: [3, 3, 3, 1], strides: [2, 2], dilations: [1, 1], pad: 1, dimRoundingMode: 'floor' },
      { name: 'dilation 2, same', x: [2, 9, 10, 4], f: [3, 3, 4, 1], strides: [1, 1], dilations: [2, 2], pad: 'same' },
      { name: 'dilation [2, 3], valid, multiplier 2', x: [2, 11, 12, 3], f: [3, 3, 3, 2], strides: [1, 1], dilations: [2, 3], pad: 'valid' },
      { name: 'dilation 2 and stride 2, explicit pads', x: [1, 10, 9, 2], f: [3, 2, 2, 1], strides: [2, 2], dilations: [2, 2], pad: [[0, 0], [2, 1], [1, 2], [0, 0]] },
    ];
    for (const viaConvolution of [true, false]) {
      for (const c of dwCases) {
        it(`DepthwiseConv2dNativeBackprop{Input,Filter}: ${c.name}${viaConvolution ? '' : ' (dx by the loops)'}`, async () => {
          const [FH, FW, C, M] = c.f;
          const [dh, dw] = c.dilations;
          const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, c.dilations, c.pad as 'same', c.dimRoundingMode, true);
          const [xs, fs, dys] = [rand(c.x, 10), rand(c.f, 11), rand(info.outShape, 12)];
          const attrs = { strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode };
          const wasm = await withDepthwiseInputPath(viaConvolution, () => on('wasm', () => {
            const dy = tf.tensor4d(dys, info.outShape);
            return [
              run('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.tensor4d(fs, c.f) }, { ...attrs, dilations: c.dilations, inputShape: c.x }),
              run('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(xs, c.x), dy }, { ...attrs, dilations: c.dilations, filterShape: c.f }),
            ];
          }));
          // The pure-JS kernels ignore dilations; a dilated filter is the undilated filter of its
          // full extent with zeros between the taps, which they do handle.
          const [EH, EW] = [(FH - 1) * dh + 1, (FW - 1) * dw + 1];
          const spread = new Array<number>(EH * EW * C * M).fill(0);
          for (let kh = 0; kh < FH; kh++) for (let kw = 0; kw < FW; kw++) for (let i = 0; i < C * M; i++) spread[((kh * dh * EW) + kw * dw) * C * M + i] = fs[(kh * FW + kw) * C * M + i]!;
          const [cpuDx, cpuDwFull] = await on('cpu', () => {
            const dy = tf.tensor4d(dys, info.outShape);
            return [
              run('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.tensor4d(spread, [EH, EW, C, M]) }, { ...attrs, dilations: 1, inputShape: c.x }),
              run('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(xs, c.x), dy }, { ...attrs, dilations: 1, filterShape: [EH, EW, C, M] }),
            ];
          });
          const cpuDw = new Float32Array(FH * FW * C * M);
          for (let kh = 0; kh < FH; kh++) for (let kw = 0; kw < FW; kw++) for (let i = 0; i < C * M; i++) cpuDw[(kh * FW + kw) * C * M + i] = cpuDwFull![((kh * dh * EW) + kw * dw) * C * M + i]!;
          assertClose(wasm, [cpuDx!, cpuDw], ['dx', 'dW']);
        });
      }
    }

    it('the replaced Conv2DBackpropInput also serves conv2dTranspose (forward and gradients)', async () => {
      const [xs, fs] = [rand([2, 5, 6, 4], 19), rand([3, 3, 7, 4], 20)];
      const dys = rand([2, 10, 12, 7], 21);
      const outs = (): tf.Tensor[] => {
        const x = tf.tensor4d(xs, [2, 5, 6, 4]);
        const f = tf.tensor4d(fs, [3, 3, 7, 4]);
        const y = tf.conv2dTranspose(x, f, [2, 10, 12, 7], 2, 'same');
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 12, 7], 2, 'same'), tf.tensor4d(dys, [2, 10, 12, 7]))))([x, f]);
        return [y, ...g];
      };
      assertClose(await on('wasm', outs), await on('cpu', outs), ['y', 'dx', 'dW']);
    });

    it('NCHW is refused with a clear message', () => {
      const x = tf.zeros([1, 3, 5, 5]);
      const dy = tf.zeros([1, 4, 5, 5]);
      const f = tf.zeros([3, 3, 3, 4]);
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW' };
      assert.throws(() => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 3, 4] }), /Conv2DBackpropFilter on the WASM backend supports NHWC \(channels last\) only, got dataFormat 'NCHW'/);
      assert.throws(() => run('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: [1, 3, 5, 5] }), /Conv2DBackpropInput on the WASM backend supports NHWC/);
      tf.dispose([x, dy, f]);
    });
  });

  it('large inputs go through several chunks (im2col and both pointwise layouts) and still agree', async () => {
    const cases: { x: Shape4; f: Shape4; stride: number }[] = [
      { x: [7, 12, 12, 16], f: [3, 3, 16, 8], stride: 1 },
      { x: [5, 9, 11, 6], f: [3, 3, 6, 10], stride: 2 },
      { x: [6, 10, 10, 8], f: [1, 1, 8, 16], stride: 1 },
      { x: [6, 10, 10, 16], f: [1, 1, 16, 8], stride: 1 },
    ];
    for (const c of cases) {
      const [xs, fs] = [rand(c.x, 13), rand(c.f, 14)];
      const grads = (): tf.Tensor[] => tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, 'same'))))([tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f)]);
      const wasm = await withChunkFloats(3000, () => on('wasm', grads)); // a few output rows per chunk
      assertClose(wasm, await on('cpu', grads), [`dx ${c.x}`, `dW ${c.x}`]);
    }
  });

  it('gradient steps leak no tensors and no backend buffers', async () => {
    await forceBackend('wasm');
    const backend = tf.backend();
    const x = tf.tensor4d(rand([3, 10, 10, 8], 15), [3, 10, 10, 8]);
    const w1 = tf.tensor4d(rand([3, 3, 8, 8], 16), [3, 3, 8, 8]);
    const wd = tf.tensor4d(rand([3, 3, 8, 2], 17), [3, 3, 8, 2]);
    const wp = tf.tensor4d(rand([1, 1, 16, 12], 18), [1, 1, 16, 12]);
    const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor => {
      const y1 = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
      const y2 = tf.depthwiseConv2d(y1, c as tf.Tensor4D, 1, 'same');
      const y3 = tf.depthwiseConv2d(y1, tf.slice(c, [0, 0, 0, 0], [3, 3, 8, 1]) as tf.Tensor4D, 2, 'same');
      return tf.add(tf.sum(tf.square(tf.conv2d(y2, d as tf.Tensor4D, 1, 'same'))), tf.sum(y3));
    };
    const step = (): void => tf.dispose(tf.grads(loss)([x, w1, wd, wp]));
    step();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    await withChunkFloats(500, async () => step());
    await withDepthwiseInputPath(false, async () => step());
    assert.equal(tf.memory().numTensors, tensors, 'tensors');
    assert.equal(backend.numDataIds(), buffers, 'backend buffers (the kernels\' own intermediates)');
    tf.dispose([x, w1, wd, wp]);
  });

  it('registering again changes nothing', async () => {
    await forceBackend('wasm');
    const names = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];
    const before = names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    registerWasmGradientKernels();
    registerWasmGradientKernels();
    const after = names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    before.forEach((k, i) => assert.ok(k, `${names[i]} registered`));
    assert.deepEqual(after, before);
  });

  it('the leaner FusedBatchNorm gradient equals the gradient of the same formula written with basic ops', async () => {
    await forceBackend('wasm');
    const [x, mean, variance, scale, offset] = [rand([4, 5, 6, 7], 21), rand([7], 22), rand([7], 23).map((v) => v + 1), rand([7], 24), rand([7], 25)];
    const inputs = (): tf.Tensor[] => [tf.tensor4d(x, [4, 5, 6, 7]), tf.tensor1d(mean), tf.tensor1d(variance), tf.tensor1d(scale), tf.tensor1d(offset)];
    const dy = tf.tensor4d(rand([4, 5, 6, 7], 26), [4, 5, 6, 7]);
    const fused = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a, m, v, o, s, 1e-3), dy)))(inputs());
    const plain = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(a, m), tf.rsqrt(tf.add(v, 1e-3))), s), o), dy)))(inputs());
    fused.forEach((g, i) => assert.ok(maxRelDiff(g.dataSync() as Float32Array, plain[i]!.dataSync() as Float32Array) <= 1e-4, `input ${i}`));
  });

  describe('a MobileNet-like model with every layer trainable', () => {
    /** Conv2D, DepthwiseConv2D (multiplier 1 and 2, stride 1 and 2), BatchNorm, ReLU6, GAP, Dense; seeded. */
    const build = (): tf.LayersModel => {
      const input = tf.input({ shape: [24, 24, 3] });
      const bnRelu6 = (t: tf.SymbolicTensor): tf.SymbolicTensor => tf.layers.reLU({ maxValue: 6 }).apply(tf.layers.batchNormalization().apply(t)) as tf.SymbolicTensor;
      let x = bnRelu6(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor);
      x = bnRelu6(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor);
      x = bnRelu6(tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tf.SymbolicTensor);
      x = bnRelu6(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(x) as tf.SymbolicTensor);
      x = bnRelu6(tf.layers.conv2d({ filters: 24, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }).apply(x) as tf.SymbolicTensor);
      x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }).apply(x) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    };
    const xs = rand([8, 24, 24, 3], 27).map((v) => v * 4);
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];

    /** Weights in model order, with their names (layer names differ between two builds). */
    interface Run { names: string[]; initial: Float32Array[]; afterOne: Float32Array[]; losses: number[]; tensorGrowth: number; bufferGrowth: number }
    const train = async (backend: 'wasm' | 'cpu', steps: number): Promise<Run> => {
      await forceBackend(backend);
      const model = build();
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      const weights = (): Float32Array[] => model.weights.map((w) => w.read().dataSync() as Float32Array);
      const x = tf.tensor4d(xs, [8, 24, 24, 3]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
      const initial = weights();
      const losses: number[] = [];
      let afterOne = initial;
      let tensors = 0;
      let buffers = 0;
      for (let i = 0; i < steps; i++) {
        losses.push((await model.trainOnBatch(x, y)) as number);
        if (i === 0) {
          afterOne = weights();
          tensors = tf.memory().numTensors;
          buffers = tf.backend().numDataIds();
        }
      }
      const result = { names: model.weights.map((w) => w.originalName), initial, afterOne, losses, tensorGrowth: tf.memory().numTensors - tensors, bufferGrowth: tf.backend().numDataIds() - buffers };
      tf.dispose([x, y]);
      model.dispose();
      return result;
    };

    it('one SGD step gives the pure-JS backend\'s weights; conv and depthwise weights move', async () => {
      const wasm = await train('wasm', 1);
      const cpu = await train('cpu', 1);
      const kernels = wasm.names.map((n, i) => [n, i] as const).filter(([n]) => /\/(kernel|depthwise_kernel)$/.test(n) && !/dense/.test(n));
      assert.equal(kernels.length, 5, `conv and depthwise kernels: ${kernels.map(([n]) => n).join(', ')}`);
      for (const [n, i] of kernels) assert.ok(maxRelDiff(wasm.afterOne[i]!, wasm.initial[i]!) > 1e-4, `${n} changed`);
      assert.equal(wasm.names.length, cpu.names.length);
      wasm.names.forEach((n, i) => {
        assert.equal(maxRelDiff(wasm.initial[i]!, cpu.initial[i]!), 0, `${n}: same initial weights`);
        const d = maxRelDiff(wasm.afterOne[i]!, cpu.afterOne[i]!);
        assert.ok(d <= 1e-4, `${n}: ${d}`);
      });
    });

    it('trains on WASM: the loss falls over a few steps, with no tensor or buffer leak', async () => {
      const wasm = await train('wasm', 6);
      assert.ok(wasm.losses.every(Number.isFinite), `finite losses: ${wasm.losses.join(', ')}`);
      assert.ok(wasm.losses[5]! < wasm.losses[0]! * 0.9, `loss falls: ${wasm.losses.map((l) => l.toFixed(4)).join(' → ')}`);
      assert.equal(wasm.tensorGrowth, 0, 'tensors');
      assert.equal(wasm.bufferGrowth, 0, 'backend buffers');
    });
  });
});
