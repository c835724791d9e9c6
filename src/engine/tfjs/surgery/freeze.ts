/** Freeze rules of a recipe → which layers of the base are frozen. */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { FreezeRules } from '../../../core/recipe/schema';
import { allLayers, hasWeights, isContainer, leafLayers, leavesOf } from './layers';

export interface FreezeContext {
  /** The recipe file, for error messages. */
  file?: string;
  /** Names of every layer in the source model (to tell "above the cut" from "does not exist"). */
  sourceLayerNames: Set<string>;
  cut: string;
}

/** Names of the base's leaf layers that the rules freeze. */
export function frozenLeafNames(base: tf.LayersModel, rules: FreezeRules | undefined, ctx: FreezeContext): Set<string> {
  const leaves = leafLayers(base);
  const byName = new Map(allLayers(base).map((l) => [l.name, l] as const));
  const check = (name: string, jsonPath: string): tf.layers.Layer => {
    const layer = byName.get(name);
    if (layer) return layer;
    if (ctx.sourceLayerNames.has(name)) {
      throw new UserError(`layer "${name}" is above the cut layer "${ctx.cut}": it is not part of the adapted model`, { file: ctx.file, jsonPath, hint: 'name a layer at or below the cut' });
    }
    throw new UserError(`no layer named "${name}" in the model`, { file: ctx.file, jsonPath, hint: 'run `transfer-studio inspect MODEL` to list the layer names' });
  };

  const r = rules ?? {};
  const anyRule = r.upTo !== undefined || r.allButLast !== undefined || (r.classes?.length ?? 0) > 0 || (r.layers?.length ?? 0) > 0;
  const frozen = new Set<string>();
  if (r.all ?? !anyRule) leaves.forEach((l) => frozen.add(l.name));
  if (r.upTo !== undefined) {
    const target = check(r.upTo, '/freeze/upTo');
    const lastLeaf = leavesOf(target).at(-1) ?? target;
    const end = leaves.indexOf(lastLeaf);
    leaves.slice(0, end + 1).forEach((l) => frozen.add(l.name));
  }
  if (r.allButLast !== undefined) {
    // count from the top: the last N layers that have weights stay trainable (with everything above them)
    let kept = 0;
    let boundary = leaves.length;
    for (let i = leaves.length - 1; i >= 0 && kept < r.allButLast; i--) {
      if (hasWeights(leaves[i]!)) kept++;
      boundary = i;
    }
    if (r.allButLast === 0) boundary = leaves.length;
    leaves.slice(0, boundary).forEach((l) => frozen.add(l.name));
  }
  for (const cls of r.classes ?? []) leaves.filter((l) => l.getClassName() === cls).forEach((l) => frozen.add(l.name));
  (r.layers ?? []).forEach((name, i) => leavesOf(check(name, `/freeze/layers/${i}`)).forEach((l) => frozen.add(l.name)));
  (r.trainable ?? []).forEach((name, i) => leavesOf(check(name, `/freeze/trainable/${i}`)).forEach((l) => frozen.delete(l.name)));
  return frozen;
}

/** Set `trainable` on every leaf (and containers: trainable when any leaf inside is). */
export function applyFreeze(model: tf.LayersModel, frozen: Set<string>): void {
  const visit = (m: tf.LayersModel): boolean => {
    let anyTrainable = false;
    for (const layer of m.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      if (isContainer(layer)) {
        const inner = visit(layer);
        // TF.js's container setter would overwrite the leaves: set its private flag only
        (layer as unknown as { trainable_: boolean }).trainable_ = inner;
        anyTrainable ||= inner;
      } else {
        layer.trainable = !frozen.has(layer.name);
        anyTrainable ||= layer.trainable;
      }
    }
    return anyTrainable;
  };
  visit(model);
}
