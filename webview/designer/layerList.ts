/**
 * The layer-list editor: a list of head layers with add (a menu of types), remove, move and
 * per-layer options. The one head, the layers a multi-task recipe's heads share and each head's
 * own layers all use it. Every change commits the whole new list, valid against HeadLayerSchema
 * (the extension drops one that is not, so it is checked here first).
 */
import '@vscode-elements/elements/dist/vscode-context-menu/index.js';
import type { VscodeContextMenu } from '@vscode-elements/elements/dist/vscode-context-menu/vscode-context-menu.js';
import { headInfo } from '../../src/core/headParams';
import { formatCount, formatShape } from '../../src/core/modelSummary';
import type { HeadLayerSpec, Task } from '../../src/core/recipe/schema';
import type { DesignerState } from '../../src/core/protocol/designer';
import { h } from '../shared/vscodeApi';
import { ACTIVATIONS, HEAD_TYPES, headLayerProblem, newHeadLayer, outputActivation } from './defaults';
import { pointer, SelectControl, TextControl, uid, type Form, type JsonPath } from './fields';
import { button, iconButton, message, setText } from './ui';

type Patch = Record<string, unknown>;

export interface LayerListOptions {
  /** Prefix of the element ids: "head" keeps the one head's (head-list, head-add, head-reset…). */
  id: string;
  /** A layer as labels name it: "head layer 3", "shared layer 3", "layer 3 of head colour". */
  layerName(i: number): string;
  listLabel: string;
  /** Where the list is in the recipe: its problems show at PATH/i/field. */
  path: JsonPath;
  /** The layers as the recipe has them; undefined when it has none (`fallback` applies). */
  read(s: DesignerState): HeadLayerSpec[] | undefined;
  /** What an absent list stands for (the engine's default), shown until a change writes it. */
  fallback(s: DesignerState): HeadLayerSpec[];
  /** The last Dense is the output, sized from the labels; false for layers every head shares (each Dense needs units). */
  final: boolean;
  /** The shape the first layer receives, without the batch dimension ([] when unknown). */
  input(s: DesignerState): number[];
  /** The output layer's size (labels or targets) when known. */
  outputs(s: DesignerState): number | undefined;
  task(s: DesignerState): Task;
  /** What feeds the list (the cut layer, "the shared layers"), shown before its shape. */
  inputName(s: DesignerState): string | undefined;
  commit(next: HeadLayerSpec[]): void;
  /** Remove the list from the recipe: its default applies. */
  reset(): void;
  texts: { add: string; reset: string; fallback: string };
  /** The line under the list (undefined: the output line of a final list). */
  footer?(s: DesignerState, layers: HeadLayerSpec[], info: ReturnType<typeof headInfo>): string;
}

export interface LayerList {
  /** The list and its messages. */
  el: HTMLElement;
  /** Add Layer (with its menu) and Reset to Default, for the owner's action bar. */
  actions: HTMLElement[];
  update(s: DesignerState): void;
  /** The output shape of the last layer (what follows the list receives) at the last update. */
  outputShape(): number[];
  dispose(): void;
}

interface RowView {
  el: HTMLElement;
  controls: (TextControl | SelectControl)[];
  shape: HTMLElement;
  up: HTMLButtonElement;
  down: HTMLButtonElement;
  remove: HTMLButtonElement;
  dispose: (() => void)[];
}

