/**
 * What moving the cut changes in a recipe: the cut itself, and a head that fits the new features
 * — a feature map needs pooling in front of the head's Dense layers, a feature vector must not be
 * pooled again. Shared by `probe --apply` (jsonc edits of the file) and the designer (WorkspaceEdits).
 */
import { POOLING_HEAD_LAYERS } from './defaults';
import type { HeadLayerSpec, Recipe } from './schema';

const POOLING = new Set<HeadLayerSpec['type']>(POOLING_HEAD_LAYERS);

export interface RecipeChange {
  path: (string | number)[];
  value: unknown;
}

export function cutChanges(recipe: Partial<Recipe> | undefined, cut: string, spatial: boolean): RecipeChange[] {
  const changes: RecipeChange[] = [{ path: ['cut'], value: cut }];
  const head = recipe?.head;
  if (!head) return changes;
  const pooled = head.length > 0 && POOLING.has(head[0]!.type);
  if (spatial && !pooled) changes.push({ path: ['head'], value: [{ type: 'GlobalAveragePooling2D' }, ...head] });
  if (!spatial && pooled) {
    const rest = head.filter((h, i) => !(POOLING.has(h.type) && head.slice(0, i).every((x) => POOLING.has(x.type))));
    changes.push({ path: ['head'], value: rest.length ? rest : [{ type: 'Dense' }] });
  }
  return changes;
}
