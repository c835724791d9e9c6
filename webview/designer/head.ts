/**
 * Section 3, Head: the new layers on top of the cut. Add (a menu of types), remove, move, and
 * per-layer options; every change posts `setHead` with the whole new head, valid against
 * HeadLayerSchema (the extension drops one that is not, so it is checked here first).
 */
import '@vscode-elements/elements/dist/vscode-context-menu/index.js';
import type { VscodeContextMenu } from '@vscode-elements/elements/dist/vscode-context-menu/vscode-context-menu.js';
import { headInfo } from '../../src/core/headParams';
import { formatCount, formatShape } from '../../src/core/modelSummary';
import type { HeadLayerSpec } from '../../src/core/recipe/schema';
import type { DesignerState } from '../../src/core/protocol/designer';
import { h } from '../shared/vscodeApi';
import { ACTIVATIONS, HEAD_TYPES, headLayerProblem, newHeadLayer, outputActivation } from './defaults';
import { pointer, SelectControl, TextControl, uid, type Form } from './fields';
import { effectiveHead, featureShape, outputCount } from './layers';
import { button, iconButton, message, section, setText } from './ui';

type Patch = Record<string, unknown>;

interface RowView {
  el: HTMLElement;
  controls: (TextControl | SelectControl)[];
  shape: HTMLElement;
  up: HTMLButtonElement;
  down: HTMLButtonElement;
  remove: HTMLButtonElement;
  dispose: (() => void)[];
}

