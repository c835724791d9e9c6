/** The data pipeline: open a dataset (listing, labels, split, report) and stream batches from it. */
import * as tf from '@tensorflow/tfjs';
import * as os from 'node:os';
import { UserError } from '../../../core/errors';
import type { DatasetReport } from '../../../core/protocol';
import { epochSeed, rng, shuffled } from '../../../core/random';
import type { AugmentSpec } from '../../../core/recipe/schema';
import { augment, isAugmenting } from './augment';
import { PixelCache } from './cache';
import { decodeImage, normalize } from './decode';
import { listDataset, type Listing, type Skipped } from './scan';
import { stratifiedSplit } from './split';
import type { Batch, BatchOptions, Dataset, DatasetOptions, Example } from './types';

export { decodeImage, loadImageFile, normalize } from './decode';
export type { Batch, BatchOptions, Dataset, DatasetOptions, Example, ImageSpec } from './types';

const DEFAULT_BUDGET = 512 * 1024 * 1024;
/** Up to this many files are fully decoded while opening (finds corrupt files before training). */
const VERIFY_LIMIT = 5000;

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

export async function openDataset(options: DatasetOptions, log: (line: string) => void = () => {}): Promise<Dataset> {
  const { task, image } = options;
  const budget = options.memoryBudgetBytes ?? DEFAULT_BUDGET;
  const cache = new PixelCache(budget);
  const listings: { split: 'train' | 'validation' | 'test'; listing: Listing }[] = [{ split: 'train', listing: listDataset(options.train, task) }];
  if (options.validation) listings.push({ split: 'validation', listing: listDataset(options.validation, task) });
  if (options.test) listings.push({ split: 'test', listing: listDataset(options.test, task) });
  const train = listings[0]!.listing;
  const warnings: string[] = listings.flatMap((l) => l.listing.warnings);
  for (const c of train.emptyClasses) warnings.push(`class folder "${c}" has no images: it is left out`);

  // labels: fixed order, or sorted folder / CSV labels of the training data
  let labels: string[];
  if (task === 'regression') labels = train.targets ?? [];
  else if (options.labels?.length) labels = options.labels;
  else labels = [...new Set(train.items.flatMap((i) => i.labels))].sort((a, b) => a.localeCompare(b, 'en'));
  const index = new Map(labels.map((l, i) => [l, i] as const));

  // verify every file decodes (corrupt, zero-byte and non-image files are skipped and listed)
  const skipped: Skipped[] = listings.flatMap((l) => l.listing.skipped);
  const all = listings.flatMap((l) => l.listing.items.map((item) => ({ split: l.split, item })));
  const verifyAll = all.length <= VERIFY_LIMIT;
  const ok = await mapLimit(all, Math.max(2, os.cpus().length * 2), async ({ item }) => {
    try {
      if (verifyAll) cache.set(item.file, await decodeImage(item.file, image));
      return true;
    } catch (e) {
      skipped.push({ file: item.file, reason: e instanceof UserError ? e.message : String(e) });
      return false;
    }
  });
  const examples: Record<'train' | 'validation' | 'test', Example[]> = { train: [], validation: [], test: [] };
  all.forEach(({ split, item }, i) => {
    if (!ok[i]) return;
    if (task === 'regression') {
      examples[split].push({ file: item.file, classes: [], values: item.values });
      return;
    }
    const classes = item.labels.map((l) => {
      const c = index.get(l);
      if (c === undefined) {
        if (split === 'train' && options.labels?.length) throw new UserError(`label "${l}" is not in the recipe's "labels" (${labels.join(', ')})`, { file: item.file });
        if (split !== 'train') throw new UserError(`the ${split} data has a label the training data does not: "${l}"`, { file: split === 'validation' ? options.validation : options.test, hint: 'use the same class folders / labels in every split' });
      }
      return c!;
    });
    examples[split].push({ file: item.file, classes, values: [] });
  });

  const totalFiles = all.length + listings.reduce((s, l) => s + l.listing.skipped.length, 0);
  if (totalFiles > 0 && skipped.length / totalFiles > options.maxSkipped) {
    throw new UserError(`${skipped.length} of ${totalFiles} files cannot be used (more than ${Math.round(options.maxSkipped * 100)}%): ${skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`).join('; ')}${skipped.length > 3 ? '; …' : ''}`, {
      file: options.train,
      hint: 'fix or remove the listed files, or raise "data.maxSkipped"',
    });
  }
  if (task === 'single-label' && labels.length < 2) {
    throw new UserError(`single-label classification needs at least 2 classes with images, found ${labels.length}${labels.length ? ` (${labels.join(', ')})` : ''}`, { file: options.train });
  }
  if (task !== 'regression' && examples.train.length === 0) throw new UserError('no usable training images', { file: options.train });

  let trainExamples = examples.train;
  let validation = examples.validation;
  if (!options.validation) {
    const s = stratifiedSplit(examples.train, options.validationSplit, options.seed, (e) => (task === 'regression' ? 0 : e.classes[0] ?? 0));
    trainExamples = s.train;
    validation = s.validation;
  }
  const test = examples.test;

  // report: counts, imbalance, skipped files, examples for thumbnails
  const count = (list: Example[], c: number): number => list.filter((e) => e.classes.includes(c)).length;
  const classes = task === 'regression' ? [] : labels.map((label, c) => ({ label, train: count(trainExamples, c), validation: count(validation, c), test: count(test, c) }));
  if (task !== 'regression' && classes.length) {
    const sorted = [...classes].sort((a, b) => a.train - b.train);
    const min = sorted[0]!;
    const max = sorted.at(-1)!;
    if (min.train > 0 && max.train / min.train >= 3) warnings.push(`imbalanced classes: "${max.label}" has ${max.train} training images, "${min.label}" only ${min.train} (${(max.train / min.train).toFixed(1)}×); consider "classWeights": "balanced"`);
    const tiny = classes.filter((c) => c.train > 0 && c.train < 5).map((c) => c.label);
    if (tiny.length) warnings.push(`very few training images (< 5) for: ${tiny.join(', ')}`);
    const missing = classes.filter((c) => c.train === 0).map((c) => c.label);
    if (missing.length) warnings.push(`no training images for: ${missing.join(', ')}`);
  }
  const examplesByLabel: Record<string, string[]> = {};
  if (task !== 'regression') labels.forEach((l, c) => { examplesByLabel[l] = trainExamples.filter((e) => e.classes.includes(c)).slice(0, 6).map((e) => e.file); });
  else examplesByLabel.all = trainExamples.slice(0, 6).map((e) => e.file);
  const perImage = image.height * image.width * image.channels;
  const streaming = perImage * (trainExamples.length + validation.length + test.length) > budget;
  const report: DatasetReport = {
    source: options.train,
    task,
    labels,
    classes,
    total: { train: trainExamples.length, validation: validation.length, test: test.length },
    skipped,
    warnings,
    examples: examplesByLabel,
    imageSize: [image.height, image.width],
    channels: image.channels,
    preprocess: image.preprocess,
    streaming,
  };
  log(`dataset: ${trainExamples.length} train / ${validation.length} validation / ${test.length} test, ${labels.length} ${task === 'regression' ? 'targets' : 'classes'}${skipped.length ? `, ${skipped.length} skipped` : ''}${streaming ? ', streaming from disk' : ''}`);

  const pixels = async (e: Example): Promise<Uint8Array> => {
    const hit = cache.get(e.file);
    if (hit) return hit;
    const px = await decodeImage(e.file, image);
    cache.set(e.file, px);
    return px;
  };
  return {
    labels,
    task,
    image,
    train: trainExamples,
    validation,
    test,
    report,
    cache,
    async load(example: Example, aug?: AugmentSpec, random?: () => number): Promise<Float32Array> {
      const px = await pixels(example);
      const out = new Float32Array(px.length);
      if (isAugmenting(aug)) normalize(augment(px, image.height, image.width, image.channels, aug, random ?? Math.random), image.channels, image.preprocess, out);
      else normalize(px, image.channels, image.preprocess, out);
      return out;
    },
  };
}

export function numBatches(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

/** Targets: one-hot (single-label), multi-hot (multi-label) or the values (regression). */
export function encodeTargets(dataset: Pick<Dataset, 'task' | 'labels'>, examples: Example[]): tf.Tensor2D {
  const k = dataset.labels.length;
  const data = new Float32Array(examples.length * k);
  examples.forEach((e, i) => {
    if (dataset.task === 'regression') e.values.forEach((v, j) => { data[i * k + j] = v; });
    else e.classes.forEach((c) => { data[i * k + c] = 1; });
  });
  return tf.tensor2d(data, [examples.length, k]);
}

/** Batches in a seeded order (different each epoch), decoded with the next batch prefetched. */
export async function* batches(dataset: Dataset, examples: Example[], options: BatchOptions): AsyncGenerator<Batch> {
  const epoch = options.epoch ?? 0;
  const order = options.shuffle ? shuffled(examples, rng(epochSeed(options.seed, epoch))) : examples;
  const random = rng(epochSeed(options.seed, epoch, 2));
  const { height, width, channels } = dataset.image;
  const per = height * width * channels;
  const build = async (chunk: Example[]): Promise<Float32Array> => {
    // draw augmentation randomness in order so results do not depend on decode timing
    const seeds = chunk.map(() => Math.floor(random() * 2 ** 32));
    const loaded = await Promise.all(chunk.map((e, i) => dataset.load(e, options.augment, rng(seeds[i]!))));
    const xs = new Float32Array(chunk.length * per);
    loaded.forEach((p, i) => xs.set(p, i * per));
    return xs;
  };
  const chunks: Example[][] = [];
  for (let i = 0; i < order.length; i += options.batchSize) chunks.push(order.slice(i, i + options.batchSize));
  let next = chunks.length ? build(chunks[0]!) : undefined;
  for (let i = 0; i < chunks.length; i++) {
    const xs = await next!;
    next = i + 1 < chunks.length ? build(chunks[i + 1]!) : undefined; // prefetch while this batch trains
    const chunk = chunks[i]!;
    yield { xs: tf.tensor4d(xs, [chunk.length, height, width, channels]), ys: encodeTargets(dataset, chunk), examples: chunk };
  }
}
