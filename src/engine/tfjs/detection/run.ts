/**
 * One detection run ("task": "detection"): backend, model, box dataset, the head core's settings
 * choose, anchors by k-means, the frozen base's feature maps computed once and cached (the same
 * feature store and extraction as classification; `cache: "off"` runs the base per batch
 * instead), the head trained by the phase runner every recipe goes through (train/phases.ts) with
 * the detection loss and validation mAP every epoch, the evaluation and the saved model with what
 * predict needs (`transferStudio.detection` in metadata.json).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { detectionsFromOutput, EVAL_SCORE_THRESHOLD, hasGrid, outputLength, type DetectionModelSpec } from '../../../core/detection/model';
import { detectionEvaluation, type EvaluatedImage } from '../../../core/detection/report';
import { evaluateDetections } from '../../../core/detection/metrics';
import { UserError } from '../../../core/errors';
import { epochSeed, rng, shuffled } from '../../../core/random';
import type { EvaluationReport } from '../../../core/protocol/reports';
import type { TrainOverrides, WorkerEvent } from '../../../core/protocol/worker';
import { coarseGridWarning, detectionImages, resolveDetection } from '../../../core/recipe/detection';
import type { BoxLoss } from '../../../core/recipe/defaults';
import { modelFolder, type ResolvedRecipe } from '../../../core/recipe/resolve';
import { phaseBudgets } from '../../../core/training/budget';
import { selectBackend } from '../backend';
import type { Example } from '../data/types';
import { fuseForInference } from '../inference/fuse';
import { loadModel } from '../io/load';
import { saveAdaptedModel, writeFileAtomic, type AdaptedMetadata } from '../io/save';
import { imageSpecFor } from '../recipe';
import { withInputSize } from '../surgery/inputSize';
import { Checkpointer } from '../train/checkpoints';
import { extractAll } from '../train/extract';
import { defaultCacheDir, featureCacheKey, FeatureStore } from '../train/features';
import type { Objective } from '../train/objective';
import { forward, runPhase } from '../train/phases';
import { Progress } from '../train/progress';
import type { BatchSource, Trainee } from '../train/types';
import { openBoxData } from './data';
import { detectionObjective, gridConstants, gridLoss, localiserLoss } from './losses';
import { anchorsFor, buildDetector, fitDetectionStandardizer } from './model';
import { encodeTargets, truthOf } from './targets';

type Log = (m: string, level?: 'info' | 'warn' | 'debug') => void;

/** train/session.ts's RunContext and RunResult, restated: session.ts dispatches here, and imports must not circle. */
interface RunContext {
  emit(event: WorkerEvent): void;
  shouldStop(): boolean;
  cacheDir?: string;
}
interface RunResult {
  output: string;
  stopped: boolean;
  summary: Record<string, unknown>;
}

