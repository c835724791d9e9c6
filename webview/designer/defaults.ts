/**
 * What the designer needs beyond core's defaults (src/core/recipe/defaults.ts, the one home of
 * every default and enumeration): a new head layer of a type, and the first problem of a head
 * layer, read from the recipe schema itself before a `setHead` is sent.
 */
import { DEFAULTS, HEAD_LAYER_DESCRIPTIONS, HEAD_LAYER_TYPES } from '../../src/core/recipe/defaults';
import { HeadLayerSchema, type HeadLayerSpec } from '../../src/core/recipe/schema';

export { ACTIVATIONS, DEFAULTS, outputActivation } from '../../src/core/recipe/defaults';

export const HEAD_TYPES: { type: HeadLayerSpec['type']; description: string }[] = HEAD_LAYER_TYPES.map((type) => ({ type, description: HEAD_LAYER_DESCRIPTIONS[type] }));

/** A new head layer of a type, with the fields its schema requires filled in. */
export function newHeadLayer(type: HeadLayerSpec['type']): HeadLayerSpec {
  switch (type) {
    case 'Dense': return { type, units: 128, activation: 'relu' };
    case 'Dropout': return { type, rate: DEFAULTS.dropout };
    case 'Activation': return { type, activation: 'relu' };
    default: return { type };
  }
}

/** The first problem the recipe schema finds in one head layer: its field and message (the extension drops a head that does not validate). */
export function headLayerProblem(l: HeadLayerSpec): { field: string; message: string } | undefined {
  const r = HeadLayerSchema.safeParse(l);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  const field = String(issue.path[0] ?? 'type');
  const message = issue.code === 'invalid_type' && issue.input === undefined ? `${field === 'rate' ? 'a dropout rate' : field} is required` : issue.message;
  return { field, message };
}
