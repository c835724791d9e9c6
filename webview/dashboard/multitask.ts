/**
 * A multi-task run ("heads": several heads on one base, trained on the sum of their weighted
 * losses): a small chart group per head (its loss and its metric, train and validation) beside the
 * total loss; per-head stat cards; and the evaluation's heads table — each head's headline with
 * the other heads and trained alone (the single-task baselines, whose epochs the worker reports
 * as progress, not as curves), and the verdict, "worse" marked as negative transfer between tasks.
 */
import type { HeadInfo, MultiTaskReport } from '../../src/core/protocol/reports';
import { h } from '../shared/vscodeApi';
import { LiveChart, type Marker } from './charts';
import { compact, fmtMetric, isFractionMetric, metricTitle, num, pct } from './format';
import { isNum, type RunModel } from './runModel';
import type { ChartData } from './series';

type Head = MultiTaskReport['heads'][number];

/** A head's name as part of an element id (names are letters, digits, _ and -; anything else is replaced). */
export function headId(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The per-epoch log key of a head's metric: NAME_accuracy, NAME_binary_accuracy, NAME_mae. */
export function headMetricKey(head: Pick<HeadInfo, 'name' | 'metric'>): string {
  return `${head.name}_${head.metric}`;
}

function icon(name: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

/** One card per head: its loss and its metric side by side, made when the run's heads are known. */
export class HeadCharts {
  readonly root = h('div', { class: 'head-charts', id: 'head-charts' });
  private charts: LiveChart[] = [];
  private cards: { card: HTMLElement; plots: HTMLElement[] }[] = [];
  private key: string | null = null;

  constructor(private readonly axis: { xMax(): number; markers(): Marker[] }) {}

  /** Forget the charts (a new state: new chart data); the next update builds them again. */
  reset(): void {
    this.charts.forEach((c) => c.destroy());
    this.charts = [];
    this.cards = [];
    this.key = null;
    this.root.replaceChildren();
  }

  update(model: RunModel, data: ChartData): void {
    const heads = model.heads ?? [];
    const key = heads.map((hd) => `${hd.name}\u0000${hd.task}\u0000${hd.metric}\u0000${hd.lossWeight}`).join('\u0001');
    if (key !== this.key) this.build(heads, data, key);
    this.charts.forEach((c) => c.update());
    for (const { card, plots } of this.cards) card.classList.toggle('empty', plots.every((p) => p.classList.contains('empty')));
  }

  private build(heads: HeadInfo[], data: ChartData, key: string): void {
    this.reset();
    this.key = key;
    this.root.classList.toggle('hidden', heads.length === 0);
    const { xMax, markers } = this.axis;
    for (const hd of heads) {
      const id = headId(hd.name);
      const series = data.head(hd.name);
      const mTitle = metricTitle(hd.metric);
      const fraction = isFractionMetric(hd.metric);
      const lossPlot = h('div', { class: 'chart-plot', id: `chart-head-${id}-loss`, role: 'group', 'aria-label': `${hd.name}: loss` });
      const metricPlot = h('div', { class: 'chart-plot', id: `chart-head-${id}-metric`, role: 'group', 'aria-label': `${hd.name}: ${mTitle}` });
      const card = h('div', { class: 'chart-card head-card', id: `head-card-${id}`, 'data-head': hd.name },
        h('div', { class: 'chart-head' },
          h('h3', { class: 'chart-title' }, h('span', { class: 'head-name' }, hd.name), h('span', { class: 'muted h-sub head-task' }, `${hd.task}${hd.lossWeight !== 1 ? ` · loss weight ${hd.lossWeight}` : ''}`))),
        h('div', { class: 'head-plots' },
          h('div', { class: 'head-plot' }, h('div', { class: 'head-plot-title muted' }, 'loss'), lossPlot),
          h('div', { class: 'head-plot' }, h('div', { class: 'head-plot-title muted' }, mTitle), metricPlot)),
        h('div', { class: 'chart-empty muted' }, 'Waiting for the first epoch…'));
      this.root.append(card);
      this.cards.push({ card, plots: [lossPlot, metricPlot] });
      this.charts.push(
        new LiveChart(lossPlot, series.loss, [
          { label: 'train (batch)', color: '--vscode-charts-blue', alpha: 0.35, width: 1 },
          { label: 'train', color: '--vscode-charts-blue', width: 2, points: true },
          { label: 'validation', color: '--vscode-charts-orange', width: 2, points: true },
        ], { height: 170, format: compact, y: 'zero', xMax, markers }),
        new LiveChart(metricPlot, series.metric, [
          { label: 'train', color: '--vscode-charts-blue', width: 2, points: true },
          { label: 'validation', color: '--vscode-charts-orange', width: 2, points: true },
        ], { height: 170, format: fraction ? (v: number) => pct(v, 0) : compact, y: fraction ? 'unit' : 'zero', xMax, markers }),
      );
    }
  }

  restyle(): void {
    this.charts.forEach((c) => c.restyle());
  }
}

/**
 * The stat cards of a multi-task run, one per head: its newest validation metric (the training
 * split's without validation data; the batch's before the first epoch), with the train figure and
 * the head's loss beneath.
 */
export function headStatCards(model: RunModel): [string, string, string?][] {
  const heads = model.heads ?? [];
  const rows = model.rows.filter((r) => r.phase !== 'baseline');
  const last = rows[rows.length - 1];
  const batch = model.lastBatch && model.lastBatch.phase !== 'baseline' ? model.lastBatch.metrics : undefined;
  return heads.map((hd): [string, string, string?] => {
    const k = headMetricKey(hd);
    const m = metricTitle(hd.metric);
    if (!last) return [`${hd.name} · ${m}`, fmtMetric(hd.metric, batch?.[k]), batch ? `batch · loss ${num(batch[`${hd.name}_loss`], 4)}` : hd.task];
    const val = last.logs[`val_${k}`];
    const shown = isNum(val) ? val : last.logs[k];
    const sub = [isNum(val) ? `train ${fmtMetric(hd.metric, last.logs[k])}` : 'train', `loss ${num(last.logs[isNum(val) ? `val_${hd.name}_loss` : `${hd.name}_loss`], 4)}`];
    return [`${hd.name} · ${isNum(val) ? 'validation ' : ''}${m}`, fmtMetric(hd.metric, shown), sub.join(' · ')];
  });
}

const VERDICT: Record<NonNullable<Head['verdict']>, { text: string; icon: string; title: string }> = {
  better: { text: 'better', icon: 'pass', title: 'sharing the base with the other heads helped this head' },
  tie: { text: 'tie', icon: 'dash', title: 'sharing made no real difference to this head' },
  worse: { text: 'negative transfer', icon: 'warning', title: 'this head does worse for sharing the base with the other heads than trained alone' },
};

function headValue(hd: Pick<Head, 'higherIsBetter'>, v: number | undefined): string {
  return hd.higherIsBetter ? pct(v) : num(v, 4);
}

function headDifference(hd: Head): string {
  if (!isNum(hd.value) || !isNum(hd.singleValue)) return '–';
  const d = hd.value - hd.singleValue;
  const sign = d >= 0 ? '+' : '−';
  return hd.higherIsBetter ? `${sign}${(Math.abs(d) * 100).toFixed(1)} pt` : `${sign}${Math.abs(d).toFixed(4)}`;
}

/** Unfold a head's evaluation (the heads table links to it). */
function openHead(name: string): void {
  document.getElementById(`head-eval-${headId(name)}`)?.setAttribute('open', '');
}

/** The heads table and the report's notes in words. */
export function headsComparison(mt: MultiTaskReport): HTMLElement[] {
  const alone = mt.heads.some((hd) => hd.single !== undefined || hd.singleValue !== undefined);
  const table = h('table', { class: 'data compare heads-table', id: 'heads-comparison' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'head'), h('th', { scope: 'col', class: 'col-task' }, 'task'), h('th', { scope: 'col', class: 'num col-weight' }, 'loss weight'), h('th', { scope: 'col' }, 'metric'),
      h('th', { scope: 'col', class: 'num' }, 'with the other heads'), h('th', { scope: 'col', class: 'num' }, 'trained alone'),
      h('th', { scope: 'col', class: 'num col-diff' }, 'difference'), h('th', { scope: 'col' }, 'verdict'))),
    h('tbody', {}, ...mt.heads.map((hd) => {
      const v = hd.verdict ? VERDICT[hd.verdict] : undefined;
      const tone = hd.verdict === 'better' ? 'better' : hd.verdict === 'worse' ? 'worse' : '';
      return h('tr', { class: `head-row${hd.verdict ? ` verdict-${hd.verdict}` : ''}`, 'data-head': hd.name },
        h('th', { scope: 'row' }, h('a', { class: 'head-link', href: `#head-eval-${headId(hd.name)}`, title: `${hd.name}'s own evaluation`, onclick: () => openHead(hd.name) }, hd.name),
          // shown in the head's cell when a narrow panel leaves the task and weight columns out
          h('span', { class: 'muted head-meta' }, `${hd.task}${hd.lossWeight !== 1 ? ` · weight ${hd.lossWeight}` : ''}`)),
        h('td', { class: 'col-task' }, hd.task),
        h('td', { class: 'num col-weight' }, String(hd.lossWeight)),
        h('td', {}, hd.metric, h('span', { class: 'muted head-examples' }, h('span', { class: 'head-sep' }, ' · '), `${hd.examples} ${hd.examples === 1 ? 'example' : 'examples'}`)),
        h('td', { class: 'num strong' }, headValue(hd, hd.value)),
        h('td', { class: 'num' }, headValue(hd, hd.singleValue)),
        h('td', { class: `num diff col-diff ${tone}` }, headDifference(hd)),
        h('td', { class: 'verdict-cell' }, v
          ? h('span', { class: `verdict ${hd.verdict}`, title: v.title }, icon(v.icon), v.text)
          : h('span', { class: 'muted', title: 'no single-task baseline ran ("training.baseline")' }, '–')));
    })));
  const notes = mt.notes.length
    ? h('ul', { class: 'head-notes', id: 'heads-notes' }, ...mt.notes.map((n) => {
      const negative = /^negative transfer/i.test(n);
      return h('li', { class: negative ? 'negative' : '' }, icon(negative ? 'warning' : 'info'), h('span', {}, n));
    }))
    : null;
  return [
    h('h3', { id: 'heads-title' }, 'Heads', h('span', { class: 'muted h-sub' }, alone
      ? 'each head with the other heads on one base, and trained alone (the same layers and budget)'
      : 'each head of the one model; no single-task baselines ran')),
    h('div', { class: 'table-scroll heads-scroll' }, table),
    ...(notes ? [notes] : []),
  ];
}

/** The top banner when sharing hurt a head: which heads, the details in the heads table. */
export function negativeTransferBanner(mt: MultiTaskReport): HTMLElement | null {
  const worse = mt.heads.filter((hd) => hd.verdict === 'worse');
  if (!worse.length) return null;
  const names = worse.map((hd) => `"${hd.name}"`).join(', ');
  const many = worse.length > 1;
  return h('div', { class: 'banner negative-transfer', role: 'alert', id: 'negative-transfer' }, icon('warning'),
    h('div', { class: 'banner-body' },
      h('div', { class: 'banner-title' }, 'Negative transfer between tasks'),
      h('div', {}, `The head${many ? 's' : ''} ${names} ${many ? 'do' : 'does'} worse with the other heads than trained alone: ${worse.map((hd) => `${hd.metric} ${headValue(hd, hd.value)} vs ${headValue(hd, hd.singleValue)}`).join('; ')}. See the heads below.`)));
}
