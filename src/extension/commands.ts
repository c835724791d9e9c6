/** Every command of the extension: thin translations from VS Code to the session, the recipe and the run manager. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage, isUserError } from '../core/errors';
import { toggleLayer } from '../core/freeze';
import { pct, table } from '../core/format/table';
import { walkLayers, type LayerSummary } from '../core/modelSummary';
import type { EvaluationReport } from '../core/protocol/reports';
import type { FreezeRules } from '../core/recipe/schema';
import type { Dashboards } from './dashboard/panel';
import { DESIGNER_VIEW_TYPE } from './designer/editor';
import type { EngineService } from './engine';
import type { Log } from './log';
import { downloadModelFromUrl, installExample, isHttpsUrl, modelLabel, openModelFile } from './model/open';
import { recipeModelPath, type ModelSession } from './model/session';
import type { LayerItem } from './model/tree';
import { editRecipe, freeRecipePath, newRecipeText } from './recipe/edits';
import type { RunManager } from './runs/manager';
import type { RunItem } from './runs/tree';
import { showError } from './notify';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  session: ModelSession;
  engine: EngineService;
  runs: RunManager;
  dashboards: Dashboards;
  log: Log;
  treeView: vscode.TreeView<LayerItem>;
}

const MODEL_FILTERS = { 'Models (model.json, Keras)': ['json', 'h5', 'hdf5', 'keras'] };

function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) throw new Error(`${what} needs a trusted workspace. In an untrusted workspace Transfer Studio only inspects models.`);
}

function workspaceFolder(near?: vscode.Uri): vscode.Uri | undefined {
  return (near && vscode.workspace.getWorkspaceFolder(near)?.uri) ?? vscode.workspace.workspaceFolders?.[0]?.uri;
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const { session, engine, runs, dashboards, log, context } = d;

  /** Show errors as messages with actions; never let a command throw into VS Code. */
  const command = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        const file = isUserError(e) ? e.file : undefined;
        log.error(`${id}: ${errorMessage(e)}${!isUserError(e) && e instanceof Error && e.stack ? `\n${e.stack}` : ''}`);
        const actions = ['Show Log', ...(file && fs.existsSync(file) && fs.statSync(file).isFile() ? ['Open File'] : [])];
        void showError(errorMessage(e), ...actions).then((a) => {
          if (a === 'Show Log') log.show(true);
          if (a === 'Open File' && file) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
        });
        return undefined;
      }
    });

  const openModel = async (file: string, url?: string): Promise<void> => {
    await openModelFile(session, engine, file, url);
    await vscode.commands.executeCommand('transferStudio.model.focus');
    log.info(`opened ${url ?? file}: ${session.model?.summary.layers.length} layers, ${session.model?.summary.totalParams} params`);
    // a recipe in the workspace that adapts this model becomes the active one
    if (!session.recipe) {
      const recipes = await vscode.workspace.findFiles('**/*.adapt.json', '**/node_modules/**', 50);
      for (const uri of recipes) {
        const doc = await vscode.workspace.openTextDocument(uri);
        session.setRecipe(uri, doc.getText());
        const active = session.recipe as { recipe?: import('../core/recipe/schema').Recipe } | undefined;
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
    await vscode.workspace.fs.writeFile(uri, Buffer.from(newRecipeText(uri.fsPath, model.url ?? model.file, model.summary)));
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

  return [
    command('transferStudio.openModel', async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open Model', filters: MODEL_FILTERS, defaultUri: workspaceFolder() });
      if (picked?.[0]) await openModel(picked[0].fsPath);
    }),
    command('transferStudio.openInStudio', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) throw new Error('No model file selected.');
      await openModel(target.fsPath);
    }),
    command('transferStudio.openModelFromUrl', async (urlArg?: string) => {
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
    command('transferStudio.openExample', async () => {
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
    command('transferStudio.closeModel', () => { session.setRecipe(undefined); session.setModel(undefined); }),
    command('transferStudio.newRecipe', async (uri?: vscode.Uri) => {
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
      await vscode.workspace.fs.writeFile(target, Buffer.from(newRecipeText(target.fsPath, model.url ?? model.file, model.summary, data)));
      const doc = await vscode.workspace.openTextDocument(target);
      session.setRecipe(target, doc.getText());
      await vscode.commands.executeCommand('vscode.openWith', target, DESIGNER_VIEW_TYPE);
      return target;
    }),
    command('transferStudio.openDesigner', async (uri?: vscode.Uri) => {
      const target = uri && /\.adapt\.json$/i.test(uri.fsPath) ? uri : session.recipe?.uri ?? (session.model ? await ensureRecipe() : await pickRecipe());
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, DESIGNER_VIEW_TYPE);
    }),
    command('transferStudio.startTraining', async (arg?: unknown) => {
      requireTrust('Training');
      const uri = await pickRecipe(arg);
      if (!uri) return;
      const run = await runs.start(uri);
      if (vscode.workspace.getConfiguration('transferStudio').get<boolean>('openDashboardOnStart', true)) dashboards.show(run);
      return run.info.id;
    }),
    command('transferStudio.stopTraining', (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      const run = id ? runs.get(id) : undefined;
      if (!runs.stop(run)) void vscode.window.showInformationMessage('No training run is going.');
    }),
    command('transferStudio.showDashboard', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      let run = id ? runs.get(id) ?? runs.open(id) : runs.active[0];
      if (!run) {
        await runs.loadHistory();
        const all = runs.all();
        if (!all.length) throw new Error('No training runs yet.');
        const pick = await vscode.window.showQuickPick(all.map((r) => ({ label: r.info.name, description: `${r.info.status} · ${new Date(r.info.startedAt).toLocaleString()}`, run: r })), { placeHolder: 'Which run?' });
        run = pick?.run;
      }
      if (run) dashboards.show(run, false);
    }),
    command('transferStudio.revealOutput', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      const run = id ? runs.get(id) : runs.all().find((r) => r.info.status === 'done');
      const out = run?.info.output;
      if (!out || !fs.existsSync(out)) throw new Error('This run has no saved model.');
      const uri = vscode.Uri.file(out);
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    }),
    command('transferStudio.evaluateModel', async (modelArg?: vscode.Uri, dataArg?: vscode.Uri) => {
      requireTrust('Evaluation');
      const model = modelArg ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Evaluate this model', filters: MODEL_FILTERS }))?.[0];
      if (!model) return;
      const data = dataArg ?? (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Evaluate on this data' }))?.[0];
      if (!data) return;
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Evaluating…' }, () => engine.evaluate(model.fsPath, data.fsPath));
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: reportMarkdown(model.fsPath, report) });
      await vscode.window.showTextDocument(doc, { preview: true });
      return report;
    }),
    command('transferStudio.predict', async (modelArg?: vscode.Uri, filesArg?: vscode.Uri[]) => {
      requireTrust('Prediction');
      const model = modelArg ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Predict with this model', filters: MODEL_FILTERS }))?.[0];
      if (!model) return;
      const files = filesArg ?? await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Predict', filters: { Images: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'] } });
      if (!files?.length) return;
      const preds = await engine.predict(model.fsPath, files.map((f) => f.fsPath), 3);
      const lines = preds.map((p) => `- **${path.basename(p.file)}**: ${p.top.length ? p.top.map((t) => `${t.label} ${pct(t.score)}`).join(', ') : p.values?.map((v) => v.toFixed(4)).join(', ')}`);
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# Predictions — ${modelLabel(model.fsPath)}\n\n${lines.join('\n')}\n` });
      await vscode.window.showTextDocument(doc, { preview: true });
      return preds;
    }),
    command('transferStudio.freezeUpTo', (item?: LayerItem) => setFreeze({ upTo: layerOf(item).name })),
    command('transferStudio.unfreezeFrom', async (item?: LayerItem) => {
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
    command('transferStudio.cutHere', async (item?: LayerItem) => {
      const uri = await ensureRecipe();
      await editRecipe(uri, [{ path: ['cut'], value: layerOf(item).name }]);
    }),
    command('transferStudio.copyLayerName', async (item?: LayerItem) => vscode.env.clipboard.writeText(layerOf(item).name)),
    command('transferStudio.freezeAll', () => setFreeze({ all: true })),
    command('transferStudio.unfreezeAll', () => setFreeze({ all: false })),
    command('transferStudio.refreshRuns', () => runs.loadHistory()),
    command('transferStudio.showLog', () => log.show(true)),
    vscode.commands.registerCommand('transferStudio.setTrainable', (layer: string, trainable: boolean) => setTrainable([[layer, trainable]])),
    d.treeView.onDidChangeCheckboxState((e) => setTrainable(e.items.map(([item, state]) => [item.layer.name, state === vscode.TreeItemCheckboxState.Checked]))),
  ];
}

function reportMarkdown(model: string, r: EvaluationReport): string {
  const lines = [`# Evaluation — ${modelLabel(model)}`, '', `${r.examples} examples from \`${r.split}\``, ''];
  if (r.task === 'regression') lines.push(`MAE **${r.mae?.toFixed(4)}**, RMSE **${r.rmse?.toFixed(4)}**`);
  else {
    lines.push(`Accuracy **${pct(r.accuracy)}**${r.topK ? `, top-${r.topK.k} ${pct(r.topK.accuracy)}` : ''}`, '');
    if (r.perClass) lines.push('```', table(['class', 'precision', 'recall', 'F1', 'support'], r.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)]), ['l', 'r', 'r', 'r', 'r']), '```');
    if (r.confusion) lines.push('', '**Confusion matrix** (rows: true, columns: predicted)', '', '```', table(['', ...r.labels], r.confusion.map((row, i) => [r.labels[i]!, ...row.map(String)])), '```');
  }
  return lines.join('\n') + '\n';
}
