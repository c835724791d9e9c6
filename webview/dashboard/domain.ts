/**
 * Domain adaptation, when the run's `domain` event arrives: the source's held-back split and the
 * labelled target images scored before and after adapting, the feature gap, and the features of
 * both domains projected to 2-D (one PCA basis for before and after), source and target in two
 * colours. Points are SVG circles styled by class (the CSP forbids style attributes).
 */
import type { DomainReport, EvaluationReport } from '../../src/core/protocol/reports';
import { h } from '../shared/vscodeApi';
import { pct } from './format';
import type { Ev } from './runModel';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, ...children: (Element | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

type Points = [number, number][];

/** One scatter: both states share the axes' range so before and after compare by eye. */
function scatter(title: string, pts: { source: Points; target: Points }, range: { x: [number, number]; y: [number, number] }, id: string): SVGElement {
  const size = 220;
  const pad = 10;
  const sx = (v: number): number => pad + ((v - range.x[0]) / (range.x[1] - range.x[0] || 1)) * (size - pad * 2);
  const sy = (v: number): number => size - pad - ((v - range.y[0]) / (range.y[1] - range.y[0] || 1)) * (size - pad * 2);
  const dots = (list: Points, cls: string): SVGElement[] => list.map(([x, y]) => svg('circle', { cx: sx(x).toFixed(1), cy: sy(y).toFixed(1), r: 2.5, class: `domain-dot ${cls}` }));
  return svg('svg', { viewBox: `0 0 ${size} ${size}`, class: 'domain-scatter', id, role: 'img', 'aria-label': `${title}: ${pts.source.length} source and ${pts.target.length} target images, features projected on their first two principal components` },
    svg('title', {}, title),
    svg('rect', { x: 0.5, y: 0.5, width: size - 1, height: size - 1, class: 'domain-frame' }),
    ...dots(pts.source, 'source'), ...dots(pts.target, 'target'),
  );
}

function rangeOf(r: DomainReport): { x: [number, number]; y: [number, number] } {
  const all = [...r.projection.before.source, ...r.projection.before.target, ...r.projection.after.source, ...r.projection.after.target];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  return { x: [Math.min(...xs, 0), Math.max(...xs, 0)], y: [Math.min(...ys, 0), Math.max(...ys, 0)] };
}

function score(r: EvaluationReport | undefined): string {
  return r && typeof r.accuracy === 'number' ? pct(r.accuracy) : '—';
}

export class DomainView {
  readonly root = h('section', { id: 'domain', class: 'hidden', 'aria-labelledby': 'domain-title' });
  private shown?: Ev<'domain'>;

  render(e: Ev<'domain'> | undefined): void {
    if (e === this.shown) return;
    this.shown = e;
    this.root.classList.toggle('hidden', !e);
    if (!e) { this.root.replaceChildren(); return; }
    const r = e.report;
    const range = rangeOf(r);
    const rows: [string, string, string][] = [[`source (${r.source.split})`, score(r.source.before), score(r.source.after)]];
    if (r.targetScores) rows.push([`target (${r.targetScores.before.examples} labelled)`, score(r.targetScores.before), score(r.targetScores.after)]);
    rows.push(['feature gap (CORAL distance)', r.gap.before.coral.toPrecision(3), r.gap.after.coral.toPrecision(3)]);
    this.root.replaceChildren(
      h('h2', { id: 'domain-title' }, `Domain adaptation: ${r.method === 'adabn' ? 'AdaBN' : r.method.toUpperCase()}`),
      h('p', { class: 'muted' }, `${r.targetImages} unlabelled images of ${r.target} adapted the model; the saved model is the adapted one.`),
      h('table', { class: 'domain-table', id: 'domain-table' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'before'), h('th', {}, 'after'))),
        h('tbody', {}, ...rows.map(([name, a, b]) => h('tr', {}, h('td', {}, name), h('td', { class: 'num' }, a), h('td', { class: 'num' }, b))))),
      h('div', { class: 'domain-plots' },
        h('figure', {}, scatter('before adaptation', r.projection.before, range, 'domain-before'), h('figcaption', {}, 'before')),
        h('figure', {}, scatter('after adaptation', r.projection.after, range, 'domain-after'), h('figcaption', {}, 'after'))),
      h('p', { class: 'domain-legend muted' },
        h('span', { class: 'domain-key source' }), ' source  ', h('span', { class: 'domain-key target' }), ' target',
        `  — first two principal components of the head's input features (${pct(r.projection.explained[0] + r.projection.explained[1])} of their variance)`),
      ...r.notes.map((n) => h('p', { class: 'muted' }, n)),
    );
  }
}
