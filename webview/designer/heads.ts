/**
 * The Head section of a multi-task recipe ("heads"): a diagram of the model (base → shared
 * layers → one branch per head), the shared layers, and a card per head — its name, task, CSV
 * column(s), loss weight and own layers. Structural changes post `setHeads` with every head
 * (checked against the recipe schema first); the loss weight and a reset of a head's layers are
 * plain `set`s; the shared layers go through `setHead` like the one head's.
 */
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import type { VscodeMultiSelect } from '@vscode-elements/elements/dist/vscode-multi-select/vscode-multi-select.js';
import { formatShape } from '../../src/core/modelSummary';
import { headColumns } from '../../src/core/multitask/layout';
import { MAX_HEADS, type DesignerState } from '../../src/core/protocol/designer';
import { DEFAULTS, HEAD_TASKS, type HeadTask } from '../../src/core/recipe/defaults';
import type { TaskHeadSpec } from '../../src/core/recipe/schema';
import { h } from '../shared/vscodeApi';
import { outputActivation } from './defaults';
import { pointer, SelectControl, TextControl, uid, type Form } from './fields';
import { layerList, type LayerList } from './layerList';
import { featureShape } from './layers';
import { csvColumns, headOutputs, headProblem, headsOf, layerLabel, renamed, retasked, sharedLayers, sharedOutput, toOneHead, withColumns, withHead, withNewHead, withoutHead } from './multitask';
import { button, message, setText } from './ui';

export interface HeadView {
  el: HTMLElement;
  actions: HTMLElement[];
  update(s: DesignerState): void;
  dispose(): void;
}

const TASK_NOTES: Record<HeadTask, string> = {
  'single-label': 'One class per image (softmax)',
  'multi-label': 'Classes separated by | (sigmoid)',
  regression: 'Numbers, one column per target (linear)',
};

export function features(s: DesignerState): number[] {
  const summary = s.model.summary;
  return summary && s.computed ? featureShape(summary, s.computed.cut) : [];
}

const shapeText = (shape: number[]): string => formatShape([null, ...shape.map((d) => (d < 0 ? null : d))]);

function outputText(s: DesignerState, i: number, head: TaskHeadSpec): string {
  const n = headOutputs(s, i);
  if (head.task === 'regression') return `${n} value${n === 1 ? '' : 's'}`;
  return n !== undefined ? `${n} classes` : 'classes from the CSV';
}

