/**
 * The PyTorch engine through the CLI, as a user runs it: `train --engine pytorch` on real images
 * (events that validate, the same protocol version on both sides, the evaluation, the saved TF.js
 * model + .pt + ONNX that predict alike), the same accuracy as the TF.js engine within noise, two
 * processes under torchrun, and the clear refusal and fallback without torch. Skipped, saying
 * why, where no Python imports torch.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PROTOCOL_VERSION, parseWorkerEvent, type WorkerEvent, type WorkerEventOf } from '../../../src/core/protocol/worker';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { runCli } from '../../helpers/cli';
import { train as trainWorker } from '../../helpers/runs';
import { ROOT, tempDir } from '../../helpers/fixtures';
import { findTorchPython, noTorchReason } from '../helpers/python';

const TM = path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json');
const FASHION = path.join(ROOT, 'examples', 'fashion-mini');

function project(extra: Record<string, unknown> = {}): { dir: string; recipe: string } {
  const dir = tempDir('ts-pt-');
  for (const c of ['bag', 'sneaker', 'trouser', 'dress']) {
    fs.cpSync(path.join(FASHION, 'train', c), path.join(dir, 'data', 'train', c), { recursive: true });
    fs.cpSync(path.join(FASHION, 'test', c), path.join(dir, 'data', 'test', c), { recursive: true });
  }
  const recipe = path.join(dir, 'pt.adapt.json');
  fs.writeFileSync(recipe, JSON.stringify({ model: TM, data: { train: './data/train', test: './data/test', validationSplit: 0.25, imageSize: [96, 96] }, training: { seed: 3, batchSize: 16 }, output: './out', ...extra }, null, 2));
  return { dir, recipe };
}

function train(recipe: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; events: WorkerEvent[]; stderr: string } {
  const r = runCli(['train', recipe, '--json', ...args], { cwd: path.dirname(recipe), env: { TRANSFER_STUDIO_CACHE: path.join(path.dirname(recipe), 'cache'), ...env } });
  // every line is an event the protocol's own schema accepts
  const events = r.stdout.split('\n').filter(Boolean).map((l) => parseWorkerEvent(JSON.parse(l)));
  return { code: r.code, events, stderr: r.stderr };
}

const of = <T extends WorkerEvent['type']>(events: WorkerEvent[], type: T): WorkerEventOf<T>[] => events.filter((e): e is WorkerEventOf<T> => e.type === type);

describe('the PyTorch engine', function () {
  this.timeout(300_000);
  let python: string;
  before(function () {
    const found = findTorchPython();
    if (!found) { console.log(`      skipped: ${noTorchReason()}`); this.skip(); }
    python = found.exe;
  });

  it('speaks the protocol version of the TF.js side', () => {
    const py = fs.readFileSync(path.join(ROOT, 'python', 'transfer_studio_worker', 'protocol.py'), 'utf8');
    assert.equal(Number(/^PROTOCOL_VERSION\s*=\s*(\d+)/m.exec(py)?.[1]), PROTOCOL_VERSION);
  });

  it('train --engine pytorch: valid events, the cut and standardised head, evaluation, TF.js model + .pt + ONNX that predict alike, and the TF.js engine\'s accuracy within noise', async () => {
    const p = project();
    const r = train(p.recipe, ['--engine', 'pytorch', '--python', python]);
    assert.equal(r.code, 0, r.stderr);
    const started = of(r.events, 'started')[0]!;
    assert.equal(started.backend.engine, 'pytorch');
    assert.match(started.backend.device, /^PyTorch \d/);
    assert.ok(of(r.events, 'log').every((l) => !/ignored an invalid event/.test(l.message)), 'every event of the Python worker validated');
    assert.ok(of(r.events, 'log').some((l) => /features standardised: mean and std of the \d+ training images/.test(l.message)));
    assert.equal(of(r.events, 'done').length, 1);
    assert.equal(of(r.events, 'phaseEnd')[0]!.phase, 'head');
    const ev = of(r.events, 'evaluation')[0]!;
    assert.equal(ev.report.split, 'test');
    assert.equal(ev.report.examples, 24);
    const out = path.join(p.dir, 'out');
    for (const f of ['model.json', 'weights.bin', 'model.pt', 'model.onnx', 'metadata.json', 'evaluation.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')).transferStudio.extra.engine, 'pytorch');

    // the three exports predict alike on the same pixels
    const saved = await loadModel(path.join(out, 'model.json'));
    const x = tf.randomUniform([3, 96, 96, 3], -1, 1, 'float32', 7);
    const tfjsOut = (saved.model.predict(x) as tf.Tensor).dataSync();
    const ort = await import('onnxruntime-web');
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(out, 'model.onnx')));
    const onnxOut = (await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, [3, 96, 96, 3]) }))[session.outputNames[0]!]!.data as Float32Array;
    const dir = tempDir('ts-pt-io-');
    fs.writeFileSync(path.join(dir, 'in.f32'), Buffer.from((x.dataSync() as Float32Array).buffer));
    const fwd = spawnSync(python, ['-m', 'transfer_studio_worker.tfjs.tool', 'forward', '--model', path.join(out, 'model.json'), '--weights', path.join(out, 'model.pt'), '--input', path.join(dir, 'in.f32'), '--shape', '3,96,96,3', '--output', path.join(dir, 'out.f32')], { env: { ...process.env, PYTHONPATH: path.join(ROOT, 'python') }, encoding: 'utf8' });
    assert.equal(fwd.status, 0, fwd.stderr);
    const b = fs.readFileSync(path.join(dir, 'out.f32'));
    const ptOut = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    const maxDiff = (a: ArrayLike<number>, c: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - c[i]!)); return m; };
    assert.equal(tfjsOut.length, 12);
    assert.ok(maxDiff(tfjsOut, onnxOut) < 1e-4, `TF.js vs ONNX ${maxDiff(tfjsOut, onnxOut)}`);
    assert.ok(maxDiff(tfjsOut, ptOut) < 1e-4, `TF.js vs .pt ${maxDiff(tfjsOut, ptOut)}`);
    // the standardiser carries the training split's statistics, not the identity it was saved with
    const std = saved.model.getLayer('sequential_1') && (saved.model.layers.find((l) => l.name === 'feature_standardize')!);
    const movingVar = std.getWeights()[3]!.dataSync();
    assert.ok(movingVar.some((v) => Math.abs(v - 1) > 1e-3));
    saved.model.dispose();

    // the same recipe on the TF.js engine scores alike (another image decoder, another float order: within noise)
    const t = train(p.recipe, ['--engine', 'tfjs']);
    assert.equal(t.code, 0, t.stderr);
    const tAcc = of(t.events, 'evaluation')[0]!.report.accuracy!;
    assert.ok(Math.abs(tAcc - ev.report.accuracy!) <= 0.15, `PyTorch ${ev.report.accuracy} vs TF.js ${tAcc}`);
    assert.ok(ev.report.accuracy! >= 0.7, `PyTorch engine accuracy ${ev.report.accuracy}`);
  });

  it('two processes under torchrun (gloo on CPU): one run, events once, the same kind of result', () => {
    const p = project();
    const r = train(p.recipe, ['--engine', 'pytorch', '--python', python, '--nproc', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(of(r.events, 'started')[0]!.backend.device, /× 2 processes \(torchrun/);
    assert.equal(of(r.events, 'done').length, 1);
    assert.equal(of(r.events, 'evaluation').length, 1);
    const epochs = of(r.events, 'epochEnd');
    assert.deepEqual(epochs.map((e) => e.epoch), epochs.map((_, i) => i + 1), 'each epoch reported once');
    assert.ok(of(r.events, 'evaluation')[0]!.report.accuracy! >= 0.6);
  });

  it('Stop reaches the Python worker at its next batch; it keeps a checkpoint that --resume continues from', async () => {
    const p = project({ training: { seed: 3, batchSize: 4, epochs: 50, earlyStopping: false } });
    let stopped = false;
    const run = await trainWorker(p.recipe, { engine: 'pytorch', python, runDir: path.join(p.dir, 'run1') }, {
      env: { TRANSFER_STUDIO_CACHE: path.join(p.dir, 'cache') },
      onEvent: (e, client) => { if (e.type === 'epochEnd' && e.epoch === 2 && !stopped) { stopped = true; client.stop(); } },
    });
    const done = of(run.events, 'done')[0]!;
    assert.equal(done.stopped, true, JSON.stringify(of(run.events, 'error')));
    assert.ok(of(run.events, 'epochEnd').length < 6, 'stopped soon after the request');
    assert.ok(fs.existsSync(path.join(done.output, 'model.json')) && fs.existsSync(path.join(done.output, 'state.pt')), `checkpoint in ${done.output}`);
    const resumed = await trainWorker(p.recipe, { engine: 'pytorch', python, runDir: path.join(p.dir, 'run2'), resume: done.output, epochs: 5 }, { env: { TRANSFER_STUDIO_CACHE: path.join(p.dir, 'cache') } });
    assert.equal(of(resumed.events, 'done')[0]?.stopped, false, JSON.stringify(of(resumed.events, 'error')));
    const first = of(resumed.events, 'epochEnd')[0]!;
    assert.ok(first.epoch >= 3, `continued after the checkpoint's epoch (first epoch ${first.epoch})`);
  });

  it('without torch: --engine pytorch fails naming the interpreter and the install step; auto falls back to TF.js and says why', () => {
    const p = project();
    const fake = path.join(tempDir('ts-nopy-'), 'python-without-torch');
    fs.writeFileSync(fake, `#!/bin/sh\nexec ${process.execPath} -e "process.stderr.write('ModuleNotFoundError: No module named torch\\\\n'); process.exit(1)" "$@"\n`, { mode: 0o755 });
    const refused = runCli(['train', p.recipe, '--engine', 'pytorch', '--python', fake], { cwd: p.dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`the PyTorch engine needs a Python with torch: ${fake.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} could not run the worker`));
    assert.match(refused.stderr, /pip install torch torchvision/);
    const auto = train(p.recipe, ['--epochs', '2'], { TRANSFER_STUDIO_PYTHON: fake, PATH: path.dirname(process.execPath) });
    assert.equal(auto.code, 0, auto.stderr);
    assert.equal(of(auto.events, 'started')[0]!.backend.engine, 'tfjs');
    // the interpreter asked for has no torch; another on this machine may have it, but without a GPU: TF.js either way, and why
    const line = of(auto.events, 'log').find((l) => l.message.startsWith('engine: '))?.message ?? '';
    assert.match(line, /^engine: TF\.js: (PyTorch \S+ in \S+ has no GPU to use|.*could not run the worker)/);
  });
});
