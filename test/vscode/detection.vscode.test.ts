/**
 * Detection in the real VS Code: a box dataset (shapes at known boxes, COCO) and a recipe with
 * "task": "detection" in their own workspace folder (detection/, with its own model copy), Start
 * Training, the dashboard gets epochEnd events with val_mAP50 and an evaluation whose sample images
 * it asks thumbnails for (to draw the boxes on); the saved detector predicts boxes through the
 * worker. Run alone (VSCODE_TEST_GREP='detection in VS Code'), the dashboard is left open: the
 * driver's last screenshot (test-output/vscode-final.png) is docs/images/detection-boxes.png.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, ROOT, trainToTheEnd, waitFor, workspaceDir } from './helpers';

const SUITE = 'detection in VS Code';
const alone = process.env.VSCODE_TEST_GREP === SUITE;

describe(SUITE, function () {
  this.timeout(400_000);
  let dir = '';
  before(() => {
    dir = path.join(workspaceDir(), 'detection');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional'), path.join(dir, 'emotion-detect'), { recursive: true });
    // the tests' own dataset maker (sharp), run by the project's tsx rather than bundled into the suite
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'make-box-dataset.ts'), '--out', path.join(dir, 'shapes'), '--images', '300', '--seed', '11', '--contrast'], { cwd: ROOT, stdio: 'ignore' });
  });
  after(async () => {
    if (!alone) {
      await closeAllEditors();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Start Training on a detection recipe streams val_mAP50, evaluates with boxes, and the saved detector predicts boxes', async () => {
    const a = await api();
    const file = path.join(dir, 'shapes.adapt.json');
    fs.writeFileSync(file, JSON.stringify({
      model: './emotion-detect/model.json', task: 'detection', cut: 'conv_pw_11_relu',
      data: { train: './shapes/annotations.json', validationSplit: 0.2, imageSize: [256, 256] },
      detection: { hiddenUnits: 32 },
      training: { epochs: 40, batchSize: 16, learningRate: 0.003, seed: 7 },
      output: './shapes-detector',
    }, null, 2));
    const { events, panel } = await trainToTheEnd(file, 300_000);
    const epochs = events.filter((e) => e.type === 'epochEnd');
    assert.ok(epochs.length > 0 && epochs.every((e) => e.type === 'epochEnd' && typeof e.logs.val_mAP50 === 'number'), 'every epoch reports val_mAP50');
    const ev = events.find((e) => e.type === 'evaluation');
    assert.ok(ev && ev.type === 'evaluation' && ev.report.task === 'detection');
    const d = ev.report.detection!;
    assert.ok(d.mAP50! > 0.5, `validation mAP@0.5 ${d.mAP50}`);
    // the webview asks for the sample images' thumbnails, to draw the boxes on
    const samples = d.samples.map((s) => s.file);
    await waitFor('thumbnails of the detection samples', () => panel.posted.some((m) => m.type === 'thumbnails' && samples.some((f) => typeof m.images[f] === 'string')), 30_000);
    // the saved detector, beside the source, predicts boxes through the worker
    const out = path.join(dir, 'shapes-detector');
    assert.ok(fs.existsSync(path.join(out, 'model.json')) && fs.existsSync(path.join(dir, 'emotion-detect', 'model.json')));
    const preds = await a.engine.request({ type: 'predict', model: path.join(out, 'model.json'), files: [samples[0]!] });
    assert.ok(Array.isArray(preds[0]!.boxes), 'predict returns boxes');
    if (alone) await vscode.commands.executeCommand('workbench.action.closeSidebar');
  });
});
