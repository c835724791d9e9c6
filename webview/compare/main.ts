/**
 * The Compare Runs webview. Handshake: post `ready`, receive `state` (the whole comparison, built
 * by src/core/compare.ts in the host), again whenever it changes. Shows the runs (one colour each),
 * which one is best and on what data, the curves overlaid (validation loss, validation metric,
 * training loss; one series per run), the final numbers side by side and the recipes' differences.
 * The last state is kept with `setState`, so a hidden and re-shown panel paints at once.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/base.css';
import './compare.css';
import { formatEngine, formatEpochsRun, formatKept, formatMetric, formatRecipeValue, type ComparedRun, type CurvePoint, type RunComparison } from '../../src/core/compare';
import { COMPARE_PROTOCOL_VERSION, type CompareHostMessage, type CompareMessage } from '../../src/core/protocol/compare';
import { LiveChart, type Marker, type SeriesSpec } from '../dashboard/charts';
import { compact, duration, isFractionMetric, metricTitle, pct } from '../dashboard/format';
import { AlignedSeries } from '../dashboard/series';
import { onThemeChange } from '../shared/theme';
import { connect, h } from '../shared/vscodeApi';

interface Persisted { runDirs: string[]; comparison: RunComparison; trusted: boolean }

const host = connect<CompareMessage, CompareHostMessage, Persisted>();
const post = (m: CompareMessage): void => host.post(m);
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

/** One theme colour per run; past six the colours repeat with a dashed line. */
const COLORS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const DASHES = [undefined, [6, 3], [2, 3]];
const colorOf = (i: number): string => COLORS[i % COLORS.length]!;
const dashOf = (i: number): number[] | undefined => DASHES[Math.floor(i / COLORS.length) % DASHES.length];

const icon = (name: string): HTMLElement => h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
/** The run's colour as a CSS variable, set through the CSSOM (the CSP refuses style attributes). */
const tinted = (el: HTMLElement, i: number): HTMLElement => {
  el.style.setProperty('--run-color', `var(${colorOf(i)})`);
  return el;
};
const swatch = (i: number): HTMLElement => tinted(h('span', { class: `swatch${dashOf(i) ? ' dashed' : ''}`, 'aria-hidden': 'true' }), i);

let comparison: RunComparison | undefined;
let trusted = true;
let busy: string | null = null;

// ── layout ──────────────────────────────────────────────────────────────────────────────────────────
const title = h('h1', { id: 'title' }, 'Compare runs');
const busyLine = h('div', { id: 'busy', class: 'busy hidden', role: 'status', 'aria-live': 'polite' });
const evaluateButton = h('vscode-button', { id: 'evaluate-on-data', icon: 'beaker', title: 'Evaluate every run\'s saved model on one folder of images, and rank them on it', onclick: () => post({ type: 'evaluateOnData' }) }, 'Evaluate on Data…');
const clearButton = h('vscode-button', { id: 'clear-data', icon: 'discard', secondary: true, class: 'hidden', title: 'Back to the runs\' own evaluations', onclick: () => post({ type: 'clearData' }) }, 'Own Evaluations');
const runList = h('ol', { id: 'runs', class: 'run-list', 'aria-label': 'Compared runs' });
const verdict = h('div', { id: 'verdict', role: 'status' });
const warnings = h('div', { id: 'warnings' });
const finals = h('table', { id: 'finals', class: 'data side-by-side' });
const diff = h('div', { id: 'diff' });

const chartBox = (id: string, name: string): { box: HTMLElement; plot: HTMLElement; title: HTMLElement } => {
  const t = h('h3', { class: 'chart-title' }, name);
  const plot = h('div', { class: 'chart-plot', id: `chart-${id}`, role: 'group', 'aria-label': name });
  return { box: h('div', { class: 'chart-card' }, h('div', { class: 'chart-head' }, t), plot, h('div', { class: 'chart-empty muted' }, 'No epochs yet.')), plot, title: t };
};
const boxes = { valLoss: chartBox('val-loss', 'Validation loss'), valMetric: chartBox('val-metric', 'Validation metric'), trainLoss: chartBox('train-loss', 'Training loss') };

