/**
 * Compare Runs in the real VS Code: two recipes trained from VS Code (Start Training), then the
 * Compare Runs command as the Runs view's context menu calls it (the clicked item and the selected
 * items): the panel opens, its webview says `ready` and gets the comparison of the two runs; every
 * run's model evaluated on one folder through the worker; a damaged run folder refused with a
 * message naming the file. Run alone (VSCODE_TEST_GREP='Compare Runs in VS Code'), the panel is
 * left open: the driver's last screenshot (test-output/vscode-final.png) is docs/images/compare-runs.png.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunComparison } from '../../src/core/compare';
import type { CompareHostMessage } from '../../src/core/protocol/compare';
import type { ComparePanel } from '../../src/extension/compare/panel';
import type { Run } from '../../src/extension/runs/run';
import { api, closeAllEditors, waitFor, workspaceDir } from './helpers';

const SUITE = 'Compare Runs in VS Code';

function writeRecipe(name: string, recipe: { training: Record<string, unknown>; head?: unknown[] }): vscode.Uri {
  const dir = workspaceDir();
  for (const split of ['train', 'test']) for (const c of ['bag', 'sneaker', 'trouser']) fs.cpSync(path.join(process.env.TS_ROOT!, 'examples', 'fashion-mini', split, c), path.join(dir, 'fashion', split, c), { recursive: true });
  if (!fs.existsSync(path.join(dir, 'emotion'))) fs.cpSync(path.join(process.env.TS_ROOT!, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional'), path.join(dir, 'emotion'), { recursive: true });
  const file = path.join(dir, `${name}.adapt.json`);
  fs.writeFileSync(file, JSON.stringify({ model: './emotion/model.json', ...(recipe.head ? { head: recipe.head } : {}), data: { train: './fashion/train', test: './fashion/test' }, training: { batchSize: 8, seed: 7, ...recipe.training } }, null, 2));
  return vscode.Uri.file(file);
}

async function trainToEnd(uri: vscode.Uri): Promise<Run> {
  const a = await api();
  const id = (await vscode.commands.executeCommand('transferStudio.startTraining', uri)) as string;
  assert.ok(id, `${path.basename(uri.fsPath)} started`);
  const run = a.runs.get(id)!;
  await waitFor(`${path.basename(uri.fsPath)} to finish`, () => !run.active && run.info, 180_000);
  assert.equal(run.info.status, 'done', run.info.error);
  return run;
}

/** The last comparison the panel posted to its webview. */
function lastState(panel: ComparePanel): Extract<CompareHostMessage, { type: 'state' }> | undefined {
  return panel.posted.filter((m): m is Extract<CompareHostMessage, { type: 'state' }> => m.type === 'state').at(-1);
}

