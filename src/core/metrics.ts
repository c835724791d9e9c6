/** Evaluation metrics from predictions (pure numbers, no TF.js): what the report and the dashboard show. */
import type { EvaluationReport } from './protocol/reports';
import type { Task } from './recipe/schema';

export interface Scored {
  file: string;
  /** single/multi-label: class indices present; regression: unused. */
  classes: number[];
  values: number[];
  /** Model outputs (probabilities or regression values). */
  output: number[];
}

function argmax(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

export function evaluationReport(task: Task, labels: string[], scored: Scored[], split: string, loss: number | null, worstCount = 12): EvaluationReport {
  const base = { task, split, examples: scored.length, loss, labels };
  if (task === 'regression') {
    let abs = 0;
    let sq = 0;
    let n = 0;
    for (const s of scored) s.output.forEach((o, i) => { const d = o - (s.values[i] ?? 0); abs += Math.abs(d); sq += d * d; n++; });
    return { ...base, mae: n ? abs / n : 0, rmse: n ? Math.sqrt(sq / n) : 0 };
  }
  const k = labels.length;
  if (task === 'multi-label') {
    const tp = new Array<number>(k).fill(0), fp = new Array<number>(k).fill(0), fn = new Array<number>(k).fill(0), support = new Array<number>(k).fill(0);
    let exact = 0;
    let bitAcc = 0;
    for (const s of scored) {
      const truth = new Set(s.classes);
      let allRight = true;
      for (let c = 0; c < k; c++) {
        const p = (s.output[c] ?? 0) >= 0.5;
        const t = truth.has(c);
        if (t) support[c]!++;
        if (p && t) tp[c]!++;
        else if (p) fp[c]!++;
        else if (t) fn[c]!++;
        if (p === t) bitAcc++;
        else allRight = false;
      }
      if (allRight) exact++;
    }
    return { ...base, accuracy: scored.length ? bitAcc / (scored.length * k) : 0, exactMatch: scored.length ? exact / scored.length : 0, perClass: perClass(labels, tp, fp, fn, support) };
  }
  const confusion = labels.map(() => new Array<number>(k).fill(0));
  const topK = Math.min(3, Math.max(1, k - 1));
  let correct = 0;
  let inTopK = 0;
  const mistakes: { file: string; trueLabel: string; predicted: string; confidence: number }[] = [];
  for (const s of scored) {
    const t = s.classes[0] ?? 0;
    const p = argmax(s.output);
    confusion[t]![p]!++;
    if (p === t) correct++;
    else mistakes.push({ file: s.file, trueLabel: labels[t] ?? String(t), predicted: labels[p] ?? String(p), confidence: s.output[p] ?? 0 });
    const rank = s.output.filter((v) => v > (s.output[t] ?? 0)).length;
    if (rank < topK) inTopK++;
  }
  const tp = labels.map((_, c) => confusion[c]![c]!);
  const fp = labels.map((_, c) => confusion.reduce((a, row, r) => a + (r === c ? 0 : row[c]!), 0));
  const fn = labels.map((_, c) => confusion[c]!.reduce((a, v, p) => a + (p === c ? 0 : v), 0));
  const support = labels.map((_, c) => confusion[c]!.reduce((a, v) => a + v, 0));
  mistakes.sort((a, b) => b.confidence - a.confidence);
  return {
    ...base,
    accuracy: scored.length ? correct / scored.length : 0,
    topK: { k: topK, accuracy: scored.length ? inTopK / scored.length : 0 },
    perClass: perClass(labels, tp, fp, fn, support),
    confusion,
    worst: mistakes.slice(0, worstCount),
  };
}

function perClass(labels: string[], tp: number[], fp: number[], fn: number[], support: number[]): NonNullable<EvaluationReport['perClass']> {
  return labels.map((label, c) => {
    const precision = tp[c]! + fp[c]! ? tp[c]! / (tp[c]! + fp[c]!) : 0;
    const recall = tp[c]! + fn[c]! ? tp[c]! / (tp[c]! + fn[c]!) : 0;
    return { label, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support: support[c]! };
  });
}

/** Macro-averaged F1: the number that does not hide a bad minority class. */
export function macroF1(report: EvaluationReport): number | undefined {
  if (!report.perClass?.length) return undefined;
  return report.perClass.reduce((a, c) => a + c.f1, 0) / report.perClass.length;
}

/** The headline number of a report: accuracy, or MAE for regression. */
export function headline(report: EvaluationReport): { name: string; value: number; higherIsBetter: boolean } {
  if (report.task === 'regression') return { name: 'MAE', value: report.mae ?? NaN, higherIsBetter: false };
  if (report.task === 'detection') return { name: 'mAP@0.5', value: report.detection?.mAP50 ?? NaN, higherIsBetter: true };
  return { name: report.task === 'multi-label' ? 'label accuracy' : 'accuracy', value: report.accuracy ?? NaN, higherIsBetter: true };
}

/** The "negative transfer" warning: the from-scratch baseline beats the transferred model. */
export function transferWarnings(report: EvaluationReport, baseline: EvaluationReport | undefined): string[] {
  if (!baseline) return [];
  const a = headline(report);
  const b = headline(baseline);
  const fmt = (v: number): string => (a.higherIsBetter ? `${(v * 100).toFixed(1)}%` : v.toFixed(3));
  const worse = a.higherIsBetter ? b.value > a.value : b.value < a.value;
  return worse
    ? [`negative transfer: the model trained from scratch does better (${a.name} ${fmt(b.value)} vs ${fmt(a.value)} for the transferred model); the pre-trained features may not suit this data — try cutting earlier, unfreezing more, or another base model`]
    : [];
}

/** Mean per-example loss of outputs (probabilities, or values), as both engines train: clipped cross-entropy, binary cross-entropy, squared error. */
export function meanLoss(task: Task, scored: Scored[]): number | null {
  if (scored.length === 0) return null;
  const clip = (p: number): number => Math.min(1 - 1e-7, Math.max(1e-7, p));
  let sum = 0;
  for (const s of scored) {
    if (task === 'single-label') sum += -Math.log(clip(s.output[s.classes[0] ?? 0] ?? 0));
    else if (task === 'multi-label') {
      let l = 0;
      s.output.forEach((p, c) => { const y = s.classes.includes(c) ? 1 : 0; l += -(y * Math.log(clip(p)) + (1 - y) * Math.log(1 - clip(p))); });
      sum += l / Math.max(1, s.output.length);
    } else {
      let l = 0;
      s.output.forEach((o, i) => { l += (o - (s.values[i] ?? 0)) ** 2; });
      sum += l / Math.max(1, s.output.length);
    }
  }
  return sum / scored.length;
}
