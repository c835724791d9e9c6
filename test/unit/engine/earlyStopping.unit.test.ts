/**
 * Early stopping keeps the best epoch, whatever the task and whether or not there is validation
 * data: the monitor's direction comes from the metric itself, and a monitor the run will not
 * report is refused before training instead of silently judging another metric (the code before
 * this test maximised the *loss* when `val_accuracy` was absent and kept the worst epoch).
 * Real tiny runs in the built worker, on cached features.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerEvent } from '../../../src/core/protocol/worker';
import { tempDir } from '../../helpers/fixtures';
import { ofType, project, train } from '../../helpers/runs';

let cache = '';
let counter = 0;

async function run(p: ReturnType<typeof project>, training: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ events: WorkerEvent[]; runDir: string; output?: string; error?: string }> {
  if (!cache) cache = tempDir('ts-cache-');
  const base = JSON.parse(fs.readFileSync(p.recipe, 'utf8')) as Record<string, unknown> & { training: Record<string, unknown>; data: Record<string, unknown> };
  const name = `es${++counter}`;
  const file = path.join(p.dir, `${name}.adapt.json`);
  const { data, ...rest } = extra as { data?: Record<string, unknown> };
  fs.writeFileSync(file, JSON.stringify({ ...base, ...rest, data: { ...base.data, ...data }, training: { ...base.training, ...training } }, null, 2));
  const runDir = path.join(p.dir, `run-${name}`);
  const { events } = await train(file, { runDir }, { env: { TRANSFER_STUDIO_CACHE: cache } });
  return { events, runDir, output: ofType(events, 'done')[0]?.output, error: ofType(events, 'error')[0]?.error.message };
}

const weights = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'weights.bin'));

/** The kept epoch is the best one of `metric` in `mode`, the saved model has its weights, and the phase says so. */
function assertKeptBest(r: Awaited<ReturnType<typeof run>>, metric: string, mode: 'min' | 'max', patience?: number): number {
  assert.equal(r.error, undefined, r.error);
  const ends = ofType(r.events, 'epochEnd');
  const values = ends.map((e) => e.logs[metric]!);
  assert.ok(values.every((v) => Number.isFinite(v)), `${metric} reported every epoch: ${values.join(', ')}`);
  const best = mode === 'max' ? Math.max(...values) : Math.min(...values);
  const bestEpoch = values.indexOf(best) + 1;
  const end = ofType(r.events, 'phaseEnd')[0]!;
  assert.equal(end.keptEpoch, bestEpoch, `kept epoch ${end.keptEpoch}, best ${metric} at epoch ${bestEpoch}: ${values.join(', ')}`);
  assert.deepEqual([end.monitor?.name, end.monitor?.mode, end.monitor?.value], [metric, mode, best]);
  if (patience !== undefined && end.reason === 'converged') assert.equal(ends.length, bestEpoch + patience, `stopped ${patience} epochs after the best: ${values.join(', ')}`);
  const bests = ofType(r.events, 'checkpoint').filter((c) => c.best);
  assert.equal(bests.at(-1)!.epoch, bestEpoch);
  assert.ok(weights(r.output!).equals(weights(path.join(r.runDir, 'best'))), 'the saved model has the best epoch\'s weights');
  if (bestEpoch < ends.length) assert.ok(!weights(r.output!).equals(weights(path.join(r.runDir, 'checkpoint'))), 'not the last epoch\'s');
  return bestEpoch;
}

/** A CSV over the project's training images: one row per image, `row(class, file)` gives the rest. */
function csv(p: ReturnType<typeof project>, name: string, header: string, row: (cls: string, i: number) => string): string {
  const lines = [header];
  for (const c of fs.readdirSync(path.join(p.dir, 'data', 'train')).sort()) {
    fs.readdirSync(path.join(p.dir, 'data', 'train', c)).sort().forEach((f, i) => lines.push(`train/${c}/${f},${row(c, i)}`));
  }
  fs.writeFileSync(path.join(p.dir, 'data', name), lines.join('\n') + '\n');
  return `./data/${name}`;
}

describe('early stopping keeps the best epoch', () => {
  let p: ReturnType<typeof project>;
  before(() => {
    p = project({ training: { epochs: 25, learningRate: 0.03, batchSize: 8 } });
  });

  it('without validation data: a validation monitor is refused before training; "loss" keeps the lowest-loss epoch; the default runs to the cap and says why', async () => {
    const refused = await run(p, { earlyStopping: { monitor: 'val_accuracy', patience: 2 } }, { data: { validationSplit: 0 } });
    assert.match(refused.error ?? '', /early stopping monitors "val_accuracy", which this run will not report.*no validation data/);
    assert.equal(ofType(refused.events, 'epochEnd').length, 0, 'nothing trained');

    const byLoss = await run(p, { epochs: 12, earlyStopping: { monitor: 'loss', patience: 2 } }, { data: { validationSplit: 0 } });
    assertKeptBest(byLoss, 'loss', 'min', 2);

    const byDefault = await run(p, { epochs: 6 }, { data: { validationSplit: 0 } });
    assert.equal(byDefault.error, undefined, byDefault.error);
    assert.equal(ofType(byDefault.events, 'epochEnd').length, 6, 'the whole cap');
    const end = ofType(byDefault.events, 'phaseEnd')[0]!;
    assert.deepEqual([end.reason, end.keptEpoch], ['cap', 6]);
    assert.ok(ofType(byDefault.events, 'log').some((l) => /no validation data: the run cannot stop early/.test(l.message)));
  });

  it('multi-label: val_binary_accuracy is maximised (not the loss), and a single-label metric name is refused', async () => {
    // labels: the class, and "footwear" on sneakers — two labels on some images
    const train = csv(p, 'multi.csv', 'path,labels', (c) => (c === 'sneaker' ? 'sneaker|footwear' : c));
    const r = await run(p, { earlyStopping: { monitor: 'val_binary_accuracy', patience: 3 } }, { task: 'multi-label', data: { train, test: undefined, validationSplit: 0.3 } });
    assertKeptBest(r, 'val_binary_accuracy', 'max', 3);
    const wrong = await run(p, { earlyStopping: { monitor: 'val_accuracy' } }, { task: 'multi-label', data: { train, test: undefined, validationSplit: 0.3 } });
    assert.match(wrong.error ?? '', /"val_accuracy", which this run will not report: a multi-label run reports loss, binary_accuracy, val_loss, val_binary_accuracy/);
  });

  it('regression: val_mae is minimised, and an accuracy monitor is refused', async () => {
    const order: Record<string, number> = { bag: 0, sneaker: 1, trouser: 2 };
    const train = csv(p, 'reg.csv', 'path,y', (c) => String(order[c]));
    const r = await run(p, { earlyStopping: { monitor: 'val_mae', patience: 3 } }, { task: 'regression', data: { train, test: undefined, validationSplit: 0.3 } });
    assertKeptBest(r, 'val_mae', 'min', 3);
    const wrong = await run(p, { earlyStopping: { monitor: 'val_accuracy' } }, { task: 'regression', data: { train, test: undefined, validationSplit: 0.3 } });
    assert.match(wrong.error ?? '', /a regression run reports loss, mae, val_loss, val_mae/);
  });
});
