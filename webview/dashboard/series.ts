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
/** A head's two charts in a multi-task run: its loss and its metric, beside the total loss. */
export const HEAD_LOSS = { batch: 0, train: 1, val: 2 } as const;
export const HEAD_METRIC = { train: 0, val: 1 } as const;

export interface HeadSeries { loss: AlignedSeries; metric: AlignedSeries }

/** Every chart's data, fed from the same events as the run model (after it). */
export class ChartData {
  readonly loss = new AlignedSeries(5);
  readonly metric = new AlignedSeries(4);
  readonly rate = new AlignedSeries(2);
  /** Per head of a multi-task run (by name), made when its first point arrives. */
  readonly heads = new Map<string, HeadSeries>();

  constructor(private readonly model: RunModel) {}

  head(name: string): HeadSeries {
    let s = this.heads.get(name);
    if (!s) {
      s = { loss: new AlignedSeries(3), metric: new AlignedSeries(2) };
      this.heads.set(name, s);
    }
    return s;
  }

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
    const heads = this.model.heads;
    if (!heads) {
      this.loss.set(e.phase === 'baseline' ? LOSS.scratchBatch : LOSS.batch, x, e.loss);
      return;
    }
    // a multi-task run: the transferred model's heads (its baselines report progress, not batches)
    if (e.phase === 'baseline') return;
    this.loss.set(LOSS.batch, x, e.loss);
    const metrics = e.metrics && typeof e.metrics === 'object' ? e.metrics : {};
    for (const hd of heads) this.head(hd.name).loss.set(HEAD_LOSS.batch, x, metrics[`${hd.name}_loss`]);
  }

  private epoch(e: Ev<'epochEnd'>): void {
    if (!isNum(e.epoch)) return;
    const x = this.model.x(e.phase, e.epoch);
    const logs = e.logs ?? {};
    const m = this.model.metric;
    if (this.model.heads) this.headEpoch(e.phase, x, logs);
    else if (e.phase === 'baseline') {
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

  /** A multi-task epoch: the summed loss, and each head's loss and metric (its baselines report progress, not epochs). */
  private headEpoch(phase: Phase, x: number, logs: Record<string, number | null>): void {
    if (phase === 'baseline') return;
    this.loss.set(LOSS.train, x, logs.loss);
    this.loss.set(LOSS.val, x, logs.val_loss);
    for (const hd of this.model.heads ?? []) {
      const s = this.head(hd.name);
      const k = `${hd.name}_${hd.metric}`;
      s.loss.set(HEAD_LOSS.train, x, logs[`${hd.name}_loss`]);
      s.loss.set(HEAD_LOSS.val, x, logs[`val_${hd.name}_loss`]);
      s.metric.set(HEAD_METRIC.train, x, logs[k]);
      s.metric.set(HEAD_METRIC.val, x, logs[`val_${k}`]);
    }
  }

  private start(e: Ev<'epochStart'>): void {
    if (!isNum(e.epoch) || !isNum(e.learningRate)) return;
    this.rate.set(e.phase === 'baseline' ? RATE.scratch : RATE.head, this.model.x(e.phase as Phase, e.epoch) - 1, e.learningRate);
  }
}