describe(SUITE, () => {
  const alone = !!process.env.TS_VSCODE_GREP && SUITE.includes(process.env.TS_VSCODE_GREP);
  let runs: Run[] = [];
  let panel: ComparePanel;

  after(async () => {
    if (!alone) return closeAllEditors();
    // run alone, the panel stays for the driver's final screenshot: the whole window, no toasts
    for (const c of ['notifications.clearAll', 'workbench.action.closeSidebar', 'workbench.action.closePanel']) await vscode.commands.executeCommand(c);
    panel.reveal();
    await new Promise((r) => setTimeout(r, 1500)); // the webview repaints at its new width before the suite ends
  });

  before(async function () {
    this.timeout(400_000);
    runs = [
      await trainToEnd(writeRecipe('quick', { training: { epochs: 3, learningRate: 0.01 } })),
      await trainToEnd(writeRecipe('slow', { training: { epochs: 4, learningRate: 0.001 }, head: [{ type: 'Dropout', rate: 0.2 }, { type: 'Dense' }] })),
    ];
    await closeAllEditors(); // the dashboards Start Training opened
  });

  it('from the Runs view\'s selection: the panel opens, the webview says ready and gets the comparison of the two runs', async () => {
    // a context-menu command gets (the clicked item, all the selected items)
    const items = runs.map((run) => ({ run }));
    panel = (await vscode.commands.executeCommand('transferStudio.compareRuns', items[1], items)) as ComparePanel;
    assert.ok(panel, 'the command returns the panel');
    assert.equal(panel.panel.title, 'Compare: quick vs slow');
    assert.equal(panel.panel.visible, true);
    await waitFor('the webview handshake', () => panel.received.some((m) => m.type === 'ready'), 60_000);
    const state = await waitFor('the comparison in the webview', () => lastState(panel));
    const c: RunComparison = state.comparison;
    assert.equal(state.trusted, true);
    assert.deepEqual(c.runs.map((r) => r.label), ['quick', 'slow'], 'in the order selected');
    assert.deepEqual(c.runs.map((r) => r.runDir), runs.map((r) => r.info.runDir));
    assert.deepEqual(c.recipeDiff.map((d) => d.path), ['/training/epochs', '/training/learningRate', '/head']);
    assert.deepEqual(c.recipeDiff[1]!.values, [{ value: 0.01 }, { value: 0.001 }]);
    for (const [i, run] of runs.entries()) {
      const epochs = run.events.filter((e) => e.type === 'epochEnd');
      assert.deepEqual(c.runs[i]!.curves.points.map((p) => p.valLoss), epochs.map((e) => (e.type === 'epochEnd' ? e.logs.val_loss : null)), `${run.info.name}'s curve`);
      const ev = run.events.find((e) => e.type === 'evaluation');
      assert.ok(ev && ev.type === 'evaluation');
      assert.equal(c.runs[i]!.final.evaluation?.value, ev.report.accuracy);
    }
    // both evaluated on the test split of the same folder: ranked on it
    assert.equal(c.evaluation.comparable, true, c.evaluation.reason ?? '');
    assert.match(c.evaluation.on!, /the test split of .*fashion\/test \(18 examples\)/);
    const acc = c.runs.map((r) => r.final.evaluation!.value);
    assert.ok(c.best);
    assert.equal(c.best.value, Math.max(...acc));
  });

  it('the same runs again (in any order) reveal the same panel', async () => {
    const again = (await vscode.commands.executeCommand('transferStudio.compareRuns', [runs[1]!.info.id, runs[0]!.info.id])) as ComparePanel;
    assert.equal(again, panel);
  });

  it('every run\'s model evaluated on one folder through the worker ranks them on it', async function () {
    this.timeout(180_000);
    const data = path.join(workspaceDir(), 'fashion', 'train');
    const p = (await vscode.commands.executeCommand('transferStudio.compareRuns', { runs: runs.map((r) => r.info.id), data })) as ComparePanel;
    assert.equal(p, panel);
    const state = await waitFor('the comparison on the data', () => { const s = lastState(panel); return s?.comparison.evaluation.basis === 'data' && s; }, 120_000);
    const ev = state.comparison.evaluation;
    assert.equal(ev.comparable, true, ev.reason ?? '');
    assert.equal(ev.on, `${data} (36 examples)`);
    assert.equal(ev.values.length, 2);
    for (const v of ev.values) assert.ok(typeof v === 'number' && v >= 0 && v <= 1);
    assert.ok(panel.posted.some((m) => m.type === 'busy' && typeof m.busy === 'string' && m.busy.startsWith('Evaluating A (quick) on ')), 'it said what it was doing');
    assert.equal(state.comparison.best?.value, Math.max(...(ev.values as number[])));
  });

  it('a run folder whose event log is gone is refused with a message naming the file', async () => {
    const a = await api();
    const damaged = path.join(path.dirname(runs[0]!.info.runDir), `${path.basename(runs[0]!.info.runDir)}-copy`);
    fs.cpSync(runs[0]!.info.runDir, damaged, { recursive: true });
    fs.rmSync(path.join(damaged, 'events.jsonl'));
    const before = a.errors().length;
    const result = await vscode.commands.executeCommand('transferStudio.compareRuns', [damaged, runs[1]!.info.runDir]);
    assert.equal(result, undefined);
    assert.equal(a.errors().slice(before).at(-1), `${path.join(damaged, 'events.jsonl')}: the run's event log events.jsonl is missing — every run folder has one; this folder is incomplete or not a run`);
    fs.rmSync(damaged, { recursive: true, force: true });
  });
});
