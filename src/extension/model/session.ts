/**
 * What the Model view and the designer show: the open model's layer summary and the recipe that
 * adapts it. The recipe file is the source of truth; this recomputes cut, base and frozen set
 * from it (src/core, no TF.js) whenever the model or the recipe text changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultCut } from '../../core/classifier';
import { errorMessage } from '../../core/errors';
import { baseLeaves, baseTree, frozenLayerNames } from '../../core/freeze';
import { headInfo } from '../../core/headParams';
import { walkLayers, type LayerSummary, type ModelSummary } from '../../core/modelSummary';
import { completeHead, defaultHead } from '../../core/recipe/head';
import type { HeadLayerSpec, Recipe } from '../../core/recipe/schema';
import { parseRecipeText, type RecipeProblem } from '../../core/recipe/validate';

export interface OpenModel {
  /** The model file on disk (a URL model is downloaded first). */
  file: string;
  /** The URL it came from, if any. */
  url?: string;
  summary: ModelSummary;
}

export interface ActiveRecipe {
  uri: vscode.Uri;
  recipe?: Recipe;
  problems: RecipeProblem[];
}

export interface Computed {
  cut: string;
  cutIsDefault: boolean;
  base: LayerSummary[];
  baseLeafNames: Set<string>;
  frozen: Set<string>;
  featureShape: number[];
  head: HeadLayerSpec[];
  params: { trainable: number; frozen: number; total: number; head: number };
  /** The recipe does not fit the model (unknown layer…). */
  error?: string;
}

export function recipeModelPath(uri: vscode.Uri, recipe: Recipe | undefined): string | undefined {
  if (!recipe?.model) return undefined;
  if (/^https?:\/\//i.test(recipe.model)) return recipe.model;
  return path.resolve(path.dirname(uri.fsPath), recipe.model);
}

export class ModelSession implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  model?: OpenModel;
  recipe?: ActiveRecipe;
  computed?: Computed;
  /** Labels count from the recipe's data, when known (sizes the head in the totals). */
  outputs?: number;

  setModel(model: OpenModel | undefined): void {
    this.model = model;
    if (this.recipe && model && recipeModelPath(this.recipe.uri, this.recipe.recipe) !== model.file && recipeModelPath(this.recipe.uri, this.recipe.recipe) !== model.url) this.recipe = undefined;
    this.recompute();
  }

  setRecipe(uri: vscode.Uri | undefined, text?: string): void {
    if (!uri) {
      this.recipe = undefined;
    } else {
      const parsed = parseRecipeText(text ?? '');
      this.recipe = { uri, recipe: parsed.ok ? parsed.recipe : this.looseParse(text), problems: parsed.problems };
    }
    this.recompute();
  }

  /** A recipe with schema errors still drives the view as far as it can. */
  private looseParse(text: string | undefined): Recipe | undefined {
    try {
      const v = JSON.parse((text ?? '').replace(/^\s*\/\/.*$/gm, '')) as unknown;
      return v && typeof v === 'object' ? (v as Recipe) : undefined;
    } catch {
      return undefined;
    }
  }

  recompute(): void {
    this.computed = this.model ? compute(this.model.summary, this.recipe?.recipe, this.recipe?.uri.fsPath, this.outputs) : undefined;
    void vscode.commands.executeCommand('setContext', 'transferStudio.modelOpen', !!this.model);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function compute(summary: ModelSummary, recipe: Recipe | undefined, file: string | undefined, outputs?: number): Computed {
  const requested = recipe?.cut;
  const cut = requested ?? defaultCut(summary.layers) ?? summary.layers.at(-1)!.name;
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
    frozen = recipe ? frozenLayerNames(base, recipe.freeze, { cut, sourceNames, file }) : new Set([...baseLeafNames].filter((n) => !findTrainable(summary.layers, n)));
  } catch (e) {
    error = errorMessage(e);
  }
  const cutLayer = findShape(summary.layers, cut);
  const featureShape = cutLayer ?? [];
  const head = completeHead(recipe?.head ?? defaultHead(featureShape));
  const info = headInfo(head, featureShape, outputs ?? summary.metadata.labels?.length);
  const headParams = info.reduce((a, h) => a + h.trainable + h.nonTrainable, 0);
  let trainable = info.reduce((a, h) => a + h.trainable, 0);
  let frozenParams = info.reduce((a, h) => a + h.nonTrainable, 0);
  walkLayers(base, (l) => {
    if (l.layers) return;
    if (frozen.has(l.name)) frozenParams += l.trainableParams + l.nonTrainableParams;
    else { trainable += l.trainableParams; frozenParams += l.nonTrainableParams; }
  });
  return { cut, cutIsDefault: !requested, base, baseLeafNames, frozen, featureShape, head, params: { trainable, frozen: frozenParams, total: trainable + frozenParams, head: headParams }, error };
}

function findTrainable(layers: LayerSummary[], name: string): boolean {
  let t = true;
  walkLayers(layers, (l) => { if (l.name === name) t = l.trainable; });
  return t;
}

function findShape(layers: LayerSummary[], name: string): number[] | undefined {
  let shape: number[] | undefined;
  walkLayers(layers, (l) => {
    if (l.name === name && !Array.isArray(l.outputShape[0])) shape = (l.outputShape as (number | null)[]).slice(1).map((d) => d ?? -1);
  });
  return shape;
}
