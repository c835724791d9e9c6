/** Stratified train/validation split with a fixed seed: every class with ≥ 2 examples is in both. */
import { rng, shuffled } from '../../../core/random';
import type { Example } from './types';

export function stratifiedSplit(examples: Example[], fraction: number, seed: number, classOf: (e: Example) => number): { train: Example[]; validation: Example[] } {
  if (fraction <= 0) return { train: examples, validation: [] };
  const random = rng(seed);
  const byClass = new Map<number, Example[]>();
  for (const e of examples) {
    const c = classOf(e);
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(e);
  }
  const train: Example[] = [];
  const validation: Example[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const items = shuffled(byClass.get(c)!, random);
    let n = Math.round(items.length * fraction);
    if (items.length >= 2) n = Math.min(items.length - 1, Math.max(1, n));
    else n = 0;
    validation.push(...items.slice(0, n));
    train.push(...items.slice(n));
  }
  return { train, validation };
}
