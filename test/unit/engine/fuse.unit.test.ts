import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fuseForInference, withFusedInference } from '../../../src/engine/tfjs/inference/fuse';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { truncateAt } from '../../../src/engine/tfjs/surgery/cut';
import { allLayers, isContainer } from '../../../src/engine/tfjs/surgery/layers';
import { PROJECT_FIXTURES, sharedModel } from '../../helpers/fixtures';

const TM = sharedModel('tm-image-nail-biting');
const XCEPTION = path.join(PROJECT_FIXTURES, 'models', 'keras-h5-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5');

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Conv2D / DepthwiseConv2D layers whose only reader is a BatchNormalization, counted from the graph. */
function convBnPairs(model: tf.LayersModel): number {
  let n = 0;
  for (const l of allLayers(model)) {
    if (l.getClassName() !== 'BatchNormalization' || isContainer(l)) continue;
    const from = l.inboundNodes[0]!.inboundLayers[0]!;
    if (['Conv2D', 'DepthwiseConv2D'].includes(from.getClassName()) && from.outboundNodes.length === 1) n++;
  }
  return n;
}

/** Moving statistics far from the defaults, so a wrong fold shows. */
function randomizeBatchNorm(model: tf.LayersModel, seed = 1): void {
  for (const l of allLayers(model)) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const w = l.getWeights();
    l.setWeights(w.map((t, i) => (i === w.length - 1 ? tf.randomUniform(t.shape, 0.5, 2, 'float32', seed + i) : tf.randomNormal(t.shape, 0, 0.5, 'float32', seed + i))));
    seed += 10;
  }
}