app.append(
  h('header', { class: 'compare-header' },
    h('div', { class: 'title-row' }, title, h('span', { class: 'grow' }), clearButton, evaluateButton),
    busyLine,
    runList),
  verdict,
  warnings,
  // the two tables side by side on a wide panel, the curves below them
  h('div', { class: 'tables' },
    h('section', { id: 'finals-section', 'aria-labelledby': 'finals-title' }, h('h2', { id: 'finals-title' }, 'Final metrics'), h('div', { class: 'table-wrap' }, finals)),
    h('section', { id: 'diff-section', 'aria-labelledby': 'diff-title' }, h('h2', { id: 'diff-title' }, 'Recipe differences', h('span', { class: 'muted h-sub' }, 'only the fields that differ; – not set (the default applies)')), diff)),
  h('section', { id: 'curves', 'aria-labelledby': 'curves-title' }, h('h2', { id: 'curves-title' }, 'Curves', h('span', { class: 'muted h-sub' }, 'one line per run; fine-tune epochs follow the head\'s')), h('div', { class: 'charts' }, boxes.valLoss.box, boxes.valMetric.box, boxes.trainLoss.box)),
);

// ── the runs ────────────────────────────────────────────────────────────────────────────────────────
const STATUS_ICON: Record<string, string> = { running: 'loading codicon-modifier-spin', done: 'pass-filled', stopped: 'debug-stop', failed: 'error' };

function when(iso: string | null): string {
  const d = iso ? new Date(iso) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';
}

function renderRuns(c: RunComparison): void {
  runList.replaceChildren(...c.runs.map((r, i) => {
    const best = c.best?.index === i;
    return h('li', { class: `run-chip${best ? ' best' : ''}`, 'data-key': r.key, title: r.runDir },
      swatch(i),
      h('span', { class: 'run-key' }, r.key),
      h('span', { class: 'run-label' }, r.label),
      h('span', { class: `status-badge ${r.status}` }, icon(STATUS_ICON[r.status] ?? 'circle-outline'), r.status),
      best ? h('span', { class: 'best-badge' }, icon('star-full'), 'best') : null,
      h('span', { class: 'muted run-when' }, when(r.startedAt)),
      h('span', { class: 'grow' }),
      h('button', { class: 'link', type: 'button', title: 'Show this run\'s dashboard', onclick: () => post({ type: 'showDashboard', runDir: r.runDir }) }, 'Dashboard'),
      r.recipeFile ? h('button', { class: 'link', type: 'button', title: r.recipeFile, onclick: () => post({ type: 'openRecipe', runDir: r.runDir }) }, 'Recipe') : null,
    );
  }));
}

