/**
 * The training dashboard webview. Handshake: post `ready`, receive `state` (the run and every event
 * so far), then `events` deltas and `status` changes. Events are folded into the run model and the
 * chart data as they arrive; the DOM and the charts are redrawn at most every 200 ms. A small copy
 * of the state is kept with `setState`, so a hidden and re-shown panel paints at once.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/base.css';
import './dashboard.css';
import { DASHBOARD_PROTOCOL_VERSION, type DashboardHostMessage, type DashboardMessage, type RunInfo, type TimedEvent } from '../../src/core/protocol/dashboard';
import { onThemeChange } from '../shared/theme';
import { connect, h } from '../shared/vscodeApi';
import { LiveChart, type Marker } from './charts';
import { DomainView } from './domain';
import { EvaluationView, mistakeFiles } from './evaluation';
import { compact, isFractionMetric, metricTitle, MULTI_TASK_BASELINE, pct } from './format';
import { detectionSampleFiles } from './detection';
import { Header } from './header';
import { HeadCharts } from './multitask';
import { RunModel } from './runModel';
import { ChartData } from './series';
import { DatasetView, EpochTable, LogView } from './tables';

/** What survives the panel being hidden: the host's serializer reads `runDir`. */
interface Persisted { runDir: string; run: RunInfo; trusted: boolean; events: TimedEvent[] }

const RENDER_INTERVAL_MS = 200;
/** Batch events kept in the saved state (the rest are thinned out evenly). */
const PERSISTED_BATCHES = 600;

const host = connect<DashboardMessage, DashboardHostMessage, Persisted>();
const post = (m: DashboardMessage): void => host.post(m);
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

let model = new RunModel();
let charts = new ChartData(model);
let events: TimedEvent[] = [];
const thumbnails: Record<string, string> = {};
const requested = new Set<string>();

// ── layout ──────────────────────────────────────────────────────────────────────────────────────────
const header = new Header(post);
const evaluation = new EvaluationView(post);
const domainView = new DomainView();
const epochTable = new EpochTable();
const dataset = new DatasetView();
const log = new LogView();

const chartBox = (id: string, title: string, cls = '', tools: HTMLElement[] = []): { box: HTMLElement; plot: HTMLElement; title: HTMLElement } => {
  const t = h('h3', { class: 'chart-title' }, title);
  const plot = h('div', { class: 'chart-plot', id: `chart-${id}`, role: 'group', 'aria-label': title });
  return { box: h('div', { class: `chart-card ${cls}` }, h('div', { class: 'chart-head' }, t, ...tools), plot, h('div', { class: 'chart-empty muted' }, 'Waiting for the first batch…')), plot, title: t };
};
let logScale = false;
const logToggle = h('button', { class: 'chart-toggle', id: 'loss-log', type: 'button', role: 'switch', 'aria-checked': 'false', title: 'Logarithmic loss axis', onclick: () => {
  logScale = !logScale;
  logToggle.setAttribute('aria-checked', String(logScale));
  liveCharts[0]?.setLog(logScale);
} }, 'log scale');
const lossBox = chartBox('loss', 'Loss', '', [logToggle]);
const metricBox = chartBox('metric', 'Metric');
const rateBox = chartBox('rate', 'Learning rate', 'small');

const markers = (): Marker[] => {
  const ft = model.phases.get('fineTune');
  if (!ft || model.fineTuneOffset === undefined) return [];
  return [{ x: 0, label: 'head', line: false }, { x: model.fineTuneOffset, label: 'fine-tune', line: true }];
};
const xMax = (): number => Math.max(model.plannedEpochs(), model.phases.get('baseline')?.epochs ?? 0);
// a multi-task run: each head's loss and metric, beside the total loss
const headCharts = new HeadCharts({ xMax, markers });

const chartGrid = h('div', { class: 'charts' }, lossBox.box, metricBox.box, rateBox.box, headCharts.root);
const trainingSection = h('section', { id: 'training', 'aria-labelledby': 'training-title' }, h('h2', { id: 'training-title' }, 'Training'), chartGrid);
const epochsSection = h('section', { id: 'epochs-section', 'aria-labelledby': 'epochs-title' }, h('h2', { id: 'epochs-title' }, 'Epochs'), epochTable.root);
const datasetSection = h('section', { id: 'dataset-section', 'aria-labelledby': 'dataset-title' }, h('h2', { id: 'dataset-title' }, 'Dataset'), dataset.root);
app.append(header.root, ...header.below, evaluation.root, domainView.root, trainingSection, epochsSection, datasetSection, h('section', { class: 'log-wrap' }, log.root));

