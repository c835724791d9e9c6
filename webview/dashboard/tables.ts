/** The epoch table, the dataset report and the worker's log. */
import type { DatasetReport } from '../../src/core/protocol/reports';
import { h } from '../shared/vscodeApi';
import { fmtMetric, fmtRate, fmtSeconds, metricTitle, num, phaseLabel } from './format';
import type { EpochRow, RunModel } from './runModel';

/** Epoch rows are appended as they come; the table is rebuilt only when the columns change. */
export class EpochTable {
  readonly root: HTMLElement;
  private readonly table = h('table', { class: 'data epochs', id: 'epochs', 'aria-label': 'Epochs' });
  private readonly body = h('tbody');
  private readonly empty = h('p', { class: 'muted empty-note' }, 'The first epoch is on its way.');
  private rendered = 0;
  private metric: string | undefined;
  private bestRow?: EpochRow;
  private readonly rowEls = new Map<EpochRow, HTMLElement>();

  constructor() {
    this.root = h('div', {}, h('div', { class: 'table-scroll', tabindex: '0', 'aria-label': 'Epochs (scrollable)' }, this.table), this.empty);
  }

  render(model: RunModel): void {
    if (model.metric !== this.metric || model.rows.length < this.rendered) this.reset(model.metric);
    for (; this.rendered < model.rows.length; this.rendered++) {
      const r = model.rows[this.rendered]!;
      const tr = this.row(r);
      this.rowEls.set(r, tr);
      this.body.append(tr);
    }
    const best = model.rows.find((r) => r.best);
    if (best !== this.bestRow) {
      if (this.bestRow) this.rowEls.get(this.bestRow)?.classList.remove('best');
      if (best) this.rowEls.get(best)?.classList.add('best');
      this.bestRow = best;
    }
    this.empty.classList.toggle('hidden', model.rows.length > 0);
    this.table.classList.toggle('hidden', model.rows.length === 0);
  }

  private reset(metric: string | undefined): void {
    this.metric = metric;
    this.rendered = 0;
    this.bestRow = undefined;
    this.rowEls.clear();
    this.body.replaceChildren();
    const m = metricTitle(metric);
    this.table.replaceChildren(
      h('thead', {}, h('tr', {},
        h('th', { class: 'num', scope: 'col' }, 'epoch'), h('th', { scope: 'col' }, 'phase'),
        h('th', { class: 'num', scope: 'col' }, 'loss'), h('th', { class: 'num', scope: 'col' }, m),
        h('th', { class: 'num', scope: 'col' }, 'val loss'), h('th', { class: 'num', scope: 'col' }, `val ${m}`),
        h('th', { class: 'num', scope: 'col' }, 'learning rate'), h('th', { class: 'num', scope: 'col' }, 'time'))),
      this.body,
    );
  }

  private row(r: EpochRow): HTMLElement {
    const m = this.metric;
    return h('tr', { class: `phase-${r.phase}` },
      h('td', { class: 'num' }, `${r.epoch}`, h('span', { class: 'muted' }, `/${r.epochs || '?'}`)),
      h('td', {}, h('span', { class: `phase-chip ${r.phase}` }, phaseLabel(r.phase)), h('span', { class: 'best-mark', title: 'best checkpoint' }, ' ★ best')),
      h('td', { class: 'num' }, num(r.logs.loss, 4)),
      h('td', { class: 'num' }, m ? fmtMetric(m, r.logs[m]) : '–'),
      h('td', { class: 'num' }, num(r.logs.val_loss, 4)),
      h('td', { class: 'num' }, m ? fmtMetric(m, r.logs[`val_${m}`]) : '–'),
      h('td', { class: 'num' }, fmtRate(r.logs.learning_rate)),
      h('td', { class: 'num' }, fmtSeconds(r.durationMs)));
  }
}

export class DatasetView {
  readonly root = h('div', { id: 'dataset' }, h('p', { class: 'muted' }, 'Reading the dataset…'));
  private shown?: DatasetReport;
  private thumbs: Record<string, string> = {};

