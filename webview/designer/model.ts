/** Section 1, Model: the source model (what it is, where it is) and the recipe's name and output. */
import type { ModelSummary } from '../../src/core/modelSummary';
import { modelFacts } from '../shared/modelFacts';
import { richText } from '../shared/richText';
import { h } from '../shared/vscodeApi';
import type { Form } from './fields';
import { button, message, section } from './ui';

export function modelSection(form: Form): HTMLElement {
  const sec = section('model', 'Model', 'The pre-trained model this recipe adapts, and where the adapted model goes.');
  const facts = h('div', { class: 'model-facts' });
  const status = h('div', { class: 'model-status' });
  let shown: ModelSummary | undefined;

  const change = button('Change…', { secondary: true, icon: 'folder-opened', title: 'Pick another model file (model.json, .h5, .keras)', onClick: () => form.post({ type: 'pickModel' }) });
  const grid = h(
    'div',
    { class: 'settings-grid' },
    form.text(['model'], { label: 'Source model', parse: 'string', description: 'A TF.js model.json, a Keras .h5 / .keras file (relative to the recipe) or an https:// URL.', placeholder: 'path/to/model.json', width: 'l', wide: true, extra: [change] }),
    form.text(['name'], { label: 'Name', parse: 'string', description: 'Name of the adapted model. Default: the recipe file name.', placeholder: 'the recipe file name', width: 'm' }),
    form.text(['output'], { label: 'Output folder', parse: 'string', description: 'Where the adapted model is saved. Default: NAME-adapted beside the source model.', placeholder: 'NAME-adapted beside the model', width: 'm' }),
  );
  sec.body.append(status, facts, grid);

  form.onState((s) => {
    const m = s.model;
    if (m.status === 'ok' && m.summary) {
      status.replaceChildren();
      if (m.summary !== shown) {
        shown = m.summary;
        facts.replaceChildren(h('div', { class: 'model-source mono', title: m.summary.source }, h('span', { class: 'codicon codicon-file-binary', 'aria-hidden': 'true' }), m.summary.source), modelFacts(m.summary));
      }
      return;
    }
    shown = undefined;
    facts.replaceChildren();
    if (m.status === 'loading') status.replaceChildren(message('info', 'Loading the model…', 'loading codicon-modifier-spin'));
    else if (m.status === 'error') status.replaceChildren(message('error', h('div', {}, h('p', {}, 'The model could not be loaded.'), h('p', {}, richText(m.error ?? '')))));
    else status.replaceChildren(message('info', 'No model yet: set the source model to see its layers.'));
  });
  return sec.el;
}
