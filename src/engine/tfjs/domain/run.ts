/**
 * Domain adaptation (the recipe's `domain`): score the model on the source's held-back split and
 * on the labelled target images, adapt it to the target domain from the unlabelled target images,
 * score it again, and measure and project the features of both domains before and after. Returns
 * the model to save (the adapted one) and the report (evaluation.json's `domain`).
 *
 * adabn and coral adapt after training. dann adapts while fine-tuning (dann.ts): the session
 * takes the "before" (`prepareDomain`) after the head phase, trains, and hands it back here.
 */
import * as tf from '@tensorflow/tfjs';
import { coralMap, applyCoral, domainGap } from '../../../core/domain/coral';
import { DOMAIN_DEFAULTS } from '../../../core/domain/defaults';
import type { Rows } from '../../../core/domain/linalg';
import { fitPca2, project } from '../../../core/domain/pca';
import { evenSample, type ResolvedDomain } from '../../../core/domain/resolve';
import { headline } from '../../../core/metrics';
import type { DomainReport, EvaluationReport } from '../../../core/protocol/reports';
import type { Task } from '../../../core/recipe/schema';
import { rng, shuffled } from '../../../core/random';
import type { AdaptedModel } from '../adapt';
import type { Dataset, Example } from '../data/types';
import { evaluateExamples, imagePredictor } from '../evaluate';
import { withFusedInference } from '../inference/fuse';
import { adaBN } from './adabn';
import { withCoralLayer } from './coral';
import { concatRows, exampleBatches, headFront, headInputs, pickRows } from './features';
import { openLabelledTarget, openTarget, type TargetImages } from './target';

export interface DomainInput {
  domain: ResolvedDomain;
  adapted: AdaptedModel;
  dataset: Dataset;
  task: Task;
  /** The source's held-back split the run evaluates on. */
  source: { split: string; examples: Example[] };
  batchSize: number;
  seed: number;
  log(line: string, level?: 'info' | 'warn'): void;
  file?: string;
  /** Say how far it got (the progress line). */
  progress?(message: string): void;
}

export interface DomainResult {
  model: tf.LayersModel;
  report: DomainReport;
}

/** The target images opened and the model scored and measured on both domains, before adapting. */
export interface PreparedDomain {
  target: TargetImages;
  labelled?: Dataset;
  front: tf.layers.Layer[];
  d: number;
  sourceBefore: EvaluationReport;
  targetBefore?: EvaluationReport;
  sourceSample: Example[];
  sourceRows: Rows;
  targetRowsBefore: Rows;
}

const score = (r: EvaluationReport): string => { const h = headline(r); return h.name === 'mae' ? h.value.toFixed(3) : `${(h.value * 100).toFixed(1)}%`; };
/** Images per batch while re-estimating BatchNorm statistics: per-batch variances of small batches are noisy (no gradients are kept: memory is the forward pass's). */
const ADABN_BATCH = 32;
const round = (p: [number, number][]): [number, number][] => p.map(([a, b]) => [Math.round(a * 1e4) / 1e4, Math.round(b * 1e4) / 1e4]);

function evaluator(input: DomainInput) {
  return (model: tf.LayersModel, ds: Dataset, examples: Example[], split: string): Promise<EvaluationReport> =>
    withFusedInference(model, (predict) => evaluateExamples(imagePredictor(predict, ds), examples, ds.labels, input.task, split, input.batchSize));
}

/** Opens the target images and scores and measures the model as it is now: the "before". */
export async function prepareDomain(input: DomainInput): Promise<PreparedDomain> {
  const { domain, adapted, dataset, task, batchSize: bs, seed, log, file } = input;
  const target = openTarget(domain, dataset.image, seed, file);
  const labelled = await openLabelledTarget(domain, dataset.labels, task, dataset.image, seed, (l) => log(l), file);
  const { layers: front, d } = headFront(adapted, file);
  log(`domain (${domain.method}): ${target.files.length} unlabelled target images from ${domain.target}${labelled ? `; ${labelled.train.length} labelled target images to score` : ''}`);
  const evaluate = evaluator(input);
  input.progress?.(`domain: scoring the ${domain.method === 'dann' ? 'model after the head phase' : 'trained model'} on both domains`);
  const sourceBefore = await evaluate(adapted.model, dataset, input.source.examples, input.source.split);
  const targetBefore = labelled ? await evaluate(adapted.model, labelled, labelled.train, 'target') : undefined;
  // source features: a seeded sample of the training split (what the head learned from)
  const sourceSample = dataset.train.length > domain.maxImages ? shuffled(dataset.train, rng(seed ^ 0xc0a1)).slice(0, domain.maxImages) : dataset.train;
  const sourceRows = await headInputs(adapted, front, d, exampleBatches(dataset, sourceSample, bs));
  const targetRowsBefore = await headInputs(adapted, front, d, target.batches(bs));
  return { target, labelled, front, d, sourceBefore, targetBefore, sourceSample, sourceRows, targetRowsBefore };
}

