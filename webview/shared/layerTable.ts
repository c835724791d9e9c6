/**
 * The layer table both the designer and the model inspector show: a tree grid of a model's layers
 * (nested models indented and expandable) with class, output shape and parameters. In the designer
 * each row also has a trainable checkbox and a "Cut here" action, and rows are decorated with what
 * the recipe does to them (frozen, removed by the cut, the cut itself).
 *
 * Rows are built once per model (`setModel`) and only their classes and checkbox states change on
 * later updates (`decorate`), so a 160-layer MobileNetV2 re-renders in well under a frame.
 * Keyboard: the table is one tab stop; ↑/↓/Home/End move between rows, →/← expand/collapse nested
 * models, Space toggles the row's trainable state, and Tab reaches the focused row's controls.
 */
import type { LayerSummary, ModelSummary } from '../../src/core/modelSummary';
import { buildRow, decorateRow, type LayerDecor, type Row } from './layerRow';
import { h } from './vscodeApi';

export interface LayerTableOptions {
  /** 'design': trainable checkboxes, cut actions and recipe decorations; 'inspect': read-only. */
  mode: 'design' | 'inspect';
  label: string;
  onToggle?(layer: string, trainable: boolean): void;
  onCut?(layer: string): void;
  onResetCut?(): void;
}

export type { LayerDecor } from './layerRow';

/** A stable key of a model's structure: rows are rebuilt only when it changes. */
function structureKey(summary: ModelSummary): string {
  const parts: string[] = [summary.source];
  const walk = (ls: LayerSummary[], d: number): void => ls.forEach((l) => { parts.push(`${d}:${l.name}`); if (l.layers) walk(l.layers, d + 1); });
  walk(summary.layers, 0);
  return parts.join('|');
}

export class LayerTable {
  readonly element: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly empty: HTMLElement;
  private rows: Row[] = [];
  private byName = new Map<string, Row>();
  private key = '';
  private active = 0;
  private readonly collapsed = new Set<string>();
  private filter = '';
  private decor?: LayerDecor;
  /** The row the cut's marker line is drawn under: the cut row, or the last visible row inside it. */
  private cutLine?: Row;

