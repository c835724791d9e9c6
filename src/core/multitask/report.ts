/**
 * A multi-task model's evaluation, per head, from the concatenated outputs (no TF.js): each head
 * scored on the examples that have its label, with the same report a single-task run gets, and —
 * when the single-task baselines ran — whether sharing helped each head, tied, or hurt it.
 * Negative transfer between tasks is reported, never averaged away.
 */
import { evaluationReport, headline, meanLoss, type Scored } from '../metrics';
import type { EvaluationReport, MultiTaskReport } from '../protocol/reports';
import { DEFAULTS } from '../recipe/defaults';
import { hasLabel, type MultiTaskLayout, type ResolvedHead } from './layout';

/** One head's view of scored examples: those with its label, its slice of the outputs and targets. */
export function headScored(head: ResolvedHead, scored: readonly Scored[]): Scored[] {
  const out: Scored[] = [];
  for (const s of scored) {
    if (!hasLabel(head, s.values)) continue;
    const values = s.values.slice(head.offset, head.offset + head.units);
    const classes = head.task === 'regression' ? [] : values.flatMap((v, k) => (v > 0.5 ? [k] : []));
    out.push({ file: s.file, classes, values: head.task === 'regression' ? values : [], output: s.output.slice(head.offset, head.offset + head.units) });
  }
  return out;
}

/** Each head's evaluation report on `split`. */
export function headReports(layout: MultiTaskLayout, scored: readonly Scored[], split: string): EvaluationReport[] {
  return layout.heads.map((h) => {
    const mine = headScored(h, scored);
    return evaluationReport(h.task, h.labels, mine, split, meanLoss(h.task, mine));
  });
}

/** better / worse / tie of a head against its single-task baseline: a difference under the tie margin is a tie. */
export function verdictOf(value: number, single: number, higherIsBetter: boolean): 'better' | 'worse' | 'tie' {
  const margin = higherIsBetter ? DEFAULTS.multiTask.tieAccuracy : DEFAULTS.multiTask.tieRelativeError * Math.abs(single);
  const gain = higherIsBetter ? value - single : single - value;
  return Math.abs(gain) < margin || !Number.isFinite(gain) ? 'tie' : gain > 0 ? 'better' : 'worse';
}

const show = (v: number, higherIsBetter: boolean): string => (higherIsBetter ? `${(v * 100).toFixed(1)}%` : v.toPrecision(3));

/** The report of a multi-task run: every head's own, and the comparison with the heads trained alone when `singles` holds theirs. */
export function multiTaskReport(layout: MultiTaskLayout, reports: EvaluationReport[], split: string, singles?: EvaluationReport[]): MultiTaskReport {
  const notes: string[] = [];
  const heads = layout.heads.map((h, i) => {
    const report = reports[i]!;
    const hl = headline(report);
    const single = singles?.[i];
    const base = { name: h.name, task: h.task, lossWeight: h.lossWeight, examples: report.examples, report, metric: hl.name, higherIsBetter: hl.higherIsBetter, value: hl.value };
    if (!single) return base;
    const singleValue = headline(single).value;
    const verdict = verdictOf(hl.value, singleValue, hl.higherIsBetter);
    const pair = `${hl.name} ${show(hl.value, hl.higherIsBetter)} with the other heads, ${show(singleValue, hl.higherIsBetter)} trained alone`;
    notes.push(verdict === 'worse'
      ? `negative transfer: the head "${h.name}" does worse for sharing (${pair}); lower its share of the others' loss ("lossWeight" of the other heads), give it layers of its own ("heads[${i}].layers"), or train it alone`
      : verdict === 'better' ? `the head "${h.name}" gains from sharing (${pair})` : `the head "${h.name}" neither gains nor loses from sharing (${pair})`);
    return { ...base, single, singleValue, verdict };
  });
  return { split, heads, notes };
}
