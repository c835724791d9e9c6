/** The recipe diff: the fields that are not the same in every run, as JSON pointers. */
import { isObject, type Json } from './read';
import type { RecipeDifference } from './types';

const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * The fields that differ, as JSON pointers: objects and arrays that every recipe has are walked
 * into; anything else is one value. Keys keep the first recipe's order, new keys follow.
 */
export function diffRecipes(recipes: (Record<string, unknown> | null)[]): RecipeDifference[] {
  const out: RecipeDifference[] = [];
  const walk = (path: string, values: (unknown | undefined)[]): void => {
    const present = values.filter((v) => v !== undefined);
    if (present.length === values.length && present.every((v) => same(v, present[0]))) return;
    // walked into only when every run has it: a field that one recipe lacks is shown whole
    if (present.length === values.length && present.every(isObject)) {
      const keys: string[] = [];
      for (const v of present as Json[]) for (const k of Object.keys(v)) if (!keys.includes(k)) keys.push(k);
      for (const k of keys) walk(`${path}/${pointer(k)}`, values.map((v) => (isObject(v) ? v[k] : undefined)));
      return;
    }
    if (present.length === values.length && present.every(Array.isArray)) {
      const n = Math.max(...(present as unknown[][]).map((a) => a.length));
      for (let i = 0; i < n; i++) walk(`${path}/${i}`, values.map((v) => (Array.isArray(v) ? v[i] : undefined)));
      return;
    }
    out.push({ path: path || '/', values: values.map((v) => (v === undefined ? null : { value: v })) });
  };
  walk('', recipes.map((r) => r ?? undefined));
  return out;
}
