/** Section 5, Training: optimizer, schedule, early stopping, class weights, two-phase fine-tuning, baseline, backend. */
import type { DesignerState } from '../../src/core/protocol/designer';
import { h } from '../shared/vscodeApi';
import { BACKENDS, DEFAULTS, ENGINES, MOMENTUM_OPTIMIZERS, MONITOR_NAMES, OPTIMIZERS } from '../../src/core/recipe/defaults';
import { getAt, type Form } from './fields';
import { section } from './ui';

const T = (...p: (string | number)[]): (string | number)[] => ['training', ...p];

const several = (s: DesignerState): boolean => Array.isArray(s.recipe?.heads) && s.recipe.heads.length > 0;

function scheduleType(s: DesignerState): string {
  const t = getAt(s.recipe, T('schedule', 'type'));
  return typeof t === 'string' ? t : '';
}

const BACKEND_NOTES: Record<string, string> = { auto: 'The fastest that loads', 'tensorflow-gpu': 'tfjs-node-gpu (CUDA 11.2)', tensorflow: 'tfjs-node (native CPU)', wasm: 'WebAssembly (always available)', cpu: 'Pure JavaScript (slowest)' };
const ENGINE_NOTES: Record<string, string> = { auto: 'PyTorch on a GPU when usable, else TF.js', tfjs: 'The bundled TF.js engine', pytorch: 'PyTorch in your Python (CUDA, MPS or CPU)' };

