/**
 * The Model Inspector in headless Chromium with a fake host, on real summaries (Teachable
 * Machine's MobileNetV2, the functional MobileNet 0.25) and the real error a graph model gets.
 *
 *   npx mocha --no-config --import=tsx test/webview/inspector.webview.test.ts
 */
import * as assert from 'node:assert/strict';
import { formatCount, walkLayers } from '../../src/core/modelSummary';
import type { InspectorHostMessage } from '../../src/core/protocol/inspector';
import { closeShell, fixture, openShell, type Shell } from './studioShell';

const TM = fixture<InspectorHostMessage>('inspector-tm.json');
const EMOTION = fixture<InspectorHostMessage>('inspector-emotion.json');
const GRAPH = fixture<InspectorHostMessage>('inspector-graph-error.json');

function rows(m: InspectorHostMessage): number {
  let n = 0;
  walkLayers(m.summary!.layers, () => n++);
  return n;
}

describe('inspector webview (headless Chromium, fake host)', function () {
  this.timeout(120_000);
  let shell: Shell;

  afterEach(async function () {
    if (!shell) return;
    await shell.close();
    assert.deepEqual(shell.errors, [], `page errors or CSP violations in "${this.currentTest?.title}"`);
  });
  after(closeShell);

  it('says ready first, then shows the model: header facts, totals and the read-only layer table', async () => {
    shell = await openShell('inspector', { theme: 'dark' });
    await shell.page.waitForFunction(() => (globalThis as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.deepEqual(await shell.posted(), [{ type: 'ready', protocol: 1 }]);
    await shell.send({ type: 'state', status: 'loading', file: TM.file });
    assert.match(await shell.page.locator('#status').innerText(), /Reading the model/);
    await shell.send(TM);
    const s = TM.summary!;
    assert.equal(await shell.page.locator('#title').innerText(), s.name);
    assert.equal(await shell.page.locator('#file').innerText(), TM.file);
    const facts = await shell.page.locator('.facts').innerText();
    for (const text of ['TF.js layers model', '[null, 224, 224, 3]', '[null, 2]', formatCount(s.totalParams), 'normal, nail-biting', 'Teachable Machine 2.4.4', '-1,1']) assert.ok(facts.includes(text), `facts show ${text}`);
    assert.match(await shell.page.locator('#totals').innerText(), new RegExp(`${formatCount(s.trainableParams)} trainable`));
    assert.equal(await shell.page.locator('.layer-row').count(), rows(TM));
    assert.equal(await shell.page.locator('.trainable-check').count(), 0, 'no toggles in the inspector');
    assert.equal(await shell.page.locator('.cut-here').count(), 0);
    assert.equal(await shell.page.locator('.layer-row[data-layer="model1"]').getAttribute('aria-expanded'), 'true');
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv_1"] td.c-shape').innerText(), '[null, 7, 7, 1280]');
    await shell.clearPosted();
    await shell.page.locator('#open-in-studio').click();
    await shell.page.locator('#new-recipe').click();
    assert.deepEqual(await shell.posted(), [{ type: 'openInStudio' }, { type: 'newRecipe' }]);
    // collapse the nested model from the keyboard, filter by class
    await shell.page.locator('.layer-row[data-layer="model1"]').focus();
    await shell.page.keyboard.press('ArrowLeft');
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv_1"]').isVisible(), false);
    await shell.page.keyboard.press('Enter');
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv_1"]').isVisible(), true);
    await shell.screenshot('inspector-dark', false);
    await shell.setTheme('light');
    await shell.screenshot('inspector-light', false);
    await shell.page.locator('#layer-filter input').fill('DepthwiseConv2D');
    const shown = await shell.page.locator('.layer-row:visible').count();
    let depthwise = 0;
    walkLayers(TM.summary!.layers, (l) => { if (l.className === 'DepthwiseConv2D') depthwise++; });
    assert.equal(shown, depthwise + 2, 'the matches and their two parent models');
  });

  it('marks layers that are not trainable in the file (functional MobileNet)', async () => {
    shell = await openShell('inspector', { theme: 'light' });
    await shell.send(EMOTION);
    const s = EMOTION.summary!;
    assert.equal(await shell.page.locator('.layer-row').count(), rows(EMOTION));
    const notTrainable: string[] = [];
    walkLayers(s.layers, (l) => { if (!l.layers && !l.trainable && l.className !== 'InputLayer') notTrainable.push(l.name); });
    assert.equal(await shell.page.locator('.layer-row.frozen').count(), notTrainable.length);
    assert.match(await shell.page.locator('.facts').innerText(), /TF\.js layers model/);
    await shell.screenshot('inspector-emotion-light', false);
  });

  it('shows why a model cannot be opened (a TF.js graph model) and disables the actions', async () => {
    shell = await openShell('inspector', { theme: 'dark' });
    await shell.send(GRAPH);
    const status = await shell.page.locator('#status').innerText();
    assert.match(status, /cannot be opened/);
    assert.match(status, /graph model: it is inference-only/);
    assert.equal(await shell.page.locator('#open-in-studio').evaluate((el) => (el as HTMLButtonElement).disabled), true);
    assert.equal(await shell.page.locator('#new-recipe').evaluate((el) => (el as HTMLButtonElement).disabled), true);
    assert.equal(await shell.page.locator('.layer-row').count(), 0);
    await shell.screenshot('inspector-error-dark', false);
  });
});
