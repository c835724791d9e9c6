/** Formatting shared by the CLI and the Compare Runs panel. */
import type { FinalMetrics } from './types';

/** A recipe value in a table cell: strings as they are, numbers as written, anything else as compact JSON. */
export function formatRecipeValue(cell: { value: unknown } | null): string {
  if (cell === null) return '–';
  const v = cell.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** Accuracies as percentages, losses and errors as numbers. */
export function formatMetric(name: string | null | undefined, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return name && /acc/i.test(name) ? `${(v * 100).toFixed(1)}%` : v.toFixed(4);
}

/** "TF.js wasm", "PyTorch cuda". */
export function formatEngine(f: FinalMetrics): string {
  const engine = f.engine === 'pytorch' ? 'PyTorch' : f.engine === 'tfjs' || f.backend ? 'TF.js' : null;
  return [engine, f.backend].filter(Boolean).join(' ') || '–';
}

/** "3 (head)", "12 (fine-tune 4)". */
export function formatKept(f: FinalMetrics): string {
  if (f.keptEpoch === null) return '–';
  if (f.keptPhase === 'fineTune') return `${f.keptEpoch} (fine-tune ${f.keptPhaseEpoch ?? '?'})`;
  return `${f.keptEpoch} (head)`;
}

/** "8", "8 + 4" (head + fine-tune). */
export function formatEpochsRun(f: FinalMetrics): string {
  if (f.epochsPerPhase.length > 1) return f.epochsPerPhase.map((p) => String(p.epochs)).join(' + ');
  return f.epochsRun === null ? '–' : String(f.epochsRun);
}
