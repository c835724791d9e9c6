import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { baseLeaves, frozenLayerNames, toggleLayer } from '../../../src/core/freeze';
import { walkLayers } from '../../../src/core/modelSummary';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { adaptModel } from '../../../src/engine/tfjs/adapt';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { leafLayers } from '../../../src/engine/tfjs/surgery/layers';
import { PROJECT_FIXTURES, sharedModel } from '../../helpers/fixtures';

const EMOTION = path.join(PROJECT_FIXTURES, 'models', 'layers-mobilenet025-emotion-functional', 'model.json');
const TM = sharedModel('tm-image-nail-biting');

describe('freeze rules on layer summaries (what the tree and designer compute without TF.js)', () => {
  it('baseLeaves(summary, cut) equals the engine\'s truncated model, for real models and several cuts', async () => {
    for (const [file, cuts] of [
      [EMOTION, ['global_average_pooling2d_1', 'conv_pw_5_relu', 'conv1_bn']],
      [TM, ['sequential_1', 'out_relu', 'block_4_add', 'global_average_pooling2d_GlobalAveragePooling2D1']],
      [sharedModel('layers-doodlenet-sequential'), ['dense', 'max_pooling2d_1']],
    ] as const) {
      for (const cut of cuts) {
        const loaded = await loadModel(file);
        const summary = summarizeModel(loaded);
        const a = adaptModel(loaded, resolveRecipe({ model: file, cut }, '/tmp/x.adapt.json'), { outputs: 2 });
        const engine = leafLayers(a.base).map((l) => l.name);
        assert.deepEqual(baseLeaves(summary.layers, cut)!.map((l) => l.name), engine, `${path.basename(path.dirname(file))} cut at ${cut}`);
      }
    }
  });

  it('toggling checkboxes writes minimal exceptions and keeps bulk rules', async () => {
    const summary = summarizeModel(await loadModel(EMOTION));
    const cut = 'global_average_pooling2d_1';
    const base = summary.layers.filter((l) => baseLeaves(summary.layers, cut)!.some((b) => b.name === l.name));
    const sourceNames = new Set<string>();
    walkLayers(summary.layers, (l) => sourceNames.add(l.name));
    const ctx = { cut, sourceNames };
    let rules = toggleLayer(undefined, base, 'conv_pw_13', true, ctx);
    assert.deepEqual(rules, { all: true, trainable: ['conv_pw_13'] });
    assert.ok(!frozenLayerNames(base, rules, ctx).has('conv_pw_13'));
    rules = toggleLayer(rules, base, 'conv_pw_13', false, ctx);
    assert.deepEqual(rules, { all: true });
    rules = toggleLayer({ upTo: 'conv_pw_10' }, base, 'conv_pw_12', false, ctx);
    assert.deepEqual(rules, { upTo: 'conv_pw_10', layers: ['conv_pw_12'] });
    rules = toggleLayer(rules, base, 'conv_pw_12', true, ctx);
    assert.deepEqual(rules, { upTo: 'conv_pw_10' });
    rules = toggleLayer(rules, base, 'conv1', true, ctx);
    assert.deepEqual(rules, { upTo: 'conv_pw_10', trainable: ['conv1'] });
    assert.throws(() => toggleLayer(rules, base, 'conv_preds', true, ctx), /no layer named "conv_preds" at or below the cut/);
  });
});
