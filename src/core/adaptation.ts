/**
 * What a recipe does to a model, computed on its layer summary (no TF.js): the cut, the base
 * below it, the frozen layers and the parameter totals. The tree, the designer and its webview
 * all show this, instantly, as the recipe changes.
 */
import { chooseDefaultCut } from './classifier';
import { errorMessage } from './errors';
import { baseLeaves, baseTree, frozenLayerNames } from './freeze';
import { headInfo } from './headParams';
import { walkLayers, type LayerSummary, type ModelSummary } from './modelSummary';
import { completeHead, defaultHead } from './recipe/head';
import { torchToChannelsLast, torchvisionCutChoice, torchvisionHead } from './torchvision';
import type { HeadLayerSpec, Recipe } from './recipe/schema';

export interface Computed {
  cut: string;
  cutIsDefault: boolean;
  /** Why the default cut sits where it does (only for the default). */
  cutReason?: string;
  base: LayerSummary[];
  baseLeafNames: Set<string>;
  frozen: Set<string>;
  featureShape: number[];
  head: HeadLayerSpec[];
  params: { trainable: number; frozen: number; total: number; head: number };
  /** The recipe does not fit the model (unknown layer…). */
  error?: string;
}

export function compute(summary: ModelSummary, recipe: Recipe | undefined, file: string | undefined, outputs?: number): Computed {
  const requested = recipe?.cut;
  const torch = summary.format === 'torchvision';
  const choice = torch ? torchvisionCutChoice(summary.layers) : chooseDefaultCut(summary.layers);
  const cut = requested ?? choice?.cut ?? summary.layers.at(-1)!.name;
  const leaves = baseLeaves(summary.layers, cut);
  const sourceNames = new Set<string>();
  walkLayers(summary.layers, (l) => sourceNames.add(l.name));
  let error: string | undefined;
  let base = baseTree(summary.layers, cut) ?? [];
  if (!leaves) {
    error = `no layer named "${cut}" in the model (the recipe's "cut")`;
    base = summary.layers;
  }
  const baseLeafNames = new Set((leaves ?? []).map((l) => l.name));
  let frozen = new Set<string>();
  try {
    // without a recipe yet, show what the first change will start from: the whole base frozen
    frozen = frozenLayerNames(base, recipe ? recipe.freeze : { all: true }, { cut, sourceNames, file });
  } catch (e) {
    error = errorMessage(e);
  }
  const cutLayer = findShape(summary.layers, cut, torch);
  const featureShape = cutLayer ?? [];
  const head = torch ? torchvisionHead(recipe?.head, false).head : completeHead(recipe?.head ?? defaultHead(featureShape));
  const info = headInfo(head, featureShape, outputs ?? summary.metadata.labels?.length);
  const headParams = info.reduce((a, h) => a + h.trainable + h.nonTrainable, 0);
  let trainable = info.reduce((a, h) => a + h.trainable, 0);
  let frozenParams = info.reduce((a, h) => a + h.nonTrainable, 0);
  walkLayers(base, (l) => {
    if (l.layers) return;
    if (frozen.has(l.name)) frozenParams += l.trainableParams + l.nonTrainableParams;
    else { trainable += l.trainableParams; frozenParams += l.nonTrainableParams; }
  });
  return { cut, cutIsDefault: !requested, cutReason: choice && choice.cut === cut ? choice.reason : undefined, base, baseLeafNames, frozen, featureShape, head, params: { trainable, frozen: frozenParams, total: trainable + frozenParams, head: headParams }, error };
}

function findShape(layers: LayerSummary[], name: string, torch: boolean): number[] | undefined {
  let shape: number[] | undefined;
  walkLayers(layers, (l) => {
    if (l.name !== name || Array.isArray(l.outputShape[0])) return;
    const s = l.outputShape as (number | null)[];
    shape = (torch ? torchToChannelsLast(s) : s).slice(1).map((d) => d ?? -1);
  });
  return shape;
}
