/**
 * Which layers a recipe freezes, computed on layer summaries (no TF.js): the engine applies it to
 * the real model, the tree view and the designer show it instantly as the recipe changes.
 */
import { UserError } from './errors';
import { findLayer, type LayerSummary } from './modelSummary';
import type { FreezeRules } from './recipe/schema';

function isLeaf(l: LayerSummary): boolean {
  return !l.layers && l.className !== 'InputLayer';
}

function leavesOf(l: LayerSummary): LayerSummary[] {
  if (!l.layers) return isLeaf(l) ? [l] : [];
  return l.layers.flatMap(leavesOf);
}

/**
 * Leaf layers that feed `cut` (and `cut` itself), in execution order, nested models expanded:
 * the base that the new head sits on. Undefined when `cut` is not a layer.
 */
export function baseLeaves(layers: LayerSummary[], cut: string): LayerSummary[] | undefined {
  const found = findLayer(layers, cut);
  if (!found) return undefined;
  const keep = new Set<string>();
  const walk = (level: LayerSummary[], path: string[]): void => {
    const byName = new Map(level.map((l) => [l.name, l] as const));
    const [here, ...rest] = path;
    // ancestors of `here` inside this level (by inbound links; a Sequential's layers chain in order)
    const ancestors = new Set<string>();
    const stack = [here!];
    while (stack.length) {
      const n = stack.pop()!;
      const l = byName.get(n);
      if (!l) continue;
      let inbound = l.inbound;
      if (inbound.length === 0) {
        const i = level.indexOf(l);
        if (i > 0 && level[i - 1]!.className !== 'InputLayer') inbound = [level[i - 1]!.name];
      }
      for (const p of inbound) if (!ancestors.has(p)) { ancestors.add(p); stack.push(p); }
    }
    for (const l of level) if (ancestors.has(l.name)) leavesOf(l).forEach((x) => keep.add(x.name));
    const target = byName.get(here!)!;
    if (rest.length === 0) leavesOf(target).forEach((x) => keep.add(x.name));
    else walk(target.layers ?? [], rest);
  };
  walk(layers, found.path);
  const out: LayerSummary[] = [];
  const visit = (level: LayerSummary[]): void => level.forEach((l) => { if (l.layers) visit(l.layers); else if (keep.has(l.name)) out.push(l); });
  visit(layers);
  return out;
}

export interface FreezeContext {
  file?: string;
  cut: string;
  /** Every layer name of the source model, to tell "above the cut" from "does not exist". */
  sourceNames: Set<string>;
}

/** Names of the base's leaf layers the rules freeze. `base` is the base model's layer tree. */
export function frozenLayerNames(base: LayerSummary[], rules: FreezeRules | undefined, ctx: FreezeContext): Set<string> {
  const leaves = base.flatMap(leavesOf);
  const check = (name: string, jsonPath: string): LayerSummary => {
    const f = findLayer(base, name);
    if (f) return f.layer;
    if (ctx.sourceNames.has(name)) {
      throw new UserError(`layer "${name}" is above the cut layer "${ctx.cut}": it is not part of the adapted model`, { file: ctx.file, jsonPath, hint: 'name a layer at or below the cut' });
    }
    throw new UserError(`no layer named "${name}" in the model`, { file: ctx.file, jsonPath, hint: 'run `transfer-studio inspect MODEL` to list the layer names' });
  };
  const r = rules ?? {};
  const anyRule = r.upTo !== undefined || r.allButLast !== undefined || (r.classes?.length ?? 0) > 0 || (r.layers?.length ?? 0) > 0;
  const frozen = new Set<string>();
  if (r.all ?? !anyRule) leaves.forEach((l) => frozen.add(l.name));
  if (r.upTo !== undefined) {
    const last = leavesOf(check(r.upTo, '/freeze/upTo')).at(-1);
    const end = last ? leaves.indexOf(last) : -1;
    leaves.slice(0, end + 1).forEach((l) => frozen.add(l.name));
  }
  if (r.allButLast !== undefined && r.allButLast > 0) {
    let kept = 0;
    let boundary = leaves.length;
    for (let i = leaves.length - 1; i >= 0 && kept < r.allButLast; i--) {
      if (leaves[i]!.trainableParams + leaves[i]!.nonTrainableParams > 0) kept++;
      boundary = i;
    }
    leaves.slice(0, boundary).forEach((l) => frozen.add(l.name));
  } else if (r.allButLast === 0) leaves.forEach((l) => frozen.add(l.name));
  for (const cls of r.classes ?? []) leaves.filter((l) => l.className === cls).forEach((l) => frozen.add(l.name));
  (r.layers ?? []).forEach((name, i) => leavesOf(check(name, `/freeze/layers/${i}`)).forEach((l) => frozen.add(l.name)));
  (r.trainable ?? []).forEach((name, i) => leavesOf(check(name, `/freeze/trainable/${i}`)).forEach((l) => frozen.delete(l.name)));
  return frozen;
}

/**
 * The smallest change to the rules that makes `layer` (a leaf or a nested model) trainable or
 * frozen: exceptions go to `trainable`, extra frozen layers to `layers`; bulk rules stay as written.
 */
export function toggleLayer(rules: FreezeRules | undefined, base: LayerSummary[], layer: string, trainable: boolean, ctx: FreezeContext): FreezeRules {
  const target = findLayer(base, layer)?.layer;
  if (!target) throw new UserError(`no layer named "${layer}" at or below the cut`, { file: ctx.file });
  const names = leavesOf(target).map((l) => l.name);
  const next: FreezeRules = { ...(rules ?? {}) };
  const anyRule = next.upTo !== undefined || next.allButLast !== undefined || (next.classes?.length ?? 0) > 0 || (next.layers?.length ?? 0) > 0;
  if (next.all === undefined && !anyRule) next.all = true; // make the implicit default explicit before adding exceptions
  const without = (list: string[] | undefined, remove: Set<string>): string[] | undefined => {
    const out = (list ?? []).filter((n) => !remove.has(n));
    return out.length ? out : undefined;
  };
  const set = new Set([layer, ...names]);
  if (trainable) {
    next.layers = without(next.layers, set);
    const stillFrozen = frozenLayerNames(base, next, ctx);
    if (names.some((n) => stillFrozen.has(n))) next.trainable = [...new Set([...(next.trainable ?? []), layer])];
  } else {
    next.trainable = without(next.trainable, set);
    const nowFrozen = frozenLayerNames(base, next, ctx);
    if (names.some((n) => !nowFrozen.has(n))) next.layers = [...new Set([...(next.layers ?? []), layer])];
  }
  if (!next.layers) delete next.layers;
  if (!next.trainable) delete next.trainable;
  return next;
}

/** The source tree pruned to the layers at or below the cut (nested models kept when any of their leaves are). */
export function baseTree(layers: LayerSummary[], cut: string): LayerSummary[] | undefined {
  const leaves = baseLeaves(layers, cut);
  if (!leaves) return undefined;
  const keep = new Set(leaves.map((l) => l.name));
  const prune = (level: LayerSummary[]): LayerSummary[] =>
    level.flatMap((l) => {
      if (!l.layers) return keep.has(l.name) ? [l] : [];
      const inner = prune(l.layers);
      return inner.length ? [{ ...l, layers: inner }] : [];
    });
  return prune(layers);
}
