/**
 * Decoded pixels kept in memory up to a byte budget. It fills until full and then keeps what it
 * has (no eviction churn: with shuffled epochs every policy hits about budget/dataset of the
 * time); everything else is decoded from disk again when a batch needs it. Memory therefore
 * stays under the budget however large the dataset is.
 */
export class PixelCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(readonly budgetBytes: number) {}

  get(file: string): Uint8Array | undefined {
    return this.map.get(file);
  }

  /** Whether `bytes` more would still fit. */
  hasRoom(bytes: number): boolean {
    return this.bytes + bytes <= this.budgetBytes;
  }

  /** Keeps `pixels` if they fit; returns whether they were kept. */
  set(file: string, pixels: Uint8Array): boolean {
    if (this.map.has(file)) return true;
    if (!this.hasRoom(pixels.byteLength)) return false;
    this.map.set(file, pixels);
    this.bytes += pixels.byteLength;
    return true;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get count(): number {
    return this.map.size;
  }
}
