import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { findLayer, leafLayers as leafSummaries } from '../../../src/core/modelSummary';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { PROJECT_FIXTURES, sharedModel } from '../../helpers/fixtures';
import { manifestCounts } from '../../helpers/manifest';

const EMOTION = path.join(PROJECT_FIXTURES, 'models', 'layers-mobilenet025-emotion-functional', 'model.json');

describe('inspection: Keras summary() numbers for real models', () => {
  // Expected totals come from each file's own weight manifest: every weight is a parameter;
  // BatchNorm moving mean/variance are the non-trainable ones (no layer is frozen in these configs).
  for (const [name, file] of [
    ['Teachable Machine (nested Sequential + functional MobileNetV2)', sharedModel('tm-image-nail-biting')],
    ['older Teachable Machine', sharedModel('tm-image-ab-hybridthingslab')],
    ['functional MobileNet with BatchNorm, 55 shards', EMOTION],
    ['Sequential DoodleNet', sharedModel('layers-doodlenet-sequential')],
  ] as const) {
    it(`${name}: totals match the manifest`, async () => {
      const expected = manifestCounts(file);
      const s = summarizeModel(await loadModel(file));
      assert.equal(s.totalParams, expected.total);
      assert.equal(s.nonTrainableParams, expected.movingStats);
      assert.equal(s.trainableParams, expected.total - expected.movingStats);
      // the per-layer rows add up to the totals (nested models count once)
      const top = s.layers.reduce((a, l) => a + l.trainableParams + l.nonTrainableParams, 0);
      assert.equal(top, s.totalParams);
    });
  }

  it('per-layer rows: class, output shape, params and inbound layers (functional model)', async () => {
    const s = summarizeModel(await loadModel(EMOTION));
    const counts = manifestCounts(EMOTION).byLayer;
    const bn = findLayer(s.layers, 'conv1_bn')!.layer;
    assert.equal(bn.className, 'BatchNormalization');
    assert.deepEqual(bn.outputShape, [null, 32, 32, 8]);
    assert.equal(bn.trainableParams, 16); // gamma + beta
    assert.equal(bn.nonTrainableParams, 16); // moving mean + variance
    assert.equal(bn.trainableParams + bn.nonTrainableParams, counts.get('conv1_bn'));
    assert.deepEqual(bn.inbound, ['conv1']);
    assert.deepEqual(findLayer(s.layers, 'conv1')!.layer.inbound, ['conv1_pad']);
    assert.equal(s.layers.length, 102);
    assert.equal(leafSummaries(s.layers).filter((l) => l.className === 'BatchNormalization').length, 27);
  });

  it('nested models appear as children (Teachable Machine)', async () => {
    const s = summarizeModel(await loadModel(sharedModel('tm-image-nail-biting')));
    assert.deepEqual(s.layers.map((l) => l.name), ['sequential_1', 'sequential_3']);
    const base = s.layers[0]!;
    assert.equal(base.className, 'Sequential');
    assert.deepEqual(base.outputShape, [null, 1280]);
    const mobilenet = base.layers![0]!;
    assert.equal(mobilenet.className, 'Model');
    assert.ok(mobilenet.layers!.length > 100);
    assert.equal(leafSummaries(s.layers).filter((l) => l.className === 'BatchNormalization').length, 52);
    assert.deepEqual(findLayer(s.layers, 'dense_Dense2')?.path, ['sequential_3', 'dense_Dense2']);
    assert.equal(findLayer(s.layers, 'dense_Dense2')!.layer.trainableParams, 200); // 100×2, no bias
  });
});
