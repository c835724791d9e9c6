import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LayerItem } from '../../src/extension/model/tree';
import { api, closeAllEditors, copyIntoWorkspace, waitFor, workspaceDir } from './helpers';

describe('the Model view in a real VS Code', () => {
  let modelDir: string;
  before(async () => {
    // a copy of its own: other suites' recipes adapt ./emotion/model.json, and opening a model that a
    // workspace recipe adapts makes that recipe the active one (this suite starts with none)
    modelDir = copyIntoWorkspace('test/fixtures/models/layers-mobilenet025-emotion-functional', 'tree-emotion');
    for (const c of ['bag', 'sneaker', 'trouser']) fs.cpSync(path.join(process.env.TS_ROOT!, 'examples', 'fashion-mini', 'train', c), path.join(workspaceDir(), 'data', c), { recursive: true });
  });
  after(closeAllEditors);

  it('opening a fixture model fills the tree with its layers, shapes and parameters', async () => {
    const a = await api();
    await vscode.commands.executeCommand('transferStudio.openInStudio', vscode.Uri.file(path.join(modelDir, 'model.json')));
    await waitFor('the model to open', () => a.session.model);
    const roots = a.modelTree.getChildren() as LayerItem[];
    assert.equal(roots.length, 102);
    const bn = roots.find((r) => r.layer.name === 'conv1_bn')!;
    assert.equal(bn.layer.className, 'BatchNormalization');
    assert.match(String(bn.description), /BatchNormalization \[null, 32, 32, 8\] · 32/);
    const cut = roots.find((r) => r.layer.name === 'global_average_pooling2d_1')!;
    assert.match(String(cut.description), /✂ cut/);
    const removed = roots.find((r) => r.layer.name === 'conv_preds')!;
    assert.match(String(removed.description), /removed by the cut/);
    assert.equal(removed.checkboxState, undefined, 'no checkbox above the cut');
    assert.match(String(a.treeView.description), /trainable · [\d,]+ frozen · [\d,]+ total/);
    assert.ok(a.treeView.message?.includes('no recipe yet'));
  });

  it('toggling a layer\'s checkbox creates the recipe and writes the change into it', async () => {
    const a = await api();
    await a.setTrainable('conv_pw_13', true);
    const uri = await waitFor('the recipe', () => a.session.recipe?.uri);
    assert.match(uri.fsPath, /\/tree-emotion\.adapt\.json$/);
    const doc = await vscode.workspace.openTextDocument(uri);
    await waitFor('the edit', () => /"trainable"/.test(doc.getText()));
    const recipe = JSON.parse(doc.getText());
    assert.deepEqual(recipe.freeze, { all: true, trainable: ['conv_pw_13'] });
    assert.ok(doc.isDirty, 'a WorkspaceEdit: dirty until saved, undoable');
    const item = (a.modelTree.getChildren() as LayerItem[]).find((r) => r.layer.name === 'conv_pw_13')!;
    assert.equal(item.checkboxState && typeof item.checkboxState === 'object' ? item.checkboxState.state : item.checkboxState, vscode.TreeItemCheckboxState.Checked);
    // undo restores the rules and the tree follows
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo', () => !/"trainable"/.test(doc.getText()));
    await waitFor('the tree to follow the undo', () => {
      const it = (a.modelTree.getChildren() as LayerItem[]).find((r) => r.layer.name === 'conv_pw_13')!;
      return (typeof it.checkboxState === 'object' ? it.checkboxState.state : it.checkboxState) === vscode.TreeItemCheckboxState.Unchecked;
    });
    await doc.save();
  });

  it('editing the recipe by hand updates the tree', async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument(a.session.recipe!.uri);
    const editor = await vscode.window.showTextDocument(doc);
    const recipe = JSON.parse(doc.getText());
    recipe.cut = 'conv_pw_5_relu';
    recipe.freeze = { upTo: 'conv_pw_3' };
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), JSON.stringify(recipe, null, 2)));
    await waitFor('the tree to follow', () => a.session.computed?.cut === 'conv_pw_5_relu');
    const roots = a.modelTree.getChildren() as LayerItem[];
    assert.match(String(roots.find((r) => r.layer.name === 'conv_pw_5_relu')!.description), /✂ cut/);
    assert.match(String(roots.find((r) => r.layer.name === 'conv_dw_6')!.description), /removed by the cut/);
    const state = (n: string) => { const it = roots.find((r) => r.layer.name === n)!; return typeof it.checkboxState === 'object' ? it.checkboxState.state : it.checkboxState; };
    assert.equal(state('conv_pw_3'), vscode.TreeItemCheckboxState.Unchecked);
    assert.equal(state('conv_dw_4'), vscode.TreeItemCheckboxState.Checked);
    // context action: Freeze Up To Here writes the rule
    await vscode.commands.executeCommand('transferStudio.freezeUpTo', roots.find((r) => r.layer.name === 'conv_dw_5'));
    await waitFor('freezeUpTo', () => /"upTo": "conv_dw_5"/.test(doc.getText()));
    await doc.save();
  });

  it('a corrupt model shows an error message naming the file, and the extension keeps working', async () => {
    const a = await api();
    const bad = path.join(workspaceDir(), 'broken', 'model.json');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, '{"modelTopology": {"class_name": "Sequential", "config": {"layers": []}}, "weightsManifest": [{"paths": ["missing.bin"], "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}]}');
    const before = a.errors().length;
    await vscode.commands.executeCommand('transferStudio.openInStudio', vscode.Uri.file(bad));
    const msg = await waitFor('an error message', () => a.errors().slice(before).at(-1));
    assert.match(msg, /broken\/model\.json: weights shard missing: .*missing\.bin/);
    // still working: the previous model is still open, and another one opens
    assert.equal(a.session.model?.summary.name, 'mobilenet_0.25_64');
    await vscode.commands.executeCommand('transferStudio.openInStudio', vscode.Uri.file(path.join(modelDir, 'model.json')));
    assert.equal(a.session.model?.summary.layers.length, 102);
  });

  it('the Model Inspector custom editor opens a model.json with "Open With"', async () => {
    const a = await api();
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path.join(modelDir, 'model.json')), 'transferStudio.inspector');
    const state = await waitFor('the inspector state', () => a.inspector.posted.find((m) => m.status === 'ok'), 30_000);
    assert.equal(state.summary?.totalParams, 220199);
  });
});
