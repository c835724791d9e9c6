/**
 * What one run does, in order: backend, model, data, the adapted model, the phase budgets (core's),
 * the fast path's features, the standardiser's statistics, the phases (head, fine-tune), the
 * evaluation, the from-scratch baseline, the saved model. runTraining (run.ts) wraps it with the
 * run folder and the event log.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import { headline, transferWarnings } from '../../../core/metrics';
import { resolveDomain } from '../../../core/domain/resolve';
import type { DomainReport, EvaluationReport } from '../../../core/protocol/reports';
import type { TrainOverrides, WorkerEvent } from '../../../core/protocol/worker';
import { modelFolder, type ResolvedRecipe } from '../../../core/recipe/resolve';
import { phaseBudgets, type PhaseBudget, type TrainingPhase } from '../../../core/training/budget';
import { adaptModel, type AdaptedModel } from '../adapt';
import { recipeLayout } from '../../../core/multitask/csv';
import { headMetric, withTargetScales, type MultiTaskLayout } from '../../../core/multitask/layout';
import { headReports, multiTaskReport } from '../../../core/multitask/report';
import type { MultiTaskReport } from '../../../core/protocol/reports';
import { multiTaskObjective, type Objective } from './objective';
import { startAtTargetMeans } from '../multitask/data';
import { executeDetection } from '../detection/run';
import { dannNote, dannPhase } from '../domain/dann';
import { adaptToDomain, prepareDomain, type PreparedDomain } from '../domain/run';
import { selectBackend } from '../backend';
import { batches, openDataset } from '../data';
import type { Example } from '../data/types';
import { evaluateExamples, imagePredictor, scoreExamples, targetsFor, type PredictFn } from '../evaluate';
import { fuseForInference, withFusedInference } from '../inference/fuse';
import { loadModel } from '../io/load';
import { saveAdaptedModel, writeFileAtomic, type AdaptedMetadata } from '../io/save';
import { imageSpecFor } from '../recipe';
import { reestimateBatchNorm } from '../surgery/batchNormStats';
import { applyFreeze } from '../surgery/freeze';
import { withInputSize } from '../surgery/inputSize';
import { hasWeights, leafLayers } from '../surgery/layers';
import { scratchModel } from './baseline';
import { Checkpointer, resumeFrom } from './checkpoints';
import { extractAll } from './extract';
import { defaultCacheDir, featureBatches, featureCacheKey, FeatureStore } from './features';
import { classWeightVector } from './losses';
import { stepMemoryBudget } from './memory';
import { scoreBatches } from './loop';
import { forward, regularization, runPhase, wholeModel, type RunShared } from './phases';
import { Progress } from './progress';
import { precomputeFront } from './front';
import { fitStandardizer } from './standardize';
import { ExtractionThread, extractionThreadCount } from './threads';
import type { BatchSource, Trainee } from './types';

export interface RunContext {
  emit(event: WorkerEvent): void;
  shouldStop(): boolean;
  /** Feature cache root (the extension passes its global storage); default ~/.cache/transfer-studio. */
  cacheDir?: string;
}

export interface RunResult {
  output: string;
  stopped: boolean;
  summary: Record<string, unknown>;
}

type Log = (m: string, level?: 'info' | 'warn' | 'debug') => void;

