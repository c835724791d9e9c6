/**
 * The evaluation, when the run's `evaluation` event arrives: headline numbers, the from-scratch
 * comparison (and the negative-transfer warning), the confusion matrix as an accessible heatmap
 * table, per-class (or per-label) scores, the most confident mistakes with thumbnails, and the
 * try-it box. Regression shows MAE and RMSE instead. A multi-task run shows the heads table
 * (with the other heads vs trained alone, the verdict) and then each head's own evaluation.
 */
import type { EvaluationReport, MultiTaskReport, Prediction } from '../../src/core/protocol/reports';
import type { DashboardMessage, RunStatus } from '../../src/core/protocol/dashboard';
import { h } from '../shared/vscodeApi';
import { basename, num, pct } from './format';
import { isNum, type Ev } from './runModel';
import { detectionHeadline, detectionPrediction, detectionSampleFiles, detectionSections, predictedBoxes } from './detection';
import { headId, headsComparison, negativeTransferBanner } from './multitask';

export interface PredictionMessage { file: string; thumbnail?: string; result?: Prediction; error?: string }

function icon(name: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

function macroF1(r: EvaluationReport | undefined): number | undefined {
  const pc = r?.perClass;
  if (!pc?.length) return undefined;
  const f = pc.map((c) => c.f1).filter(isNum);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : undefined;
}

interface Row { name: string; a: number | undefined; b: number | undefined; fmt: (v: number | undefined) => string; higherIsBetter: boolean; fraction: boolean }

/** The files of the most confident mistakes the evaluation lists (every head's, for a multi-task run). */
export function mistakeFiles(ev: Ev<'evaluation'> | undefined): string[] {
  if (!ev) return [];
  const reports = ev.multiTask ? ev.multiTask.heads.map((hd) => hd.report) : [ev.report];
  return [...new Set(reports.flatMap((r) => (r.worst ?? []).map((w) => w.file)))];
}

/** What the comparison is against: a from-scratch model, or (multi-task) the head trained alone. */
interface Against { id: string; word: string }
const SCRATCH: Against = { id: '', word: 'from scratch' };

export class EvaluationView {
  readonly root = h('section', { id: 'evaluation', class: 'hidden', 'aria-labelledby': 'evaluation-title' });
  private readonly tryResult = h('div', { id: 'try-result', 'aria-live': 'polite' });
  private readonly tryButton: HTMLElement;
  private readonly tryNote = h('span', { class: 'muted' });
  private readonly mistakes = h('div', { class: 'mistakes', id: 'mistakes' });
  /** Where each report's mistakes are drawn (one per head of a multi-task run). */
  private mistakeViews: { el: HTMLElement; report: EvaluationReport }[] = [];
  private shown?: Ev<'evaluation'>;
  private thumbs: Record<string, string> = {};

  constructor(private readonly post: (m: DashboardMessage) => void) {
    this.tryButton = h('vscode-button', { id: 'try', icon: 'file-media', onclick: () => { if (!this.tryButton.hasAttribute('disabled')) post({ type: 'pickImage' }); } }, 'Try an image…');
  }

  render(ev: Ev<'evaluation'> | undefined, status: RunStatus | undefined, trusted: boolean, output: string | undefined, thumbnails: Record<string, string>): void {
    this.updateTry(status, trusted);
    if (!ev) {
      this.root.classList.add('hidden');
      this.shown = undefined;
      return;
    }
    this.root.classList.remove('hidden');
    const samples = detectionSampleFiles(ev.report);
    const newThumbs = [...mistakeFiles(ev), ...samples].some((f) => thumbnails[f] && !this.thumbs[f]);
    if (ev === this.shown && !(newThumbs && samples.length)) {
      if (newThumbs) this.renderMistakes(thumbnails);
      return;
    }
    this.shown = ev;
    this.mistakeViews = [];
    const r = ev.report;
    const mt = ev.multiTask;
    const warnings = Array.isArray(ev.warnings) ? ev.warnings : [];
    const saved = h('div', { class: 'saved-row' },
      output ? h('span', { class: 'muted' }, icon('save'), ' Saved to ', h('span', { class: 'mono path' }, output)) : null,
      h('span', { class: 'grow' }),
      h('vscode-button', { id: 'reveal-model', icon: 'folder-opened', secondary: true, onclick: () => this.post({ type: 'revealModel' }) }, 'Reveal Model'));
    const parts: (HTMLElement | null)[] = mt ? this.multiTask(mt, warnings, saved) : [
      h('h2', { id: 'evaluation-title' }, 'Evaluation', h('span', { class: 'muted h-sub' }, `${r.split ?? 'test'} split · ${r.examples ?? '?'} ${r.examples === 1 ? 'example' : 'examples'}`)),
      ...this.warnings(warnings, true),
      saved,
      ...this.report(r, ev.baseline, SCRATCH, thumbnails, this.mistakes),
    ];
    parts.push(h('h3', {}, 'Try it'), h('div', { class: 'try-row' }, this.tryButton, this.tryNote), this.tryResult);
    this.root.replaceChildren(...parts.filter((p): p is HTMLElement => !!p));
    this.renderMistakes(thumbnails);
  }

  /** Warnings as banners; a negative-transfer one stands out (unless `standOut` is taken already). */
  private warnings(warnings: string[], standOut: boolean): HTMLElement[] {
    return warnings.map((w) => standOut && /negative transfer/i.test(w)
      ? h('div', { class: 'banner negative-transfer', role: 'alert', id: 'negative-transfer' }, icon('warning'), h('div', { class: 'banner-body' }, h('div', { class: 'banner-title' }, 'Negative transfer'), h('div', {}, w.replace(/^negative transfer:\s*/i, ''))))
      : h('div', { class: 'banner warning slim' }, icon('warning'), h('span', {}, w)));
  }

  /** One task's report: headline, comparison, confusion matrix, per-class scores, mistakes. */
  private report(r: EvaluationReport, b: EvaluationReport | undefined, against: Against, thumbnails: Record<string, string>, mistakes: HTMLElement): (HTMLElement | null)[] {
    const parts: (HTMLElement | null)[] = [this.headline(r, b, against), b && !against.id ? this.comparison(r, b) : null];
    if (r.task === 'detection' && r.detection) {
      parts.push(...detectionSections(r, thumbnails, (file) => this.post({ type: 'openFile', file })));
      this.thumbs = { ...thumbnails };
    } else if (r.task !== 'regression') {
      if (r.confusion?.length) parts.push(h('h3', {}, 'Confusion matrix'), this.confusion(r, against.id));
      if (r.perClass?.length) parts.push(h('h3', {}, r.task === 'multi-label' ? 'Per label' : 'Per class'), this.perClass(r, b, against));
    }
    if (r.worst?.length) {
      parts.push(h('h3', {}, 'Most confident mistakes', h('span', { class: 'muted h-sub' }, 'select one to open the image')), mistakes);
      this.mistakeViews.push({ el: mistakes, report: r });
    }
    return parts;
  }

  /** A multi-task run: the heads table with the verdicts, then each head's own evaluation. */
  private multiTask(mt: MultiTaskReport, warnings: string[], saved: HTMLElement): (HTMLElement | null)[] {
    const banner = negativeTransferBanner(mt);
    // the notes are drawn under the heads table: the warnings that repeat them are not repeated
    const rest = warnings.filter((w) => !mt.notes.includes(w));
    const parts: (HTMLElement | null)[] = [
      h('h2', { id: 'evaluation-title' }, 'Evaluation', h('span', { class: 'muted h-sub' }, `${mt.split} split · ${mt.heads.length} heads`)),
      banner,
      ...this.warnings(rest, !banner),
      saved,
      ...headsComparison(mt),
    ];
    // each head's own evaluation, folded (the heads table says how each did); a head that lost from sharing starts open
    for (const hd of mt.heads) {
      const id = headId(hd.name);
      const v = hd.higherIsBetter ? pct(hd.value) : num(hd.value, 4);
      const section = h('details', { class: `head-eval${hd.verdict === 'worse' ? ' negative' : ''}`, id: `head-eval-${id}`, 'data-head': hd.name, open: hd.verdict === 'worse' },
        h('summary', { class: 'head-eval-summary' },
          h('span', { class: 'head-name' }, hd.name),
          h('span', { class: 'muted' }, `${hd.task} · ${hd.examples} ${hd.examples === 1 ? 'example' : 'examples'} with its label${hd.lossWeight !== 1 ? ` · loss weight ${hd.lossWeight}` : ''}`),
          h('span', { class: 'head-eval-value' }, `${hd.metric} ${v}`),
          hd.verdict === 'worse' ? h('span', { class: 'verdict worse' }, icon('warning'), 'negative transfer') : null),
        h('div', { class: 'head-eval-body' }, ...this.report(hd.report, hd.single, { id: `-${id}`, word: 'trained alone' }, {}, h('div', { class: 'mistakes', id: `mistakes-${id}` })).filter((p): p is HTMLElement => !!p)));
      parts.push(section);
    }
    return parts;
  }

  private updateTry(status: RunStatus | undefined, trusted: boolean): void {
    const ready = status === 'done' && trusted;
    if (ready) this.tryButton.removeAttribute('disabled');
    else this.tryButton.setAttribute('disabled', '');
    this.tryNote.textContent = !trusted
      ? 'Predictions need a trusted workspace.'
      : status === 'done' ? 'Pick an image file; the saved model predicts it in the background.' : 'Available once the model is saved.';
  }

  private headline(r: EvaluationReport, b: EvaluationReport | undefined, against: Against): HTMLElement {
    const cards: [string, string, string?][] = [];
    const w = against.word;
    if (r.task === 'detection' && r.detection) {
      cards.push(...detectionHeadline(r));
    } else if (r.task === 'regression') {
      cards.push(['MAE', num(r.mae, 4), b ? `${w} ${num(b.mae, 4)}` : 'mean absolute error'], ['RMSE', num(r.rmse, 4), b ? `${w} ${num(b.rmse, 4)}` : 'root mean squared error']);
    } else if (r.task === 'multi-label') {
      cards.push(['label accuracy', pct(r.accuracy), b ? `${w} ${pct(b.accuracy)}` : 'over every label, threshold 0.5']);
      if (isNum(r.exactMatch)) cards.push(['exact match', pct(r.exactMatch), against.id && b && isNum(b.exactMatch) ? `${w} ${pct(b.exactMatch)}` : 'all labels right']);
      const f1 = macroF1(r);
      if (f1 !== undefined) cards.push(['macro F1', pct(f1), against.id && b && macroF1(b) !== undefined ? `${w} ${pct(macroF1(b))}` : 'mean over labels']);
    } else {
      cards.push(['accuracy', pct(r.accuracy), b ? `${w} ${pct(b.accuracy)}` : undefined]);
      if (r.topK) cards.push([`top-${r.topK.k} accuracy`, pct(r.topK.accuracy), b?.topK ? `${w} ${pct(b.topK.accuracy)}` : undefined]);
      const f1 = macroF1(r);
      if (f1 !== undefined) cards.push(['macro F1', pct(f1), against.id && b && macroF1(b) !== undefined ? `${w} ${pct(macroF1(b))}` : 'mean over classes']);
    }
    cards.push(['loss', num(r.loss, 4), b ? `${w} ${num(b.loss, 4)}` : undefined]);
    return h('div', { class: 'stats', id: `headline${against.id}` }, ...cards.map(([label, value, sub]) => h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), sub ? h('div', { class: 'stat-sub muted' }, sub) : null)));
  }

  private comparison(r: EvaluationReport, b: EvaluationReport): HTMLElement {
    const fr = (v: number | undefined): string => pct(v);
    const nr = (v: number | undefined): string => num(v, 4);
    const rows: Row[] = r.task === 'regression'
      ? [
        { name: 'MAE', a: r.mae, b: b.mae, fmt: nr, higherIsBetter: false, fraction: false },
        { name: 'RMSE', a: r.rmse, b: b.rmse, fmt: nr, higherIsBetter: false, fraction: false },
      ]
      : [
        { name: r.task === 'multi-label' ? 'label accuracy' : 'accuracy', a: r.accuracy, b: b.accuracy, fmt: fr, higherIsBetter: true, fraction: true },
        ...(r.topK ? [{ name: `top-${r.topK.k} accuracy`, a: r.topK.accuracy, b: b.topK?.accuracy, fmt: fr, higherIsBetter: true, fraction: true }] : []),
        ...(macroF1(r) !== undefined ? [{ name: 'macro F1', a: macroF1(r), b: macroF1(b), fmt: fr, higherIsBetter: true, fraction: true }] : []),
      ];
    rows.push({ name: 'loss', a: r.loss ?? undefined, b: b.loss ?? undefined, fmt: nr, higherIsBetter: false, fraction: false });
    const bar = (v: number | undefined, max: number, cls: string): HTMLElement => {
      const el = h('span', { class: `cmp-bar ${cls}` });
      el.style.width = `${isNum(v) && max > 0 ? Math.max(0, Math.min(1, v / max)) * 100 : 0}%`;
      return el;
    };
    return h('div', { class: 'comparison' },
      h('h3', {}, 'Transferred vs from scratch', h('span', { class: 'muted h-sub' }, 'the same network trained from random weights on the same split')),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data compare', id: 'baseline-comparison' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col', class: 'num' }, 'transferred'), h('th', { scope: 'col', class: 'num' }, 'from scratch'), h('th', { scope: 'col', class: 'num' }, 'difference'), h('th', { scope: 'col', class: 'bars-col' }, h('span', { class: 'legend-item' }, h('span', { class: 'swatch transferred' }), 'transferred'), h('span', { class: 'legend-item' }, h('span', { class: 'swatch scratch' }), 'from scratch')))),
        h('tbody', {}, ...rows.map((row) => {
          const diff = isNum(row.a) && isNum(row.b) ? row.a - row.b : undefined;
          const better = diff === undefined || diff === 0 ? '' : (diff > 0) === row.higherIsBetter ? 'better' : 'worse';
          const max = row.fraction ? 1 : Math.max(row.a ?? 0, row.b ?? 0);
          const diffText = diff === undefined ? '–' : row.fraction ? `${diff >= 0 ? '+' : '−'}${(Math.abs(diff) * 100).toFixed(1)} pt` : `${diff >= 0 ? '+' : '−'}${Math.abs(diff).toFixed(4)}`;
          return h('tr', {},
            h('th', { scope: 'row' }, row.name),
            h('td', { class: 'num strong' }, row.fmt(row.a)),
            h('td', { class: 'num' }, row.fmt(row.b)),
            h('td', { class: `num diff ${better}`, title: better ? `transferred is ${better}` : '' }, diffText),
            h('td', { class: 'bars-col', 'aria-hidden': 'true' }, h('div', { class: 'cmp' }, bar(row.a, max, 'transferred'), bar(row.b, max, 'scratch'))));
        })))));
  }

  private confusion(r: EvaluationReport, idSuffix = ''): HTMLElement {
    const m = r.confusion ?? [];
    const labels = r.labels ?? [];
    const n = Math.max(labels.length, m.length);
    const label = (i: number): string => labels[i] ?? `#${i}`;
    const many = n > 6 || labels.some((l) => l.length > 8);
    const table = h('table', { class: `confusion${many ? ' vertical' : ''}`, id: `confusion${idSuffix}` },
      h('caption', { class: 'muted' }, 'Rows: true class · columns: predicted class · shade: share of the row (green: right, red: wrong)'));
    table.append(h('thead', {}, h('tr', {},
      h('th', { class: 'corner', scope: 'col' }, h('span', { class: 'muted' }, 'true ↓ predicted →')),
      ...Array.from({ length: n }, (_v, j) => h('th', { class: 'col', scope: 'col', title: label(j) }, h('span', {}, label(j)))),
      h('th', { class: 'col total', scope: 'col', title: 'recall: right / all of the row' }, h('span', {}, 'recall')))));
    const body = h('tbody');
    for (let i = 0; i < m.length; i++) {
      const row = Array.isArray(m[i]) ? m[i]! : [];
      const total = row.reduce((a, v) => a + (isNum(v) ? v : 0), 0);
      const tr = h('tr', {}, h('th', { class: 'rowhead', scope: 'row', title: label(i) }, label(i)));
      for (let j = 0; j < n; j++) {
        const v = isNum(row[j]) ? row[j]! : 0;
        const share = total > 0 ? v / total : 0;
        const kind = v === 0 ? 'zero' : i === j ? 'right' : 'wrong';
        const td = h('td', { class: `${kind}${share >= 0.55 ? ' strong' : ''}`, title: `true ${label(i)}, predicted ${label(j)}: ${v} (${pct(share)} of ${label(i)})`, 'aria-label': `true ${label(i)}, predicted ${label(j)}: ${v}` }, String(v));
        td.style.setProperty('--share', String(share));
        tr.append(td);
      }
      const recall = total > 0 && isNum(row[i]) ? row[i]! / total : undefined;
      tr.append(h('td', { class: 'total' }, pct(recall, 0)));
      body.append(tr);
    }
    table.append(body);
    return h('div', { class: 'table-scroll confusion-scroll', tabindex: '0', 'aria-label': 'Confusion matrix (scrollable)' }, table);
  }

  private perClass(r: EvaluationReport, b: EvaluationReport | undefined, against: Against): HTMLElement {
    const pc = r.perClass ?? [];
    const fbar = (v: number): HTMLElement => {
      const el = h('span', { class: 'f1-bar' });
      el.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
      return h('span', { class: 'f1-track', 'aria-hidden': 'true' }, el);
    };
    const scratch = new Map((b?.perClass ?? []).map((c) => [c.label, c.f1] as const));
    return h('div', { class: 'table-scroll', tabindex: '0', 'aria-label': 'Per-class scores (scrollable)' }, h('table', { class: 'data per-class', id: `per-class${against.id}` },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, r.task === 'multi-label' ? 'label' : 'class'),
        h('th', { class: 'num', scope: 'col' }, 'precision'), h('th', { class: 'num', scope: 'col' }, 'recall'), h('th', { class: 'num', scope: 'col' }, 'F1'), h('th', { scope: 'col' }, ''),
        h('th', { class: 'num', scope: 'col' }, 'support'),
        ...(b?.perClass ? [h('th', { class: 'num', scope: 'col' }, `F1 ${against.word}`)] : []))),
      h('tbody', {}, ...pc.map((c) => h('tr', { class: isNum(c.f1) && c.f1 < 0.5 ? 'weak' : '' },
        h('th', { scope: 'row' }, c.label),
        h('td', { class: 'num' }, pct(c.precision)), h('td', { class: 'num' }, pct(c.recall)), h('td', { class: 'num strong' }, pct(c.f1)), h('td', { class: 'f1-cell' }, fbar(isNum(c.f1) ? c.f1 : 0)),
        h('td', { class: 'num' }, String(c.support ?? '–')),
        ...(b?.perClass ? [h('td', { class: 'num muted' }, pct(scratch.get(c.label)))] : []))))));
  }

  private renderMistakes(thumbnails: Record<string, string>): void {
    this.thumbs = { ...thumbnails };
    for (const { el, report } of this.mistakeViews) this.drawMistakes(el, report, thumbnails);
  }

  private drawMistakes(el: HTMLElement, r: EvaluationReport, thumbnails: Record<string, string>): void {
    const worst = r.worst ?? [];
    el.replaceChildren(...worst.map((w) => {
      const src = thumbnails[w.file];
      return h('button', { class: 'mistake', type: 'button', title: w.file, 'aria-label': `${basename(w.file)}: ${w.trueLabel} predicted as ${w.predicted} with ${pct(w.confidence)} confidence. Open the image.`, onclick: () => this.post({ type: 'openFile', file: w.file }) },
        src ? h('img', { src, alt: '' }) : h('span', { class: 'thumb-placeholder' }, icon('file-media')),
        h('span', { class: 'mistake-labels' }, h('span', { class: 'true-label' }, w.trueLabel), h('span', { class: 'muted' }, ' → '), h('span', { class: 'predicted-label' }, w.predicted)),
        h('span', { class: 'muted mistake-confidence' }, `${pct(w.confidence)} sure`));
    }));
  }

  /** The result of "Try an image…". */
  showPrediction(m: PredictionMessage): void {
    const file = typeof m.file === 'string' ? m.file : '';
    if (m.error) {
      this.tryResult.replaceChildren(h('div', { class: 'banner error slim', role: 'alert' }, icon('error'), h('span', {}, `${basename(file)}: ${String(m.error)}`)));
      return;
    }
    // images only as data: URIs (the CSP allows nothing else; the worker makes them)
    const thumbnail = typeof m.thumbnail === 'string' && m.thumbnail.startsWith('data:image/') ? m.thumbnail : undefined;
    // a detector: the image with its boxes drawn, and the boxes listed
    const boxes = predictedBoxes(m.result?.boxes);
    if (boxes) {
      this.tryResult.replaceChildren(detectionPrediction(file, thumbnail, boxes, m.result?.size, this.shown?.report.detection?.scoreThreshold));
      return;
    }
    const heads = Array.isArray(m.result?.heads) ? m.result.heads.filter((hd) => hd && typeof hd.name === 'string') : [];
    const outputs = (top: { label: string; score: number }[], values: number[] | undefined, label: string): (HTMLElement | null)[] => [
      top.length
        ? h('ol', { class: 'topk', 'aria-label': label }, ...top.map((t, i) => {
          const bar = h('span', { class: `topk-bar${i === 0 ? ' first' : ''}` });
          bar.style.width = `${Math.max(0, Math.min(1, t.score)) * 100}%`;
          return h('li', {}, h('span', { class: 'topk-label' }, t.label), h('span', { class: 'topk-track', 'aria-hidden': 'true' }, bar), h('span', { class: 'topk-score mono' }, pct(t.score)));
        }))
        : null,
      values?.length && !top.length ? h('div', { class: 'mono' }, values.map((v) => num(v, 4)).join(', ')) : null,
    ];
    // a multi-task model: every head's answer, under its name
    const body = heads.length
      ? heads.map((hd) => h('div', { class: 'prediction-head', 'data-head': hd.name }, h('div', { class: 'prediction-head-name' }, hd.name, h('span', { class: 'muted' }, ` · ${hd.task}`)),
        ...outputs(Array.isArray(hd.top) ? hd.top : [], Array.isArray(hd.values) ? hd.values : undefined, `Top predictions of ${hd.name}`)))
      : outputs(m.result?.top ?? [], m.result?.values, 'Top predictions');
    this.tryResult.replaceChildren(h('div', { class: 'prediction' },
      thumbnail ? h('img', { class: 'try-thumb', src: thumbnail, alt: basename(file) }) : h('span', { class: 'try-thumb thumb-placeholder' }, icon('file-media')),
      h('div', { class: 'prediction-body' },
        h('div', { class: 'mono path', title: file }, basename(file)),
        ...body)));
  }
}