describe('fused inference (conv → BatchNorm → ReLU as one kernel)', () => {
  it('Teachable Machine MobileNetV2 (nested in a Sequential): every conv→BN chain fused, predictions equal within 1e-4, no tensor left behind', async () => {
    const { model } = await loadModel(TM);
    const x = tf.randomUniform([3, 224, 224, 3], -1, 1, 'float32', 7);
    const plain = model.predict(x) as tf.Tensor;
    const before = tf.memory().numTensors;
    const plan = fuseForInference(model);
    assert.equal(plan.fused, convBnPairs(model));
    assert.ok(plan.fused >= 50, `a MobileNetV2 has 52 conv→BN chains, got ${plan.fused}`);
    const fused = plan.predict(x);
    assert.ok(maxAbsDiff(plain, fused) <= 1e-4, `max abs difference ${maxAbsDiff(plain, fused)}`);
    fused.dispose();
    plan.dispose();
    assert.equal(tf.memory().numTensors, before, 'the folded weights are freed');
    tf.dispose([x, plain]);
  });

  it('mini-XCEPTION from Keras .h5 (Conv2D with bias, Activation("relu"), separable convolutions left alone): equal within 1e-4', async () => {
    const { model } = await loadModel(XCEPTION);
    randomizeBatchNorm(model);
    const [, h, w, c] = model.inputs[0]!.shape as number[];
    const x = tf.randomUniform([4, h!, w!, c!], 0, 1, 'float32', 3);
    const plan = fuseForInference(model);
    assert.ok(plan.fused >= 2, `its Conv2D → BN → relu blocks, got ${plan.fused}`);
    const a = model.predict(x) as tf.Tensor;
    const b = plan.predict(x);
    assert.ok(maxAbsDiff(a, b) <= 1e-4, `max abs difference ${maxAbsDiff(a, b)}`);
    plan.dispose();
    tf.dispose([x, a, b]);
  });

  it('a model cut between the BN and its ReLU ends at the BN, and a cut at the conv fuses nothing there', async () => {
    const { model } = await loadModel(TM);
    const names = allLayers(model).map((l) => l.name);
    const bn = names.find((n) => /block_3_expand_BN$/.test(n))!;
    const conv = names.find((n) => /block_3_expand$/.test(n))!;
    const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 11);
    for (const cut of [bn, conv]) {
      const base = truncateAt(model, cut);
      const a = base.predict(x) as tf.Tensor;
      assert.ok(tf.min(a).dataSync()[0]! < 0, `${cut}: the output before the ReLU has negative values`);
      const b = await withFusedInference(base, async (predict) => predict(x));
      assert.ok(maxAbsDiff(a, b) <= 1e-4, `${cut}: max abs difference ${maxAbsDiff(a, b)}`);
      tf.dispose([a, b]);
    }
    x.dispose();
  });

  describe('on small hand-built graphs', () => {
    const input = (): tf.SymbolicTensor => tf.input({ shape: [9, 9, 4] });
    const x = (): tf.Tensor => tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 5);

    function check(model: tf.LayersModel, expectFused: number): void {
      randomizeBatchNorm(model, 3);
      const xs = x();
      const plan = fuseForInference(model);
      assert.equal(plan.fused, expectFused);
      const a = model.predict(xs) as tf.Tensor;
      const b = plan.predict(xs);
      assert.ok(maxAbsDiff(a, b) <= 1e-4, `max abs difference ${maxAbsDiff(a, b)}`);
      plan.dispose();
      tf.dispose([xs, a, b]);
    }

    it('depthwise with a channel multiplier, conv with a bias, BN without scale or centre, relu6 / relu / none', () => {
      const i = input();
      let y = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false }).apply(i) as tf.SymbolicTensor;
      y = tf.layers.batchNormalization({}).apply(y) as tf.SymbolicTensor;
      y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor;
      y = tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid', useBias: true, biasInitializer: 'randomNormal' }).apply(y) as tf.SymbolicTensor;
      y = tf.layers.batchNormalization({ scale: false, center: false, epsilon: 0.01 }).apply(y) as tf.SymbolicTensor;
      y = tf.layers.activation({ activation: 'relu' }).apply(y) as tf.SymbolicTensor;
      y = tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false }).apply(y) as tf.SymbolicTensor;
      y = tf.layers.batchNormalization({}).apply(y) as tf.SymbolicTensor;
      check(tf.model({ inputs: i, outputs: y }), 3);
    });

    it('a conv whose output is also read elsewhere, a BN that is a model output and a ReLU capped at 3 keep their own layers', () => {
      const i = input();
      const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(i) as tf.SymbolicTensor;
      const b1 = tf.layers.batchNormalization({}).apply(c1) as tf.SymbolicTensor;
      const sum = tf.layers.add().apply([b1, c1]) as tf.SymbolicTensor; // c1 has two readers: not fused
      const c2 = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(sum) as tf.SymbolicTensor;
      const b2 = tf.layers.batchNormalization({}).apply(c2) as tf.SymbolicTensor;
      const r2 = tf.layers.reLU({ maxValue: 3 }).apply(b2) as tf.SymbolicTensor; // folded, the ReLU runs on its own
      const c3 = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(r2) as tf.SymbolicTensor;
      const b3 = tf.layers.batchNormalization({}).apply(c3) as tf.SymbolicTensor; // an output and read below
      const r3 = tf.layers.reLU({}).apply(b3) as tf.SymbolicTensor;
      const model = tf.model({ inputs: i, outputs: [r3, b3] });
      randomizeBatchNorm(model, 3);
      const xs = x();
      const plan = fuseForInference(model);
      assert.equal(plan.fused, 2, 'c2 → b2 (ReLU kept), c3 → b3 (b3 is an output: its ReLU kept)');
      const plain = model.predict(xs) as tf.Tensor[];
      const fused = plan.predict(xs) as unknown as tf.Tensor[]; // a model of two outputs predicts two
      assert.equal(fused.length, 2);
      plain.forEach((p, k) => assert.ok(maxAbsDiff(p, fused[k]!) <= 1e-4, `output ${k}: max abs difference ${maxAbsDiff(p, fused[k]!)}`));
      plan.dispose();
      tf.dispose([xs, ...plain, ...fused]);
    });

    it('outside predict the layers compute as before: gradients and weights are those of the unfused model', async () => {
      const i = input();
      let y = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }).apply(i) as tf.SymbolicTensor;
      y = tf.layers.batchNormalization({}).apply(y) as tf.SymbolicTensor;
      y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor;
      const model = tf.model({ inputs: i, outputs: y });
      randomizeBatchNorm(model, 9);
      const xs = x();
      const grad = (): Float32Array => tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(xs, { training: true }) as tf.Tensor)) as tf.Scalar, model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
        return tf.concat(Object.values(grads).map((g) => g.flatten())).dataSync() as Float32Array;
      });
      const g0 = grad();
      const plan = fuseForInference(model);
      assert.equal(plan.fused, 1);
      const g1 = grad();
      assert.deepEqual(Array.from(g1), Array.from(g0), 'a plan in place changes nothing outside its predict');
      // weights that change after planning: a new plan (withFusedInference) follows them, the old one does not
      const conv = model.layers[1]!;
      conv.setWeights([tf.mul(conv.getWeights()[0]!, 2)]);
      const a = model.predict(xs) as tf.Tensor;
      const b = await withFusedInference(model, async (predict) => predict(xs));
      const stale = plan.predict(xs);
      assert.ok(maxAbsDiff(a, b) <= 1e-4, 'a new plan folds the weights of the moment');
      assert.ok(maxAbsDiff(a, stale) > 1e-3, 'a plan keeps the weights it was made with');
      plan.dispose();
      tf.dispose([xs, a, b, stale]);
    });
  });
});
