import * as assert from 'node:assert/strict';
import { evaluationReport, macroF1, transferWarnings } from '../../../src/core/metrics';
import { epochRate, makeSchedule } from '../../../src/core/training/schedule';
import { classWeightVector } from '../../../src/engine/tfjs/train/losses';

const L = ['cat', 'dog', 'fox'];
const s = (file: string, truth: number, output: number[]) => ({ file, classes: [truth], values: [], output });

describe('evaluation metrics', () => {
  const report = evaluationReport('single-label', L, [
    s('a', 0, [0.8, 0.1, 0.1]), s('b', 0, [0.2, 0.7, 0.1]), s('c', 1, [0.1, 0.8, 0.1]), s('d', 1, [0.1, 0.6, 0.3]),
    s('e', 2, [0.3, 0.3, 0.4]), s('f', 2, [0.06, 0.9, 0.04]),
  ], 'test', 0.5);

  it('accuracy, confusion matrix [true][predicted], top-k', () => {
    assert.equal(report.accuracy, 4 / 6);
    assert.deepEqual(report.confusion, [[1, 1, 0], [0, 2, 0], [0, 1, 1]]);
    assert.deepEqual(report.topK, { k: 2, accuracy: 5 / 6 }); // f: fox ranks third
  });
  it('per-class precision, recall, F1 and support', () => {
    const dog = report.perClass!.find((c) => c.label === 'dog')!;
    assert.equal(dog.precision, 2 / 4);
    assert.equal(dog.recall, 1);
    assert.ok(Math.abs(dog.f1 - 2 / 3) < 1e-12);
    assert.equal(dog.support, 2);
    assert.ok(Math.abs(macroF1(report)! - (2 / 3 + 2 / 3 + 2 / 3) / 3) < 1e-12);
  });
  it('the worst mistakes: most confident first, with file, truth, prediction', () => {
    assert.deepEqual(report.worst!.map((w) => [w.file, w.trueLabel, w.predicted]), [['f', 'fox', 'dog'], ['b', 'cat', 'dog']]);
    assert.equal(report.worst![0]!.confidence, 0.9);
  });
  it('regression: MAE and RMSE', () => {
    const r = evaluationReport('regression', ['y'], [{ file: 'a', classes: [], values: [1], output: [2] }, { file: 'b', classes: [], values: [3], output: [0] }], 'test', null);
    assert.equal(r.mae, 2);
    assert.equal(r.rmse, Math.sqrt(5));
  });
  it('multi-label: label accuracy, exact match, per-label scores at 0.5', () => {
    const r = evaluationReport('multi-label', L, [{ file: 'a', classes: [0, 2], values: [], output: [0.9, 0.2, 0.7] }, { file: 'b', classes: [1], values: [], output: [0.6, 0.8, 0.1] }], 'test', null);
    assert.equal(r.exactMatch, 0.5);
    assert.equal(r.accuracy, 5 / 6);
    assert.equal(r.perClass![0]!.precision, 0.5);
  });
  it('negative transfer is flagged when the from-scratch baseline wins', () => {
    const worse = evaluationReport('single-label', L, [s('a', 0, [0.1, 0.8, 0.1])], 'test', null);
    assert.deepEqual(transferWarnings(report, worse), []);
    assert.match(transferWarnings(worse, report)[0]!, /negative transfer: the model trained from scratch does better \(accuracy 66\.7% vs 0\.0%/);
    assert.deepEqual(transferWarnings(report, undefined), []);
  });
});

describe('training settings', () => {
  it('learning-rate schedules: constant, step, cosine with warm-up', () => {
    assert.equal(epochRate({ type: 'constant' }, 0.1, 5, 10), 0.1);
    assert.deepEqual([0, 1, 2, 3, 4].map((e) => epochRate({ type: 'step', everyEpochs: 2, factor: 0.5 }, 0.1, e, 5)), [0.1, 0.1, 0.05, 0.05, 0.025]);
    const cos = [0, 1, 2, 3, 4, 5].map((e) => epochRate({ type: 'cosine', warmupEpochs: 1, minLearningRate: 0 }, 1, e, 6));
    assert.equal(cos[0], 0.5); // warm-up
    assert.equal(cos[1], 1); // peak after warm-up
    assert.ok(Math.abs(cos[5]!) < 1e-12); // ends at the minimum
    for (let i = 2; i < 6; i++) assert.ok(cos[i]! < cos[i - 1]!);
  });
  it('reduce on plateau: the rate drops by the factor after `patience` epochs without improvement, never below the minimum', () => {
    const s = makeSchedule({ type: 'plateau', factor: 0.5, patience: 2, minLearningRate: 0.2 }, 1, 100, 'min');
    const rates: number[] = [];
    for (const v of [1, 0.9, 0.95, 0.95, 0.8, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9]) { rates.push(s.rate(0)); s.observe(v); }
    rates.push(s.rate(0));
    // improves at 1, 0.9; two flat epochs → 0.5; improves at 0.8; two flat → 0.25; two more → 0.2 (the floor)
    assert.deepEqual(rates, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]);
    const up = makeSchedule({ type: 'plateau', factor: 0.1, patience: 1 }, 1, 10, 'max');
    up.observe(0.5); up.observe(0.6); assert.equal(up.rate(0), 1); // accuracy rising: no drop
    up.observe(0.6); assert.equal(up.rate(0), 0.1);
  });
  it('class weights: balanced gives n / (k · count), explicit ones by label', () => {
    assert.deepEqual(classWeightVector(['a', 'b'], [30, 10], 'balanced'), [40 / 60, 40 / 20]);
    assert.deepEqual(classWeightVector(['a', 'b'], [30, 10], { b: 3 }), [1, 3]);
    assert.equal(classWeightVector(['a', 'b'], [30, 10], undefined), undefined);
  });
});
