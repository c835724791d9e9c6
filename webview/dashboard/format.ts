/** How the dashboard writes phases, metrics, rates and times. */
import type { Phase } from '../../src/core/protocol/reports';
import { duration, num, pct } from '../shared/theme';

export { duration, num, pct };

export const PHASE_LABEL: Record<Phase, string> = { extract: 'features', head: 'head', fineTune: 'fine-tune', baseline: 'from scratch' };

/** A multi-task run's baseline is each head trained alone (the same layers and budget), not a model from scratch. */
export const MULTI_TASK_BASELINE = 'heads alone';

export function phaseLabel(phase: string | undefined, multiTask = false): string {
  if (multiTask && phase === 'baseline') return MULTI_TASK_BASELINE;
  return phase && phase in PHASE_LABEL ? PHASE_LABEL[phase as Phase] : (phase ?? '');
}

/** Accuracies are fractions shown as percentages; losses and errors are plain numbers. */
export function isFractionMetric(name: string | undefined): boolean {
  return !!name && /acc|map/i.test(name);
}

export function metricTitle(name: string | undefined): string {
  if (!name) return 'metric';
  if (name === 'mae') return 'MAE';
  if (name === 'mAP50') return 'mAP@0.5';
  return name.replace(/_/g, ' ');
}

export function fmtMetric(name: string | undefined, v: number | null | undefined): string {
  return isFractionMetric(name) ? pct(v) : num(v, 4);
}

/** Compact numbers for chart axes and legends: 0.0012 → 1.2e-3, 2.5 → 2.5. */
export function compact(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 0.01) return v.toExponential(1).replace('e-', 'e-').replace(/\.0e/, 'e');
  if (a < 10) return String(Number(v.toPrecision(3)));
  return String(Math.round(v * 10) / 10);
}

export function fmtRate(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : compact(v);
}

export function fmtSeconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : duration(ms / 1000);
}

export function fmtRateOfImages(ips: number | null | undefined): string {
  if (ips === null || ips === undefined || !Number.isFinite(ips)) return '–';
  return ips >= 100 ? ips.toFixed(0) : ips.toFixed(1);
}

/** The last path segment, for long file names in tight places. */
export function basename(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}
