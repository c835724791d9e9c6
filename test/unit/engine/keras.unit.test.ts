import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { isUserError, type UserError } from '../../../src/core/errors';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { PROJECT_FIXTURES, sharedModel, snapshotDir, tempDir } from '../../helpers/fixtures';

const XCEPTION = path.join(PROJECT_FIXTURES, 'models', 'keras-h5-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5');
const DOODLE_H5 = sharedModel('keras-h5-doodlenet', 'doodleNet-model.h5');
const FASHION_KERAS = sharedModel('keras3-fashion-mnist-cnn', 'model.keras');

async function h5wasm() {
  const m = await import('h5wasm/node');
  await m.ready;
  return m;
}

/** Every dataset of an HDF5 file: path → { shape, values }, read independently of the importer. */
async function datasets(file: string): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const m = await h5wasm();
  const f = new m.File(file, 'r');
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  const walk = (g: InstanceType<typeof m.Group>, p: string): void => {
    for (const k of g.keys()) {
      const c = g.get(k) as unknown as { keys?: () => string[]; shape?: number[]; value?: ArrayLike<number> };
      if (typeof c.keys === 'function') walk(c as unknown as InstanceType<typeof m.Group>, `${p}/${k}`);
      else out.set(`${p}/${k}`, { shape: [...(c.shape ?? [])], values: Float32Array.from(c.value as ArrayLike<number>) });
    }
  };
  walk(f, '');
  f.close();
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

describe('Keras import: real files, no Python', () => {
  it('mini-XCEPTION .hdf5 (Keras 2.0.5, functional, BatchNorm, SeparableConv2D, Add)', async () => {
    const loaded = await loadModel(XCEPTION);
    assert.equal(loaded.format, 'keras-h5');
    assert.equal(loaded.metadata.producer, 'keras 2.0.5');
    const s = summarizeModel(loaded);
    assert.equal(s.layers.length, 46);
    assert.deepEqual(s.inputShape, [null, 64, 64, 1]);
    assert.deepEqual(s.outputShape, [null, 7]);
    // the total from the file's own datasets (model_weights only, optimizer state excluded)
    const all = await datasets(XCEPTION);
    const expected = [...all].filter(([p]) => p.startsWith('/model_weights/')).reduce((a, [, d]) => a + d.values.length, 0);
    assert.equal(s.totalParams, expected);
    assert.equal(expected, 58423);
    const p = loaded.model.predict(tf.randomUniform([2, 64, 64, 1], 0, 1, 'float32', 1)) as tf.Tensor;
    for (const row of (await p.array()) as number[][]) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  });

  it('mini-XCEPTION: weights land in the right layers, in the right order', async () => {
    const loaded = await loadModel(XCEPTION);
    const all = await datasets(XCEPTION);
    const bn = loaded.model.getLayer('batch_normalization_5').getWeights();
    const movingVariance = [...all].find(([p]) => p.startsWith('/model_weights/batch_normalization_5/') && p.endsWith('moving_variance:0'))![1];
    assert.deepEqual(Array.from(bn[3]!.dataSync()), Array.from(movingVariance.values), 'BN weight 3 is moving_variance');
    const sep = loaded.model.getLayer('separable_conv2d_3').getWeights();
    const pointwise = [...all].find(([p]) => p.startsWith('/model_weights/separable_conv2d_3/') && p.endsWith('pointwise_kernel:0'))![1];
    assert.deepEqual(sep[1]!.shape, pointwise.shape);
    assert.deepEqual(Array.from(sep[1]!.dataSync()), Array.from(pointwise.values), 'SeparableConv2D weight 1 is the pointwise kernel');
  });

  it('DoodleNet .h5 predicts like its TF.js conversion (max abs difference ≤ 1e-4)', async () => {
    const h5 = await loadModel(DOODLE_H5);
    const layers = await loadModel(sharedModel('layers-doodlenet-sequential'));
    const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 2), 0.85), 'float32'));
    const d = tf.max(tf.abs(tf.sub(h5.model.predict(x) as tf.Tensor, layers.model.predict(x) as tf.Tensor))).dataSync()[0]!;
    assert.ok(d <= 1e-4, `max abs difference ${d}`);
    assert.equal(summarizeModel(h5).totalParams, 544201);
  });

  it('Keras 3 .keras (Sequential, 3.10): config converted, weights from model.weights.h5, optimizer state ignored', async () => {
    const loaded = await loadModel(FASHION_KERAS);
    assert.equal(loaded.format, 'keras-v3');
    assert.equal(loaded.metadata.producer, 'keras 3.10.0');
    const s = summarizeModel(loaded);
    assert.deepEqual(s.inputShape, [null, 28, 28, 1]);
    const dir = tempDir();
    const inner = unzipSync(new Uint8Array(fs.readFileSync(FASHION_KERAS)));
    fs.writeFileSync(path.join(dir, 'w.h5'), inner['model.weights.h5']!);
    const all = await datasets(path.join(dir, 'w.h5'));
    const layerTotal = [...all].filter(([p]) => p.startsWith('/layers/')).reduce((a, [, d]) => a + d.values.length, 0);
    assert.equal(s.totalParams, layerTotal);
    assert.equal(layerTotal, 121930);
    const kernel = loaded.model.getLayer('dense').getWeights()[0]!;
    assert.deepEqual(Array.from(kernel.dataSync()), Array.from(all.get('/layers/dense/vars/0')!.values));
  });
});

