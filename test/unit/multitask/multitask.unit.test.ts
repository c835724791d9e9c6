/**
 * Multi-task heads ("heads"): the header CSV and its encoding, the recipe's rules, the masked
 * multi-head loss, the verdicts — and real runs through the built worker on Fashion-MNIST images
 * with three heads from one CSV (item: 10 classes, group: 4 coarser classes, coverage: the ink
 * share measured from the pixels, missing on every 4th training row).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeRow, layoutFromTable, readMultiTaskCsv } from '../../../src/core/multitask/csv';
import { outputNames, withTargetScales } from '../../../src/core/multitask/layout';
import { multiTaskReport, verdictOf } from '../../../src/core/multitask/report';
import type { EvaluationReport } from '../../../src/core/protocol/reports';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { validateRecipe } from '../../../src/core/recipe/validate';
import { multiTaskObjective } from '../../../src/engine/tfjs/train/objective';
import { evaluateSavedModel, predictFiles } from '../../../src/engine/tfjs/predict';
import { EMOTION_DIR, ofType, train } from '../../helpers/runs';
import { ROOT, tempDir } from '../../helpers/fixtures';
import { GROUPS, inkCoverage, writeMultiTaskCsv } from '../helpers/multiTaskData';

const HEADS = [
  { name: 'item', task: 'single-label' as const },
  { name: 'group', task: 'single-label' as const },
  { name: 'coverage', task: 'regression' as const },
];

function csvFile(text: string): string {
  const dir = tempDir('ts-mt-csv-');
  const file = path.join(dir, 'labels.csv');
  fs.writeFileSync(file, text);
  for (const line of text.split('\n').slice(1)) { const p = line.split(',')[0]; if (p) fs.writeFileSync(path.join(dir, p), ''); }
  return file;
}

describe('multi-task CSV and layout', () => {
  it('reads the header, sorts each head\'s labels, lays the heads side by side and encodes a row (NaN: no label for that head; "|": none of a multi-label head\'s labels)', () => {
    const file = csvFile('path,shape,tags,size\na.png,square,red|big,2.5\nb.png,circle,,\nc.png,square,|,4\n');
    const specs = [{ name: 'shape', task: 'single-label' as const }, { name: 'tags', task: 'multi-label' as const }, { name: 'size', task: 'regression' as const }];
    const table = readMultiTaskCsv(file, specs);
    const layout = layoutFromTable(specs, table);
    assert.deepEqual(layout.heads.map((h) => [h.name, h.offset, h.units, h.labels]), [['shape', 0, 2, ['circle', 'square']], ['tags', 2, 2, ['big', 'red']], ['size', 4, 1, ['size']]]);
    assert.equal(layout.width, 5);
    assert.deepEqual(outputNames(layout), ['shape:circle', 'shape:square', 'tags:big', 'tags:red', 'size:size']);
    assert.deepEqual(Array.from(encodeRow(layout, table.rows[0]!, file)), [0, 1, 1, 1, 2.5]);
    assert.deepEqual(Array.from(encodeRow(layout, table.rows[1]!, file)), [1, 0, NaN, NaN, NaN]);
    assert.deepEqual(Array.from(encodeRow(layout, table.rows[2]!, file)), [0, 1, 0, 0, 4]);
    // regression scales: the sample standard deviation of the labelled rows (2.5 and 4)
    const scaled = withTargetScales(layout, [0, 2].map((i) => ({ values: encodeRow(layout, table.rows[i]!, file) })));
    assert.ok(Math.abs(scaled.heads[2]!.scale![0]! - Math.SQRT2 * 0.75) < 1e-9);
  });

  it('bad files are errors that name the CSV, the line and the column', () => {
    const noHeader = csvFile('a.png,square\n');
    assert.throws(() => readMultiTaskCsv(noHeader, [{ name: 'shape' }]), (e: Error & { file?: string }) => /line 1: a multi-task CSV starts with a header row/.test(e.message) && e.file === noHeader);
    const noColumn = csvFile('path,shape\na.png,square\n');
    assert.throws(() => readMultiTaskCsv(noColumn, [{ name: 'colour' }]), /the head "colour" reads the column "colour", which the header does not have \(columns: shape\)/);
    const bad = csvFile('path,size\na.png,2\nb.png,big\n');
    const spec = [{ name: 'size', task: 'regression' as const }];
    const t = readMultiTaskCsv(bad, spec);
    const layout = layoutFromTable(spec, t);
    assert.throws(() => encodeRow(layout, t.rows[1]!, bad), /line 3, column "size" \(head "size"\): a regression target must be a number, got "big"/);
    const oneClass = csvFile('path,shape\na.png,square\nb.png,square\n');
    assert.throws(() => layoutFromTable([{ name: 'shape', task: 'single-label' }], readMultiTaskCsv(oneClass, [{ name: 'shape' }])), /needs at least 2 classes in the column "shape"; it has only "square"/);
    const other = csvFile('path,shape\nc.png,star\n');
    const known = layoutFromTable([{ name: 'shape', task: 'single-label' }], readMultiTaskCsv(csvFile('path,shape\na.png,square\nb.png,circle\n'), [{ name: 'shape' }]));
    assert.throws(() => encodeRow(known, readMultiTaskCsv(other, [{ name: 'shape' }]).rows[0]!, other), /line 2, column "shape" \(head "shape"\): "star" is not one of the head's labels \(circle, square\)/);
  });

  it('the recipe\'s rules: each head its own task, unique names, one CSV, the TF.js engine; single-task baselines by default with two heads or more', () => {
    const base = { model: './m/model.json', heads: HEADS, data: { train: './labels.csv' } };
    assert.equal(validateRecipe(base).ok, true);
    const problem = (r: unknown) => { const v = validateRecipe(r); return v.ok ? undefined : v.problems[0]; };
    assert.deepEqual(problem({ ...base, task: 'single-label' }), { path: '/task', message: 'with "heads", each head names its own task: remove "task"' });
    assert.equal(problem({ ...base, heads: [HEADS[0], HEADS[0]] })?.path, '/heads/1/name');
    assert.match(problem({ ...base, data: { train: './images' } })!.message, /must be a \.csv/);
    assert.equal(problem({ ...base, engine: { name: 'pytorch' } })?.path, '/heads');
    assert.equal(problem({ ...base, training: { baseline: 'scratch' } })?.path, '/training/baseline');
    assert.equal(problem({ model: './m/model.json', training: { baseline: 'single-task' } })?.path, '/training/baseline');
    assert.equal(problem({ ...base, heads: [{ name: '2nd', task: 'regression' }] })?.path, '/heads/0/name');
    assert.equal(resolveRecipe(base as never, '/p/r.adapt.json').training.baseline, 'single-task');
    assert.equal(resolveRecipe({ ...base, heads: [HEADS[0]!] } as never, '/p/r.adapt.json').training.baseline, 'none');
  });
});

describe('the multi-task loss', () => {
  const layout = withTargetScales(layoutFromTable([{ name: 'a', task: 'single-label' }, { name: 'r', task: 'regression', lossWeight: 2 }], readMultiTaskCsv(csvFile('path,a,r\nx.png,p,1\ny.png,q,3\n'), [{ name: 'a' }, { name: 'r' }])), [{ values: [1, 0, 1] }, { values: [0, 1, 3] }]);

  it('sums each head\'s mean loss over the examples that have its label, times its weight; the regression loss is in units of the targets\' spread', () => {
    const y = tf.tensor2d([[1, 0, 1], [0, 1, NaN], [0, 1, 3]]);
    const p = tf.tensor2d([[0.8, 0.2, 2], [0.3, 0.7, 100], [0.4, 0.6, 3]]);
    const o = multiTaskObjective(layout);
    const ce = (-Math.log(0.8) - Math.log(0.7) - Math.log(0.6)) / 3;
    const sd = Math.SQRT2; // of 1 and 3
    const mse = (((2 - 1) / sd) ** 2 + 0) / 2; // the NaN row left out
    assert.ok(Math.abs(o.loss(y, p).dataSync()[0]! - (ce + 2 * mse)) < 1e-5);
    // figures: sums (a_loss, a_accuracy, r_loss, r_mae) then counts
    const f = Array.from(o.figures(y, p).dataSync());
    assert.ok(Math.abs(f[0]! - 3 * ce) < 1e-5);
    assert.deepEqual([f[1], f[3], ...f.slice(4)], [3, 1, 3, 3, 2, 2]);
    assert.deepEqual(o.names, ['a_loss', 'a_accuracy', 'r_loss', 'r_mae']);
    // a training step takes both from one pass: the same numbers
    const [l2, f2] = o.lossAndFigures!(y, p);
    assert.equal(l2.dataSync()[0], o.loss(y, p).dataSync()[0]);
    assert.deepEqual(Array.from(f2.dataSync()), f);
  });

  it('a missing label never reaches the gradients (a NaN there would poison them), and a head weighed 0 gets none', () => {
    const w = tf.variable(tf.tensor2d([[0.5, -0.5, 0.1]]));
    const x = tf.tensor2d([[1], [2]]);
    const y = tf.tensor2d([[1, 0, NaN], [0, 1, NaN]]);
    const g = tf.variableGrads(() => multiTaskObjective(layout).loss(y, tf.concat([tf.softmax(tf.slice(tf.matMul(x, w), [0, 0], [-1, 2])), tf.slice(tf.matMul(x, w), [0, 2], [-1, 1])], -1)), [w]);
    const grad = Array.from(g.grads[w.name]!.dataSync());
    assert.ok(grad.every(Number.isFinite), grad.join(', '));
    assert.equal(grad[2], 0); // the regression output: no labelled example
    const alone = tf.variableGrads(() => multiTaskObjective(layout, [0, 1]).loss(tf.tensor2d([[1, 0, 1]]), tf.matMul(tf.tensor2d([[1]]), w)), [w]);
    assert.deepEqual(Array.from(alone.grads[w.name]!.dataSync()).slice(0, 2), [0, 0]);
  });

  it('verdicts: within a point of accuracy (1 % of an error) is a tie; worse is named negative transfer', () => {
    assert.equal(verdictOf(0.80, 0.795, true), 'tie');
    assert.equal(verdictOf(0.80, 0.75, true), 'better');
    assert.equal(verdictOf(0.10, 0.1005, false), 'tie');
    assert.equal(verdictOf(0.12, 0.10, false), 'worse');
    const r = (accuracy: number): EvaluationReport => ({ task: 'single-label', split: 'test', examples: 10, loss: 1, labels: ['p', 'q'], accuracy });
    const m = multiTaskReport(layout, [r(0.6), { task: 'regression', split: 'test', examples: 10, loss: 1, labels: ['r'], mae: 0.2 }], 'test', [r(0.7), { task: 'regression', split: 'test', examples: 10, loss: 1, labels: ['r'], mae: 0.25 }]);
    assert.deepEqual(m.heads.map((h) => h.verdict), ['worse', 'better']);
    assert.match(m.notes[0]!, /^negative transfer: the head "a" does worse for sharing \(accuracy 60\.0% with the other heads, 70\.0% trained alone\)/);
    assert.match(m.notes[1]!, /^the head "r" gains from sharing \(MAE 0\.200 with the other heads, 0\.250 trained alone\)/);
  });
});

describe('multi-task runs (three heads from one CSV, through the built worker)', function () {
  this.timeout(600_000);
  let dir: string;
  let trainCsv: string;
  let testCsv: string;
  before(async () => {
    dir = tempDir('ts-mt-run-');
    fs.cpSync(EMOTION_DIR, path.join(dir, 'model'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples', 'fashion-mini'), path.join(dir, 'data'), { recursive: true });
    trainCsv = await writeMultiTaskCsv(dir, path.join(dir, 'data', 'train'), 'train', { coverageMissingEvery: 4 });
    testCsv = await writeMultiTaskCsv(dir, path.join(dir, 'data', 'test'), 'test');
  });

  it('trains the heads together, reports each head\'s loss and metric per epoch, compares each with itself trained alone and says where sharing hurt; the saved model has an output per head and reproduces the report', async () => {
    const file = path.join(dir, 'mt.adapt.json');
    fs.writeFileSync(file, JSON.stringify({ model: './model/model.json', heads: HEADS, data: { train: './train.csv', test: './test.csv', validationSplit: 0.25 }, training: { seed: 7 }, output: './out' }, null, 2));
    const { events } = await train(file, { runDir: path.join(dir, 'run') });
    const err = ofType(events, 'error')[0];
    assert.equal(err, undefined, err?.error.message);
    const started = ofType(events, 'started')[0]!;
    assert.deepEqual(started.heads?.map((h) => [h.name, h.task, h.metric, h.labels.length]), [['item', 'single-label', 'accuracy', 10], ['group', 'single-label', 'accuracy', 4], ['coverage', 'regression', 'mae', 1]]);
    const dataset = ofType(events, 'dataset')[0]!.report;
    const cov = dataset.heads!.find((h) => h.name === 'coverage')!;
    assert.equal(cov.labelled.test, 60);
    assert.ok(cov.labelled.train + cov.labelled.validation === 90, JSON.stringify(cov.labelled)); // 120 rows, every 4th without coverage
    const epochs = ofType(events, 'epochEnd');
    for (const k of ['loss', 'item_loss', 'item_accuracy', 'group_loss', 'group_accuracy', 'coverage_loss', 'coverage_mae', 'val_loss', 'val_item_accuracy', 'val_group_accuracy', 'val_coverage_mae']) {
      assert.ok(epochs.every((e) => typeof e.logs[k] === 'number'), `every epoch logs ${k}`);
    }
    // the dashboard's curves are the run's: the baselines' epochs arrive as progress only
    assert.ok(epochs.every((e) => e.phase === 'head'));
    assert.ok(ofType(events, 'progress').some((p) => p.phase === 'baseline' && /^baseline 3\/3: "coverage" alone, epoch \d+: /.test(p.message)));

    const ev = ofType(events, 'evaluation')[0]!;
    const m = ev.multiTask!;
    assert.equal(m.split, 'test');
    assert.deepEqual(m.heads.map((h) => h.name), ['item', 'group', 'coverage']);
    // every head learnt: well above chance (item 10 %, group's majority class 50 %), coverage better than predicting the mean
    const [item, group, coverage] = m.heads;
    const trainRows = fs.readFileSync(trainCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[3]).filter((c) => c !== '').map(Number);
    const mean = trainRows.reduce((a, b) => a + b, 0) / trainRows.length;
    const testRows = fs.readFileSync(testCsv, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[3]));
    const meanMae = testRows.reduce((a, v) => a + Math.abs(v - mean), 0) / testRows.length;
    console.log(`      item ${item!.value.toFixed(3)} (alone ${item!.singleValue!.toFixed(3)}, ${item!.verdict}), group ${group!.value.toFixed(3)} (alone ${group!.singleValue!.toFixed(3)}, ${group!.verdict}), coverage MAE ${coverage!.value.toFixed(4)} (alone ${coverage!.singleValue!.toFixed(4)}, ${coverage!.verdict}; the mean predicts with ${meanMae.toFixed(4)})`);
    assert.ok(item!.value >= 0.25, `item accuracy ${item!.value}`);
    assert.ok(group!.value >= 0.6, `group accuracy ${group!.value}`);
    assert.ok(coverage!.value < meanMae, `coverage MAE ${coverage!.value} vs ${meanMae} for the mean`);
    // each head is compared with itself trained alone, and the verdict is what the numbers say; a worse head is negative transfer, in the warnings
    for (const h of m.heads) {
      assert.equal(typeof h.singleValue, 'number');
      assert.equal(h.verdict, verdictOf(h.value, h.singleValue!, h.higherIsBetter));
      const note = m.notes.find((n) => n.includes(`"${h.name}"`))!;
      assert.equal(note.startsWith('negative transfer'), h.verdict === 'worse', note);
      assert.equal(ev.warnings.includes(note), h.verdict === 'worse');
    }
    assert.deepEqual(ev.report, item!.report);

    // the saved model: one output per head, the heads in metadata.json, evaluation.json with the comparison
    const out = path.join(dir, 'out');
    const topology = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')) as { modelTopology: { config: { output_layers: unknown[][] } } };
    assert.deepEqual(topology.modelTopology.config.output_layers.map((o) => o[0]), ['item', 'group', 'coverage']);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as { labels: string[]; transferStudio: { heads: { name: string; labels: string[] }[] } };
    assert.deepEqual(meta.labels, item!.report.labels);
    assert.deepEqual(meta.transferStudio.heads.map((h) => h.labels), [item!.report.labels, ['bags', 'bottoms', 'footwear', 'tops'], ['coverage']]);
    assert.deepEqual((JSON.parse(fs.readFileSync(path.join(out, 'evaluation.json'), 'utf8')) as { multiTask: unknown }).multiTask, m);
    // evaluating the saved model on the test CSV gives the run's numbers; predict gives every head
    const again = await evaluateSavedModel(path.join(out, 'model.json'), testCsv);
    again.multiTask!.heads.forEach((h, i) => assert.ok(Math.abs(h.value - m.heads[i]!.value) < 1e-6, `${h.name}: ${h.value} vs ${m.heads[i]!.value}`));
    const sneaker = path.join(dir, 'data', 'test', 'sneaker', fs.readdirSync(path.join(dir, 'data', 'test', 'sneaker'))[0]!);
    const [pred] = await predictFiles(path.join(out, 'model.json'), [sneaker]);
    assert.deepEqual(pred!.heads!.map((h) => h.name), ['item', 'group', 'coverage']);
    assert.equal(pred!.heads![1]!.top[0]!.label, GROUPS.sneaker);
    assert.equal(pred!.heads![2]!.values!.length, 1);
    assert.ok(Math.abs(pred!.heads![2]!.values![0]! - (await inkCoverage(sneaker))) < 0.25);
  });

  it('a CSV row that does not fit a head is an error naming the CSV, the line and the column, and nothing is saved', async () => {
    const bad = path.join(dir, 'bad.csv');
    const lines = fs.readFileSync(trainCsv, 'utf8').split('\n');
    lines[5] = lines[5]!.replace(/,[\d.]*$/, ',lots');
    fs.writeFileSync(bad, lines.join('\n'));
    const file = path.join(dir, 'bad.adapt.json');
    fs.writeFileSync(file, JSON.stringify({ model: './model/model.json', heads: HEADS, data: { train: './bad.csv' }, output: './out-bad' }));
    const { events } = await train(file, { runDir: path.join(dir, 'run-bad') });
    const err = ofType(events, 'error')[0]!;
    assert.equal(err.error.user, true);
    assert.equal(err.error.file, bad);
    assert.match(err.error.message, /^line 6, column "coverage" \(head "coverage"\): a regression target must be a number, got "lots"/);
    assert.equal(fs.existsSync(path.join(dir, 'out-bad')), false);
  });
});
