/** Text rendering of runs for the terminal: progress line, epoch table, evaluation. */
import { formatDuration, pct, table } from '../core/format/table';
import { macroF1 } from '../core/metrics';
import type { DatasetReport, EvaluationReport, MultiTaskReport } from '../core/protocol/reports';
import type { WorkerEventOf } from '../core/protocol/worker';

export function datasetText(r: DatasetReport): string {
  const rows = r.classes.map((c) => [c.label, String(c.train), String(c.validation), String(c.test)]);
  const lines = [
    `dataset ${r.source}: ${r.heads ? `${r.heads.length} heads` : `${r.labels.length} ${r.task === 'regression' ? 'targets' : 'classes'}`}, ${r.total.train} train / ${r.total.validation} validation / ${r.total.test} test, ${r.imageSize[0]}×${r.imageSize[1]}×${r.channels}, preprocess ${r.preprocess}${r.streaming ? ', streaming from disk' : ''}`,
  ];
  if (r.heads) {
    for (const h of r.heads) {
      lines.push(`head ${h.name} (${h.task}): labelled ${h.labelled.train} train / ${h.labelled.validation} validation / ${h.labelled.test} test`);
      if (h.classes.length) lines.push(table(['class', 'train', 'val', 'test'], h.classes.map((c) => [c.label, String(c.train), String(c.validation), String(c.test)]), ['l', 'r', 'r', 'r']).split('\n').map((l) => `  ${l}`).join('\n'));
    }
  } else if (r.task !== 'regression') lines.push(table([r.task === 'detection' ? 'class (boxes)' : 'class', 'train', 'val', 'test'], rows, ['l', 'r', 'r', 'r']));
  if (r.skipped.length) lines.push(`skipped ${r.skipped.length} file(s):`, ...r.skipped.slice(0, 10).map((s) => `  ${s.file}: ${s.reason}`), ...(r.skipped.length > 10 ? [`  … and ${r.skipped.length - 10} more`] : []));
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

export function progressLine(e: WorkerEventOf<'batchEnd'>, epochs: number): string {
  const width = 20;
  const filled = Math.round((e.batch / Math.max(1, e.batches)) * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${v === null ? '–' : k.includes('acc') ? pct(v) : v.toFixed(3)}`).join(' ');
  return `[${e.phase}] epoch ${e.epoch}/${epochs} ${bar} ${e.batch}/${e.batches} loss ${e.loss?.toFixed(4) ?? '–'} ${metrics} ${e.imagesPerSec.toFixed(0)} img/s ETA ${formatDuration(e.etaSec)}`;
}

/**
 * The epochs of a run as a table. A converged head can run a hundred cached epochs: beyond
 * `maxRows` the table keeps each phase's first and last epochs, the kept ones and evenly spaced
 * ones between, and says how many it left out.
 */
export function epochTable(all: WorkerEventOf<'epochEnd'>[], phases: WorkerEventOf<'phaseEnd'>[] = [], maxRows = 24): string {
  const keys = [...new Set(all.flatMap((e) => Object.keys(e.logs)))].filter((k) => k !== 'learning_rate');
  const kept = new Set(phases.map((p) => `${p.phase}:${p.keptEpoch}`));
  let epochs = all;
  if (all.length > maxRows) {
    const step = Math.ceil(all.length / maxRows);
    epochs = all.filter((e, i) => i % step === 0 || i === all.length - 1 || kept.has(`${e.phase}:${e.epoch}`) || all[i + 1]?.phase !== e.phase || all[i - 1]?.phase !== e.phase);
  }
  const rows = epochs.map((e) => [e.phase, String(e.epoch), ...keys.map((k) => { const v = e.logs[k]; return v === null || v === undefined ? '–' : k.includes('acc') ? pct(v) : v.toFixed(4); }), `${(e.durationMs / 1000).toFixed(1)}s`, kept.has(`${e.phase}:${e.epoch}`) ? '← kept' : '']);
  const text = table(['phase', 'epoch', ...keys, 'time', ''], rows, ['l', 'r', ...keys.map(() => 'r' as const), 'r', 'l']);
  const lines = [text, ...(epochs.length < all.length ? [`(${all.length - epochs.length} of ${all.length} epochs not shown; --json has them all)`] : []), ...phases.map((p) => p.message)];
  return lines.join('\n');
}

/** Detection: COCO's numbers, the localiser's IoU, precision/recall at the model's threshold, AP per class. */
function detectionText(r: EvaluationReport, lines: string[]): string {
  const d = r.detection!;
  const num = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(3));
  lines.push(`  mAP@0.5 ${num(d.mAP50)}  mAP@[.5:.95] ${num(d.mAP)}  mAP@0.75 ${num(d.mAP75)}${d.meanIoU !== undefined ? `  mean IoU ${num(d.meanIoU)}  correct ${pct(d.correct ?? undefined)}` : ''}${r.loss !== null ? `  loss ${r.loss.toFixed(4)}` : ''}`);
  lines.push(`  at score ≥ ${d.scoreThreshold} (IoU 0.5): precision ${pct(d.precision ?? undefined)}  recall ${pct(d.recall ?? undefined)}  (${d.truths} boxes, ${d.head} head)`);
  lines.push(table(['class', 'AP@0.5', 'AP@[.5:.95]', 'boxes', 'detections', 'recall'], d.perClass.map((c) => [c.label, num(c.ap50), num(c.ap), String(c.truths), String(c.detections), pct(c.recall50 ?? undefined)]), ['l', 'r', 'r', 'r', 'r', 'r']).split('\n').map((l) => `  ${l}`).join('\n'));
  return lines.join('\n');
}

export function evaluationText(r: EvaluationReport, baseline?: EvaluationReport): string {
  const lines: string[] = [`evaluation on ${r.split} (${r.examples} ${r.task === 'detection' ? 'images' : 'examples'}):`];
  if (r.task === 'detection' && r.detection) return detectionText(r, lines);
  if (r.task === 'regression') {
    lines.push(`  MAE ${r.mae?.toFixed(4)}  RMSE ${r.rmse?.toFixed(4)}${baseline ? `   (from scratch: MAE ${baseline.mae?.toFixed(4)}  RMSE ${baseline.rmse?.toFixed(4)})` : ''}`);
    return lines.join('\n');
  }
  lines.push(`  accuracy ${pct(r.accuracy)}${r.topK ? `  top-${r.topK.k} ${pct(r.topK.accuracy)}` : ''}  macro-F1 ${pct(macroF1(r))}${r.loss !== null ? `  loss ${r.loss.toFixed(4)}` : ''}`);
  if (baseline) lines.push(`  from scratch (same architecture, random weights): accuracy ${pct(baseline.accuracy)}  macro-F1 ${pct(macroF1(baseline))}`);
  if (r.perClass) lines.push(table(['class', 'precision', 'recall', 'F1', 'support'], r.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)]), ['l', 'r', 'r', 'r', 'r']).split('\n').map((l) => `  ${l}`).join('\n'));
  if (r.worst?.length) lines.push('  most confident mistakes:', ...r.worst.slice(0, 5).map((w) => `    ${w.file}: ${w.trueLabel} → ${w.predicted} (${pct(w.confidence)})`));
  return lines.join('\n');
}

/** A multi-task run: each head's headline with the other heads and trained alone, the verdict, then each head's evaluation. */
export function multiTaskText(m: MultiTaskReport): string {
  const show = (v: number | undefined, higher: boolean): string => (v === undefined ? '–' : higher ? pct(v) : v.toFixed(4));
  const lines = [`heads on ${m.split}:`];
  const alone = m.heads.some((h) => h.singleValue !== undefined);
  lines.push(table(['head', 'task', 'examples', 'metric', alone ? 'with the others' : 'value', ...(alone ? ['alone', 'verdict'] : [])], m.heads.map((h) => [
    h.name, h.task, String(h.examples), h.metric, show(h.value, h.higherIsBetter),
    ...(alone ? [show(h.singleValue, h.higherIsBetter), h.verdict === 'worse' ? 'worse: negative transfer' : h.verdict ?? '–'] : []),
  ]), ['l', 'l', 'r', 'l', 'r', ...(alone ? ['r', 'l'] as const : [])]).split('\n').map((l) => `  ${l}`).join('\n'));
  for (const h of m.heads) lines.push('', `head ${h.name}: ${evaluationText(h.report)}`);
  return lines.join('\n');
}
