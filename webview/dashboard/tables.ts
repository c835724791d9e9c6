/** The epoch table, the dataset report and the worker's log. */
import type { DatasetReport, HeadInfo } from '../../src/core/protocol/reports';
import { h } from '../shared/vscodeApi';
import { fmtMetric, fmtRate, fmtSeconds, metricTitle, num, phaseLabel } from './format';
import { headId, headMetricKey } from './multitask';
import type { EpochRow, RunModel } from './runModel';

type ClassCount = DatasetReport['classes'][number];
type Split = 'train' | 'validation' | 'test';

/** Epoch rows are appended as they come; the table is rebuilt only when the columns change. */
export class EpochTable {
  readonly root: HTMLElement;
  private readonly table = h('table', { class: 'data epochs', id: 'epochs', 'aria-label': 'Epochs' });
  private readonly body = h('tbody');
  private readonly empty = h('p', { class: 'muted empty-note' }, 'The first epoch is on its way.');
  private rendered = 0;
  private metric: string | undefined;
  /** A multi-task run's heads: a train and a validation column of each head's metric. */
  private heads?: HeadInfo[];
  private bestRow?: EpochRow;
  private readonly rowEls = new Map<EpochRow, HTMLElement>();

  constructor() {
    this.root = h('div', {}, h('div', { class: 'table-scroll', tabindex: '0', 'aria-label': 'Epochs (scrollable)' }, this.table), this.empty);
  }

