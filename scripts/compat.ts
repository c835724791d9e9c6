/**
 * Real-world compatibility suite (`npm run compat`): every model in ../shared/fixtures/real-models
 * (made by other people, most without a licence to copy them here) goes through the whole path —
 * loaded, inspected, adapted with one training step, saved and reloaded — and the DoodleNet .h5
 * must predict the same as its TF.js conversion. Fails on any regression against the expected
 * outcomes below.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../src/core/errors';
import { table } from '../src/core/format/table';
import { resolveRecipe } from '../src/core/recipe/resolve';
import { adaptModel } from '../src/engine/tfjs/adapt';
import { forceBackend } from '../src/engine/tfjs/backend';
import { configureTfjs } from '../src/engine/tfjs/env';
import { summarizeModel } from '../src/engine/tfjs/inspect';
import { loadModel, type LoadedModel } from '../src/engine/tfjs/io/load';
import { saveAdaptedModel } from '../src/engine/tfjs/io/save';
import { batchLoss } from '../src/engine/tfjs/train/losses';

const ROOT = path.resolve(__dirname, '..');
const SHARED = path.resolve(ROOT, '..', 'shared', 'fixtures', 'real-models');

type Step = 'loaded' | 'inspected' | 'adapted+step' | 'saved+reloaded';
const STEPS: Step[] = ['loaded', 'inspected', 'adapted+step', 'saved+reloaded'];

/** What each fixture must do. `refused`: a clear error is the right outcome. */
const EXPECTED: Record<string, { file: string; outcome: 'pass' | 'refused'; refusal?: RegExp }> = {
  'tm-image-nail-biting': { file: 'model.json', outcome: 'pass' },
  'tm-image-ab-hybridthingslab': { file: 'model.json', outcome: 'pass' },
  'layers-mobilenet025-emotion-functional': { file: 'model.json', outcome: 'pass' },
  'layers-doodlenet-sequential': { file: 'model.json', outcome: 'pass' },
  'keras-h5-mini-xception': { file: 'fer2013_mini_XCEPTION.102-0.66.hdf5', outcome: 'pass' },
  'keras-h5-doodlenet': { file: 'doodleNet-model.h5', outcome: 'pass' },
  'keras3-fashion-mnist-cnn': { file: 'model.keras', outcome: 'pass' },
  'graph-emotion': { file: 'model.json', outcome: 'refused', refusal: /graph model: it is inference-only/ },
};

interface Row { name: string; results: Partial<Record<Step, string>>; ok: boolean; note: string }

async function oneTrainingStep(loaded: LoadedModel, file: string): Promise<{ loss: number; changed: boolean; adapted: ReturnType<typeof adaptModel> }> {
  const recipe = resolveRecipe({ model: file }, path.join(os.tmpdir(), 'compat.adapt.json'));
  const adapted = adaptModel(loaded, recipe, { outputs: 3 });
  const shape = adapted.model.inputs[0]!.shape.slice(1) as number[];
  const x = tf.randomUniform([4, ...shape], -1, 1, 'float32', 11);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
  const vars = adapted.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const before = vars.map((v) => v.dataSync().slice());
  const opt = tf.train.adam(1e-2);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => batchLoss('single-label', y, adapted.model.apply(x, { training: true }) as tf.Tensor), vars);
    opt.applyGradients(grads);
    return value.dataSync()[0]!;
  });
  const changed = vars.some((v, i) => v.dataSync().some((a, j) => a !== before[i]![j]));
  tf.dispose([x, y]);
  opt.dispose();
  return { loss, changed, adapted };
}

