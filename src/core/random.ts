/** A small seeded PRNG (mulberry32): the same seed gives the same split, order and augmentation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Seed for one epoch of one phase, derived from the run's seed. */
export function epochSeed(seed: number, epoch: number, salt = 0): number {
  return (Math.imul(seed ^ 0x9e3779b9, 31) + epoch * 7919 + salt * 104729) >>> 0;
}
