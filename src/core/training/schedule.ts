/**
 * Learning-rate schedules per epoch, shared by both engines: constant, cosine (with warm-up),
 * step, and reduce-on-plateau of the monitored metric (Keras's ReduceLROnPlateau).
 */
import { DEFAULTS } from '../recipe/defaults';
import type { ScheduleSpec } from '../recipe/schema';
import type { MonitorMode } from './monitor';

export interface Schedule {
  /** The rate for `epoch` (0-based). */
  rate(epoch: number): number;
  /** The monitored value at the end of an epoch (plateau reads it; the others ignore it). */
  observe(value: number | null | undefined): void;
}

/** Learning rate for `epoch` (0-based) of `epochs` for the schedules that depend only on the epoch. */
export function epochRate(spec: ScheduleSpec, base: number, epoch: number, epochs: number): number {
  switch (spec.type) {
    case 'cosine': {
      const warm = spec.warmupEpochs ?? 0;
      const min = spec.minLearningRate ?? 0;
      if (epoch < warm) return (base * (epoch + 1)) / (warm + 1);
      const t = epochs - warm <= 1 ? 0 : (epoch - warm) / (epochs - warm - 1);
      return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
    case 'step':
      return base * Math.pow(spec.factor, Math.floor(epoch / spec.everyEpochs));
    default:
      return base;
  }
}

export function makeSchedule(spec: ScheduleSpec, base: number, epochs: number, mode: MonitorMode): Schedule {
  if (spec.type !== 'plateau') return { rate: (e) => epochRate(spec, base, e, epochs), observe: () => undefined };
  const factor = spec.factor ?? DEFAULTS.plateauFactor;
  const patience = spec.patience ?? DEFAULTS.plateauPatience;
  const min = Math.min(base, spec.minLearningRate ?? DEFAULTS.plateauMinLearningRate);
  let rate = base;
  let best = mode === 'max' ? -Infinity : Infinity;
  let wait = 0;
  return {
    rate: () => rate,
    observe(value) {
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      if (mode === 'max' ? value > best : value < best) {
        best = value;
        wait = 0;
      } else if (++wait >= patience) {
        rate = Math.max(min, rate * factor);
        wait = 0;
      }
    },
  };
}