function renderVerdict(c: RunComparison): void {
  const ev = c.evaluation;
  const best = c.best;
  const notes = ev.notes.map((n, i) => (n ? h('li', {}, h('b', {}, c.runs[i]!.key), ` ${c.runs[i]!.label}: ${n}`) : null)).filter(Boolean) as HTMLElement[];
  if (best) {
    const run = c.runs[best.index]!;
    const others = ev.values.map((v, i) => (i === best.index || v === null ? null : `${c.runs[i]!.key} ${formatMetric(best.metric, v)}`)).filter(Boolean);
    verdict.replaceChildren(tinted(h('div', { class: 'banner best', id: 'best-run' },
      icon('star-full'),
      h('div', { class: 'banner-body' },
        h('div', { class: 'banner-title' }, 'Best: ', swatch(best.index), h('span', { class: 'run-key' }, run.key), ` ${run.label} — ${best.metric} `, h('span', { class: 'best-value' }, formatMetric(best.metric, best.value)), others.length ? h('span', { class: 'muted' }, ` vs ${others.join(', ')}`) : null),
        h('div', { class: 'muted' }, `${ev.basis === 'data' ? 'Every model evaluated on' : 'Their own evaluations, all on'} ${ev.on}${best.tiedWith.length ? `; tied with ${best.tiedWith.map((i) => c.runs[i]!.key).join(', ')} (the lower loss decides)` : ''}.`),
        notes.length ? h('ul', { class: 'notes' }, ...notes) : null)), best.index));
    return;
  }
  verdict.replaceChildren(h('div', { class: 'banner warning', id: 'not-comparable' },
    icon('warning'),
    h('div', { class: 'banner-body' },
      h('div', { class: 'banner-title' }, 'No best run: not comparable'),
      h('div', {}, `${ev.reason ?? 'no run has a value to rank'}.`),
      ev.basis === 'own' && trusted ? h('div', { class: 'muted' }, 'Evaluate every run\'s model on the same data to rank them: ', h('button', { class: 'link', type: 'button', onclick: () => post({ type: 'evaluateOnData' }) }, 'Evaluate on Data…')) : null,
      notes.length ? h('ul', { class: 'notes' }, ...notes) : null)));
}

// ── final metrics, side by side ─────────────────────────────────────────────────────────────────────
/** The index of the best value in a row (lower or higher is better), when it stands out. */
function leader(values: (number | null)[], higherIsBetter: boolean): number | undefined {
  const ok = values.map((v, i) => [v, i] as const).filter((p): p is readonly [number, number] => p[0] !== null);
  if (ok.length < 2) return undefined;
  ok.sort((a, b) => (higherIsBetter ? b[0] - a[0] : a[0] - b[0]));
  return ok[0]![0] === ok[1]![0] ? undefined : ok[0]![1];
}

function renderFinals(c: RunComparison): void {
  const metric = c.metricName;
  const bestCol = c.best?.index;
  const row = (name: string, cells: (string | HTMLElement)[], lead?: number, cls = ''): HTMLElement =>
    h('tr', { class: cls }, h('th', { scope: 'row' }, name), ...cells.map((cell, i) => h('td', { class: `num${i === bestCol ? ' best-col' : ''}${i === lead ? ' lead' : ''}` }, cell)));
  const own = c.runs.map((r) => r.final.evaluation);
  const kinds = new Set(own.filter(Boolean).map((e) => `${e!.split} ${e!.metric}`));
  const shared = kinds.size === 1 ? [...kinds][0]! : undefined;
  const higher = own.find(Boolean)?.higherIsBetter ?? true;
  const rows: HTMLElement[] = [
    row('Status', c.runs.map((r) => h('span', { class: `status-text ${r.status}` }, r.status))),
    row('Kept epoch', c.runs.map((r) => formatKept(r.final))),
    row('Epochs run', c.runs.map((r) => formatEpochsRun(r.final))),
    row('Validation loss', c.runs.map((r) => formatMetric('loss', r.final.valLoss)), leader(c.runs.map((r) => r.final.valLoss), false)),
    row(`Validation ${metric ? metricTitle(metric) : 'metric'}`, c.runs.map((r) => formatMetric(metric, r.final.valMetric)), leader(c.runs.map((r) => r.final.valMetric), !/mae|loss/i.test(metric ?? ''))),
    row(shared ? `Evaluation: ${shared}` : 'Evaluation', own.map((e) => (e ? `${formatMetric(e.metric, e.value)}${shared ? '' : ` (${e.split} ${e.metric})`}` : '–')), c.evaluation.basis === 'own' && c.evaluation.comparable ? leader(own.map((e) => e?.value ?? null), higher) : undefined, 'headline'),
  ];
  if (c.evaluation.basis === 'data') rows.push(row(`On the data: ${c.evaluation.metric?.name ?? 'metric'}`, c.evaluation.values.map((v, i) => (v === null ? h('span', { class: 'muted', title: c.evaluation.notes[i] ?? '' }, '–') : formatMetric(c.evaluation.metric?.name, v))), c.evaluation.metric ? leader(c.evaluation.values, c.evaluation.metric.higherIsBetter) : undefined, 'headline'));
  rows.push(
    row('Duration', c.runs.map((r) => duration(r.final.durationMs === null ? null : r.final.durationMs / 1000))),
    row('Engine', c.runs.map((r) => h('span', { title: r.final.device ?? '' }, formatEngine(r.final)))),
  );
  finals.replaceChildren(
    h('thead', {}, h('tr', {}, h('th', {}, ''), ...c.runs.map((r, i) => h('th', { class: `num${i === bestCol ? ' best-col' : ''}`, scope: 'col', 'data-key': r.key }, swatch(i), h('span', { class: 'run-key' }, r.key), ` ${r.label}`, i === bestCol ? h('span', { class: 'best-star', title: 'best' }, ' ★') : null)))),
    h('tbody', {}, ...rows),
  );
}

