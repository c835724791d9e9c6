/** From a recipe file to an adapted model: the step `check`, `train` and the designer share. */
import * as fs from 'node:fs';
import { UserError } from '../../core/errors';
import { datasetOutputs, requireTwoClasses } from '../../core/data/labels';
import type { ModelSummary } from '../../core/modelSummary';
import { resolveRecipe, type ResolvedRecipe } from '../../core/recipe/resolve';
import { parseRecipeOrThrow } from '../../core/recipe/validate';
import type { Preprocess } from '../../core/recipe/schema';
import { adaptModel, type AdaptedModel } from './adapt';
import { recipeLayout } from '../../core/multitask/csv';
import { outputNames, type MultiTaskLayout } from '../../core/multitask/layout';
import type { ImageSpec } from './data/types';
import { summarizeModel } from './inspect';
import { loadModel, type LoadedModel, type LoadOptions } from './io/load';

export function readRecipe(file: string, text?: string): ResolvedRecipe {
  let source = text;
  if (source === undefined) {
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      throw new UserError('recipe file not found', { file });
    }
  }
  return resolveRecipe(parseRecipeOrThrow(source, file), file);
}

/** Labels (or regression targets) the head's last layer is sized from. */
export function recipeOutputs(recipe: ResolvedRecipe, loaded?: LoadedModel): string[] {
  if (recipe.data) return datasetOutputs(recipe.data.train, recipe.task, recipe.data.labels);
  if (loaded?.metadata.labels) return loaded.metadata.labels;
  throw new UserError('the recipe has no "data": cannot size the new head', { file: recipe.file, jsonPath: '/data', hint: 'add "data": { "train": "path/to/class-folders" }' });
}

/** What the model expects of an image, from its input shape, metadata and the recipe. */
export function imageSpecFor(loaded: LoadedModel, recipe: ResolvedRecipe): ImageSpec & { preprocessSource: string } {
  const shape = loaded.model.inputs[0]!.shape;
  if (shape.length !== 4) {
    throw new UserError(`the model's input has shape [${shape.join(', ')}]: only image models (height, width, channels) are supported`, { file: loaded.source });
  }
  const [, h, w, c] = shape as (number | null)[];
  const size = recipe.data?.imageSize ?? [h ?? loaded.metadata.imageSize ?? 224, w ?? loaded.metadata.imageSize ?? 224];
  if (c !== 1 && c !== 3) throw new UserError(`the model expects ${c} channels per pixel; only 1 (grey) and 3 (RGB) are supported`, { file: loaded.source });
  let preprocess: Preprocess = '0,1';
  let preprocessSource = 'default';
  if (recipe.data?.preprocess) { preprocess = recipe.data.preprocess; preprocessSource = 'recipe'; }
  else if (loaded.metadata.preprocess) { preprocess = loaded.metadata.preprocess; preprocessSource = 'model metadata'; }
  return { height: size[0], width: size[1], channels: c, preprocess, preprocessSource };
}

export interface Plan {
  recipe: ResolvedRecipe;
  loaded: LoadedModel;
  outputs: string[];
  adapted: AdaptedModel;
  /** A multi-task recipe's heads, their labels read from the training CSV. */
  multiTask?: MultiTaskLayout;
}

export async function planAdaptation(recipe: ResolvedRecipe, opts: LoadOptions & { trainEverything?: boolean } = {}): Promise<Plan> {
  const loaded = await loadModel(recipe.model, opts);
  if (recipe.heads) {
    if (!recipe.data) throw new UserError('a multi-task recipe needs "data": its heads are sized from the columns of the training CSV', { file: recipe.file, jsonPath: '/data', hint: 'add "data": { "train": "labels.csv" } with a header row path,COLUMN,…' });
    const multiTask = recipeLayout(recipe)!;
    const adapted = adaptModel(loaded, recipe, { outputs: multiTask.width, multiTask, trainEverything: opts.trainEverything });
    return { recipe, loaded, outputs: outputNames(multiTask), adapted, multiTask };
  }
  const outputs = recipeOutputs(recipe, loaded);
  if (recipe.task === 'single-label') requireTwoClasses(outputs, recipe.data?.train ?? recipe.file ?? recipe.model, !!recipe.data?.labels);
  const adapted = adaptModel(loaded, recipe, { outputs: outputs.length, trainEverything: opts.trainEverything });
  return { recipe, loaded, outputs, adapted };
}

export function adaptedSummary(plan: Plan): ModelSummary {
  return summarizeModel({ ...plan.loaded, model: plan.adapted.model, metadata: { ...plan.loaded.metadata, labels: plan.outputs } });
}
