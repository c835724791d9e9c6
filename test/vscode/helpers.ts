/** Helpers for tests that run inside the real VS Code extension host. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardHostMessage, TimedEvent } from '../../src/core/protocol/dashboard';
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

/**
 * Start Training on a recipe and wait for the end: the run done (asserted), its dashboard's webview
 * ready, and every event the dashboard was sent once the evaluation is among them.
 */
export async function trainToTheEnd(recipe: string, timeoutMs: number) {
  const a = await api();
  const id = (await vscode.commands.executeCommand('transferStudio.startTraining', vscode.Uri.file(recipe))) as string;
  assert.ok(id, 'the run id');
  const run = a.runs.get(id)!;
  const panel = await waitFor('the dashboard', () => a.dashboards.panels.get(id));
  await waitFor('the run to finish', () => !run.active && run.info, timeoutMs);
  assert.equal(run.info.status, 'done', run.info.error);
  await waitFor('the webview handshake', () => panel.received.some((m) => m.type === 'ready'), 30_000);
  const events = await waitFor('the evaluation on the dashboard', () => {
    const all = panel.posted.flatMap((m: DashboardHostMessage) => (m.type === 'events' || m.type === 'state' ? m.events : []));
    return all.some((e) => e.type === 'evaluation') && all;
  }, 30_000);
  return { events: events as TimedEvent[], panel };
}
