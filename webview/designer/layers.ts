/**
 * Section 2, Layers: the model's layers with a trainable toggle each, the cut, bulk freeze
 * actions, and the parameter totals of the adapted model (base + new head).
 */
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeMultiSelect } from '@vscode-elements/elements/dist/vscode-multi-select/vscode-multi-select.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { headInfo } from '../../src/core/headParams';
import { formatCount, formatShape, walkLayers, type LayerSummary, type ModelSummary } from '../../src/core/modelSummary';
import { completeHead, defaultHead } from '../../src/core/recipe/head';
import type { FreezeRules, HeadLayerSpec } from '../../src/core/recipe/schema';
import type { DesignerState } from '../../src/core/protocol/designer';
import { headOutputs, headsOf, sharedLayers, sharedOutput } from './multitask';
import { probePanel } from './probe';
import { LayerTable } from '../shared/layerTable';
import { richText } from '../shared/richText';
import { h } from '../shared/vscodeApi';
import { uid, type Form } from './fields';
import { button, message, section, setText } from './ui';

export interface Totals {
  trainable: number;
  frozen: number;
  total: number;
  head: number;
  headTrainable: number;
  /** The head's output layer is sized from labels not known yet. */
  outputsUnknown: boolean;
  trainableLayers: number;
  baseLayers: number;
}

function findLayer(layers: LayerSummary[], name: string): LayerSummary | undefined {
  let found: LayerSummary | undefined;
  walkLayers(layers, (l) => { if (!found && l.name === name) found = l; });
  return found;
}

/** The cut layer's output without the batch dimension: what the new head receives. */
export function featureShape(summary: ModelSummary, cut: string): number[] {
  const l = findLayer(summary.layers, cut);
  if (!l || Array.isArray(l.outputShape[0])) return [];
  return (l.outputShape as (number | null)[]).slice(1).map((d) => d ?? -1);
}

/** How many outputs the head's last layer gets: the dataset's labels when known. */
export function outputCount(s: DesignerState): number | undefined {
  const r = s.dataset.status === 'ok' ? s.dataset.report : undefined;
  return r ? r.labels.length : undefined;
}

/** The head the recipe asks for (or the default one), as the engine completes it. */
export function effectiveHead(s: DesignerState, features: number[]): HeadLayerSpec[] {
  const head = Array.isArray(s.recipe?.head) && s.recipe.head.length ? s.recipe.head : defaultHead(features);
  return completeHead(head);
}

/** Parameter totals of the adapted model, from the summary, the frozen set and the head spec. */
export function totals(s: DesignerState): Totals | undefined {
  const summary = s.model.summary;
  const c = s.computed;
  if (!summary || !c) return undefined;
  const base = new Set(c.baseLayers);
  const frozen = new Set(c.frozen);
  let trainable = 0;
  let frozenParams = 0;
  let trainableLayers = 0;
  walkLayers(summary.layers, (l) => {
    if (l.layers || !base.has(l.name)) return;
    if (frozen.has(l.name)) frozenParams += l.trainableParams + l.nonTrainableParams;
    else {
      trainable += l.trainableParams;
      frozenParams += l.nonTrainableParams;
      if (l.trainableParams > 0) trainableLayers++;
    }
  });
  const features = featureShape(summary, c.cut);
  // one head, or the shared layers and each head's own (ending in its output layer)
  const heads = headsOf(s);
  const parts: { layers: HeadLayerSpec[]; input: number[]; outputs: number | undefined }[] = heads
    ? [{ layers: sharedLayers(s, features), input: features, outputs: undefined }, ...heads.map((x, i) => ({ layers: completeHead(x.layers ?? []), input: sharedOutput(s, features), outputs: headOutputs(s, i) }))]
    : [{ layers: effectiveHead(s, features), input: features, outputs: outputCount(s) }];
  let head = 0;
  let headTrainable = 0;
  for (const part of parts) {
    try {
      for (const i of headInfo(part.layers, part.input, part.outputs)) {
        head += i.trainable + i.nonTrainable;
        headTrainable += i.trainable;
        frozenParams += i.nonTrainable;
      }
    } catch {
      // a head the schema rejects: its problems are shown in the head builder
    }
  }
  trainable += headTrainable;
  const outputsUnknown = heads ? heads.some((_, i) => headOutputs(s, i) === undefined) : outputCount(s) === undefined;
  return { trainable, frozen: frozenParams, total: trainable + frozenParams, head, headTrainable, outputsUnknown, trainableLayers, baseLayers: c.baseLayers.length };
}

