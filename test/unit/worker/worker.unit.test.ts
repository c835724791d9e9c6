import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PROTOCOL_VERSION } from '../../../src/core/protocol/worker';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { snapshotDir } from '../../helpers/fixtures';
import { ofType, project, train, worker } from '../../helpers/runs';
import { runCli } from '../../helpers/cli';

describe('the training worker: a real run over IPC', () => {
  it('sends the protocol events in order, saves the adapted model beside the source, and leaks no tensors', async () => {
    const p = project({ training: { epochs: 3 } });
    const before = snapshotDir(p.model);
    const { events } = await train(p.recipe);
    const types = events.map((e) => e.type);
    const err = ofType(events, 'error')[0];
    assert.equal(err, undefined, err?.error.message);
    // order: started → dataset → epochs (batches inside) → evaluation → done
    const first = (t: string): number => types.indexOf(t as never);
    assert.ok(first('ready') < first('started') && first('started') < first('dataset') && first('dataset') < first('epochStart'));
    assert.ok(first('epochStart') < first('batchEnd') && first('batchEnd') < first('epochEnd') && types.lastIndexOf('epochEnd') < first('evaluation') && first('evaluation') < first('done'));
    const started = ofType(events, 'started')[0]!;
    assert.equal(started.backend.name, 'wasm');
    assert.equal(started.fastPath, true);
    const epochs = ofType(events, 'epochEnd');
    assert.equal(epochs.length, 3);
    for (const e of epochs) {
      assert.ok(typeof e.logs.loss === 'number' && typeof e.logs.val_loss === 'number' && typeof e.logs.accuracy === 'number');
    }
    // the same number of tensors after every epoch: nothing leaks
    assert.equal(new Set(epochs.map((e) => e.tensors)).size, 1, `tensors per epoch: ${epochs.map((e) => e.tensors).join(', ')}`);
    const batch = ofType(events, 'batchEnd')[0]!;
    assert.ok(batch.imagesPerSec > 0 && batch.batches > 0);
    // the last epoch's checkpoint is always written (the others on a 30 s clock)
    assert.deepEqual(ofType(events, 'checkpoint').filter((c) => !c.best).map((c) => c.epoch), [3]);
    const ev = ofType(events, 'evaluation')[0]!;
    assert.equal(ev.report.split, 'test');
    assert.equal(ev.report.examples, 18);
    assert.deepEqual(ev.report.labels, ['bag', 'sneaker', 'trouser']);
    const done = ofType(events, 'done')[0]!;
    assert.equal(done.stopped, false);
    assert.equal(done.output, path.join(p.dir, 'emo-adapted'), 'beside the model folder, named after the recipe');
    assert.deepEqual(fs.readdirSync(done.output).sort(), ['evaluation.json', 'metadata.json', 'model.json', 'weights.bin']);
    assert.deepEqual(snapshotDir(p.model), before, 'the source model is untouched');
    const meta = JSON.parse(fs.readFileSync(path.join(done.output, 'metadata.json'), 'utf8'));
    assert.deepEqual(meta.labels, ['bag', 'sneaker', 'trouser']);
    assert.equal(meta.transferStudio.preprocess, '0,1');
    assert.equal(meta.transferStudio.recipe.model, './model/model.json');
    // the event log on disk is the same stream
    const logged = fs.readFileSync(path.join(p.dir, 'run', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
    assert.deepEqual(logged, types.filter((t) => t !== 'ready'));
    assert.equal(JSON.parse(fs.readFileSync(path.join(p.dir, 'run', 'run.json'), 'utf8')).status, 'done');
  });

  it('the fast path predicts exactly what the saved full model predicts', async () => {
    const p = project({ training: { epochs: 2 } });
    const { events } = await train(p.recipe);
    const ev = ofType(events, 'evaluation')[0]!;
    const out = ofType(events, 'done')[0]!.output;
    // evaluate the saved model (base + head) on the same test images, in another worker
    const r = runCli(['evaluate', out, '--data', path.join(p.dir, 'data', 'test'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const again = JSON.parse(r.stdout);
    assert.equal(again.accuracy, ev.report.accuracy);
    assert.deepEqual(again.confusion, ev.report.confusion);
    assert.ok(Math.abs(again.loss - ev.report.loss!) < 1e-5, `loss ${again.loss} vs ${ev.report.loss}`);
  });

  it('feature extraction on two threads (each with its own TF.js and WASM) gives the same result as on one', async () => {
    // enough work (small batches of larger images) that the thread ready first cannot have finished
    // it all before the other is ready (at 64² it sometimes did: the whole extraction took 0.5 s)
    const p = project({ data: { imageSize: [128, 128] }, training: { epochs: 2, batchSize: 4 } });
    const one = await train(p.recipe, { runDir: path.join(p.dir, 'r1') }, { env: { TRANSFER_STUDIO_EXTRACT_THREADS: '1' } });
    const env = { TRANSFER_STUDIO_EXTRACT_THREADS: '2', TRANSFER_STUDIO_EXTRACT_MIN_IMAGES: '8' };
    const two = await train(p.recipe, { runDir: path.join(p.dir, 'r2') }, { env });
    const features = (r: typeof one) => ofType(r.events, 'log').find((l) => /^features:/.test(l.message))!.message;
    assert.match(features(one), /^features: 54 computed, 0 reused/);
    assert.match(features(two), /^features: 54 computed, 0 reused/);
    assert.ok(!ofType(one.events, 'log').some((l) => /feature extraction on \d threads/.test(l.message)));
    // both threads computed a share (this thread only loads their batches)
    const shares = ofType(two.events, 'log').map((l) => /^feature extraction on 2 threads: (\d+) \+ (\d+) images$/.exec(l.message)).find(Boolean);
    assert.ok(shares, 'the run says how the threads shared the work');
    assert.equal(Number(shares[1]) + Number(shares[2]), 54);
    assert.ok(Number(shares[1]) > 0 && Number(shares[2]) > 0, `both threads took batches: ${shares[0]}`);
    const a = ofType(one.events, 'evaluation')[0]!.report;
    const b = ofType(two.events, 'evaluation')[0]!.report;
    assert.deepEqual(b.confusion, a.confusion);
    assert.ok(Math.abs(b.loss! - a.loss!) < 1e-6, `${a.loss} vs ${b.loss}`);
    // threads that fail cost time, not the run: this thread extracts what they did not
    const failing = await train(p.recipe, { runDir: path.join(p.dir, 'r3') }, { env: { ...env, TRANSFER_STUDIO_TEST_EXTRACT_THREAD_FAIL: '1' } });
    assert.ok(ofType(failing.events, 'log').some((l) => l.level === 'warn' && /feature-extraction thread failed \(failing on purpose/.test(l.message)));
    assert.match(features(failing), /^features: 54 computed, 0 reused/);
    assert.deepEqual(ofType(failing.events, 'evaluation')[0]!.report.confusion, a.confusion);
  });

  it('obeys stop at the next batch, keeps a checkpoint, and resumes from it', async () => {
    const p = project({ training: { epochs: 40, batchSize: 4 }, data: { augment: { flip: true } } });
    const before = snapshotDir(p.model);
    let stoppedAt = 0;
    const { events } = await train(p.recipe, {}, {
      onEvent: (e, client) => {
        if (e.type === 'batchEnd' && e.epoch === 2 && e.batch === 2 && !stoppedAt) { stoppedAt = Date.now(); client.stop(); }
      },
    });
    const done = ofType(events, 'done')[0]!;
    assert.equal(done.stopped, true);
    const batchesAfterStop = events.slice(events.findIndex((e) => e.type === 'batchEnd' && e.epoch === 2 && e.batch === 2) + 1).filter((e) => e.type === 'batchEnd').length;
    assert.ok(batchesAfterStop <= 1, `stopped at the next batch (${batchesAfterStop} more)`);
    assert.ok(fs.existsSync(path.join(done.output, 'model.json')), 'checkpoint written');
    assert.equal(ofType(events, 'evaluation').length, 0);
    assert.ok(!fs.existsSync(path.join(p.dir, 'emo-adapted')), 'no final model for a stopped run');
    assert.deepEqual(snapshotDir(p.model), before, 'the source model is untouched');
    const ck = await loadModel(path.join(done.output, 'model.json'));
    assert.equal(ck.model.outputs[0]!.shape[1], 3);
    const ckMeta = JSON.parse(fs.readFileSync(path.join(done.output, 'metadata.json'), 'utf8'));
    assert.equal(ckMeta.transferStudio.extra.epoch, 1, 'the checkpoint knows the last completed epoch');

    const resumed = await train(p.recipe, { resume: done.output, epochs: 3, runDir: path.join(p.dir, 'run2') });
    const firstEpoch = ofType(resumed.events, 'epochStart')[0]!;
    assert.equal(firstEpoch.epoch, 2, 'continues after the checkpoint\'s epoch');
    assert.ok(ofType(resumed.events, 'log').some((l) => /resuming from/.test(l.message)));
    assert.equal(ofType(resumed.events, 'done')[0]!.stopped, false);
  });

  it('frozen BatchNorm statistics never change through real training (full-model path with augmentation), and two-phase fine-tuning changes only what it unfreezes', async () => {
    const p = project({ cut: 'conv_pw_13_relu', head: [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense' }], data: { augment: { flip: true, brightness: 0.2 } }, training: { epochs: 1, fineTune: { epochs: 1, unfreeze: 2 } } });
    const { events } = await train(p.recipe);
    assert.equal(ofType(events, 'started')[0]!.fastPath, false);
    const ft = ofType(events, 'epochStart').find((e) => e.phase === 'fineTune')!;
    const head = ofType(events, 'epochStart').find((e) => e.phase === 'head')!;
    assert.ok(Math.abs(ft.learningRate - head.learningRate * 0.01) < 1e-12, 'phase 2 at the learning rate × 0.01');
    const src = await loadModel(p.model);
    const out = await loadModel(path.join(ofType(events, 'done')[0]!.output, 'model.json'));
    const same = (name: string): boolean => src.model.getLayer(name).getWeights().every((w, i) => tf.equal(w, out.model.getLayer(name).getWeights()[i]!).all().dataSync()[0] === 1);
    for (const bn of ['conv1_bn', 'conv_dw_7_bn', 'conv_pw_13_bn', 'conv_dw_13_bn']) assert.ok(same(bn), `${bn}: gamma, beta, moving mean and variance unchanged`);
    assert.ok(!same('conv_pw_13'), 'the top layer unfrozen in phase 2 changed');
    assert.ok(same('conv_pw_12') && same('conv1'), 'layers below stayed frozen');
    // the fine-tuning phase's checkpoint resumes: it was saved with base layers unfrozen, which puts
    // them in another place of a model's weight list than in the freshly frozen model (once refused)
    const again = await train(p.recipe, { resume: path.join(p.dir, 'run', 'checkpoint'), runDir: path.join(p.dir, 'run2') });
    const err = ofType(again.events, 'error')[0];
    assert.equal(err, undefined, err?.error.message);
    assert.ok(ofType(again.events, 'log').some((l) => /^resuming from .* \(fineTune, after epoch 1\)/.test(l.message)));
    assert.equal(ofType(again.events, 'done')[0]!.stopped, false);
  });

  it('a worker crash reaches the parent as an error, never a hang', async () => {
    const p = project({ training: { epochs: 200, batchSize: 4 }, data: { augment: { flip: true } } });
    const { events } = await train(p.recipe, {}, {
      onEvent: (e, client) => { if (e.type === 'batchEnd' && e.batch === 1) process.kill(client.pid!, 'SIGKILL'); },
    });
    const err = ofType(events, 'error').at(-1)!;
    assert.match(err.error.message, /the training worker crashed \(signal SIGKILL\)/);
  });

  it('running out of memory is reported as such', async () => {
    const p = project();
    const { events } = await train(p.recipe, {}, { execArgv: ['--max-old-space-size=16'] });
    const err = ofType(events, 'error').at(-1)!;
    assert.match(err.error.message, /ran out of memory|crashed/);
  });

  it('dies cleanly on kill: no done, no error from a kill we asked for', async () => {
    const client = worker();
    await client.ready;
    const seen: string[] = [];
    client.onEvent((e) => seen.push(e.type));
    client.kill();
    const exit = await client.exited;
    assert.ok(exit.signal === 'SIGTERM' || exit.code === 143, JSON.stringify(exit));
    assert.deepEqual(seen, []);
  });

  it('validates commands and speaks the current protocol version', async () => {
    const client = worker();
    const ready = new Promise<number>((resolve) => client.onEvent((e) => { if (e.type === 'ready') resolve(e.protocol); }));
    await client.ready;
    assert.equal(await ready.catch(() => PROTOCOL_VERSION), PROTOCOL_VERSION);
    const err = new Promise<string>((resolve) => client.onEvent((e) => { if (e.type === 'error') resolve(e.error.message); }));
    (client as unknown as { child: { send(m: unknown): void } }).child.send({ type: 'train', recipe: 42 });
    assert.match(await err, /invalid command/);
    await client.shutdown();
  });
});

describe('the training worker: bad input (clear errors, nothing lost)', () => {
  it('an output folder that is not writable', async () => {
    const p = project({ output: '/dev/null/adapted' });
    const { events } = await train(p.recipe, { epochs: 1 });
    const err = ofType(events, 'error').at(-1)!;
    assert.equal(err.error.user, true);
    assert.match(err.error.message, /cannot write the adapted model/);
  });

  it('a diverging loss (Infinity) stops with advice', async () => {
    const p = project({ task: 'regression', data: { train: './data/reg.csv', test: undefined } });
    const rows = ['path,y'];
    for (const c of ['bag', 'sneaker']) for (const f of fs.readdirSync(path.join(p.dir, 'data', 'train', c))) rows.push(`train/${c}/${f},1e30`);
    fs.writeFileSync(path.join(p.dir, 'data', 'reg.csv'), rows.join('\n'));
    const { events } = await train(p.recipe, { epochs: 2 });
    const err = ofType(events, 'error').at(-1)!;
    assert.match(err.error.message, /the loss became (Infinity|NaN) at epoch 1, batch 1/);
    assert.match(err.error.hint ?? '', /lower the learning rate/);
  });

  it('a fixed head whose size does not match the labels', async () => {
    const p = project({ head: [{ type: 'Dense', units: 5 }] });
    const { events } = await train(p.recipe);
    assert.match(ofType(events, 'error').at(-1)!.error.message, /last Dense layer has 5 units but the data has 3 labels/);
  });

  it('a single class', async () => {
    const p = project({}, ['bag']);
    const { events } = await train(p.recipe);
    assert.match(ofType(events, 'error').at(-1)!.error.message, /needs at least 2 classes/);
  });
});