describe('Keras import: bad input gives a clear error and writes nothing', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });

  it('a zip that is not a Keras file', async () => {
    const f = path.join(dir, 'notes.keras');
    fs.writeFileSync(f, zipSync({ 'readme.txt': strToU8('hello') }));
    const before = snapshotDir(dir);
    await expectUserError(() => loadModel(f), /notes\.keras: this zip is not a Keras file: it has no config\.json/);
    assert.deepEqual(snapshotDir(dir), before);
  });

  it('an HDF5 file without model_config (weights only)', async () => {
    const m = await h5wasm();
    const f = path.join(dir, 'weights-only.h5');
    const w = new m.File(f, 'w');
    w.create_attribute('layer_names', ['dense']);
    w.create_group('dense');
    w.close();
    await expectUserError(() => loadModel(f), /weights-only\.h5: this HDF5 file has weights but no architecture \("model_config" is missing\)/);
  });

  it('a Lambda layer is refused by name', async () => {
    const inner = unzipSync(new Uint8Array(fs.readFileSync(FASHION_KERAS)));
    const config = JSON.parse(new TextDecoder().decode(inner['config.json']));
    config.config.layers.splice(2, 0, { module: 'keras.layers', class_name: 'Lambda', config: { name: 'scale_by_two', function: { class_name: '__lambda__', config: { code: 'YmFk' } } }, registered_name: null });
    const f = path.join(dir, 'lambda.keras');
    fs.writeFileSync(f, zipSync({ ...inner, 'config.json': strToU8(JSON.stringify(config)) }));
    await expectUserError(() => loadModel(f), /layer "scale_by_two" is a Lambda layer: it holds Python code that TF\.js cannot build/);
  });

  it('a custom registered class is refused by name', async () => {
    const inner = unzipSync(new Uint8Array(fs.readFileSync(FASHION_KERAS)));
    const config = JSON.parse(new TextDecoder().decode(inner['config.json']));
    config.config.layers[1] = { module: 'my_project.layers', class_name: 'FancyConv', config: { name: 'fancy' }, registered_name: 'Custom>FancyConv' };
    const f = path.join(dir, 'custom.keras');
    fs.writeFileSync(f, zipSync({ ...inner, 'config.json': strToU8(JSON.stringify(config)) }));
    await expectUserError(() => loadModel(f), /layer "fancy" is a custom class \(Custom>FancyConv\)/);
  });

  it('a truncated .h5', async () => {
    const f = path.join(dir, 'cut.h5');
    fs.writeFileSync(f, fs.readFileSync(XCEPTION).subarray(0, 40_000));
    const before = snapshotDir(dir);
    await expectUserError(() => loadModel(f), /cut\.h5: .*(truncated|corrupt|no weights|cannot read)/i);
    assert.deepEqual(snapshotDir(dir), before);
  });

  it('a corrupt zip', async () => {
    const f = path.join(dir, 'broken.keras');
    fs.writeFileSync(f, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    await expectUserError(() => loadModel(f), /broken\.keras: not a readable zip file/);
  });
});
