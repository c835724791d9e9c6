import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardHostMessage } from '../../src/core/protocol/dashboard';
import { api, closeAllEditors, ROOT, waitFor, workspaceDir } from './helpers';

/** An interpreter with torch, as the engine would find it; undefined skips the test (with why). */
function torchPython(): string | undefined {
  for (const p of [process.env.TRANSFER_STUDIO_PYTHON, '/usr/bin/python3', 'python3'].filter((x): x is string => !!x)) {
    if (spawnSync(p, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0) return p;
  }
  return undefined;
}

describe('the PyTorch engine from VS Code', () => {
  after(closeAllEditors);

  it('a run on the PyTorch engine streams into the dashboard, says which engine, and saves TF.js + .pt + ONNX', async function () {
    const python = torchPython();
    if (!python) { console.log('      skipped: no Python with torch here (apt install python3-torch python3-torchvision)'); this.skip(); }
    const a = await api();
    const dir = workspaceDir();
    for (const c of ['bag', 'sneaker', 'trouser']) for (const s of ['train', 'test']) fs.cpSync(path.join(ROOT, 'examples', 'fashion-mini', s, c), path.join(dir, 'pt-data', s, c), { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples', 'tm-image-nail-biting'), path.join(dir, 'pt-model'), { recursive: true });
    const file = path.join(dir, 'torch.adapt.json');
    fs.writeFileSync(file, JSON.stringify({ model: './pt-model/model.json', data: { train: './pt-data/train', test: './pt-data/test', imageSize: [64, 64] }, training: { epochs: 8, batchSize: 8 }, engine: { name: 'pytorch' }, output: './torch-adapted' }, null, 2));
    await vscode.workspace.getConfiguration('transferStudio').update('python', python, vscode.ConfigurationTarget.Workspace);
    try {
      const id = (await vscode.commands.executeCommand('transferStudio.startTraining', vscode.Uri.file(file))) as string;
      assert.ok(id, 'the run id');
      const run = a.runs.get(id)!;
      const panel = await waitFor('the dashboard', () => a.dashboards.panels.get(id));
      await waitFor('the run to finish', () => !run.active && run.info, 240_000);
      assert.equal(run.info.status, 'done', run.info.error);
      const started = run.events.find((e) => e.type === 'started');
      assert.ok(started && started.type === 'started' && started.backend.engine === 'pytorch', 'started on the PyTorch engine');
      assert.match(run.snapshot.engine ?? '', /^PyTorch engine: PyTorch \d/);
      await waitFor('the webview handshake', () => panel.received.some((m) => m.type === 'ready'), 30_000);
      const posted: DashboardHostMessage[] = await waitFor('epochs and the evaluation on the dashboard', () => {
        const all = panel.posted.flatMap((m) => (m.type === 'events' ? m.events : m.type === 'state' ? m.events : []));
        return all.some((e) => e.type === 'evaluation') && all.some((e) => e.type === 'epochEnd') && panel.posted;
      }, 30_000);
      const events = posted.flatMap((m) => (m.type === 'events' ? m.events : m.type === 'state' ? m.events : []));
      assert.ok(events.filter((e) => e.type === 'epochEnd').length >= 1);
      const out = path.join(dir, 'torch-adapted');
      for (const f of ['model.json', 'weights.bin', 'model.pt', 'model.onnx']) assert.ok(fs.existsSync(path.join(out, f)), f);
    } finally {
      await vscode.workspace.getConfiguration('transferStudio').update('python', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a torchvision model (local .pth) opens from its recipe into the tree, trains on the PyTorch engine and predicts from the saved .pt', async function () {
    const python = torchPython();
    if (!python) { console.log('      skipped: no Python with torch and torchvision here (apt install python3-torch python3-torchvision)'); this.skip(); }
    const a = await api();
    const dir = workspaceDir();
    const weights = path.join(dir, 'resnet18-random.pth');
    const made = spawnSync(python, ['-c', `import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(weights)})`], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    for (const c of ['bag', 'sneaker', 'trouser']) for (const s of ['train', 'test']) fs.cpSync(path.join(ROOT, 'examples', 'fashion-mini', s, c), path.join(dir, 'tv-data', s, c), { recursive: true });
    const file = path.join(dir, 'resnet.adapt.json');
    fs.writeFileSync(file, JSON.stringify({ model: 'torchvision:resnet18', weights: './resnet18-random.pth', data: { train: './tv-data/train', test: './tv-data/test', imageSize: [64, 64] }, training: { epochs: 5, batchSize: 8 }, output: './resnet-adapted' }, null, 2));
    await vscode.workspace.getConfiguration('transferStudio').update('python', python, vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(file));
      const summary = await waitFor('the torchvision model in the tree', () => a.session.model?.summary.format === 'torchvision' && a.session.model.summary, 120_000);
      assert.deepEqual(summary.layers.map((l) => l.name).slice(-3), ['layer4', 'avgpool', 'fc']);
      assert.equal(a.session.model!.file, weights);
      const computed = a.session.computed!;
      assert.equal(computed.cut, 'avgpool', 'the default cut replaces the classifier');
      assert.ok(computed.frozen.has('layer4.1.conv2') && !computed.baseLeafNames.has('fc'));
      const id = (await vscode.commands.executeCommand('transferStudio.startTraining', vscode.Uri.file(file))) as string;
      const run = a.runs.get(id)!;
      await waitFor('the run to finish', () => !run.active && run.info, 240_000);
      assert.equal(run.info.status, 'done', run.info.error);
      const started = run.events.find((e) => e.type === 'started');
      assert.ok(started && started.type === 'started' && started.backend.engine === 'pytorch', 'a torchvision model always trains on the PyTorch engine');
      const out = path.join(dir, 'resnet-adapted');
      for (const f of ['model.pt', 'model.onnx', 'metadata.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
      const [p] = await a.engine.predict(out, [path.join(dir, 'tv-data', 'test', 'bag', '1000.png')], 3);
      assert.equal(p!.top.length, 3);
      assert.ok(p!.top.every((t) => ['bag', 'sneaker', 'trouser'].includes(t.label)));
    } finally {
      await vscode.workspace.getConfiguration('transferStudio').update('python', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Environment Check names the engine a run gets and why', async () => {
    const env = (await vscode.commands.executeCommand('transferStudio.environmentCheck')) as { choice: { engine: string; summary: string }; tfjs: { name: string } };
    assert.ok(env.choice.engine === 'tfjs' || env.choice.engine === 'pytorch');
    assert.ok(env.choice.summary.length > 10, env.choice.summary);
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(env.tfjs.name));
  });
});
