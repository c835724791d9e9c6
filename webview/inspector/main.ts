/**
 * The Model Inspector (read-only custom editor on model.json / .h5 / .keras): the model's facts
 * and its layer table, or the reason it cannot be opened, with "Open in Transfer Studio" and
 * "New Recipe from Model…".
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import '../shared/panel.css';
import '../shared/layerTable.css';
import './inspector.css';
import { formatCount, leafLayers, type ModelSummary } from '../../src/core/modelSummary';
import { INSPECTOR_PROTOCOL_VERSION, type InspectorHostMessage, type InspectorMessage } from '../../src/core/protocol/inspector';
import { LayerTable } from '../shared/layerTable';
import { richText } from '../shared/richText';
import { connect, h } from '../shared/vscodeApi';
import { modelFacts } from '../shared/modelFacts';

const host = connect<InspectorMessage, InspectorHostMessage>();

function button(label: string, icon: string, id: string, secondary: boolean, onClick: () => void): VscodeButton {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  b.icon = icon;
  b.id = id;
  b.secondary = secondary;
  b.addEventListener('click', onClick);
  return b;
}

const title = h('h1', { class: 'title', id: 'title' }, 'Model Inspector');
const subtitle = h('div', { class: 'subtitle mono', id: 'file' });
const open = button('Open in Transfer Studio', 'layers', 'open-in-studio', false, () => host.post({ type: 'openInStudio' }));
const recipe = button('New Recipe from Model…', 'new-file', 'new-recipe', true, () => host.post({ type: 'newRecipe' }));
const header = h('header', { class: 'page-header' },
  h('div', { class: 'page-title' }, h('span', { class: 'codicon codicon-symbol-class title-icon', 'aria-hidden': 'true' }), h('div', {}, title, subtitle)),
  h('div', { class: 'action-buttons' }, open, recipe));
const body = h('div', { class: 'content', id: 'content' });
const app = document.getElementById('app') ?? document.body;
app.replaceChildren(header, body);

const table = new LayerTable({ mode: 'inspect', label: 'Layers of the model' });
const filter = document.createElement('vscode-textfield') as VscodeTextfield;
filter.id = 'layer-filter';
filter.label = 'Filter layers';
filter.placeholder = 'Filter layers by name or class';
filter.addEventListener('input', () => table.setFilter(filter.value));

function statusView(icon: string, text: string, detail?: string, kind = 'info'): HTMLElement {
  return h('div', { class: `status-view ${kind}`, role: kind === 'error' ? 'alert' : 'status', id: 'status' },
    h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }),
    h('div', {}, h('p', { class: 'status-title' }, text), detail ? h('p', { class: 'status-detail' }, richText(detail)) : null));
}

function render(m: InspectorHostMessage): void {
  subtitle.textContent = m.file;
  subtitle.title = m.file;
  if (m.status === 'loading') {
    title.textContent = basename(m.file);
    open.disabled = true;
    recipe.disabled = true;
    body.replaceChildren(statusView('loading codicon-modifier-spin', 'Reading the model…'));
    return;
  }
  if (m.status === 'error' || !m.summary) {
    title.textContent = basename(m.file);
    open.disabled = true;
    recipe.disabled = true;
    // the message starts with the file, which the header already shows
    const error = (m.error ?? 'Unknown error.').replace(`${m.file}: `, '');
    body.replaceChildren(statusView('error', 'This model cannot be opened.', error.charAt(0).toUpperCase() + error.slice(1), 'error'));
    return;
  }
  open.disabled = false;
  recipe.disabled = false;
  const s: ModelSummary = m.summary;
  title.textContent = s.name;
  table.setModel(s);
  const leaves = leafLayers(s.layers).filter((l) => l.className !== 'InputLayer');
  const frozen = leaves.filter((l) => !l.trainable).length;
  body.replaceChildren(
    h('section', { class: 'section', 'aria-labelledby': 'about-title' },
      h('h2', { id: 'about-title' }, 'Model'),
      modelFacts(s),
      h('div', { class: 'totals-line', id: 'totals' },
        h('span', {}, h('strong', {}, formatCount(s.trainableParams)), ' trainable'),
        h('span', {}, h('strong', {}, formatCount(s.nonTrainableParams)), ' non-trainable'),
        h('span', {}, h('strong', {}, formatCount(s.totalParams)), ' total parameters'),
        frozen ? h('span', {}, h('strong', {}, String(frozen)), ` of ${leaves.length} layers not trainable`) : null)),
    h('section', { class: 'section', 'aria-labelledby': 'layers-title' },
      h('div', { class: 'section-header' }, h('h2', { id: 'layers-title' }, 'Layers'), filter),
      table.element),
  );
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

host.onMessage((m) => {
  if (m.type === 'state') {
    render(m);
    document.body.dataset.ready = 'true';
  }
});
host.post({ type: 'ready', protocol: INSPECTOR_PROTOCOL_VERSION });
