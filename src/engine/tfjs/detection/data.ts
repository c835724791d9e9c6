/**
 * A box dataset opened for training: the annotations read (COCO, VOC or CSV, data/annotations/),
 * a seeded split when there is no validation set, every image decoded once at the model's size —
 * stretched, not cropped ('fill'), so the normalised boxes stay where they are — and the same
 * `Dataset` contract classification has, so the feature cache and its extraction work unchanged.
 */
import * as os from 'node:os';
import type { BoxDataFacts } from '../../../core/recipe/detection';
import { UserError } from '../../../core/errors';
import type { DatasetReport } from '../../../core/protocol/reports';
import { PixelCache } from '../data/cache';
import { decodeImage, UnreadableImageError } from '../data/decode';
import { normalize } from '../data/normalize';
import { stratifiedSplit } from '../data/split';
import type { Dataset, Example, ImageSpec } from '../data/types';
import { readBoxDataset, type BoxDataset, type BoxImage } from '../data/annotations';

export interface BoxDataOptions {
  train: string;
  validation?: string;
  test?: string;
  validationSplit: number;
  /** The folder image paths are relative to (the recipe's data.images). */
  images?: string;
  labels?: string[];
  seed: number;
  maxSkipped: number;
  image: ImageSpec;
  memoryBudgetBytes?: number;
}

export interface BoxData {
  dataset: Dataset;
  /** Every image's boxes, by absolute file. */
  boxes: Map<string, BoxImage>;
  facts: BoxDataFacts;
}

const EXAMPLES_PER_CLASS = 4;

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function checkSkipped(read: BoxDataset, maxSkipped: number): void {
  const total = read.images.length + read.skipped.length;
  if (total > 0 && read.skipped.length / total > maxSkipped) {
    const first = read.skipped.slice(0, 3).map((s) => `${s.file} (${s.reason})`).join('; ');
    throw new UserError(`${read.skipped.length} of ${total} annotated images cannot be used, more than the ${Math.round(maxSkipped * 1000) / 10}% allowed: ${first}${read.skipped.length > 3 ? '; …' : ''}`, {
      file: read.source, hint: 'fix the image paths (or "data.images"), or raise "data.maxSkipped"',
    });
  }
}

const toExample = (im: BoxImage): Example => ({ file: im.file, classes: [...new Set(im.boxes.map((b) => b.label))].sort((a, b) => a - b), values: [] });

export async function openBoxData(o: BoxDataOptions, log: (line: string) => void = () => {}): Promise<BoxData> {
  const image: ImageSpec = { ...o.image, fit: 'fill' };
  const t0 = Date.now();
  const train = await readBoxDataset(o.train, { images: o.images, labels: o.labels });
  checkSkipped(train, o.maxSkipped);
  const labels = train.labels;
  const other = async (source: string | undefined): Promise<BoxDataset | undefined> => {
    if (!source) return undefined;
    const d = await readBoxDataset(source, { images: o.images, labels });
    checkSkipped(d, o.maxSkipped);
    return d;
  };
  const validationRead = await other(o.validation);
  const testRead = await other(o.test);
  const boxes = new Map<string, BoxImage>();
  for (const d of [train, validationRead, testRead]) for (const im of d?.images ?? []) boxes.set(im.file, im);

  // decode every image once (kept as bytes while they fit the budget); one that fails is skipped
  const cache = new PixelCache(o.memoryBudgetBytes ?? 512 * 1024 * 1024);
  const failed = new Map<string, string>();
  await mapLimit([...boxes.keys()], Math.max(4, os.cpus().length * 2), async (file) => {
    try {
      const px = await decodeImage(file, image);
      if (cache.hasRoom(px.byteLength)) cache.set(file, px);
    } catch (e) {
      if (!(e instanceof UnreadableImageError)) throw e;
      failed.set(file, e.reason);
    }
  });
  const usable = (d: BoxDataset | undefined): BoxImage[] => (d?.images ?? []).filter((im) => !failed.has(im.file));
  const all = usable(train).map(toExample);
  // stratified by the image's first label (a seeded split, as classification's)
  const split = o.validation ? { train: all, validation: usable(validationRead).map(toExample) } : stratifiedSplit(all, o.validationSplit, o.seed, (e) => e.classes[0] ?? -1);
  const test = usable(testRead).map(toExample);
  if (split.train.length === 0) throw new UserError('no usable training images in the box annotations', { file: train.source });

  const trainBoxes = split.train.flatMap((e) => boxes.get(e.file)!.boxes);
  const facts: BoxDataFacts = {
    maxBoxesPerImage: Math.max(0, ...split.train.map((e) => boxes.get(e.file)!.boxes.length)),
    distinctSizes: new Set(trainBoxes.map((b) => `${b.box.w.toFixed(4)}x${b.box.h.toFixed(4)}`)).size,
  };
  const skipped = [...train.skipped, ...(validationRead?.skipped ?? []), ...(testRead?.skipped ?? []), ...[...failed].map(([file, reason]) => ({ file, reason }))];
  const warnings = [...train.warnings, ...(validationRead?.warnings ?? []), ...(testRead?.warnings ?? [])];
  const count = (list: Example[], c: number): number => list.reduce((n, e) => n + boxes.get(e.file)!.boxes.filter((b) => b.label === c).length, 0);
  const examples: Record<string, string[]> = Object.fromEntries(labels.map((l) => [l, [] as string[]]));
  for (const e of split.train) for (const c of e.classes) { const list = examples[labels[c]!]!; if (list.length < EXAMPLES_PER_CLASS) list.push(e.file); }
  const report: DatasetReport = {
    source: train.source,
    task: 'detection',
    labels,
    // per class: boxes, not images (an image may hold several)
    classes: labels.map((label, c) => ({ label, train: count(split.train, c), validation: count(split.validation, c), test: count(test, c) })),
    total: { train: split.train.length, validation: split.validation.length, test: test.length },
    skipped,
    warnings,
    examples,
    imageSize: [image.height, image.width],
    channels: image.channels,
    preprocess: image.preprocess,
    streaming: cache.count < boxes.size - failed.size,
  };
  log(`box dataset (${train.format}): ${split.train.length} train / ${split.validation.length} validation / ${test.length} test images, ${trainBoxes.length} training boxes, ${labels.length} classes, up to ${facts.maxBoxesPerImage} boxes per image; read in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const pixels = async (file: string): Promise<Uint8Array> => cache.get(file) ?? decodeImage(file, image);
  const dataset: Dataset = {
    labels, task: 'detection', image, train: split.train, validation: split.validation, test, report, cache,
    async load(example: Example): Promise<Float32Array> {
      const px = await pixels(example.file);
      const out = new Float32Array(px.length);
      normalize(px, image.channels, image.preprocess, out);
      return out;
    },
    async loadInto(example: Example, out: Float32Array, offset: number): Promise<void> {
      normalize(await pixels(example.file), image.channels, image.preprocess, out, offset);
    },
  };
  return { dataset, boxes, facts };
}