function makeCharts(): LiveChart[] {
  const metric = model.metric;
  const fraction = isFractionMetric(metric);
  const fmtMetric = fraction ? (v: number) => pct(v, 0) : compact;
  const alone = model.heads ? MULTI_TASK_BASELINE : 'from scratch';
  return [
    new LiveChart(lossBox.plot, charts.loss, [
      { label: 'train (batch)', color: '--vscode-charts-blue', alpha: 0.35, width: 1 },
      { label: 'train', color: '--vscode-charts-blue', width: 2, points: true },
      { label: 'validation', color: '--vscode-charts-orange', width: 2, points: true },
      { label: 'from scratch (batch)', color: '--vscode-charts-purple', alpha: 0.3, width: 1 },
      { label: 'from scratch · validation', color: '--vscode-charts-purple', width: 2, dash: [5, 3], points: true },
    ], { height: 230, format: compact, y: 'zero', xMax, markers }),
    new LiveChart(metricBox.plot, charts.metric, [
      { label: 'train', color: '--vscode-charts-blue', width: 2, points: true },
      { label: 'validation', color: '--vscode-charts-orange', width: 2, points: true },
      { label: 'from scratch · train', color: '--vscode-charts-purple', alpha: 0.5, width: 1.5, points: true },
      { label: 'from scratch · validation', color: '--vscode-charts-purple', width: 2, dash: [5, 3], points: true },
    ], { height: 230, format: fmtMetric, y: fraction ? 'unit' : 'zero', xMax, markers }),
    new LiveChart(rateBox.plot, charts.rate, [
      { label: 'learning rate', color: '--vscode-charts-green', width: 2, stepped: true },
      { label: alone, color: '--vscode-charts-purple', width: 1.5, dash: [5, 3], stepped: true },
    ], { height: 150, format: compact, y: 'zero', xMax, markers }),
  ];
}

let liveCharts: LiveChart[] = [];
let chartMetric: string | undefined | null = null;
let chartMultiTask = false;