  render(report: DatasetReport | undefined, thumbnails: Record<string, string>): void {
    const thumbsChanged = report && this.exampleFiles(report).some((f) => thumbnails[f] && !this.thumbs[f]);
    if (!report || (report === this.shown && !thumbsChanged)) return;
    this.shown = report;
    this.thumbs = { ...thumbnails };
    const classes = Array.isArray(report.classes) ? report.classes : [];
    const total = report.total ?? { train: 0, validation: 0, test: 0 };
    const max = Math.max(1, ...classes.map((c) => (c.train || 0) + (c.validation || 0) + (c.test || 0)));
    const splits = (['train', 'validation', 'test'] as const).filter((k) => (total[k] ?? 0) > 0);
    const size = Array.isArray(report.imageSize) ? `${report.imageSize[0]}×${report.imageSize[1]}×${report.channels}` : '';
    const parts: (HTMLElement | null)[] = [
      h('div', { class: 'dataset-summary' },
        h('span', { class: 'mono path', title: report.source }, report.source),
        h('span', { class: 'muted' }, [`${classes.length} ${report.task === 'regression' ? 'targets' : 'classes'}`, ...splits.map((k) => `${total[k]} ${k}`), size, report.preprocess ? `preprocess ${report.preprocess}` : '', report.streaming ? 'streamed from disk' : ''].filter(Boolean).join(' · '))),
      ...(report.warnings ?? []).map((w) => h('div', { class: 'banner warning slim' }, h('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), h('span', {}, w))),
      classes.length && report.task !== 'regression'
        ? h('div', { class: 'class-list', role: 'table', 'aria-label': 'Images per class and split' },
          h('div', { class: 'class-legend muted', role: 'row' }, ...splits.map((k) => h('span', { class: 'legend-item', role: 'columnheader' }, h('span', { class: `swatch ${k}` }), k))),
          ...classes.map((c) => {
            const example = report.examples?.[c.label]?.[0];
            const src = example ? thumbnails[example] : undefined;
            return h('div', { class: 'class-row', role: 'row', title: `${c.label}: ${c.train} train, ${c.validation} validation, ${c.test} test` },
              src ? h('img', { class: 'class-thumb', src, alt: '' }) : h('span', { class: 'class-thumb placeholder' }),
              h('span', { class: 'class-label', role: 'rowheader' }, c.label),
              h('span', { class: 'class-bar', 'aria-hidden': 'true' }, ...splits.map((k) => {
                const seg = h('span', { class: `seg ${k}` });
                seg.style.width = `${((c[k] || 0) / max) * 100}%`;
                return seg;
              })),
              h('span', { class: 'class-counts mono', role: 'cell' }, splits.map((k) => c[k] ?? 0).join(' / ')));
          }))
        : null,
      report.skipped?.length
        ? h('details', { class: 'skipped', id: 'skipped' },
          h('summary', {}, `${report.skipped.length} file${report.skipped.length === 1 ? '' : 's'} skipped`),
          h('ul', {}, ...report.skipped.slice(0, 200).map((s) => h('li', {}, h('span', { class: 'mono' }, s.file), h('span', { class: 'muted' }, ` — ${s.reason}`)))),
          report.skipped.length > 200 ? h('p', { class: 'muted' }, `and ${report.skipped.length - 200} more`) : null)
        : null,
    ];
    this.root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  /** One example per class, for the small thumbnails beside the bars. */
  exampleFiles(report: DatasetReport): string[] {
    return (report.classes ?? []).map((c) => report.examples?.[c.label]?.[0]).filter((f): f is string => typeof f === 'string').slice(0, 64);
  }
}

export class LogView {
  readonly root: HTMLElement;
  private readonly list = h('ol', { class: 'log mono', id: 'log' });
  private readonly summary = h('summary', {}, 'Log');
  private rendered = 0;

  constructor() {
    this.root = h('details', { class: 'log-section' }, this.summary, this.list);
  }

  render(model: RunModel): void {
    if (model.logTotal < this.rendered) {
      this.list.replaceChildren();
      this.rendered = 0;
    }
    const start = model.firstT ?? 0;
    const first = model.logTotal - model.logs.length;
    for (this.rendered = Math.max(this.rendered, first); this.rendered < model.logTotal; this.rendered++) {
      const l = model.logs[this.rendered - first]!;
      const at = typeof l.t === 'number' ? `+${((l.t - start) / 1000).toFixed(1)}s` : '';
      this.list.append(h('li', { class: `log-${l.level}` }, h('span', { class: 'muted log-time' }, at), h('span', { class: 'log-level' }, l.level), h('span', {}, String(l.message))));
    }
    while (this.list.childElementCount > 500) this.list.firstElementChild?.remove();
    const warnings = model.logs.filter((l) => l.level === 'warn' || l.level === 'error').length;
    this.summary.textContent = `Log (${model.logTotal} message${model.logTotal === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''})`;
  }
}
