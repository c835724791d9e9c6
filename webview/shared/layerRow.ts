/**
 * One row of the layer table: built once per model (name with its indent and twisty, class,
 * output shape, parameters; in the designer a trainable checkbox and a "Cut here" action), then
 * decorated in place with what the recipe does to it — touching the DOM only when that changes.
 */
import { formatCount, formatShape, type LayerSummary } from '../../src/core/modelSummary';
import { h } from './vscodeApi';

/** What the recipe does to the model's layers (design mode). */
export interface LayerDecor {
  cut: string;
  cutIsDefault: boolean;
  /** Leaf layers at or below the cut. */
  base: ReadonlySet<string>;
  frozen: ReadonlySet<string>;
}

export interface Row {
  layer: LayerSummary;
  depth: number;
  parent: number;
  /** Leaf layers of this row (itself for a leaf), InputLayers excluded. */
  leaves: string[];
  tr: HTMLTableRowElement;
  check?: HTMLInputElement;
  cut?: HTMLButtonElement;
  status?: HTMLElement;
  twisty?: HTMLElement;
  /** The state the row was last decorated with, to touch the DOM only on change. */
  shown: string;
  checked: boolean;
  mixed: boolean;
}

export const isInput = (l: LayerSummary): boolean => l.className === 'InputLayer';

export function leavesOf(l: LayerSummary): string[] {
  if (!l.layers) return isInput(l) ? [] : [l.name];
  return l.layers.flatMap(leavesOf);
}

function params(l: LayerSummary): number {
  return l.trainableParams + l.nonTrainableParams;
}

export function buildRow(layer: LayerSummary, depth: number, parent: number, index: number, design: boolean): Row {
  const container = !!layer.layers;
  const tr = document.createElement('tr');
  tr.className = 'layer-row';
  tr.tabIndex = -1;
  tr.dataset.row = String(index);
  tr.dataset.layer = layer.name;
  tr.setAttribute('role', 'row');
  tr.setAttribute('aria-level', String(depth + 1));
  if (container) tr.setAttribute('aria-expanded', 'true');
  const row: Row = { layer, depth, parent, leaves: leavesOf(layer), tr, shown: '', checked: false, mixed: false };

  if (design) {
    const td = cell('c-check');
    if (!isInput(layer)) {
      const check = document.createElement('input');
      check.type = 'checkbox';
      check.className = 'trainable-check';
      check.tabIndex = -1;
      check.setAttribute('aria-label', `Trainable: ${layer.name}`);
      td.append(check);
      row.check = check;
    }
    tr.append(td);
  }

  const name = cell('c-name');
  const indent = document.createElement('span');
  indent.className = 'indent';
  indent.style.width = `${depth * 16}px`;
  name.append(indent);
  const twisty = document.createElement('span');
  twisty.className = container ? 'twisty codicon codicon-chevron-down' : 'twisty';
  twisty.setAttribute('aria-hidden', 'true');
  name.append(twisty);
  if (container) row.twisty = twisty;
  const label = document.createElement('span');
  label.className = 'layer-name';
  label.textContent = layer.name;
  label.title = layer.name;
  name.append(label);
  if (container) {
    const count = document.createElement('span');
    count.className = 'layer-count';
    count.textContent = `${row.leaves.length} layers`;
    name.append(count);
  }
  tr.append(name);

  const cls = cell('c-class');
  cls.textContent = layer.className;
  tr.append(cls);
  const shape = cell('c-shape');
  shape.textContent = formatShape(layer.outputShape);
  tr.append(shape);
  const p = cell('c-params');
  const n = params(layer);
  p.textContent = n === 0 ? '–' : formatCount(n);
  if (n === 0) p.classList.add('zero');
  if (layer.nonTrainableParams > 0) p.title = `${formatCount(layer.trainableParams)} trainable, ${formatCount(layer.nonTrainableParams)} non-trainable (e.g. BatchNorm moving statistics)`;
  tr.append(p);

  const status = cell('c-status');
  if (design) {
    const state = document.createElement('span');
    state.className = 'row-state';
    status.append(state);
    row.status = state;
    if (!isInput(layer)) {
      const cut = document.createElement('button');
      cut.type = 'button';
      cut.className = 'row-action cut-here';
      cut.tabIndex = -1;
      cut.textContent = 'Cut here';
      cut.title = `Use the output of ${layer.name} as the features the new head sits on`;
      status.append(cut);
      row.cut = cut;
    }
  } else if (!isInput(layer)) {
    const frozen = container ? !layer.layers!.some((l) => l.trainable) : !layer.trainable;
    if (frozen) {
      status.append(badge('frozen', 'No', 'codicon-lock'));
      tr.classList.add('frozen');
    } else {
      const yes = document.createElement('span');
      yes.className = 'trainable-yes codicon codicon-check';
      yes.title = 'Trainable';
      status.append(yes, h('span', { class: 'sr-only' }, 'yes'));
    }
  }
  tr.append(status);
  return row;
}

