/**
 * The first recipe for a model, shared by `transfer-studio init` and the extension's "new recipe":
 * the default cut (classifier.ts), the base frozen, the default head, and nothing else — every
 * other setting stays out of the file so its default (defaults.ts) applies and can improve.
 */
import { chooseDefaultCut, type CutChoice } from '../classifier';
import { torchvisionCutChoice } from '../torchvision';
import type { ModelSummary } from '../modelSummary';
import { DEFAULTS, type Task } from './defaults';
import { defaultHead } from './head';
import type { Recipe } from './schema';

export interface DraftOptions {
  /** The model as the recipe refers to it (relative to the recipe, or an URL). */
  model: string;
  /** A torchvision model's .pth state dict as the recipe refers to it. */
  weights?: string;
  /** The training data as the recipe refers to it. */
  data?: string;
  task?: Task;
  name?: string;
}

export function draftRecipe(summary: ModelSummary, o: DraftOptions): { recipe: Recipe; choice?: CutChoice } {
  const torch = summary.format === 'torchvision';
  const choice = torch ? torchvisionCutChoice(summary.layers) : chooseDefaultCut(summary.layers);
  const featureShape = (choice?.featureShape ?? summary.outputShape).slice(1).map((d) => d ?? -1);
  // a torchvision model leaves "cut" and "head" out: its classifier is replaced by the default head
  const recipe: Recipe = {
    version: 1,
    ...(o.name ? { name: o.name } : {}),
    model: o.model,
    ...(o.weights ? { weights: o.weights } : {}),
    ...(choice && !torch ? { cut: choice.cut } : {}),
    freeze: { all: true },
    ...(torch ? {} : { head: defaultHead(featureShape) }),
    task: o.task ?? DEFAULTS.task,
    ...(o.data ? { data: { train: o.data, validationSplit: DEFAULTS.validationSplit } } : {}),
    training: { seed: DEFAULTS.seed },
  };
  return { recipe, choice };
}
