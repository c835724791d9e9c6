import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardHostMessage } from '../../src/core/protocol/dashboard';
import { api, closeAllEditors, waitFor, workspaceDir } from './helpers';

function writeRecipe(name: string, training: Record<string, unknown>, extra: Record<string, unknown> = {}): vscode.Uri {
  const dir = workspaceDir();
  for (const split of ['train', 'test']) for (const c of ['bag', 'sneaker', 'trouser']) fs.cpSync(path.join(process.env.TS_ROOT!, 'examples', 'fashion-mini', split, c), path.join(dir, 'fashion', split, c), { recursive: true });
  if (!fs.existsSync(path.join(dir, 'emotion'))) fs.cpSync(path.join(process.env.TS_ROOT!, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional'), path.join(dir, 'emotion'), { recursive: true });
  const file = path.join(dir, `${name}.adapt.json`);
  fs.writeFileSync(file, JSON.stringify({ model: './emotion/model.json', data: { train: './fashion/train', test: './fashion/test' }, training: { batchSize: 8, learningRate: 0.01, ...training }, ...extra }, null, 2));
  return vscode.Uri.file(file);
}

describe('training from VS Code', () => {
  after(closeAllEditors);

  it('Start Training runs a worker, streams epochEnd messages to the dashboard, and finishes with an evaluation', async () => {
    const a = await api();
    const uri = writeRecipe('stream', { epochs: 3 });
    const id = (await vscode.commands.executeCommand('transferStudio.startTraining', uri)) as string;
    assert.ok(id, 'the run id');
    const run = a.runs.get(id)!;
    const panel = await waitFor('the dashboard', () => a.dashboards.panels.get(id));
    await waitFor('the run to finish', () => !run.active && run.info, 180_000);
    assert.equal(run.info.status, 'done', run.info.error);
    // the webview said ready, got the state and then deltas with epochEnd events
    await waitFor('the webview handshake', () => panel.received.some((m) => m.type === 'ready'), 30_000);
    const posted: DashboardHostMessage[] = await waitFor('an evaluation on the dashboard', () => {
      const all = panel.posted.flatMap((m) => (m.type === 'events' ? m.events : m.type === 'state' ? m.events : []));
      return all.some((e) => e.type === 'evaluation') && panel.posted;
    }, 30_000);
    const events = posted.flatMap((m) => (m.type === 'events' ? m.events : m.type === 'state' ? m.events : []));
    assert.equal(events.filter((e) => e.type === 'epochEnd').length, 3);
    const ev = events.find((e) => e.type === 'evaluation');
    assert.ok(ev && ev.type === 'evaluation' && ev.report.examples === 18);
    assert.ok(fs.existsSync(path.join(workspaceDir(), 'stream-adapted', 'model.json')), 'saved beside the model');
    // the Runs view lists it
    await waitFor('the Runs view', () => a.runs.all().some((r) => r.info.id === id && r.info.status === 'done'));
  });

  it('Stop works mid-run: the worker stops at the next batch and keeps a checkpoint', async () => {
    const a = await api();
    const uri = writeRecipe('stopme', { epochs: 200, batchSize: 4 }, { data: { train: './fashion/train', augment: { flip: true } } });
    const id = (await vscode.commands.executeCommand('transferStudio.startTraining', uri)) as string;
    const run = a.runs.get(id)!;
    await waitFor('a few batches', () => run.events.filter((e) => e.type === 'batchEnd').length >= 3, 120_000);
    await vscode.commands.executeCommand('transferStudio.stopTraining', id);
    await waitFor('the run to stop', () => !run.active, 30_000);
    assert.equal(run.info.status, 'stopped');
    const done = run.events.find((e) => e.type === 'done');
    assert.ok(done && done.type === 'done' && done.stopped && fs.existsSync(path.join(done.output, 'model.json')), 'checkpoint kept');
    assert.equal(run.client, undefined, 'the worker is gone');
  });

  it('a recipe with errors does not start, and says why', async () => {
    const a = await api();
    const uri = writeRecipe('broken', { epochs: 0 });
    const before = a.errors().length;
    const id = await vscode.commands.executeCommand('transferStudio.startTraining', uri);
    assert.equal(id, undefined);
    assert.match(a.errors().slice(before).at(-1) ?? '', /broken\.adapt\.json: \/training\/epochs: expected at least 1 epoch/);
  });
});
