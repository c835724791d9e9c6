/**
 * Chart data kept the way uPlot wants it (one sorted x array, one y column per series, nulls where
 * a series has no point), grown in place as events stream in: appending at the right end is O(1);
 * a point at an existing x (the baseline's batches line up with the head's) is a binary search.
 */
import type { Phase } from '../../src/core/protocol/reports';
import { isNum, type Ev, type RunModel } from './runModel';

export class AlignedSeries {
  readonly xs: number[] = [];
  readonly cols: (number | null)[][];
  private readonly counts: number[];
  version = 0;

  constructor(readonly size: number) {
    this.cols = Array.from({ length: size }, () => []);
    this.counts = new Array<number>(size).fill(0);
  }

  set(col: number, x: number, y: number | null | undefined): void {
    if (!isNum(x) || !this.cols[col]) return;
    const value = isNum(y) ? y : null;
    const xs = this.xs;
    let i: number;
    if (xs.length === 0 || x > xs[xs.length - 1]! + 1e-9) {
      i = xs.length;
      xs.push(x);
      for (const c of this.cols) c.push(null);
    } else {
      let lo = 0;
      let hi = xs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (xs[mid]! < x - 1e-9) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
      if (i >= xs.length || Math.abs(xs[i]! - x) > 1e-9) {
        xs.splice(i, 0, x);
        for (const c of this.cols) c.splice(i, 0, null);
      }
    }
    const column = this.cols[col]!;
    if (column[i] === null && value !== null) this.counts[col]!++;
    else if (column[i] !== null && value === null) this.counts[col]!--;
    column[i] = value;
    this.version++;
  }

  /** Points (non-null values) in a column. */
  count(col: number): number {
    return this.counts[col] ?? 0;
  }
}

/** Series order of the three charts. */
export const LOSS = { batch: 0, train: 1, val: 2, scratchBatch: 3, scratchVal: 4 } as const;
export const METRIC = { train: 0, val: 1, scratchTrain: 2, scratchVal: 3 } as const;
export const RATE = { head: 0, scratch: 1 } as const;

/** Every chart's data, fed from the same events as the run model (after it). */
export class ChartData {
  readonly loss = new AlignedSeries(5);
  readonly metric = new AlignedSeries(4);
  readonly rate = new AlignedSeries(2);

  constructor(private readonly model: RunModel) {}

  add(e: Ev<'epochStart'> | Ev<'batchEnd'> | Ev<'epochEnd'> | { type: string }): void {
    try {
      if (e.type === 'batchEnd') this.batch(e as Ev<'batchEnd'>);
      else if (e.type === 'epochEnd') this.epoch(e as Ev<'epochEnd'>);
      else if (e.type === 'epochStart') this.start(e as Ev<'epochStart'>);
    } catch {
      // a malformed event adds no point
    }
  }

  private batch(e: Ev<'batchEnd'>): void {
    if (!isNum(e.epoch) || !isNum(e.batch)) return;
    const x = this.model.x(e.phase, e.epoch) - 1 + e.batch / Math.max(1, isNum(e.batches) ? e.batches : e.batch);
    this.loss.set(e.phase === 'baseline' ? LOSS.scratchBatch : LOSS.batch, x, e.loss);
  }

  private epoch(e: Ev<'epochEnd'>): void {
    if (!isNum(e.epoch)) return;
    const x = this.model.x(e.phase, e.epoch);
    const logs = e.logs ?? {};
    const m = this.model.metric;
    if (e.phase === 'baseline') {
      this.loss.set(LOSS.scratchVal, x, logs.val_loss);
      if (m) {
        this.metric.set(METRIC.scratchTrain, x, logs[m]);
        this.metric.set(METRIC.scratchVal, x, logs[`val_${m}`]);
      }
    } else {
      this.loss.set(LOSS.train, x, logs.loss);
      this.loss.set(LOSS.val, x, logs.val_loss);
      if (m) {
        this.metric.set(METRIC.train, x, logs[m]);
        this.metric.set(METRIC.val, x, logs[`val_${m}`]);
      }
    }
    // the rate holds until the epoch ends: the stepped line needs its right edge
    const lr = logs.learning_rate;
    if (isNum(lr)) this.rate.set(e.phase === 'baseline' ? RATE.scratch : RATE.head, x, lr);
  }

  private start(e: Ev<'epochStart'>): void {
    if (!isNum(e.epoch) || !isNum(e.learningRate)) return;
    this.rate.set(e.phase === 'baseline' ? RATE.scratch : RATE.head, this.model.x(e.phase as Phase, e.epoch) - 1, e.learningRate);
  }
}
