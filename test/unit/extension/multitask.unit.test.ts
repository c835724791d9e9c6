/**
 * The extension's words for a multi-task run outside the dashboard: the Runs view's and the
 * "finished" message's scores per head (with negative transfer named), the best epoch figure per
 * head as a run trains, the evaluation.json beside a saved model, a prediction of every head.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layoutOf } from '../../../src/core/multitask/layout';
import { multiTaskReport } from '../../../src/core/multitask/report';
import type { EvaluationReport } from '../../../src/core/protocol/reports';
import { headsMarkdown, predictionWords, savedMultiTask } from '../../../src/extension/evaluation/multitask';
import { bestHeadScores, describeScores, evaluatedHeadScores, formatScore } from '../../../src/extension/runs/summary';
import { tempDir } from '../../helpers/fixtures';

const layout = layoutOf([{ name: 'item', task: 'single-label' }, { name: 'coverage', task: 'regression' }], (s) => (s.name === 'item' ? ['bag', 'shoe'] : ['coverage']));
const cls = (accuracy: number): EvaluationReport => ({ task: 'single-label', split: 'test', examples: 20, loss: 0.5, labels: ['bag', 'shoe'], accuracy });
const reg = (mae: number): EvaluationReport => ({ task: 'regression', split: 'test', examples: 20, loss: 0.01, labels: ['coverage'], mae, rmse: mae * 1.3 });
const report = multiTaskReport(layout, [cls(0.9), reg(0.08)], 'test', [cls(0.85), reg(0.06)]);

describe('multi-task runs in the extension', () => {
  it('sums a finished run up per head and names the heads that lost to sharing', () => {
    assert.equal(describeScores(undefined, evaluatedHeadScores(report)), 'item test accuracy 90.0%, coverage test MAE 0.0800 · negative transfer: coverage');
    assert.equal(formatScore({ value: 0.0712, higherIsBetter: false }), '0.0712');
  });

  it('keeps each head\'s best validation figure as the epochs come (higher accuracy, lower MAE)', () => {
    const heads = [{ name: 'item', task: 'single-label' as const, labels: ['bag', 'shoe'], lossWeight: 1, metric: 'accuracy' }, { name: 'coverage', task: 'regression' as const, labels: ['coverage'], lossWeight: 1, metric: 'mae' }];
    let best = bestHeadScores(heads, undefined, { val_item_accuracy: 0.6, val_coverage_mae: 0.2 });
    best = bestHeadScores(heads, best, { val_item_accuracy: 0.5, val_coverage_mae: 0.1 });
    assert.deepEqual(best.map((b) => [b.name, b.value]), [['val accuracy', 0.6], ['val MAE', 0.1]]);
  });

  it('reads the comparison from the evaluation.json beside a saved model, and writes it as Markdown with the verdicts', () => {
    const dir = tempDir('ts-mt-ext-');
    fs.writeFileSync(path.join(dir, 'model.json'), '{}');
    assert.equal(savedMultiTask(path.join(dir, 'model.json')), undefined);
    fs.writeFileSync(path.join(dir, 'evaluation.json'), JSON.stringify({ report: report.heads[0]!.report, warnings: [], multiTask: report }));
    assert.deepEqual(savedMultiTask(path.join(dir, 'model.json')), report);
    assert.deepEqual(savedMultiTask(dir), report);
    const md = headsMarkdown(report, 'intro').join('\n');
    assert.match(md, /> \*\*Negative transfer:\*\* "coverage" does worse with the other heads than trained alone\./);
    assert.match(md, /item +single-label +1 +accuracy +20 +90\.0% +85\.0% +better/);
    assert.match(md, /coverage +regression +1 +MAE +20 +0\.0800 +0\.0600 +WORSE: negative transfer/);
  });

  it('says a prediction of every head', () => {
    assert.equal(predictionWords({ file: 'a.png', top: [{ label: 'shoe', score: 0.9 }], heads: [{ name: 'item', task: 'single-label', top: [{ label: 'shoe', score: 0.9 }, { label: 'bag', score: 0.1 }] }, { name: 'coverage', task: 'regression', top: [], values: [0.4213] }] }), 'item: shoe 90.0%, bag 10.0% · coverage: 0.4213');
  });
});
