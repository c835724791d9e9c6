/**
 * One adaptation run, end to end: backend, model, data, the adapted model, the fast path or full
 * training, optional phase-2 fine-tuning and from-scratch baseline, evaluation and the saved
 * model. Everything it does is reported as protocol events (and appended to the run's event log).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { toErrorInfo, UserError } from '../../../core/errors';
import { headline, transferWarnings } from '../../../core/metrics';
import type { EvaluationReport, TrainOverrides, WorkerEvent } from '../../../core/protocol';
import type { ResolvedRecipe } from '../../../core/recipe/resolve';
import { claimRunFolder } from '../../../core/runFolder';
import { checkOutputFolder, modelFolder } from '../../../core/recipe/resolve';
import { adaptModel, type AdaptedModel } from '../adapt';
import { selectBackend } from '../backend';
import { batches, openDataset } from '../data';
import type { Dataset, Example } from '../data/types';
import { evaluateExamples, imagePredictor, targetsFor, type PredictFn } from '../evaluate';
import { fuseForInference, withFusedInference } from '../inference/fuse';
import { loadModel, type LoadedModel } from '../io/load';
import { saveAdaptedModel, writeFileAtomic, type AdaptedMetadata } from '../io/save';
import { imageSpecFor, readRecipe } from '../recipe';
import { freshDropoutMasks } from '../surgery/dropout';
import { applyFreeze } from '../surgery/freeze';
import { withInputSize } from '../surgery/inputSize';
import { hasWeights, leafLayers } from '../surgery/layers';
import { defaultCacheDir, ExtractionQueue, extractFeatures, featureBatches, featureCacheKey, FeatureStore } from './features';
import { classWeightVector } from './losses';
import { stepMemoryBudget } from './memory';
import { scoreBatches, trainLoop, type BatchSource, type LoopResult, type Trainee } from './loop';
import { Progress } from './progress';
import { ExtractionThread, extractionThreadCount, extractOnThreads, worthThreads } from './threads';

export interface RunContext {
  emit(event: WorkerEvent): void;
  shouldStop(): boolean;
  /** Feature cache root (the extension passes its global storage); default ~/.cache/transfer-studio. */
  cacheDir?: string;
}

/** Bytes of decoded images (and of cached features) kept in memory; beyond it they stream from disk. */
function memoryBudget(): number | undefined {
  const mb = Number(process.env.TRANSFER_STUDIO_MEMORY_BUDGET_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : undefined;
}

/** A new, empty run folder beside the recipe (see core/runFolder.ts). */
export function defaultRunDir(recipe: ResolvedRecipe): string {
  return claimRunFolder(recipe.dir, recipe.name);
}

function applyOverrides(recipe: ResolvedRecipe, o: TrainOverrides): ResolvedRecipe {
  const output = !recipe.raw.output && o.output ? path.resolve(o.output) : recipe.output;
  checkOutputFolder(output, recipe.model, recipe.file);
  return {
    ...recipe,
    output,
    training: {
      ...recipe.training,
      epochs: o.epochs ?? recipe.training.epochs,
      backend: o.backend ?? recipe.training.backend,
      baseline: o.baseline ?? recipe.training.baseline,
    },
  };
}

/** Top N weighted layers of the base, BatchNormalization excluded (it stays frozen, in inference mode). */
export function topLayersToUnfreeze(base: tf.LayersModel, n: number): string[] {
  const candidates = leafLayers(base).filter((l) => hasWeights(l) && l.getClassName() !== 'BatchNormalization');
  return candidates.slice(-n).map((l) => l.name);
}

interface Checkpointer {
  save(kind: 'checkpoint' | 'best', phase: string, epoch: number, value?: number | null): Promise<string>;
}

export async function runTraining(recipeFile: string, overrides: TrainOverrides, ctx: RunContext): Promise<void> {
  const started = performance.now();
  const recipe = applyOverrides(readRecipe(recipeFile), overrides);
  const runDir = overrides.runDir ?? defaultRunDir(recipe);
  fs.mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, 'events.jsonl');
  const emit = (e: WorkerEvent): void => {
    fs.appendFileSync(logFile, JSON.stringify({ t: Date.now(), ...e }) + '\n');
    ctx.emit(e);
  };
  const log = (message: string, level: 'info' | 'warn' | 'debug' = 'info'): void => emit({ type: 'log', level, message });
  writeFileAtomic(path.join(runDir, 'run.json'), JSON.stringify({ recipe: recipe.file, name: recipe.name, output: recipe.output, startedAt: new Date().toISOString(), status: 'running', pid: process.pid }, null, 2));
  let status: 'done' | 'stopped' | 'failed' = 'failed';
  let summary: Record<string, unknown> = {};
  const deferred: (() => void)[] = []; // cleanups execute() registers (an extraction thread)
  try {
    const result = await execute(recipe, overrides, runDir, { ...ctx, emit }, log, (fn) => deferred.push(fn));
    status = result.stopped ? 'stopped' : 'done';
    summary = result.summary;
    emit({ type: 'done', output: result.output, stopped: result.stopped, durationMs: performance.now() - started });
  } catch (caught) {
    const e = wasmOutOfMemory(caught, recipe) ?? caught;
    // the event log keeps the error too, so a failed run reopened later still says why
    const error = toErrorInfo(e);
    fs.appendFileSync(logFile, JSON.stringify({ t: Date.now(), type: 'error', error }) + '\n');
    summary = { error: error.message };
    throw e;
  } finally {
    for (const fn of deferred) fn();
    const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileAtomic(path.join(runDir, 'run.json'), JSON.stringify({ ...run, ...summary, status, endedAt: new Date().toISOString(), durationMs: Math.round(performance.now() - started) }, null, 2));
  }
}

