import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { isUserError, type UserError } from '../../../src/core/errors';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { loadKerasModel } from '../../../src/engine/tfjs/keras';
import { toTfjsTopology } from '../../../src/engine/tfjs/keras/config';
import { PROJECT_FIXTURES, sharedModel, snapshotDir, tempDir } from '../../helpers/fixtures';

const XCEPTION = path.join(PROJECT_FIXTURES, 'models', 'keras-h5-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5');
const DOODLE_H5 = sharedModel('keras-h5-doodlenet', 'doodleNet-model.h5');
const FASHION_KERAS = sharedModel('keras3-fashion-mnist-cnn', 'model.keras');

type Json = Record<string, unknown>;
type H5 = Awaited<ReturnType<typeof h5wasm>>;
type H5Group = InstanceType<H5['Group']>;

async function h5wasm() {
  const m = await import('h5wasm/node');
  await m.ready;
  return m;
}

interface Stored { shape: number[]; values: Float32Array }

/** Every dataset of an HDF5 file: path → { shape, values }, read independently of the importer. */
async function datasets(file: string): Promise<Map<string, Stored>> {
  const m = await h5wasm();
  const f = new m.File(file, 'r');
  const out = new Map<string, Stored>();
  const walk = (g: H5Group, p: string): void => {
    for (const k of g.keys()) {
      const c = g.get(k) as unknown as { keys?: () => string[]; shape?: number[]; value?: ArrayLike<number> };
      if (typeof c.keys === 'function') walk(c as unknown as H5Group, `${p}/${k}`);
      else out.set(`${p}/${k}`, { shape: [...(c.shape ?? [])], values: Float32Array.from(c.value as ArrayLike<number>) });
    }
  };
  walk(f, '');
  f.close();
  return out;
}

/** The number of values the datasets under `prefix` hold, from their shapes. */
function totalFromShapes(all: Map<string, Stored>, prefix: string): number {
  return [...all].filter(([p]) => p.startsWith(prefix)).reduce((a, [, d]) => a + d.shape.reduce((x, y) => x * y, 1), 0);
}

function countClasses(model: tf.LayersModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of model.layers) out[l.getClassName()] = (out[l.getClassName()] ?? 0) + 1;
  return out;
}