export function layerList(form: Form, o: LayerListOptions): LayerList {
  const id = (suffix: string): string => `${o.id}-${suffix}`;
  const inputInfo = h('p', { class: 'head-input', id: id('input') });
  const defaultNote = h('div', { class: 'head-default', id: id('default') });
  const list = h('ol', { class: 'head-list', id: id('list'), 'aria-label': o.listLabel });
  const outputInfo = h('p', { class: 'head-output muted', id: id('output') });
  const general = h('div', { id: id('problems') });
  const localProblem = h('div', { class: 'local-problem', id: id('local-problem'), hidden: true, 'aria-live': 'polite' });
  const unregister: (() => void)[] = [form.problems.register(pointer(o.path), general)];

  // the "Add layer" menu
  const menu = document.createElement('vscode-context-menu') as VscodeContextMenu;
  menu.id = id('add-menu');
  menu.data = HEAD_TYPES.map((t) => ({ label: t.type, value: t.type, keybinding: t.description }));
  const addButton = button('Add Layer', { icon: 'add', secondary: true, id: id('add'), title: o.texts.add, onClick: () => { menu.show = !menu.show; if (menu.show) requestAnimationFrame(() => menu.focus()); } });
  addButton.setAttribute('aria-haspopup', 'menu');
  menu.addEventListener('vsc-context-menu-select', (e) => {
    const type = (e as CustomEvent<{ value: string }>).detail.value as HeadLayerSpec['type'];
    menu.show = false;
    add(type);
    addButton.focus();
  });
  const resetButton = button('Reset to Default', { secondary: true, id: id('reset'), title: o.texts.reset, onClick: () => o.reset() });
  const el = h('div', { class: 'head-builder' }, inputInfo, defaultNote, general, localProblem, list, outputInfo);

  let rows: RowView[] = [];
  let signature = '';
  let lastOutput: number[] = [];

  /** The list as the recipe has it, or the default it stands for. */
  const current = (): HeadLayerSpec[] => {
    const s = form.state;
    if (!s) return [];
    return (o.read(s) ?? o.fallback(s)).map((l) => ({ ...l }));
  };

  /** Index of the output layer (the last Dense of a final list), -1 when none. */
  const outputIndex = (layers: HeadLayerSpec[]): number => (o.final ? layers.map((l) => l.type).lastIndexOf('Dense') : -1);

  const showLocal = (text: string | undefined): void => {
    localProblem.replaceChildren(...(text ? [message('error', text)] : []));
    localProblem.hidden = !text;
  };

  /** Check the whole list and commit it; a message names the first layer that blocks it. */
  const structural = (next: HeadLayerSpec[]): void => {
    for (let i = 0; i < next.length; i++) {
      const p = headLayerProblem(next[i]!);
      if (p) { showLocal(`Layer ${i + 1} (${next[i]!.type}): ${p.message}`); return; }
    }
    showLocal(undefined);
    o.commit(next);
  };

  const add = (type: HeadLayerSpec['type']): void => {
    const layers = current();
    const layer = newHeadLayer(type);
    // new layers go above the output layer (the last Dense sized from the labels)
    const last = layers.at(-1);
    const at = o.final && last && last.type === 'Dense' && last.units === undefined ? layers.length - 1 : layers.length;
    layers.splice(at, 0, layer);
    structural(layers);
  };

  /** The current list with one layer changed (undefined values remove the field). */
  const patched = (i: number, patch: Patch): HeadLayerSpec[] | undefined => {
    const layers = current();
    if (!layers[i]) return undefined;
    const layer = { ...layers[i] } as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete layer[k];
      else layer[k] = v;
    }
    return layers.map((l, j) => (j === i ? (layer as HeadLayerSpec) : l));
  };

  /** Why this change cannot be sent yet (the layer's own check first, then the rest of the list). */
  const check = (i: number, patch: Patch): string | undefined => {
    const next = patched(i, patch);
    if (!next) return undefined;
    const own = headLayerProblem(next[i]!);
    if (own) return own.message;
    for (let j = 0; j < next.length; j++) {
      const p = j === i ? undefined : headLayerProblem(next[j]!);
      if (p) return `fix layer ${j + 1} (${next[j]!.type}) first: ${p.message}`;
    }
    return undefined;
  };

  const apply = (i: number, patch: Patch): void => {
    const next = patched(i, patch);
    if (next) structural(next);
  };

  const disposeRows = (): void => rows.forEach((r) => r.dispose.forEach((d) => d()));

  const build = (layers: HeadLayerSpec[]): void => {
    disposeRows();
    const output = outputIndex(layers);
    rows = layers.map((layer, i) => {
      const controls: (TextControl | SelectControl)[] = [];
      const dispose: (() => void)[] = [];
      const fields: HTMLElement[] = [];
      const name = o.layerName(i);
      const at = (key: string): unknown => {
        const st = form.state;
        const l = (st ? o.read(st) : undefined)?.[i] ?? current()[i];
        return l ? (l as Record<string, unknown>)[key] : undefined;
      };
      const num = (key: string, label: string, opt: { parse: 'number' | 'integer'; placeholder?: (s: DesignerState) => string; width?: 'xs' | 's' }): void => {
        const c = new TextControl({ label: `${label} of ${name}`, parse: opt.parse, width: opt.width ?? 's', placeholder: opt.placeholder, read: () => at(key), write: (v) => apply(i, { [key]: v }), validate: (v) => check(i, { [key]: v }) });
        controls.push(c);
        fields.push(field(label, c.el, c.local));
        const slot = h('div', { class: 'field-problem' });
        fields[fields.length - 1]!.append(slot);
        dispose.push(form.problems.register(pointer([...o.path, i, key]), slot, c.el));
      };
      const sel = (key: string, label: string, choices: (s: DesignerState) => { value: string; label: string }[]): void => {
        const c = new SelectControl({ label: `${label} of ${name}`, width: 's', choices, read: () => String(at(key) ?? ''), write: (v) => apply(i, { [key]: v === '' ? undefined : v }) });
        controls.push(c);
        const slot = h('div', { class: 'field-problem' });
        fields.push(field(label, c.el, slot));
        dispose.push(form.problems.register(pointer([...o.path, i, key]), slot, c.el));
      };
      const acts = (withDefault: string | undefined): { value: string; label: string }[] => [
        ...(withDefault !== undefined ? [{ value: '', label: `Default (${withDefault})` }] : []),
        ...ACTIVATIONS.map((a) => ({ value: a, label: a })),
      ];
      switch (layer.type) {
        case 'Dense': {
          const isOutput = i === output;
          num('units', 'Units', { parse: 'integer', placeholder: (st) => (isOutput ? (o.outputs(st) !== undefined ? `${o.outputs(st)} (${o.task(st) === 'regression' ? 'targets' : 'labels'})` : 'from labels') : 'required') });
          sel('activation', 'Activation', (st) => acts(isOutput ? outputActivation(o.task(st)) : 'relu'));
          num('l2', 'L2', { parse: 'number', placeholder: () => 'none' });
          break;
        }
        case 'Dropout':
          num('rate', 'Rate', { parse: 'number', placeholder: () => '0.2', width: 'xs' });
          break;
        case 'Activation':
          sel('activation', 'Function', () => acts(undefined));
          break;
        case 'BatchNormalization':
          num('momentum', 'Momentum', { parse: 'number', placeholder: () => '0.99' });
          num('epsilon', 'Epsilon', { parse: 'number', placeholder: () => '0.001' });
          break;
        default:
          fields.push(h('span', { class: 'muted no-options' }, 'no options'));
      }
      const shape = h('span', { class: 'head-shape' });
      const up = iconButton('arrow-up', `Move ${name} up`, () => { const l = current(); if (i > 0) { [l[i - 1], l[i]] = [l[i]!, l[i - 1]!]; structural(l); } });
      const down = iconButton('arrow-down', `Move ${name} down`, () => { const l = current(); if (i < l.length - 1) { [l[i + 1], l[i]] = [l[i]!, l[i + 1]!]; structural(l); } });
      const remove = iconButton('trash', `Remove ${name}`, () => { const l = current(); l.splice(i, 1); structural(l); });
      up.classList.add('move-up');
      down.classList.add('move-down');
      remove.classList.add('remove');
      const rowSlot = h('div', { class: 'row-problem' });
      dispose.push(form.problems.register(pointer([...o.path, i]), rowSlot));
      const titleId = uid('ht');
      const row = h(
        'li',
        { class: 'head-row', dataset: { index: String(i), type: layer.type }, 'aria-labelledby': titleId },
        h('span', { class: 'head-index', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'head-type', id: titleId }, layer.type, i === output ? h('span', { class: 'head-tag' }, 'output') : null),
        h('div', { class: 'head-fields' }, ...fields),
        shape,
        h('div', { class: 'head-actions' }, up, down, remove),
        rowSlot,
      );
      return { el: row, controls, shape, up, down, remove, dispose };
    });
    list.replaceChildren(...rows.map((r) => r.el));
  };

  const update = (s: DesignerState): void => {
    const features = o.input(s);
    const own = o.read(s);
    const inRecipe = own !== undefined;
    const layers = own ?? o.fallback(s);
    const sig = `${inRecipe}|${layers.map((l) => l.type).join(',')}`;
    if (sig !== signature) {
      signature = sig;
      build(layers);
    }
    for (const r of rows) r.controls.forEach((x) => x.update(s));
    resetButton.hidden = !inRecipe;
    defaultNote.replaceChildren(...(inRecipe ? [] : [message('info', o.texts.fallback)]));

    const shown = features.length ? formatShape([null, ...features.map((d) => (d < 0 ? null : d))]) : 'unknown until the model is loaded';
    const from = o.inputName(s);
    inputInfo.replaceChildren(h('span', { class: 'muted' }, 'Input: '), from ? h('span', { class: 'mono' }, `${from} → ${shown}`) : h('span', { class: 'muted' }, shown));

    const outputs = o.outputs(s);
    let info: ReturnType<typeof headInfo> = [];
    try {
      info = headInfo(layers, features, o.final ? outputs : undefined);
    } catch {
      info = [];
    }
    lastOutput = info.at(-1)?.outputShape ?? features;
    const output = outputIndex(layers);
    rows.forEach((r, i) => {
      const x = info[i];
      const unsized = !!x && outputs === undefined && i === output && (layers[i] as { units?: number }).units === undefined;
      setText(r.shape, !x ? '' : unsized ? '→ sized from the labels' : `→ ${formatShape([null, ...x.outputShape])} · ${formatCount(x.trainable + x.nonTrainable)} params`);
      r.up.disabled = i === 0;
      r.down.disabled = i === rows.length - 1;
      r.remove.disabled = rows.length <= 1;
    });
    if (o.footer) outputInfo.textContent = o.footer(s, layers, info);
    else {
      const task = o.task(s);
      outputInfo.textContent = !layers.some((l) => l.type === 'Dense')
        ? 'No Dense layer: one sized from the labels is added at the end.'
        : `Output: ${outputs !== undefined ? `${outputs} ${task === 'regression' ? 'values' : 'classes'} (from the dataset)` : 'sized from the labels when the dataset is read'}, ${outputActivation(task)} by default for ${task}.`;
    }
  };

  return {
    el,
    actions: [h('div', { class: 'menu-anchor' }, addButton, menu), resetButton],
    update,
    outputShape: () => lastOutput,
    dispose: () => { disposeRows(); unregister.forEach((d) => d()); },
  };
}

function field(label: string, control: HTMLElement, ...more: HTMLElement[]): HTMLElement {
  return h('div', { class: 'head-field' }, h('label', { class: 'head-field-label', for: control.id }, label), control, ...more);
}