/** Bytes of decoded images (and of cached features) kept in memory; beyond it they stream from disk. */
function memoryBudget(): number | undefined {
  const mb = Number(process.env.TRANSFER_STUDIO_MEMORY_BUDGET_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : undefined;
}

/** Top N weighted layers of the base, BatchNormalization excluded (it stays frozen, in inference mode). */
export function topLayersToUnfreeze(base: tf.LayersModel, n: number): string[] {
  const candidates = leafLayers(base).filter((l) => hasWeights(l) && l.getClassName() !== 'BatchNormalization');
  return candidates.slice(-n).map((l) => l.name);
}

function headlineOf(r: EvaluationReport): Record<string, number | string> {
  const h = headline(r);
  return { metric: h.name, value: h.value };
}

export async function execute(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, ctx: RunContext, log: Log, defer: (cleanup: () => void) => void): Promise<RunResult> {
  if (recipe.task === 'detection' && recipe.data) return executeDetection(recipe, overrides, runDir, ctx, log);
  // the last completed epoch, so a stop checkpoint resumes where it left off
  let last: { phase: TrainingPhase; epoch: number } = { phase: 'head', epoch: 0 };
  const emit = (e: WorkerEvent): void => {
    if (e.type === 'epochEnd' && e.phase !== 'extract') last = { phase: e.phase, epoch: e.epoch };
    ctx.emit(e);
  };
  const t = recipe.training;
  if (!recipe.data) throw new UserError('the recipe has no "data": nothing to train on', { file: recipe.file, jsonPath: '/data', hint: 'add "data": { "train": "path/to/class-folders" }' });
  const domain = resolveDomain(recipe.raw.domain, recipe.dir, recipe.file);
  const backend = await selectBackend(t.backend, (line) => log(line));
  tf.randomUniform([1]).dispose(); // make sure the backend is live before timing anything
  const stepBudget = stepMemoryBudget(backend.name);
  // feature-extraction threads, started now so that they load and warm up while this thread opens
  // the dataset; used only if the run takes the fast path with enough images to extract
  const augment = recipe.data.augment && Object.values(recipe.data.augment).some((v) => v) ? recipe.data.augment : undefined;
  const cacheDir = recipe.data.cache === 'memory' ? undefined : ctx.cacheDir ?? defaultCacheDir();
  const threadCount = !augment && recipe.data.cache !== 'off' ? extractionThreadCount(recipe) : 0;
  const threads = Array.from({ length: threadCount }, () => new ExtractionThread({ recipe: recipe.file!, backend: backend.name as 'tensorflow' | 'wasm' | 'cpu' }));
  const closeThreads = (): void => { for (const th of threads) th.close(); };
  defer(closeThreads);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  log(`model: ${loaded.source} (${loaded.format}); input ${image.height}×${image.width}×${image.channels}, preprocess ${image.preprocess} (${image.preprocessSource})`);

  // several heads: the training CSV's header and labels fix every head's outputs before anything is decoded
  if (recipe.heads && t.baseline === 'scratch') throw new UserError('with "heads" the baseline is "single-task" (each head trained alone): the from-scratch baseline is for one-task recipes', { file: recipe.file, jsonPath: '/training/baseline', hint: 'leave --baseline out' });
  const headLayout: MultiTaskLayout | undefined = recipeLayout(recipe);
  const dataTask = headLayout ? 'regression' : recipe.task; // a multi-task example's targets are the heads' side by side
  const dataset = await openDataset({
    train: recipe.data.train, validation: recipe.data.validation, test: recipe.data.test, validationSplit: recipe.data.validationSplit,
    labels: recipe.data.labels, task: recipe.task, seed: t.seed, maxSkipped: recipe.data.maxSkipped, image, memoryBudgetBytes: memoryBudget(), multiTask: headLayout,
  }, (line) => log(line));
  if (dataset.train.length === 0) throw new UserError('no training examples left after skipping unreadable files', { file: recipe.data.train });
  const layout = headLayout && withTargetScales(headLayout, dataset.train);
  const outputs = dataset.labels.length;

  const adapted = adaptModel(loaded, recipe, { outputs, multiTask: layout });
  const objective: Objective | undefined = layout && multiTaskObjective(layout);
  const startMeans = (target: AdaptedModel): string[] => (layout && target.headOutputs ? startAtTargetMeans(layout, target.headOutputs, dataset.train) : []);
  for (const n of startMeans(adapted)) log(n);
  if (layout) log(`heads: ${layout.heads.map((h) => `${h.name} (${h.task}, ${h.units} output${h.units > 1 ? 's' : ''}, loss ×${h.lossWeight})`).join(', ')} on shared layers ${adapted.headSpec.map((l) => l.type).join(' → ') || '(none)'}`);
  const fastPath = adapted.baseFrozen && !augment && recipe.data.cache !== 'off';
  if (!fastPath) closeThreads(); // no features to extract: free their TF.js now
  const budgets = phaseBudgets(t, { task: recipe.task, hasValidation: dataset.validation.length > 0, cached: fastPath, file: recipe.file, heads: layout?.heads });
  const budgetOf = (p: TrainingPhase): PhaseBudget | undefined => budgets.find((b) => b.phase === p);
  const headBudget = budgetOf('head')!;
  const bs = t.batchSize;
  const trainBatches = Math.ceil(dataset.train.length / bs);
  const allExamples = dataset.train.length + dataset.validation.length + dataset.test.length;
  const singleTask = layout && t.baseline === 'single-task' && layout.heads.length > 1;
  const runEpochs = budgets.filter((b) => b.phase !== 'baseline').reduce((a, b) => a + b.epochs, 0);
  const progress = new Progress(trainBatches * (budgets.reduce((a, b) => a + b.epochs, 0) + (singleTask ? layout.heads.length * runEpochs : 0)) + (fastPath ? Math.ceil(allExamples / bs) : 0));
  const heads = layout?.heads.map((h) => ({ name: h.name, task: h.task, labels: h.labels, lossWeight: h.lossWeight, metric: headMetric(h.task) }));
  emit({ type: 'started', backend: { engine: 'tfjs', ...backend }, recipe: recipe.file ?? '', output: recipe.output, runDir, epochs: headBudget.epochs + (budgetOf('fineTune')?.epochs ?? 0), fastPath, ...(heads ? { heads } : {}) });
  emit({ type: 'dataset', report: dataset.report });
  for (const w of dataset.report.warnings) log(w, 'warn');
  if (!fastPath) {
    const why = !adapted.baseFrozen ? 'some base layers are trainable' : augment ? 'augmentation needs the raw pixels every epoch' : 'the recipe turns the cache off';
    log(`feature cache not used: ${why}; every batch runs the ${adapted.baseFrozen ? 'frozen base (inference mode, outside the gradient tape)' : 'whole model'}`);
  }
  log(`budget: ${budgets.map((b) => `${b.phase} up to ${b.epochs} epochs at ${b.learningRate.toExponential(1)} (${b.schedule.type}${b.monitor.patience !== undefined ? `, early stopping on ${b.monitor.metric}, patience ${b.monitor.patience}` : ''})`).join('; ')}`);

  const counts = dataset.labels.map((_, c) => dataset.train.filter((e) => e.classes.includes(c)).length);
  const classWeights = recipe.task === 'single-label' && !layout ? classWeightVector(dataset.labels, counts, t.classWeights) : undefined;
  const targets = (examples: Example[]): tf.Tensor2D => targetsFor(dataTask, outputs, examples);
  const headNames = new Set(adapted.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
  const sourceFolder = modelFolder(loaded.source);
  const protect = sourceFolder ? [sourceFolder] : [];
  const metadata = (extra: Record<string, unknown> = {}): AdaptedMetadata => ({
    // a multi-task model: `labels` go with its first output (what other tools read), `heads` with every output
    labels: layout ? layout.heads[0]!.labels : dataset.labels, task: layout ? layout.heads[0]!.task : recipe.task,
    ...(layout ? { heads: layout.heads.map((h) => ({ name: h.name, task: h.task, labels: h.labels, columns: h.columns, lossWeight: h.lossWeight })) } : {}), inputSize: [image.height, image.width], channels: image.channels, preprocess: image.preprocess,
    recipe: recipe.raw, sourceModel: loaded.source, sourceSha256: loaded.sha256, cut: adapted.cut, frozen: [...adapted.frozen],
    createdAt: new Date().toISOString(), backend: backend.name, extra,
  });
  const checkpointer = new Checkpointer(adapted.model, runDir, metadata, protect, emit);
  const shared: RunShared = { task: recipe.task, objective, training: t, classWeights, emit, shouldStop: ctx.shouldStop, progress, checkpointer, batchesPerEpoch: trainBatches };
  const imageSource = (examples: Example[], shuffle: boolean, aug = augment): BatchSource => ({
    examples: examples.length,
    numBatches: Math.ceil(examples.length / bs),
    batches: async function* (epoch: number) {
      for await (const b of batches(dataset, examples, { batchSize: bs, shuffle, seed: t.seed, augment: aug, epoch })) yield { xs: b.xs, ys: b.ys };
    },
  });
  const validateImages = (model: tf.LayersModel, obj = objective) => dataset.validation.length === 0 ? undefined
    : () => withFusedInference(model, (predict) => scoreBatches(predict, imageSource(dataset.validation, false, undefined).batches(0), recipe.task, obj));

  let stopped = false;
  const ran: Record<string, { epochs: number; kept: number; reason: string }> = {};
  const record = (phase: string, r: { epochsRun: number; keptEpoch: number; stopped: boolean; stoppedEarly: boolean }): void => {
    ran[phase] = { epochs: r.epochsRun, kept: r.keptEpoch, reason: r.stopped ? 'stopped' : r.stoppedEarly ? 'converged' : 'cap' };
  };
  let store: FeatureStore | undefined;
  if (fastPath) {
    store = new FeatureStore({ cacheDir, key: featureCacheKey(loaded.sha256, adapted.cut, image, adapted.featureShape), featureShape: adapted.featureShape, memoryBudgetBytes: memoryBudget() });
    stopped = !(await extractAll({ adapted, dataset, store, threads, closeThreads, batchSize: bs, progress, shouldStop: ctx.shouldStop, emit, log }));
  }
  if (!stopped && adapted.standardizer) {
    const fused = store ? undefined : fuseForInference(adapted.base);
    const st = await fitStandardizer(adapted, dataset.train, store ? { store } : { dataset, predictBase: (x) => fused!.predict(x) }, bs).finally(() => fused?.dispose());
    if (st) log(`features standardised: mean and std of ${st.features} features over the ${st.examples} training images (folded into the saved model as "${adapted.standardizer.name}")`);
  }

  // resume: weights from a checkpoint of the same recipe, then continue after its phase/epoch
  const resumeAt = overrides.resume ? await resumeFrom(overrides.resume, adapted.model, log) : undefined;
  const startOf = (p: TrainingPhase): number => (resumeAt?.phase === p ? resumeAt.epoch : 0);

  /**
   * Phase 1: the head (base frozen as the recipe says), on cached features when possible. A
   * function, because a multi-task run's single-task baselines train their heads the same way.
   */
  const trainHead = async (target: AdaptedModel, ph: { shared: RunShared; checkpoints: boolean; startEpoch: number }) => {
    const obj = ph.shared.objective;
    const names = new Set(target.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
    // on the fast path the head's frozen front (pooling, standardiser) runs once, here; a branching (multi-task) head trains whole
    const front = fastPath && !layout ? await precomputeFront(target.head, target.featureShape, store!, [...dataset.train, ...dataset.validation], bs) : undefined;
    const headModel = front?.tail ?? target.head;
    const cachedFeatures = front?.features ?? store;
    const cachedShape = front?.shape ?? target.featureShape;
    const headOnly: Trainee = { forward: (x, training) => forward(headModel, x, training), layers: headModel.layers, headLayerNames: names, regularization: () => regularization(headModel, headModel.layers, t.weightDecay) };
    // a frozen base that cannot be cached (augmentation, cache off) still runs once per batch in
    // inference mode, as the cache would have computed it, outside the gradient tape
    const fusedBase = !fastPath && target.baseFrozen ? fuseForInference(target.base) : undefined; // frozen for this phase
    const trainee: Trainee = fastPath ? headOnly : fusedBase ? { ...headOnly, prepare: (x) => fusedBase.predict(x) } : wholeModel(target.model, names, t.weightDecay);
    // cached validation features are scored in big batches: a cached epoch's cost is mostly per-kernel overhead
    const cachedVal = fastPath && dataset.validation.length ? featureBatches(cachedFeatures!, dataset.validation, targets, cachedShape, Math.max(bs, 512), t.seed, false) : undefined;
    return runPhase({
      budget: headBudget, trainee, checkpoints: ph.checkpoints, startEpoch: ph.startEpoch, stepMemoryBytes: fastPath ? undefined : stepBudget,
      source: fastPath ? featureBatches(cachedFeatures!, dataset.train, targets, cachedShape, bs, t.seed, true) : imageSource(dataset.train, true),
      validationSource: cachedVal,
      validate: dataset.validation.length === 0 ? undefined : cachedVal
        ? () => scoreBatches((x) => headModel.predict(x) as tf.Tensor, cachedVal.batches(0), recipe.task, obj)
        : validateImages(target.model, obj),
    }, ph.shared).finally(() => { fusedBase?.dispose(); });
  };
  const skipHead = resumeAt && (resumeAt.phase === 'fineTune' || resumeAt.phase === 'baseline');
  if (!stopped && !skipHead) {
    const r = await trainHead(adapted, { shared, checkpoints: true, startEpoch: startOf('head') });
    record('head', r);
    stopped = r.stopped;
  }

  /**
   * A multi-task run's baseline for head `i`: a fresh copy of the source model with the same
   * heads, trained with every other head's loss weight 0 (their layers get no gradient), through
   * the same phases; its evaluation report for that head, or undefined when the run was stopped.
   * Its epochs are reported as progress, not as the dashboard's curves (those are the run's).
   */
  const trainAlone = async (i: number): Promise<EvaluationReport | undefined> => {
    const lay = layout!;
    const h = lay.heads[i]!;
    const weights = lay.heads.map((_, j) => (j === i ? 1 : 0));
    const obj = multiTaskObjective(lay, weights);
    const tag = `baseline ${i + 1}/${lay.heads.length}: "${h.name}" alone`;
    log(`${tag}: the same layers, split and budget, the other heads' loss weight 0`);
    const quiet = (e: WorkerEvent): void => {
      if (e.type === 'epochEnd') emit({ type: 'progress', phase: 'baseline', done: e.epoch, total: e.epochs, message: `${tag}, epoch ${e.epoch}: ${Object.entries(e.logs).filter(([k]) => k.includes(h.name)).map(([k, v]) => `${k} ${v === null ? '–' : v.toFixed(4)}`).join(', ')}` });
      else if (e.type === 'phaseEnd') log(`${tag}: ${e.message}`);
      else if (e.type === 'log' || e.type === 'error') emit(e);
    };
    const reloaded = await loadModel(recipe.model);
    if (recipe.data!.imageSize) reloaded.model = await withInputSize(reloaded.model, image.height, image.width, recipe.file);
    const target = adaptModel(reloaded, recipe, { outputs, multiTask: lay });
    startMeans(target);
    try {
      if (target.standardizer) {
        const fused = store ? undefined : fuseForInference(target.base);
        await fitStandardizer(target, dataset.train, store ? { store } : { dataset, predictBase: (x) => fused!.predict(x) }, bs).finally(() => fused?.dispose());
      }
      const mine: RunShared = { ...shared, objective: obj, emit: quiet };
      const r = await trainHead(target, { shared: mine, checkpoints: false, startEpoch: 0 });
      if (r.stopped) return undefined;
      const fine = budgetOf('fineTune');
      if (fine && t.fineTune) {
        const unfreeze = topLayersToUnfreeze(target.base, t.fineTune.unfreeze);
        applyFreeze(target.base, new Set([...target.frozen].filter((n) => !unfreeze.includes(n))));
        const names = new Set(target.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
        const f = await runPhase({ budget: fine, trainee: wholeModel(target.model, names, t.weightDecay), source: imageSource(dataset.train, true), checkpoints: false, stepMemoryBytes: stepBudget, validate: validateImages(target.model, obj) }, mine);
        if (f.stopped) return undefined;
      }
      return (await evaluateHeads(target))[i];
    } finally {
      target.model.dispose();
    }
  };

  // the split the run is evaluated on (and domain adaptation scores the source on)
  const evalSplit = dataset.test.length ? 'test' : dataset.validation.length ? 'validation' : 'train';
  const evalExamples = dataset.test.length ? dataset.test : dataset.validation.length ? dataset.validation : dataset.train;
  const domainInput = domain && {
    domain, adapted, dataset, task: recipe.task, source: { split: evalSplit, examples: evalExamples }, batchSize: bs, seed: t.seed, file: recipe.file,
    log: (m: string, level?: 'info' | 'warn') => log(m, level), progress: (message: string) => emit({ type: 'log', level: 'info', message }),
  };

  // Phase 2: unfreeze the top of the base and continue at a lower learning rate
  const fineBudget = budgetOf('fineTune');
  let dannDone: { prepared: PreparedDomain; notes: string[] } | undefined;
  if (!stopped && fineBudget && t.fineTune) {
    const unfreeze = topLayersToUnfreeze(adapted.base, t.fineTune.unfreeze);
    applyFreeze(adapted.base, new Set([...adapted.frozen].filter((n) => !unfreeze.includes(n))));
    log(`fine-tuning: unfroze ${unfreeze.length} layers (${unfreeze[0]} … ${unfreeze.at(-1)}); BatchNormalization stays frozen, in inference mode; learning rate ×${t.fineTune.learningRateFactor}`);
    // dann: the model after the head phase is the "before"; fine-tuning trains against a domain classifier
    const prepared = domain?.method === 'dann' ? await prepareDomain(domainInput!) : undefined;
    const dann = prepared && dannPhase({
      adapted, front: prepared.front, d: prepared.d, headLayerNames: headNames, weightDecay: t.weightDecay, labelled: imageSource(dataset.train, true),
      target: prepared.target, lambda: domain!.lambda, epochs: fineBudget.epochs, rateFactor: t.fineTune.learningRateFactor, seed: t.seed, log: (m) => log(m),
    });
    const fineShared = dann ? { ...shared, training: { ...t, learningRateMultipliers: { ...dann.multipliers, ...t.learningRateMultipliers } } } : shared;
    const r = await runPhase({
      budget: fineBudget, trainee: dann?.trainee ?? wholeModel(adapted.model, headNames, t.weightDecay), source: dann?.source ?? imageSource(dataset.train, true), checkpoints: true,
      startEpoch: startOf('fineTune'), stepMemoryBytes: stepBudget, validate: validateImages(adapted.model),
    }, fineShared).finally(() => dann?.dispose());
    record('fineTune', r);
    stopped = r.stopped;
    if (prepared && dann) dannDone = { prepared, notes: [dannNote(dann.epochs, r.epochsRun, domain!.lambda)] };
  }

  if (stopped) {
    const dir = await checkpointer.save('checkpoint', last.phase, last.epoch);
    log(`stopped: checkpoint kept in ${dir}; resume with --resume ${dir}`);
    return { output: dir, stopped: true, summary: { checkpoint: dir } };
  }

  // Evaluation on the held-back test split (or validation when there is none)
  const cachedPredictor = (target: AdaptedModel): PredictFn | undefined => fastPath && !t.fineTune
    ? async (examples) => tf.tidy(() => {
      const xs = new Float32Array(examples.length * store!.size);
      examples.forEach((e, i) => xs.set(store!.get(e.file), i * store!.size));
      return target.head.predict(tf.tensor(xs, [examples.length, ...target.featureShape])) as tf.Tensor2D;
    })
    : undefined;
  /** Each head's report of a multi-task model on the evaluation split. */
  const evaluateHeads = async (target: AdaptedModel): Promise<EvaluationReport[]> => {
    const cached = cachedPredictor(target);
    const scored = cached ? await scoreExamples(cached, evalExamples, bs) : await withFusedInference(target.model, (predict) => scoreExamples(imagePredictor(predict, dataset), evalExamples, bs));
    return headReports(layout!, scored, evalSplit);
  };
  const cached = cachedPredictor(adapted);
  const reports = layout ? await evaluateHeads(adapted) : undefined;
  const report = reports
    ? reports[0]!
    : cached
      ? await evaluateExamples(cached, evalExamples, dataset.labels, recipe.task, evalSplit, bs)
      : await withFusedInference(adapted.model, (predict) => evaluateExamples(imagePredictor(predict, dataset), evalExamples, dataset.labels, recipe.task, evalSplit, bs));

  // Baseline: the same architecture from random weights, everything trainable, same split
  let baseline: EvaluationReport | undefined;
  const warnings: string[] = [];
  const baselineBudget = budgetOf('baseline');
  if (baselineBudget) {
    const scratch = await scratchModel(adapted.model, t.seed);
    log(`baseline: training the same architecture from random weights for up to ${baselineBudget.epochs} epochs`);
    // a network this young scores at chance with its moving BatchNorm statistics: they are re-estimated
    // on the training images (weights untouched) before each validation and the evaluation
    const trainImages = async function* (): AsyncGenerator<tf.Tensor> { for await (const b of imageSource(dataset.train, false, undefined).batches(0)) { b.ys.dispose(); yield b.xs; } };
    const validateScratch = validateImages(scratch);
    const r = await runPhase({
      budget: baselineBudget, trainee: wholeModel(scratch, new Set(), t.weightDecay), source: imageSource(dataset.train, true), checkpoints: false, stepMemoryBytes: stepBudget,
      validate: validateScratch && (async () => { await reestimateBatchNorm(scratch, trainImages()); return validateScratch(); }),
    }, shared);
    record('baseline', r);
    if (!r.stopped) {
      const est = await reestimateBatchNorm(scratch, trainImages());
      if (est.layers) log(`baseline: BatchNorm statistics of ${est.layers} layers re-estimated on the ${dataset.train.length} training images before each validation and the evaluation`);
      baseline = await withFusedInference(scratch, (predict) => evaluateExamples(imagePredictor(predict, dataset), evalExamples, dataset.labels, recipe.task, evalSplit, bs));
      warnings.push(...transferWarnings(report, baseline));
    }
    scratch.dispose();
  }
  // Single-task baselines (several heads): each head trained alone — the same layers, split and budget, the other heads' loss weight 0
  let multiTask: MultiTaskReport | undefined;
  if (layout && reports) {
    const singles: EvaluationReport[] | undefined = singleTask ? [] : undefined;
    for (let i = 0; singles && i < layout.heads.length; i++) {
      const alone = await trainAlone(i);
      if (!alone) { log('single-task baselines stopped: the report has no comparison', 'warn'); break; }
      singles.push(alone);
    }
    multiTask = multiTaskReport(layout, reports, evalSplit, singles?.length === layout.heads.length ? singles : undefined);
    // negative transfer is a warning (the dashboard's banner, the CLI's stderr); gains and ties are said in the log
    for (const n of multiTask.notes) {
      if (n.startsWith('negative transfer')) warnings.push(n);
      else log(n);
    }
  }
  for (const w of warnings) log(w, 'warn');
  emit({ type: 'evaluation', report, baseline, warnings, ...(multiTask ? { multiTask } : {}) });

  // Domain adaptation (the recipe's "domain"): the model saved is the one adapted to the target domain
  let saved = adapted.multiOutput ?? adapted.model;
  let domainReport: DomainReport | undefined;
  if (domainInput) {
    const r = await adaptToDomain(domainInput, dannDone);
    saved = r.model;
    domainReport = r.report;
    emit({ type: 'domain', report: r.report });
  }
  const domainSummary = domainReport && {
    method: domainReport.method,
    source: { split: domainReport.source.split, before: headlineOf(domainReport.source.before), after: headlineOf(domainReport.source.after) },
    target: domainReport.targetScores && { before: headlineOf(domainReport.targetScores.before), after: headlineOf(domainReport.targetScores.after) },
  };

  const headsSummary = multiTask && multiTask.heads.map((h) => ({ name: h.name, metric: h.metric, value: h.value, ...(h.singleValue !== undefined ? { alone: h.singleValue, verdict: h.verdict } : {}) }));
  const extras = { ...(domainSummary ? { domain: domainSummary } : {}), ...(headsSummary ? { heads: headsSummary } : {}) };
  const out = await saveAdaptedModel(saved, recipe.output, metadata({ evaluation: { split: evalSplit, ...headlineOf(report) }, epochs: Object.fromEntries(Object.entries(ran).map(([k, v]) => [k, v.epochs])), phases: ran, ...extras }), { protect });
  writeFileAtomic(path.join(out, 'evaluation.json'), JSON.stringify({ report, baseline, warnings, ...(domainReport ? { domain: domainReport } : {}), ...(multiTask ? { multiTask } : {}) }, null, 2) + '\n');
  log(`saved the adapted model to ${out}`);
  return { output: out, stopped: false, summary: { output: out, evaluation: headlineOf(report), baseline: baseline ? headlineOf(baseline) : undefined, phases: ran, ...extras } };
}

