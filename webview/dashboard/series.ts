/** Turning the run's events into chart series: x is the epoch (fractional within an epoch). */
import type { TimedEvent } from '../../src/extension/dashboard/protocol';

export interface Point { x: number; y: number | null }

export interface Series {
  batchLoss: Point[];
  trainLoss: Point[];
  valLoss: Point[];
  trainMetric: Point[];
  valMetric: Point[];
  baseBatchLoss: Point[];
  baseValLoss: Point[];
  baseValMetric: Point[];
  rate: Point[];
  metricName: string;
}

export function emptySeries(): Series {
  return { batchLoss: [], trainLoss: [], valLoss: [], trainMetric: [], valMetric: [], baseBatchLoss: [], baseValLoss: [], baseValMetric: [], rate: [], metricName: 'accuracy' };
}

/** Fold one event into the series (epochs of the fine-tune phase continue after the head's). */
export class SeriesBuilder {
  readonly s = emptySeries();
  private headEpochs = 0;

  private offset(phase: string): number {
    return phase === 'fineTune' ? this.headEpochs : 0;
  }

  add(e: TimedEvent): void {
    const s = this.s;
    switch (e.type) {
      case 'epochStart':
        if (e.phase === 'head') this.headEpochs = e.epochs;
        if (e.phase !== 'baseline') s.rate.push({ x: this.offset(e.phase) + e.epoch - 1, y: e.learningRate });
        break;
      case 'batchEnd': {
        const x = this.offset(e.phase) + e.epoch - 1 + e.batch / Math.max(1, e.batches);
        (e.phase === 'baseline' ? s.baseBatchLoss : s.batchLoss).push({ x, y: e.loss });
        break;
      }
      case 'epochEnd': {
        const x = this.offset(e.phase) + e.epoch;
        const metricKey = Object.keys(e.logs).find((k) => k !== 'loss' && k !== 'learning_rate' && !k.startsWith('val_'));
        if (metricKey) s.metricName = metricKey;
        const val = (k: string): number | null => (typeof e.logs[k] === 'number' ? (e.logs[k] as number) : null);
        if (e.phase === 'baseline') {
          s.baseValLoss.push({ x, y: val('val_loss') });
          if (metricKey) s.baseValMetric.push({ x, y: val(`val_${metricKey}`) });
        } else {
          s.trainLoss.push({ x, y: val('loss') });
          s.valLoss.push({ x, y: val('val_loss') });
          if (metricKey) {
            s.trainMetric.push({ x, y: val(metricKey) });
            s.valMetric.push({ x, y: val(`val_${metricKey}`) });
          }
        }
        break;
      }
      default:
        break;
    }
  }
}

/** Aligned arrays for uPlot: one shared, sorted x array; every series has nulls where it has no point. */
export function align(series: Point[][]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.map((p) => p.x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i] as const));
  return [xs, ...series.map((s) => {
    const arr = new Array<number | null>(xs.length).fill(null);
    for (const p of s) arr[index.get(p.x)!] = p.y;
    return arr;
  })];
}
