/**
 * What the Model view and the designer show: the open model's layer summary and the recipe that
 * adapts it. The recipe file is the source of truth; this recomputes cut, base and frozen set
 * from it (src/core, no TF.js) whenever the model or the recipe text changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelSummary } from '../../core/modelSummary';
import { compute, type Computed } from '../../core/adaptation';
import { parseModelRef } from '../../core/recipe/modelRef';

export { compute, type Computed } from '../../core/adaptation';
import type { Recipe } from '../../core/recipe/schema';
import { parseRecipeText, type RecipeProblem } from '../../core/recipe/validate';

export interface OpenModel {
  /** The model file on disk (a URL model is downloaded first; a torchvision model's .pth weights). */
  file: string;
  /** A PyTorch model as a recipe names it: `torchvision:ARCH` (its weights in `file`) or `torchscript:FILE`. */
  torch?: TorchModel;
  /** The URL it came from, if any. */
  url?: string;
  summary: ModelSummary;
}

export interface ActiveRecipe {
  uri: vscode.Uri;
  recipe?: Recipe;
  problems: RecipeProblem[];
}


export interface TorchModel {
  /** What the engine inspects: `torchvision:ARCH` or `torchscript:/absolute/file`. */
  model: string;
  /** A torchvision model's .pth, absolute. */
  weights?: string;
}

/**
 * The file that identifies the recipe's model (a path, an URL; a torchvision model's weights, or
 * `torchvision:ARCH` when it has none) — what OpenModel.file holds for it.
 */
export function recipeModelPath(uri: vscode.Uri, recipe: Recipe | undefined): string | undefined {
  if (!recipe?.model) return undefined;
  const torch = recipeTorchModel(uri, recipe);
  if (torch) return torch.weights ?? (torch.model.startsWith('torchscript:') ? torch.model.slice('torchscript:'.length) : torch.model);
  if (/^https?:\/\//i.test(recipe.model)) return recipe.model;
  return path.resolve(path.dirname(uri.fsPath), recipe.model);
}

/** The recipe's PyTorch model with its paths made absolute, or undefined for a TF.js / Keras model. */
export function recipeTorchModel(uri: vscode.Uri, recipe: Recipe | undefined): TorchModel | undefined {
  if (!recipe?.model) return undefined;
  const ref = parseModelRef(recipe.model);
  const dir = path.dirname(uri.fsPath);
  if (ref.kind === 'torchvision') return { model: recipe.model, ...(recipe.weights ? { weights: path.resolve(dir, recipe.weights) } : {}) };
  if (ref.kind === 'torchscript') return { model: `torchscript:${path.resolve(dir, ref.file)}` };
  return undefined;
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
