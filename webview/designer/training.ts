/** Section 5, Training: optimizer, schedule, early stopping, class weights, two-phase fine-tuning, baseline, backend. */
import type { DesignerState } from '../../src/extension/designer/protocol';
import { h } from '../shared/vscodeApi';
import { DEFAULTS } from './defaults';
import { getAt, type Form } from './fields';
import { section } from './ui';

const T = (...p: (string | number)[]): (string | number)[] => ['training', ...p];

function scheduleType(s: DesignerState): string {
  const t = getAt(s.recipe, T('schedule', 'type'));
  return typeof t === 'string' ? t : 'constant';
}

export function trainingSection(form: Form): HTMLElement {
  const sec = section('training', 'Training', 'How the new head (and any trainable base layers) are trained. Empty fields use the defaults shown in grey.');

  const basics = h('div', { class: 'settings-grid' },
    form.text(T('epochs'), { label: 'Epochs', parse: 'integer', width: 's', placeholder: String(DEFAULTS.epochs), description: 'Passes over the training data.' }),
    form.text(T('batchSize'), { label: 'Batch size', parse: 'integer', width: 's', placeholder: String(DEFAULTS.batchSize), description: 'Images per training step.' }),
    form.select(T('optimizer'), {
      label: 'Optimizer', width: 's', description: 'The update rule.',
      choices: [{ value: '', label: `Default (${DEFAULTS.optimizer})` }, { value: 'adam', label: 'adam' }, { value: 'sgd', label: 'sgd' }, { value: 'rmsprop', label: 'rmsprop' }],
    }),
    form.text(T('learningRate'), { label: 'Learning rate', parse: 'number', width: 's', placeholder: String(DEFAULTS.learningRate), description: 'Step size of the optimizer.' }),
    form.text(T('momentum'), {
      label: 'Momentum', parse: 'number', width: 's', placeholder: 'none',
      description: (s) => (['sgd', 'rmsprop'].includes(String(getAt(s.recipe, T('optimizer')))) ? 'Momentum of sgd / rmsprop (0–1).' : 'Only used by sgd and rmsprop.'),
    }),
    form.text(T('seed'), { label: 'Seed', parse: 'integer', width: 's', placeholder: String(DEFAULTS.seed), description: 'Seed of the split, shuffling and initial weights.' }),
  );

  const schedule = h('div', { class: 'settings-grid' },
    form.select(T('schedule'), {
      label: 'Learning-rate schedule', width: 's', description: 'How the learning rate changes from epoch to epoch.',
      choices: [{ value: 'constant', label: 'constant', description: 'The same rate every epoch (default)' }, { value: 'cosine', label: 'cosine', description: 'Cosine decay, with optional warm-up' }, { value: 'step', label: 'step', description: 'Multiply by a factor every N epochs' }],
      read: scheduleType,
      write: (v) => form.set(T('schedule'), v === 'constant' ? undefined : v === 'cosine' ? { type: 'cosine' } : { type: 'step', everyEpochs: 5, factor: 0.5 }),
    }),
    form.text(T('schedule', 'warmupEpochs'), { label: 'Warm-up epochs', parse: 'integer', width: 's', placeholder: '0', description: 'Epochs of linear warm-up before the decay.', hidden: (s) => scheduleType(s) !== 'cosine' }),
    form.text(T('schedule', 'minLearningRate'), { label: 'Minimum learning rate', parse: 'number', width: 's', placeholder: '0', description: 'Where the cosine ends.', hidden: (s) => scheduleType(s) !== 'cosine' }),
    form.text(T('schedule', 'everyEpochs'), { label: 'Every (epochs)', parse: 'integer', width: 's', placeholder: 'required', description: 'Decay the rate every this many epochs.', hidden: (s) => scheduleType(s) !== 'step' }),
    form.text(T('schedule', 'factor'), { label: 'Factor', parse: 'number', width: 's', placeholder: 'required', description: 'Multiply the rate by this (0–1].', hidden: (s) => scheduleType(s) !== 'step' }),
  );

  const es = (s: DesignerState): boolean => getAt(s.recipe, T('earlyStopping')) !== undefined;
  const stopping = h('div', { class: 'settings-grid' },
    form.check(T('earlyStopping'), { title: 'Use early stopping', label: 'Stop when the monitored metric stops improving (the best epoch is kept)', on: {} }),
    form.select(T('earlyStopping', 'monitor'), {
      label: 'Monitor', width: 's', description: 'The metric to watch.', hidden: (s) => !es(s),
      choices: [{ value: '', label: 'Default (val_loss)' }, ...['val_loss', 'val_accuracy', 'loss', 'accuracy', 'val_mae', 'mae'].map((m) => ({ value: m, label: m }))],
    }),
    form.text(T('earlyStopping', 'patience'), { label: 'Patience', parse: 'integer', width: 's', placeholder: String(DEFAULTS.patience), description: 'Epochs without improvement before stopping.', hidden: (s) => !es(s) }),
    form.text(T('earlyStopping', 'minDelta'), { label: 'Minimum change', parse: 'number', width: 's', placeholder: '0', description: 'Smaller changes do not count as improvement.', hidden: (s) => !es(s) }),
  );

  const ft = (s: DesignerState): boolean => getAt(s.recipe, T('fineTune')) !== undefined;
  const fineTune = h('div', { class: 'settings-grid' },
    form.check(T('fineTune'), { title: 'Two-phase fine-tuning', label: 'After training the head, unfreeze the top layers and continue at a lower learning rate', on: { epochs: 5, unfreeze: 20 } }),
    form.text(T('fineTune', 'epochs'), { label: 'Phase 2 epochs', parse: 'integer', width: 's', placeholder: 'required', description: 'Epochs of the second phase.', hidden: (s) => !ft(s) }),
    form.text(T('fineTune', 'unfreeze'), { label: 'Unfreeze top', parse: 'integer', width: 's', placeholder: 'required', description: 'Layers with weights to unfreeze, from the top of the base (BatchNorm stays frozen).', hidden: (s) => !ft(s) }),
    form.text(T('fineTune', 'learningRateFactor'), {
      label: 'Learning-rate factor', parse: 'number', width: 's', placeholder: String(DEFAULTS.fineTuneLearningRateFactor), hidden: (s) => !ft(s),
      description: (s) => {
        const lr = Number(getAt(s.recipe, T('learningRate')) ?? DEFAULTS.learningRate);
        const f = Number(getAt(s.recipe, T('fineTune', 'learningRateFactor')) ?? DEFAULTS.fineTuneLearningRateFactor);
        return `Phase 2 learning rate = learning rate × this${Number.isFinite(lr * f) ? ` (${(lr * f).toPrecision(2)})` : ''}.`;
      },
    }),
  );

  const other = h('div', { class: 'settings-grid' },
    form.select(T('classWeights'), {
      label: 'Class weights', width: 's', description: 'balanced: weigh classes inversely to their image counts.',
      choices: (s) => [
        { value: '', label: 'none' },
        { value: 'balanced', label: 'balanced' },
        ...(typeof getAt(s.recipe, T('classWeights')) === 'object' ? [{ value: 'custom', label: 'custom (edit as text)' }] : []),
      ],
      read: (s) => { const v = getAt(s.recipe, T('classWeights')); return v === undefined ? '' : typeof v === 'object' ? 'custom' : String(v); },
      write: (v) => { if (v !== 'custom') form.set(T('classWeights'), v === '' ? undefined : v); },
    }),
    form.select(T('baseline'), {
      label: 'Baseline', width: 's', description: 'scratch: also train the same architecture from random weights, to reveal negative transfer.',
      choices: [{ value: '', label: 'Default (none)' }, { value: 'none', label: 'none' }, { value: 'scratch', label: 'scratch', description: 'Train from random weights too, for comparison' }],
    }),
    form.select(T('backend'), {
      label: 'Backend', width: 's', description: 'auto: GPU when usable, else native CPU, else WebAssembly.',
      choices: [
        { value: '', label: `Default (${DEFAULTS.backend})` },
        { value: 'auto', label: 'auto' },
        { value: 'tensorflow-gpu', label: 'tensorflow-gpu', description: 'tfjs-node-gpu (CUDA)' },
        { value: 'tensorflow', label: 'tensorflow', description: 'tfjs-node (native CPU)' },
        { value: 'wasm', label: 'wasm', description: 'WebAssembly (always available)' },
        { value: 'cpu', label: 'cpu', description: 'Pure JavaScript (slowest)' },
      ],
    }),
  );

  const problems = h('div', {});
  form.problems.register('/training', problems);
  sec.body.append(
    problems,
    basics,
    h('h3', { class: 'sub' }, 'Schedule'), schedule,
    h('h3', { class: 'sub' }, 'Early stopping'), stopping,
    h('h3', { class: 'sub' }, 'Fine-tuning'), fineTune,
    h('h3', { class: 'sub' }, 'Balance and comparison'), other,
  );
  return sec.el;
}