export function headSection(form: Form): HTMLElement {
  const sec = section('head', 'Head', 'The new layers on top of the cut. The last Dense layer without units is sized from the dataset\'s labels.');
  const inputInfo = h('p', { class: 'head-input', id: 'head-input' });
  const defaultNote = h('div', { class: 'head-default', id: 'head-default' });
  const list = h('ol', { class: 'head-list', id: 'head-list', 'aria-label': 'Head layers' });
  const outputInfo = h('p', { class: 'head-output muted', id: 'head-output' });
  const general = h('div', { id: 'head-problems' });
  const localProblem = h('div', { class: 'local-problem', id: 'head-local-problem', hidden: true, 'aria-live': 'polite' });
  form.problems.register('/head', general);

  // the "Add layer" menu
  const menu = document.createElement('vscode-context-menu') as VscodeContextMenu;
  menu.id = 'head-add-menu';
  menu.data = HEAD_TYPES.map((t) => ({ label: t.type, value: t.type, keybinding: t.description }));
  const addButton = button('Add Layer', { icon: 'add', secondary: true, id: 'head-add', title: 'Add a layer to the head (above the output layer)', onClick: () => { menu.show = !menu.show; if (menu.show) requestAnimationFrame(() => menu.focus()); } });
  addButton.setAttribute('aria-haspopup', 'menu');
  menu.addEventListener('vsc-context-menu-select', (e) => {
    const type = (e as CustomEvent<{ value: string }>).detail.value as HeadLayerSpec['type'];
    menu.show = false;
    add(type);
    addButton.focus();
  });
  const resetButton = button('Reset to Default', { secondary: true, id: 'head-reset', title: 'Remove "head" from the recipe: the default head applies', onClick: () => form.set(['head'], undefined) });
  sec.actions.append(h('div', { class: 'menu-anchor' }, addButton, menu), resetButton);
  // a detection recipe builds its own head (engine/tfjs/detection): the builder gives way to a note
  const builder = h('div', { class: 'head-builder' }, inputInfo, defaultNote, general, localProblem, list, outputInfo);
  const detectionNote = h('p', { class: 'muted', id: 'head-detection-note', hidden: true },
    'Detection builds its own head on the cut\'s feature map: a grid of anchors (several objects per image) or a single-object localiser, chosen from the data or by "Detection head" under Data.');
  sec.body.append(detectionNote, builder);
  form.onState((s) => {
    const detecting = s.recipe?.task === 'detection';
    builder.hidden = detecting;
    detectionNote.hidden = !detecting;
    sec.actions.hidden = detecting;
  });

  let rows: RowView[] = [];
  let signature = '';

  /** The head as the recipe has it, or the default one it stands for. */
  const current = (): HeadLayerSpec[] => {
    const s = form.state;
    if (!s) return [];
    if (Array.isArray(s.recipe?.head)) return s.recipe.head.map((l) => ({ ...l }));
    const summary = s.model.summary;
    return summary && s.computed ? effectiveHead(s, featureShape(summary, s.computed.cut)).map((l) => ({ ...l })) : [];
  };

  const showLocal = (text: string | undefined): void => {
    localProblem.replaceChildren(...(text ? [message('error', text)] : []));
    localProblem.hidden = !text;
  };

  /** Check the whole head and post it; a message names the first layer that blocks it. */
  const commit = (next: HeadLayerSpec[]): string | undefined => {
    for (let i = 0; i < next.length; i++) {
      const p = headLayerProblem(next[i]!);
      if (p) return `Layer ${i + 1} (${next[i]!.type}): ${p.message}`;
    }
    showLocal(undefined);
    form.post({ type: 'setHead', head: next });
    return undefined;
  };

  const structural = (next: HeadLayerSpec[]): void => {
    showLocal(commit(next));
  };

  const add = (type: HeadLayerSpec['type']): void => {
    const head = current();
    const layer = newHeadLayer(type);
    // new layers go above the output layer (the last Dense sized from the labels)
    const last = head.at(-1);
    const at = last && last.type === 'Dense' && last.units === undefined ? head.length - 1 : head.length;
    head.splice(at, 0, layer);
    structural(head);
  };

  /** The current head with one layer changed (undefined values remove the field). */
  const patched = (i: number, patch: Patch): HeadLayerSpec[] | undefined => {
    const head = current();
    if (!head[i]) return undefined;
    const layer = { ...head[i] } as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete layer[k];
      else layer[k] = v;
    }
    return head.map((l, j) => (j === i ? (layer as HeadLayerSpec) : l));
  };

  /** Why this change cannot be sent yet (the layer's own check first, then the rest of the head). */
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

  const build = (s: DesignerState, head: HeadLayerSpec[]): void => {
    rows.forEach((r) => r.dispose.forEach((d) => d()));
    const lastDense = head.map((l) => l.type).lastIndexOf('Dense');
    rows = head.map((layer, i) => {
      const controls: (TextControl | SelectControl)[] = [];
      const dispose: (() => void)[] = [];
      const fields: HTMLElement[] = [];
      const at = (key: string): unknown => {
        const st = form.state;
        const l = Array.isArray(st?.recipe?.head) ? st.recipe.head[i] : current()[i];
        return l ? (l as Record<string, unknown>)[key] : undefined;
      };
      const num = (key: string, label: string, o: { parse: 'number' | 'integer'; placeholder?: (s: DesignerState) => string; width?: 'xs' | 's' }): void => {
        const c = new TextControl({ label: `${label} of head layer ${i + 1}`, parse: o.parse, width: o.width ?? 's', placeholder: o.placeholder, read: () => at(key), write: (v) => apply(i, { [key]: v }), validate: (v) => check(i, { [key]: v }) });
        controls.push(c);
        fields.push(field(label, c.el, c.local));
        const slot = h('div', { class: 'field-problem' });
        fields[fields.length - 1]!.append(slot);
        dispose.push(form.problems.register(pointer(['head', i, key]), slot, c.el));
      };
      const sel = (key: string, label: string, choices: (s: DesignerState) => { value: string; label: string }[]): void => {
        const c = new SelectControl({ label: `${label} of head layer ${i + 1}`, width: 's', choices, read: () => String(at(key) ?? ''), write: (v) => apply(i, { [key]: v === '' ? undefined : v }) });
        controls.push(c);
        const slot = h('div', { class: 'field-problem' });
        fields.push(field(label, c.el, slot));
        dispose.push(form.problems.register(pointer(['head', i, key]), slot, c.el));
      };
      const acts = (withDefault: string | undefined): { value: string; label: string }[] => [
        ...(withDefault !== undefined ? [{ value: '', label: `Default (${withDefault})` }] : []),
        ...ACTIVATIONS.map((a) => ({ value: a, label: a })),
      ];
      switch (layer.type) {
        case 'Dense': {
          const isOutput = i === lastDense;
          num('units', 'Units', { parse: 'integer', placeholder: (st) => (isOutput ? (outputCount(st) !== undefined ? `${outputCount(st)} (labels)` : 'from labels') : 'required') });
          sel('activation', 'Activation', (st) => acts(isOutput ? outputActivation(st.recipe?.task) : 'relu'));
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
      const up = iconButton('arrow-up', `Move head layer ${i + 1} up`, () => { const hd = current(); if (i > 0) { [hd[i - 1], hd[i]] = [hd[i]!, hd[i - 1]!]; structural(hd); } });
      const down = iconButton('arrow-down', `Move head layer ${i + 1} down`, () => { const hd = current(); if (i < hd.length - 1) { [hd[i + 1], hd[i]] = [hd[i]!, hd[i + 1]!]; structural(hd); } });
      const remove = iconButton('trash', `Remove head layer ${i + 1}`, () => { const hd = current(); hd.splice(i, 1); structural(hd); });
      up.classList.add('move-up');
      down.classList.add('move-down');
      remove.classList.add('remove');
      const rowSlot = h('div', { class: 'row-problem' });
      dispose.push(form.problems.register(pointer(['head', i]), rowSlot));
      const titleId = uid('ht');
      const el = h(
        'li',
        { class: 'head-row', dataset: { index: String(i), type: layer.type }, 'aria-labelledby': titleId },
        h('span', { class: 'head-index', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'head-type', id: titleId }, layer.type, i === lastDense ? h('span', { class: 'head-tag' }, 'output') : null),
        h('div', { class: 'head-fields' }, ...fields),
        shape,
        h('div', { class: 'head-actions' }, up, down, remove),
        rowSlot,
      );
      return { el, controls, shape, up, down, remove, dispose };
    });
    list.replaceChildren(...rows.map((r) => r.el));
    void s;
  };

  form.onState((s) => {
    const summary = s.model.summary;
    const c = s.computed;
    const features = summary && c ? featureShape(summary, c.cut) : [];
    const inRecipe = Array.isArray(s.recipe?.head);
    const head = inRecipe ? (s.recipe!.head as HeadLayerSpec[]) : summary && c ? effectiveHead(s, features) : [];
    const sig = `${inRecipe}|${head.map((l) => l.type).join(',')}`;
    if (sig !== signature) {
      signature = sig;
      build(s, head);
    }
    for (const r of rows) r.controls.forEach((x) => x.update(s));
    resetButton.hidden = !inRecipe;
    defaultNote.replaceChildren(...(inRecipe ? [] : [message('info', 'The recipe has no "head": this is the default one. Any change here writes it into the recipe.')]));

    const shown = features.length ? formatShape([null, ...features.map((d) => (d < 0 ? null : d))]) : 'unknown until the model is loaded';
    inputInfo.replaceChildren(h('span', { class: 'muted' }, 'Input: '), c ? h('span', { class: 'mono' }, `${c.cut} → ${shown}`) : h('span', { class: 'muted' }, shown));

    let info: ReturnType<typeof headInfo> = [];
    try {
      info = headInfo(head, features, outputCount(s));
    } catch {
      info = [];
    }
    rows.forEach((r, i) => {
      const x = info[i];
      const unsized = !!x && outputCount(s) === undefined && i === head.map((l) => l.type).lastIndexOf('Dense') && (head[i] as { units?: number }).units === undefined;
      setText(r.shape, !x ? '' : unsized ? '→ sized from the labels' : `→ ${formatShape([null, ...x.outputShape])} · ${formatCount(x.trainable + x.nonTrainable)} params`);
      r.up.disabled = i === 0;
      r.down.disabled = i === rows.length - 1;
      r.remove.disabled = rows.length <= 1;
    });
    const outputs = outputCount(s);
    const hasDense = head.some((l) => l.type === 'Dense');
    const task = s.recipe?.task ?? 'single-label';
    outputInfo.textContent = !hasDense
      ? 'No Dense layer: one sized from the labels is added at the end.'
      : `Output: ${outputs !== undefined ? `${outputs} ${task === 'regression' ? 'values' : 'classes'} (from the dataset)` : 'sized from the labels when the dataset is read'}, ${outputActivation(task)} by default for ${task}.`;
  });
  return sec.el;
}

function field(label: string, control: HTMLElement, ...more: HTMLElement[]): HTMLElement {
  return h('div', { class: 'head-field' }, h('label', { class: 'head-field-label', for: control.id }, label), control, ...more);
}
