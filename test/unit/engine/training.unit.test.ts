/**
 * The recipe's training settings, observed through real tiny runs in the built worker (the
 * functional MobileNet fixture, 64×64 grey, on three Fashion-MNIST classes; the base frozen, so
 * the head trains on cached features). Only the protocol events and the files a run writes are
 * looked at, as the CLI and the extension see them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerEvent } from '../../../src/core/protocol/worker';
import { tempDir } from '../../helpers/fixtures';
import { ofType, project, train } from '../../helpers/runs';

/** One feature cache for every run in this file: the base runs once per image, not once per run. */
let cache = '';
let counter = 0;

/** Run a variant of `p`'s recipe with these training settings (and top-level fields); every run gets its own recipe name, output and run folder. */
async function run(p: ReturnType<typeof project>, training: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ events: WorkerEvent[]; runDir: string; output: string }> {
  if (!cache) cache = tempDir('ts-cache-');
  const base = JSON.parse(fs.readFileSync(p.recipe, 'utf8')) as Record<string, unknown> & { training: Record<string, unknown> };
  const name = `v${++counter}`;
  const file = path.join(p.dir, `${name}.adapt.json`);
  fs.writeFileSync(file, JSON.stringify({ ...base, ...extra, training: { ...base.training, ...training } }, null, 2));
  const runDir = path.join(p.dir, `run-${name}`);
  const { events } = await train(file, { runDir }, { env: { TRANSFER_STUDIO_CACHE: cache } });
  const err = ofType(events, 'error')[0];
  assert.equal(err, undefined, err?.error.message);
  const done = ofType(events, 'done')[0];
  assert.ok(done, 'the run finished');
  return { events, runDir, output: done.output };
}

const losses = (events: WorkerEvent[]): number[] => ofType(events, 'epochEnd').map((e) => e.logs.loss!);
const valLosses = (events: WorkerEvent[]): number[] => ofType(events, 'epochEnd').map((e) => e.logs.val_loss!);
const batchLosses = (events: WorkerEvent[]): number[] => ofType(events, 'batchEnd').map((e) => e.loss!);
const rates = (events: WorkerEvent[], phase = 'head'): number[] => ofType(events, 'epochStart').filter((e) => e.phase === phase).map((e) => e.learningRate);

function assertClose(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.join(', ')}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `${what}[${i}]: ${a} vs ${expected[i]} (all: ${actual.join(', ')})`));
}

