/**
 * Which cut transfers best, answered with data: one forward pass over a sample of the data with
 * every candidate cut (core/probe/candidates.ts) as an output, spatial outputs average-pooled, then
 * a linear probe per candidate (core/probe/ridge.ts) scored on the validation sample. A deep cut
 * that scores worse than a shallower one is negative transfer, visible before any training.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseDefaultCut } from '../../core/classifier';
import { UserError } from '../../core/errors';
import { planProbe } from '../../core/probe/candidates';
import { ridgeProbe, standardize, type ProbeData } from '../../core/probe/ridge';
import type { ProbeReport } from '../../core/protocol/reports';
import type { ResolvedRecipe } from '../../core/recipe/resolve';
import { rng, shuffled } from '../../core/random';
import { taskMetric } from '../../core/training/monitor';
import { openDataset } from './data';
import { recipeLayout } from '../../core/multitask/csv';
import { headScored } from '../../core/multitask/report';
import { strataFor, stratifiedSplit } from './data/split';
import type { Example } from './data/types';
import { fuseForInference } from './inference/fuse';
import { summarizeModel } from './inspect';
import { loadModel } from './io/load';
import { imageSpecFor } from './recipe';
import { withInputSize } from './surgery/inputSize';
import { isContainer } from './surgery/layers';

export interface ProbeOptions {
  /** Images the probe reads at most (training and validation together). Default 400. */
  maxImages?: number;
  batchSize?: number;
  onProgress?(done: number, total: number): void;
  shouldStop?(): boolean;
}

/** A stratified sample of `examples`, at most `n`, seeded. */
function sample(examples: Example[], n: number, seed: number, task: ResolvedRecipe['task']): Example[] {
  if (examples.length <= n) return examples;
  const { validation } = stratifiedSplit(shuffled(examples, rng(seed)), n / examples.length, seed, strataFor(task, examples));
  return validation;
}

function targets(examples: Example[], k: number, task: ResolvedRecipe['task']): Float32Array {
  const y = new Float32Array(examples.length * k);
  examples.forEach((e, i) => {
    if (task === 'regression') e.values.forEach((v, c) => { y[i * k + c] = v; });
    else for (const c of e.classes) y[i * k + c] = 1;
  });
  return y;
}

