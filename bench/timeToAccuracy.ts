/** P0 (filled in below when the PyTorch rebuild lands). */
export async function benchTimeToAccuracy(): Promise<void> {
  // placeholder removed before commit
}