async function expectUserError(fn: () => Promise<unknown>, pattern: RegExp): Promise<UserError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${(e as Error).stack}`);
    assert.match(e.oneLine(), pattern);
    return e;
  }
  assert.fail(`expected a UserError matching ${pattern}`);
}

/** Loading `file` fails with a UserError matching `pattern` and leaves its folder as it was. */
async function expectRefusedWritingNothing(file: string, pattern: RegExp): Promise<UserError> {
  const before = snapshotDir(path.dirname(file));
  const e = await expectUserError(() => loadModel(file), pattern);
  assert.equal(e.file, file);
  assert.deepEqual(snapshotDir(path.dirname(file)), before, 'nothing written beside the model');
  return e;
}

/** Deterministic values (mulberry32), so the synthetic models are the same on every run. */
function random(seed: number): (n: number, scale?: number, offset?: number) => Float32Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n, scale = 0.5, offset = 0) => Float32Array.from({ length: n }, () => offset + (next() * 2 - 1) * scale);
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Write an HDF5 file with h5wasm; `build` fills the root group. */
async function writeH5(file: string, build: (root: H5Group) => void): Promise<void> {
  const m = await h5wasm();
  const f = new m.File(file, 'w');
  try {
    build(f);
  } finally {
    f.close();
  }
}

/** The group at `p` under `g`, created with its parents as needed (as h5py does). */
function group(g: H5Group, p: string): H5Group {
  for (const part of p.split('/')) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
  return g;
}

function dataset(g: H5Group, name: string, values: Float32Array | Int32Array, shape: number[]): void {
  const parts = name.split('/');
  const leaf = parts.pop()!;
  (parts.length ? group(g, parts.join('/')) : g).create_dataset({ name: leaf, data: values, shape });
}

/** Draws white strokes (1) on a black 28×28 canvas: lines, a circle, a zigzag, a box. */
function strokes(): tf.Tensor4D {
  const canvases: number[][] = [];
  const draw = (plot: (set: (x: number, y: number) => void) => void): void => {
    const c = new Array<number>(28 * 28).fill(0);
    const set = (x: number, y: number): void => {
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1]] as const) {
        const xi = Math.round(x) + dx;
        const yi = Math.round(y) + dy;
        if (xi >= 0 && xi < 28 && yi >= 0 && yi < 28) c[yi * 28 + xi] = 1;
      }
    };
    plot(set);
    canvases.push(c);
  };
  const line = (set: (x: number, y: number) => void, x0: number, y0: number, x1: number, y1: number): void => {
    for (let t = 0; t <= 1; t += 0.02) set(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
  };
  draw((set) => { for (let a = 0; a < 2 * Math.PI; a += 0.05) set(14 + 9 * Math.cos(a), 14 + 9 * Math.sin(a)); });
  draw((set) => { line(set, 4, 4, 23, 23); line(set, 4, 23, 23, 4); });
  draw((set) => { for (let i = 0; i < 4; i++) line(set, 3 + i * 5, i % 2 ? 20 : 6, 8 + i * 5, i % 2 ? 6 : 20); });
  draw((set) => { line(set, 6, 6, 21, 6); line(set, 21, 6, 21, 21); line(set, 21, 21, 6, 21); line(set, 6, 21, 6, 6); line(set, 6, 6, 14, 1); line(set, 14, 1, 21, 6); });
  return tf.tensor4d(canvases.flat(), [canvases.length, 28, 28, 1]);
}

describe('Keras import: real files, no Python', () => {
  it('mini-XCEPTION .hdf5 (Keras 2.0.5, functional, BatchNorm, SeparableConv2D, Add)', async () => {
    const loaded = await loadModel(XCEPTION);
    assert.equal(loaded.format, 'keras-h5');
    assert.equal(loaded.metadata.producer, 'keras 2.0.5');
    assert.equal(loaded.model.layers.length, 46);
    assert.deepEqual(countClasses(loaded.model), {
      InputLayer: 1, Conv2D: 7, BatchNormalization: 14, Activation: 7, SeparableConv2D: 8, MaxPooling2D: 4, Add: 4, GlobalAveragePooling2D: 1,
    });
    const s = summarizeModel(loaded);
    assert.deepEqual(s.inputShape, [null, 64, 64, 1]);
    assert.deepEqual(s.outputShape, [null, 7]);
    // the total from the file's own dataset shapes (model_weights only: its optimizer state is excluded)
    const all = await datasets(XCEPTION);
    assert.ok([...all.keys()].some((p) => p.startsWith('/optimizer_weights/')), 'the file also holds optimizer state');
    const expected = totalFromShapes(all, '/model_weights/');
    assert.equal(s.totalParams, expected);
    assert.equal(expected, 58423); // SOURCE.md's count, checked against the shapes above
    const p = tf.tidy(() => loaded.model.predict(tf.randomUniform([4, 64, 64, 1], 0, 1, 'float32', 1)) as tf.Tensor);
    for (const row of (await p.array()) as number[][]) {
      assert.ok(row.every((v) => v >= 0 && v <= 1));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
    p.dispose();
    loaded.model.dispose();
  });

  it('mini-XCEPTION: weights land in the right layers, in the right order', async () => {
    const loaded = await loadModel(XCEPTION);
    const all = await datasets(XCEPTION);
    const stored = (layer: string, suffix: string): Stored => [...all].find(([p]) => p.startsWith(`/model_weights/${layer}/`) && p.endsWith(suffix))![1];
    const bn = loaded.model.getLayer('batch_normalization_5').getWeights();
    assert.deepEqual(Array.from(bn[2]!.dataSync()), Array.from(stored('batch_normalization_5', 'moving_mean:0').values), 'BN weight 2 is moving_mean');
    assert.deepEqual(Array.from(bn[3]!.dataSync()), Array.from(stored('batch_normalization_5', 'moving_variance:0').values), 'BN weight 3 is moving_variance');
    const sep = loaded.model.getLayer('separable_conv2d_3').getWeights();
    const depthwise = stored('separable_conv2d_3', 'depthwise_kernel:0');
    const pointwise = stored('separable_conv2d_3', 'pointwise_kernel:0');
    assert.deepEqual(sep[0]!.shape, depthwise.shape);
    assert.deepEqual(Array.from(sep[0]!.dataSync()), Array.from(depthwise.values), 'SeparableConv2D weight 0 is the depthwise kernel');
    assert.deepEqual(sep[1]!.shape, pointwise.shape);
    assert.deepEqual(Array.from(sep[1]!.dataSync()), Array.from(pointwise.values), 'SeparableConv2D weight 1 is the pointwise kernel');
    // Keras 2.0 scopes the weight names differently from the layer ("conv2d_7_1/kernel:0" in group conv2d_7)
    const head = loaded.model.getLayer('conv2d_7').getWeights();
    assert.deepEqual(Array.from(head[0]!.dataSync()), Array.from(stored('conv2d_7', 'kernel:0').values));
    loaded.model.dispose();
  });

  it('DoodleNet .h5 (tf.keras 2.2.4-tf) predicts like its TF.js conversion (max abs difference ≤ 1e-4)', async () => {
    const h5 = await loadModel(DOODLE_H5);
    const layers = await loadModel(sharedModel('layers-doodlenet-sequential'));
    assert.equal(h5.metadata.producer, 'keras 2.2.4-tf');
    assert.deepEqual(h5.model.layers.map((l) => l.getClassName()), [
      'Conv2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Conv2D', 'MaxPooling2D', 'Dropout', 'Flatten', 'Dense', 'Dense',
    ]);
    assert.deepEqual(summarizeModel(h5).inputShape, [null, 28, 28, 1]);
    assert.equal(summarizeModel(h5).totalParams, totalFromShapes(await datasets(DOODLE_H5), '/model_weights/'));
    const inputs = tf.tidy(() => tf.concat([
      tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 2), // 8 random inputs, fixed seed
      tf.cast(tf.greater(tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3), 0.85), 'float32'), // sparse dots
      strokes(), // real-looking drawings
    ]));
    const a = h5.model.predict(inputs) as tf.Tensor;
    const b = layers.model.predict(inputs) as tf.Tensor;
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    if (process.env.TS_TEST_VERBOSE) console.log(`      DoodleNet .h5 vs layers model: max abs difference ${d} over ${inputs.shape[0]} inputs`);
    assert.ok(d <= 1e-4, `max abs difference ${d}`);
    // the same top class for every input, drawings included
    assert.deepEqual(Array.from(tf.tidy(() => tf.argMax(a, 1).dataSync())), Array.from(tf.tidy(() => tf.argMax(b, 1).dataSync())));
    tf.dispose([inputs, a, b]);
    h5.model.dispose();
    layers.model.dispose();
  });

  it('Keras 3 .keras (Sequential, 3.10): config converted, weights from model.weights.h5, optimizer state ignored', async () => {
    const loaded = await loadModel(FASHION_KERAS);
    assert.equal(loaded.format, 'keras-v3');
    assert.equal(loaded.metadata.producer, 'keras 3.10.0');
    assert.deepEqual(loaded.model.layers.map((l) => l.getClassName()), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense', 'Dense']);
    const s = summarizeModel(loaded);
    assert.deepEqual(s.inputShape, [null, 28, 28, 1]);
    assert.deepEqual(s.outputShape, [null, 10]);
    const dir = tempDir();
    const inner = unzipSync(new Uint8Array(fs.readFileSync(FASHION_KERAS)));
    fs.writeFileSync(path.join(dir, 'w.h5'), inner['model.weights.h5']!);
    const all = await datasets(path.join(dir, 'w.h5'));
    assert.ok([...all.keys()].some((p) => p.startsWith('/optimizer/')), 'the file also holds optimizer state');
    const layerTotal = totalFromShapes(all, '/layers/');
    assert.equal(s.totalParams, layerTotal);
    assert.equal(layerTotal, 121930); // SOURCE.md's count, checked against the shapes above
    const kernel = loaded.model.getLayer('dense').getWeights()[0]!;
    assert.deepEqual(kernel.shape, all.get('/layers/dense/vars/0')!.shape);
    assert.deepEqual(Array.from(kernel.dataSync()), Array.from(all.get('/layers/dense/vars/0')!.values));
    const bias = loaded.model.getLayer('dense_1').getWeights()[1]!;
    assert.deepEqual(Array.from(bias.dataSync()), Array.from(all.get('/layers/dense_1/vars/1')!.values));
    const p = tf.tidy(() => loaded.model.predict(tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 4)) as tf.Tensor);
    for (const row of (await p.array()) as number[][]) assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5);
    p.dispose();
    loaded.model.dispose();
  });
});

// ---- Keras 3 functional model, written here in the form Keras 3.10 saves ---------------------------

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const initializer = (cls: string, config: Json = {}): Json => ({ module: 'keras.initializers', class_name: cls, config, registered_name: null });
const kt = (layer: string, shape: (number | null)[]): Json => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, 0, 0] } });
const k3Input = (name: string, shape: (number | null)[]): Json => ({
  module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shape, dtype: 'float32', sparse: false, ragged: false, name }, registered_name: null, name, inbound_nodes: [],
});
const k3 = (className: string, name: string, config: Json, args?: unknown[], kwargs: Json = {}): Json => ({
  module: 'keras.layers', class_name: className, config: { name, trainable: true, dtype: policy, ...config }, registered_name: null,
  build_config: { input_shape: [null, 16, 16, 3] }, ...(args ? { name, inbound_nodes: [{ args, kwargs }] } : {}),
});
const convDefaults = { strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: true, bias_initializer: initializer('Zeros'), kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };

/** Input → Rescaling → augment (Sequential of RandomFlip/RandomRotation) → backbone (nested functional: Conv2D,
 *  BatchNormalization, ReLU) → DepthwiseConv2D → SeparableConv2D, + a 1×1 Conv2D shortcut → Add →
 *  GlobalAveragePooling2D → Dropout → head (nested Sequential: Dense(silu) → Dense(softmax)). */
function keras3Config(): Json {
  const backbone = {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional', name: 'backbone',
    config: {
      name: 'backbone', trainable: true,
      layers: [
        k3Input('backbone_input', [null, 16, 16, 3]),
        k3('Conv2D', 'bb_conv', { ...convDefaults, filters: 8, kernel_size: [3, 3], groups: 1, use_bias: false, kernel_initializer: initializer('GlorotUniform', { seed: null }), kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 1e-4 }, registered_name: null } }, [kt('backbone_input', [null, 16, 16, 3])]),
        k3('BatchNormalization', 'bb_bn', { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: initializer('Zeros'), gamma_initializer: initializer('Ones'), moving_mean_initializer: initializer('Zeros'), moving_variance_initializer: initializer('Ones'), beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false }, [kt('bb_conv', [null, 16, 16, 8])]),
        k3('ReLU', 'bb_relu', { max_value: null, negative_slope: 0.0, threshold: 0.0 }, [kt('bb_bn', [null, 16, 16, 8])]),
      ],
      input_layers: [['backbone_input', 0, 0]], output_layers: [['bb_relu', 0, 0]],
    },
    build_config: { input_shape: [null, 16, 16, 3] },
    inbound_nodes: [{ args: [kt('augment', [null, 16, 16, 3])], kwargs: { training: false } }],
  };
  const augment = {
    module: 'keras', class_name: 'Sequential', registered_name: null, name: 'augment',
    config: {
      name: 'augment', trainable: true, dtype: policy,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 16, 16, 3], dtype: 'float32', sparse: false, ragged: false, name: 'augment_input' }, registered_name: null },
        k3('RandomFlip', 'random_flip', { mode: 'horizontal', seed: null, data_format: 'channels_last' }),
        k3('RandomRotation', 'random_rotation', { factor: [-0.1, 0.1], fill_mode: 'reflect', interpolation: 'bilinear', seed: null, fill_value: 0.0, data_format: 'channels_last' }),
      ],
    },
    build_config: { input_shape: [null, 16, 16, 3] },
    inbound_nodes: [{ args: [kt('rescaling', [null, 16, 16, 3])], kwargs: {} }],
  };
  // a Sequential built lazily (no InputLayer): Keras 3 keeps its input shape in build_config
  const head = {
    module: 'keras', class_name: 'Sequential', registered_name: null, name: 'head',
    config: {
      name: 'head', trainable: true, dtype: policy,
      layers: [
        k3('Dense', 'features', { units: 12, activation: 'silu', use_bias: true, kernel_initializer: initializer('LecunNormal', { seed: null }), bias_initializer: initializer('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, quantization_config: null }),
        k3('Dense', 'probs', { units: 5, activation: 'softmax', use_bias: true, kernel_initializer: initializer('GlorotUniform', { seed: null }), bias_initializer: initializer('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null }),
      ],
    },
    build_config: { input_shape: [null, 16] },
    inbound_nodes: [{ args: [kt('dropout', [null, 16])], kwargs: {} }],
  };
  return {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
    config: {
      name: 'functional', trainable: true,
      layers: [
        k3Input('image', [null, 16, 16, 3]),
        k3('Rescaling', 'rescaling', { scale: 1 / 255, offset: 0.0 }, [kt('image', [null, 16, 16, 3])]),
        augment,
        backbone,
        k3('DepthwiseConv2D', 'dw', { ...convDefaults, kernel_size: [3, 3], depth_multiplier: 2, depthwise_initializer: initializer('GlorotUniform', { seed: null }), depthwise_regularizer: null, depthwise_constraint: null }, [kt('backbone', [null, 16, 16, 8])]),
        k3('SeparableConv2D', 'sep', { ...convDefaults, filters: 16, kernel_size: [3, 3], depth_multiplier: 1, activation: 'relu', depthwise_initializer: initializer('GlorotUniform', { seed: null }), pointwise_initializer: initializer('GlorotUniform', { seed: null }), depthwise_regularizer: null, pointwise_regularizer: null, depthwise_constraint: null, pointwise_constraint: null }, [kt('dw', [null, 16, 16, 16])]),
        k3('Conv2D', 'shortcut', { ...convDefaults, filters: 16, kernel_size: [1, 1], groups: 1, kernel_initializer: initializer('HeNormal', { seed: null }) }, [kt('backbone', [null, 16, 16, 8])]),
        k3('Add', 'add', {}, [[kt('sep', [null, 16, 16, 16]), kt('shortcut', [null, 16, 16, 16])]]),
        k3('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last', keepdims: false }, [kt('add', [null, 16, 16, 16])]),
        k3('Dropout', 'dropout', { rate: 0.3, seed: null, noise_shape: null }, [kt('gap', [null, 16])]),
        head,
      ],
      // Keras 3 counts a nested Sequential's calls from 0 here (a nested Functional's from 1)
      input_layers: [['image', 0, 0]], output_layers: [['head', 0, 0]],
    },
    build_config: { input_shape: null },
    compile_config: { optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] },
  };
}

/** The weights of keras3Config, by Keras 3 path, in each layer's declared order. */
function keras3Weights(): Map<string, { shape: number[]; values: Float32Array }[]> {
  const r = random(42);
  const w = (shape: number[], scale = 0.5, offset = 0): { shape: number[]; values: Float32Array } => ({ shape, values: r(size(shape), scale, offset) });
  return new Map([
    ['backbone/layers/bb_conv', [w([3, 3, 3, 8])]],
    ['backbone/layers/bb_bn', [w([8], 0.3, 1), w([8], 0.2), w([8], 0.1), w([8], 0.4, 1)]], // gamma, beta, moving mean, moving variance (> 0)
    ['dw', [w([3, 3, 8, 2]), w([16], 0.1)]],
    ['sep', [w([3, 3, 16, 1]), w([1, 1, 16, 16]), w([16], 0.1)]],
    ['shortcut', [w([1, 1, 8, 16]), w([16], 0.1)]],
    ['head/layers/features', [w([16, 12]), w([12], 0.1)]],
    ['head/layers/probs', [w([12, 5]), w([5], 0.1)]],
  ]);
}

async function writeKeras3(file: string, config: Json, weights: Map<string, { shape: number[]; values: Float32Array }[]>, extra: (root: H5Group) => void = () => undefined): Promise<void> {
  const h5file = `${file}.weights.tmp.h5`;
  await writeH5(h5file, (root) => {
    const layers = root.create_group('layers');
    for (const [p, list] of weights) {
      const vars = group(layers, `${p}/vars`);
      list.forEach((v, i) => dataset(vars, String(i), v.values, v.shape));
    }
    extra(root);
  });
  const bytes = new Uint8Array(fs.readFileSync(h5file));
  fs.rmSync(h5file);
  fs.writeFileSync(file, zipSync({
    'metadata.json': strToU8(JSON.stringify({ keras_version: '3.10.0', date_saved: '2026-01-01@00:00:00' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': bytes,
  }));
}

describe('Keras import: Keras 3 functional models (config written here in Keras 3.10 form)', () => {
  it('nested functional and Sequential models, DepthwiseConv2D, SeparableConv2D, Add, Rescaling: predicts like the same network built in TF.js', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'functional.keras');
    const weights = keras3Weights();
    await writeKeras3(file, keras3Config(), weights, (root) => {
      // state that must be ignored: the optimizer's variables and an augmentation layer's seed
      const opt = root.create_group('optimizer').create_group('vars');
      dataset(opt, '0', Float32Array.of(7), []);
      dataset(opt, '1', random(1)(16 * 12), [16, 12]);
      dataset(root, 'layers/augment/layers/random_flip/seed_generator/vars/0', Int32Array.of(1337, 0), [2]);
    });
    const loaded = await loadKerasModel(file);
    assert.equal(loaded.format, 'keras-v3');
    assert.equal(loaded.producer, 'keras 3.10.0');
    const names = loaded.model.layers.map((l) => l.name);
    assert.deepEqual(names, ['image', 'rescaling', 'backbone', 'dw', 'sep', 'shortcut', 'add', 'gap', 'dropout', 'head'], 'the augmentation Sequential is gone');
    const backbone = loaded.model.getLayer('backbone') as tf.LayersModel;
    assert.ok(backbone instanceof tf.LayersModel && loaded.model.getLayer('head') instanceof tf.LayersModel, 'nested models stay nested');
    assert.deepEqual(Array.from(backbone.getLayer('bb_bn').getWeights()[3]!.dataSync()), Array.from(weights.get('backbone/layers/bb_bn')![3]!.values));
    assert.deepEqual(Array.from(loaded.model.getLayer('sep').getWeights()[1]!.dataSync()), Array.from(weights.get('sep')![1]!.values));

    // the same network, written directly with the TF.js API and given the same weights
    const input = tf.input({ shape: [16, 16, 3] });
    const scaled = tf.layers.rescaling({ scale: 1 / 255 }).apply(input) as tf.SymbolicTensor;
    const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false });
    const bn = tf.layers.batchNormalization({ epsilon: 0.001 });
    const base = tf.layers.reLU().apply(bn.apply(conv.apply(scaled))) as tf.SymbolicTensor;
    const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
    const sep = tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' });
    const shortcut = tf.layers.conv2d({ filters: 16, kernelSize: 1, padding: 'same' });
    const sum = tf.layers.add().apply([sep.apply(dw.apply(base)) as tf.SymbolicTensor, shortcut.apply(base) as tf.SymbolicTensor]);
    const features = tf.layers.dense({ units: 12, activation: 'swish' });
    const probs = tf.layers.dense({ units: 5, activation: 'softmax' });
    const out = probs.apply(features.apply(tf.layers.globalAveragePooling2d({}).apply(sum))) as tf.SymbolicTensor;
    const reference = tf.model({ inputs: input, outputs: out });
    const set = (layer: tf.layers.Layer, key: string): void => layer.setWeights(weights.get(key)!.map((v) => tf.tensor(v.values, v.shape)));
    set(conv, 'backbone/layers/bb_conv'); set(bn, 'backbone/layers/bb_bn'); set(dw, 'dw'); set(sep, 'sep');
    set(shortcut, 'shortcut'); set(features, 'head/layers/features'); set(probs, 'head/layers/probs');

    const x = tf.randomUniform([6, 16, 16, 3], 0, 255, 'float32', 5);
    const a = loaded.model.predict(x) as tf.Tensor;
    const b = reference.predict(x) as tf.Tensor;
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    assert.ok(d <= 1e-5, `max abs difference ${d}`);
    assert.equal(summarizeModel({ ...loadedStub(loaded.model) }).totalParams, [...weights.values()].flat().reduce((n, v) => n + size(v.shape), 0));
    tf.dispose([x, a, b]);
    loaded.model.dispose();
    reference.dispose();
  });
});

/** summarizeModel takes a LoadedModel; only the model matters for the totals. */
function loadedStub(model: tf.LayersModel): Parameters<typeof summarizeModel>[0] {
  return { model, format: 'keras-v3', source: 'test', sha256: '', metadata: {} } as Parameters<typeof summarizeModel>[0];
}

// ---- Keras 1 HDF5, written here in the form Keras 1.2 saves -------------------------------------------

function keras1Config(dimOrdering = 'tf'): Json {
  return {
    class_name: 'Sequential',
    config: [
      { class_name: 'Convolution2D', config: { name: 'convolution2d_1', trainable: true, batch_input_shape: [null, 8, 8, 2], input_dtype: 'float32', nb_filter: 4, nb_row: 3, nb_col: 3, init: 'glorot_uniform', activation: 'linear', border_mode: 'same', subsample: [1, 1], dim_ordering: dimOrdering, W_regularizer: { l2: 0.01, name: 'WeightRegularizer', l1: 0.0 }, b_regularizer: null, activity_regularizer: null, W_constraint: null, b_constraint: null, bias: true } },
      { class_name: 'BatchNormalization', config: { name: 'batchnormalization_1', trainable: true, epsilon: 0.001, mode: 0, axis: -1, gamma_regularizer: null, beta_regularizer: null, momentum: 0.99, beta_init: 'zero', gamma_init: 'one' } },
      { class_name: 'Activation', config: { name: 'activation_1', trainable: true, activation: 'relu' } },
      { class_name: 'MaxPooling2D', config: { name: 'maxpooling2d_1', trainable: true, pool_size: [2, 2], strides: [2, 2], border_mode: 'valid', dim_ordering: dimOrdering } },
      { class_name: 'Flatten', config: { name: 'flatten_1', trainable: true } },
      { class_name: 'Dropout', config: { name: 'dropout_1', trainable: true, p: 0.5 } },
      { class_name: 'Dense', config: { name: 'dense_1', trainable: true, output_dim: 3, init: 'uniform', activation: 'softmax', W_regularizer: null, b_regularizer: null, activity_regularizer: null, W_constraint: { name: 'MaxNorm', m: 2, axis: 0 }, b_constraint: null, bias: true, input_dim: 64 } },
    ],
  };
}

async function writeKeras1(file: string, config: Json, weights: Map<string, { name: string; shape: number[]; values: Float32Array }[]>): Promise<void> {
  await writeH5(file, (root) => {
    root.create_attribute('keras_version', '1.2.2');
    root.create_attribute('model_config', JSON.stringify(config));
    const mw = root.create_group('model_weights');
    const names = (config.config as Json[]).map((l) => String((l.config as Json).name));
    mw.create_attribute('layer_names', names);
    for (const n of names) {
      const g = mw.create_group(n);
      const list = weights.get(n) ?? [];
      if (list.length > 0) g.create_attribute('weight_names', list.map((w) => w.name));
      for (const w of list) dataset(g, w.name, w.values, w.shape);
    }
  });
}

describe('Keras import: Keras 1 HDF5 (config written here in Keras 1.2 form)', () => {
  const r = random(7);
  const weights = new Map([
    ['convolution2d_1', [{ name: 'convolution2d_1_W:0', shape: [3, 3, 2, 4], values: r(72) }, { name: 'convolution2d_1_b:0', shape: [4], values: r(4, 0.1) }]],
    ['batchnormalization_1', [
      { name: 'batchnormalization_1_gamma:0', shape: [4], values: r(4, 0.3, 1) }, { name: 'batchnormalization_1_beta:0', shape: [4], values: r(4, 0.2) },
      { name: 'batchnormalization_1_running_mean:0', shape: [4], values: r(4, 0.1) }, { name: 'batchnormalization_1_running_std:0', shape: [4], values: r(4, 0.4, 1) },
    ]],
    // within its MaxNorm(2) constraint, as training leaves it (TF.js applies constraints when weights are set)
    ['dense_1', [{ name: 'dense_1_W:0', shape: [64, 3], values: r(192, 0.2) }, { name: 'dense_1_b:0', shape: [3], values: r(3, 0.1) }]],
  ]);

  it('Convolution2D/BatchNormalization/MaxPooling2D/Dropout/Dense with Keras 1 option names predict like the same network in TF.js', async () => {
    const file = path.join(tempDir(), 'keras1.h5');
    await writeKeras1(file, keras1Config(), weights);
    const loaded = await loadModel(file);
    assert.equal(loaded.metadata.producer, 'keras 1.2.2');
    assert.deepEqual(loaded.model.layers.map((l) => l.getClassName()), ['Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense']);
    assert.equal(summarizeModel(loaded).totalParams, 72 + 4 + 16 + 192 + 3);
    const reference = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same' }),
        tf.layers.batchNormalization({ epsilon: 0.001 }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const byLayer = [...weights.values()];
    for (const [i, layer] of [reference.layers[0]!, reference.layers[1]!, reference.layers[5]!].entries()) layer.setWeights(byLayer[i]!.map((w) => tf.tensor(w.values, w.shape)));
    const x = tf.randomNormal([5, 8, 8, 2], 0, 1, 'float32', 6);
    const a = loaded.model.predict(x) as tf.Tensor;
    const b = reference.predict(x) as tf.Tensor;
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    assert.ok(d <= 1e-5, `max abs difference ${d}`);
    tf.dispose([x, a, b]);
    loaded.model.dispose();
    reference.dispose();
  });

  it("channels-first ('th') Keras 1 models are refused by layer", async () => {
    const file = path.join(tempDir(), 'theano.h5');
    await writeKeras1(file, keras1Config('th'), weights);
    await expectRefusedWritingNothing(file, /theano\.h5: layer "convolution2d_1" \(Convolution2D\) uses Keras 1 channels-first \('th'\) dimension ordering/);
  });
});

describe('Keras import: config mapping to what TF.js accepts', () => {
  const F = '/models/m.h5';
  /** A Keras 2 functional model: input → the given layer. */
  const model = (layer: Json): Json => ({
    class_name: 'Model',
    config: {
      name: 'm',
      layers: [
        { class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, 8, 8, 3], name: 'in' }, inbound_nodes: [] },
        { ...layer, inbound_nodes: [[['in', 0, 0, {}]]] },
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [[String((layer.config as Json).name), 0, 0]],
    },
  });
  const converted = (layer: Json): Json => (((toTfjsTopology(model(layer), F).config as Json).layers as Json[])[1]!.config as Json);

  it('rewrites option forms: BN axis list, Keras 3 names, activations, regularizers', () => {
    assert.equal(converted({ class_name: 'BatchNormalization', config: { name: 'bn', axis: [3] } }).axis, 3);
    assert.equal(converted({ class_name: 'LeakyReLU', config: { name: 'lr', negative_slope: 0.2 } }).alpha, 0.2);
    assert.equal(converted({ class_name: 'Dense', config: { name: 'd', units: 2, activation: 'silu' } }).activation, 'swish');
    assert.deepEqual(converted({ class_name: 'Dense', config: { name: 'd', units: 2, kernel_regularizer: { class_name: 'L2', config: { l2: 0.5 } } } }).kernel_regularizer, { class_name: 'L1L2', config: { l1: 0, l2: 0.5 } });
    const conv = converted({ class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: [1, 1], groups: 1, activity_regularizer: { class_name: 'L1', config: { l1: 0.1 } }, kernel_initializer: { class_name: 'STFTInitializer', config: {} } } });
    assert.ok(!('groups' in conv) && !('activity_regularizer' in conv) && !('kernel_initializer' in conv), JSON.stringify(conv));
    assert.equal(converted({ class_name: 'Rescaling', config: { name: 'r', scale: [0.5], offset: 0 } }).scale, 0.5);
    assert.deepEqual(converted({ class_name: 'Rescaling', config: { name: 'r', scale: [1, 2, 3], offset: 0 } }).scale, [1, 2, 3]);
    assert.equal(converted({ class_name: 'Dense', config: { name: 'd', units: 2, dtype: { class_name: 'DTypePolicy', config: { name: 'mixed_float16' } } } }).dtype, 'float32');
  });

  it('refuses, by layer name and class, what TF.js cannot build', () => {
    const refused = (layer: Json, pattern: RegExp): void => {
      assert.throws(() => toTfjsTopology(model(layer), F), (e: unknown) => isUserError(e) && e.file === F && pattern.test(e.message));
    };
    refused({ class_name: 'FancyConv', config: { name: 'fancy' } }, /layer "fancy" is a FancyConv layer, which TF\.js cannot build/);
    refused({ class_name: 'Lambda', config: { name: 'lam', function: ['4wEAAAAA', null, null] } }, /layer "lam" \(Lambda\) holds Python code/);
    refused({ class_name: 'TFOpLambda', config: { name: 'tf.math.add', function: 'math.add' } }, /layer "tf\.math\.add" \(TFOpLambda\) holds Python code/);
    refused({ class_name: 'Conv2D', config: { name: 'g', filters: 4, kernel_size: [3, 3], groups: 2 } }, /layer "g" \(Conv2D\) is a grouped convolution \(groups=2\)/);
    refused({ class_name: 'GlobalAveragePooling2D', config: { name: 'gap', keepdims: true } }, /layer "gap" \(GlobalAveragePooling2D\) keeps the pooled dimensions/);
    refused({ class_name: 'Dense', config: { name: 'd', units: 2, activation: 'hard_silu' } }, /layer "d" \(Dense\) uses the activation "hard_silu"/);
    refused({ class_name: 'Dense', config: { name: 'q', units: 2, dtype: { class_name: 'QuantizedDTypePolicy', config: { name: 'int8_from_float32' } } } }, /layer "q" \(Dense\) is quantized/);
    refused({ module: 'my_project.layers', class_name: 'Attention2', registered_name: 'Custom>Attention2', config: { name: 'att' } }, /layer "att" is a custom class \(Custom>Attention2\)/);
  });
});

describe('Keras import: bad input gives a clear error and writes nothing', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });

  it('a zip that is not a Keras file', async () => {
    const f = path.join(dir, 'notes.keras');
    fs.writeFileSync(f, zipSync({ 'readme.txt': strToU8('hello') }));
    await expectRefusedWritingNothing(f, /notes\.keras: this zip is not a Keras file: it has no config\.json/);
  });

  it('an HDF5 file without model_config (weights only), and one that is not Keras at all', async () => {
    const f = path.join(dir, 'weights-only.h5');
    await writeH5(f, (root) => {
      root.create_attribute('layer_names', ['dense']);
      const g = root.create_group('dense');
      g.create_attribute('weight_names', ['dense/kernel:0']);
      dataset(g, 'dense/kernel:0', random(3)(6), [3, 2]);
    });
    const e = await expectRefusedWritingNothing(f, /weights-only\.h5: this HDF5 file has weights but no architecture \("model_config" is missing\)/);
    assert.match(e.hint ?? '', /model\.save\("model\.h5"\)/);
    const g = path.join(dir, 'table.h5');
    await writeH5(g, (root) => dataset(root, 'x', Float32Array.of(1, 2, 3), [3]));
    await expectRefusedWritingNothing(g, /table\.h5: this HDF5 file is not a Keras model/);
  });

  it('a Lambda layer is refused by name', async () => {
    const f = path.join(dir, 'lambda.keras');
    const config = {
      module: 'keras', class_name: 'Sequential', registered_name: null,
      config: {
        name: 'sequential', trainable: true, dtype: policy,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
          k3('Dense', 'dense', { units: 3, activation: 'relu', use_bias: true }),
          { module: 'keras.layers', class_name: 'Lambda', config: { name: 'scale_by_two', trainable: true, dtype: policy, function: { class_name: '__lambda__', config: { code: '4wEAAAAAAAAA', defaults: null, closure: null } }, output_shape: null, arguments: {} }, registered_name: null },
          k3('Dense', 'dense_1', { units: 2, activation: 'softmax', use_bias: true }),
        ],
      },
    };
    const r = random(9);
    await writeKeras3(f, config, new Map([['dense', [{ shape: [4, 3], values: r(12) }, { shape: [3], values: r(3) }]], ['dense_1', [{ shape: [3, 2], values: r(6) }, { shape: [2], values: r(2) }]]]));
    await expectRefusedWritingNothing(f, /lambda\.keras: layer "scale_by_two" \(Lambda\) holds Python code that TF\.js cannot build/);
  });

  it('a custom registered class is refused by name', async () => {
    const inner = unzipSync(new Uint8Array(fs.readFileSync(FASHION_KERAS)));
    const config = JSON.parse(new TextDecoder().decode(inner['config.json'])) as { config: { layers: Json[] } };
    config.config.layers[1] = { module: 'my_project.layers', class_name: 'FancyConv', config: { name: 'fancy' }, registered_name: 'Custom>FancyConv' };
    const f = path.join(dir, 'custom.keras');
    fs.writeFileSync(f, zipSync({ ...inner, 'config.json': strToU8(JSON.stringify(config)) }));
    await expectRefusedWritingNothing(f, /custom\.keras: layer "fancy" is a custom class \(Custom>FancyConv\)/);
  });

  it('a truncated .h5', async () => {
    const f = path.join(dir, 'cut.h5');
    fs.writeFileSync(f, fs.readFileSync(XCEPTION).subarray(0, 40_000));
    await expectRefusedWritingNothing(f, /cut\.h5: cannot read the HDF5 file: the file is truncated \(40,000 of 872,856 bytes\)/);
    // and the HDF5 library still works afterwards
    assert.equal((await loadKerasModel(XCEPTION)).model.layers.length, 46);
  });

  it('a .keras whose weights file is cut short, and a corrupt zip', async () => {
    const inner = unzipSync(new Uint8Array(fs.readFileSync(FASHION_KERAS)));
    const f = path.join(dir, 'short.keras');
    fs.writeFileSync(f, zipSync({ ...inner, 'model.weights.h5': inner['model.weights.h5']!.subarray(0, 100_000) }));
    await expectRefusedWritingNothing(f, /short\.keras: cannot read the HDF5 file: the file is truncated/);
    const g = path.join(dir, 'broken.keras');
    fs.writeFileSync(g, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    await expectRefusedWritingNothing(g, /broken\.keras: not a readable zip file/);
  });
});
