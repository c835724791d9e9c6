/**
 * The training dashboard: header with status, progress and Stop; live charts (uPlot); epoch table;
 * dataset report; and, when the run ends, the evaluation: confusion matrix, per-class scores,
 * worst mistakes with thumbnails, the from-scratch baseline, Reveal Model and a try-it box.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/base.css';
import './dashboard.css';
import type { DatasetReport, EvaluationReport } from '../../src/core/protocol';
import type { DashboardHostMessage, DashboardMessage, RunInfo, TimedEvent } from '../../src/extension/dashboard/protocol';
import { connect, h } from '../shared/vscodeApi';
import { duration, num, pct } from '../shared/theme';
import { LiveChart } from './charts';
import { SeriesBuilder } from './series';

interface Persisted { runDir: string }

const host = connect<DashboardMessage, DashboardHostMessage, Persisted>();
const app = document.getElementById('app')!;

let run: RunInfo | undefined;
let events: TimedEvent[] = [];
let series = new SeriesBuilder();
const thumbnails: Record<string, string> = {};
let requestedThumbs = false;

// ── layout ────────────────────────────────────────────────────────────────────────────────────────
const title = h('h1', {}, 'Training');
const badge = h('span', { class: 'badge', id: 'status' }, '…');
const stopButton = h('vscode-button', { id: 'stop', icon: 'debug-stop', secondary: true, onclick: () => host.post({ type: 'stop' }) }, 'Stop');
const revealButton = h('vscode-button', { id: 'reveal', icon: 'folder-opened', secondary: true, class: 'hidden', onclick: () => host.post({ type: 'revealModel' }) }, 'Reveal Model');
const recipeButton = h('button', { class: 'link', onclick: () => host.post({ type: 'openRecipe' }) }, 'recipe');
const subtitle = h('div', { class: 'muted', id: 'subtitle' });
const notes = h('div', { id: 'notes' });
const progressFill = h('div', { class: 'bar', id: 'progress-fill' });
const progressText = h('div', { class: 'muted', id: 'progress-text' }, 'waiting for the worker…');
const stats = h('div', { class: 'cards', id: 'stats' });
const chartsBox = h('div', { class: 'charts' });
const lossHost = h('div', { class: 'chart', id: 'chart-loss' });
const metricHost = h('div', { class: 'chart', id: 'chart-metric' });
const rateHost = h('div', { class: 'chart small', id: 'chart-rate' });
chartsBox.append(lossHost, metricHost);
const epochTable = h('table', { class: 'data', id: 'epochs' });
const datasetBox = h('div', { id: 'dataset' });
const evaluationBox = h('section', { id: 'evaluation', class: 'hidden' });
const errorBox = h('div', { id: 'error', class: 'hidden error', role: 'alert' });

app.append(
  h('header', { class: 'header' },
    h('div', { class: 'row' }, title, badge, h('span', { class: 'grow' }), revealButton, stopButton),
    h('div', { class: 'row' }, subtitle, h('span', { class: 'muted' }, '·'), recipeButton),
    notes,
    h('div', { class: 'progress' }, h('div', { class: 'bar-track' }, progressFill), progressText),
  ),
  errorBox,
  stats,
  h('h2', {}, 'Loss and metrics'),
  chartsBox,
  rateHost,
  evaluationBox,
  h('h2', {}, 'Epochs'),
  h('div', { class: 'table-scroll' }, epochTable),
  h('h2', {}, 'Dataset'),
  datasetBox,
);

const lossChart = new LiveChart(lossHost, 'Loss', [
  { label: 'train (batch)', color: '--vscode-charts-blue', width: 1, data: () => series.s.batchLoss },
  { label: 'train', color: '--vscode-charts-blue', width: 2.5, points: true, data: () => series.s.trainLoss },
  { label: 'validation', color: '--vscode-charts-orange', width: 2.5, points: true, data: () => series.s.valLoss },
  { label: 'scratch (batch)', color: '--vscode-charts-purple', width: 1, dash: [4, 3], data: () => series.s.baseBatchLoss },
  { label: 'scratch validation', color: '--vscode-charts-purple', width: 2, points: true, data: () => series.s.baseValLoss },
], { log: false });
const metricChart = new LiveChart(metricHost, 'Metric', [
  { label: 'train', color: '--vscode-charts-blue', width: 2.5, points: true, data: () => series.s.trainMetric },
  { label: 'validation', color: '--vscode-charts-orange', width: 2.5, points: true, data: () => series.s.valMetric },
  { label: 'scratch validation', color: '--vscode-charts-purple', width: 2, points: true, dash: [4, 3], data: () => series.s.baseValMetric },
], { percent: true });
const rateChart = new LiveChart(rateHost, 'Learning rate', [{ label: 'learning rate', color: '--vscode-charts-green', width: 2, data: () => series.s.rate }], { height: 130 });

// ── rendering ─────────────────────────────────────────────────────────────────────────────────────
function last<T extends TimedEvent['type']>(type: T): Extract<TimedEvent, { type: T }> | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === type) return events[i] as Extract<TimedEvent, { type: T }>;
  return undefined;
}

function renderHeader(): void {
  if (!run) return;
  title.textContent = `Training: ${run.name}`;
  badge.textContent = run.status;
  badge.className = `badge ${run.status}`;
  stopButton.classList.toggle('hidden', run.status !== 'running');
  revealButton.classList.toggle('hidden', run.status !== 'done');
  const started = last('started');
  subtitle.textContent = started ? `${started.backend.name} · ${started.backend.device}` : 'starting…';
  notes.replaceChildren(
    ...(started?.backend.notes ?? []).map((n) => h('div', { class: 'info' }, n)),
    ...(started?.fastPath ? [h('div', { class: 'info' }, 'Fast path: the frozen base runs once per image; the head trains on cached features.')] : []),
  );
  const batch = last('batchEnd');
  const prog = last('progress');
  const startedAt = Date.parse(run.startedAt);
  const end = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  const elapsed = (end - startedAt) / 1000;
  let fraction = run.status === 'running' ? 0 : 1;
  let text = '';
  if (run.status === 'running') {
    if (batch && batch.t >= (prog?.t ?? 0)) {
      const eta = batch.etaSec;
      fraction = eta !== null ? elapsed / Math.max(elapsed + eta, 1e-6) : 0;
      text = `${batch.phase === 'baseline' ? 'baseline from scratch · ' : batch.phase === 'fineTune' ? 'fine-tuning · ' : ''}epoch ${batch.epoch} · batch ${batch.batch}/${batch.batches} · ${batch.imagesPerSec.toFixed(0)} img/s · elapsed ${duration(elapsed)} · ETA ${duration(eta)}`;
    } else if (prog) {
      fraction = prog.total ? (prog.done / prog.total) * 0.1 : 0;
      text = `${prog.message} · elapsed ${duration(elapsed)}`;
    } else text = `preparing… ${duration(elapsed)}`;
  } else {
    const done = last('done');
    text = run.status === 'done' ? `finished in ${duration(elapsed)} · saved to ${run.output ?? done?.output ?? '?'}` : run.status === 'stopped' ? `stopped after ${duration(elapsed)} · checkpoint: ${done?.output ?? run.output ?? '?'}` : `failed after ${duration(elapsed)}`;
  }
  progressFill.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
  progressText.textContent = text;
  const err = last('error');
  errorBox.classList.toggle('hidden', run.status !== 'failed' && !err);
  if (run.status === 'failed' || err) errorBox.textContent = err ? `${err.error.message}${err.error.hint ? ` — ${err.error.hint}` : ''}${err.error.file ? ` (${err.error.file})` : ''}` : run.error ?? 'the run failed';
  host.setState({ runDir: run.runDir });
}

function renderStats(): void {
  const epochs = events.filter((e): e is Extract<TimedEvent, { type: 'epochEnd' }> => e.type === 'epochEnd' && e.phase !== 'baseline');
  const lastEpoch = epochs.at(-1);
  const metric = series.s.metricName;
  const bestVal = epochs.map((e) => e.logs[`val_${metric}`]).filter((v): v is number => typeof v === 'number');
  const batch = last('batchEnd');
  const cards: [string, string][] = [
    ['epoch', lastEpoch ? `${lastEpoch.epoch}/${lastEpoch.epochs}` : '–'],
    ['loss', num(lastEpoch?.logs.loss ?? batch?.loss ?? null, 4)],
    [`validation ${metric.replace('_', ' ')}`, metric === 'mae' ? num(bestVal.at(-1), 4) : pct(bestVal.at(-1))],
    [`best validation ${metric.replace('_', ' ')}`, bestVal.length ? (metric === 'mae' ? num(Math.min(...bestVal)) : pct(Math.max(...bestVal))) : '–'],
    ['images / s', batch ? batch.imagesPerSec.toFixed(0) : '–'],
  ];
  stats.replaceChildren(...cards.map(([label, value]) => h('div', { class: 'card stat' }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label))));
}

function renderEpochs(): void {
  const rows = events.filter((e): e is Extract<TimedEvent, { type: 'epochEnd' }> => e.type === 'epochEnd');
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.logs)))].filter((k) => k !== 'learning_rate');
  const fmt = (k: string, v: number | null | undefined): string => (/acc/.test(k) ? pct(v) : num(v, 4));
  epochTable.replaceChildren(
    h('thead', {}, h('tr', {}, h('th', {}, 'phase'), h('th', { class: 'num' }, 'epoch'), ...keys.map((k) => h('th', { class: 'num' }, k.replace(/_/g, ' '))), h('th', { class: 'num' }, 'lr'), h('th', { class: 'num' }, 'time'))),
    h('tbody', {}, ...rows.map((r) => h('tr', { class: r.phase }, h('td', {}, r.phase === 'fineTune' ? 'fine-tune' : r.phase === 'baseline' ? 'scratch' : 'head'), h('td', { class: 'num' }, String(r.epoch)), ...keys.map((k) => h('td', { class: 'num' }, fmt(k, r.logs[k]))), h('td', { class: 'num' }, num(r.logs.learning_rate, 5)), h('td', { class: 'num' }, `${(r.durationMs / 1000).toFixed(1)}s`)))),
  );
}

function renderDataset(report: DatasetReport | undefined): void {
  if (!report) {
    datasetBox.replaceChildren(h('p', { class: 'muted' }, 'Reading the dataset…'));
    return;
  }
  const max = Math.max(1, ...report.classes.map((c) => c.train + c.validation + c.test));
  datasetBox.replaceChildren(
    h('p', { class: 'muted' }, `${report.source} · ${report.total.train} train / ${report.total.validation} validation / ${report.total.test} test · ${report.imageSize[0]}×${report.imageSize[1]}×${report.channels} · preprocess ${report.preprocess}${report.streaming ? ' · streaming from disk' : ''}`),
    ...report.warnings.map((w) => h('div', { class: 'warning' }, w)),
    h('div', { class: 'classes' }, ...report.classes.map((c) => h('div', { class: 'class-row', title: `${c.label}: ${c.train} train, ${c.validation} validation, ${c.test} test` },
      h('span', { class: 'class-label' }, c.label),
      h('span', { class: 'class-bar' }, ...(['train', 'validation', 'test'] as const).map((k) => { const seg = h('span', { class: `seg ${k}` }); seg.style.width = `${(c[k] / max) * 100}%`; return seg; })),
      h('span', { class: 'muted mono' }, `${c.train}/${c.validation}/${c.test}`)))),
    ...(report.skipped.length ? [h('details', {}, h('summary', {}, `${report.skipped.length} skipped file(s)`), h('ul', {}, ...report.skipped.slice(0, 50).map((s) => h('li', { class: 'mono' }, `${s.file}: ${s.reason}`))))] : []),
  );
}

function confusionTable(r: EvaluationReport): HTMLElement {
  const m = r.confusion ?? [];
  const max = Math.max(1, ...m.flat());
  const table = h('table', { class: 'confusion', id: 'confusion', 'aria-label': 'Confusion matrix: rows are true labels, columns are predictions' });
  table.append(h('thead', {}, h('tr', {}, h('th', { class: 'corner' }, 'true ↓ / predicted →'), ...r.labels.map((l) => h('th', { class: 'col', title: l }, h('span', {}, l))))));
  const body = h('tbody');
  m.forEach((row, i) => {
    const tr = h('tr', {}, h('th', { class: 'rowhead', title: r.labels[i] }, r.labels[i]!));
    row.forEach((v, j) => {
      const td = h('td', { class: i === j ? 'diag' : v ? 'off' : 'zero', title: `true ${r.labels[i]}, predicted ${r.labels[j]}: ${v}` }, String(v));
      td.style.setProperty('--alpha', String(v / max));
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  return table;
}

function renderEvaluation(): void {
  const ev = last('evaluation');
  if (!ev) {
    evaluationBox.classList.add('hidden');
    return;
  }
  evaluationBox.classList.remove('hidden');
  const r = ev.report;
  const b = ev.baseline;
  const parts: HTMLElement[] = [h('h2', {}, `Evaluation on ${r.split} (${r.examples} examples)`)];
  for (const w of ev.warnings) parts.push(h('div', { class: 'warning negative-transfer', role: 'alert' }, w));
  if (r.task === 'regression') {
    parts.push(h('div', { class: 'cards' }, ...[['MAE', num(r.mae)], ['RMSE', num(r.rmse)], ...(b ? [['MAE from scratch', num(b.mae)], ['RMSE from scratch', num(b.rmse)]] : [])].map(([l, v]) => h('div', { class: 'card stat' }, h('div', { class: 'value' }, v!), h('div', { class: 'label' }, l!)))));
  } else {
    const cards: [string, string, string?][] = [
      ['transferred', pct(r.accuracy), r.task === 'multi-label' ? 'label accuracy' : 'accuracy'],
      ...(r.topK ? [[`top-${r.topK.k}`, pct(r.topK.accuracy), 'accuracy'] as [string, string, string]] : []),
      ...(b ? [['from scratch', pct(b.accuracy), 'same network, random weights'] as [string, string, string]] : []),
    ];
    parts.push(h('div', { class: 'cards', id: 'headline' }, ...cards.map(([l, v, s]) => h('div', { class: `card stat ${l === 'from scratch' ? 'baseline' : ''}` }, h('div', { class: 'value' }, v), h('div', { class: 'label' }, `${l}${s ? ` · ${s}` : ''}`)))));
    if (r.confusion) parts.push(h('h3', {}, 'Confusion matrix'), h('div', { class: 'table-scroll' }, confusionTable(r)));
    if (r.perClass) {
      parts.push(h('h3', {}, 'Per class'), h('table', { class: 'data', id: 'per-class' },
        h('thead', {}, h('tr', {}, h('th', {}, 'class'), h('th', { class: 'num' }, 'precision'), h('th', { class: 'num' }, 'recall'), h('th', { class: 'num' }, 'F1'), h('th', { class: 'num' }, 'support'), ...(b ? [h('th', { class: 'num' }, 'F1 from scratch')] : []))),
        h('tbody', {}, ...r.perClass.map((c, i) => h('tr', {}, h('td', {}, c.label), h('td', { class: 'num' }, pct(c.precision)), h('td', { class: 'num' }, pct(c.recall)), h('td', { class: 'num' }, pct(c.f1)), h('td', { class: 'num' }, String(c.support)), ...(b ? [h('td', { class: 'num muted' }, pct(b.perClass?.[i]?.f1))] : []))))));
    }
    if (r.worst?.length) {
      if (!requestedThumbs) {
        requestedThumbs = true;
        host.post({ type: 'requestThumbnails', files: r.worst.map((w) => w.file) });
      }
      parts.push(h('h3', {}, 'Most confident mistakes'), h('div', { class: 'mistakes', id: 'mistakes' }, ...r.worst.map((w) => h('button', { class: 'mistake', title: w.file, onclick: () => host.post({ type: 'openFile', file: w.file }) },
        thumbnails[w.file] ? h('img', { src: thumbnails[w.file], alt: `${w.trueLabel} predicted as ${w.predicted}` }) : h('div', { class: 'thumb-placeholder' }),
        h('div', {}, h('strong', {}, w.trueLabel), ' → ', w.predicted), h('div', { class: 'muted' }, pct(w.confidence))))));
    }
  }
  parts.push(h('h3', {}, 'Try it'), h('div', { class: 'row' }, h('vscode-button', { id: 'try', icon: 'file-media', onclick: () => host.post({ type: 'pickImage' }), disabled: run?.status !== 'done' }, 'Try an image…'), h('span', { class: 'muted' }, 'Predicts with the saved model in the background process.')), tryResult);
  evaluationBox.replaceChildren(...parts);
}

const tryResult = h('div', { id: 'try-result' });

function renderAll(): void {
  renderHeader();
  renderStats();
  renderEpochs();
  renderDataset(last('dataset')?.report);
  renderEvaluation();
  lossChart.markDirty();
  metricChart.markDirty();
  rateChart.markDirty();
}

// throttle DOM work: events can arrive hundreds per second
let scheduled = false;
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    renderAll();
    lossChart.update();
    metricChart.update();
    rateChart.update();
  }, 200);
}
setInterval(() => { if (run?.status === 'running') renderHeader(); }, 1000);

host.onMessage((m) => {
  switch (m.type) {
    case 'state':
      run = m.run;
      events = m.events.slice();
      series = new SeriesBuilder();
      for (const e of events) series.add(e);
      requestedThumbs = false;
      renderAll();
      lossChart.update();
      metricChart.update();
      rateChart.update();
      break;
    case 'events':
      for (const e of m.events) { events.push(e); series.add(e); }
      schedule();
      break;
    case 'status':
      run = m.run;
      schedule();
      break;
    case 'thumbnails':
      Object.assign(thumbnails, m.images);
      renderEvaluation();
      break;
    case 'prediction':
      tryResult.replaceChildren(h('div', { class: 'row try' },
        m.thumbnail ? h('img', { src: m.thumbnail, alt: m.file, class: 'try-thumb' }) : '',
        m.error ? h('div', { class: 'error' }, m.error) : h('div', { class: 'grow' }, h('div', { class: 'muted mono' }, m.file), ...(m.result?.top ?? []).map((t) => {
          const bar = h('span', { class: 'bar' });
          bar.style.width = `${Math.round(t.score * 100)}%`;
          return h('div', { class: 'topk' }, h('span', { class: 'topk-label' }, t.label), h('span', { class: 'bar-track topk-track' }, bar), h('span', { class: 'mono' }, pct(t.score)));
        }))));
      break;
  }
});

renderDataset(undefined);
host.post({ type: 'ready' });
