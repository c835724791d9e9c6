/** Throughput and ETA across every phase of a run (extraction, head, fine-tune, baseline). */
export class Progress {
  private remaining: number;
  private secPerBatch: number | undefined;
  private ips: number | undefined;

  constructor(totalBatches: number) {
    this.remaining = totalBatches;
  }

  /** More work discovered (e.g. the baseline phase is added). */
  add(batches: number): void {
    this.remaining += batches;
  }

  batchDone(seconds: number, examples: number): void {
    this.remaining = Math.max(0, this.remaining - 1);
    const a = 0.1; // smoothing: recent batches count most
    this.secPerBatch = this.secPerBatch === undefined ? seconds : this.secPerBatch * (1 - a) + seconds * a;
    const rate = examples / Math.max(seconds, 1e-6);
    this.ips = this.ips === undefined ? rate : this.ips * (1 - a) + rate * a;
  }

  imagesPerSec(): number {
    return Math.round((this.ips ?? 0) * 10) / 10;
  }

  etaSec(): number | null {
    return this.secPerBatch === undefined ? null : Math.round(this.remaining * this.secPerBatch);
  }
}
