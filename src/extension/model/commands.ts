/** The Model view's commands: open a model (file, URL, example), new recipe, freeze / unfreeze / cut from the tree. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { walkLayers } from '../../core/modelSummary';
import { command, MODEL_FILTERS, requireTrust, workspaceFolder, type CommandDeps } from '../commands/register';
import { DESIGNER_VIEW_TYPE } from '../designer/editor';
import { editRecipe, freeRecipePath, newRecipeText } from '../recipe/edits';
import type { ModelActions } from './actions';
import { downloadModelFromUrl, installExample, isHttpsUrl, modelLabel } from './open';
import type { LayerItem } from './tree';

export function registerModelCommands(d: CommandDeps, a: ModelActions): vscode.Disposable[] {
  const { session, engine, context, log } = d;
  const { openModel, ensureRecipe, setFreeze, setTrainable, layerOf } = a;
  const cmd = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable => command(log, id, fn);
  return [
    cmd('transferStudio.openModel', async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open Model', filters: MODEL_FILTERS, defaultUri: workspaceFolder() });
      if (picked?.[0]) await openModel(picked[0].fsPath);
    }),
    cmd('transferStudio.openInStudio', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) throw new Error('No model file selected.');
      await openModel(target.fsPath);
    }),
    cmd('transferStudio.openModelFromUrl', async (urlArg?: string) => {
      requireTrust('Downloading a model');
      const url = urlArg ?? await vscode.window.showInputBox({
        prompt: 'URL of a TF.js layers model.json (its weight shards are downloaded from beside it)',
        placeHolder: 'https://example.com/my-model/model.json',
        validateInput: (v) => (isHttpsUrl(v.trim()) ? undefined : 'Enter an https:// URL of a model.json'),
      });
      if (!url) return;
      const loopback = context.extensionMode === vscode.ExtensionMode.Test && /^http:\/\/127\.0\.0\.1[:/]/.test(url);
      const file = await downloadModelFromUrl(context, engine, url.trim(), loopback);
      await openModel(file, url.trim());
    }),
    cmd('transferStudio.openExample', async () => {
      const folder = workspaceFolder();
      if (!folder) {
        await openModel(vscode.Uri.joinPath(context.extensionUri, 'examples', 'tm-image-nail-biting', 'model.json').fsPath);
        void vscode.window.showInformationMessage('Open a folder to copy the example (model, images and a recipe) into it and train.');
        return;
      }
      const ex = await installExample(context.extensionUri, folder);
      await openModel(ex.model.fsPath);
      const recipe = vscode.Uri.joinPath(ex.root, 'fashion.adapt.json');
      if (!fs.existsSync(recipe.fsPath)) {
        const text = newRecipeText(recipe.fsPath, ex.model.fsPath, session.model!.summary, ex.data.fsPath);
        const obj = JSON.parse(text) as Record<string, Record<string, unknown>>;
        obj.data = { ...obj.data, test: './fashion-mini/test', imageSize: [96, 96] };
        obj.training = { ...obj.training, epochs: 15, batchSize: 16 };
        await vscode.workspace.fs.writeFile(recipe, Buffer.from(JSON.stringify(obj, null, 2) + '\n'));
      }
      const doc = await vscode.workspace.openTextDocument(recipe);
      session.setRecipe(recipe, doc.getText());
      await vscode.commands.executeCommand('vscode.openWith', recipe, DESIGNER_VIEW_TYPE);
    }),
    cmd('transferStudio.closeModel', () => { session.setRecipe(undefined); session.setModel(undefined); }),
    cmd('transferStudio.newRecipe', async (uri?: vscode.Uri) => {
      let modelFile = uri?.fsPath ?? session.model?.file;
      if (!modelFile) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Adapt this model', filters: MODEL_FILTERS });
        if (!picked?.[0]) return;
        modelFile = picked[0].fsPath;
      }
      if (session.model?.file !== modelFile) await openModel(modelFile);
      const model = session.model!;
      const dataChoice = await vscode.window.showQuickPick([{ label: '$(folder) Choose a dataset folder…', id: 'pick' }, { label: 'Later', id: 'skip', description: 'set "data" in the designer' }], { placeHolder: 'Training data: a folder with one sub-folder of images per class' });
      if (!dataChoice) return;
      let data: string | undefined;
      if (dataChoice.id === 'pick') {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use as training data', defaultUri: workspaceFolder() });
        data = picked?.[0]?.fsPath;
      }
      const folder = workspaceFolder(vscode.Uri.file(model.file)) ?? vscode.Uri.file(path.dirname(path.dirname(model.file)));
      const target = await freeRecipePath(folder, modelLabel(model.file));
      await vscode.workspace.fs.writeFile(target, Buffer.from(newRecipeText(target.fsPath, model.torch ?? model.url ?? model.file, model.summary, data)));
      const doc = await vscode.workspace.openTextDocument(target);
      session.setRecipe(target, doc.getText());
      await vscode.commands.executeCommand('vscode.openWith', target, DESIGNER_VIEW_TYPE);
      return target;
    }),
    cmd('transferStudio.freezeUpTo', (item?: LayerItem) => setFreeze({ upTo: layerOf(item).name })),
    cmd('transferStudio.unfreezeFrom', async (item?: LayerItem) => {
      const layer = layerOf(item);
      const c = session.computed;
      if (!c) throw new Error('Open a model first.');
      const leaves: string[] = [];
      walkLayers(c.base, (l) => { if (!l.layers) leaves.push(l.name); });
      const first: string[] = [];
      walkLayers([layer], (l) => { if (!l.layers) first.push(l.name); });
      const index = leaves.indexOf(first[0] ?? layer.name);
      if (index < 0) throw new Error(`"${layer.name}" is above the cut.`);
      await setFreeze(index === 0 ? { all: false } : { upTo: leaves[index - 1]! });
    }),
    cmd('transferStudio.cutHere', async (item?: LayerItem) => {
      const uri = await ensureRecipe();
      await editRecipe(uri, [{ path: ['cut'], value: layerOf(item).name }]);
    }),
    cmd('transferStudio.copyLayerName', async (item?: LayerItem) => vscode.env.clipboard.writeText(layerOf(item).name)),
    cmd('transferStudio.freezeAll', () => setFreeze({ all: true })),
    cmd('transferStudio.unfreezeAll', () => setFreeze({ all: false })),
    vscode.commands.registerCommand('transferStudio.setTrainable', (layer: string, trainable: boolean) => setTrainable([[layer, trainable]])),
    d.treeView.onDidChangeCheckboxState((e) => setTrainable(e.items.map(([item, state]) => [item.layer.name, state === vscode.TreeItemCheckboxState.Checked]))),
  ];
}