function updateCharts(): void {
  // the metric chart's scale and labels depend on the task's metric: rebuild once it is known
  const multiTask = !!model.heads;
  if (chartMetric !== model.metric || chartMultiTask !== multiTask || liveCharts.length === 0) {
    liveCharts.forEach((c) => c.destroy());
    lossBox.plot.replaceChildren();
    metricBox.plot.replaceChildren();
    rateBox.plot.replaceChildren();
    chartMetric = model.metric;
    chartMultiTask = multiTask;
    // capitalised, except a name like mAP@0.5 whose case means something
    const title = model.metric ? metricTitle(model.metric).replace(/^[a-z](?=[a-z ])/, (c) => c.toUpperCase()) : 'Metric';
    metricBox.title.textContent = title;
    metricBox.plot.setAttribute('aria-label', title);
    // a multi-task run has no one metric: each head's is charted with it; the loss is the weighted sum
    const lossTitle = multiTask ? 'Total loss' : 'Loss';
    lossBox.title.textContent = lossTitle;
    lossBox.title.title = multiTask ? 'The loss the run minimises: each head\'s loss × its loss weight, summed' : '';
    lossBox.plot.setAttribute('aria-label', lossTitle);
    metricBox.box.classList.toggle('hidden', multiTask);
    rateBox.box.classList.toggle('small', !multiTask);
    chartGrid.classList.toggle('multi-task', multiTask);
    liveCharts = makeCharts();
    liveCharts[0]!.setLog(logScale);
  }
  liveCharts.forEach((c) => c.update());
  headCharts.update(model, charts);
  for (const box of [lossBox, metricBox, rateBox]) box.box.classList.toggle('empty', box.plot.classList.contains('empty'));
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────────────
function requestThumbnails(files: string[]): void {
  const missing = [...new Set(files)].filter((f) => !requested.has(f)).slice(0, 64);
  if (!missing.length) return;
  missing.forEach((f) => requested.add(f));
  post({ type: 'requestThumbnails', files: missing });
}

function renderNow(): void {
  lastRender = Date.now();
  const status = model.run?.status;
  document.body.classList.toggle('live', status === 'running');
  header.render(model, Date.now());
  const ev = model.evaluation;
  const worst = mistakeFiles(ev);
  if (worst.length) requestThumbnails(worst);
  if (ev?.report.detection) requestThumbnails(detectionSampleFiles(ev.report));
  if (model.dataset) requestThumbnails(dataset.exampleFiles(model.dataset));
  evaluation.render(ev, status, model.trusted, model.done && !model.done.stopped ? model.done.output : model.run?.output, thumbnails);
  domainView.render(model.domain);
  epochTable.render(model);
  dataset.render(model.dataset, thumbnails);
  log.render(model);
  updateCharts();
  // a run that ended without training (failed early) has nothing to wait for in these sections
  const ended = status !== undefined && status !== 'running';
  trainingSection.classList.toggle('hidden', ended && model.rows.length === 0 && !model.lastBatch);
  epochsSection.classList.toggle('hidden', ended && model.rows.length === 0);
  datasetSection.classList.toggle('hidden', ended && !model.dataset);
  if (status === 'failed' && !logOpened) {
    logOpened = true;
    log.root.setAttribute('open', '');
  }
}
let logOpened = false;

let lastRender = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
function schedule(): void {
  if (timer !== undefined) return;
  timer = setTimeout(() => {
    timer = undefined;
    renderNow();
  }, Math.max(0, RENDER_INTERVAL_MS - (Date.now() - lastRender)));
}

// the clock and the ETA move between events
setInterval(() => {
  if (model.run?.status === 'running') header.render(model, Date.now());
}, 1000);

// ── state ───────────────────────────────────────────────────────────────────────────────────────────
function load(run: RunInfo | undefined, all: TimedEvent[], trusted: boolean): void {
  model = new RunModel();
  charts = new ChartData(model);
  model.run = run;
  model.trusted = trusted;
  events = [];
  for (const e of all) ingest(e);
  liveCharts.forEach((c) => c.destroy());
  liveCharts = [];
  headCharts.reset();
}

function ingest(e: TimedEvent): void {
  if (!model.add(e)) return;
  events.push(e);
  charts.add(e);
}

/** Every event but the batch losses, which are thinned to a few hundred. */
function compactEvents(): TimedEvent[] {
  const batches = events.filter((e) => e.type === 'batchEnd').length;
  const every = Math.max(1, Math.ceil(batches / PERSISTED_BATCHES));
  let k = -1;
  return events.filter((e) => {
    if (e.type !== 'batchEnd') return true;
    k++;
    return k % every === 0 || k === batches - 1;
  });
}

let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persist(): void {
  if (persistTimer !== undefined) return;
  persistTimer = setTimeout(() => {
    persistTimer = undefined;
    if (model.run) host.setState({ runDir: model.run.runDir, run: model.run, trusted: model.trusted, events: compactEvents() });
  }, 1000);
}

host.onMessage((m) => {
  try {
    switch (m.type) {
      case 'state':
        load(m.run, Array.isArray(m.events) ? m.events : [], m.trusted !== false);
        renderNow();
        persist();
        break;
      case 'events':
        if (!Array.isArray(m.events)) break;
        for (const e of m.events) ingest(e);
        schedule();
        if (m.events.some((e) => e && e.type !== 'batchEnd' && e.type !== 'log')) persist();
        break;
      case 'status':
        if (m.run && typeof m.run === 'object') {
          model.run = m.run;
          schedule();
          persist();
        }
        break;
      case 'thumbnails':
        if (m.images && typeof m.images === 'object') {
          for (const [file, uri] of Object.entries(m.images)) if (typeof uri === 'string' && uri.startsWith('data:image/')) thumbnails[file] = uri;
          schedule();
        }
        break;
      case 'prediction':
        evaluation.showPrediction(m);
        break;
      default:
        break; // a newer host's message: ignore
    }
  } catch (e) {
    console.warn('dashboard: could not handle a message', e);
  }
});

let themeFrame = 0;
onThemeChange(() => {
  cancelAnimationFrame(themeFrame);
  themeFrame = requestAnimationFrame(() => {
    liveCharts.forEach((c) => c.restyle());
    headCharts.restyle();
  });
});

// a re-shown panel paints its saved state at once; the host's `state` follows the `ready`
post({ type: 'ready', protocol: DASHBOARD_PROTOCOL_VERSION });
const saved = host.getState();
if (saved && saved.run && Array.isArray(saved.events)) load(saved.run, saved.events, saved.trusted !== false);
renderNow();
