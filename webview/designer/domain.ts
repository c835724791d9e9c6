/**
 * Section 6, Domain adaptation: the same labels on images that look different. A folder of
 * unlabelled target images, the method, and for DANN its weight; optionally labelled target
 * images to score the model on. Off by default: checking the box asks for the target folder.
 */
import type { DesignerState } from '../../src/core/protocol/designer';
import { DOMAIN_DEFAULTS, DOMAIN_METHODS } from '../../src/core/domain/defaults';
import { h } from '../shared/vscodeApi';
import { getAt, type Form } from './fields';
import { button, message, section } from './ui';

const D = (...p: string[]): string[] => ['domain', ...p];

const METHOD_NOTES: Record<(typeof DOMAIN_METHODS)[number], string> = {
  adabn: 'AdaBN: the BatchNorm statistics of the base re-estimated on the target images, after training',
  coral: 'CORAL: the target features mapped onto the source\'s mean and covariance, after training',
  dann: 'DANN: fine-tuning against a domain classifier behind a gradient-reversal layer (needs two-phase fine-tuning)',
};

const on = (s: DesignerState): boolean => getAt(s.recipe, D()) !== undefined;
const method = (s: DesignerState): string => String(getAt(s.recipe, D('method')) ?? '');

export function domainSection(form: Form): HTMLElement {
  const sec = section('domain', 'Domain adaptation', 'For images that look different from the training images (another camera, lighting, style) with the same classes: adapt the model from unlabelled images of the new domain. The report compares both domains before and after.');
  const browse = (field: 'target' | 'targetLabelled'): HTMLElement =>
    button('Browse…', { secondary: true, icon: 'folder-opened', id: `browse-domain-${field}`, title: field === 'target' ? 'Pick the folder of unlabelled target-domain images' : 'Pick a folder of labelled target-domain images (one sub-folder per class)', onClick: () => form.post({ type: 'pickDomainFolder', field }) });

  const settings = h('div', { class: 'settings-grid' },
    form.check(D(), {
      title: 'Adapt to a target domain', label: 'Adapt the trained model to images of another domain (no labels needed)',
      read: on,
      // turning it on asks for the folder first: a domain without a target would be a problem at once
      write: (v) => (v ? form.post({ type: 'pickDomainFolder', field: 'target' }) : form.set(D(), undefined)),
    }),
    form.text(D('target'), { label: 'Target images', parse: 'string', wide: true, width: 'l', placeholder: 'path/to/unlabelled-images', description: 'A folder of images from the new domain, searched recursively; no labels needed.', extra: [browse('target')], hidden: (s) => !on(s) }),
    form.select(D('method'), {
      label: 'Method', width: 'm', hidden: (s) => !on(s),
      description: (s) => (method(s) === 'dann' && getAt(s.recipe, ['training', 'fineTune']) === undefined ? 'DANN trains while fine-tuning: turn on two-phase fine-tuning under Training.' : 'How the model is adapted.'),
      choices: DOMAIN_METHODS.map((m) => ({ value: m, label: m, description: METHOD_NOTES[m] })),
      read: method,
      write: (v) => form.set(D('method'), v),
    }),
    form.text(D('lambda'), { label: 'DANN weight (λ)', parse: 'number', width: 's', placeholder: String(DOMAIN_DEFAULTS.lambda), description: 'Weight of the reversed gradient into the base (ramped up from 0 over the phase).', hidden: (s) => !on(s) || method(s) !== 'dann' }),
    form.text(D('targetLabelled'), { label: 'Labelled target images', parse: 'string', wide: true, width: 'l', placeholder: 'none', description: 'Optional: a few labelled images of the new domain (one sub-folder per class), only to score the model before and after.', extra: [browse('targetLabelled')], hidden: (s) => !on(s) }),
    form.text(D('maxImages'), { label: 'Target images used', parse: 'integer', width: 's', placeholder: String(DOMAIN_DEFAULTS.maxImages), description: 'At most this many (a seeded sample beyond it).', hidden: (s) => !on(s) }),
  );
  const note = h('div', {});
  form.onState((s) => {
    note.replaceChildren(...(on(s) && getAt(s.recipe, ['engine', 'name']) === 'pytorch' ? [message('warning', 'Domain adaptation runs on the TF.js engine only: the PyTorch engine refuses this recipe.')] : []));
  });
  const problems = h('div', {});
  form.problems.register('/domain', problems);
  sec.body.append(problems, note, settings);
  return sec.el;
}
