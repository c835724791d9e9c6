/**
 * Transfer Studio's activation: VS Code glue only. Models are inspected and trained in worker
 * processes (src/worker); this host never loads TF.js, so activation stays fast and a crash or
 * an out-of-memory in training cannot take the editor down.
 */
import * as vscode from 'vscode';
import type { CommandDeps } from './commands/register';
import { registerEvaluationCommands } from './evaluation/commands';
import { modelActions } from './model/actions';
import { registerModelCommands } from './model/commands';
import { registerRunCommands } from './runs/commands';
import { registerCompareCommands } from './compare/commands';
import { Dashboards } from './dashboard/panel';
import { DesignerProvider } from './designer/editor';
import { EngineService } from './engine';
import { InspectorProvider, INSPECTOR_VIEW_TYPE } from './inspector/editor';
import { createLog } from './log';
import { recipeModelPath, recipeTorchModel, ModelSession } from './model/session';
import { ModelTreeProvider, type LayerItem } from './model/tree';
import { RunManager } from './runs/manager';
import { RunStatusBar } from './runs/statusBar';
import { RunsTreeProvider } from './runs/tree';
import { formatCount } from '../core/modelSummary';
import { openModelFile } from './model/open';
import { recentErrors } from './notify';

export interface TransferStudioApi {
  session: ModelSession;
  modelTree: ModelTreeProvider;
  treeView: vscode.TreeView<LayerItem>;
  runs: RunManager;
  dashboards: Dashboards;
  designer: DesignerProvider;
  inspector: InspectorProvider;
  engine: EngineService;
  /** Error messages shown to the user, most recent last. */
  errors(): readonly string[];
  /** What a tree checkbox does (the tests drive it directly; the UI test clicks it). */
  setTrainable(layer: string, trainable: boolean): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): TransferStudioApi {
  const t0 = Date.now();
  const log = createLog();
  const engine = new EngineService(context, log);
  const session = new ModelSession();
  const modelTree = new ModelTreeProvider(session);
  const treeView = vscode.window.createTreeView('transferStudio.model', { treeDataProvider: modelTree, manageCheckboxStateManually: true, showCollapseAll: true });
  const runs = new RunManager(context, log);
  const runsTree = new RunsTreeProvider(runs);
  // the integration tests read what panels sent and received; a user's panels keep no such log
  const recordMessages = context.extensionMode === vscode.ExtensionMode.Test;
  const dashboards = new Dashboards({ extensionUri: context.extensionUri, engine, manager: runs, log, recordMessages });
  const designer = new DesignerProvider({
    extensionUri: context.extensionUri, engine, runs, log, recordMessages,
    showInTree: async (uri) => {
      const doc = await vscode.workspace.openTextDocument(uri);
      session.setRecipe(uri, doc.getText());
      const model = recipeModelPath(uri, session.recipe?.recipe);
      if (model && session.model?.file !== model && !/^https?:/i.test(model)) await openModelFile(session, engine, model, undefined, recipeTorchModel(uri, session.recipe?.recipe));
      await vscode.commands.executeCommand('transferStudio.model.focus');
    },
  });
  const inspector = new InspectorProvider({ extensionUri: context.extensionUri, engine, log, recordMessages });

  // the tree header: trainable / frozen / total parameters of the adapted model
  const updateHeader = (): void => {
    const c = session.computed;
    treeView.description = c ? `${formatCount(c.params.trainable)} trainable · ${formatCount(c.params.frozen)} frozen · ${formatCount(c.params.total)} total` : undefined;
    treeView.message = session.model ? `${session.model.url ?? vscode.workspace.asRelativePath(session.model.file)}${session.recipe ? ` — adapted by ${vscode.workspace.asRelativePath(session.recipe.uri)}` : ' — no recipe yet: changes create one'}${c?.error ? `\n⚠ ${c.error}` : ''}` : undefined;
  };

  const runsView = vscode.window.createTreeView('transferStudio.runs', { treeDataProvider: runsTree, canSelectMany: true });
  context.subscriptions.push(
    log, engine, session, modelTree, treeView, runs, runsTree, dashboards, designer,
    runsView,
    new RunStatusBar(runs),
    DesignerProvider.register(designer),
    vscode.window.registerCustomEditorProvider(INSPECTOR_VIEW_TYPE, inspector, { webviewOptions: { retainContextWhenHidden: false } }),
    session.onDidChange(updateHeader),
    // editing the recipe (in any editor) updates the tree
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (session.recipe && e.document.uri.toString() === session.recipe.uri.toString()) session.setRecipe(e.document.uri, e.document.getText());
    }),
    // focusing a recipe makes it (and its model) the one the tree shows
    vscode.window.onDidChangeActiveTextEditor(async (editor) => {
      const uri = editor?.document.uri;
      if (!uri || !/\.adapt\.json$/i.test(uri.fsPath) || session.recipe?.uri.toString() === uri.toString()) return;
      session.setRecipe(uri, editor.document.getText());
      const model = recipeModelPath(uri, session.recipe?.recipe);
      if (model && session.model?.file !== model && !/^https?:/i.test(model)) {
        try { await openModelFile(session, engine, model, undefined, recipeTorchModel(uri, session.recipe?.recipe)); session.setRecipe(uri, editor.document.getText()); } catch (e) { log.warn(`could not open ${model}: ${(e as Error).message}`); }
      }
    }),
    runs.onDidStart((run) => log.info(`run ${run.info.name} started`)),
  );
  // each feature registers its own commands
  const deps: CommandDeps = { context, session, engine, runs, dashboards, log, treeView };
  const actions = modelActions(deps);
  context.subscriptions.push(...registerModelCommands(deps, actions), ...registerRunCommands(deps, actions), ...registerEvaluationCommands(deps));
  context.subscriptions.push(...registerCompareCommands(deps, () => runsView.selection));
  void runs.loadHistory();
  log.info(`Transfer Studio activated in ${Date.now() - t0} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: inspection only'})`);
  return { session, modelTree, treeView, runs, dashboards, designer, inspector, engine, errors: recentErrors, setTrainable: (layer, trainable) => vscode.commands.executeCommand('transferStudio.setTrainable', layer, trainable) as Promise<void> };
}

export function deactivate(): void {
  // context.subscriptions dispose the run manager, which kills every worker it started
}
