/**
 * A multi-task dataset: the header CSV listed into examples whose `values` are the heads' targets
 * side by side (core/multitask), so batching, caching and splitting are the ones every run uses;
 * the split is stratified by the first classification head, and the report counts each head's
 * classes and how many images have its label.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { encodeRow, readMultiTaskCsv } from '../../../core/multitask/csv';
import { hasLabel, outputNames, type MultiTaskLayout } from '../../../core/multitask/layout';
import type { DatasetReport } from '../../../core/protocol/reports';
import type { Example, Listing } from '../data/types';

export function listMultiTask(csv: string, layout: MultiTaskLayout, role: string): Listing {
  const table = readMultiTaskCsv(csv, layout.heads.map((h) => ({ name: h.name, column: h.columns })), role);
  const items: Listing['items'] = [];
  const skipped: Listing['skipped'] = [];
  const name = path.basename(csv);
  for (const row of table.rows) {
    const values = Array.from(encodeRow(layout, row, csv));
    if (!fs.existsSync(row.file)) skipped.push({ file: row.file, reason: `missing: listed on line ${row.line} of ${name}` });
    else items.push({ file: row.file, labels: [], values });
  }
  const warnings = table.duplicates ? [`${name}: ${table.duplicates} line(s) list an image already listed: only the first is used`] : [];
  for (const h of layout.heads) {
    const unlabelled = items.filter((i) => !hasLabel(h, i.values)).length;
    if (unlabelled === items.length && items.length) warnings.push(`${name}: no image has a label for the head "${h.name}" (column ${h.columns.join(', ')})`);
  }
  return { source: csv, items, skipped, ignored: [], warnings, targets: outputNames(layout), emptyClasses: [] };
}

/** The split's strata: the first classification head's class (-1 where the image has none), else one stratum. */
export function multiTaskStrata(layout: MultiTaskLayout): (e: Example) => number {
  const h = layout.heads.find((x) => x.task === 'single-label');
  if (!h) return () => 0;
  return (e) => {
    if (!hasLabel(h, e.values)) return -1;
    for (let k = 0; k < h.units; k++) if (e.values[h.offset + k]! > 0.5) return k;
    return -1;
  };
}

/** Per head: its classes' counts per split (classification) and how many images of each split have its label. */
export function headCounts(layout: MultiTaskLayout, splits: { train: Example[]; validation: Example[]; test: Example[] }): NonNullable<DatasetReport['heads']> {
  return layout.heads.map((h) => {
    const labelled = (list: Example[]) => list.filter((e) => hasLabel(h, e.values)).length;
    const count = (list: Example[], k: number) => list.filter((e) => hasLabel(h, e.values) && e.values[h.offset + k]! > 0.5).length;
    return {
      name: h.name, task: h.task,
      classes: h.task === 'regression' ? [] : h.labels.map((label, k) => ({ label, train: count(splits.train, k), validation: count(splits.validation, k), test: count(splits.test, k) })),
      labelled: { train: labelled(splits.train), validation: labelled(splits.validation), test: labelled(splits.test) },
    };
  });
}

/**
 * Each regression head starts by predicting its targets' training mean: output bias = the mean,
 * kernel = 0. Started at 0 with a random kernel, a head whose targets spread by 0.1 had a scaled
 * loss of 15 at its first epoch, drowned the other heads' gradients in the shared layers and was
 * itself still worse than the mean when early stopping ended the run.
 */
export function startAtTargetMeans(layout: MultiTaskLayout, outputs: readonly { getWeights(): tf.Tensor[]; setWeights(w: tf.Tensor[]): void }[], train: readonly Example[]): string[] {
  const notes: string[] = [];
  layout.heads.forEach((h, i) => {
    if (h.task !== 'regression') return;
    const rows = train.filter((e) => hasLabel(h, e.values));
    if (!rows.length) return;
    const mean = Array.from({ length: h.units }, (_, k) => rows.reduce((a, e) => a + e.values[h.offset + k]!, 0) / rows.length);
    const layer = outputs[i]!;
    const [kernel, bias] = layer.getWeights();
    if (!kernel || !bias) return;
    const b = tf.tensor1d(mean);
    const k = tf.zerosLike(kernel);
    layer.setWeights([k, b]);
    tf.dispose([b, k]);
    notes.push(`${h.name}: output starts at the training mean (${mean.map((m) => m.toPrecision(3)).join(', ')})`);
  });
  return notes;
}
