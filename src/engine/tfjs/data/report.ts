/** The dataset report: counts per class and split, skipped files, warnings, thumbnails' files. */
import type { DatasetReport } from '../../../core/protocol/reports';
import type { Task } from '../../../core/recipe/schema';
import type { Skipped } from './listing';
import type { Example, ImageSpec } from './types';

/** Largest / smallest training class at or above this is reported as imbalanced. */
export const IMBALANCE_RATIO = 3;
/** Classes with fewer training images than this are reported as tiny. */
export const TINY_CLASS = 5;
const EXAMPLES_PER_CLASS = 6;

export interface ReportInput {
  source: string;
  task: Task;
  labels: string[];
  train: Example[];
  validation: Example[];
  test: Example[];
  skipped: Skipped[];
  warnings: string[];
  image: ImageSpec;
  streaming: boolean;
}

const quoted = (l: string): string => `"${l}"`;

export function classWarnings(task: Task, classes: DatasetReport['classes'], hasValidation: boolean): string[] {
  if (task === 'regression' || classes.length === 0) return [];
  const out: string[] = [];
  if (task === 'multi-label' && classes.length === 1) out.push(`only one label (${quoted(classes[0]!.label)}): the model learns yes/no for it`);
  const present = classes.filter((c) => c.train > 0);
  const missing = classes.filter((c) => c.train === 0);
  if (missing.length) out.push(`no training images for: ${missing.map((c) => quoted(c.label)).join(', ')}`);
  if (present.length >= 2) {
    const max = present.reduce((a, b) => (b.train > a.train ? b : a));
    const small = present.filter((c) => max.train / c.train >= IMBALANCE_RATIO).sort((a, b) => a.train - b.train);
    if (small.length) {
      out.push(`imbalanced classes: ${quoted(max.label)} has ${max.train} training images, ${small.map((c) => `${quoted(c.label)} ${c.train}`).join(', ')} (${(max.train / small[0]!.train).toFixed(1)}× fewer at most); consider "classWeights": "balanced" or more images of the small classes`);
    }
  }
  const tiny = present.filter((c) => c.train < TINY_CLASS);
  if (tiny.length) out.push(`very few training images (< ${TINY_CLASS}) for: ${tiny.map((c) => `${quoted(c.label)} (${c.train})`).join(', ')}`);
  if (hasValidation) {
    const noVal = present.filter((c) => c.validation === 0);
    if (noVal.length) out.push(`no validation images for: ${noVal.map((c) => quoted(c.label)).join(', ')}${task === 'single-label' ? ' (a class needs ≥ 2 images to be split)' : ''}`);
  }
  return out;
}

export function buildReport(r: ReportInput): DatasetReport {
  const count = (list: Example[], c: number): number => list.reduce((n, e) => n + (e.classes.includes(c) ? 1 : 0), 0);
  const classes = r.task === 'regression' ? [] : r.labels.map((label, c) => ({ label, train: count(r.train, c), validation: count(r.validation, c), test: count(r.test, c) }));
  const examples: Record<string, string[]> = {};
  if (r.task === 'regression') examples.all = r.train.slice(0, EXAMPLES_PER_CLASS).map((e) => e.file);
  else {
    r.labels.forEach((l) => { examples[l] = []; });
    for (const e of r.train) for (const c of e.classes) { const list = examples[r.labels[c]!]!; if (list.length < EXAMPLES_PER_CLASS) list.push(e.file); }
  }
  return {
    source: r.source,
    task: r.task,
    labels: r.labels,
    classes,
    total: { train: r.train.length, validation: r.validation.length, test: r.test.length },
    skipped: r.skipped,
    warnings: [...r.warnings, ...classWarnings(r.task, classes, r.validation.length > 0)],
    examples,
    imageSize: [r.image.height, r.image.width],
    channels: r.image.channels,
    preprocess: r.image.preprocess,
    streaming: r.streaming,
  };
}