describe('training settings through real runs', () => {
  let p: ReturnType<typeof project>;
  before(() => {
    p = project({ training: { epochs: 4 } });
  });

  it('optimizers adam, sgd with momentum and rmsprop each reduce the training loss on the same data', async () => {
    const runs = {
      adam: await run(p, { optimizer: 'adam', learningRate: 0.01 }),
      sgdMomentum: await run(p, { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9 }),
      sgd: await run(p, { optimizer: 'sgd', learningRate: 0.05 }),
      rmsprop: await run(p, { optimizer: 'rmsprop', learningRate: 0.005 }),
    };
    for (const [name, r] of Object.entries(runs)) {
      const l = losses(r.events);
      assert.equal(l.length, 4);
      assert.ok(l[3]! < l[0]!, `${name}: training loss ${l.join(' → ')}`);
      const v = valLosses(r.events);
      assert.ok(v[3]! < v[0]!, `${name}: validation loss ${v.join(' → ')}`);
    }
    // the same first batch (same seed, same initial weights) …
    const first = Object.values(runs).map((r) => batchLosses(r.events)[0]!);
    assert.ok(first.every((x) => x === first[0]), `first batch losses: ${first.join(', ')}`);
    // … then each optimizer takes its own path
    const last = Object.entries(runs).map(([name, r]) => [name, losses(r.events)[3]!] as const);
    for (let i = 0; i < last.length; i++) for (let j = i + 1; j < last.length; j++) assert.notEqual(last[i]![1], last[j]![1], `${last[i]![0]} and ${last[j]![0]} differ`);
    // momentum is applied: at the same learning rate it gets further than plain sgd
    assert.ok(losses(runs.sgdMomentum.events)[3]! < losses(runs.sgd.events)[3]!, `sgd+momentum ${losses(runs.sgdMomentum.events)[3]} vs sgd ${losses(runs.sgd.events)[3]}`);
  });

  it('learning-rate schedules: the rate reported each epoch follows constant, step and cosine', async () => {
    const constant = await run(p, { learningRate: 0.01, epochs: 5 });
    assertClose(rates(constant.events), [0.01, 0.01, 0.01, 0.01, 0.01], 1e-15, 'constant');
    const step = await run(p, { learningRate: 0.01, epochs: 5, schedule: { type: 'step', everyEpochs: 2, factor: 0.5 } });
    assertClose(rates(step.events), [0.01, 0.01, 0.005, 0.005, 0.0025], 1e-15, 'step ×0.5 every 2 epochs');
    // cosine from 0.01 to 0.001 after one warm-up epoch: 0.001 + 0.0045·(1 + cos(π·t)), t = 0, 1/3, 2/3, 1
    const cosine = await run(p, { learningRate: 0.01, epochs: 5, schedule: { type: 'cosine', warmupEpochs: 1, minLearningRate: 0.001 } });
    assertClose(rates(cosine.events), [0.005, 0.01, 0.00775, 0.00325, 0.001], 1e-12, 'cosine with warm-up');
    // epochEnd carries the same rate, and the run's epoch table sees it
    for (const r of [constant, step, cosine]) assert.deepEqual(ofType(r.events, 'epochEnd').map((e) => e.logs.learning_rate), rates(r.events));
  });

  it('the scheduled rate is the one the optimizer uses (adam, sgd with momentum, rmsprop)', async () => {
    // a step down to ~1e-8 after epoch 1: the weights, so the validation loss, stop changing
    for (const opt of [{ optimizer: 'adam', learningRate: 0.01 }, { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9 }, { optimizer: 'rmsprop', learningRate: 0.005 }]) {
      const frozen = valLosses((await run(p, { ...opt, schedule: { type: 'step', everyEpochs: 1, factor: 1e-6 } })).events);
      for (const v of frozen.slice(1)) assert.ok(Math.abs(v - frozen[0]!) < 1e-4, `${opt.optimizer}: validation loss after the step ${frozen.join(', ')}`);
      const moving = valLosses((await run(p, opt)).events);
      assert.ok(Math.abs(moving[3]! - moving[0]!) > 0.01, `${opt.optimizer} at a constant rate keeps learning: ${moving.join(', ')}`);
    }
  });

  it('early stopping stops before `epochs` once validation stops improving, and the model saved is the best checkpoint', async () => {
    const r = await run(p, { epochs: 30, learningRate: 0.01, earlyStopping: { monitor: 'val_accuracy', patience: 2 } });
    const ends = ofType(r.events, 'epochEnd');
    const acc = ends.map((e) => e.logs.val_accuracy!);
    assert.ok(ends.length < 30, `stopped early, after ${ends.length} epochs: ${acc.join(', ')}`);
    const best = Math.max(...acc);
    const bestEpoch = acc.indexOf(best) + 1;
    assert.equal(ends.length, bestEpoch + 2, `patience 2: two epochs without improvement after the best (${acc.join(', ')})`);
    assert.ok(acc.slice(bestEpoch).every((a) => a <= best));
    const end = ofType(r.events, 'phaseEnd')[0]!;
    assert.ok(end.message.startsWith(`head: converged — val_accuracy has not improved for 2 epochs; keeping epoch ${bestEpoch} `), end.message);
    assert.deepEqual([end.phase, end.reason, end.keptEpoch, end.epochsRun, end.monitor?.name, end.monitor?.mode, end.monitor?.value], ['head', 'converged', bestEpoch, ends.length, 'val_accuracy', 'max', best]);
    // the best checkpoint is the epoch with the best validation metric seen
    const bests = ofType(r.events, 'checkpoint').filter((c) => c.best);
    assert.equal(bests.at(-1)!.epoch, bestEpoch);
    for (const c of bests) assert.ok(acc[c.epoch - 1]! > Math.max(-Infinity, ...acc.slice(0, c.epoch - 1)), `a best checkpoint only on improvement (epoch ${c.epoch})`);
    assert.equal(bests.at(-1)!.path, path.join(r.runDir, 'best'));
    // every checkpoint says what it was judged on
    for (const c of ofType(r.events, 'checkpoint')) assert.deepEqual([c.monitor, c.value], ['val_accuracy', acc[c.epoch - 1]], `checkpoint of epoch ${c.epoch}`);
    // the saved model has the best epoch's weights, not the last epoch's
    const weights = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'weights.bin'));
    assert.ok(weights(r.output).equals(weights(path.join(r.runDir, 'best'))), 'saved model = best checkpoint');
    assert.ok(!weights(r.output).equals(weights(path.join(r.runDir, 'checkpoint'))), 'not the last epoch\'s weights');
    const meta = JSON.parse(fs.readFileSync(path.join(r.output, 'metadata.json'), 'utf8'));
    assert.equal(meta.transferStudio.extra.epochs.head, ends.length);
    assert.equal(JSON.parse(fs.readFileSync(path.join(r.runDir, 'best', 'metadata.json'), 'utf8')).transferStudio.extra.epoch, bestEpoch);
  });

  it('early stopping on val_loss counts only improvements larger than minDelta', async () => {
    // nothing improves by 10: the first epoch stays the best, and the run stops after 1 + patience epochs
    const r = await run(p, { epochs: 20, earlyStopping: { monitor: 'val_loss', patience: 3, minDelta: 10 } });
    const v = valLosses(r.events);
    assert.equal(v.length, 4);
    assert.ok(v[3]! < v[0]!, 'the loss did go down, by less than minDelta');
    assert.deepEqual(ofType(r.events, 'checkpoint').filter((c) => c.best).map((c) => c.epoch), [1]);
    assert.ok(fs.readFileSync(path.join(r.output, 'weights.bin')).equals(fs.readFileSync(path.join(r.runDir, 'best', 'weights.bin'))));
  });

  it('the from-scratch baseline repeats with the same seed too (its random initial weights are seeded)', async () => {
    const a = await run(p, { epochs: 1, baseline: 'scratch' });
    const b = await run(p, { epochs: 1, baseline: 'scratch' });
    const c = await run(p, { epochs: 1, baseline: 'scratch', seed: 12 });
    const baseline = (r: typeof a): number[] => ofType(r.events, 'batchEnd').filter((e) => e.phase === 'baseline').map((e) => e.loss!);
    assert.ok(baseline(a).length > 1);
    assert.deepEqual(baseline(b), baseline(a));
    assert.notDeepEqual(baseline(c), baseline(a));
    assert.deepEqual(ofType(b.events, 'evaluation')[0]!.baseline!.confusion, ofType(a.events, 'evaluation')[0]!.baseline!.confusion);
  });

  it('the same seed gives identical losses; a different seed different ones', async () => {
    const a = await run(p, { seed: 11 });
    const b = await run(p, { seed: 11 });
    const c = await run(p, { seed: 12 });
    assert.ok(batchLosses(a.events).length > 4);
    assert.deepEqual(batchLosses(b.events), batchLosses(a.events), 'every batch loss the same');
    assert.deepEqual(ofType(b.events, 'epochEnd').map((e) => e.logs), ofType(a.events, 'epochEnd').map((e) => e.logs));
    assert.deepEqual(ofType(b.events, 'evaluation')[0]!.report.confusion, ofType(a.events, 'evaluation')[0]!.report.confusion);
    assert.notDeepEqual(batchLosses(c.events), batchLosses(a.events));
    assert.notEqual(losses(c.events)[0], losses(a.events)[0]);
  });
});

