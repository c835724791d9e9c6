/**
 * The early-stopping monitor, resolved once per phase from the recipe, the task and whether the
 * run has validation data. Its direction comes from the metric itself (losses and errors
 * minimise, accuracies maximise); a monitor that names a metric the run will not report is a
 * UserError at `check` time, never a silent fallback to another metric.
 */
import { UserError } from '../errors';
import { DEFAULTS, type MonitorName, type Task } from '../recipe/defaults';

/** A recipe's early stopping, resolved: 'default' (on wherever there is validation data), off, or as written. */
export type EarlyStoppingSetting = 'default' | false | { monitor?: MonitorName; patience: number; minDelta: number };

export type MonitorMode = 'min' | 'max';

export interface Monitor {
  /** An epoch log key: loss, val_loss, accuracy, val_binary_accuracy, val_mae… */
  metric: string;
  mode: MonitorMode;
  minDelta: number;
  /** Epochs without improvement before the phase stops; undefined: it runs to its epoch cap. */
  patience?: number;
  /** Keep the best epoch's weights at the end (Keras's restore_best_weights). */
  restoreBest: boolean;
  /** Why the run cannot stop early, when early stopping was wanted but is impossible. */
  note?: string;
}

/** The per-epoch metric of a task (beside `loss`), as both engines name it. Detection's, mAP@0.5, is measured on validation images only. */
export function taskMetric(task: Task): 'accuracy' | 'binary_accuracy' | 'mae' | 'mAP50' {
  return task === 'single-label' ? 'accuracy' : task === 'multi-label' ? 'binary_accuracy' : task === 'detection' ? 'mAP50' : 'mae';
}

/** A multi-task run's heads, as far as its metrics go. */
export type MonitoredHead = { name: string; task: Exclude<Task, 'detection'> };

/** Every epoch log key a run reports (learning_rate aside); a multi-task run: the summed loss and each head's loss and metric. */
export function reportedMetrics(task: Task, hasValidation: boolean, heads?: readonly MonitoredHead[]): string[] {
  if (heads) {
    const train = ['loss', ...heads.flatMap((h) => [`${h.name}_loss`, `${h.name}_${taskMetric(h.task)}`])];
    return hasValidation ? [...train, ...train.map((k) => `val_${k}`)] : train;
  }
  // mAP needs decoding, NMS and matching over whole images: on the validation split only
  if (task === 'detection') return hasValidation ? ['loss', 'val_loss', `val_${taskMetric(task)}`, 'val_mAP'] : ['loss'];
  const m = taskMetric(task);
  return hasValidation ? ['loss', m, 'val_loss', `val_${m}`] : ['loss', m];
}

export function metricMode(metric: string): MonitorMode {
  return /(accuracy|f1|map\d*|auc|precision|recall|iou)$/i.test(metric) ? 'max' : 'min';
}

/** The metric a run monitors when the recipe names none: detection's is mAP@0.5 (what its users judge it by), the others' the validation loss. */
export function defaultMonitor(task: Task, hasValidation: boolean): string {
  if (!hasValidation) return 'loss';
  return task === 'detection' ? 'val_mAP50' : 'val_loss';
}

/**
 * The monitor of a run: which metric decides the best epoch (always) and whether and when it
 * stops early. Without validation data a default early stopping cannot work: the run says so and
 * uses the epoch cap; an explicit monitor must be one the run reports.
 */
export function resolveMonitor(training: { earlyStopping: EarlyStoppingSetting }, task: Task, hasValidation: boolean, file?: string, heads?: readonly MonitoredHead[]): Monitor {
  const es = training.earlyStopping;
  const reported = reportedMetrics(task, hasValidation, heads);
  const explicit = es && es !== 'default' ? es.monitor : undefined;
  if (explicit && !reported.includes(explicit)) {
    const why = explicit.startsWith('val_') && !hasValidation
      ? 'the run has no validation data (set "data.validationSplit" above 0 or "data.validation")'
      : heads ? `a multi-task run reports ${reported.join(', ')}` : `a ${task} run reports ${reported.join(', ')}`;
    throw new UserError(`early stopping monitors "${explicit}", which this run will not report: ${why}`, {
      file, jsonPath: '/training/earlyStopping/monitor', hint: `use one of ${reported.map((r) => `"${r}"`).join(', ')}`,
    });
  }
  const metric = explicit ?? defaultMonitor(task, hasValidation);
  const base = { metric, mode: metricMode(metric), minDelta: es && es !== 'default' ? es.minDelta : DEFAULTS.minDelta, restoreBest: true };
  if (es === false) return { ...base, restoreBest: false };
  if (!hasValidation && !explicit) {
    return { ...base, restoreBest: false, note: 'no validation data: the run cannot stop early and trains for the whole epoch cap' };
  }
  return { ...base, patience: es === 'default' ? DEFAULTS.patience : es.patience };
}

/** Best-epoch bookkeeping for one phase: which epoch improved, and when to stop. */
export class EarlyStopper {
  private best: number;
  bestEpoch = -1;
  bestValue: number | null = null;
  sinceBest = 0;

  constructor(readonly monitor: Monitor) {
    this.best = monitor.mode === 'max' ? -Infinity : Infinity;
  }

  /** Records an epoch's value (0-based epoch); true when it is the best so far. */
  observe(epoch: number, value: number | null | undefined): boolean {
    const d = this.monitor.minDelta;
    const improved = value !== null && value !== undefined && Number.isFinite(value) && (this.monitor.mode === 'max' ? value > this.best + d : value < this.best - d);
    if (improved) {
      this.best = value;
      this.bestValue = value;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
    } else this.sinceBest++;
    return improved;
  }

  get shouldStop(): boolean {
    return this.monitor.patience !== undefined && this.sinceBest >= this.monitor.patience;
  }
}
