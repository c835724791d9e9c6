/**
 * Stratified, seeded train/validation split. Examples are grouped by stratum (single-label: the
 * class; multi-label: the example's rarest label; regression: one group), each group is shuffled
 * with the seed and `fraction` of it (rounded) goes to validation — at least one and never all
 * of a group with ≥ 2 examples, so every such class is in both splits. Same seed and same
 * listing → same split.
 */
import { rng, shuffled } from '../../../core/random';
import type { Task } from '../../../core/recipe/schema';
import type { Example } from './types';

export function stratifiedSplit(examples: Example[], fraction: number, seed: number, stratum: (e: Example) => number): { train: Example[]; validation: Example[] } {
  if (!(fraction > 0)) return { train: examples.slice(), validation: [] };
  const random = rng(seed);
  const groups = new Map<number, Example[]>();
  for (const e of examples) {
    const k = stratum(e);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(e);
  }
  const train: Example[] = [];
  const validation: Example[] = [];
  for (const k of [...groups.keys()].sort((a, b) => a - b)) {
    const items = shuffled(groups.get(k)!, random);
    const n = items.length < 2 ? 0 : Math.min(items.length - 1, Math.max(1, Math.round(items.length * fraction)));
    validation.push(...items.slice(0, n));
    train.push(...items.slice(n));
  }
  return { train, validation };
}

/** The stratum of each example for `task` (see above); -1 for a multi-label example without labels. */
export function strataFor(task: Task, examples: Example[]): (e: Example) => number {
  if (task === 'regression') return () => 0;
  if (task === 'single-label') return (e) => e.classes[0] ?? -1;
  const counts = new Map<number, number>();
  for (const e of examples) for (const c of e.classes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return (e) => {
    let best = -1;
    for (const c of e.classes) if (best < 0 || counts.get(c)! < counts.get(best)! || (counts.get(c) === counts.get(best) && c < best)) best = c;
    return best;
  };
}