describe('class weights through real runs', () => {
  it('"balanced" weighs an imbalanced dataset\'s loss (and is a no-op on a balanced one); explicit weights scale it', async () => {
    // balanced data: every "balanced" weight is n / (k · n/k) = 1
    const even = project({ training: { epochs: 2 } });
    assert.deepEqual(losses((await run(even, { classWeights: 'balanced' })).events), losses((await run(even, {})).events));

    // bag down to 4 training images of 28 in all: weights 28/(3·4) for bag, 28/(3·12) for the others
    const p = project({ training: { epochs: 3 } });
    const bags = path.join(p.dir, 'data', 'train', 'bag');
    for (const f of fs.readdirSync(bags).sort().slice(4)) fs.rmSync(path.join(bags, f));
    const none = await run(p, {});
    const ones = await run(p, { classWeights: { bag: 1, sneaker: 1, trouser: 1 } });
    const balanced = await run(p, { classWeights: 'balanced' });
    const twos = await run(p, { classWeights: { bag: 2, sneaker: 2, trouser: 2 } });
    assert.deepEqual(ofType(none.events, 'dataset')[0]!.report.classes.map((c) => c.train), [3, 9, 9], 'the split keeps the imbalance');
    assert.deepEqual(batchLosses(ones.events), batchLosses(none.events), 'weights of 1 change nothing');
    assert.notDeepEqual(batchLosses(balanced.events), batchLosses(none.events), '"balanced" changes the loss');
    assert.notEqual(batchLosses(balanced.events)[0], batchLosses(none.events)[0], 'from the first batch (same predictions, other weights)');
    assert.notDeepEqual(valLosses(balanced.events), valLosses(none.events), 'and so what is learnt');
    // every weight 2: the first batch's loss exactly doubles; Adam is scale-invariant, so the validation loss (unweighted) barely moves
    assert.ok(Math.abs(batchLosses(twos.events)[0]! / batchLosses(none.events)[0]! - 2) < 1e-6, `${batchLosses(twos.events)[0]} vs 2 × ${batchLosses(none.events)[0]}`);
    assertClose(valLosses(twos.events), valLosses(none.events), 1e-3, 'validation loss with every weight 2');
  });
});

