/**
 * Multi-task heads in the real VS Code: the bundled worked example's CSV (item, group, ink
 * coverage per Fashion-MNIST image) and a recipe with three "heads" in their own workspace folder
 * (multitask/, with its own model copy). Start Training: the run's `started` names the heads, the
 * dashboard gets each head's loss and metric every epoch and an evaluation comparing each head
 * with itself trained alone; the saved model predicts every head through the worker. Run alone
 * (VSCODE_TEST_GREP='multi-task heads in VS Code'), the dashboard is left open: the driver's last
 * screenshot (test-output/vscode-final.png) is docs/images/multitask-dashboard.png.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, ROOT, trainToTheEnd, workspaceDir } from './helpers';

const SUITE = 'multi-task heads in VS Code';
const alone = process.env.VSCODE_TEST_GREP === SUITE;

describe(SUITE, function () {
  this.timeout(400_000);
  let dir = '';
  before(() => {
    dir = path.join(workspaceDir(), 'multitask');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional'), path.join(dir, 'emotion-mt'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples', 'fashion-mini'), path.join(dir, 'fashion-mini'), { recursive: true });
  });
  after(async () => {
    if (!alone) {
      await closeAllEditors();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Start Training on a recipe with three heads streams each head\'s metrics, compares each with itself trained alone, and the saved model predicts every head', async () => {
    const a = await api();
    const file = path.join(dir, 'fashion.adapt.json');
    fs.writeFileSync(file, JSON.stringify({
      model: './emotion-mt/model.json',
      heads: [{ name: 'item', task: 'single-label' }, { name: 'group', task: 'single-label' }, { name: 'coverage', task: 'regression' }],
      data: { train: './fashion-mini/multitask-train.csv', test: './fashion-mini/multitask-test.csv' },
      training: { seed: 7 },
      output: './fashion-multitask',
    }, null, 2));
    const { events } = await trainToTheEnd(file, 300_000);
    const started = events.find((e) => e.type === 'started');
    assert.ok(started && started.type === 'started');
    assert.deepEqual(started.heads?.map((h) => h.name), ['item', 'group', 'coverage']);
    const epochs = events.filter((e) => e.type === 'epochEnd');
    assert.ok(epochs.length > 0 && epochs.every((e) => e.type === 'epochEnd' && typeof e.logs.val_item_accuracy === 'number' && typeof e.logs.val_coverage_mae === 'number'), 'every epoch reports each head');
    const ev = events.find((e) => e.type === 'evaluation');
    assert.ok(ev && ev.type === 'evaluation' && ev.multiTask);
    assert.deepEqual(ev.multiTask.heads.map((h) => typeof h.singleValue === 'number' && h.verdict !== undefined), [true, true, true]);
    assert.ok(ev.multiTask.heads[1]!.value > 0.5, `group accuracy ${ev.multiTask.heads[1]!.value}`);
    // the saved model, beside the source, predicts every head through the worker
    const out = path.join(dir, 'fashion-multitask');
    assert.ok(fs.existsSync(path.join(out, 'model.json')) && fs.existsSync(path.join(dir, 'emotion-mt', 'model.json')));
    const image = path.join(dir, 'fashion-mini', 'test', 'sneaker', fs.readdirSync(path.join(dir, 'fashion-mini', 'test', 'sneaker'))[0]!);
    const preds = await a.engine.request({ type: 'predict', model: path.join(out, 'model.json'), files: [image] });
    assert.deepEqual(preds[0]!.heads?.map((h) => h.name), ['item', 'group', 'coverage']);
    if (alone) await vscode.commands.executeCommand('workbench.action.closeSidebar');
  });
});
