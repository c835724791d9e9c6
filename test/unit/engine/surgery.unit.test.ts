import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isUserError, type UserError } from '../../../src/core/errors';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import type { Recipe } from '../../../src/core/recipe/schema';
import { adaptModel, compileFor } from '../../../src/engine/tfjs/adapt';
import { loadModel, type LoadedModel } from '../../../src/engine/tfjs/io/load';
import { saveAdaptedModel } from '../../../src/engine/tfjs/io/save';
import { leafLayers } from '../../../src/engine/tfjs/surgery/layers';
import { PROJECT_FIXTURES, sharedModel, snapshotDir, tempDir } from '../../helpers/fixtures';

const EMOTION = path.join(PROJECT_FIXTURES, 'models', 'layers-mobilenet025-emotion-functional', 'model.json');
const TM = sharedModel('tm-image-nail-biting');
const DOODLE = sharedModel('layers-doodlenet-sequential');

function recipe(model: string, extra: Partial<Recipe> = {}, file = path.join(tempDir(), 'test.adapt.json')) {
  return resolveRecipe({ model, ...extra }, file);
}

function expectUserErrorSync(fn: () => unknown, pattern: RegExp, jsonPath?: string): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${(e as Error).stack}`);
    assert.match(e.oneLine(), pattern);
    if (jsonPath) assert.equal(e.jsonPath, jsonPath);
    return e;
  }
  assert.fail(`expected a UserError matching ${pattern}`);
}

const cache = new Map<string, LoadedModel>();
async function load(file: string): Promise<LoadedModel> {
  // a fresh model per test: surgery mutates trainable flags
  cache.delete(file);
  const m = await loadModel(file);
  cache.set(file, m);
  return m;
}

describe('surgery: cut', () => {
  it('defaults to the backbone\'s feature output below the old classifier, for each real model', async () => {
    const cases: [string, string, number[]][] = [
      [TM, 'global_average_pooling2d_GlobalAveragePooling2D1', [1280]], // the pooling inside TM's base, below its nested Dense head
      [EMOTION, 'global_average_pooling2d_1', [256]], // below Reshape → Dropout → 1×1 conv classifier → softmax → Reshape
      [DOODLE, 'flatten', [576]], // below both Dense layers of the old classifier, not at the penultimate Dense(512)
    ];
    for (const [file, cut, shape] of cases) {
      const a = adaptModel(await load(file), recipe(file), { outputs: 3 });
      assert.equal(a.cut, cut, file);
      assert.ok(a.cutIsDefault);
      assert.deepEqual(a.featureShape, shape, file);
      assert.deepEqual(a.model.outputs[0]!.shape, [null, 3]);
    }
  });

  it('cuts inside a nested model (Teachable Machine\'s MobileNet at out_relu) and adds pooling to the default head', async () => {
    const a = adaptModel(await load(TM), recipe(TM, { cut: 'out_relu' }), { outputs: 4 });
    assert.deepEqual(a.featureShape, [7, 7, 1280]);
    assert.deepEqual(a.headSpec.map((h) => h.type), ['GlobalAveragePooling2D', 'Dropout', 'Dense']);
    const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 1);
    const full = a.model.predict(x) as tf.Tensor;
    const viaHead = a.head.predict(a.base.predict(x) as tf.Tensor) as tf.Tensor;
    assert.equal(tf.max(tf.abs(tf.sub(full, viaHead))).dataSync()[0], 0, 'base + head = full model');
    // the features at out_relu equal the original model's own activations there
    const original = (await loadModel(TM)).model;
    const inner = (original.layers[0] as tf.LayersModel).layers[0] as tf.LayersModel;
    const reference = tf.model({ inputs: inner.inputs, outputs: inner.getLayer('out_relu').output as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(a.base.predict(x) as tf.Tensor, reference))).dataSync()[0]! < 1e-5);
  });

  it('errors: a cut layer that does not exist, a cut inside the new head, the input layer', async () => {
    const m = await load(EMOTION);
    expectUserErrorSync(() => adaptModel(m, recipe(EMOTION, { cut: 'nope' }), { outputs: 2 }), /no layer named "nope"/, '/cut');
    expectUserErrorSync(() => adaptModel(m, recipe(EMOTION, { cut: 'my_dense', head: [{ type: 'Dense', name: 'my_dense' }] }), { outputs: 2 }), /is a layer of the new head/, '/cut');
    expectUserErrorSync(() => adaptModel(m, recipe(EMOTION, { cut: 'input_1' }), { outputs: 2 }), /cannot cut at the input layer/, '/cut');
  });
});

describe('surgery: freeze rules', () => {
  const trainableNames = (a: ReturnType<typeof adaptModel>) => leafLayers(a.base).filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name);

  it('freezes the whole base by default, so the base output can be cached', async () => {
    const a = adaptModel(await load(EMOTION), recipe(EMOTION), { outputs: 2 });
    assert.deepEqual(trainableNames(a), []);
    assert.ok(a.baseFrozen);
    assert.equal(a.model.trainableWeights.length, 2, 'only the new Dense kernel and bias');
  });
  it('"upTo" freezes up to and including a layer', async () => {
    const a = adaptModel(await load(EMOTION), recipe(EMOTION, { freeze: { upTo: 'conv_pw_12_bn' } }), { outputs: 2 });
    assert.deepEqual(trainableNames(a), ['conv_dw_13', 'conv_dw_13_bn', 'conv_pw_13', 'conv_pw_13_bn']);
    assert.ok(!a.baseFrozen);
  });
  it('"allButLast" keeps the last N weighted layers trainable', async () => {
    const a = adaptModel(await load(EMOTION), recipe(EMOTION, { freeze: { allButLast: 3 } }), { outputs: 2 });
    assert.deepEqual(trainableNames(a), ['conv_dw_13_bn', 'conv_pw_13', 'conv_pw_13_bn']);
  });
  it('"classes" and "layers" freeze by class and by name; "trainable" makes exceptions', async () => {
    const a = adaptModel(await load(EMOTION), recipe(EMOTION, { freeze: { classes: ['BatchNormalization', 'DepthwiseConv2D'], layers: ['conv1'], trainable: ['conv_pw_13_bn'] } }), { outputs: 2 });
    const names = trainableNames(a);
    assert.ok(names.includes('conv_pw_13_bn'));
    assert.ok(!names.includes('conv1'));
    assert.ok(!names.some((n) => /_bn$/.test(n) && n !== 'conv_pw_13_bn'));
    assert.ok(!names.some((n) => /^conv_dw_\d+$/.test(n)));
    assert.ok(names.includes('conv_pw_1'));
  });
  it('freezing a nested model by name freezes everything inside it', async () => {
    const a = adaptModel(await load(TM), recipe(TM, { cut: 'out_relu', freeze: { all: false, layers: ['model1'], trainable: ['Conv_1'] } }), { outputs: 2 });
    assert.deepEqual(trainableNames(a), ['Conv_1']);
  });
  it('errors name the JSON path: unknown layer, a layer above the cut', async () => {
    const m = await load(EMOTION);
    expectUserErrorSync(() => adaptModel(m, recipe(EMOTION, { freeze: { layers: ['conv1', 'ghost'] } }), { outputs: 2 }), /no layer named "ghost"/, '/freeze/layers/1');
    expectUserErrorSync(() => adaptModel(m, recipe(EMOTION, { cut: 'conv_pw_5_relu', freeze: { upTo: 'conv_pw_9' } }), { outputs: 2 }), /"conv_pw_9" is above the cut layer "conv_pw_5_relu"/, '/freeze/upTo');
  });
});

describe('surgery: head', () => {
  it('sizes the last Dense from the labels and picks the activation by task', async () => {
    const m = await load(DOODLE);
    const single = adaptModel(m, recipe(DOODLE, { head: [{ type: 'Dense', units: 64 }, { type: 'Dropout', rate: 0.3 }, { type: 'Dense' }] }), { outputs: 5 });
    const last = single.head.layers.at(-1) as tf.layers.Layer;
    assert.equal((last.getConfig() as { units: number }).units, 5);
    assert.equal((last.getConfig() as { activation: string }).activation, 'softmax');
    const multi = adaptModel(await load(DOODLE), recipe(DOODLE, { task: 'multi-label' }), { outputs: 4 });
    assert.equal((multi.head.layers.at(-1)!.getConfig() as { activation: string }).activation, 'sigmoid');
    const reg = adaptModel(await load(DOODLE), recipe(DOODLE, { task: 'regression' }), { outputs: 2 });
    assert.equal((reg.head.layers.at(-1)!.getConfig() as { activation: string }).activation, 'linear');
  });
  it('errors: a fixed head whose units do not match the labels, pooling on flat features, Dense on image features', async () => {
    const m = await load(DOODLE);
    expectUserErrorSync(() => adaptModel(m, recipe(DOODLE, { head: [{ type: 'Dense', units: 10 }] }), { outputs: 3 }), /last Dense layer has 10 units but the data has 3 labels/, '/head/0/units');
    expectUserErrorSync(() => adaptModel(m, recipe(DOODLE, { head: [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense' }] }), { outputs: 3 }), /GlobalAveragePooling2D needs image-like features/, '/head/0');
    const t = await load(TM);
    expectUserErrorSync(() => adaptModel(t, recipe(TM, { cut: 'out_relu', head: [{ type: 'Dense' }] }), { outputs: 3 }), /Dense needs a flat input/, '/head/0');
  });
});

describe('surgery: frozen BatchNormalization stays in inference mode', () => {
  // TF.js's BatchNormalization ignores `trainable` and updates its moving statistics whenever it
  // runs with training=true. Keras semantics (and ours): a frozen BN layer never changes.
  async function trainAndReadStats(patch: boolean): Promise<{ before: Float32Array[]; after: Float32Array[]; headChanged: boolean }> {
    const loaded = await loadModel(EMOTION);
    const a = adaptModel(loaded, recipe(EMOTION, { cut: 'conv_pw_13_relu', head: [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense' }] }), { outputs: 3 });
    const bns = leafLayers(a.base).filter((l) => l.getClassName() === 'BatchNormalization');
    assert.equal(bns.length, 27);
    if (!patch) {
      // undo the fix: drop the instance override so TF.js's own call runs
      for (const bn of bns) delete (bn as unknown as { call?: unknown }).call;
    }
    const stats = () => bns.flatMap((bn) => bn.getWeights().slice(2).map((w) => w.dataSync().slice() as Float32Array));
    const before = stats();
    const head0 = a.head.layers.at(-1)!.getWeights()[0]!.dataSync().slice();
    compileFor(a.model, 'single-label', tf.train.sgd(0.1));
    // real-ish inputs: smooth random images in the model's [-1, 1] range, far from the BN's ImageNet statistics
    const x = tf.randomUniform([8, 64, 64, 1], -1, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    await a.model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, shuffle: false });
    const headChanged = a.head.layers.at(-1)!.getWeights()[0]!.dataSync().some((v, i) => v !== head0[i]);
    return { before, after: stats(), headChanged };
  }

  it('moving mean and variance of frozen BN layers are unchanged after training', async () => {
    const { before, after, headChanged } = await trainAndReadStats(true);
    assert.ok(headChanged, 'the head did train');
    for (let i = 0; i < before.length; i++) assert.deepEqual(after[i], before[i], `moving statistic ${i} unchanged`);
  });

  it('without the fix, TF.js changes them (so the test above can fail)', async () => {
    const { before, after } = await trainAndReadStats(false);
    const changed = before.filter((b, i) => b.some((v, j) => v !== after[i]![j])).length;
    assert.ok(changed > 0, 'TF.js alone updates frozen BN statistics');
  });
});

describe('save: beside, never over; atomic; reloads', () => {
  it('saves model.json + weights + metadata, and tf.loadLayersModel reloads the same predictions', async () => {
    const loaded = await loadModel(EMOTION);
    const r = recipe(EMOTION);
    const a = adaptModel(loaded, r, { outputs: 3 });
    const out = path.join(tempDir(), 'emotion-adapted');
    await saveAdaptedModel(a.model, out, { labels: ['a', 'b', 'c'], task: 'single-label', inputSize: [64, 64], channels: 1, preprocess: '0,1', recipe: r.raw, sourceModel: EMOTION, sourceSha256: loaded.sha256, cut: a.cut, frozen: [...a.frozen], createdAt: new Date().toISOString() }, { protect: [path.dirname(EMOTION)] });
    assert.deepEqual(fs.readdirSync(out).sort(), ['metadata.json', 'model.json', 'weights.bin']);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    assert.deepEqual(meta.labels, ['a', 'b', 'c']);
    assert.equal(meta.transferStudio.sourceSha256, loaded.sha256);
    assert.equal(meta.transferStudio.cut, 'global_average_pooling2d_1');
    const reloaded = await loadModel(path.join(out, 'model.json'));
    const x = tf.randomUniform([3, 64, 64, 1], -1, 1, 'float32', 9);
    const d = tf.max(tf.abs(tf.sub(reloaded.model.predict(x) as tf.Tensor, a.model.predict(x) as tf.Tensor))).dataSync()[0]!;
    assert.ok(d < 1e-6, `same predictions after reload (${d})`);
    assert.deepEqual(reloaded.metadata.labels, ['a', 'b', 'c']);
    // frozen layers stay frozen in the saved config
    assert.equal(reloaded.model.getLayer('conv1').trainable, false);
  });

  it('refuses the source folder as output, and a folder of someone else\'s files, writing nothing', async () => {
    const dir = tempDir();
    fs.cpSync(path.dirname(EMOTION), path.join(dir, 'src'), { recursive: true });
    const src = path.join(dir, 'src', 'model.json');
    assert.throws(() => resolveRecipe({ model: './src/model.json', output: './src' }, path.join(dir, 'x.adapt.json')), /is the source model's folder/);
    const loaded = await loadModel(src);
    const a = adaptModel(loaded, recipe(src), { outputs: 2 });
    const meta = { labels: ['a', 'b'], task: 'single-label' as const, inputSize: [64, 64] as [number, number], channels: 1, preprocess: '0,1' as const, recipe: { model: src }, sourceModel: src, sourceSha256: loaded.sha256, cut: a.cut, frozen: [], createdAt: '' };
    const before = snapshotDir(dir);
    await assert.rejects(saveAdaptedModel(a.model, path.join(dir, 'src'), meta, { protect: [path.join(dir, 'src')] }), /holds the source model/);
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'notes.txt'), 'mine');
    const before2 = snapshotDir(dir);
    await assert.rejects(saveAdaptedModel(a.model, path.join(dir, 'other'), meta), /did not write; not overwriting/);
    assert.deepEqual(snapshotDir(dir), before2);
    assert.ok(Object.keys(before).every((k) => k in before2));
    // an earlier Transfer Studio output is replaced in one rename
    await saveAdaptedModel(a.model, path.join(dir, 'out'), meta);
    await saveAdaptedModel(a.model, path.join(dir, 'out'), { ...meta, labels: ['x', 'y'] });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'out', 'metadata.json'), 'utf8')).labels, ['x', 'y']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['other', 'out', 'src'], 'no temp folders left behind');
  });
});
