/**
 * The detection recipe in core: the schema takes "task": "detection" with its settings, the rules
 * the schema alone cannot see are problems with JSON pointers, core picks the head from the data
 * (one box per image → the localiser), the default cut is a feature map, and early stopping
 * watches val_mAP50, higher being better.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { coarseGridWarning, defaultDetectionCut, resolveDetection } from '../../../src/core/recipe/detection';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { parseRecipeText } from '../../../src/core/recipe/validate';
import { metricMode, reportedMetrics, resolveMonitor } from '../../../src/core/training/monitor';
import { phaseBudgets } from '../../../src/core/training/budget';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { EMOTION_DIR } from '../../helpers/runs';

const problems = (recipe: Record<string, unknown>): string[] => {
  const r = parseRecipeText(JSON.stringify({ model: './m/model.json', task: 'detection', data: { train: './boxes.json' }, ...recipe }));
  return r.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('detection recipes in core', () => {
  it('validates: a detection recipe with its settings is fine; its own rules are problems with a pointer', () => {
    assert.deepEqual(problems({ detection: { head: 'grid', anchors: 3, scoreThreshold: 0.4 }, data: { train: './b.json', images: './imgs' } }), []);
    assert.match(problems({ head: [{ type: 'Dense' }] })[0]!, /^\/head: a detection recipe builds its own head/);
    assert.match(problems({ data: { train: './b.json', augment: { flip: true } } })[0]!, /^\/data\/augment: augmentation is not available for detection/);
    assert.match(problems({ engine: { name: 'pytorch' } })[0]!, /^\/task: detection trains on the TF.js engine/);
    assert.match(problems({ training: { fineTune: { epochs: 2, unfreeze: 3 } } })[0]!, /^\/training\/fineTune:/);
    assert.match(problems({ freeze: { allButLast: 2 } })[0]!, /^\/freeze:/);
    assert.match(problems({ task: 'single-label', detection: { head: 'grid' } })[0]!, /^\/detection: "detection" settings need "task": "detection"/);
    assert.match(problems({ task: 'single-label', data: { train: './x', images: './y' } })[0]!, /^\/data\/images:/);
    assert.match(problems({ detection: { anchors: 0 } })[0]!, /^\/detection\/anchors:/);
    assert.deepEqual(problems({ detection: { boxLoss: 'giou' } }), []);
    assert.match(problems({ detection: { boxLoss: 'iou' } })[0]!, /^\/detection\/boxLoss:/);
    // a classification metric is not one a detection run reports
    assert.match(problems({ training: { earlyStopping: { monitor: 'val_accuracy' } } })[0]!, /val_accuracy.*val_mAP50/);
  });

  it('early stopping watches val_mAP50 by default, higher being better; without validation data, the loss', () => {
    assert.equal(metricMode('val_mAP50'), 'max');
    assert.equal(metricMode('val_mAP'), 'max');
    assert.equal(metricMode('val_loss'), 'min');
    assert.deepEqual(reportedMetrics('detection', true), ['loss', 'val_loss', 'val_mAP50', 'val_mAP']);
    const m = resolveMonitor({ earlyStopping: 'default' }, 'detection', true);
    assert.deepEqual([m.metric, m.mode, m.restoreBest], ['val_mAP50', 'max', true]);
    assert.equal(resolveMonitor({ earlyStopping: 'default' }, 'detection', false).metric, 'loss');
    const r = resolveRecipe({ model: './m/model.json', task: 'detection', data: { train: './b.json' } }, '/w/r.adapt.json');
    const [head] = phaseBudgets(r.training, { task: 'detection', hasValidation: true, cached: true });
    assert.deepEqual([head!.monitor.metric, head!.schedule.type], ['val_mAP50', 'plateau']);
  });

  it('the head follows the data: one box per image → the localiser, more → the grid; anchors never exceed the distinct shapes', () => {
    const r = resolveRecipe({ model: './m/model.json', task: 'detection', data: { train: './b.json', images: './pics' } }, '/w/r.adapt.json');
    const single = resolveDetection(r, { maxBoxesPerImage: 1, distinctSizes: 40 });
    assert.equal(single.head, 'localiser');
    assert.match(single.headReason, /no training image has more than one box/);
    assert.equal(single.images, path.resolve('/w/pics'));
    const many = resolveDetection(r, { maxBoxesPerImage: 4, distinctSizes: 2 });
    assert.deepEqual([many.head, many.anchors], ['grid', 2]);
    const asked = resolveRecipe({ model: './m/model.json', task: 'detection', data: { train: './b.json' }, detection: { anchors: 5 } }, '/w/r.adapt.json');
    assert.throws(() => resolveDetection(asked, { maxBoxesPerImage: 3, distinctSizes: 4 }), (e: Error & { jsonPath?: string }) => /5 anchors need at least 5 different box sizes/.test(e.message) && e.jsonPath === '/detection/anchors');
  });

  it('the default cut is the last feature map under the classifier\'s pooling, not the pooled vector', async () => {
    const loaded = await loadModel(path.join(EMOTION_DIR, 'model.json'));
    const c = defaultDetectionCut(summarizeModel(loaded).layers);
    assert.equal(c?.cut, 'conv_pw_13_relu');
    assert.match(c!.reason, /2×2×256/);
    // …which at the model's own 64² is 2×2 cells: check and the run warn and say what helps
    assert.match(coarseGridWarning(2, 2)!, /only 2×2 cells.*"data\.imageSize".*"cut"/);
    assert.equal(coarseGridWarning(16, 16), undefined);
  });
});
