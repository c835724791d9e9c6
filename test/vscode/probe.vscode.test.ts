import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DesignerState } from '../../src/core/protocol/designer';
import { api, closeAllEditors, ROOT, waitFor, workspaceDir } from './helpers';

describe('the probe of candidate cuts from the designer', () => {
  after(closeAllEditors);

  it('Probe shows the table of cuts in the designer, and Apply best writes the best cut into the recipe file', async () => {
    const a = await api();
    const dir = workspaceDir();
    fs.cpSync(path.join(ROOT, 'examples', 'tm-image-nail-biting'), path.join(dir, 'tm'), { recursive: true });
    for (const c of ['bag', 'sneaker', 'trouser', 'dress']) for (const s of ['train', 'test']) fs.cpSync(path.join(ROOT, 'examples', 'fashion-mini', s, c), path.join(dir, 'probe-data', c), { recursive: true });
    const file = path.join(dir, 'probe.adapt.json');
    fs.writeFileSync(file, JSON.stringify({ model: './tm/model.json', head: [{ type: 'Dense' }], data: { train: './probe-data', validationSplit: 0.3, imageSize: [96, 96] } }, null, 2));
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'transferStudio.designer');
    const session = await waitFor('the designer session', () => [...a.designer.sessions].find((s) => s.doc.uri.fsPath === file), 30_000);
    await waitFor('the webview handshake', () => session.received.some((m) => m.type === 'ready'), 60_000);
    await waitFor('the model in the designer', () => session.state.model.status === 'ok', 60_000);
    await session.receive({ type: 'probe' });
    const states = (): DesignerState[] => session.posted.filter((m) => m.type === 'state').map((m) => m.state);
    assert.ok(states().some((s) => s.probe?.status === 'running'), 'the panel says it is probing');
    const report = await waitFor('a probe report in the designer', () => states().map((s) => s.probe).find((p) => p?.status === 'ok')?.report, 120_000);
    assert.equal(report.rows.length, 12);
    assert.ok(report.rows.every((r) => r.value >= 0 && r.value <= 1));
    const best = report.rows.find((r) => r.cut === report.best)!;
    await session.receive({ type: 'applyCut', cut: report.best });
    const doc = await vscode.workspace.openTextDocument(uri);
    const recipe = await waitFor('the cut in the recipe', () => { const r = JSON.parse(doc.getText()); return r.cut === report.best && r; }, 10_000);
    // a feature map needs pooling in front of the Dense head; a vector does not
    assert.equal(recipe.head[0].type, best.spatial ? 'GlobalAveragePooling2D' : 'Dense');
    await doc.save();
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).cut, report.best, 'the file on disk');
    // a cut that was not probed is refused
    await session.receive({ type: 'applyCut', cut: 'no_such_layer' });
    assert.match(a.errors().at(-1) ?? '', /"no_such_layer" is not one of the probed cuts/);
  });
});
