/**
 * The defaults a first run gets, on a model and data nobody tuned for: a functional MobileNetV2
 * (the Teachable Machine export's ImageNet base) under an old three-Dense classifier, and images
 * of coloured shapes. `init` and nothing else must cut at the backbone's pooled output and reach
 * high validation accuracy; the standardised features fold into the saved model exactly.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { WorkerEvent } from '../../../src/core/protocol/worker';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { adaptModel } from '../../../src/engine/tfjs/adapt';
import { openDataset } from '../../../src/engine/tfjs/data';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { saveAdaptedModel } from '../../../src/engine/tfjs/io/save';
import { precomputeFront } from '../../../src/engine/tfjs/train/front';
import { fitStandardizer, shrunkVariance } from '../../../src/engine/tfjs/train/standardize';
import { runCli } from '../../helpers/cli';
import { ROOT, tempDir } from '../../helpers/fixtures';

const TM = path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json');
const META = { labels: [], task: 'single-label' as const, inputSize: [224, 224] as [number, number], channels: 3, preprocess: '-1,1' as const, recipe: { model: 'x' }, sourceModel: TM, sourceSha256: '', cut: '', frozen: [], createdAt: '', backend: 'wasm', extra: {} };

/** TM's ImageNet MobileNetV2 under GAP → Dense(128) → Dense(64) → Dense(10): a Keras-style model with an old classifier, saved as a layers model. */
async function mobilenetWithOldClassifier(dir: string): Promise<string> {
  const tm = await loadModel(TM);
  const mobilenet = (tm.model.getLayer('sequential_1') as tf.LayersModel).getLayer('model1') as tf.LayersModel;
  const x = tf.input({ shape: [224, 224, 3], name: 'image' });
  let y = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(mobilenet.apply(x)) as tf.SymbolicTensor;
  let seed = 11;
  for (const [name, units, activation] of [['fc1', 128, 'relu'], ['fc2', 64, 'relu'], ['predictions', 10, 'softmax']] as const) {
    y = tf.layers.dense({ name, units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }).apply(y) as tf.SymbolicTensor;
  }
  await saveAdaptedModel(tf.model({ inputs: x, outputs: y }), dir, META);
  tm.model.dispose();
  return path.join(dir, 'model.json');
}

async function shapes(dir: string, perClass: number, seed: number): Promise<void> {
  const { writeShapes } = (await import(path.join(ROOT, 'scripts', 'lib', 'shapes.mjs'))) as { writeShapes(d: string, o: { perClass: number; seed: number }): Promise<void> };
  await writeShapes(dir, { perClass, seed });
}