async function checkModel(name: string): Promise<Row> {
  const spec = EXPECTED[name];
  const row: Row = { name, results: {}, ok: false, note: '' };
  if (!spec) { row.note = 'new fixture: add it to EXPECTED in scripts/compat.ts'; return row; }
  const file = path.join(SHARED, name, spec.file);
  let loaded: LoadedModel;
  try {
    loaded = await loadModel(file);
  } catch (e) {
    const msg = errorMessage(e);
    if (spec.outcome === 'refused' && spec.refusal?.test(msg)) {
      row.results.loaded = 'refused ✓';
      row.ok = true;
      row.note = msg.replace(file, path.basename(file)).slice(0, 90);
    } else row.results.loaded = `✗ ${msg.replace(file, path.basename(file)).slice(0, 100)}`;
    return row;
  }
  if (spec.outcome === 'refused') { row.results.loaded = '✗ loaded but should be refused'; return row; }
  row.results.loaded = `✓ ${loaded.format}`;
  try {
    const s = summarizeModel(loaded);
    if (!(s.totalParams > 0 && s.layers.length > 0)) throw new Error('empty summary');
    row.results.inspected = `✓ ${s.layers.length} layers, ${s.totalParams.toLocaleString('en-US')} params`;
    const step = await oneTrainingStep(loaded, file);
    if (!Number.isFinite(step.loss) || !step.changed) throw new Error(`training step: loss ${step.loss}, weights changed ${step.changed}`);
    row.results['adapted+step'] = `✓ cut ${step.adapted.cut}, loss ${step.loss.toFixed(3)}`;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-')) + '/adapted';
    await saveAdaptedModel(step.adapted.model, out, { labels: ['a', 'b', 'c'], task: 'single-label', inputSize: [0, 0], channels: 0, preprocess: '0,1', recipe: { model: file }, sourceModel: file, sourceSha256: loaded.sha256, cut: step.adapted.cut, frozen: [], createdAt: new Date().toISOString() });
    const back = await tf.loadLayersModel(tf.io.fromMemory(JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).modelTopology, JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).weightsManifest[0].weights, fs.readFileSync(path.join(out, 'weights.bin')).buffer.slice(0) as ArrayBuffer));
    const x = tf.randomUniform([2, ...(step.adapted.model.inputs[0]!.shape.slice(1) as number[])], 0, 1, 'float32', 5);
    const d = tf.max(tf.abs(tf.sub(back.predict(x) as tf.Tensor, step.adapted.model.predict(x) as tf.Tensor))).dataSync()[0]!;
    if (d > 1e-5) throw new Error(`reloaded model predicts differently (max diff ${d})`);
    row.results['saved+reloaded'] = `✓ max diff ${d.toExponential(1)}`;
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    row.ok = true;
  } catch (e) {
    const step = STEPS.find((s) => !row.results[s])!;
    row.results[step] = `✗ ${errorMessage(e).replace(file, path.basename(file)).slice(0, 100)}`;
  }
  return row;
}

async function doodleAgreement(): Promise<{ ok: boolean; text: string }> {
  try {
    const h5 = await loadModel(path.join(SHARED, 'keras-h5-doodlenet', 'doodleNet-model.h5'));
    const layers = await loadModel(path.join(SHARED, 'layers-doodlenet-sequential', 'model.json'));
    // random strokes and noise: 16 inputs in [0, 1]
    const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([16, 28, 28, 1], 0, 1, 'float32', 3), 0.8), 'float32'));
    const d = tf.max(tf.abs(tf.sub(h5.model.predict(x) as tf.Tensor, layers.model.predict(x) as tf.Tensor))).dataSync()[0]!;
    return { ok: d <= 1e-4, text: `DoodleNet .h5 vs layers model: max abs difference ${d.toExponential(2)} over 16 inputs (limit 1e-4)` };
  } catch (e) {
    return { ok: false, text: `DoodleNet agreement: ✗ ${errorMessage(e)}` };
  }
}

async function main(): Promise<number> {
  configureTfjs(() => undefined);
  if (!fs.existsSync(SHARED)) {
    console.error(`compat: ${SHARED} not found (../shared beside the clone)`);
    return 1;
  }
  await forceBackend('wasm');
  const names = fs.readdirSync(SHARED).filter((n) => fs.statSync(path.join(SHARED, n)).isDirectory()).sort();
  const rows: Row[] = [];
  for (const n of names) rows.push(await checkModel(n));
  console.log(table(['model', ...STEPS, 'ok'], rows.map((r) => [r.name, ...STEPS.map((s) => r.results[s] ?? (r.ok ? '' : '–')), r.ok ? 'yes' : 'NO']), ['l', 'l', 'l', 'l', 'l', 'l']));
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
  const agree = await doodleAgreement();
  console.log(`\n${agree.text}`);
  const missing = Object.keys(EXPECTED).filter((k) => !names.includes(k));
  if (missing.length) console.log(`missing fixtures: ${missing.join(', ')}`);
  const failed = rows.filter((r) => !r.ok).length + (agree.ok ? 0 : 1) + missing.length;
  console.log(failed ? `\ncompat: ${failed} regression(s)` : `\ncompat: all ${rows.length} models behave as expected`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