function renderDiff(c: RunComparison): void {
  if (!c.recipeDiff.length) {
    diff.replaceChildren(h('p', { class: 'muted', id: 'diff-empty' }, c.runs.some((r) => !r.recipe) ? 'Unknown: some runs\' recipes could not be read.' : 'None: the runs used the same recipe.'));
    return;
  }
  const unknown = c.runs.map((r) => !r.recipe);
  diff.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'data diff-table', id: 'diff-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Field'), ...c.runs.map((r, i) => h('th', { scope: 'col' }, swatch(i), h('span', { class: 'run-key' }, r.key), ` ${r.label}`)))),
    h('tbody', {}, ...c.recipeDiff.map((d) => h('tr', { 'data-path': d.path },
      h('th', { scope: 'row', class: 'mono path' }, d.path),
      ...d.values.map((v, i) => h('td', { class: `mono value${v === null ? ' unset' : ''}`, title: v === null ? (unknown[i] ? 'the recipe is unknown' : 'not set: the default applies') : '' }, unknown[i] ? '?' : formatRecipeValue(v)))))))));
}

function renderWarnings(c: RunComparison): void {
  warnings.replaceChildren(...c.warnings.map((w) => h('div', { class: 'banner warning slim' }, icon('info'), h('div', { class: 'banner-body' }, w))));
}

// ── curves ──────────────────────────────────────────────────────────────────────────────────────────
type CurveKey = 'valLoss' | 'valMetric' | 'loss';
const CHARTS: { box: keyof typeof boxes; value: CurveKey }[] = [{ box: 'valLoss', value: 'valLoss' }, { box: 'valMetric', value: 'valMetric' }, { box: 'trainLoss', value: 'loss' }];
let charts: LiveChart[] = [];
let data: AlignedSeries[] = [];
let chartKey = '';

function markers(c: RunComparison): Marker[] {
  const at = new Map<number, string[]>();
  c.runs.forEach((r) => { if (r.curves.fineTuneAfter !== null) at.set(r.curves.fineTuneAfter, [...(at.get(r.curves.fineTuneAfter) ?? []), r.key]); });
  if (!at.size) return [];
  const all = c.runs.filter((r) => r.curves.fineTuneAfter !== null).length === c.runs.length && at.size === 1;
  return [{ x: 0, label: 'head', line: false }, ...[...at.entries()].map(([x, keys]) => ({ x, label: all ? 'fine-tune' : `fine-tune ${keys.join(', ')}`, line: true }))];
}

