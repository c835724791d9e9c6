/** Freeze rules of a recipe → the `trainable` flags of the real layers (the rules themselves live in src/core/freeze.ts). */
import type * as tf from '@tensorflow/tfjs';
import { frozenLayerNames, type FreezeContext } from '../../../core/freeze';
import type { FreezeRules } from '../../../core/recipe/schema';
import { summarizeLayer } from '../inspect';
import { isContainer } from './layers';

export function frozenLeafNames(base: tf.LayersModel, rules: FreezeRules | undefined, ctx: FreezeContext): Set<string> {
  return frozenLayerNames(base.layers.map((l) => summarizeLayer(l, base)), rules, ctx);
}

/** Set `trainable` on every leaf (containers: trainable when any leaf inside is). */
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