  constructor(private readonly opts: LayerTableOptions) {
    const design = opts.mode === 'design';
    const th = (text: string, cls: string, title?: string): HTMLElement => h('th', { class: cls, scope: 'col', role: 'columnheader', title }, text);
    this.tbody = h('tbody', { role: 'rowgroup' }) as HTMLTableSectionElement;
    const table = h(
      'table',
      { class: `layer-table ${design ? 'design' : 'inspect'}`, role: 'treegrid', 'aria-label': opts.label },
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
        design ? th('Train', 'c-check', 'Trainable (unchecked = frozen)') : null,
        th('Layer', 'c-name'),
        th('Class', 'c-class'),
        th('Output shape', 'c-shape'),
        th('Params', 'c-params'),
        th(design ? 'State' : 'Trainable', 'c-status'),
      )),
      this.tbody,
    );
    this.empty = h('div', { class: 'layer-empty', hidden: true }, 'No layer matches the filter.');
    this.element = h('div', { class: 'layer-table-wrap' }, table, this.empty);
    this.tbody.addEventListener('click', (e) => this.onClick(e));
    this.tbody.addEventListener('change', (e) => this.onChange(e));
    this.tbody.addEventListener('keydown', (e) => this.onKey(e));
    this.tbody.addEventListener('focusin', (e) => {
      const tr = (e.target as HTMLElement).closest('tr');
      const i = tr ? Number(tr.dataset.row) : NaN;
      if (!Number.isNaN(i) && i !== this.active) this.setActive(i, false);
    });
  }

  /** Show a model; rows are rebuilt only when its structure differs from the one shown. */
  setModel(summary: ModelSummary): void {
    const key = structureKey(summary);
    if (key === this.key) return;
    this.key = key;
    this.rows = [];
    this.byName.clear();
    const frag = document.createDocumentFragment();
    const walk = (ls: LayerSummary[], depth: number, parent: number): void => {
      for (const layer of ls) {
        const row = buildRow(layer, depth, parent, this.rows.length, this.opts.mode === 'design');
        this.rows.push(row);
        this.byName.set(layer.name, row);
        frag.append(row.tr);
        if (layer.layers) walk(layer.layers, depth + 1, this.rows.length - 1);
      }
    };
    walk(summary.layers, 0, -1);
    this.tbody.replaceChildren(frag);
    this.active = 0;
    this.cutLine = undefined;
    this.applyVisibility();
    this.setActive(this.firstVisible(), false);
    if (this.decor) { const d = this.decor; this.decor = undefined; this.decorate(d); }
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** Apply what the recipe does to the layers (design mode): classes and checkboxes change in place. */
  decorate(decor: LayerDecor | undefined): void {
    this.decor = decor;
    for (const row of this.rows) decorateRow(row, decor);
    this.updateCutLine();
  }

  /** The cut is after the cut layer's whole subtree: draw the marker under its last visible row. */
  private updateCutLine(): void {
    let target: Row | undefined;
    const cut = this.decor ? this.byName.get(this.decor.cut) : undefined;
    if (cut) {
      const start = Number(cut.tr.dataset.row);
      target = cut;
      for (let i = start + 1; i < this.rows.length; i++) {
        const r = this.rows[i]!;
        let inside = false;
        for (let p = r.parent; p >= 0; p = this.rows[p]!.parent) if (p === start) { inside = true; break; }
        if (!inside) break;
        if (!r.tr.hidden) target = r;
      }
    }
    if (target === this.cutLine) return;
    this.cutLine?.tr.classList.remove('cut-line');
    target?.tr.classList.add('cut-line');
    this.cutLine = target;
  }

  /** Show only rows whose name or class contains `text` (and their parents). */
  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    this.applyVisibility();
  }

  /** Scroll a layer's row into view and focus it. */
  reveal(name: string): void {
    const row = this.byName.get(name);
    if (!row) return;
    for (let p = row.parent; p >= 0; p = this.rows[p]!.parent) this.collapsed.delete(this.rows[p]!.layer.name);
    this.applyVisibility();
    this.setActive(Number(row.tr.dataset.row), true);
  }

  private applyVisibility(): void {
    const f = this.filter;
    const match = new Array<boolean>(this.rows.length).fill(!f);
    if (f) {
      this.rows.forEach((r, i) => {
        if (r.layer.name.toLowerCase().includes(f) || r.layer.className.toLowerCase().includes(f)) {
          for (let j = i; j >= 0 && !match[j]; j = this.rows[j]!.parent) match[j] = true;
        }
      });
    }
    let shown = 0;
    this.rows.forEach((r, i) => {
      let visible = match[i]!;
      // collapsed ancestors hide a row unless a filter is typed (the filter shows matches inside)
      if (visible && !f) for (let p = r.parent; p >= 0; p = this.rows[p]!.parent) if (this.collapsed.has(this.rows[p]!.layer.name)) { visible = false; break; }
      if (r.tr.hidden === visible) r.tr.hidden = !visible;
      if (visible) shown++;
      if (r.twisty) {
        const open = !this.collapsed.has(r.layer.name) || !!f;
        r.twisty.className = `twisty codicon codicon-chevron-${open ? 'down' : 'right'}`;
        r.tr.setAttribute('aria-expanded', String(open));
      }
    });
    this.empty.hidden = shown > 0 || this.rows.length === 0;
    this.updateCutLine();
    if (this.rows[this.active]?.tr.hidden) this.setActive(this.firstVisible(), false);
  }

  private firstVisible(): number {
    const i = this.rows.findIndex((r) => !r.tr.hidden);
    return i < 0 ? 0 : i;
  }

  private setActive(i: number, focus: boolean): void {
    const prev = this.rows[this.active];
    if (prev) {
      prev.tr.tabIndex = -1;
      if (prev.check) prev.check.tabIndex = -1;
      if (prev.cut) prev.cut.tabIndex = -1;
    }
    this.active = i;
    const row = this.rows[i];
    if (!row) return;
    row.tr.tabIndex = 0;
    if (row.check) row.check.tabIndex = 0;
    if (row.cut) row.cut.tabIndex = 0;
    if (focus) {
      row.tr.focus({ preventScroll: true });
      row.tr.scrollIntoView({ block: 'nearest' });
    }
  }

  private toggleCollapsed(row: Row, open?: boolean): void {
    const isOpen = !this.collapsed.has(row.layer.name);
    const next = open ?? !isOpen;
    if (next === isOpen) return;
    if (next) this.collapsed.delete(row.layer.name);
    else this.collapsed.add(row.layer.name);
    this.applyVisibility();
  }

  private rowOf(e: Event): Row | undefined {
    const tr = (e.target as HTMLElement).closest('tr');
    return tr ? this.rows[Number(tr.dataset.row)] : undefined;
  }

  private onClick(e: MouseEvent): void {
    const row = this.rowOf(e);
    if (!row) return;
    const target = e.target as HTMLElement;
    if (target.closest('.cut-here')) {
      if (this.decor && row.layer.name === this.decor.cut) this.opts.onResetCut?.();
      else this.opts.onCut?.(row.layer.name);
      return;
    }
    if (target.closest('.twisty') && row.layer.layers) this.toggleCollapsed(row);
  }

  private onChange(e: Event): void {
    const target = e.target as HTMLInputElement;
    if (!target.classList.contains('trainable-check')) return;
    const row = this.rowOf(e);
    if (!row) return;
    // the recipe decides: show the old state until the new one comes back
    target.checked = row.checked;
    target.indeterminate = row.mixed;
    this.opts.onToggle?.(row.layer.name, !row.checked);
  }

  private onKey(e: KeyboardEvent): void {
    const row = this.rowOf(e);
    if (!row) return;
    const onRow = e.target === row.tr;
    const visible = this.rows.map((_r, i) => i).filter((i) => !this.rows[i]!.tr.hidden);
    const pos = visible.indexOf(this.active);
    const go = (i: number | undefined): void => { if (i !== undefined) { e.preventDefault(); this.setActive(i, true); } };
    switch (e.key) {
      case 'ArrowDown': go(visible[Math.min(pos + 1, visible.length - 1)]); break;
      case 'ArrowUp': go(visible[Math.max(pos - 1, 0)]); break;
      case 'Home': if (onRow) go(visible[0]); break;
      case 'End': if (onRow) go(visible.at(-1)); break;
      case 'PageDown': go(visible[Math.min(pos + 10, visible.length - 1)]); break;
      case 'PageUp': go(visible[Math.max(pos - 10, 0)]); break;
      case 'ArrowRight':
        if (!onRow) break;
        e.preventDefault();
        if (row.layer.layers && this.collapsed.has(row.layer.name)) this.toggleCollapsed(row, true);
        else if (row.layer.layers) go(visible[pos + 1]);
        break;
      case 'ArrowLeft':
        if (!onRow) break;
        e.preventDefault();
        if (row.layer.layers && !this.collapsed.has(row.layer.name)) this.toggleCollapsed(row, false);
        else if (row.parent >= 0) go(row.parent);
        break;
      case ' ':
        if (!onRow) break;
        e.preventDefault();
        if (row.check && !row.check.disabled) this.opts.onToggle?.(row.layer.name, !row.check.checked);
        break;
      case 'Enter':
        if (onRow && row.layer.layers) { e.preventDefault(); this.toggleCollapsed(row); }
        break;
    }
  }
}
