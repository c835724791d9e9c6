/**
 * A synthetic multi-task run for the dashboard's browser test and its docs screenshot, shaped like
 * the worker's events for a recipe with "heads" (src/core/protocol/worker.ts): `started.heads`,
 * the dataset's per-head counts, per-head epoch and batch logs (NAME_loss, NAME_METRIC, val_…),
 * then the single-task baselines one head after another, reported as the TF.js engine reports
 * them (src/engine/tfjs/train/session.ts: a `progress` event of the baseline phase per epoch,
 * with the head's figures in its message, and log lines; each stops early at its own epoch), and
 * the evaluation with `multiTask` built by core/multitask's own report (its notes and verdicts:
 * "item" gains from sharing, "tags" ties, "coverage" does worse: negative transfer).
 * The numbers are made up, smooth and deterministic; the files are examples/fashion-mini's.
 */
import type { RunInfo, TimedEvent } from '../../src/core/protocol/dashboard';
import type { EvaluationReport, HeadInfo } from '../../src/core/protocol/reports';
import { layoutOf } from '../../src/core/multitask/layout';
import { multiTaskReport } from '../../src/core/multitask/report';

const REPO = '/home/dev/transfer-studio';
const HOME = '/home/dev/fashion';
const RUN_DIR = `${HOME}/.transfer-studio/runs/fashion-multitask-2026-12-03_14-02-11`;
export const CLASSES = ['tshirt-top', 'trouser', 'sneaker', 'bag'];

export const HEADS: HeadInfo[] = [
  { name: 'item', task: 'single-label', labels: CLASSES, lossWeight: 1, metric: 'accuracy' },
  { name: 'tags', task: 'multi-label', labels: ['dark', 'patterned', 'formal'], lossWeight: 0.5, metric: 'binary_accuracy' },
  { name: 'coverage', task: 'regression', labels: ['coverage'], lossWeight: 2, metric: 'mae' },
];

/** Epochs of the multi-task head phase, and of each head trained alone (early stopping ends them). */
export const EPOCHS = 10;
export const ALONE_EPOCHS = [10, 7, 9];
export const BATCHES = 4;

const testFile = (cls: string, i: number): string => `${REPO}/examples/fashion-mini/test/${cls}/${1000 + i}.png`;

/** Rounded like a float32 log. */
const r = (v: number): number => Number(v.toPrecision(7));

/** Smooth curves: from `start` towards `end` as training goes, with a little deterministic wobble. */
function curve(start: number, end: number, tau: number, e: number, wobble = 0): number {
  return end + (start - end) * Math.exp(-(e - 1) / tau) + wobble * Math.sin(e * 2.3);
}

/** Per-head figures at epoch `e` of a model trained with the others (shared) or alone. */
function figures(e: number, alone: boolean): Record<string, Record<string, number>> {
  return {
    item: {
      loss: curve(1.2, alone ? 0.42 : 0.3, 2.2, e, 0.01), val_loss: curve(1.05, alone ? 0.62 : 0.48, 2.6, e, 0.015),
      metric: curve(0.42, alone ? 0.86 : 0.93, 2, e, 0.006), val_metric: curve(0.5, alone ? 0.78 : 0.85, 2.4, e, 0.01),
    },
    tags: {
      loss: curve(0.62, 0.21, 2.5, e, 0.006), val_loss: curve(0.6, 0.27, 2.8, e, 0.008),
      metric: curve(0.7, 0.93, 2.2, e, 0.004), val_metric: curve(0.7, 0.9, 2.6, e, 0.006),
    },
    coverage: {
      loss: curve(0.05, alone ? 0.0045 : 0.006, 2, e, 0.0003), val_loss: curve(0.048, alone ? 0.0062 : 0.0089, 2.4, e, 0.0004),
      metric: curve(0.19, alone ? 0.05 : 0.058, 2, e, 0.001), val_metric: curve(0.18, alone ? 0.058 : 0.071, 2.4, e, 0.0015),
    },
  };
}

function logsOf(f: Record<string, Record<string, number>>, weights: number[], lr: number): Record<string, number> {
  const logs: Record<string, number> = {};
  logs.loss = r(HEADS.reduce((a, hd, i) => a + weights[i]! * f[hd.name]!.loss!, 0));
  for (const hd of HEADS) {
    logs[`${hd.name}_loss`] = r(f[hd.name]!.loss!);
    logs[`${hd.name}_${hd.metric}`] = r(f[hd.name]!.metric!);
  }
  logs.learning_rate = r(lr);
  logs.val_loss = r(HEADS.reduce((a, hd, i) => a + weights[i]! * f[hd.name]!.val_loss!, 0));
  for (const hd of HEADS) {
    logs[`val_${hd.name}_loss`] = r(f[hd.name]!.val_loss!);
    logs[`val_${hd.name}_${hd.metric}`] = r(f[hd.name]!.val_metric!);
  }
  return logs;
}

