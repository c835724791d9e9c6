/**
 * How a run's numbers are summed up in the Runs view, its tooltip and the "finished" message: the
 * best validation figure while it trains, then its evaluation's headline. A multi-task run names
 * each head's headline, and the heads that did worse for sharing (negative transfer). No VS Code.
 */
import type { HeadInfo, MultiTaskReport } from '../../core/protocol/reports';

export interface Score {
  /** What it is: "val_accuracy", "test accuracy", "test MAE"… */
  name: string;
  value: number;
  higherIsBetter: boolean;
}

export interface HeadScore extends Score {
  head: string;
  verdict?: MultiTaskReport['heads'][number]['verdict'];
}

/** 87.5% for a fraction that is better high (accuracies), else the number (0.0712, 12.4). */
export function formatScore(s: Pick<Score, 'value' | 'higherIsBetter'>): string {
  const v = s.value;
  if (!Number.isFinite(v)) return '–';
  if (s.higherIsBetter && v >= 0 && v <= 1) return `${(v * 100).toFixed(1)}%`;
  return Math.abs(v) < 1 ? v.toPrecision(3) : v.toFixed(3);
}

/** "test accuracy 91.7%"; a multi-task run: "item test accuracy 87.5%, coverage test MAE 0.0712 · negative transfer: coverage". */
export function describeScores(best: Score | undefined, heads: HeadScore[] | undefined): string {
  if (heads?.length) {
    const worse = heads.filter((hd) => hd.verdict === 'worse').map((hd) => hd.head);
    return `${heads.map((hd) => `${hd.head} ${hd.name} ${formatScore(hd)}`).join(', ')}${worse.length ? ` · negative transfer: ${worse.join(', ')}` : ''}`;
  }
  return best ? `${best.name} ${formatScore(best)}` : '';
}

const METRIC_WORDS: Record<string, string> = { accuracy: 'accuracy', binary_accuracy: 'label accuracy', mae: 'MAE' };

/** Each head's best epoch figure so far: its validation metric (its training metric without validation data). */
export function bestHeadScores(heads: readonly HeadInfo[], previous: HeadScore[] | undefined, logs: Record<string, number | null>): HeadScore[] {
  return heads.map((hd, i) => {
    const key = `${hd.name}_${hd.metric}`;
    const val = logs[`val_${key}`];
    const value = typeof val === 'number' ? val : logs[key];
    const higherIsBetter = hd.metric !== 'mae';
    const name = `${typeof val === 'number' ? 'val ' : ''}${METRIC_WORDS[hd.metric] ?? hd.metric}`;
    const was = previous?.find((p) => p.head === hd.name) ?? previous?.[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) return was ?? { head: hd.name, name, value: NaN, higherIsBetter };
    if (was && was.name === name && Number.isFinite(was.value) && (higherIsBetter ? was.value >= value : was.value <= value)) return was;
    return { head: hd.name, name, value, higherIsBetter };
  });
}

/** A multi-task evaluation's headline per head, with the verdict when the heads were also trained alone. */
export function evaluatedHeadScores(mt: MultiTaskReport): HeadScore[] {
  return mt.heads.map((hd) => ({ head: hd.name, name: `${mt.split} ${hd.metric}`, value: hd.value, higherIsBetter: hd.higherIsBetter, ...(hd.verdict ? { verdict: hd.verdict } : {}) }));
}
