/**
 * The default cut lands at the backbone's feature output — the global pooling or Flatten below
 * the old classifier, however many Dense layers that classifier had — on Sequential, functional,
 * nested (Teachable Machine) and Keras-application shapes built here, on headless bases, and on
 * the real models in ../shared/fixtures/real-models.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseDefaultCut } from '../../../src/core/classifier';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { adaptModel } from '../../../src/engine/tfjs/adapt';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { hasSharedModels, ROOT, sharedModel } from '../../helpers/fixtures';

function cutOf(model: tf.LayersModel): ReturnType<typeof chooseDefaultCut> {
  return chooseDefaultCut(summarizeModel({ model, format: 'tfjs-layers', source: 'built in the test', metadata: {} }).layers);
}

/** A small convolutional base: conv → BN → ReLU6 twice, ending in a 4×4×16 map. */
function convBase(x: tf.SymbolicTensor, prefix = ''): tf.SymbolicTensor {
  let y = x;
  for (const [i, filters] of [8, 16].entries()) {
    y = tf.layers.conv2d({ name: `${prefix}conv${i}`, filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization({ name: `${prefix}bn${i}` }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.reLU({ name: `${prefix}relu${i}`, maxValue: 6 }).apply(y) as tf.SymbolicTensor;
  }
  return y;
}

const input = (name = 'input'): tf.SymbolicTensor => tf.input({ shape: [16, 16, 3], name });
const dense = (name: string, units: number, activation: 'relu' | 'softmax' | 'linear' = 'relu'): tf.layers.Layer => tf.layers.dense({ name, units, activation });

describe('the default cut: the backbone\'s feature output', () => {
  it('functional, an old three-Dense classifier on global pooling: cut at the pooling, not at the penultimate Dense', () => {
    const x = input();
    let y = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(convBase(x)) as tf.SymbolicTensor;
    for (const l of [dense('fc1', 128), tf.layers.dropout({ name: 'drop', rate: 0.5 }), dense('fc2', 64), dense('predictions', 4, 'softmax')]) y = l.apply(y) as tf.SymbolicTensor;
    const c = cutOf(tf.model({ inputs: x, outputs: y }))!;
    assert.equal(c.cut, 'gap');
    assert.deepEqual(c.above, ['predictions', 'fc2', 'drop', 'fc1']);
    assert.equal(c.reason, 'cut at "gap": the output of the convolutional base, 16 features; the 4 layers above it (predictions, fc2, drop, fc1) were the old classifier');
  });

  it('Sequential, conv → Flatten → Dense → Dropout → Dense: cut at the Flatten', () => {
    const m = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 4, kernelSize: 3, name: 'c' }), tf.layers.maxPooling2d({ poolSize: 2, name: 'p' }),
      tf.layers.flatten({ name: 'flat' }), dense('d1', 32), tf.layers.dropout({ rate: 0.3, name: 'dr' }), dense('out', 3, 'softmax'),
    ] });
    const c = cutOf(m)!;
    assert.equal(c.cut, 'flat');
    assert.deepEqual(c.featureShape, [null, 196]);
    assert.match(c.reason, /196 features; the 3 layers above it \(out, dr, d1\) were the old classifier/);
  });

  it('Keras-application shapes: GAP → Dense(1000) with the top, the last activation map without it, the pooling with pooling="avg"', () => {
    const x = input();
    const features = convBase(x);
    const gap = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(features) as tf.SymbolicTensor;
    assert.equal(cutOf(tf.model({ inputs: x, outputs: dense('predictions', 1000, 'softmax').apply(gap) as tf.SymbolicTensor }))!.cut, 'avg_pool');
    const headless = cutOf(tf.model({ inputs: x, outputs: features }))!;
    assert.equal(headless.cut, 'relu1');
    assert.deepEqual(headless.above, []);
    assert.match(headless.reason, /^cut at "relu1": the model's output — it has no classifier on top \(a headless base\) — a 4×4×16 feature map \(the new head pools it\)$/);
    const pooled = cutOf(tf.model({ inputs: x, outputs: gap }))!;
    assert.deepEqual([pooled.cut, pooled.above], ['avg_pool', []]);
  });

  it('a classifier convolution under the softmax: Keras MobileNet\'s conv_preds (cut at the pooling) and mini-Xception\'s class maps (cut below them)', () => {
    const x = input();
    const f = convBase(x);
    let y = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(f) as tf.SymbolicTensor;
    for (const l of [tf.layers.reshape({ targetShape: [1, 1, 16], name: 'r1' }), tf.layers.dropout({ rate: 0.2, name: 'dr' }), tf.layers.conv2d({ filters: 5, kernelSize: 1, name: 'conv_preds' }), tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }), tf.layers.reshape({ targetShape: [5], name: 'r2' })]) y = l.apply(y) as tf.SymbolicTensor;
    assert.equal(cutOf(tf.model({ inputs: x, outputs: y }))!.cut, 'gap');

    const shortcut = tf.layers.conv2d({ filters: 16, kernelSize: 1, strides: 4, name: 'shortcut' }).apply(x) as tf.SymbolicTensor;
    const added = tf.layers.add({ name: 'add' }).apply([f, shortcut]) as tf.SymbolicTensor;
    let z = tf.layers.conv2d({ filters: 7, kernelSize: 3, padding: 'same', name: 'class_maps' }).apply(added) as tf.SymbolicTensor;
    z = tf.layers.globalAveragePooling2d({ name: 'gap2' }).apply(z) as tf.SymbolicTensor;
    z = tf.layers.activation({ activation: 'softmax', name: 'predictions' }).apply(z) as tf.SymbolicTensor;
    const c = cutOf(tf.model({ inputs: x, outputs: z }))!;
    assert.deepEqual([c.cut, c.above], ['add', ['predictions', 'gap2', 'class_maps']]);
  });

  it('nested, as Teachable Machine exports it: a base model with its pooling, then a Dense-only head model', () => {
    const bx = input('base_in');
    const inner = tf.model({ inputs: bx, outputs: convBase(bx, 'mb_'), name: 'mobilenet' });
    const base = tf.sequential({ name: 'sequential_1', layers: [inner, tf.layers.globalAveragePooling2d({ name: 'gap_inner' })] });
    const head = tf.sequential({ name: 'sequential_3', layers: [tf.layers.dense({ name: 'dense_1', units: 100, activation: 'relu', inputShape: [16] }), dense('dense_2', 2, 'softmax')] });
    const x = input('outer_in');
    const out = head.apply(base.apply(x)) as tf.SymbolicTensor;
    const c = cutOf(tf.model({ inputs: x, outputs: out }))!;
    assert.deepEqual([c.cut, c.above], ['gap_inner', ['dense_1', 'dense_2']]);
    // the engine cuts there too: the head's features are the 16 pooled values
    const m = tf.model({ inputs: x, outputs: out });
    const adapted = adaptModel({ model: m, format: 'tfjs-layers', source: '/built/model.json', metadata: {}, sha256: 'x' } as never, resolveRecipe({ model: '/built/model.json' }, '/built/t.adapt.json'), { outputs: 3 });
    assert.deepEqual([adapted.cut, adapted.cutIsDefault, adapted.featureShape], ['gap_inner', true, [16]]);
    assert.match(adapted.cutReason ?? '', /16 features; the 2 layers above it/);
  });

  it('the real models users bring: pooled / flattened backbone outputs, never an old Dense', async function () {
    this.timeout(60000);
    const cases: [string, string, number | string][] = [
      [`${ROOT}/examples/tm-image-nail-biting/model.json`, 'global_average_pooling2d_GlobalAveragePooling2D1', 1280],
      ...(hasSharedModels() ? [
        [sharedModel('tm-image-ab-hybridthingslab'), 'global_average_pooling2d_GlobalAveragePooling2D1', 1280],
        [sharedModel('layers-mobilenet025-emotion-functional'), 'global_average_pooling2d_1', 256],
        [sharedModel('layers-doodlenet-sequential'), 'flatten', 576],
        [sharedModel('keras-h5-doodlenet', 'doodleNet-model.h5'), 'flatten', 576],
        [sharedModel('keras3-fashion-mnist-cnn', 'model.keras'), 'flatten', 1600],
        [sharedModel('keras-h5-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5'), 'add_4', '4×4×128'],
      ] as [string, string, number | string][] : []),
    ];
    for (const [file, cut, features] of cases) {
      const loaded = await loadModel(file);
      const c = chooseDefaultCut(summarizeModel(loaded).layers);
      loaded.model.dispose();
      assert.equal(c?.cut, cut, file);
      assert.match(c!.reason, typeof features === 'number' ? new RegExp(`${features.toLocaleString('en')} features; the \\d+ layers? above`) : new RegExp(`a ${features} feature map`), file);
    }
  });
});
