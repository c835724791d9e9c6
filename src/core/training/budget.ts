/**
 * The training budget of each phase, decided in core from the recipe and what the run knows
 * (task, validation data, whether the head trains on cached features), so both engines agree:
 * epochs, learning rate, schedule and monitor. With cached features an epoch costs milliseconds,
 * so the head's cap is high and convergence (early stopping) ends it; phase 2 and the baseline
 * run the whole network every step and keep smaller budgets.
 */
import { DEFAULTS, type Task } from '../recipe/defaults';
import type { ResolvedTraining } from '../recipe/resolve';
import type { ScheduleSpec } from '../recipe/schema';
import { resolveMonitor, type Monitor, type MonitoredHead } from './monitor';

export type TrainingPhase = 'head' | 'fineTune' | 'baseline';

export interface PhaseBudget {
  phase: TrainingPhase;
  epochs: number;
  learningRate: number;
  schedule: ScheduleSpec;
  monitor: Monitor;
}

export interface BudgetContext {
  task: Task;
  hasValidation: boolean;
  /** The head trains on cached features (the base runs once per image). */
  cached: boolean;
  file?: string;
  /** A multi-task run's heads (the metrics it reports and can monitor). */
  heads?: readonly MonitoredHead[];
}

function defaultSchedule(t: ResolvedTraining, monitor: Monitor): ScheduleSpec {
  if (t.schedule) return t.schedule;
  // a plateau needs a monitored value that means something: validation data
  return monitor.patience !== undefined ? { type: 'plateau' } : { type: 'constant' };
}

export function phaseBudgets(t: ResolvedTraining, ctx: BudgetContext): PhaseBudget[] {
  const monitor = resolveMonitor(t, ctx.task, ctx.hasValidation, ctx.file, ctx.heads);
  const headEpochs = t.epochs ?? (ctx.cached ? DEFAULTS.cachedEpochs : DEFAULTS.epochs);
  const phases: PhaseBudget[] = [{ phase: 'head', epochs: headEpochs, learningRate: t.learningRate, schedule: defaultSchedule(t, monitor), monitor }];
  if (t.fineTune) {
    phases.push({ phase: 'fineTune', epochs: t.fineTune.epochs, learningRate: t.learningRate * t.fineTune.learningRateFactor, schedule: t.schedule ?? { type: 'constant' }, monitor });
  }
  if (t.baseline === 'scratch') {
    // the same network from random weights, trained on the same split with the same stopping rule
    // its validation scores use BatchNorm statistics that lag its weights until it is trained, so
    // it trains for its whole cap and its statistics are re-estimated before it is evaluated
    const epochs = t.baselineEpochs ?? t.epochs ?? DEFAULTS.epochs + (t.fineTune?.epochs ?? 0);
    phases.push({ phase: 'baseline', epochs, learningRate: t.learningRate, schedule: t.schedule ?? { type: 'constant' }, monitor: { ...monitor, patience: undefined, restoreBest: false, note: undefined } });
  }
  return phases;
}
