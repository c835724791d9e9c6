import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';

/** Runs first (files load in name order): nothing has called activate() yet. */
describe('activation in a real VS Code', () => {
  it('activates by itself after startup (activationEvents), without being asked', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    const events = (ext.packageJSON as { activationEvents?: string[] }).activationEvents ?? [];
    assert.ok(events.includes('onStartupFinished'), `activationEvents: ${events.join(', ')}`);
    await waitFor('the extension to activate on its own', () => ext.isActive, 60_000);
  });

  it('is a real VS Code whose version satisfies engines.vscode', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const wanted = (ext.packageJSON as { engines: { vscode: string } }).engines.vscode;
    const [maj, min, pat] = vscode.version.split(/[.-]/).map(Number);
    assert.ok([maj, min, pat].every(Number.isInteger), `vscode.version ${vscode.version}`);
    const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(wanted);
    assert.ok(m, `engines.vscode ${wanted} is a caret range`);
    const [wMaj, wMin, wPat] = m.slice(1).map(Number);
    assert.equal(maj, wMaj, `major version of ${vscode.version} vs ${wanted}`);
    assert.ok(min > wMin || (min === wMin && pat >= wPat), `${vscode.version} satisfies ${wanted}`);
    assert.equal(typeof vscode.commands.executeCommand, 'function');
    console.log(`VS Code ${vscode.version} (${vscode.env.appName}, host ${vscode.env.appHost}), extension host Node ${process.versions.node}`);
  });

  it('loads the extension from this checkout (extensionDevelopmentPath)', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
    const expected = process.env.TS_EXTENSION_DIR ?? process.env.TS_ROOT; // the checkout, or an unpacked .vsix
    if (expected) assert.equal(ext.extensionUri.fsPath, expected);
  });
});
