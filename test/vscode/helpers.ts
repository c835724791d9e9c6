/** Helpers for tests that run inside the real VS Code extension host. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferStudioApi } from '../../src/extension/main';

export const EXTENSION_ID = 'transfer-studio.transfer-studio';
/** The project checkout (the server passes it in). */
export const ROOT = process.env.TS_ROOT ?? path.resolve(__dirname, '..', '..', '..');

/** The extension's exported API (activates it first when needed). */
export async function api(): Promise<TransferStudioApi> {
  const ext = vscode.extensions.getExtension<TransferStudioApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Same as `api()`, under the name other suites use. */
export const getExtensionApi = api;

/** The test workspace folder: a fresh copy of test/fixtures/workspace for each `npm run test:vscode`. */
export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder');
  return f.uri.fsPath;
}

/** Copy a folder from the project into the test workspace; returns its path there. */
export function copyIntoWorkspace(from: string, name: string): string {
  const dest = path.join(workspaceDir(), name);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, from), dest, { recursive: true });
  return dest;
}

/** A new empty folder inside the test workspace (so VS Code sees it), e.g. `tempWorkspaceDir('run-')`. */
export function tempWorkspaceDir(prefix = 'tmp-'): string {
  const base = path.join(workspaceDir(), '.tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

/** A path inside the test workspace (not created), e.g. `workspacePath('models', 'a', 'model.json')`. */
export function workspacePath(...parts: string[]): string {
  return path.join(workspaceDir(), ...parts);
}

/** Poll `probe` until it returns something truthy (which is returned); throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