function memoryBudget(): number | undefined {
  const mb = Number(process.env.TRANSFER_STUDIO_MEMORY_BUDGET_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : undefined;
}

/** The head's loss as a training objective; with GIoU, the grid's constants to dispose of when the run ends. */
function objectiveFor(spec: DetectionModelSpec, boxLoss: BoxLoss = 'smooth-l1'): { objective: Objective; dispose(): void } {
  if (!hasGrid(spec)) return { objective: detectionObjective((t, p) => localiserLoss(t, p)), dispose: () => {} }; // the dense localiser: smooth-L1 only
  const g = boxLoss === 'giou' ? gridConstants(spec.rows, spec.cols, spec.anchors) : undefined;
  return { objective: detectionObjective((t, p) => gridLoss(t, p, 5 + spec.numClasses, undefined, g)), dispose: () => { if (g) tf.dispose([g.col, g.row, g.anchorW, g.anchorH]); } };
}

export async function executeDetection(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, ctx: RunContext, log: Log): Promise<RunResult> {
  const t = recipe.training;
  const data = recipe.data!;
  if (overrides.resume) throw new UserError('resuming a detection run is not available yet: train again (the cached feature maps make it quick)', { file: recipe.file });
  const backend = await selectBackend(t.backend, (line) => log(line));
  tf.randomUniform([1]).dispose();
  const loaded = await loadModel(recipe.model);
  const image = { ...imageSpecFor(loaded, recipe), fit: 'fill' as const };
  if (data.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  log(`model: ${loaded.source} (${loaded.format}); input ${image.height}×${image.width}×${image.channels}, preprocess ${image.preprocess} (${image.preprocessSource}); images stretched to it (boxes stay normalised)`);

  const { dataset, boxes, facts } = await openBoxData({
    train: data.train, validation: data.validation, test: data.test, validationSplit: data.validationSplit, images: detectionImages(recipe),
    labels: data.labels, seed: t.seed, maxSkipped: data.maxSkipped, image, memoryBudgetBytes: memoryBudget(),
  }, (line) => log(line));
  const settings = resolveDetection(recipe, facts);
  const labels = dataset.labels;
  const imageOf = (e: Example) => boxes.get(e.file)!;
  const trainBoxes = dataset.train.flatMap((e) => imageOf(e).boxes.filter((b) => !b.difficult));
  const fit = anchorsFor(settings.head, settings.anchors, dataset.train.map(imageOf), t.seed);
  const det = buildDetector(loaded.model, recipe, settings, labels.length, fit.anchors);
  const spec = det.spec;
  log(`detection head: ${settings.head} (${settings.headReason}); cut ${det.cut.cut}${det.cut.isDefault ? ' (default)' : ''} → features [${det.featureShape.join(', ')}]` +
    (hasGrid(spec) ? `; ${spec.rows}×${spec.cols} grid, ${spec.anchors.length} anchors (k-means, mean IoU ${fit.meanIoU.toFixed(3)} with the training boxes)` : ''));

  const coarse = hasGrid(spec) ? coarseGridWarning(spec.rows, spec.cols) : undefined;
  if (coarse) log(coarse, 'warn');
  const fastPath = data.cache !== 'off';
  const hasValidation = dataset.validation.length > 0;
  const budget = phaseBudgets(t, { task: 'detection', hasValidation, cached: fastPath, file: recipe.file })[0]!;
  const bs = t.batchSize;
  const all = [...dataset.train, ...dataset.validation, ...dataset.test];
  const progress = new Progress(Math.ceil(dataset.train.length / bs) * budget.epochs + Math.ceil(all.length / bs));
  ctx.emit({ type: 'started', backend: { engine: 'tfjs', ...backend }, recipe: recipe.file ?? '', output: recipe.output, runDir, epochs: budget.epochs, fastPath });
  ctx.emit({ type: 'dataset', report: dataset.report });
  for (const w of dataset.report.warnings) log(w, 'warn');
  log(`budget: head up to ${budget.epochs} epochs at ${budget.learningRate.toExponential(1)} (${budget.schedule.type}${budget.monitor.patience !== undefined ? `, early stopping on ${budget.monitor.metric}, patience ${budget.monitor.patience}` : ''})`);

  // the frozen base's features: cached once (fast path), or per batch in inference mode (cache off)
  let featuresOf: (examples: Example[]) => Promise<tf.Tensor>;
  let closeBase = (): void => {};
  if (fastPath) {
    const store = new FeatureStore({ cacheDir: data.cache === 'memory' ? undefined : ctx.cacheDir ?? defaultCacheDir(), key: featureCacheKey(loaded.sha256, det.cut.cut, image, det.featureShape), featureShape: det.featureShape, memoryBudgetBytes: memoryBudget() });
    const complete = await extractAll({ adapted: det, dataset, store, threads: [], closeThreads: () => {}, batchSize: bs, progress, shouldStop: ctx.shouldStop, emit: ctx.emit, log });
    if (!complete) return { output: '', stopped: true, summary: { stopped: 'during feature extraction' } };
    featuresOf = async (examples) => {
      const xs = new Float32Array(examples.length * store.size);
      examples.forEach((e, i) => xs.set(store.get(e.file), i * store.size));
      return tf.tensor(xs, [examples.length, ...det.featureShape]);
    };
  } else {
    log('feature cache off: every batch runs the frozen base (inference mode, outside the gradient tape)');
    const fused = fuseForInference(det.base);
    closeBase = () => fused.dispose();
    const { height, width, channels } = dataset.image;
    featuresOf = async (examples) => {
      const per = height * width * channels;
      const px = new Float32Array(examples.length * per);
      await Promise.all(examples.map((e, i) => dataset.loadInto(e, px, i * per)));
      return tf.tidy(() => fused.predict(tf.tensor4d(px, [examples.length, height, width, channels])));
    };
  }

  if (det.standardizer) {
    const trainFeatures = async function* (): AsyncGenerator<tf.Tensor> { for (let i = 0; i < dataset.train.length; i += bs) yield featuresOf(dataset.train.slice(i, i + bs)); };
    const n = await fitDetectionStandardizer(det, trainFeatures());
    log(`feature maps standardised per channel: mean and variance of ${det.featureShape.at(-1)} channels over ${n} positions of the ${dataset.train.length} training maps (folded into the saved model as "${det.standardizer.name}")`);
  }
  const L = outputLength(spec);
  const targets = (examples: Example[]): tf.Tensor2D => tf.tensor2d(encodeTargets(spec, examples.map(imageOf)).values, [examples.length, L]);
  const dropped = encodeTargets(spec, dataset.train.map(imageOf)).dropped;
  if (dropped && spec.head === 'grid') log(`${dropped} of the ${trainBoxes.length} training boxes find no free anchor in their cell (objects sharing a cell and shape) and are not learnt: add anchors ("detection.anchors") or a finer feature map (a lower "cut" or a larger "data.imageSize")`, 'warn');
  if (dropped && spec.head === 'localiser') log(`the localiser learns one box per image: ${dropped} smaller box(es) of images with several are not learnt (a grid head, "detection.head": "grid", learns them all)`, 'warn');
  const { objective, dispose: disposeLoss } = objectiveFor(spec, settings.boxLoss);
  const source: BatchSource = {
    examples: dataset.train.length,
    numBatches: Math.ceil(dataset.train.length / bs),
    // the same seeded order as classification's batches (features.ts)
    batches: async function* (epoch: number) {
      const order = shuffled(dataset.train, rng(epochSeed(t.seed, epoch)));
      for (let i = 0; i < order.length; i += bs) {
        const chunk = order.slice(i, i + bs);
        yield { xs: await featuresOf(chunk), ys: targets(chunk) };
      }
    },
  };

  /** The head over examples: detections per image (down to the evaluation threshold) and the mean loss. */
  const predictExamples = async (examples: Example[]): Promise<{ images: EvaluatedImage[]; loss: number | null }> => {
    const images: EvaluatedImage[] = [];
    let lossSum = 0;
    for (let i = 0; i < examples.length; i += 256) {
      const chunk = examples.slice(i, i + 256);
      const xs = await featuresOf(chunk);
      const ys = targets(chunk);
      const out = det.head.predict(xs) as tf.Tensor;
      const l = objective.loss(ys, out);
      lossSum += (await l.data())[0]! * chunk.length;
      const values = (await out.data()) as Float32Array;
      tf.dispose([xs, ys, out, l]);
      chunk.forEach((e, j) => {
        const im = imageOf(e);
        images.push({ file: e.file, width: im.width, height: im.height, truth: truthOf(im), predicted: detectionsFromOutput(spec, values.subarray(j * L, (j + 1) * L), EVAL_SCORE_THRESHOLD) });
      });
    }
    return { images, loss: examples.length ? lossSum / examples.length : null };
  };

  const protect = modelFolder(loaded.source) ? [modelFolder(loaded.source)!] : [];
  const metadata = (extra: Record<string, unknown> = {}): AdaptedMetadata => ({
    labels, task: 'detection', inputSize: [image.height, image.width], channels: image.channels, preprocess: image.preprocess,
    recipe: recipe.raw, sourceModel: loaded.source, sourceSha256: loaded.sha256, cut: det.cut.cut, frozen: det.frozen,
    createdAt: new Date().toISOString(), backend: backend.name, detection: spec, extra,
  });
  const checkpointer = new Checkpointer(det.model, runDir, metadata, protect, ctx.emit);
  // weightDecay and learningRateMultipliers are not applied to the detection head (docs/DETECTION.md)
  const trainee: Trainee = { forward: (x, training) => forward(det.head, x, training), layers: det.head.layers, headLayerNames: new Set(det.head.layers.map((l) => l.name)), regularization: () => [] };
  // a batch's figures are the loss parts; the status bar and the CLI show a batch's first figure as
  // the run's metric, and detection's (mAP) is only measured on the validation images, per epoch
  const emit = (e: WorkerEvent): void => ctx.emit(e.type === 'batchEnd' ? { ...e, metrics: {} } : e);
  try {
    const r = await runPhase({
      budget, trainee, source, checkpoints: false, // a detection run cannot resume yet
      validate: hasValidation ? async () => {
        const p = await predictExamples(dataset.validation);
        const m = evaluateDetections(p.images.map((x) => x.truth), p.images.map((x) => x.predicted), { labels });
        return { loss: p.loss ?? NaN, metrics: { mAP50: m.mAP50, mAP: m.mAP } };
      } : undefined,
    }, {
      task: 'detection', objective, training: { ...t, learningRateMultipliers: undefined }, emit, shouldStop: ctx.shouldStop, progress, checkpointer, batchesPerEpoch: source.numBatches,
    });
    if (r.stopped) {
      const dir = await checkpointer.save('checkpoint', 'head', r.epochsRun);
      log(`stopped: checkpoint kept in ${dir}`);
      return { output: dir, stopped: true, summary: { checkpoint: dir } };
    }
    const split = dataset.test.length ? 'test' : hasValidation ? 'validation' : 'train';
    const evalExamples = dataset.test.length ? dataset.test : hasValidation ? dataset.validation : dataset.train;
    const p = await predictExamples(evalExamples);
    const report: EvaluationReport = {
      task: 'detection', split, examples: evalExamples.length, loss: p.loss, labels,
      detection: detectionEvaluation(p.images, { head: spec.head, labels, scoreThreshold: spec.scoreThreshold }),
    };
    ctx.emit({ type: 'evaluation', report, warnings: [] });
    const evaluation = { split, metric: 'mAP@0.5', value: report.detection!.mAP50 };
    const phases = { head: { epochs: r.epochsRun, kept: r.keptEpoch, reason: r.stoppedEarly ? 'converged' : 'cap' } };
    const out = await saveAdaptedModel(det.model, recipe.output, metadata({ evaluation, epochs: { head: r.epochsRun }, phases }), { protect });
    writeFileAtomic(path.join(out, 'evaluation.json'), JSON.stringify({ report, warnings: [] }, null, 2) + '\n');
    log(`saved the detector to ${out}`);
    return { output: out, stopped: false, summary: { output: out, evaluation, phases } };
  } finally {
    closeBase();
    disposeLoss();
  }
}