function updateCharts(c: RunComparison): void {
  const key = `${c.runs.map((r) => r.runDir).join('|')}#${c.metricName}#${c.best?.index ?? -1}`;
  if (key !== chartKey) {
    charts.forEach((ch) => ch.destroy());
    Object.values(boxes).forEach((b) => b.plot.replaceChildren());
    chartKey = key;
    const metric = c.metricName;
    const fraction = isFractionMetric(metric ?? undefined);
    boxes.valMetric.title.textContent = metric ? `Validation ${metricTitle(metric)}` : 'Validation metric';
    boxes.valMetric.plot.setAttribute('aria-label', boxes.valMetric.title.textContent);
    const specs: SeriesSpec[] = c.runs.map((r, i) => ({ label: `${r.key} · ${r.label}${c.best?.index === i ? ' ★' : ''}`, color: colorOf(i), width: c.best?.index === i ? 3 : 2, dash: dashOf(i), points: true }));
    const xMax = (): number => Math.max(1, ...c.runs.flatMap((r) => r.curves.points.map((p) => p.x)));
    const marks = (): Marker[] => markers(comparison ?? c);
    data = CHARTS.map(() => new AlignedSeries(c.runs.length));
    charts = CHARTS.map((spec, k) => new LiveChart(boxes[spec.box].plot, data[k]!, specs, {
      height: 220,
      format: spec.value === 'valMetric' && fraction ? (v: number) => pct(v, 0) : compact,
      y: spec.value === 'valMetric' && fraction ? 'unit' : 'zero',
      xMax,
      markers: marks,
    }));
  }
  // points are set again on every state: a live run's curves only grow, so this is idempotent
  CHARTS.forEach((spec, k) => c.runs.forEach((r, i) => r.curves.points.forEach((p: CurvePoint) => data[k]!.set(i, p.x, p[spec.value]))));
  charts.forEach((ch) => ch.update());
  for (const b of Object.values(boxes)) b.box.classList.toggle('empty', b.plot.classList.contains('empty'));
}

// ── state ───────────────────────────────────────────────────────────────────────────────────────────
function render(): void {
  const c = comparison;
  busyLine.textContent = busy ?? '';
  busyLine.classList.toggle('hidden', !busy);
  evaluateButton.classList.toggle('hidden', !trusted);
  if (busy) evaluateButton.setAttribute('disabled', '');
  else evaluateButton.removeAttribute('disabled');
  if (!c) return;
  document.body.classList.toggle('live', c.runs.some((r) => r.status === 'running'));
  title.replaceChildren(h('span', { class: 'muted title-kind' }, 'Compare'), ` ${c.runs.length} runs`);
  clearButton.classList.toggle('hidden', c.evaluation.basis !== 'data');
  renderRuns(c);
  renderVerdict(c);
  renderWarnings(c);
  renderFinals(c);
  renderDiff(c);
  updateCharts(c);
}

function isComparison(v: unknown): v is RunComparison {
  const c = v as RunComparison | undefined;
  return !!c && typeof c === 'object' && Array.isArray(c.runs) && Array.isArray(c.recipeDiff) && typeof c.evaluation === 'object' && c.evaluation !== null;
}

host.onMessage((m) => {
  try {
    switch (m.type) {
      case 'state':
        if (!isComparison(m.comparison)) break;
        comparison = m.comparison;
        trusted = m.trusted !== false;
        busy = typeof m.busy === 'string' ? m.busy : null;
        render();
        host.setState({ runDirs: comparison.runs.map((r: ComparedRun) => r.runDir), comparison, trusted });
        break;
      case 'busy':
        busy = typeof m.busy === 'string' ? m.busy : null;
        render();
        break;
      default:
        break; // a newer host's message: ignore
    }
  } catch (e) {
    console.warn('compare: could not handle a message', e);
  }
});

let themeFrame = 0;
onThemeChange(() => {
  cancelAnimationFrame(themeFrame);
  themeFrame = requestAnimationFrame(() => charts.forEach((ch) => ch.restyle()));
});

post({ type: 'ready', protocol: COMPARE_PROTOCOL_VERSION });
const saved = host.getState();
if (saved && isComparison(saved.comparison)) {
  comparison = saved.comparison;
  trusted = saved.trusted !== false;
}
render();
