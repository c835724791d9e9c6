/**
 * `npm run bench [-- --quick]`: Transfer Studio's benchmarks. Ratios measured in one run (these
 * machines are noisy: every figure is a median of repeated steps), printed as a table and written
 * to bench/results.json. Never a test: nothing here fails on a number.
 *
 *  1. backends (cpu, wasm, tensorflow when tfjs-node loads) × predict / frozen-base train step /
 *     partial fine-tune / cached-head training, on a MobileNet-v1-0.25-like model and on the real
 *     Teachable Machine MobileNetV2 fixture;
 *  2. the real training path through the worker: seconds per epoch with and without the feature
 *     cache, feature extraction on one vs two threads, tensors leaked per epoch, peak RSS of the
 *     worker on datasets larger than its memory budget;
 *  3. extension activation time and bundle sizes;
 *  4. with PyTorch available (Debian's python3-torch + python3-torchvision), MobileNetV2 1.0 at
 *     224² in both, same batch and steps.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { table } from '../src/core/format/table';
import { resolveRecipe } from '../src/core/recipe/resolve';
import type { WorkerEvent } from '../src/core/protocol/worker';
import { WorkerClient } from '../src/worker/client';
import { adaptModel } from '../src/engine/tfjs/adapt';
import { forceBackend, selectBackend } from '../src/engine/tfjs/backend';
import { configureTfjs } from '../src/engine/tfjs/env';
import { fuseForInference, type FusedInference } from '../src/engine/tfjs/inference/fuse';
import { loadModel } from '../src/engine/tfjs/io/load';
import { withInputSize } from '../src/engine/tfjs/surgery/inputSize';
import { leafLayers } from '../src/engine/tfjs/surgery/layers';
import { batchLoss } from '../src/engine/tfjs/train/losses';
import type { Trainee } from '../src/engine/tfjs/train/types';
import { stepMemoryBudget } from '../src/engine/tfjs/train/memory';
import { Stepper } from '../src/engine/tfjs/train/step';
import { mobileNetV1 } from './kernels';
import { mobileNetV2 } from './models';

const ROOT = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const results: Record<string, unknown> = { date: new Date().toISOString(), quick, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.arch()}` } };
const log = (m: string): void => console.log(`[bench ${((performance.now() / 1000) | 0)}s] ${m}`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function timeIt(fn: () => Promise<void> | void, reps: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts) / 1000;
}

// ── 1. backends × tasks ─────────────────────────────────────────────────────────────────────────
type Task = 'predict' | 'frozenTrain' | 'partialFineTune' | 'cachedHead';

interface Built {
  /** base + head, what partial fine-tuning trains */
  model: tf.LayersModel;
  /** everything below the classifier, and the classifier on the base's output (weights shared with `model`) */
  base: tf.LayersModel;
  head: tf.LayersModel;
}

interface ModelCase {
  name: string;
  build(): Promise<Built>;
  size: number;
  /** Leaf layers unfrozen for the partial fine-tune (from the top). */
  partial: number;
}

/** A flat functional model split before its last layer: base and head share the model's weights. */
function splitLast(model: tf.LayersModel): Built {
  const last = model.layers.at(-1)!;
  const featureIn = last.inboundNodes[0]!.inputTensors[0]!;
  const base = tf.model({ inputs: model.inputs, outputs: featureIn });
  const hIn = tf.input({ shape: featureIn.shape.slice(1) as number[] });
  const head = tf.model({ inputs: hIn, outputs: last.apply(hIn) as tf.SymbolicTensor });
  return { model, base, head };
}

const varsOf = (layers: tf.layers.Layer[]): tf.Variable[] => layers.flatMap((l) => l.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));

/**
 * A training step as Transfer Studio runs it (train/step.ts): a frozen base runs in inference
 * mode outside the gradient tape; anything else goes through the whole model, in micro-batches
 * when the batch exceeds the backend's memory budget. SGD, so the optimizer costs next to nothing.
 */