/**
 * The WASM heap cannot grow past 4 GiB; when a step still outgrows it (kernel scratch, a budget
 * set too high) WebAssembly traps with "memory access out of bounds". Say what happened and
 * what to change instead.
 */
function wasmOutOfMemory(e: unknown, recipe: ResolvedRecipe): UserError | undefined {
  const message = e instanceof Error ? e.message : String(e);
  const trapped = e instanceof WebAssembly.RuntimeError || /Aborted\(|Cannot enlarge memory/.test(message);
  if (!trapped || !/memory access out of bounds|OOM|Cannot enlarge memory|out of memory/i.test(message) || tf.getBackend() !== 'wasm') return undefined;
  return new UserError(`the WASM backend ran out of memory (its heap is limited to 4 GiB): ${message}`, {
    file: recipe.file,
    hint: `lower "training.batchSize" (now ${recipe.training.batchSize}) or "data.imageSize", freeze more of the base, or install @tensorflow/tfjs-node, which has no such limit`,
  });
}

async function execute(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, ctx: RunContext, log: (m: string, l?: 'info' | 'warn' | 'debug') => void, defer: (cleanup: () => void) => void): Promise<{ output: string; stopped: boolean; summary: Record<string, unknown> }> {
  // the last completed epoch, so a stop checkpoint resumes where it left off
  let last = { phase: 'head', epoch: 0 };
  const emit = (e: WorkerEvent): void => {
    if (e.type === 'epochEnd') last = { phase: e.phase, epoch: e.epoch };
    ctx.emit(e);
  };
  const t = recipe.training;
  if (!recipe.data) throw new UserError('the recipe has no "data": nothing to train on', { file: recipe.file, jsonPath: '/data', hint: 'add "data": { "train": "path/to/class-folders" }' });
  const backend = await selectBackend(t.backend, (line) => log(line));
  tf.randomUniform([1]).dispose(); // make sure the backend is live before timing anything
  const stepBudget = stepMemoryBudget(backend.name);
  // feature-extraction threads, started now so that they load and warm up while this thread opens
  // the dataset; used only if the run takes the fast path with enough images to extract
  const augment = recipe.data.augment && Object.values(recipe.data.augment).some((v) => v) ? recipe.data.augment : undefined;
  const cacheDir = recipe.data.cache === 'memory' ? undefined : ctx.cacheDir ?? defaultCacheDir();
  const threadCount = !augment && recipe.data.cache !== 'off' ? extractionThreadCount(recipe) : 0;
  const threads = Array.from({ length: threadCount }, () => new ExtractionThread({ recipe: recipe.file!, backend: backend.name }));
  const closeThreads = (): void => { for (const th of threads) th.close(); };
  defer(closeThreads);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  log(`model: ${loaded.source} (${loaded.format}); input ${image.height}×${image.width}×${image.channels}, preprocess ${image.preprocess} (${image.preprocessSource})`);

  const dataset = await openDataset({
    train: recipe.data.train, validation: recipe.data.validation, test: recipe.data.test, validationSplit: recipe.data.validationSplit,
    labels: recipe.data.labels, task: recipe.task, seed: t.seed, maxSkipped: recipe.data.maxSkipped, image, memoryBudgetBytes: memoryBudget(),
  }, (line) => log(line));
  if (dataset.train.length === 0) throw new UserError('no training examples left after skipping unreadable files', { file: recipe.data.train });
  const outputs = dataset.labels.length;

  const adapted = adaptModel(loaded, recipe, { outputs });
  const fastPath = adapted.baseFrozen && !augment && recipe.data.cache !== 'off';
  if (!fastPath) closeThreads(); // no features to extract: free their TF.js now
  const headEpochs = t.epochs;
  const fineEpochs = t.fineTune?.epochs ?? 0;
  const baselineEpochs = t.baseline === 'scratch' ? headEpochs + fineEpochs : 0;
  const bs = t.batchSize;
  const trainBatches = Math.ceil(dataset.train.length / bs);
  const progress = new Progress(trainBatches * (headEpochs + fineEpochs + baselineEpochs) + (fastPath ? Math.ceil((dataset.train.length + dataset.validation.length + dataset.test.length) / bs) : 0));
  emit({ type: 'started', backend, recipe: recipe.file ?? '', output: recipe.output, runDir, epochs: headEpochs + fineEpochs, fastPath });
  emit({ type: 'dataset', report: dataset.report });
  for (const w of dataset.report.warnings) log(w, 'warn');
  if (!fastPath) {
    const why = !adapted.baseFrozen ? 'some base layers are trainable' : augment ? 'augmentation needs the raw pixels every epoch' : 'the recipe turns the cache off';
    log(`feature cache not used: ${why}; every batch runs the ${adapted.baseFrozen ? 'frozen base (inference mode, outside the gradient tape)' : 'whole model'}`);
  }

  const counts = dataset.labels.map((_, c) => dataset.train.filter((e) => e.classes.includes(c)).length);
  const classWeights = recipe.task === 'single-label' ? classWeightVector(dataset.labels, counts, t.classWeights) : undefined;
  const targets = (examples: Example[]): tf.Tensor2D => targetsFor(recipe.task, outputs, examples);
  const headNames = new Set(adapted.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
  const sourceFolder = modelFolder(loaded.source);
  const metadata = (extra: Record<string, unknown> = {}): AdaptedMetadata => ({
    labels: dataset.labels, task: recipe.task, inputSize: [image.height, image.width], channels: image.channels, preprocess: image.preprocess,
    recipe: recipe.raw, sourceModel: loaded.source, sourceSha256: loaded.sha256, cut: adapted.cut, frozen: [...adapted.frozen],
    createdAt: new Date().toISOString(), backend: backend.name, extra,
  });
  const checkpointer: Checkpointer = {
    save: async (kind, phase, epoch, value) => {
      const dir = await saveAdaptedModel(adapted.model, path.join(runDir, kind), metadata({ phase, epoch }), { protect: sourceFolder ? [sourceFolder] : [] });
      // the value the loop compared (its monitor; without validation data, the training loss)
      const monitor = dataset.validation.length ? t.earlyStopping?.monitor ?? 'val_loss' : 'loss';
      emit({ type: 'checkpoint', path: dir, epoch, phase: phase as 'head', best: kind === 'best', ...(value === undefined ? {} : { monitor, value }) });
      return dir;
    },
  };

  // resume: weights from a checkpoint of the same recipe, then continue after its phase/epoch
  let resumeAt: { phase: string; epoch: number } | undefined;
  if (overrides.resume) resumeAt = await resumeFrom(overrides.resume, adapted, log);

  const imageSource = (examples: Example[], shuffle: boolean, aug = augment): BatchSource => ({
    examples: examples.length,
    numBatches: Math.ceil(examples.length / bs),
    batches: async function* (epoch: number) {
      for await (const b of batches(dataset, examples, { batchSize: bs, shuffle, seed: t.seed, augment: aug, epoch })) yield { xs: b.xs, ys: b.ys };
    },
  });

  let stopped = false;
  const phaseResults: Record<string, LoopResult> = {};

  // Phase 1: the head (base frozen as the recipe says), on cached features when possible
  let store: FeatureStore | undefined;
  if (fastPath) {
    store = new FeatureStore({ cacheDir, key: featureCacheKey(loaded.sha256, adapted.cut, image, adapted.featureShape), featureShape: adapted.featureShape, memoryBudgetBytes: memoryBudget() });
    const all = [...dataset.train, ...dataset.validation, ...dataset.test];
    const t0 = performance.now();
    let extractionBatches = 0;
    let doneCount = 0;
    const onBatch = (sec: number, n: number, total: number): void => {
      extractionBatches++;
      doneCount += n;
      progress.batchDone(sec, n);
      emit({ type: 'progress', phase: 'extract', done: doneCount, total, message: `features ${doneCount}/${total}` });
    };
    const queue = new ExtractionQueue(all, store, bs);
    const todo = queue.todo;
    const extractHere = (from: Example[] | ExtractionQueue): Promise<boolean> => extractFeatures(adapted.base, dataset, from, store!, { batchSize: bs, shouldStop: ctx.shouldStop, onBatch: (_d, _t, sec, n) => onBatch(sec, n, todo.length) });
    let complete: boolean;
    if (worthThreads(todo.length, threads.length)) {
      // the threads compute, this one loads their batches (features.ts has the one-thread path)
      const r = await extractOnThreads(threads, dataset, queue, store, { batchSize: bs, shouldStop: ctx.shouldStop, onBatch: (sec, n) => onBatch(sec, n, todo.length) });
      closeThreads();
      log(`feature extraction on ${threads.length} threads: ${r.perThread.join(' + ')} images`, 'debug');
      // a thread that fails costs time, not the run: what the threads did not extract, this thread does
      for (const e of r.errors) log(`a feature-extraction thread failed (${e.message}); its share is extracted here`, 'warn');
      complete = !r.stopped && await extractHere(all);
    } else {
      closeThreads(); // too few images to extract: one thread is quicker than starting more
      complete = await extractHere(queue);
    }
    store.fromDisk = all.length - todo.length;
    progress.add(-(Math.ceil(all.length / bs) - extractionBatches)); // cached features cost nothing
    log(`features: ${store.computed} computed, ${store.fromDisk} reused from the cache, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (!complete) stopped = true;
  }
  const skipHead = resumeAt && (resumeAt.phase === 'fineTune' || resumeAt.phase === 'baseline');
  if (!stopped && !skipHead) {
    const headOnly = { forward: (x: tf.Tensor, training: boolean) => forward(adapted.head, x, training), layers: adapted.head.layers, headLayerNames: headNames, regularization: () => regularizers(adapted.head) };
    // a frozen base that cannot be cached (augmentation, cache off) still runs once per batch in
    // inference mode, as the cache would have computed it, outside the gradient tape
    const frozenBase = !fastPath && adapted.baseFrozen;
    const fusedBase = frozenBase ? fuseForInference(adapted.base) : undefined; // frozen for this phase
    const trainee: Trainee = fastPath ? headOnly
      : fusedBase ? { ...headOnly, prepare: (x) => fusedBase.predict(x) }
      : { forward: (x, training) => forward(adapted.model, x, training), layers: leafLayers(adapted.model), headLayerNames: headNames, regularization: () => regularizers(adapted.model) };
    const source = fastPath ? featureBatches(store!, dataset.train, targets, adapted.featureShape, bs, t.seed, true) : imageSource(dataset.train, true);
    const validate = dataset.validation.length === 0 ? undefined : fastPath
      ? () => scoreBatches((x) => adapted.head.predict(x) as tf.Tensor, featureBatches(store!, dataset.validation, targets, adapted.featureShape, bs, t.seed, false).batches(0), recipe.task)
      : () => withFusedInference(adapted.model, (predict) => scoreBatches(predict, imageSource(dataset.validation, false, undefined).batches(0), recipe.task));
    const r = await trainLoop(trainee, source, {
      phase: 'head', task: recipe.task, training: t, epochs: headEpochs, startEpoch: resumeAt?.phase === 'head' ? resumeAt.epoch : 0, baseRate: t.learningRate,
      classWeights, emit, shouldStop: ctx.shouldStop, progress, validate, stepMemoryBytes: fastPath ? undefined : stepBudget,
      checkpoint: async (epoch, best, value) => { await checkpointer.save('checkpoint', 'head', epoch, value); if (best) await checkpointer.save('best', 'head', epoch, value); },
    }).finally(() => fusedBase?.dispose());
    phaseResults.head = r;
    progress.add(-(headEpochs - r.epochsRun) * trainBatches); // early stopping
    stopped = r.stopped;
  }

  // Phase 2: unfreeze the top of the base and continue at a lower learning rate
  if (!stopped && t.fineTune) {
    const unfreeze = topLayersToUnfreeze(adapted.base, t.fineTune.unfreeze);
    const frozen = new Set([...adapted.frozen].filter((n) => !unfreeze.includes(n)));
    applyFreeze(adapted.base, frozen);
    log(`fine-tuning: unfroze ${unfreeze.length} layers (${unfreeze[0]} … ${unfreeze.at(-1)}); BatchNormalization stays frozen, in inference mode; learning rate ×${t.fineTune.learningRateFactor}`);
    const r = await trainLoop(
      { forward: (x, training) => forward(adapted.model, x, training), layers: leafLayers(adapted.model), headLayerNames: headNames, regularization: () => regularizers(adapted.model) },
      imageSource(dataset.train, true),
      {
        phase: 'fineTune', task: recipe.task, training: t, epochs: fineEpochs, startEpoch: resumeAt?.phase === 'fineTune' ? resumeAt.epoch : 0, baseRate: t.learningRate * t.fineTune.learningRateFactor,
        classWeights, emit, shouldStop: ctx.shouldStop, progress, stepMemoryBytes: stepBudget,
        validate: dataset.validation.length ? () => withFusedInference(adapted.model, (predict) => scoreBatches(predict, imageSource(dataset.validation, false, undefined).batches(0), recipe.task)) : undefined,
        checkpoint: async (epoch, best, value) => { await checkpointer.save('checkpoint', 'fineTune', epoch, value); if (best) await checkpointer.save('best', 'fineTune', epoch, value); },
      },
    );
    phaseResults.fineTune = r;
    progress.add(-(fineEpochs - r.epochsRun) * trainBatches);
    stopped = r.stopped;
  }

  if (stopped) {
    const dir = await checkpointer.save('checkpoint', last.phase, last.epoch);
    log(`stopped: checkpoint kept in ${dir}; resume with --resume ${dir}`);
    return { output: dir, stopped: true, summary: { checkpoint: dir } };
  }

  // Evaluation on the held-back test split (or validation when there is none)
  const evalSplit = dataset.test.length ? 'test' : dataset.validation.length ? 'validation' : 'train';
  const evalExamples = dataset.test.length ? dataset.test : dataset.validation.length ? dataset.validation : dataset.train;
  const cachedPredictor: PredictFn | undefined = fastPath && !t.fineTune
    ? async (examples) => tf.tidy(() => {
      const xs = new Float32Array(examples.length * store!.size);
      examples.forEach((e, i) => xs.set(store!.get(e.file), i * store!.size));
      return adapted.head.predict(tf.tensor(xs, [examples.length, ...adapted.featureShape])) as tf.Tensor2D;
    })
    : undefined;
  const report = cachedPredictor
    ? await evaluateExamples(cachedPredictor, evalExamples, dataset.labels, recipe.task, evalSplit, bs)
    : await withFusedInference(adapted.model, (predict) => evaluateExamples(imagePredictor(predict, dataset), evalExamples, dataset.labels, recipe.task, evalSplit, bs));

  // Baseline: the same architecture from random weights, everything trainable, same split
  let baseline: EvaluationReport | undefined;
  const warnings: string[] = [];
  if (t.baseline === 'scratch') {
    const scratch = await scratchModel(adapted, t.seed);
    log(`baseline: training the same architecture from random weights for ${baselineEpochs} epochs`);
    const r = await trainLoop(
      { forward: (x, training) => forward(scratch, x, training), layers: leafLayers(scratch), headLayerNames: new Set(), regularization: () => regularizers(scratch) },
      imageSource(dataset.train, true),
      {
        phase: 'baseline', task: recipe.task, training: { ...t, earlyStopping: undefined }, epochs: baselineEpochs, baseRate: t.learningRate, classWeights, emit, shouldStop: ctx.shouldStop, progress, stepMemoryBytes: stepBudget,
        validate: dataset.validation.length ? () => withFusedInference(scratch, (predict) => scoreBatches(predict, imageSource(dataset.validation, false, undefined).batches(0), recipe.task)) : undefined,
      },
    );
    if (!r.stopped) {
      baseline = await withFusedInference(scratch, (predict) => evaluateExamples(imagePredictor(predict, dataset), evalExamples, dataset.labels, recipe.task, evalSplit, bs));
      warnings.push(...transferWarnings(report, baseline));
    }
    scratch.dispose();
  }
  for (const w of warnings) log(w, 'warn');
  emit({ type: 'evaluation', report, baseline, warnings });

  const out = await saveAdaptedModel(adapted.model, recipe.output, metadata({ evaluation: { split: evalSplit, ...headlineOf(report) }, epochs: Object.fromEntries(Object.entries(phaseResults).map(([k, v]) => [k, v.epochsRun])) }), { protect: sourceFolder ? [sourceFolder] : [] });
  writeFileAtomic(path.join(out, 'evaluation.json'), JSON.stringify({ report, baseline, warnings }, null, 2) + '\n');
  log(`saved the adapted model to ${out}`);
  return { output: out, stopped: false, summary: { output: out, evaluation: headlineOf(report), baseline: baseline ? headlineOf(baseline) : undefined } };
}

function headlineOf(r: EvaluationReport): Record<string, number | string> {
  const h = headline(r);
  return { metric: h.name, value: h.value };
}

/** A forward pass with `training` reaching every layer, nested models included (as in TF.js's own fit()). */
function forward(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  return model.apply(x, { training }) as tf.Tensor;
}

function regularizers(model: tf.LayersModel): tf.Scalar[] {
  return (model as unknown as { calculateLosses(): tf.Scalar[] }).calculateLosses();
}

/**
 * A copy of the adapted architecture with fresh random weights, every layer trainable. Its
 * BatchNorm momentum is 0.9 instead of the pre-trained model's (often 0.999): with a short run
 * from scratch the moving statistics would otherwise still be near their initial values when the
 * model is evaluated, and it would score at chance for a reason unrelated to transfer.
 */
/** Initializers that draw random numbers: seeded from the run's seed, so the baseline repeats too. */
const RANDOM_INITIALIZERS = /^(GlorotUniform|GlorotNormal|HeUniform|HeNormal|LeCunUniform|LeCunNormal|RandomUniform|RandomNormal|TruncatedNormal|VarianceScaling|Orthogonal)$/;

async function scratchModel(adapted: AdaptedModel, seed: number): Promise<tf.LayersModel> {
  let draws = 0;
  const topology = JSON.parse(JSON.stringify(adapted.model.toJSON(null, false)), (_key, value: unknown) => {
    const v = value as { class_name?: string; config?: Record<string, unknown> } | null;
    if (v && typeof v === 'object' && v.class_name === 'BatchNormalization') return { ...v, config: { ...v.config, momentum: 0.9 } };
    if (v && typeof v === 'object' && v.class_name && RANDOM_INITIALIZERS.test(v.class_name) && v.config && 'seed' in v.config) return { ...v, config: { ...v.config, seed: seed * 1000 + draws++ } };
    return value;
  }) as Record<string, unknown>;
  const m = await tf.models.modelFromJSON({ modelTopology: topology as never } as never);
  for (const l of leafLayers(m)) l.trainable = true;
  freshDropoutMasks(leafLayers(m)); // its Dropout layers are new: a new mask every step, as in the run
  return m;
}

async function resumeFrom(dir: string, adapted: AdaptedModel, log: (m: string) => void): Promise<{ phase: string; epoch: number }> {
  const metaFile = path.join(dir, 'metadata.json');
  if (!fs.existsSync(metaFile)) throw new UserError('not a Transfer Studio checkpoint: metadata.json is missing', { file: dir });
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { transferStudio?: { extra?: { phase?: string; epoch?: number } } };
  const ck: LoadedModel = await loadModel(path.join(dir, 'model.json'));
  const mine = adapted.model.weights;
  const theirs = ck.model.getWeights();
  if (theirs.length !== mine.length || theirs.some((w, i) => w.shape.join() !== mine[i]!.shape.join())) {
    throw new UserError('the checkpoint does not match this recipe\'s adapted model (different layers or shapes)', { file: dir });
  }
  adapted.model.setWeights(theirs); // copies the values; the checkpoint model owns `theirs`
  ck.model.dispose();
  const phase = meta.transferStudio?.extra?.phase ?? 'head';
  const epoch = meta.transferStudio?.extra?.epoch ?? 0;
  log(`resuming from ${dir} (${phase}, after epoch ${epoch}); the optimizer's moments start afresh`);
  return { phase, epoch };
}

export type { Dataset };
