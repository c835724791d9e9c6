import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './helpers';

describe('Transfer Studio in a real VS Code', () => {
  it('runs in a real extension host and activates', async () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension is installed');
    const a = await api();
    assert.ok(ext.isActive);
    assert.ok(a.session && a.runs && a.engine);
  });

  it('registers every command of the manifest, with the Transfer Studio category', async () => {
    const all = await vscode.commands.getCommands(true);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category: string }[] } };
    for (const c of pkg.contributes.commands) {
      assert.ok(all.includes(c.command), `${c.command} registered`);
      assert.equal(c.category, 'Transfer Studio');
    }
    for (const id of ['transferStudio.openModel', 'transferStudio.openModelFromUrl', 'transferStudio.openDesigner', 'transferStudio.newRecipe', 'transferStudio.startTraining', 'transferStudio.stopTraining', 'transferStudio.showDashboard', 'transferStudio.evaluateModel', 'transferStudio.predict', 'transferStudio.revealOutput']) {
      assert.ok(all.includes(id), id);
    }
  });
});