async function productStep(trainee: Trainee, vars: tf.Variable[], x: tf.Tensor, y: tf.Tensor, backendName: string): Promise<{ run: () => void; micro: number }> {
  const opt = tf.train.sgd(1e-4);
  const stepper = new Stepper(trainee, vars, (g) => opt.applyGradients(g), { task: 'single-label', stepMemoryBytes: stepMemoryBudget(backendName) });
  await stepper.plan({ xs: x, ys: y });
  return { run: () => { const [l, m] = stepper.step(x, y); l.dataSync(); tf.dispose([l, m]); }, micro: stepper.microBatch };
}

// the product's frozen base: conv → BN → ReLU chains fused (src/engine/tfjs/inference/fuse.ts)
const frozenTrainee = (b: Built, base: FusedInference): Trainee => ({ prepare: (x) => base.predict(x), forward: (f, training) => b.head.apply(f, { training }) as tf.Tensor, layers: b.head.layers, headLayerNames: new Set(), regularization: () => [] });
const wholeTrainee = (model: tf.LayersModel, training = true): Trainee => ({ forward: (x) => model.apply(x, { training }) as tf.Tensor, layers: leafLayers(model), headLayerNames: new Set(), regularization: () => [] });

/** Images per second for each task on the current backend. */
async function measureTasks(c: ModelCase, batch: number, reps: number, backendName: string): Promise<Record<Task, number>> {
  const built = await c.build();
  const { model } = built;
  const leaves = leafLayers(model);
  const x = tf.randomUniform([batch, c.size, c.size, 3], -1, 1, 'float32', 1);
  const classes = model.outputs[0]!.shape[1] as number;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32'), classes);
  const slow = backendName === 'cpu';
  const r = slow ? Math.max(1, Math.min(reps, 2)) : reps;
  const out: Partial<Record<Task, number>> = {};
  const fusedModel = fuseForInference(model); // the product's predict: planned once per request
  out.predict = batch / (await timeIt(() => { tf.tidy(() => fusedModel.predict(x).dataSync()); }, r));
  fusedModel.dispose();
  for (const l of leaves) l.trainable = false;
  for (const l of built.head.layers) l.trainable = true; // the classifier (shared with the model's last layer)
  const fusedBase = fuseForInference(built.base);
  const frozen = await productStep(frozenTrainee(built, fusedBase), varsOf(built.head.layers), x, y, backendName);
  out.frozenTrain = batch / (await timeIt(frozen.run, r));
  fusedBase.dispose();
  const top = leaves.filter((l) => l.weights.length > 0 && l.getClassName() !== 'BatchNormalization').slice(-c.partial);
  top.forEach((l) => { l.trainable = true; });
  const partial = await productStep(wholeTrainee(model), varsOf(top), x, y, backendName);
  if (partial.micro) log(`  partial fine-tune on ${backendName}: micro-batches of ${partial.micro}`);
  out.partialFineTune = batch / (await timeIt(partial.run, slow ? 1 : r));
  // the head alone on cached features (what the fast path trains)
  const featureIn = leaves.at(-1)!.inboundNodes[0]!.inputTensors[0]!;
  const feats = tf.randomUniform([batch * 8, ...(featureIn.shape.slice(1) as number[])]);
  const hIn = tf.input({ shape: featureIn.shape.slice(1) as number[] });
  const headModel = tf.model({ inputs: hIn, outputs: tf.layers.dense({ units: classes, activation: 'softmax' }).apply(hIn) as tf.SymbolicTensor });
  const hy = tf.oneHot(tf.tensor1d(Array.from({ length: batch * 8 }, (_, i) => i % classes), 'int32'), classes);
  const hvars = headModel.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const hopt = tf.train.adam(1e-3);
  const epoch = (): void => {
    for (let i = 0; i < 8; i++) tf.tidy(() => { const xb = feats.slice([i * batch, 0], [batch, -1]); const yb = hy.slice([i * batch, 0], [batch, -1]); const { value, grads } = tf.variableGrads(() => batchLoss('single-label', yb, headModel.apply(xb, { training: true }) as tf.Tensor), hvars); hopt.applyGradients(grads as Parameters<typeof hopt.applyGradients>[0]); value.dataSync(); });
  };
  out.cachedHead = (batch * 8) / (await timeIt(epoch, reps * 2));
  tf.dispose([x, y, feats, hy]);
  model.dispose();
  headModel.dispose();
  built.head.dispose();
  return out as Record<Task, number>;
}

