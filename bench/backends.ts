/**
 * 1. Backends (cpu, wasm, tensorflow when tfjs-node loads) × predict / frozen-base train step /
 * partial fine-tune / cached-head training, on a MobileNet-v1-0.25-like model and on the real
 * Teachable Machine MobileNetV2 fixture — through the product's own training step.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { table } from '../src/core/format/table';
import { resolveRecipe } from '../src/core/recipe/resolve';
import { adaptModel } from '../src/engine/tfjs/adapt';
import { forceBackend, selectBackend } from '../src/engine/tfjs/backend';
import { fuseForInference, type FusedInference } from '../src/engine/tfjs/inference/fuse';
import { loadModel } from '../src/engine/tfjs/io/load';
import { withInputSize } from '../src/engine/tfjs/surgery/inputSize';
import { leafLayers } from '../src/engine/tfjs/surgery/layers';
import { batchLoss } from '../src/engine/tfjs/train/losses';
import { stepMemoryBudget } from '../src/engine/tfjs/train/memory';
import { Stepper } from '../src/engine/tfjs/train/step';
import type { Trainee } from '../src/engine/tfjs/train/types';
import { log, quick, results, ROOT, timeIt } from './common';
import { mobileNetV1 } from './kernels';

type Task = 'predict' | 'frozenTrain' | 'partialFineTune' | 'cachedHead';

export interface Built {
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
export function splitLast(model: tf.LayersModel): Built {
  const last = model.layers.at(-1)!;
  const featureIn = last.inboundNodes[0]!.inputTensors[0]!;
  const base = tf.model({ inputs: model.inputs, outputs: featureIn });
  const hIn = tf.input({ shape: featureIn.shape.slice(1) as number[] });
  const head = tf.model({ inputs: hIn, outputs: last.apply(hIn) as tf.SymbolicTensor });
  return { model, base, head };
}

export const varsOf = (layers: tf.layers.Layer[]): tf.Variable[] => layers.flatMap((l) => l.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));

/**
 * A training step as Transfer Studio runs it (train/step.ts): a frozen base runs in inference
 * mode outside the gradient tape; anything else goes through the whole model, in micro-batches
 * when the batch exceeds the backend's memory budget. SGD, so the optimizer costs next to nothing.
 */
export async function productStep(trainee: Trainee, vars: tf.Variable[], x: tf.Tensor, y: tf.Tensor, backendName: string): Promise<{ run: () => void; micro: number }> {
  const opt = tf.train.sgd(1e-4);
  const stepper = new Stepper(trainee, vars, (g) => opt.applyGradients(g), { task: 'single-label', stepMemoryBytes: stepMemoryBudget(backendName) });
  await stepper.plan({ xs: x, ys: y });
  return { run: () => { const [l, m] = stepper.step(x, y); l.dataSync(); tf.dispose([l, m]); }, micro: stepper.microBatch };
}

// the product's frozen base: conv → BN → ReLU chains fused (src/engine/tfjs/inference/fuse.ts)
export const frozenTrainee = (b: Built, base: FusedInference): Trainee => ({ prepare: (x) => base.predict(x), forward: (f, training) => b.head.apply(f, { training }) as tf.Tensor, layers: b.head.layers, headLayerNames: new Set(), regularization: () => [] });
export const wholeTrainee = (model: tf.LayersModel, training = true): Trainee => ({ forward: (x) => model.apply(x, { training }) as tf.Tensor, layers: leafLayers(model), headLayerNames: new Set(), regularization: () => [] });

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

export async function benchBackends(): Promise<void> {
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