function perClassOf(confusion: number[][], labels: string[]): NonNullable<EvaluationReport['perClass']> {
  return labels.map((label, i) => {
    const tp = confusion[i]![i]!;
    const support = confusion[i]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[i]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return { label, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
}

function single(confusion: number[][], loss: number, worst: EvaluationReport['worst']): EvaluationReport {
  const n = confusion.flat().reduce((a, b) => a + b, 0);
  return { task: 'single-label', split: 'test', examples: n, loss, labels: CLASSES, accuracy: confusion.reduce((a, row, i) => a + row[i]!, 0) / n, perClass: perClassOf(confusion, CLASSES), confusion, worst };
}

function multiLabel(accuracy: number, exactMatch: number, f1: number[], loss: number): EvaluationReport {
  const labels = HEADS[1]!.labels;
  return { task: 'multi-label', split: 'test', examples: 22, loss, labels, accuracy, exactMatch, perClass: labels.map((label, i) => ({ label, precision: Math.min(1, f1[i]! + 0.03), recall: Math.max(0, f1[i]! - 0.03), f1: f1[i]!, support: [9, 7, 5][i]! })) };
}

const regression = (mae: number, rmse: number, loss: number): EvaluationReport => ({ task: 'regression', split: 'test', examples: 24, loss, labels: ['coverage'], mae, rmse });

export function syntheticMultiTaskRun(t0 = Date.parse('2026-12-03T14:02:11.000Z')): { run: RunInfo; events: TimedEvent[] } {
  const events: TimedEvent[] = [];
  let t = t0;
  const push = (e: Record<string, unknown>, dt = 15): void => {
    t += dt;
    events.push({ ...e, t } as TimedEvent);
  };
  push({ type: 'log', level: 'info', message: 'backend: wasm (CPU (WebAssembly, SIMD))' }, 0);
  push({ type: 'log', level: 'info', message: `model: ${REPO}/examples/tm-image-nail-biting/model.json (tfjs-layers); input 96×96×3, preprocess -1,1 (model metadata)` }, 120);
  push({
    type: 'started',
    backend: { name: 'wasm', requested: 'auto', device: 'CPU (WebAssembly, SIMD)', notes: [], versions: { 'tfjs-core': '4.22.0', node: '20.20.2' }, engine: 'tfjs' },
    recipe: `${HOME}/multitask.adapt.json`, output: `${HOME}/multitask-adapted`, runDir: RUN_DIR, epochs: EPOCHS, fastPath: true, heads: HEADS,
  }, 30);
  // a multi-task dataset report is a regression one over the "head:label" outputs: a few examples of all
  const examples = { all: CLASSES.map((c) => `${REPO}/examples/fashion-mini/train/${c}/0000.png`) };
  push({
    type: 'dataset',
    report: {
      source: `${HOME}/multitask-train.csv`, task: 'regression',
      labels: HEADS.flatMap((hd) => hd.labels.map((l) => `${hd.name}:${l}`)),
      classes: [], total: { train: 36, validation: 12, test: 24 }, skipped: [], warnings: ['tags: 14 of 72 images have no label for this head (empty cells): its loss skips them'], examples,
      imageSize: [96, 96], channels: 3, preprocess: '-1,1', streaming: false,
      heads: [
        { name: 'item', task: 'single-label', classes: CLASSES.map((label) => ({ label, train: 9, validation: 3, test: 6 })), labelled: { train: 36, validation: 12, test: 24 } },
        { name: 'tags', task: 'multi-label', classes: [{ label: 'dark', train: 14, validation: 4, test: 9 }, { label: 'patterned', train: 11, validation: 3, test: 7 }, { label: 'formal', train: 8, validation: 3, test: 5 }], labelled: { train: 28, validation: 8, test: 22 } },
        { name: 'coverage', task: 'regression', classes: [], labelled: { train: 36, validation: 12, test: 24 } },
      ],
    },
  }, 10);
  for (let done = 12; done <= 72; done += 12) push({ type: 'progress', phase: 'extract', done, total: 72, message: `features ${done}/72` }, 70);

  const weights = HEADS.map((hd) => hd.lossWeight);
  const lrAt = (e: number, n: number): number => 0.0003 + 0.5 * (0.003 - 0.0003) * (1 + Math.cos((Math.PI * (e - 1)) / Math.max(1, n - 1)));
  let bestVal = Infinity;
  let bestEpoch = 0;
  for (let e = 1; e <= EPOCHS; e++) {
    const lr = lrAt(e, EPOCHS);
    push({ type: 'epochStart', phase: 'head', epoch: e, epochs: EPOCHS, learningRate: r(lr), batches: BATCHES }, 2);
    for (let b = 1; b <= BATCHES; b++) {
      const f = figures(e - 1 + b / BATCHES + 0.4 * Math.sin(b * 1.7) / BATCHES, false);
      const metrics: Record<string, number> = {};
      for (const hd of HEADS) {
        metrics[`${hd.name}_loss`] = r(f[hd.name]!.loss! * 1.08);
        metrics[`${hd.name}_${hd.metric}`] = r(f[hd.name]!.metric!);
      }
      const loss = r(HEADS.reduce((a, hd, i) => a + weights[i]! * metrics[`${hd.name}_loss`]!, 0));
      push({ type: 'batchEnd', phase: 'head', epoch: e, batch: b, batches: BATCHES, loss, metrics, imagesPerSec: 410 + 7 * b, etaSec: Math.max(0, (EPOCHS - e) * 0.2 + 6) }, 5);
    }
    const logs = logsOf(figures(e, false), weights, lr);
    push({ type: 'epochEnd', phase: 'head', epoch: e, epochs: EPOCHS, logs, durationMs: 24 + (e % 3), etaSec: (EPOCHS - e) * 0.2 + 6, tensors: 31 }, 4);
    push({ type: 'checkpoint', path: `${RUN_DIR}/checkpoint`, epoch: e, phase: 'head', best: false }, 3);
    if (logs.val_loss! < bestVal) {
      bestVal = logs.val_loss!;
      bestEpoch = e;
      push({ type: 'checkpoint', path: `${RUN_DIR}/best`, epoch: e, phase: 'head', monitor: 'val_loss', value: bestVal, best: true }, 3);
    }
  }
  push({ type: 'phaseEnd', phase: 'head', epochsRun: EPOCHS, keptEpoch: bestEpoch, reason: 'cap', monitor: { name: 'val_loss', value: bestVal, mode: 'min' }, message: `head: ${EPOCHS} epochs (the cap), kept epoch ${bestEpoch} (val_loss ${bestVal.toFixed(4)})` }, 2);

  // the single-task baselines: a fresh model per head, every other head's weight 0, one head after another;
  // their epochs come as progress lines (the figures of that head in the message), not as epochs
  HEADS.forEach((alone, k) => {
    const n = ALONE_EPOCHS[k]!;
    const tag = `baseline ${k + 1}/${HEADS.length}: "${alone.name}" alone`;
    push({ type: 'log', level: 'info', message: `${tag}: the same layers, split and budget, the other heads' loss weight 0` }, 300);
    for (let e = 1; e <= n; e++) {
      const logs = logsOf(figures(e, true), HEADS.map((_hd, i) => (i === k ? 1 : 0)), lrAt(e, EPOCHS));
      const mine = Object.entries(logs).filter(([key]) => key.includes(alone.name)).map(([key, v]) => `${key} ${v.toFixed(4)}`).join(', ');
      push({ type: 'progress', phase: 'baseline', done: e, total: EPOCHS, message: `${tag}, epoch ${e}: ${mine}` }, BATCHES * 6);
    }
    push({ type: 'log', level: 'info', message: `${tag}: head: ${n} epochs (${n < EPOCHS ? 'converged' : 'the cap'}), kept epoch ${n - 2}` }, 2);
  });

  // the evaluation on the test split, per head, through core/multitask's report (its notes and verdicts)
  const worst = [
    { file: testFile('tshirt-top', 3), trueLabel: 'tshirt-top', predicted: 'bag', confidence: 0.71 },
    { file: testFile('sneaker', 1), trueLabel: 'sneaker', predicted: 'bag', confidence: 0.64 },
    { file: testFile('bag', 5), trueLabel: 'bag', predicted: 'tshirt-top', confidence: 0.58 },
  ];
  const reports = [
    single([[5, 0, 0, 1], [0, 6, 0, 0], [0, 0, 5, 1], [1, 0, 0, 5]], 0.4312, worst),
    multiLabel(0.9091, 0.7727, [0.9, 0.83, 0.8], 0.2544),
    regression(0.0712, 0.0934, 0.0091),
  ];
  const singles = [
    single([[4, 0, 1, 1], [0, 6, 0, 0], [0, 0, 5, 1], [1, 1, 0, 4]], 0.6025, worst.slice(0, 2)),
    multiLabel(0.9091, 0.7273, [0.89, 0.84, 0.78], 0.2611),
    regression(0.0581, 0.0779, 0.0064),
  ];
  const layout = layoutOf(HEADS.map((hd) => ({ name: hd.name, task: hd.task, labels: hd.labels, lossWeight: hd.lossWeight })), (spec) => HEADS.find((hd) => hd.name === spec.name)!.labels);
  const multiTask = multiTaskReport(layout, reports, 'test', singles);
  for (const note of multiTask.notes) if (!note.startsWith('negative transfer')) push({ type: 'log', level: 'info', message: note }, 1);
  push({ type: 'evaluation', report: reports[0], warnings: multiTask.notes.filter((n) => n.startsWith('negative transfer')), multiTask }, 400);
  push({ type: 'done', output: `${HOME}/multitask-adapted`, stopped: false, durationMs: t - t0 + 300 }, 300);
  const run: RunInfo = { id: RUN_DIR, name: 'fashion-multitask', recipe: `${HOME}/multitask.adapt.json`, runDir: RUN_DIR, output: `${HOME}/multitask-adapted`, status: 'done', startedAt: new Date(t0).toISOString(), endedAt: new Date(t).toISOString() };
  return { run, events };
}
