/**
 * The designer's detection settings in headless Chromium with a fake host (the real Teachable
 * Machine state of test/fixtures/webview): the task offers "detection"; its head, anchors, score
 * threshold and image folder show only for a detection recipe, and each posts its recipe path.
 */
import * as assert from 'node:assert/strict';
import type { DesignerState } from '../../src/core/protocol/designer';
import { closeShell, fixture, openShell, type Posted, type Shell } from './studioShell';

const TM = fixture<DesignerState>('designer-tm.json');
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const sets = (posted: Posted[]): Posted[] => posted.filter((m) => m.type === 'set');

describe('designer webview: the detection task', function () {
  this.timeout(120_000);
  let shell: Shell;
  after(async () => {
    await shell?.close();
    await closeShell();
  });

  it('offers the detection task; its settings show only for a detection recipe and post their paths', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    const fields = ['/detection/head', '/detection/anchors', '/detection/scoreThreshold', '/data/images'];
    for (const f of fields) assert.ok(await shell.page.locator(`[data-path="${f}"]`).isHidden(), `${f} hidden for a classification recipe`);
    assert.ok(await shell.page.locator('#head-detection-note').isHidden());
    await shell.clearPosted();
    const task = shell.page.locator('[data-path="/task"] vscode-single-select');
    await task.click();
    await task.getByText('detection', { exact: true }).click();
    assert.deepEqual(sets(await shell.posted()), [{ type: 'set', path: ['task'], value: 'detection' }]);

    const detecting = clone(TM);
    detecting.recipe = { ...detecting.recipe!, task: 'detection' };
    await shell.send({ type: 'state', state: detecting });
    for (const f of fields) assert.ok(await shell.page.locator(`[data-path="${f}"]`).isVisible(), `${f} shown for a detection recipe`);
    // the head builder gives way to a note: the detection head is built for the recipe
    assert.ok(await shell.page.locator('#head-detection-note').isVisible());
    assert.ok(await shell.page.locator('#head .head-builder').isHidden());
    await shell.clearPosted();
    const head = shell.page.locator('[data-path="/detection/head"] vscode-single-select');
    await head.click();
    await head.getByText('grid', { exact: true }).click();
    assert.deepEqual(sets(await shell.posted()), [{ type: 'set', path: ['detection', 'head'], value: 'grid' }]);
    assert.deepEqual(shell.errors, []);
  });
});
