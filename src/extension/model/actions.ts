/**
 * What the Model view's commands share: opening a model (and the workspace recipe that adapts
 * it), the recipe the tree edits (created on the first change), picking a recipe, and the freeze
 * edits behind the checkboxes and context actions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { toggleLayer } from '../../core/freeze';
import { walkLayers, type LayerSummary } from '../../core/modelSummary';
import type { FreezeRules, Recipe } from '../../core/recipe/schema';
import { workspaceFolder, type CommandDeps } from '../commands/register';
import { DESIGNER_VIEW_TYPE } from '../designer/editor';
import { showError } from '../notify';
import { editRecipe, freeRecipePath, newRecipeText } from '../recipe/edits';
import { modelLabel, openModelFile } from './open';
import { recipeModelPath, type TorchModel } from './session';
import type { LayerItem } from './tree';

export interface ModelActions {
  openModel(file: string, url?: string, torch?: TorchModel): Promise<void>;
  ensureRecipe(): Promise<vscode.Uri>;
  pickRecipe(arg?: unknown): Promise<vscode.Uri | undefined>;
  setFreeze(rules: FreezeRules): Promise<void>;
  setTrainable(changes: [string, boolean][]): Promise<void>;
  layerOf(item?: LayerItem): LayerSummary;
}

export function modelActions(d: CommandDeps): ModelActions {
  const { session, engine, log } = d;
  const openModel = async (file: string, url?: string, torch?: TorchModel): Promise<void> => {
    if (!await openModelFile(session, engine, file, url, torch)) return;
    await vscode.commands.executeCommand('transferStudio.model.focus');
    log.info(`opened ${url ?? file}: ${session.model?.summary.layers.length} layers, ${session.model?.summary.totalParams} params`);
    // a recipe in the workspace that adapts this model becomes the active one
    if (!session.recipe) {
      const recipes = await vscode.workspace.findFiles('**/*.adapt.json', '**/node_modules/**', 50);
      for (const uri of recipes) {
        const doc = await vscode.workspace.openTextDocument(uri);
        session.setRecipe(uri, doc.getText());
        const active = session.recipe as { recipe?: Recipe } | undefined;
        if (active && recipeModelPath(uri, active.recipe) === file) return;
      }
      session.setRecipe(undefined);
    }
  };

  /** The recipe the tree edits; created beside the workspace's other files when there is none. */
  const ensureRecipe = async (): Promise<vscode.Uri> => {
    if (session.recipe) return session.recipe.uri;
    const model = session.model;
    if (!model) throw new Error('Open a model first.');
    const folder = workspaceFolder(vscode.Uri.file(model.file)) ?? vscode.Uri.file(path.dirname(path.dirname(model.file)));
    const uri = await freeRecipePath(folder, modelLabel(model.file));
    await vscode.workspace.fs.writeFile(uri, Buffer.from(newRecipeText(uri.fsPath, model.torch ?? model.url ?? model.file, model.summary)));
    const doc = await vscode.workspace.openTextDocument(uri);
    session.setRecipe(uri, doc.getText());
    void vscode.window.showInformationMessage(`Created ${path.basename(uri.fsPath)}: it records how this model is adapted.`, 'Open Designer').then((a) => { if (a) void vscode.commands.executeCommand('vscode.openWith', uri, DESIGNER_VIEW_TYPE); });
    return uri;
  };

  const setFreeze = async (rules: FreezeRules): Promise<void> => {
    const uri = await ensureRecipe();
    await editRecipe(uri, [{ path: ['freeze'], value: rules }]);
  };

  /** Tree checkboxes: the smallest freeze-rule change that makes each layer trainable or frozen. */
  const setTrainable = async (changes: [string, boolean][]): Promise<void> => {
    try {
      const uri = await ensureRecipe();
      let rules = session.recipe?.recipe?.freeze;
      const c = session.computed;
      if (!c) return;
      const sourceNames = new Set<string>();
      walkLayers(session.model!.summary.layers, (l) => sourceNames.add(l.name));
      for (const [layer, trainable] of changes) rules = toggleLayer(rules, c.base, layer, trainable, { cut: c.cut, sourceNames, file: uri.fsPath });
      await editRecipe(uri, [{ path: ['freeze'], value: rules }]);
    } catch (err) {
      void showError(errorMessage(err));
      session.recompute(); // put the checkbox back
    }
  };

  const pickRecipe = async (arg?: unknown): Promise<vscode.Uri | undefined> => {
    if (arg instanceof vscode.Uri && /\.adapt\.json$/i.test(arg.fsPath)) return arg;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && /\.adapt\.json$/i.test(active.fsPath)) return active;
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
    if (tab?.uri && /\.adapt\.json$/i.test(tab.uri.fsPath)) return tab.uri;
    if (session.recipe) return session.recipe.uri;
    const found = await vscode.workspace.findFiles('**/*.adapt.json', '**/node_modules/**', 50);
    if (found.length === 1) return found[0];
    if (found.length === 0) {
      if (session.model) return ensureRecipe();
      throw new Error('No recipe (*.adapt.json) found: open a model and use "New Recipe from Model…".');
    }
    const pick = await vscode.window.showQuickPick(found.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), uri: u })), { placeHolder: 'Which recipe?' });
    return pick?.uri;
  };

  const layerOf = (item?: LayerItem): LayerSummary => {
    const layer = item?.layer ?? (d.treeView.selection[0]?.layer);
    if (!layer) throw new Error('Select a layer in the Model view first.');
    return layer;
  };

  return { openModel, ensureRecipe, pickRecipe, setFreeze, setTrainable, layerOf };
}
