/**
 * The probe of candidate cuts: its pieces (articulation points, the ridge probe, the recipe edit)
 * on hand-made cases, and whole probes on the bundled Teachable Machine model with real images —
 * including a model whose top destroys information, where the probe must show negative transfer.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { LayerSummary } from '../../../src/core/modelSummary';
import { articulationPoints, planProbe } from '../../../src/core/probe/candidates';
import { cholesky, ridgeProbe, standardize, type ProbeData } from '../../../src/core/probe/ridge';
import { cutChanges } from '../../../src/core/recipe/cutEdits';
import { rng } from '../../../src/core/random';
import { summarizeModel } from '../../../src/engine/tfjs/inspect';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { saveAdaptedModel } from '../../../src/engine/tfjs/io/save';
import { probeCuts } from '../../../src/engine/tfjs/probe';
import { readRecipe } from '../../../src/engine/tfjs/recipe';
import { ROOT, tempDir } from '../../helpers/fixtures';

const L = (name: string, className: string, inbound: string[] = []): LayerSummary => ({ name, className, inbound, outputShape: [null, 4], trainableParams: 0, nonTrainableParams: 0, trainable: true });
const TM = path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json');
const FASHION = path.join(ROOT, 'examples', 'fashion-mini');

/** A project with four Fashion-MNIST classes (train and test images together, 18 per class) and a recipe on `model`. */
function project(model: string): string {
  const dir = tempDir('ts-probe-');
  for (const c of ['bag', 'sneaker', 'trouser', 'dress']) {
    for (const split of ['train', 'test']) fs.cpSync(path.join(FASHION, split, c), path.join(dir, 'data', c), { recursive: true });
  }
  const file = path.join(dir, 'p.adapt.json');
  fs.writeFileSync(file, JSON.stringify({ model, data: { train: './data', validationSplit: 0.3, imageSize: [96, 96] }, training: { seed: 3 } }, null, 2));
  return file;
}

describe('probe: candidate cuts', () => {
  it('articulation points: a residual block\'s inside is never one, its merge is', () => {
    const layers = [L('in', 'InputLayer'), L('a', 'Conv2D', ['in']), L('b', 'ReLU', ['a']), L('c', 'Conv2D', ['b']), L('d', 'BatchNormalization', ['c']), L('add', 'Add', ['d', 'b']), L('e', 'ReLU', ['add']), L('gap', 'GlobalAveragePooling2D', ['e'])];
    assert.deepEqual(articulationPoints(layers).map((l) => l.name), ['a', 'b', 'add', 'e', 'gap']);
    const plan = planProbe(layers, 'gap')!;
    // the Add is followed by its activation: the activation is the block output
    assert.deepEqual(plan.candidates.map((c) => c.cut), ['b', 'e', 'gap']);
  });

  it('the bundled Teachable Machine model: candidates inside its nested MobileNet, the default cut last', async () => {
    const loaded = await loadModel(TM);
    const plan = planProbe(summarizeModel(loaded).layers, 'global_average_pooling2d_GlobalAveragePooling2D1')!;
    loaded.model.dispose();
    assert.deepEqual(plan.groups.map((g) => g.host), [['sequential_1', 'model1']], 'one pass: the pooling after the MobileNet reads its last output, pooled');
    assert.equal(plan.candidates.length, 12);
    assert.deepEqual(plan.candidates.at(-1), { cut: 'global_average_pooling2d_GlobalAveragePooling2D1', read: 'out_relu', depth: plan.candidates.at(-1)!.depth, className: 'GlobalAveragePooling2D' });
    const depths = plan.candidates.map((c) => c.depth);
    assert.deepEqual(depths, [...depths].sort((a, b) => a - b), 'ordered from the input side');
  });

  it('ridge probe: separable classes score 1, noise scores near chance; standardisation uses the training statistics only', () => {
    const random = rng(1);
    const make = (n: number, signal: number, shift = 0): ProbeData => {
      const d = 20;
      const k = 3;
      const x = new Float32Array(n * d);
      const y = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const c = i % k;
        y[i * k + c] = 1;
        for (let j = 0; j < d; j++) x[i * d + j] = shift + (random() - 0.5) + (j === c ? signal : 0);
      }
      return { x, n, d, y, k };
    };
    const train = make(60, 3);
    const val = make(30, 3, 5); // a shifted validation set keeps its shift after standardisation
    standardize(train, val);
    const mean = (s: ProbeData, j: number): number => { let m = 0; for (let i = 0; i < s.n; i++) m += s.x[i * s.d + j]!; return m / s.n; };
    assert.ok(Math.abs(mean(train, 5)) < 1e-5);
    assert.ok(mean(val, 5) > 5, 'validation standardised with the training mean and std');
    const sepTrain = make(60, 3);
    const sepVal = make(30, 3);
    standardize(sepTrain, sepVal);
    const separable = ridgeProbe('single-label', sepTrain, sepVal);
    assert.deepEqual([separable.train, separable.metric], [1, 1]);
    const noiseTrain = make(60, 0);
    const noiseVal = make(60, 0);
    standardize(noiseTrain, noiseVal);
    assert.ok(ridgeProbe('single-label', noiseTrain, noiseVal).metric < 0.6, 'no signal, no accuracy');
  });

  it('cholesky factors a symmetric positive-definite matrix', () => {
    const a = new Float64Array([4, 2, 2, 3]);
    const l = cholesky(new Float64Array(a), 2);
    assert.ok(Math.abs(l[0]! - 2) < 1e-12 && Math.abs(l[2]! - 1) < 1e-12 && Math.abs(l[3]! - Math.SQRT2) < 1e-12);
    assert.throws(() => cholesky(new Float64Array([1, 2, 2, 1]), 2), /not positive definite/);
  });

  it('moving the cut fixes the head: a feature map gets pooling in front, a vector loses it', () => {
    const head = [{ type: 'Dropout' as const, rate: 0.2 }, { type: 'Dense' as const }];
    assert.deepEqual(cutChanges({ head }, 'block_12_add', true), [{ path: ['cut'], value: 'block_12_add' }, { path: ['head'], value: [{ type: 'GlobalAveragePooling2D' }, ...head] }]);
    assert.deepEqual(cutChanges({ head: [{ type: 'GlobalAveragePooling2D' }, ...head] }, 'gap', false), [{ path: ['cut'], value: 'gap' }, { path: ['head'], value: head }]);
    assert.deepEqual(cutChanges(undefined, 'x', true), [{ path: ['cut'], value: 'x' }]);
  });
});