async function benchBackends(): Promise<void> {
  const backends: string[] = ['cpu', 'wasm'];
  const batch = quick ? 8 : 32; // quick: the pure-JS backend's steps dominate the run; same batch for every backend
  const reps = quick ? 2 : 5;
  results.backendBatch = batch;
  const cases: ModelCase[] = [
    { name: 'mobilenet_v1_0.25_128', size: 128, partial: 6, build: async () => splitLast(mobileNetV1(128, 0.25, 10)) },
    { name: 'tm_mobilenet_v2_0.35_' + (quick ? 128 : 224), size: quick ? 128 : 224, partial: 6, build: async () => {
      const l = await loadModel(path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'));
      if (quick) l.model = await withInputSize(l.model, 128, 128);
      const a = adaptModel(l, resolveRecipe({ model: l.source }, path.join(os.tmpdir(), 'b.adapt.json')), { outputs: 10, trainEverything: true });
      return { model: a.model, base: a.base, head: a.head };
    } },
  ];
  // the native backend, when @tensorflow/tfjs-node loads in this process
  try {
    require.resolve('@tensorflow/tfjs-node');
    backends.push('tensorflow');
  } catch {
    log('tfjs-node is not installed: the native backend is not measured');
  }
  const rows: Record<string, Record<string, Record<Task, number>>> = {};
  for (const c of cases) {
    rows[c.name] = {};
    for (const b of backends) {
      if (b === 'tensorflow') { const info = await selectBackend('tensorflow'); if (info.name !== 'tensorflow') continue; } else await forceBackend(b as 'cpu' | 'wasm');
      log(`${c.name} on ${b}…`);
      rows[c.name]![b] = await measureTasks(c, batch, reps, b);
    }
  }
  results.backends = rows;
  const m = rows['mobilenet_v1_0.25_128']!;
  const ratio = (task: Task, a = 'wasm', b = 'cpu', row = m): number => row[a]![task] / row[b]![task];
  results.wasmVsCpuPredict = ratio('predict');
  results.wasmVsCpuFrozenTrain = ratio('frozenTrain');
  results.wasmVsCpuPartialFineTune = ratio('partialFineTune');
  results.wasmVsCpuCachedHead = ratio('cachedHead');
  results.defaultVsCpuFrozenTrain = ratio('frozenTrain', m.tensorflow ? 'tensorflow' : 'wasm');
  const f = rows[cases[1]!.name]!;
  results.fixtureWasmVsCpuFrozenTrain = ratio('frozenTrain', 'wasm', 'cpu', f);
  results.fixtureWasmVsCpuPartialFineTune = ratio('partialFineTune', 'wasm', 'cpu', f);
  console.log(`\nimages per second, batch ${batch} (higher is better)`);
  const taskNames: Task[] = ['predict', 'frozenTrain', 'partialFineTune', 'cachedHead'];
  console.log(table(['model', 'backend', ...taskNames], Object.entries(rows).flatMap(([model, byB]) => Object.entries(byB).map(([b, t]) => [model, b, ...taskNames.map((k) => t[k].toFixed(1))])), ['l', 'l', 'r', 'r', 'r', 'r']));
}

// ── 2. the real training path, through the worker ─────────────────────────────────────────────────
async function writeImages(dir: string, perClass: number, offset = 0): Promise<void> {
  const { writeFashionImages } = await import(path.join(ROOT, 'scripts', 'lib', 'fashion.mjs'));
  await (writeFashionImages as (d: string, o: { perClass: number; offset: number }) => Promise<number>)(dir, { perClass, offset });
}

interface WorkerRun { events: WorkerEvent[]; peakRssMB: number }

async function runWorker(recipe: string, env: NodeJS.ProcessEnv, overrides: Record<string, unknown> = {}): Promise<WorkerRun> {
  const client = new WorkerClient({ script: path.join(ROOT, 'dist', 'worker.js'), env, execArgv: ['--max-old-space-size=8192'] });
  const events: WorkerEvent[] = [];
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = fs.readFileSync(`/proc/${client.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch { /* gone */ }
  }, 200);
  const done = new Promise<void>((resolve) => client.onEvent((e) => { events.push(e); if (e.type === 'done' || (e.type === 'error' && e.id === undefined)) resolve(); }));
  await client.ready;
  client.send({ type: 'train', recipe, overrides: { runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-run-')), ...overrides } });
  await done;
  clearInterval(poll);
  await client.shutdown(3000);
  const err = events.find((e) => e.type === 'error');
  if (err && err.type === 'error') throw new Error(`worker: ${err.error.message}`);
  return { events, peakRssMB: Math.round(peak) };
}

const epochSeconds = (r: WorkerRun): number[] => r.events.filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> => e.type === 'epochEnd').map((e) => e.durationMs / 1000);
const featureSeconds = (r: WorkerRun): number => Number(/in ([\d.]+) s$/.exec(r.events.filter((e): e is Extract<WorkerEvent, { type: 'log' }> => e.type === 'log').find((e) => e.message.startsWith('features:'))?.message ?? '')?.[1] ?? NaN);

async function benchWorker(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const perClass = quick ? 12 : 40;
  const size = quick ? 128 : 224;
  await writeImages(path.join(work, 'data'), perClass);
  const recipe = (name: string, data: Record<string, unknown>, training: Record<string, unknown>): string => {
    const f = path.join(work, `${name}.adapt.json`);
    fs.writeFileSync(f, JSON.stringify({ model: path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'), data: { train: './data', validationSplit: 0.2, imageSize: [size, size], ...data }, training: { batchSize: 32, seed: 1, ...training }, output: `./${name}-out` }));
    return f;
  };
  const epochs = quick ? 2 : 3;
  log(`worker: ${perClass * 10} images at ${size}², cached vs uncached epochs…`);
  // cached epochs cost a tenth of a second: more of them give a steadier median (the first one warms up)
  const cached = await runWorker(recipe('cached', {}, { epochs: quick ? 4 : 8 }), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-a'), TRANSFER_STUDIO_EXTRACT_THREADS: '1' });
  const uncached = await runWorker(recipe('uncached', { cache: 'off' }, { epochs }), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-b') });
  const c = median(epochSeconds(cached));
  const u = median(epochSeconds(uncached));
  results.epochSecondsCached = c;
  results.epochSecondsUncached = u;
  results.featureExtractionSeconds1Thread = featureSeconds(cached);
  results.cachedVsFrozenSpeedup = u / c;

  log('worker: feature extraction on two threads…');
  const two = await runWorker(recipe('twothreads', {}, { epochs: 1 }), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-c'), TRANSFER_STUDIO_EXTRACT_THREADS: '2' });
  results.featureExtractionSeconds2Threads = featureSeconds(two);
  results.parallelExtractionSpeedup = featureSeconds(cached) / featureSeconds(two);

  log('worker: tensors per epoch over 5 epochs (uncached, augmentation on)…');
  const leak = await runWorker(recipe('leak', { cache: 'off', augment: { flip: true } }, { epochs: 5, batchSize: 16 }), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-d') });
  const tensors = leak.events.filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> => e.type === 'epochEnd').map((e) => e.tensors);
  results.tensorsPerEpoch = tensors;
  results.tensorsLeakedPerEpoch = (Math.max(...tensors) - Math.min(...tensors)) / Math.max(1, tensors.length - 1);

  // memory: two datasets, both larger than a 64 MiB budget; the worker streams, so its peak RSS stays put
  const budgetMB = quick ? 24 : 64;
  results.workerMemoryBudgetMB = budgetMB;
  const sizes = quick ? [30, 60] : [60, 150];
  const peaks: Record<string, number> = {};
  for (const n of sizes) {
    const dir = path.join(work, `mem-${n}`);
    await writeImages(path.join(dir, 'data'), n);
    const f = path.join(dir, 'mem.adapt.json');
    fs.writeFileSync(f, JSON.stringify({ model: path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'), data: { train: './data', validationSplit: 0.1, cache: 'off', augment: { flip: true } }, training: { epochs: 1, batchSize: 16 }, output: './out' }));
    log(`worker: peak RSS with ${n * 10} images at 224² (decoded ${Math.round((n * 10 * 224 * 224 * 3) / 2 ** 20)} MiB) and a ${budgetMB} MiB budget…`);
    const r = await runWorker(f, { TRANSFER_STUDIO_CACHE: path.join(dir, 'cache'), TRANSFER_STUDIO_MEMORY_BUDGET_MB: String(budgetMB) });
    peaks[`${n * 10} images (${Math.round((n * 10 * 224 * 224 * 3) / 2 ** 20)} MiB decoded)`] = r.peakRssMB;
    const ds = r.events.find((e) => e.type === 'dataset');
    if (ds && ds.type === 'dataset' && !ds.report.streaming) log('warning: the dataset did not stream');
  }
  results.workerPeakRssMB = peaks;
  const pv = Object.values(peaks);
  results.peakRssGrowthWithDataset = pv[1]! / pv[0]!;
  fs.rmSync(work, { recursive: true, force: true });
}

// ── 3. extension activation and bundles ───────────────────────────────────────────────────────────
function benchExtension(): void {
  const sizes: Record<string, number> = {};
  for (const f of ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/extract-thread.js', 'dist/webview/designer.js', 'dist/webview/dashboard.js', 'dist/webview/inspector.js']) {
    if (fs.existsSync(path.join(ROOT, f))) sizes[f] = Math.round(fs.statSync(path.join(ROOT, f)).size / 1024);
  }
  results.bundleKiB = sizes;
  // activate() against a stand-in `vscode` API (every member callable): the cost of our own code and bundle
  const Module = require('node:module') as { _load: (r: string, ...a: unknown[]) => unknown };
  const any: unknown = new Proxy(function () { /* stand-in */ }, { get: (_t, p) => (p === 'then' ? undefined : p === Symbol.toPrimitive ? () => '' : any), apply: () => any, construct: () => any as object, set: () => true });
  // esbuild copies a module's own properties (__toESM): name every member the bundle uses
  const used = new Set([...fs.readFileSync(path.join(ROOT, 'dist', 'extension.js'), 'utf8').matchAll(/\bvscode\d*\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
  const standIn = Object.fromEntries([...used].map((n) => [n, any]));
  const load = Module._load;
  Module._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? standIn : load(request, ...rest));
  try {
    const t0 = performance.now();
    const ext = require(path.join(ROOT, 'dist', 'extension.js')) as { activate(ctx: unknown): unknown };
    const loaded = performance.now();
    ext.activate({ subscriptions: [], extensionUri: any, globalStorageUri: any, extensionMode: 1, asAbsolutePath: (p: string) => p });
    results.extensionLoadMs = Math.round((loaded - t0) * 10) / 10;
    results.extensionActivateMs = Math.round((performance.now() - loaded) * 10) / 10;
  } catch (e) {
    results.extensionActivateError = (e as Error).message;
  } finally {
    Module._load = load;
  }
}

// ── 4. PyTorch on the same network ────────────────────────────────────────────────────────────────
async function benchPyTorch(): Promise<void> {
  const python = ['/usr/bin/python3', 'python3'].find((p) => { try { execFileSync(p, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }); return true; } catch { return false; } });
  if (!python) {
    log('PyTorch not found (apt install python3-torch python3-torchvision): comparison skipped');
    return;
  }
  const size = quick ? 160 : 224;
  const batch = 32;
  const steps = quick ? 2 : 4;
  log(`PyTorch ${size}² MobileNetV2, batch ${batch}…`);
  const torch = JSON.parse(execFileSync(python, [path.join(__dirname, 'pytorch_bench.py'), String(size), String(batch), String(steps), String(os.cpus().length)], { encoding: 'utf8' })) as Record<string, number>;
  log(`TF.js (wasm) ${size}² MobileNetV2, batch ${batch}, through Transfer Studio's training step…`);
  await forceBackend('wasm');
  const built = splitLast(mobileNetV2(size, 10));
  const { model } = built;
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  // the product's predict (conv → BN → ReLU fused), and TF.js's own model.predict for reference
  const fusedModel = fuseForInference(model);
  const predict = await timeIt(() => { tf.tidy(() => fusedModel.predict(x).dataSync()); }, steps);
  fusedModel.dispose();
  const predictUnfused = await timeIt(() => { tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()); }, steps);
  const leaves = leafLayers(model);
  for (const l of leaves) l.trainable = false;
  for (const l of built.head.layers) l.trainable = true;
  const fusedBase = fuseForInference(built.base);
  const frozenStep = await productStep(frozenTrainee(built, fusedBase), varsOf(built.head.layers), x, y, 'wasm');
  const frozen = await timeIt(frozenStep.run, steps);
  fusedBase.dispose();
  for (const l of leaves) l.trainable = true;
  // every layer trains, BatchNorm in training mode as PyTorch's model.train(); the WASM heap's 4 GiB
  // cannot hold a batch of 32 at once, so the step runs in micro-batches (what users get)
  const fullStep = await productStep(wholeTrainee(model), varsOf(leaves), x, y, 'wasm');
  log(`  full training: micro-batches of ${fullStep.micro || batch}`);
  const full = await timeIt(fullStep.run, Math.max(1, steps >> 1));
  const ours = { predictImgPerSec: batch / predict, predictUnfusedImgPerSec: batch / predictUnfused, frozenTrainImgPerSec: batch / frozen, fullTrainImgPerSec: batch / full, fullTrainMicroBatch: fullStep.micro || batch };
  results.pytorch = { torch, tfjsWasm: ours };
  results.vsPyTorchPredict = ours.predictImgPerSec / torch.predictImgPerSec!;
  results.vsPyTorchFrozenTrain = ours.frozenTrainImgPerSec / torch.frozenTrainImgPerSec!;
  results.vsPyTorchFullTrain = ours.fullTrainImgPerSec / torch.fullTrainImgPerSec!;
  console.log(`\nMobileNetV2 1.0 at ${size}², batch ${batch} (TF.js full training in micro-batches of ${ours.fullTrainMicroBatch}), images per second`);
  console.log(table(['', 'predict', 'frozen-base train', 'full train'], [
    [`PyTorch ${torch.torch} (${torch.threads} threads)`, torch.predictImgPerSec!.toFixed(1), torch.frozenTrainImgPerSec!.toFixed(1), torch.fullTrainImgPerSec!.toFixed(1)],
    ['Transfer Studio, TF.js WASM', ours.predictImgPerSec.toFixed(1), ours.frozenTrainImgPerSec.toFixed(1), ours.fullTrainImgPerSec.toFixed(1)],
    ['TF.js model.predict, unfused', ours.predictUnfusedImgPerSec.toFixed(1), '', ''],
  ], ['l', 'r', 'r', 'r']));
  tf.dispose([x, y]);
  model.dispose();
  built.head.dispose();
}

async function main(): Promise<void> {
  configureTfjs(() => undefined);
  const t0 = performance.now();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'worker.js'))) throw new Error('run `npm run build` first');
  benchExtension();
  await benchBackends();
  await benchWorker();
  await benchPyTorch();
  results.seconds = Math.round((performance.now() - t0) / 1000);
  const keys = Object.entries(results).filter(([, v]) => typeof v === 'number');
  console.log('\n' + table(['key', 'value'], keys.map(([k, v]) => [k, Number.isInteger(v) ? String(v) : (v as number).toFixed(2)]), ['l', 'r']));
  const out = path.join(__dirname, 'results.json');
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2) + '\n');
  fs.renameSync(tmp, out);
  console.log(`\nwrote ${path.relative(process.cwd(), out)} in ${results.seconds} s`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
