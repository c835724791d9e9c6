/** How every command is registered: errors become messages with actions, never a throw into VS Code. */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { errorMessage, isUserError } from '../../core/errors';
import type { Dashboards } from '../dashboard/panel';
import type { EngineService } from '../engine';
import type { Log } from '../log';
import type { ModelSession } from '../model/session';
import type { LayerItem } from '../model/tree';
import { showError } from '../notify';
import type { RunManager } from '../runs/manager';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  session: ModelSession;
  engine: EngineService;
  runs: RunManager;
  dashboards: Dashboards;
  log: Log;
  treeView: vscode.TreeView<LayerItem>;
}

export const MODEL_FILTERS = { 'Models (model.json, Keras, PyTorch)': ['json', 'h5', 'hdf5', 'keras', 'pth', 'pt'] };

export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) throw new Error(`${what} needs a trusted workspace. In an untrusted workspace Transfer Studio only inspects models.`);
}

export function workspaceFolder(near?: vscode.Uri): vscode.Uri | undefined {
  return (near && vscode.workspace.getWorkspaceFolder(near)?.uri) ?? vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** A command whose errors are shown as a message with "Show Log" (and "Open File" for a file they name). */
export function command(log: Log, id: string, fn: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: never[]) => {
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
}
