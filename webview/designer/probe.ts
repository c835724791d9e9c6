/**
 * The designer's Probe: score candidate cuts with linear probes on the data (the worker runs
 * them), as a small chart over depth and a table, with "Apply best" writing the best cut (and a
 * head that fits it) into the recipe. Shown under the cut in the Layers section.
 */
import type { ProbeReport } from '../../src/core/protocol/reports';
import type { DesignerState } from '../../src/core/protocol/designer';
import { h } from '../shared/vscodeApi';
import type { Form } from './fields';
import { button, message } from './ui';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, ...children: Element[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** Validation score over depth: one bar per candidate, the best and the recipe's cut marked. */
function depthChart(r: ProbeReport): SVGElement {
  const w = 520;
  const hgt = 120;
  const pad = 24;
  const values = r.rows.map((x) => x.value);
  const lo = r.higherIsBetter ? Math.min(...values, 0.5) : 0;
  const hi = r.higherIsBetter ? 1 : Math.max(...values) * 1.1 || 1;
  const bw = (w - pad * 2) / r.rows.length;
  const y = (v: number): number => hgt - pad - ((v - lo) / (hi - lo || 1)) * (hgt - pad * 2);
  const bars = r.rows.map((row, i) => {
    const title = svg('title', {});
    title.textContent = `${row.cut} (${row.className}, ${row.features} features): ${r.higherIsBetter ? `${(row.value * 100).toFixed(1)}%` : row.value.toFixed(4)}`;
    return svg('rect', {
      x: pad + i * bw + 2, y: y(row.value), width: Math.max(2, bw - 4), height: Math.max(1, hgt - pad - y(row.value)),
      class: `probe-bar${row.cut === r.best ? ' best' : ''}${row.cut === r.currentCut ? ' current' : ''}`, 'data-cut': row.cut,
    }, title);
  });
  const label = (text: string, x: number, yy: number, anchor = 'start'): SVGElement => { const t = svg('text', { x, y: yy, 'text-anchor': anchor, class: 'probe-axis' }); t.textContent = text; return t; };
  return svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'probe-chart', role: 'img', 'aria-label': `validation ${r.metric} of a linear probe at each candidate cut, input side to output side` },
    svg('line', { x1: pad, y1: hgt - pad, x2: w - pad, y2: hgt - pad, class: 'probe-baseline' }),
    ...bars,
    label(r.higherIsBetter ? `${(hi * 100).toFixed(0)}%` : hi.toFixed(2), 2, pad),
    label(r.higherIsBetter ? `${(lo * 100).toFixed(0)}%` : '0', 2, hgt - pad),
    label('input side', pad, hgt - 6), label('backbone output', w - pad, hgt - 6, 'end'),
  );
}

function reportTable(r: ProbeReport): HTMLElement {
  const fmt = (v: number): string => (r.higherIsBetter ? `${(v * 100).toFixed(1)}%` : v.toFixed(4));
  return h('table', { class: 'probe-table', id: 'probe-table' },
    h('thead', {}, h('tr', {}, ...['Cut', 'Class', 'Features', `Val ${r.metric}`, `Train ${r.metric}`].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...r.rows.map((row) => h('tr', { class: row.cut === r.best ? 'best' : '', dataset: { cut: row.cut } },
      h('td', { class: 'mono' }, row.cut, row.cut === r.best ? h('span', { class: 'probe-tag' }, 'best') : '', row.cut === r.currentCut ? h('span', { class: 'probe-tag muted' }, 'recipe') : ''),
      h('td', {}, row.className), h('td', { class: 'num' }, String(row.features)), h('td', { class: 'num' }, fmt(row.value)), h('td', { class: 'num muted' }, fmt(row.train))))),
  );
}

export function probePanel(form: Form): HTMLElement {
  const run = button('Probe cuts', {
    secondary: true, icon: 'beaker', id: 'probe-run', title: 'Score candidate cuts with linear probes on a sample of your data (no training)',
    onClick: () => form.post({ type: 'probe' }),
  });
  const apply = button('Apply best', { icon: 'check', id: 'probe-apply', title: 'Write the best cut into the recipe', onClick: () => { if (last) form.post({ type: 'applyCut', cut: last.best }); } });
  const body = h('div', { class: 'probe-body', id: 'probe-body' });
  const el = h('div', { class: 'probe', id: 'probe' },
    h('div', { class: 'probe-head' }, h('h3', { class: 'sub' }, 'Which layers transfer?'), run, apply),
    h('p', { class: 'muted' }, 'One pass of the base over a sample of your images, a linear probe on the features of each candidate cut, scored on validation images. A deep cut that scores worse than a shallower one is negative transfer.'),
    body);
  let last: ProbeReport | undefined;
  form.onState((s: DesignerState) => {
    const p = s.probe;
    run.disabled = p?.status === 'running' || !s.trusted || !s.recipe?.data?.train || s.model.status !== 'ok';
    run.title = !s.trusted ? 'Probing needs a trusted workspace' : !s.recipe?.data?.train ? 'Set the training data first' : 'Score candidate cuts with linear probes on a sample of your data (no training)';
    last = p?.status === 'ok' ? p.report : undefined;
    apply.hidden = !last;
    apply.disabled = !last || last.best === s.recipe?.cut;
    if (!p) { body.replaceChildren(); return; }
    if (p.status === 'running') { body.replaceChildren(message('info', p.progress ? `Probing… features of ${p.progress.done}/${p.progress.total} images` : 'Probing…')); return; }
    if (p.status === 'error') { body.replaceChildren(message('error', p.error ?? 'The probe failed.')); return; }
    const r = p.report!;
    body.replaceChildren(
      h('p', {}, `${r.rows.length} cuts on ${r.images.train} training / ${r.images.validation} validation images in ${(r.totalMs / 1000).toFixed(1)} s. Best: `, h('span', { class: 'mono', id: 'probe-best' }, r.best), '.'),
      depthChart(r),
      ...r.notes.map((n) => message('warning', n)),
      reportTable(r),
    );
  });
  return el;
}