describe('probe: whole runs on real images', () => {
  it('scores every candidate of the Teachable Machine base on the data; the best is one of them', async function () {
    this.timeout(120000);
    const report = await probeCuts(readRecipe(project(TM)));
    assert.equal(report.rows.length, 12);
    assert.equal(report.defaultCut, 'global_average_pooling2d_GlobalAveragePooling2D1');
    assert.ok(report.rows.some((r) => r.cut === report.best));
    for (const r of report.rows) assert.ok(r.value >= 0 && r.value <= 1 && r.features > 0, JSON.stringify(r));
    assert.equal(report.images.train + report.images.validation, 72);
    // the pre-trained backbone transfers: its pooled output separates four clothing classes far above chance
    assert.ok(report.rows.at(-1)!.value >= 0.75, `backbone output scores ${report.rows.at(-1)!.value}`);
    assert.deepEqual(report.rows.find((r) => r.cut === 'block_12_add')?.spatial, true);
  });

  it('shows negative transfer: a top that squeezes the features through two random channels scores below a shallower cut', async function () {
    this.timeout(120000);
    const tm = await loadModel(TM);
    const mobilenet = (tm.model.getLayer('sequential_1') as tf.LayersModel).getLayer('model1') as tf.LayersModel;
    const x = tf.input({ shape: [224, 224, 3] });
    let y = mobilenet.apply(x) as tf.SymbolicTensor;
    y = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'old_task_bottleneck', kernelInitializer: tf.initializers.randomNormal({ seed: 5 }) }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ units: 3, activation: 'softmax', name: 'old_classifier' }).apply(y) as tf.SymbolicTensor;
    const dir = tempDir('ts-neg-');
    const meta = { labels: ['a', 'b', 'c'], task: 'single-label' as const, inputSize: [224, 224] as [number, number], channels: 3, preprocess: '-1,1' as const, recipe: { model: 'x' }, sourceModel: TM, sourceSha256: '', cut: 'pool', frozen: [], createdAt: '', backend: 'wasm', extra: {} };
    await saveAdaptedModel(tf.model({ inputs: x, outputs: y }), path.join(dir, 'model'), meta);
    tm.model.dispose();
    const report = await probeCuts(readRecipe(project(path.join(dir, 'model', 'model.json'))));
    assert.equal(report.defaultCut, 'pool');
    const last = report.rows.at(-1)!;
    assert.equal(last.cut, 'pool');
    assert.notEqual(report.best, 'pool');
    const best = report.rows.find((r) => r.cut === report.best)!;
    assert.ok(best.value > last.value, `${best.cut} ${best.value} vs pool ${last.value}`);
    assert.ok(report.notes.some((n) => /^negative transfer at the top: "/.test(n)), report.notes.join('; '));
  });
});