describe('transfer defaults on a model nobody tuned for', () => {
  it('init + train with every default: the cut at the backbone\'s pooling, ≥ 95% validation accuracy on an easy 4-class task, converged', async function () {
    this.timeout(300000);
    const dir = tempDir('ts-defaults-');
    const model = await mobilenetWithOldClassifier(path.join(dir, 'model'));
    await shapes(path.join(dir, 'data'), 48, 5);
    const init = runCli(['init', '--model', model, '--data', path.join(dir, 'data'), '-o', path.join(dir, 'shapes.adapt.json')], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /cut at "global_average_pooling2d": the output of the convolutional base, 1,280 features; the 3 layers above it \(predictions, fc2, fc1\) were the old classifier/);
    const recipe = JSON.parse(fs.readFileSync(path.join(dir, 'shapes.adapt.json'), 'utf8'));
    assert.equal(recipe.cut, 'global_average_pooling2d');
    assert.deepEqual(Object.keys(recipe.training), ['seed'], 'init leaves every training setting to the defaults');
    const r = runCli(['train', path.join(dir, 'shapes.adapt.json'), '--json'], { cwd: dir, env: { TRANSFER_STUDIO_CACHE: path.join(dir, 'cache') } });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as WorkerEvent);
    const end = events.find((e): e is Extract<WorkerEvent, { type: 'phaseEnd' }> => e.type === 'phaseEnd')!;
    const epochs = events.filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> => e.type === 'epochEnd');
    const kept = epochs[end.keptEpoch - 1]!;
    assert.ok(kept.logs.val_accuracy! >= 0.95, `validation accuracy of the kept epoch ${kept.logs.val_accuracy}`);
    assert.equal(end.reason, 'converged', end.message);
    assert.ok(epochs.length > 10, `trained to convergence, not a 10-epoch cap (${epochs.length} epochs)`);
    assert.ok(events.some((e) => e.type === 'log' && /features standardised/.test(e.message)));
  });

  it('standardised features: training-split statistics (shrunk variance), folded into the saved model, which predicts what the run\'s cached path predicts', async function () {
    this.timeout(120000);
    const dir = tempDir('ts-std-');
    await shapes(path.join(dir, 'data'), 10, 9);
    const file = path.join(dir, 's.adapt.json');
    const recipe = resolveRecipe({ model: TM, data: { train: './data', validationSplit: 0.3 }, output: './out' }, file);
    const loaded = await loadModel(TM);
    const adapted = adaptModel(loaded, recipe, { outputs: 4 });
    assert.ok(adapted.standardizer, 'on by default');
    const ds = await openDataset({ train: recipe.data!.train, validationSplit: 0.3, task: 'single-label', seed: 42, maxSkipped: 0, image: { height: 224, width: 224, channels: 3, preprocess: '-1,1' } });
    const pixels = async (examples: typeof ds.train): Promise<tf.Tensor4D> => {
      const per = 224 * 224 * 3;
      const buf = new Float32Array(examples.length * per);
      await Promise.all(examples.map((e, i) => ds.loadInto(e, buf, i * per)));
      return tf.tensor4d(buf, [examples.length, 224, 224, 3]);
    };
    // the features of every example, as the fast path caches them
    const store = new Map<string, Float32Array>();
    for (const set of [ds.train, ds.validation]) {
      const f = adapted.base.predict(await pixels(set)) as tf.Tensor;
      const v = f.dataSync() as Float32Array;
      set.forEach((e, i) => store.set(e.file, v.slice(i * 1280, (i + 1) * 1280)));
      f.dispose();
    }
    const source = { size: 1280, get: (f: string) => store.get(f)! };
    await fitStandardizer(adapted, ds.train, { store: source }, 8);
    // the statistics are the training split's, computed here independently
    const train = ds.train.map((e) => store.get(e.file)!);
    const mean = new Float32Array(1280).map((_, j) => train.reduce((a, f) => a + f[j]!, 0) / train.length);
    const variance = new Float32Array(1280).map((_, j) => train.reduce((a, f) => a + (f[j]! - mean[j]!) ** 2, 0) / train.length);
    const [, , movingMean, movingVar] = adapted.standardizer!.getWeights().map((w) => w.dataSync());
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };
    assert.ok(maxDiff(movingMean!, mean) < 1e-5, 'mean of the training split');
    assert.ok(maxDiff(movingVar!, shrunkVariance(variance)) < 1e-4, 'variance of the training split, shrunk');
    const valOnly = ds.validation.map((e) => store.get(e.file)!);
    const valMean = new Float32Array(1280).map((_, j) => valOnly.reduce((a, f) => a + f[j]!, 0) / valOnly.length);
    assert.ok(maxDiff(movingMean!, valMean) > 1e-3, 'not the validation split\'s');
    // in process, the fast path: the head's frozen front once, then its tail; saved: the full model
    const front = (await precomputeFront(adapted.head, adapted.featureShape, source, ds.validation, 8))!;
    const xs = new Float32Array(ds.validation.length * front.features.size);
    ds.validation.forEach((e, i) => xs.set(front.features.get(e.file), i * front.features.size));
    const inProcess = front.tail.predict(tf.tensor2d(xs, [ds.validation.length, front.features.size])) as tf.Tensor;
    await saveAdaptedModel(adapted.model, path.join(dir, 'out'), { ...META, labels: ds.labels });
    const saved = await loadModel(path.join(dir, 'out', 'model.json'));
    const fromSaved = saved.model.predict(await pixels(ds.validation)) as tf.Tensor;
    const d = maxDiff(inProcess.dataSync(), fromSaved.dataSync());
    assert.ok(d <= 1e-5, `saved model vs the run's cached path: max abs difference ${d}`);
    tf.dispose([inProcess, fromSaved]);
    saved.model.dispose();
    loaded.model.dispose();
  });
});
