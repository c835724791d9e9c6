import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { adaptModel } from '../../../src/engine/tfjs/adapt';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { freshDropoutMasks, keepingDropoutMasks, restartDropoutMasks } from '../../../src/engine/tfjs/surgery/dropout';
import { sharedModel, tempDir } from '../../helpers/fixtures';

const masks = (layer: tf.layers.Layer, x: tf.Tensor): Float32Array => tf.tidy(() => (layer.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);

describe('dropout: a new mask every training step, repeatably', () => {
  const ones = tf.ones([32, 64]);

  it('TF.js\'s seeded Dropout (what a head with a seed gets) drops the same units at every step; with fresh masks it does not', () => {
    const plain = tf.layers.dropout({ rate: 0.5, seed: 42, name: 'plain_dropout' });
    assert.deepEqual(masks(plain, ones), masks(plain, ones), 'the TF.js behaviour this module exists for');
    const fresh = tf.layers.dropout({ rate: 0.5, seed: 42, name: 'head_dropout' });
    assert.equal(freshDropoutMasks([fresh]), 1);
    assert.equal(freshDropoutMasks([fresh]), 0, 'idempotent');
    const a = masks(fresh, ones);
    const b = masks(fresh, ones);
    assert.notDeepEqual(a, b);
  });

  it('drops about `rate` of the units and scales the rest by 1/(1 − rate); inference passes the input through', () => {
    const d = tf.layers.dropout({ rate: 0.3, seed: 1, name: 'd_rate' });
    freshDropoutMasks([d]);
    const x = tf.randomUniform([100, 100], 1, 2, 'float32', 3);
    const xs = x.dataSync();
    const y = masks(d, x);
    let dropped = 0;
    y.forEach((v, i) => {
      if (v === 0) dropped++;
      else assert.ok(Math.abs(v - xs[i]! / 0.7) < 1e-5, `kept value ${v} for ${xs[i]}`);
    });
    assert.ok(Math.abs(dropped / y.length - 0.3) < 0.02, `dropped ${dropped / y.length}`);
    const inference = tf.tidy(() => (d.apply(x, { training: false }) as tf.Tensor).dataSync());
    assert.deepEqual(Array.from(inference), Array.from(xs));
    x.dispose();
  });

  it('restarts per (seed, phase, epoch): the same run repeats, another epoch differs, a measurement in between changes nothing', async () => {
    const d = tf.layers.dropout({ rate: 0.5, seed: 7, name: 'd_restart' });
    freshDropoutMasks([d]);
    restartDropoutMasks([d], 7, 'head', 0);
    const first = [masks(d, ones), masks(d, ones)];
    restartDropoutMasks([d], 7, 'head', 0);
    await keepingDropoutMasks([d], async () => { masks(d, ones); masks(d, ones); });
    assert.deepEqual([masks(d, ones), masks(d, ones)], first, 'the same masks, in the same order');
    restartDropoutMasks([d], 7, 'head', 1);
    assert.notDeepEqual(masks(d, ones), first[0]);
    restartDropoutMasks([d], 8, 'head', 0);
    assert.notDeepEqual(masks(d, ones), first[0], 'another seed, other masks');
  });

  it('a batch run as two micro-batches gets the masks of the whole batch', () => {
    const d = tf.layers.dropout({ rate: 0.4, seed: 5, name: 'd_micro' });
    freshDropoutMasks([d]);
    restartDropoutMasks([d], 5, 'head', 0);
    const whole = masks(d, ones);
    restartDropoutMasks([d], 5, 'head', 0);
    const halves = [...masks(d, tf.ones([16, 64])), ...masks(d, tf.ones([16, 64]))];
    assert.deepEqual(Array.from(whole), halves);
  });

  it('gradients flow through the kept units only', () => {
    const d = tf.layers.dropout({ rate: 0.5, seed: 9, name: 'd_grad' });
    freshDropoutMasks([d]);
    const x = tf.randomUniform([4, 16], 1, 2, 'float32', 2);
    restartDropoutMasks([d], 9, 'head', 0);
    const y = masks(d, x);
    restartDropoutMasks([d], 9, 'head', 0);
    const g = tf.grad((t: tf.Tensor) => tf.sum(d.apply(t, { training: true }) as tf.Tensor))(x).dataSync();
    y.forEach((v, i) => assert.equal(g[i], v === 0 ? 0 : 2, `unit ${i}`));
    x.dispose();
  });

  it('an adapted model\'s head (Dropout with the run\'s seed) draws new masks from step to step', async () => {
    const loaded = await loadModel(sharedModel('tm-image-nail-biting'));
    const recipe = resolveRecipe({ model: loaded.source, head: [{ type: 'Dropout', rate: 0.5 }, { type: 'Dense' }] }, path.join(tempDir(), 'x.adapt.json'));
    const adapted = adaptModel(loaded, recipe, { outputs: 3 });
    const features = tf.randomUniform([8, ...adapted.featureShape], 0, 1, 'float32', 4);
    const out = (): Float32Array => tf.tidy(() => (adapted.head.apply(features, { training: true }) as tf.Tensor).dataSync() as Float32Array);
    assert.notDeepEqual(out(), out());
    features.dispose();
  });
});