/** The model as a tree: the base, the layers the heads share, a branch per head. */
function diagram(s: DesignerState, heads: TaskHeadSpec[]): HTMLElement[] {
  const f = features(s);
  const summary = s.model.summary;
  const base = h('div', { class: 'mt-node mt-base', id: 'heads-diagram-base' },
    h('div', { class: 'mt-title' }, h('span', { class: 'codicon codicon-file-binary', 'aria-hidden': 'true' }), summary ? `Base: ${summary.name}` : 'Pre-trained base'),
    h('div', { class: 'mt-detail mono' }, s.computed ? `cut at ${s.computed.cut} → ${f.length ? shapeText(f) : '?'}` : 'the model is not loaded yet'));
  const inRecipe = Array.isArray(s.recipe?.head) && s.recipe.head.length > 0;
  const shared = sharedLayers(s, f);
  const out = sharedOutput(s, f);
  const trunk = h('div', { class: 'mt-node mt-shared', id: 'heads-diagram-shared' },
    h('div', { class: 'mt-title' }, 'Shared layers', inRecipe ? null : h('span', { class: 'mt-tag' }, 'default')),
    h('div', { class: 'mt-chips' }, ...shared.map((l) => h('span', { class: 'mt-chip' }, layerLabel(l)))),
    h('div', { class: 'mt-detail mono' }, out.length ? `→ ${shapeText(out)}` : ''));
  const branches = h('ul', { class: 'mt-branches', 'aria-label': 'Heads' }, ...heads.map((head, i) => {
    const own = head.layers?.length ?? 0;
    const weight = head.lossWeight ?? DEFAULTS.multiTask.lossWeight;
    return h('li', { class: 'mt-branch', dataset: { head: head.name } },
      h('div', { class: 'mt-node mt-head' },
        h('div', { class: 'mt-title mt-head-name' }, head.name),
        h('div', { class: 'mt-detail mt-head-task' }, `${head.task} · ${outputActivation(head.task)}`),
        h('div', { class: 'mt-detail mt-head-output' }, `→ ${outputText(s, i, head)}`),
        h('div', { class: 'mt-detail muted' }, `column ${headColumns(head).join(', ')}`),
        h('div', { class: 'mt-detail muted mt-head-extra' }, [`loss × ${weight}`, own ? `${own} own layer${own === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · '))));
  }));
  return [base, h('div', { class: 'mt-link', 'aria-hidden': 'true' }), trunk, h('div', { class: 'mt-link', 'aria-hidden': 'true' }), branches];
}

/** A multi-select of CSV columns (a regression head's targets). */
class ColumnsControl {
  readonly el: VscodeMultiSelect;
  private key = '';

  constructor(label: string, private readonly read: (s: DesignerState) => string[], private readonly choices: (s: DesignerState) => string[], write: (v: string[]) => void) {
    this.el = document.createElement('vscode-multi-select') as VscodeMultiSelect;
    this.el.id = uid('m');
    this.el.label = label;
    this.el.setAttribute('aria-label', label);
    this.el.classList.add('w-m');
    this.el.addEventListener('change', () => write([...this.el.value]));
  }

  update(s: DesignerState): void {
    const chosen = this.read(s);
    const all = [...this.choices(s)];
    for (const c of chosen) if (!all.includes(c)) all.push(c);
    const key = JSON.stringify([all, chosen]);
    if (key === this.key) return;
    this.key = key;
    this.el.options = all.map((c) => ({ label: c, value: c, description: this.choices(s).includes(c) ? '' : 'not in the CSV header', selected: chosen.includes(c), disabled: false }));
    if (JSON.stringify([...this.el.value]) !== JSON.stringify(chosen)) this.el.value = chosen;
  }
}

interface Card {
  el: HTMLElement;
  update(s: DesignerState): void;
  dispose(): void;
}

function headCard(form: Form, i: number, shape: { regression: boolean; columns: string[] | undefined }): Card {
  const head = (s: DesignerState | undefined): TaskHeadSpec | undefined => headsOf(s)?.[i];
  const post = (next: (h: TaskHeadSpec) => TaskHeadSpec, s = form.state): string | undefined => {
    const cur = head(s);
    const heads = headsOf(s);
    if (!cur || !heads || !s) return undefined;
    const changed = next(cur);
    const problem = headProblem(changed, heads, i);
    if (problem) return problem;
    const m = withHead(s, i, changed);
    if (m) form.post(m);
    return undefined;
  };
  const check = (next: (h: TaskHeadSpec) => TaskHeadSpec): string | undefined => {
    const s = form.state;
    const cur = head(s);
    const heads = headsOf(s);
    return cur && heads ? headProblem(next(cur), heads, i) : undefined;
  };
  const unregister: (() => void)[] = [];
  const updaters: ((s: DesignerState) => void)[] = [];
  const slotFor = (key: string, ...controls: HTMLElement[]): HTMLElement => {
    const slot = h('div', { class: 'setting-problem' });
    unregister.push(form.problems.register(pointer(['heads', i, key]), slot, ...controls));
    return slot;
  };
  const setting = (label: string, key: string, control: HTMLElement, description: string | ((s: DesignerState) => string), ...more: HTMLElement[]): HTMLElement => {
    const desc = h('div', { class: 'setting-desc', id: uid('d') });
    control.setAttribute('aria-describedby', desc.id);
    updaters.push((s) => setText(desc, typeof description === 'function' ? description(s) : description));
    return h('div', { class: 'setting', dataset: { path: pointer(['heads', i, key]) } }, h('label', { class: 'setting-label', for: control.id }, label), desc, h('div', { class: 'setting-control' }, control), slotFor(key, control), ...more);
  };

  const nameOf = (): string => head(form.state)?.name ?? `${i + 1}`;
  const name = new TextControl({
    label: `Name of head ${i + 1}`, parse: 'string', width: 's',
    read: (s) => head(s)?.name,
    validate: (v) => (typeof v !== 'string' || v === '' ? 'a head needs a name' : check((x) => renamed(x, v, shape.columns))),
    write: (v) => { if (typeof v === 'string') post((x) => renamed(x, v, shape.columns)); },
  });
  const task = new SelectControl({
    label: `Task of head ${i + 1}`, width: 's',
    choices: HEAD_TASKS.map((t) => ({ value: t, label: t, description: TASK_NOTES[t] })),
    read: (s) => head(s)?.task ?? 'single-label',
    write: (v) => { post((x) => retasked(x, v as HeadTask)); },
  });
  const weight = new TextControl({
    label: `Loss weight of head ${i + 1}`, parse: 'number', width: 'xs', placeholder: String(DEFAULTS.multiTask.lossWeight),
    read: (s) => head(s)?.lossWeight,
    validate: (v) => (v !== undefined && (v as number) < 0 ? 'expected a weight ≥ 0' : undefined),
    write: (v) => form.set(['heads', i, 'lossWeight'], v),
  });
  updaters.push((s) => { name.update(s); task.update(s); weight.update(s); });

  // the column(s): offered from the CSV header when the host could read it, else typed
  let columnControl: HTMLElement;
  let columnLocal: HTMLElement | undefined;
  if (shape.columns && !shape.regression) {
    const columns = shape.columns;
    const c = new SelectControl({
      label: `Column of head ${i + 1}`, width: 's',
      choices: (s) => {
        const cur = head(s) ? headColumns(head(s)!)[0] : undefined;
        return [...columns.map((x) => ({ value: x, label: x })), ...(cur && !columns.includes(cur) ? [{ value: cur, label: cur, description: 'not in the CSV header' }] : [])];
      },
      read: (s) => { const x = head(s); return x ? headColumns(x)[0] ?? '' : ''; },
      write: (v) => { post((x) => withColumns(x, [v])); },
    });
    updaters.push((s) => c.update(s));
    columnControl = c.el;
  } else if (shape.columns) {
    const columns = shape.columns;
    const c = new ColumnsControl(`Columns of head ${i + 1}`, (s) => { const x = head(s); return x ? headColumns(x) : []; }, () => columns, (v) => { if (v.length) post((x) => withColumns(x, v)); });
    updaters.push((s) => c.update(s));
    columnControl = c.el;
  } else {
    const c = new TextControl({
      label: `Column of head ${i + 1}`, parse: 'string', width: 'm',
      placeholder: (s) => head(s)?.name ?? '',
      read: (s) => { const x = head(s); return x?.column === undefined ? undefined : headColumns(x).join(', '); },
      format: (v) => String(v),
      validate: (v) => {
        const cols = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : [];
        if (cols.length > 1 && head(form.state)?.task !== 'regression') return 'a classification head reads one column';
        return check((x) => withColumns(x, cols));
      },
      write: (v) => { post((x) => withColumns(x, typeof v === 'string' ? v.split(',').map((c) => c.trim()).filter(Boolean) : [])); },
    });
    updaters.push((s) => c.update(s));
    columnControl = c.el;
    columnLocal = c.local;
  }

  // its own layers, after the shared ones
  const layers: LayerList = layerList(form, {
    id: `heads-${i}`,
    layerName: (j) => `layer ${j + 1} of head ${nameOf()}`,
    listLabel: `Layers of head ${i + 1}`,
    path: ['heads', i, 'layers'],
    read: (s) => head(s)?.layers,
    fallback: () => [{ type: 'Dense' }],
    final: true,
    input: (s) => sharedOutput(s, features(s)),
    inputName: () => 'shared layers',
    outputs: (s) => headOutputs(s, i),
    task: (s) => head(s)?.task ?? 'single-label',
    commit: (next) => { post((x) => ({ ...x, layers: next })); },
    reset: () => form.set(['heads', i, 'layers'], undefined),
    footer: (s, list) => {
      const x = head(s);
      if (!x) return '';
      if (!list.some((l) => l.type === 'Dense')) return 'No Dense layer: one sized from its labels is added at the end.';
      const n = headOutputs(s, i);
      const from = x.task === 'regression' ? `${n} value${n === 1 ? '' : 's'} (its columns)`
        : n === undefined ? 'sized from its labels when the dataset is read'
        : `${n} classes (${x.labels?.length ? 'its "labels"' : 'from the dataset'})`;
      return `Output "${x.name}": ${from}, ${outputActivation(x.task)} by default for ${x.task}.`;
    },
    texts: {
      add: 'Add a layer to this head (above its output layer)',
      reset: 'Remove this head\'s "layers": its output layer alone follows the shared layers',
      fallback: 'This head has no layers of its own: an output layer sized from its labels follows the shared layers. Any change here writes them into the recipe.',
    },
  });
  updaters.push((s) => layers.update(s));

  const titleName = h('span', { class: 'task-head-name' });
  const remove = button('Remove Head', { secondary: true, icon: 'trash', onClick: () => { const m = form.state && withoutHead(form.state, i); if (m) form.post(m); } });
  remove.classList.add('remove-head');
  remove.setAttribute('aria-label', `Remove head ${i + 1}`);
  const cardProblems = h('div', { class: 'row-problem' });
  unregister.push(form.problems.register(pointer(['heads', i]), cardProblems));
  const titleId = uid('th');
  const el = h('section', { class: 'task-head', dataset: { index: String(i) }, 'aria-labelledby': titleId },
    h('header', { class: 'task-head-header' },
      h('h4', { id: titleId }, h('span', { class: 'head-index', 'aria-hidden': 'true' }, String(i + 1)), titleName),
      h('div', { class: 'task-head-actions' }, remove)),
    cardProblems,
    h('div', { class: 'settings-grid' },
      setting('Name', 'name', name.el, 'Its output in the saved model and its metrics (NAME_loss, val_NAME_accuracy…).', name.local),
      setting('Task', 'task', task.el, (s) => TASK_NOTES[head(s)?.task ?? 'single-label']),
      setting(shape.regression ? 'Columns' : 'Column', 'column', columnControl, (s) => {
        const x = head(s);
        if (s.csv?.error) return `The CSV column${shape.regression ? 's' : ''} it learns (${s.csv.error}).`;
        if (!shape.columns) return `The CSV column${shape.regression ? 's' : ''} it learns${shape.regression ? ', separated by commas' : ''}. Default: the head's name${x ? ` (${x.name})` : ''}.`;
        return shape.regression ? 'The CSV columns it predicts, one output each.' : 'The CSV column of its labels (from the header of the training CSV).';
      }, ...(columnLocal ? [columnLocal] : [])),
      setting('Loss weight', 'lossWeight', weight.el, 'Its share of the loss: the run minimises the sum of each head\'s loss × its weight.', weight.local),
    ),
    h('div', { class: 'sub-header' }, h('h4', { class: 'task-head-sub' }, 'Its own layers'), h('div', { class: 'task-head-actions' }, ...layers.actions)),
    layers.el,
  );
  return {
    el,
    update: (s) => {
      setText(titleName, head(s)?.name ?? '');
      remove.disabled = (headsOf(s)?.length ?? 0) <= 1;
      remove.title = remove.disabled ? 'The last head stays: use Back to One Head' : `Remove the head "${head(s)?.name ?? ''}"`;
      updaters.forEach((u) => u(s));
    },
    dispose: () => { layers.dispose(); unregister.forEach((d) => d()); },
  };
}

export function severalHeads(form: Form): HeadView {
  const graph = h('div', { class: 'mt-diagram', id: 'heads-diagram', role: 'group', 'aria-label': 'The model: base, shared layers and one branch per head' });
  const general = h('div', { id: 'heads-problems' });
  const unregister = [form.problems.register('/heads', general)];

  const shared = layerList(form, {
    id: 'shared',
    layerName: (i) => `shared layer ${i + 1}`,
    listLabel: 'Shared layers',
    path: ['head'],
    read: (s) => (Array.isArray(s.recipe?.head) ? s.recipe.head : undefined),
    fallback: (s) => sharedLayers(s, features(s)),
    final: false,
    input: features,
    inputName: (s) => s.computed?.cut,
    outputs: () => undefined,
    task: () => 'single-label',
    commit: (head) => form.post({ type: 'setHead', head }),
    reset: () => form.set(['head'], undefined),
    footer: (s) => { const out = sharedOutput(s, features(s)); return `Every head receives ${out.length ? shapeText(out) : 'their output'}. Each Dense layer here needs its units.`; },
    texts: {
      add: 'Add a layer every head shares (after the last shared one)',
      reset: 'Remove "head" from the recipe: the default shared layers apply',
      fallback: `The recipe has no "head": these are the default shared layers (pooling when the cut gives a feature map, a Dense ${DEFAULTS.multiTask.sharedUnits} relu, dropout). Any change here writes them into the recipe.`,
    },
  });

  const cardsEl = h('div', { class: 'task-heads', id: 'heads-list' });
  let cards: Card[] = [];
  let signature = '';

  const add = button('Add Head', { icon: 'add', id: 'heads-add', title: 'Add a head: the next CSV column no head reads yet', onClick: () => { const m = form.state && withNewHead(form.state); if (m) form.post(m); } });
  const merge = button('Back to One Head', { secondary: true, icon: 'git-merge', id: 'heads-merge', title: 'One head remains: make it the recipe\'s one head (its task, labels and layers at the top)', onClick: () => { const s = form.state; const m = s && toOneHead(s, features(s)); if (m) form.post(m); } });
  const mergeNote = h('div', { id: 'heads-merge-note' });

  const el = h('div', { class: 'heads-editor', id: 'heads-editor' },
    graph, general, mergeNote,
    h('div', { class: 'sub-header' }, h('h3', { class: 'sub' }, 'Shared layers'), h('div', { class: 'section-actions' }, ...shared.actions)),
    h('p', { class: 'sub-desc' }, 'On the cut\'s output, before the heads branch off: what the tasks learn together.'),
    shared.el,
    h('h3', { class: 'sub' }, 'Each head'),
    h('p', { class: 'sub-desc' }, 'Each head learns its own CSV column(s) from the shared layers\' output; the run trains them together.'),
    cardsEl,
  );

  return {
    el,
    actions: [merge, add],
    update: (s) => {
      const heads = headsOf(s) ?? [];
      graph.replaceChildren(...diagram(s, heads));
      shared.update(s);
      const columns = csvColumns(s);
      const sig = JSON.stringify([heads.map((x) => x.task === 'regression'), columns ?? null]);
      if (sig !== signature) {
        signature = sig;
        cards.forEach((c) => c.dispose());
        cards = heads.map((x, i) => headCard(form, i, { regression: x.task === 'regression', columns }));
        cardsEl.replaceChildren(...cards.map((c) => c.el));
      }
      cards.forEach((c) => c.update(s));
      add.disabled = heads.length >= MAX_HEADS;
      merge.hidden = heads.length !== 1;
      // one head reads the CSV's first label column (path,label): say so when this one reads another
      const only = heads.length === 1 ? heads[0]! : undefined;
      const reads = only ? headColumns(only) : [];
      const mismatch = !!only && !!columns && only.task !== 'regression' && reads[0] !== columns[0];
      mergeNote.replaceChildren(...(only ? [message('info', mismatch
        ? `One head is left. Back to One Head makes it the recipe's one head, which reads the CSV's first label column ("${columns![0]}"), not "${reads[0]}".`
        : 'One head is left: Back to One Head makes it the recipe\'s one head (its task and layers at the top).')] : []));
    },
    dispose: () => { shared.dispose(); cards.forEach((c) => c.dispose()); unregister.forEach((d) => d()); },
  };
}
