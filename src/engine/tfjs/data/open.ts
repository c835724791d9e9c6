/**
 * Opening a dataset: list the splits, check every file (decoding as many as the memory budget
 * keeps, reading only the header of the rest), fix the label order, split, and report.
 * Nothing is written anywhere.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { isCsv, requireTwoClasses } from '../../../core/data/labels';
import { UserError } from '../../../core/errors';
import { formatDuration } from '../../../core/format/table';
import type { AugmentSpec } from '../../../core/recipe/schema';
import { augment, isAugmenting } from './augment';
import { PixelCache } from './cache';
import { checkImageHeader, decodeImage, UnreadableImageError } from './decode';
import { listDataset, type Listed, type Listing, type Skipped } from './listing';
import { headCounts, listMultiTask, multiTaskStrata } from '../multitask/data';
import { normalize } from './normalize';
import { buildReport } from './report';
import { strataFor, stratifiedSplit } from './split';
import type { Dataset, DatasetOptions, Example } from './types';

export const DEFAULT_MEMORY_BUDGET = 512 * 1024 * 1024;

type SplitName = 'train' | 'validation' | 'test';
const ROLE: Record<SplitName, string> = { train: 'training', validation: 'validation', test: 'test' };

async function mapLimit<T>(items: T[], limit: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en');

function skippedTooMany(skipped: Skipped[], total: number, maxSkipped: number, source: string): UserError {
  const reasons = new Map<string, number>();
  for (const s of skipped) { const kind = s.reason.replace(/[:(].*$/, '').trim(); reasons.set(kind, (reasons.get(kind) ?? 0) + 1); }
  const summary = [...reasons].map(([k, n]) => `${n} ${k}`).join(', ');
  const first = skipped.slice(0, 3).map((s) => `${s.file} (${s.reason})`).join('; ');
  return new UserError(`${skipped.length} of ${total} files cannot be used (${summary}), more than the ${Math.round(maxSkipped * 1000) / 10}% allowed: ${first}${skipped.length > 3 ? '; …' : ''}`, {
    file: source,
    hint: 'fix or remove the listed files, or raise "data.maxSkipped"',
  });
}

export async function openDataset(options: DatasetOptions, log: (line: string) => void = () => {}): Promise<Dataset> {
  const { image } = options;
  const multi = options.multiTask;
  const task = multi ? 'regression' : options.task;
  if (!(image.height > 0 && image.width > 0 && Number.isInteger(image.height) && Number.isInteger(image.width))) throw new Error(`bad image size ${image.height}×${image.width}`);
  const budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const perImage = image.height * image.width * image.channels;
  const cache = new PixelCache(budget);

  // 1. list (no decoding)
  const sources: [SplitName, string][] = [['train', options.train]];
  if (options.validation) sources.push(['validation', options.validation]);
  if (options.test) sources.push(['test', options.test]);
  const listings = sources.map(([split, source]) => ({ split, source, listing: multi ? listMultiTask(source, multi, ROLE[split]) : listDataset(source, task, ROLE[split]) }));
  const trainListing: Listing = listings[0]!.listing;

  // 2. check every listed file: decode while the pixels fit the budget (they stay cached), header only beyond
  const candidates = listings.flatMap((l) => l.listing.items.map((item) => ({ split: l.split, item })));
  const reasons: (string | undefined)[] = new Array(candidates.length);
  const decodeUpTo = Math.min(candidates.length, Math.floor(budget / perImage));
  const t0 = Date.now();
  let checked = 0;
  log(`checking ${candidates.length} image files${decodeUpTo < candidates.length ? ` (decoding ${decodeUpTo} into memory, reading only the header of the other ${candidates.length - decodeUpTo})` : ''}`);
  await mapLimit(candidates, Math.max(4, (os.availableParallelism?.() ?? os.cpus().length) * 2), async ({ item }, i) => {
    try {
      if (i < decodeUpTo) cache.set(item.file, await decodeImage(item.file, image));
      else await checkImageHeader(item.file);
    } catch (e) {
      if (!(e instanceof UnreadableImageError)) throw e;
      reasons[i] = e.reason;
    }
    if (++checked % 2000 === 0) {
      const sec = (Date.now() - t0) / 1000;
      log(`checked ${checked} of ${candidates.length} files (${sec.toFixed(1)} s, ETA ${formatDuration((sec / checked) * (candidates.length - checked))})`);
    }
  });
  const unusable: Skipped[] = [...listings.flatMap((l) => l.listing.skipped), ...candidates.flatMap(({ item }, i) => (reasons[i] ? [{ file: item.file, reason: reasons[i] }] : []))];
  const usable = candidates.filter((_, i) => !reasons[i]);
  const totalFiles = candidates.length + listings.reduce((n, l) => n + l.listing.skipped.length, 0);
  // the error names the folder (or CSV) most of the unusable files come from
  const sourceOf = new Map<string, string>();
  for (const l of listings) for (const f of [...l.listing.items.map((i) => i.file), ...l.listing.skipped.map((x) => x.file)]) sourceOf.set(f, l.source);
  const worstSource = (list: Skipped[]): string => {
    const n = new Map<string, number>();
    for (const x of list) { const src = sourceOf.get(x.file) ?? options.train; n.set(src, (n.get(src) ?? 0) + 1); }
    return [...n].sort((a, b) => b[1] - a[1])[0]?.[0] ?? options.train;
  };
  if (totalFiles > 0 && unusable.length / totalFiles > options.maxSkipped) throw skippedTooMany(unusable, totalFiles, options.maxSkipped, worstSource(unusable));
  const skipped: Skipped[] = [...unusable, ...listings.flatMap((l) => l.listing.ignored)];

  // 3. labels: the recipe's order, or sorted training labels (regression: the target names)
  const warnings = listings.flatMap((l) => l.listing.warnings);
  const fixed = task !== 'regression' && !!options.labels?.length;
  let labels: string[];
  if (task === 'regression') {
    labels = trainListing.targets ?? [];
    for (const l of listings.slice(1)) {
      if (l.listing.targets && l.listing.targets.length !== labels.length) throw new UserError(`the ${ROLE[l.split]} CSV has ${l.listing.targets.length} target(s), the training CSV ${labels.length}`, { file: l.source });
    }
  } else if (fixed) labels = [...options.labels!];
  else labels = [...new Set(usable.filter((c) => c.split === 'train').flatMap((c) => c.item.labels))].sort(byName);
  const index = new Map(labels.map((l, i) => [l, i] as const));
  if (task !== 'regression') {
    for (const c of trainListing.emptyClasses) if (!index.has(c)) warnings.push(`class folder "${c}" has no images: left out`);
    const unreadable = new Set(candidates.filter((c, i) => c.split === 'train' && reasons[i]).flatMap((c) => c.item.labels));
    for (const c of unreadable) if (!index.has(c) && !fixed) warnings.push(`class "${c}": none of its images can be read: left out`);
  }

  // 4. examples, with labels the training data does not know refused
  const examples: Record<SplitName, Example[]> = { train: [], validation: [], test: [] };
  for (const { split, item } of usable) examples[split].push(toExample(item, index, task, split, listings.find((l) => l.split === split)!.source, fixed));

  if (task === 'single-label') requireTwoClasses(labels, options.train, !!fixed);
  if (examples.train.length === 0) throw new UserError('no usable training images', { file: options.train });
  if (task === 'regression' && labels.length === 0) throw new UserError('no regression targets found', { file: options.train, hint: 'a regression CSV has lines path,y1[,y2,…]' });

  // 5. split
  let { train, validation } = { train: examples.train, validation: examples.validation };
  if (!options.validation) ({ train, validation } = stratifiedSplit(examples.train, options.validationSplit, options.seed, multi ? multiTaskStrata(multi) : strataFor(task, examples.train)));
  const test = examples.test;

  const streaming = (train.length + validation.length + test.length) * perImage > budget;
  const report = buildReport({ source: options.train, task, labels, train, validation, test, skipped, warnings, image, streaming });
  if (multi) report.heads = headCounts(multi, { train, validation, test });
  log(`dataset: ${train.length} train / ${validation.length} validation / ${test.length} test, ${multi ? `${multi.heads.length} heads (${multi.width} outputs)` : `${labels.length} ${task === 'regression' ? 'target(s)' : 'classes'}`}` +
    `${skipped.length ? `, ${skipped.length} file(s) skipped` : ''}, ${streaming ? `streaming from disk (${(cache.sizeBytes / 2 ** 20).toFixed(0)} MiB cached)` : 'all in memory'}; checked in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // files that pass the header check but fail to decode later are skipped then, and counted
  const failed = new Map<string, string>();
  const pixels = async (file: string): Promise<Uint8Array> => {
    const hit = cache.get(file);
    if (hit) return hit;
    const known = failed.get(file);
    if (known) throw new UnreadableImageError(known, file);
    try {
      const px = await decodeImage(file, image);
      cache.set(file, px);
      return px;
    } catch (e) {
      if (!(e instanceof UnreadableImageError) || failed.has(file)) throw e;
      failed.set(file, e.reason);
      report.skipped.push({ file, reason: e.reason });
      unusable.push({ file, reason: e.reason });
      log(`skipped ${file}: ${e.reason}`);
      if (unusable.length / totalFiles > options.maxSkipped) throw skippedTooMany(unusable, totalFiles, options.maxSkipped, worstSource(unusable));
      throw e;
    }
  };

  return {
    labels,
    task,
    image,
    train,
    validation,
    test,
    report,
    cache,
    async load(example: Example, spec?: AugmentSpec, random?: () => number): Promise<Float32Array> {
      const px = await pixels(example.file);
      const out = new Float32Array(px.length);
      normalize(isAugmenting(spec) ? augment(px, image.height, image.width, image.channels, spec, random ?? Math.random) : px, image.channels, image.preprocess, out);
      return out;
    },
    async loadInto(example: Example, out: Float32Array, offset: number): Promise<void> {
      normalize(await pixels(example.file), image.channels, image.preprocess, out, offset);
    },
  };
}

/** A file as the user would name it: relative to the data folder, or to the CSV's folder. */
function shortName(source: string, file: string): string {
  return path.relative(isCsv(source) ? path.dirname(source) : source, file) || file;
}

function toExample(item: Listed, index: Map<string, number>, task: DatasetOptions['task'], split: SplitName, source: string, fixed: boolean): Example {
  if (task === 'regression') return { file: item.file, classes: [], values: item.values };
  const classes = item.labels.map((l) => {
    const c = index.get(l);
    if (c !== undefined) return c;
    if (split === 'train') {
      throw new UserError(`label "${l}" (${shortName(source, item.file)}) is not one of the recipe's "labels" (${[...index.keys()].join(', ')})`, {
        file: source, hint: 'add it to "data.labels", or remove those images',
      });
    }
    throw new UserError(`the ${ROLE[split]} data has a ${fixed ? 'label not in "labels"' : 'class the training data does not'}: "${l}" (${shortName(source, item.file)})`, {
      file: source, hint: 'use the same class folders / labels in every split',
    });
  });
  return { file: item.file, classes, values: [] };
}
