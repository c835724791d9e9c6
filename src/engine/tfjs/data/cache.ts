/**
 * Decoded pixels, kept up to a memory budget (least recently used out first). Beyond the budget
 * images are decoded from disk again per batch: memory does not grow with the dataset.
 */
export class PixelCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(readonly budgetBytes: number) {}

  get(file: string): Uint8Array | undefined {
    const v = this.map.get(file);
    if (v) {
      this.map.delete(file);
      this.map.set(file, v); // most recently used last
    }
    return v;
  }

  set(file: string, pixels: Uint8Array): void {
    if (pixels.byteLength > this.budgetBytes || this.map.has(file)) return;
    while (this.bytes + pixels.byteLength > this.budgetBytes && this.map.size) {
      const [oldest, v] = this.map.entries().next().value as [string, Uint8Array];
      this.map.delete(oldest);
      this.bytes -= v.byteLength;
    }
    this.map.set(file, pixels);
    this.bytes += pixels.byteLength;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get count(): number {
    return this.map.size;
  }
}