/** Apply what the recipe does to one row (design mode). */
export function decorateRow(row: Row, decor: LayerDecor | undefined): void {
    let state = 'plain';
    let checked = false;
    let mixed = false;
    let disabled = true;
    if (decor && !isInput(row.layer)) {
      const inBase = row.leaves.filter((n) => decor.base.has(n));
      const trainable = inBase.filter((n) => !decor.frozen.has(n)).length;
      if (row.leaves.length > 0 && inBase.length === 0) state = 'removed';
      else if (inBase.length > 0 && trainable === 0) state = 'frozen';
      else if (trainable < inBase.length) state = 'mixed';
      else if (inBase.length > 0) state = 'trainable';
      checked = trainable > 0 && trainable === inBase.length;
      mixed = trainable > 0 && trainable < inBase.length;
      disabled = inBase.length === 0;
    }
    const isCut = !!decor && row.layer.name === decor.cut;
    const key = `${state}|${checked}|${mixed}|${disabled}|${isCut}|${isCut && decor?.cutIsDefault}`;
    if (key === row.shown) return;
    row.shown = key;
    const cl = row.tr.classList;
    cl.toggle('frozen', state === 'frozen');
    cl.toggle('mixed', state === 'mixed');
    cl.toggle('removed', state === 'removed');
    cl.toggle('is-cut', isCut);
    row.checked = checked;
    row.mixed = mixed;
    if (row.check) {
      row.check.checked = checked;
      row.check.indeterminate = mixed;
      row.check.disabled = disabled;
      row.check.title = disabled ? 'Removed by the cut: not part of the adapted model' : checked ? 'Trainable (uncheck to freeze)' : mixed ? 'Partly frozen (check to make every layer inside trainable)' : 'Frozen (check to train it)';
    }
    if (row.status) {
      row.status.replaceChildren();
      if (isCut) {
        row.status.append(badge('cut', decor!.cutIsDefault ? 'Cut · default' : 'Cut', 'codicon-debug-breakpoint-log-unverified'));
        if (!decor!.cutIsDefault && row.cut) row.cut.textContent = 'Reset cut';
      } else if (state === 'removed') row.status.append(badge('removed', 'Removed by the cut'));
      else if (state === 'frozen') row.status.append(badge('frozen', 'Frozen', 'codicon-lock'));
      else if (state === 'mixed') row.status.append(badge('mixed', 'Partly frozen'));
      if (!isCut && row.cut) row.cut.textContent = 'Cut here';
      if (row.cut) row.cut.hidden = isCut && decor!.cutIsDefault;
    }
    const desc = isCut ? 'cut layer, ' : '';
    row.tr.setAttribute('aria-label', `${row.layer.name}, ${row.layer.className}, ${desc}${state === 'plain' ? '' : state === 'removed' ? 'removed by the cut' : state}`);
}

function cell(cls: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = cls;
  td.setAttribute('role', 'gridcell');
  return td;
}

function badge(kind: string, text: string, icon?: string): HTMLElement {
  const el = document.createElement('span');
  el.className = `state-badge ${kind}`;
  if (icon) {
    const i = document.createElement('span');
    i.className = `codicon ${icon}`;
    i.setAttribute('aria-hidden', 'true');
    el.append(i);
  }
  el.append(text);
  return el;
}