export function trainingSection(form: Form): HTMLElement {
  const sec = section('training', 'Training', 'How the new head (and any trainable base layers) are trained. Empty fields use the defaults shown in grey.');

  const basics = h('div', { class: 'settings-grid' },
    form.text(T('epochs'), { label: 'Epoch cap', parse: 'integer', width: 's', placeholder: `${DEFAULTS.cachedEpochs} / ${DEFAULTS.epochs}`, description: `At most this many passes over the training data; early stopping usually ends the run first. Default ${DEFAULTS.cachedEpochs} when the head trains on cached features (milliseconds per epoch), ${DEFAULTS.epochs} otherwise.` }),
    form.text(T('batchSize'), { label: 'Batch size', parse: 'integer', width: 's', placeholder: String(DEFAULTS.batchSize), description: 'Images per training step.' }),
    form.select(T('optimizer'), {
      label: 'Optimizer', width: 's', description: 'The update rule.',
      choices: [{ value: '', label: `Default (${DEFAULTS.optimizer})` }, ...OPTIMIZERS.map((o) => ({ value: o, label: o }))],
    }),
    form.text(T('learningRate'), { label: 'Learning rate', parse: 'number', width: 's', placeholder: String(DEFAULTS.learningRate), description: 'Step size of the optimizer.' }),
    form.text(T('momentum'), {
      label: 'Momentum', parse: 'number', width: 's', placeholder: 'none',
      description: (s) => ((MOMENTUM_OPTIMIZERS as readonly string[]).includes(String(getAt(s.recipe, T('optimizer')))) ? 'Momentum of sgd / rmsprop (0–1).' : 'Only used by sgd and rmsprop.'),
    }),
    form.text(T('weightDecay'), { label: 'Weight decay', parse: 'number', width: 's', placeholder: '0', description: 'L2 penalty on every weight that trains (added to the loss).' }),
    form.text(T('seed'), { label: 'Seed', parse: 'integer', width: 's', placeholder: String(DEFAULTS.seed), description: 'Seed of the split, shuffling and initial weights.' }),
  );

  const schedule = h('div', { class: 'settings-grid' },
    form.select(T('schedule'), {
      label: 'Learning-rate schedule', width: 's', description: 'How the learning rate changes from epoch to epoch.',
      choices: [
        { value: '', label: 'Default (plateau)', description: 'Reduce on plateau with validation data, constant without' },
        { value: 'plateau', label: 'plateau', description: `Halve the rate when the monitored metric stalls for ${DEFAULTS.plateauPatience} epochs` },
        { value: 'constant', label: 'constant', description: 'The same rate every epoch' },
        { value: 'cosine', label: 'cosine', description: 'Cosine decay over the epoch cap, with optional warm-up' },
        { value: 'step', label: 'step', description: 'Multiply by a factor every N epochs' },
      ],
      read: scheduleType,
      write: (v) => form.set(T('schedule'), v === '' ? undefined : v === 'step' ? { type: 'step', everyEpochs: 5, factor: 0.5 } : { type: v }),
    }),
    form.text(T('schedule', 'patience'), { label: 'Plateau patience', parse: 'integer', width: 's', placeholder: String(DEFAULTS.plateauPatience), description: 'Epochs without improvement before the rate drops.', hidden: (s) => scheduleType(s) !== 'plateau' }),
    form.text(T('schedule', 'factor'), { label: 'Plateau factor', parse: 'number', width: 's', placeholder: String(DEFAULTS.plateauFactor), description: 'Multiply the rate by this when it drops.', hidden: (s) => scheduleType(s) !== 'plateau' }),
    form.text(T('schedule', 'warmupEpochs'), { label: 'Warm-up epochs', parse: 'integer', width: 's', placeholder: '0', description: 'Epochs of linear warm-up before the decay.', hidden: (s) => scheduleType(s) !== 'cosine' }),
    form.text(T('schedule', 'minLearningRate'), { label: 'Minimum learning rate', parse: 'number', width: 's', placeholder: '0', description: 'Where the cosine ends.', hidden: (s) => scheduleType(s) !== 'cosine' }),
    form.text(T('schedule', 'everyEpochs'), { label: 'Every (epochs)', parse: 'integer', width: 's', placeholder: 'required', description: 'Decay the rate every this many epochs.', hidden: (s) => scheduleType(s) !== 'step' }),
    form.text(T('schedule', 'factor'), { label: 'Factor', parse: 'number', width: 's', placeholder: 'required', description: 'Multiply the rate by this (0–1].', hidden: (s) => scheduleType(s) !== 'step' }),
  );

  const es = (s: DesignerState): boolean => getAt(s.recipe, T('earlyStopping')) !== false;
  const stopping = h('div', { class: 'settings-grid' },
    form.check(T('earlyStopping'), {
      title: 'Early stopping', label: 'Stop when the monitored metric stops improving and keep the best epoch (on by default; needs validation data)',
      read: es, write: (v) => form.set(T('earlyStopping'), v ? undefined : false),
    }),
    form.select(T('earlyStopping', 'monitor'), {
      label: 'Monitor', width: 's', description: 'The metric to watch: accuracy for single-label, binary_accuracy for multi-label, mae for regression.', hidden: (s) => !es(s),
      // a multi-task run reports the summed loss and each head's metrics: of the names a recipe can give, the losses
      choices: (s) => [{ value: '', label: 'Default (val_loss)' }, ...MONITOR_NAMES.filter((m) => !several(s) || m === 'val_loss' || m === 'loss' || m === getAt(s.recipe, T('earlyStopping', 'monitor'))).map((m) => ({ value: m, label: m }))],
    }),
    form.text(T('earlyStopping', 'patience'), { label: 'Patience', parse: 'integer', width: 's', placeholder: String(DEFAULTS.patience), description: 'Epochs without improvement before stopping.', hidden: (s) => !es(s) }),
    form.text(T('earlyStopping', 'minDelta'), { label: 'Minimum change', parse: 'number', width: 's', placeholder: String(DEFAULTS.minDelta), description: 'Smaller changes do not count as improvement.', hidden: (s) => !es(s) }),
  );

  const ft = (s: DesignerState): boolean => getAt(s.recipe, T('fineTune')) !== undefined;
  const fineTune = h('div', { class: 'settings-grid' },
    form.check(T('standardize'), {
      title: 'Standardise features', label: 'The head sees each feature standardised (mean and std of the training split), folded into the saved model',
      read: (s) => getAt(s.recipe, T('standardize')) !== false, write: (v) => form.set(T('standardize'), v ? undefined : false),
    }),
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
      // several heads weigh their losses instead ("lossWeight" of each head)
      hidden: (s) => several(s) && getAt(s.recipe, T('classWeights')) === undefined,
      choices: (s) => [
        { value: '', label: 'none' },
        { value: 'balanced', label: 'balanced' },
        ...(typeof getAt(s.recipe, T('classWeights')) === 'object' ? [{ value: 'custom', label: 'custom (edit as text)' }] : []),
      ],
      read: (s) => { const v = getAt(s.recipe, T('classWeights')); return v === undefined ? '' : typeof v === 'object' ? 'custom' : String(v); },
      write: (v) => { if (v !== 'custom') form.set(T('classWeights'), v === '' ? undefined : v); },
    }),
    form.select(T('baseline'), {
      label: 'Baseline', width: 's',
      description: (s) => (several(s)
        ? 'single-task: also train each head alone (same layers, same budget), to reveal negative transfer between the tasks.'
        : 'scratch: also train the same architecture from random weights, to reveal negative transfer.'),
      // "single-task" compares heads, "scratch" one task: each is offered where it applies (and shown, with its problem, where the recipe has it anyway)
      choices: (s) => {
        const current = getAt(s.recipe, T('baseline'));
        const scratch = { value: 'scratch', label: 'scratch', description: several(s) ? 'For one-task recipes: not with several heads' : 'Train from random weights too, for comparison' };
        const singleTask = { value: 'single-task', label: 'single-task', description: several(s) ? 'Train each head alone too, for comparison' : 'Needs several heads' };
        return [
          { value: '', label: `Default (${several(s) && (s.recipe?.heads?.length ?? 0) > 1 ? 'single-task' : 'none'})` },
          { value: 'none', label: 'none' },
          ...(several(s) ? [singleTask, ...(current === 'scratch' ? [scratch] : [])] : [scratch, ...(current === 'single-task' ? [singleTask] : [])]),
        ];
      },
    }),
    form.select(T('backend'), {
      label: 'Backend', width: 's', description: 'auto: GPU when usable, else native CPU, else WebAssembly.',
      choices: [{ value: '', label: `Default (${DEFAULTS.backend})` }, ...BACKENDS.map((b) => ({ value: b, label: b, description: BACKEND_NOTES[b] }))],
    }),
    h('div', {}),
  );

  const engine = h('div', { class: 'settings-grid' },
    form.select(['engine', 'name'], {
      label: 'Engine', width: 's', description: 'auto: PyTorch in your Python when it imports torch and sees a CUDA or MPS GPU, else the bundled TF.js engine.',
      choices: [{ value: '', label: `Default (${DEFAULTS.engine})` }, ...ENGINES.map((e) => ({ value: e, label: e, description: ENGINE_NOTES[e] }))],
    }),
    form.text(['engine', 'devices'], { label: 'GPUs', parse: 'integer', width: 's', placeholder: '1', description: 'PyTorch engine: GPUs to train on (torchrun, DistributedDataParallel).' }),
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
    h('h3', { class: 'sub' }, 'Engine'), engine,
  );
  return sec.el;
}