describe('two-phase fine-tuning through a real run', () => {
  it('phase 2 runs after the head at learningRate × learningRateFactor, with the schedule starting over', async () => {
    const p = project({ cut: 'conv_pw_13_relu', head: [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense' }] });
    const r = await run(p, { epochs: 2, learningRate: 0.01, schedule: { type: 'step', everyEpochs: 1, factor: 0.5 }, fineTune: { epochs: 2, unfreeze: 2, learningRateFactor: 0.1 } });
    const started = ofType(r.events, 'started')[0]!;
    assert.equal(started.epochs, 4, 'head + fine-tune epochs');
    const phases = ofType(r.events, 'epochStart').map((e) => `${e.phase} ${e.epoch}/${e.epochs}`);
    assert.deepEqual(phases, ['head 1/2', 'head 2/2', 'fineTune 1/2', 'fineTune 2/2']);
    assertClose(rates(r.events, 'head'), [0.01, 0.005], 1e-15, 'phase 1');
    assertClose(rates(r.events, 'fineTune'), [0.001, 0.0005], 1e-15, 'phase 2: 0.01 × 0.1, then the step');
    assert.ok(ofType(r.events, 'log').some((l) => /^fine-tuning: unfroze 2 layers .*learning rate ×0\.1$/.test(l.message)));
    const ft = ofType(r.events, 'epochEnd').filter((e) => e.phase === 'fineTune');
    assert.deepEqual(ft.map((e) => e.logs.learning_rate), rates(r.events, 'fineTune'));
    assert.ok(ft.every((e) => Number.isFinite(e.logs.loss!) && Number.isFinite(e.logs.val_loss!)));
    // checkpoints are written on a 30 s clock and at each phase's last epoch: these epochs last milliseconds
    assert.deepEqual(ofType(r.events, 'checkpoint').filter((c) => !c.best).map((c) => `${c.phase} ${c.epoch}`), ['head 2', 'fineTune 2']);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(r.output, 'metadata.json'), 'utf8')).transferStudio.extra.epochs, { head: 2, fineTune: 2 });
  });
});

describe('batches larger than the backend allows run as micro-batches', () => {
  it('a step budget too small for the batch splits it, and the updates equal the whole batch\'s', async () => {
    // the first convolution trainable: gradients flow through the whole base (no feature cache);
    // no Dropout in the head and BatchNorm frozen, so micro-batches must give the very same update
    const p = project({ freeze: { all: true, trainable: ['conv1', 'conv_pw_13'] }, head: [{ type: 'Dense' }] });
    const once = async (env: NodeJS.ProcessEnv): Promise<WorkerEvent[]> => {
      const { events } = await train(p.recipe, { runDir: tempDir('ts-run-') }, { env: { TRANSFER_STUDIO_CACHE: tempDir('ts-cache-'), ...env } });
      const err = ofType(events, 'error')[0];
      assert.equal(err, undefined, err?.error.message);
      return events;
    };
    const whole = await once({});
    const split = await once({ TRANSFER_STUDIO_STEP_MEMORY_MB: '4' });
    const plan = ofType(split, 'log').map((l) => /micro-batches of (\d+)/.exec(l.message)).find(Boolean);
    assert.ok(plan, 'the run says it splits batches');
    const micro = Number(plan[1]);
    assert.ok(micro >= 1 && micro < 8, `micro-batch ${micro} < batch 8`);
    assert.ok(!ofType(whole, 'log').some((l) => /micro-batches/.test(l.message)), 'no split without a budget on WASM at this size');
    assert.equal(ofType(whole, 'started')[0]!.fastPath, false);
    // same losses batch by batch (summing parts' gradients differs only in float rounding)
    assertClose(batchLosses(split), batchLosses(whole), 1e-4, 'batch losses');
    assertClose(valLosses(split), valLosses(whole), 1e-4, 'validation losses');
  });
});

describe('a frozen base without the feature cache', () => {
  it('runs outside the gradient tape and trains the head exactly as the cached fast path does', async () => {
    const p = project({ head: [{ type: 'Dense' }] });
    const cached = await run(p, { epochs: 2 });
    const uncached = await run(p, { epochs: 2 }, { data: { ...(JSON.parse(fs.readFileSync(p.recipe, 'utf8')) as { data: object }).data, cache: 'off' } });
    assert.equal(ofType(cached.events, 'started')[0]!.fastPath, true);
    assert.equal(ofType(uncached.events, 'started')[0]!.fastPath, false);
    assert.ok(ofType(uncached.events, 'log').some((l) => /frozen base \(inference mode, outside the gradient tape\)/.test(l.message)));
    assert.ok(!ofType(uncached.events, 'log').some((l) => /micro-batches/.test(l.message)), 'only the head is on the tape: no micro-batches');
    assertClose(batchLosses(uncached.events), batchLosses(cached.events), 1e-5, 'batch losses');
    assertClose(valLosses(uncached.events), valLosses(cached.events), 1e-5, 'validation losses');
  });
});