/** Adapts (adabn, coral) or takes the model as fine-tuning adapted it (dann, with the `prepared` "before" and the run's notes). */
export async function adaptToDomain(input: DomainInput, dann?: { prepared: PreparedDomain; notes: string[] }): Promise<DomainResult> {
  const { domain, adapted, dataset, batchSize: bs, log, file } = input;
  const prepared = dann?.prepared ?? await prepareDomain(input);
  const { target, labelled, front, d, sourceBefore, targetBefore, sourceRows, targetRowsBefore } = prepared;
  const evaluate = evaluator(input);
  const targetFeatures = (): Promise<Rows> => headInputs(adapted, front, d, target.batches(bs));

  let model = adapted.model;
  let targetRowsAfter: Rows;
  // the source's features after: the same as before unless the base itself was trained (dann)
  let sourceRowsAfter = sourceRows;
  const notes: string[] = [];
  input.progress?.(`domain: adapting (${domain.method})`);
  if (domain.method === 'adabn') {
    const r = await adaBN(adapted, model, () => target.batches(ADABN_BATCH), file);
    notes.push(`AdaBN: the moving mean and variance of ${r.base} BatchNormalization layers of the base${r.head ? ` and ${r.head} of the head` : ''} re-estimated on ${target.files.length - target.skipped.length} target images (${r.batches} batches of up to ${ADABN_BATCH})${r.standardizer ? '; the head\'s feature standardiser refitted on the target features' : ''}; weights unchanged`);
    targetRowsAfter = await targetFeatures();
  } else if (domain.method === 'coral') {
    const t0 = performance.now();
    const map = coralMap(sourceRows, targetRowsBefore);
    model = withCoralLayer(adapted, front, map);
    targetRowsAfter = applyCoral(map, targetRowsBefore);
    notes.push(`CORAL: the target features (${d} per image, ${targetRowsBefore.n} images) mapped onto the mean and covariance of ${sourceRows.n} source training images (ε = ${map.epsilon.toPrecision(3)} on the diagonal), a frozen ${d}×${d} Dense layer in front of the trained head (computed in ${Math.round(performance.now() - t0)} ms)`);
  } else if (domain.method === 'dann' && dann) {
    notes.push(...dann.notes);
    sourceRowsAfter = await headInputs(adapted, front, d, exampleBatches(dataset, prepared.sourceSample, bs));
    targetRowsAfter = await targetFeatures();
  } else {
    throw new Error(`domain method ${domain.method} is not applied after training`);
  }
  if (target.skipped.length) notes.push(`${target.skipped.length} target images could not be read and were skipped (first: ${target.skipped[0]!.file}: ${target.skipped[0]!.reason})`);

  // after: the adapted model on both domains
  input.progress?.('domain: scoring the adapted model on both domains');
  const sourceAfter = await evaluate(model, dataset, input.source.examples, input.source.split);
  const targetAfter = labelled ? await evaluate(model, labelled, labelled.train, 'target') : undefined;

  // the features of both domains: gap and a 2-D projection on one basis
  const gap = { before: domainGap(sourceRows, targetRowsBefore), after: domainGap(sourceRowsAfter, targetRowsAfter) };
  const k = DOMAIN_DEFAULTS.projectionPoints;
  const sIdx = evenSample([...Array(sourceRows.n).keys()], k);
  const tIdx = evenSample([...Array(targetRowsBefore.n).keys()], k);
  const [ps, psa, ptb, pta] = [pickRows(sourceRows, sIdx), pickRows(sourceRowsAfter, sIdx), pickRows(targetRowsBefore, tIdx), pickRows(targetRowsAfter, tIdx)];
  const pca = fitPca2(sourceRowsAfter === sourceRows ? concatRows(ps, ptb, pta) : concatRows(ps, psa, ptb, pta));
  const sourcePoints = round(project(pca, ps));

  log(`domain (${domain.method}): ${headline(sourceBefore).name}: source ${input.source.split} ${score(sourceBefore)} → ${score(sourceAfter)}${targetBefore && targetAfter ? `; target ${score(targetBefore)} → ${score(targetAfter)}` : ' (no labelled target images: "domain.targetLabelled" scores the target)'}; feature gap (CORAL distance) ${gap.before.coral.toPrecision(3)} → ${gap.after.coral.toPrecision(3)}`);
  for (const n of notes) log(n);
  return {
    model,
    report: {
      method: domain.method,
      target: domain.target,
      targetImages: target.files.length - target.skipped.length,
      targetLabelled: domain.targetLabelled,
      source: { split: input.source.split, before: sourceBefore, after: sourceAfter },
      targetScores: targetBefore && targetAfter ? { before: targetBefore, after: targetAfter } : undefined,
      gap,
      projection: {
        explained: [Math.round(pca.explained[0] * 1e4) / 1e4, Math.round(pca.explained[1] * 1e4) / 1e4],
        before: { source: sourcePoints, target: round(project(pca, ptb)) },
        after: { source: sourceRowsAfter === sourceRows ? sourcePoints : round(project(pca, psa)), target: round(project(pca, pta)) },
      },
      notes,
    },
  };
}