export function describeRules(f: FreezeRules | undefined): string {
  const r = f ?? {};
  const parts: string[] = [];
  const anyRule = r.upTo !== undefined || r.allButLast !== undefined || (r.classes?.length ?? 0) > 0 || (r.layers?.length ?? 0) > 0;
  if (r.all === true) parts.push('every base layer is frozen');
  else if (r.all === undefined && !anyRule) parts.push('every base layer is frozen (the default: only the new head trains)');
  if (r.upTo !== undefined) parts.push(`frozen up to and including ${r.upTo}`);
  if (r.allButLast !== undefined) parts.push(r.allButLast === 0 ? 'every base layer is frozen (all but the last 0)' : `all but the last ${r.allButLast} layers with weights are frozen`);
  if (r.classes?.length) parts.push(`every ${r.classes.join(', ')} layer is frozen`);
  if (r.layers?.length) parts.push(`${r.layers.length} more frozen by name`);
  if (r.all === false && !anyRule) parts.push('nothing is frozen: the whole base trains');
  if (r.trainable?.length) parts.push(`${r.trainable.length} kept trainable (${r.trainable.slice(0, 3).join(', ')}${r.trainable.length > 3 ? ', …' : ''})`);
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

export function layersSection(form: Form): { el: HTMLElement; table: LayerTable } {
  const sec = section('layers', 'Layers', 'Choose which pre-trained layers keep their weights (frozen) and where the model is cut: the cut layer\'s output feeds the new head; the layers above it are removed.');
  const table = new LayerTable({
    mode: 'design',
    label: 'Layers of the model',
    onToggle: (layer, trainable) => form.post({ type: 'toggleLayer', layer, trainable }),
    onCut: (layer) => form.post({ type: 'setCut', layer }),
    onResetCut: () => form.post({ type: 'setCut', layer: null }),
  });

  // totals
  const stat = (label: string, cls: string): { el: HTMLElement; value: HTMLElement; sub: HTMLElement } => {
    const value = h('div', { class: 'stat-value' });
    const sub = h('div', { class: 'stat-sub' });
    return { el: h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-label' }, label), value, sub), value, sub };
  };
  const sTrain = stat('Trainable', 'trainable');
  const sFrozen = stat('Frozen', 'frozen');
  const sTotal = stat('Total', 'total');
  const barFill = h('div', { class: 'share-fill' });
  const bar = h('div', { class: 'share-bar', role: 'img' }, barFill);
  const totalsEl = h('div', { class: 'totals', id: 'totals', 'aria-live': 'polite' }, h('div', { class: 'stats' }, sTrain.el, sFrozen.el, sTotal.el), bar);

  // bulk actions
  const upTo = document.createElement('vscode-single-select') as VscodeSingleSelect;
  upTo.id = 'freeze-up-to-layer';
  upTo.combobox = true;
  upTo.filter = 'contains';
  upTo.label = 'Layer to freeze up to';
  upTo.classList.add('w-l');
  const count = document.createElement('vscode-textfield') as VscodeTextfield;
  count.id = 'freeze-last-count';
  count.label = 'Number of last layers with weights to keep trainable';
  count.placeholder = 'N';
  count.classList.add('w-xs');
  count.setAttribute('inputmode', 'numeric');
  const classes = document.createElement('vscode-multi-select') as VscodeMultiSelect;
  classes.id = 'freeze-classes';
  classes.label = 'Layer classes to freeze';
  classes.classList.add('w-l');
  const countProblem = h('div', { class: 'local-problem', hidden: true });
  let upToKey = '';
  let classKey = '';

  const group = (title: string, id: string, ...children: (HTMLElement | string)[]): HTMLElement => {
    const labelId = uid('g');
    return h('div', { class: 'bulk-group', role: 'group', 'aria-labelledby': labelId, id }, h('label', { class: 'bulk-label', id: labelId, for: (children.find((c) => typeof c !== 'string' && c.id) as HTMLElement | undefined)?.id }, title), ...children);
  };
  const bulk = h(
    'div',
    { class: 'bulk', role: 'toolbar', 'aria-label': 'Freeze layers in bulk' },
    h('div', { class: 'bulk-group' },
      button('Freeze All', { secondary: true, icon: 'lock', id: 'freeze-all', title: 'Freeze every layer of the base: only the new head trains', onClick: () => form.post({ type: 'freeze', action: 'all' }) }),
      button('Unfreeze All', { secondary: true, icon: 'unlock', id: 'unfreeze-all', title: 'Train every layer of the base (full fine-tuning)', onClick: () => form.post({ type: 'freeze', action: 'none' }) }),
    ),
    group('Freeze up to', 'bulk-up-to', upTo, button('Apply', { secondary: true, id: 'apply-up-to', title: 'Freeze this layer and every layer before it', onClick: () => { if (upTo.value) form.post({ type: 'freeze', action: 'upTo', layer: upTo.value }); } })),
    group('All but last', 'bulk-last', count, button('Apply', {
      secondary: true,
      id: 'apply-last',
      title: 'Freeze every base layer except the last N layers that have weights',
      onClick: () => {
        const n = Number(count.value.trim());
        const bad = count.value.trim() === '' || !Number.isInteger(n) || n < 0;
        countProblem.replaceChildren(...(bad ? [h('span', {}, 'Expected a whole number ≥ 0.')] : []));
        countProblem.hidden = !bad;
        count.invalid = bad;
        if (!bad) form.post({ type: 'freeze', action: 'allButLast', count: n });
      },
    }), countProblem),
    group('Freeze by class', 'bulk-classes', classes, button('Apply', { secondary: true, id: 'apply-classes', title: 'Freeze every layer of the chosen classes; the others train', onClick: () => form.post({ type: 'freeze', action: 'classes', classes: [...classes.value] }) })),
  );

  const rule = h('p', { class: 'rule', id: 'freeze-rule' });
  const cutInfo = h('p', { class: 'cut-info', id: 'cut-info' });
  const cutReason = h('p', { class: 'cut-reason muted', id: 'cut-reason' });
  const freezeProblems = h('div', { id: 'freeze-problems' });
  const cutProblems = h('div', { id: 'cut-problems' });
  const computedError = h('div', { id: 'computed-error' });
  form.problems.register('/freeze', freezeProblems);
  form.problems.register('/cut', cutProblems);

  const filter = document.createElement('vscode-textfield') as VscodeTextfield;
  filter.id = 'layer-filter';
  filter.label = 'Filter layers';
  filter.placeholder = 'Filter layers by name or class';
  filter.classList.add('w-m');
  filter.addEventListener('input', () => table.setFilter(filter.value));
  const legend = h('span', { class: 'legend muted' }, h('kbd', {}, '↑'), h('kbd', {}, '↓'), ' move · ', h('kbd', {}, 'Space'), ' freeze / unfreeze · ', h('kbd', {}, '←'), h('kbd', {}, '→'), ' collapse / expand');
  const tableBar = h('div', { class: 'table-bar' }, filter, legend);

  const placeholder = h('div', { class: 'layers-empty' });
  const probe = probePanel(form);
  sec.body.append(computedError, totalsEl, cutInfo, cutReason, cutProblems, bulk, rule, freezeProblems, tableBar, table.element, placeholder, probe);

  form.onState((s) => {
    const summary = s.model.summary;
    const c = s.computed;
    const ready = s.model.status === 'ok' && !!summary;
    for (const el of [totalsEl, bulk, tableBar, table.element, rule, cutInfo, probe]) el.hidden = !ready;
    placeholder.replaceChildren(...(ready ? [] : [message('info', s.model.status === 'loading' ? 'Loading the model…' : 'The layers appear once the model is loaded.')]));
    computedError.replaceChildren(...(c?.error ? [message('error', richText(c.error))] : []));
    if (!ready || !summary) return;

    table.setModel(summary);
    table.decorate(c ? { cut: c.cut, cutIsDefault: c.cutIsDefault, base: new Set(c.baseLayers), frozen: new Set(c.frozen) } : undefined);

    const t = totals(s);
    if (t) {
      setText(sTrain.value, formatCount(t.trainable));
      const several = !!headsOf(s);
      setText(sTrain.sub, `${t.trainableLayers} of ${t.baseLayers} base layers + head${several ? 's' : ''}`);
      setText(sFrozen.value, formatCount(t.frozen));
      setText(sFrozen.sub, t.total ? `${((100 * t.frozen) / t.total).toFixed(1)}% of the adapted model` : '');
      setText(sTotal.value, formatCount(t.total));
      setText(sTotal.sub, `incl. new head${several ? 's' : ''} ${formatCount(t.head)}${t.outputsUnknown ? ` + output layer${several ? 's' : ''}` : ''}`);
      sTotal.sub.title = t.outputsUnknown ? 'The output layer is sized from the dataset\'s labels: its parameters are counted once the dataset is read.' : '';
      const share = t.total ? t.trainable / t.total : 0;
      barFill.style.width = `${(share * 100).toFixed(2)}%`;
      bar.setAttribute('aria-label', `${(share * 100).toFixed(1)}% of the parameters are trainable`);
      bar.title = `${(share * 100).toFixed(1)}% trainable`;
    }

    if (c) {
      const shape = featureShape(summary, c.cut);
      cutInfo.replaceChildren(
        h('span', { class: 'codicon codicon-debug-breakpoint-log-unverified cut-icon', 'aria-hidden': 'true' }),
        'Cut at ',
        h('button', { type: 'button', class: 'link-button mono', id: 'reveal-cut', title: 'Show the cut layer in the table', onclick: () => table.reveal(c.cut) }, c.cut),
        c.cutIsDefault ? ' (default)' : '',
        shape.length ? ` — its output ${formatShape([null, ...shape.map((d) => (d < 0 ? null : d))])} feeds the new head.` : ' — its output feeds the new head.',
        c.cutIsDefault ? '' : h('button', { type: 'button', class: 'link-button', id: 'reset-cut', onclick: () => form.post({ type: 'setCut', layer: null }) }, 'Reset to default'),
      );
      cutReason.textContent = c.cutReason ? `Why here: ${c.cutReason.replace(/^cut at "[^"]+": /, '')}.` : '';
      cutReason.hidden = !c.cutReason;
      const key = c.baseLayers.join('|');
      if (key !== upToKey) {
        upToKey = key;
        const current = s.recipe?.freeze?.upTo;
        upTo.options = c.baseLayers.map((n) => ({ label: n, value: n, description: '', selected: n === current, disabled: false }));
      }
      const ck = c.classes.join('|');
      if (ck !== classKey) {
        classKey = ck;
        const chosen = new Set(s.recipe?.freeze?.classes ?? []);
        classes.options = c.classes.map((n) => ({ label: n, value: n, description: '', selected: chosen.has(n), disabled: false }));
      }
      // preselect the recipe's layer, else the last frozen one: Apply then keeps what is frozen now
      const frozenNow = new Set(c.frozen);
      const wantUpTo = s.recipe?.freeze?.upTo ?? [...c.baseLayers].reverse().find((n) => frozenNow.has(n)) ?? c.baseLayers[0];
      if (wantUpTo && upTo.value !== wantUpTo && document.activeElement !== upTo) upTo.value = wantUpTo;
      const wantLast = s.recipe?.freeze?.allButLast;
      if (document.activeElement !== count) count.value = wantLast === undefined ? '' : String(wantLast);
      if (document.activeElement !== classes) {
        const want = s.recipe?.freeze?.classes ?? [];
        if (JSON.stringify([...classes.value]) !== JSON.stringify(want)) classes.value = want;
      }
    }
    setText(rule, `Rule: ${describeRules(s.recipe?.freeze)}`);
  });
  return { el: sec.el, table };
}
