/**
 * What switching a recipe between one head and several ("heads") changes besides the heads
 * themselves: the fields a multi-task recipe may not have go (the top-level "task", "data.labels",
 * a "scratch" baseline), and back to one head the ones it may not have without heads (a
 * "single-task" baseline). The designer computes the new heads and layers; the extension writes
 * these changes as one edit. Pure: the designer's browser tests apply the same changes.
 */
import type { RecipeChange } from './cutEdits';
import type { HeadTask } from './defaults';
import type { HeadLayerSpec, Recipe, TaskHeadSpec } from './schema';

export interface SetHeads {
  heads: TaskHeadSpec[];
  /** The layers every head shares (the top-level "head"); null removes them (the default applies); undefined leaves them. */
  head?: HeadLayerSpec[] | null;
}

export interface SingleHead {
  task: HeadTask;
  /** The one head's layers; null: none in the recipe (the default head applies). */
  head: HeadLayerSpec[] | null;
  /** The class order of the head ("data.labels"). */
  labels?: string[];
}

/** Where a new top-level "heads" goes: after "head" (the layers they share) or the fields before it, as the schema orders them, not at the end. For jsonc-parser's `getInsertionIndex`. */
export function insertionIndex(p: readonly (string | number)[]): ((properties: string[]) => number) | undefined {
  if (p.length !== 1 || p[0] !== 'heads') return undefined;
  return (properties) => {
    for (const before of ['head', 'freeze', 'cut', 'weights', 'model']) {
      const i = properties.indexOf(before);
      if (i >= 0) return i + 1;
    }
    return properties.length;
  };
}

/** Write the heads (and the shared layers), removing what a multi-task recipe refuses. */
export function setHeadsChanges(recipe: Partial<Recipe> | undefined, m: SetHeads): RecipeChange[] {
  const changes: RecipeChange[] = [];
  if (m.head !== undefined) changes.push({ path: ['head'], value: m.head ?? undefined });
  changes.push({ path: ['heads'], value: m.heads });
  // each head names its own task and labels; the from-scratch baseline is for one-task recipes
  if (recipe?.task !== undefined) changes.push({ path: ['task'], value: undefined });
  if (recipe?.data?.labels !== undefined) changes.push({ path: ['data', 'labels'], value: undefined });
  if (recipe?.training?.baseline === 'scratch') changes.push({ path: ['training', 'baseline'], value: undefined });
  return changes;
}

/** Back to one head: "heads" removed, the remaining head's task, layers and labels at the top. */
export function singleHeadChanges(recipe: Partial<Recipe> | undefined, m: SingleHead): RecipeChange[] {
  const changes: RecipeChange[] = [
    { path: ['heads'], value: undefined },
    { path: ['head'], value: m.head ?? undefined },
    { path: ['task'], value: m.task },
  ];
  if (m.labels?.length) changes.push({ path: ['data', 'labels'], value: m.labels });
  if (recipe?.training?.baseline === 'single-task') changes.push({ path: ['training', 'baseline'], value: undefined });
  return changes;
}