  render(model: RunModel): void {
    if (model.metric !== this.metric || model.heads !== this.heads || model.rows.length < this.rendered) this.reset(model.metric, model.heads);
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

  private reset(metric: string | undefined, heads: HeadInfo[] | undefined): void {
    this.metric = metric;
    this.heads = heads;
    this.rendered = 0;
    this.bestRow = undefined;
    this.rowEls.clear();
    this.body.replaceChildren();
    const m = metricTitle(metric);
    const col = (text: string, title?: string): HTMLElement => h('th', { class: 'num', scope: 'col', title }, text);
    const figures = heads
      ? [col('loss', 'the weighted sum of the heads\' losses'), col('val loss'), ...heads.flatMap((hd) => [col(`${hd.name} ${metricTitle(hd.metric)}`), col(`val ${hd.name} ${metricTitle(hd.metric)}`)])]
      : [col('loss'), col(m), col('val loss'), col(`val ${m}`)];
    this.table.replaceChildren(
      h('thead', {}, h('tr', {},
        h('th', { class: 'num', scope: 'col' }, 'epoch'), h('th', { scope: 'col' }, 'phase'),
        ...figures,
        h('th', { class: 'num', scope: 'col' }, 'learning rate'), h('th', { class: 'num', scope: 'col' }, 'time'))),
      this.body,
    );
  }

  private row(r: EpochRow): HTMLElement {
    const m = this.metric;
    const heads = this.heads;
    const headCell = (hd: HeadInfo, key: string): HTMLElement => h('td', { class: 'num' }, fmtMetric(hd.metric, r.logs[key]));
    const figures = heads
      ? [h('td', { class: 'num' }, num(r.logs.loss, 4)), h('td', { class: 'num' }, num(r.logs.val_loss, 4)), ...heads.flatMap((hd) => [headCell(hd, headMetricKey(hd)), headCell(hd, `val_${headMetricKey(hd)}`)])]
      : [
        h('td', { class: 'num' }, num(r.logs.loss, 4)),
        h('td', { class: 'num' }, m ? fmtMetric(m, r.logs[m]) : '–'),
        h('td', { class: 'num' }, num(r.logs.val_loss, 4)),
        h('td', { class: 'num' }, m ? fmtMetric(m, r.logs[`val_${m}`]) : '–'),
      ];
    return h('tr', { class: `phase-${r.phase}` },
      h('td', { class: 'num' }, `${r.epoch}`, h('span', { class: 'muted' }, `/${r.epochs || '?'}`)),
      h('td', {}, h('span', { class: `phase-chip ${r.phase}` }, phaseLabel(r.phase, !!heads)), h('span', { class: 'best-mark', title: 'best checkpoint' }, ' ★ best')),
      ...figures,
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
    const heads = report.heads;
    const parts: (HTMLElement | null)[] = [
      h('div', { class: 'dataset-summary' },
        h('span', { class: 'mono path', title: report.source }, report.source),
        h('span', { class: 'muted' }, [heads ? `${heads.length} heads` : `${classes.length} ${report.task === 'regression' ? 'targets' : 'classes'}`, ...splits.map((k) => `${total[k]} ${k}`), size, report.preprocess ? `preprocess ${report.preprocess}` : '', report.streaming ? 'streamed from disk' : ''].filter(Boolean).join(' · '))),
      ...(report.warnings ?? []).map((w) => h('div', { class: 'banner warning slim' }, h('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), h('span', {}, w))),
      // a multi-task dataset: each head's classes (or, for regression, how many images have its targets)
      ...(heads ? heads.map((hd) => this.headBlock(report, hd, splits, thumbnails)) : []),
      !heads && classes.length && report.task !== 'regression'
        ? classList(classes, splits, max, (c) => thumbnails[report.examples?.[c.label]?.[0] ?? ''], 'Images per class and split')
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

  private headBlock(report: DatasetReport, hd: NonNullable<DatasetReport['heads']>[number], splits: Split[], thumbnails: Record<string, string>): HTMLElement {
    const labelled = splits.map((k) => `${hd.labelled[k]} ${k}`).join(' · ');
    const regression = hd.task === 'regression';
    // regression: images with each target (or with the head's label at all when none are listed)
    const rows: ClassCount[] = hd.classes.length ? hd.classes : [{ label: 'labelled', ...hd.labelled }];
    const max = Math.max(1, ...rows.map((c) => c.train + c.validation + c.test));
    const kind = regression ? `target${hd.classes.length === 1 ? '' : 's'}` : `class${hd.classes.length === 1 ? '' : 'es'}`;
    return h('div', { class: 'dataset-head', id: `dataset-head-${headId(hd.name)}`, 'data-head': hd.name },
      h('h3', {}, h('span', { class: 'head-name' }, hd.name), h('span', { class: 'muted h-sub' }, `${hd.task}${hd.classes.length ? ` · ${hd.classes.length} ${kind}` : ''} · labelled: ${labelled}`)),
      // the worker lists a multi-task dataset's examples under "all": per-class thumbnails only when it names them
      classList(rows, splits, max, (c) => thumbnails[headExample(report, hd.name, c.label) ?? ''], `${hd.name}: images per ${regression ? 'target' : 'class'} and split`, regression || !hd.classes.some((c) => headExample(report, hd.name, c.label))));
  }

  /** One example per class, for the small thumbnails beside the bars. */
  exampleFiles(report: DatasetReport): string[] {
    const files = report.heads
      ? report.heads.flatMap((hd) => hd.classes.map((c) => headExample(report, hd.name, c.label)))
      : (report.classes ?? []).map((c) => report.examples?.[c.label]?.[0]);
    return [...new Set(files.filter((f): f is string => typeof f === 'string'))].slice(0, 64);
  }
}

/** A head's example of a class: the report names multi-task examples "head:label" (or by the label alone). */
function headExample(report: DatasetReport, head: string, label: string): string | undefined {
  return report.examples?.[`${head}:${label}`]?.[0] ?? report.examples?.[label]?.[0];
}

/** Bars of images per class and split, with a thumbnail per class when one is at hand. */
function classList(classes: ClassCount[], splits: Split[], max: number, thumb: (c: ClassCount) => string | undefined, label: string, noThumbs = false): HTMLElement {
  return h('div', { class: 'class-list', role: 'table', 'aria-label': label },
    h('div', { class: 'class-legend muted', role: 'row' }, ...splits.map((k) => h('span', { class: 'legend-item', role: 'columnheader' }, h('span', { class: `swatch ${k}` }), k))),
    ...classes.map((c) => {
      const src = noThumbs ? undefined : thumb(c);
      return h('div', { class: 'class-row', role: 'row', title: `${c.label}: ${c.train} train, ${c.validation} validation, ${c.test} test` },
        src ? h('img', { class: 'class-thumb', src, alt: '' }) : h('span', { class: `class-thumb placeholder${noThumbs ? ' none' : ''}` }),
        h('span', { class: 'class-label', role: 'rowheader' }, c.label),
        h('span', { class: 'class-bar', 'aria-hidden': 'true' }, ...splits.map((k) => {
          const seg = h('span', { class: `seg ${k}` });
          seg.style.width = `${((c[k] || 0) / max) * 100}%`;
          return seg;
        })),
        h('span', { class: 'class-counts mono', role: 'cell' }, splits.map((k) => c[k] ?? 0).join(' / ')));
    }));
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