export async function probeCuts(recipe: ResolvedRecipe, opts: ProbeOptions = {}): Promise<ProbeReport> {
  const t0 = performance.now();
  if (!recipe.data) throw new UserError('the recipe has no "data": the probe scores cuts on your data', { file: recipe.file, jsonPath: '/data' });
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  const summary = summarizeModel(loaded);
  const choice = chooseDefaultCut(summary.layers);
  const deepest = choice?.cut ?? recipe.cut;
  if (!deepest) throw new UserError('cannot tell where the feature extractor ends: set "cut" in the recipe, then probe again', { file: recipe.file, jsonPath: '/cut' });
  const plan = planProbe(summary.layers, deepest);
  if (!plan || plan.candidates.length === 0) throw new UserError(`no layer to probe below "${deepest}"`, { file: recipe.file });

  // several heads: the probe ranks cuts for the first head, on the images that have its label
  const layout = recipeLayout(recipe);
  const probed = layout?.heads[0];
  const task = probed?.task ?? recipe.task;
  const opened = await openDataset({
    train: recipe.data.train, validation: recipe.data.validation, test: recipe.data.test, validationSplit: recipe.data.validationSplit,
    labels: recipe.data.labels, task: recipe.task, seed: recipe.training.seed, maxSkipped: recipe.data.maxSkipped, image, multiTask: layout,
  });
  const view = (list: Example[]): Example[] => (probed ? headScored(probed, list.map((e) => ({ ...e, output: [] }))).map((x) => ({ file: x.file, classes: x.classes, values: x.values })) : list);
  const dataset = { ...opened, labels: probed ? probed.labels : opened.labels, train: view(opened.train), validation: view(opened.validation), loadInto: opened.loadInto };
  const max = opts.maxImages ?? 400;
  let trainSet = dataset.train;
  let valSet = dataset.validation;
  if (valSet.length === 0) ({ train: trainSet, validation: valSet } = stratifiedSplit(trainSet, 0.25, recipe.training.seed, strataFor(task, trainSet)));
  const valShare = Math.min(0.5, valSet.length / (trainSet.length + valSet.length));
  trainSet = sample(trainSet, Math.round(max * (1 - valShare)), recipe.training.seed, task);
  valSet = sample(valSet, Math.max(1, Math.round(max * valShare)), recipe.training.seed + 1, task);
  if (trainSet.length < 4 || valSet.length < 2) throw new UserError(`too few images to probe (${trainSet.length} training, ${valSet.length} validation)`, { file: recipe.data.train });

  // one model per group (a TM export's MobileNet, then what follows it), each fed the model's own input
  const probes = plan.groups.map((g) => {
    let host: tf.LayersModel = loaded.model;
    for (const name of g.host) {
      const inner = host.getLayer(name);
      if (!isContainer(inner)) throw new Error(`${name} is not a nested model`);
      host = inner;
    }
    const m = tf.model({ inputs: host.inputs, outputs: g.candidates.map((c) => host.getLayer(c.read).output as tf.SymbolicTensor) });
    return { fused: fuseForInference(m), indexes: g.candidates.map((c) => plan.candidates.indexOf(c)) };
  });
  const examples = [...trainSet, ...valSet];
  const { height, width, channels } = image;
  const per = height * width * channels;
  const bs = opts.batchSize ?? 16;
  const features: Float32Array[] = [];
  const sizes: number[] = [];
  const spatial: boolean[] = [];
  const tf0 = performance.now();
  try {
    const pixels = new Float32Array(bs * per);
    for (let i = 0; i < examples.length; i += bs) {
      if (opts.shouldStop?.()) throw new UserError('probe stopped');
      const chunk = examples.slice(i, i + bs);
      const px = pixels.subarray(0, chunk.length * per);
      await Promise.all(chunk.map((e, j) => dataset.loadInto(e, px, j * per)));
      const pooled: tf.Tensor[] = new Array(plan.candidates.length);
      tf.tidy(() => {
        const x = tf.tensor4d(px, [chunk.length, height, width, channels]);
        for (const p of probes) {
          const out = p.fused.predict(x) as unknown as tf.Tensor | tf.Tensor[];
          (Array.isArray(out) ? out : [out]).forEach((t, j) => {
            const c = p.indexes[j]!;
            spatial[c] = t.rank > 2;
            pooled[c] = tf.keep(t.rank === 4 ? tf.mean(t, [1, 2]) : t.rank === 3 ? tf.mean(t, 1) : t.reshape([chunk.length, -1]));
          });
        }
      });
      const values = await Promise.all(pooled.map((t) => t.data() as Promise<Float32Array>));
      values.forEach((v, c) => {
        const d = v.length / chunk.length;
        if (!features[c]) { features[c] = new Float32Array(examples.length * d); sizes[c] = d; }
        features[c]!.set(v, i * d);
      });
      tf.dispose(pooled);
      opts.onProgress?.(Math.min(examples.length, i + bs), examples.length);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    for (const p of probes) p.fused.dispose();
  }
  const forwardMs = performance.now() - tf0;

  const k = dataset.labels.length;
  const yTrain = targets(trainSet, k, task);
  const yVal = targets(valSet, k, task);
  const nt = trainSet.length;
  const rows = plan.candidates.map((c, i) => {
    const ts = performance.now();
    const d = sizes[i]!;
    const all = features[i]!;
    const train: ProbeData = { x: all.slice(0, nt * d), n: nt, d, y: yTrain, k };
    const val: ProbeData = { x: all.slice(nt * d), n: valSet.length, d, y: yVal, k };
    standardize(train, val);
    const score = ridgeProbe(task, train, val);
    return { cut: c.cut, className: c.className, depth: c.depth, features: d, spatial: c.cut === c.read && spatial[i] === true, value: score.metric, train: score.train, lambda: score.lambda, ms: performance.now() - ts };
  });
  const higher = task !== 'regression';
  const score = (r: { value: number }): number => (higher ? r.value : -r.value);
  // the best score; within one validation image of it, the deeper cut (more of the pre-trained network kept)
  const tol = higher ? 1 / valSet.length + 1e-9 : 1e-9;
  let best = rows[0]!;
  for (const r of rows) { const d = score(r) - score(best); if (d > tol || (Math.abs(d) <= tol && r.depth > best.depth)) best = r; }
  const notes: string[] = [];
  const last = rows.at(-1)!;
  if (best !== last && score(best) - score(last) > tol) {
    notes.push(`negative transfer at the top: "${best.cut}" scores ${fmt(best.value, higher)} against ${fmt(last.value, higher)} at the backbone's output "${last.cut}" — its last layers are specific to the old task`);
  }
  if (probed) notes.push(`probed for the head "${probed.name}" (${probed.task}), the first of ${layout!.heads.length}: put the head whose features matter most first`);
  if (valSet.length < 30) notes.push(`only ${valSet.length} validation images: differences of one or two images are noise`);
  return {
    task, metric: taskMetric(task), higherIsBetter: higher, rows, best: best.cut, defaultCut: deepest, currentCut: recipe.cut,
    images: { train: nt, validation: valSet.length }, forwardMs, totalMs: performance.now() - t0, notes,
  };
}

function fmt(v: number, percent: boolean): string {
  return percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4);
}
