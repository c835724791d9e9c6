/**
 * The adaptation designer in headless Chromium with a fake host. The states are real: the engine
 * summarized Teachable Machine's MobileNetV2 (161 rows, nested models) and the functional
 * MobileNet 0.25, read the example images, and validated the recipes (test/fixtures/webview/generate.ts).
 *
 *   npx mocha --config /dev/null --import=tsx test/webview/designer.webview.test.ts
 */
import * as assert from 'node:assert/strict';
import { z } from 'zod';
import { walkLayers } from '../../src/core/modelSummary';
import { HeadLayerSchema, type HeadLayerSpec } from '../../src/core/recipe/schema';
import type { DesignerState } from '../../src/core/protocol/designer';
import { headLayerProblem } from '../../webview/designer/defaults';
import { closeShell, fixture, openShell, type Posted, type Shell } from './studioShell';

const TM = fixture<DesignerState>('designer-tm.json');
const TM_PROBLEMS = fixture<DesignerState>('designer-tm-problems.json');
const EMOTION = fixture<DesignerState>('designer-emotion.json');
const HeadArray = z.array(HeadLayerSchema).min(1);

function rowCount(s: DesignerState): number {
  let n = 0;
  walkLayers(s.model.summary!.layers, () => n++);
  return n;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const ofType = (posted: Posted[], type: string): Posted[] => posted.filter((m) => m.type === type);
const settle = (shell: Shell, ms: number): Promise<void> => shell.page.waitForTimeout(ms);

describe('designer webview (headless Chromium, fake host)', function () {
  this.timeout(120_000);
  let shell: Shell;

  afterEach(async function () {
    if (!shell) return;
    await shell.close();
    assert.deepEqual(shell.errors, [], `page errors or CSP violations in "${this.currentTest?.title}"`);
  });
  after(closeShell);

  it('says ready first, then renders the 161-row Teachable Machine state (nested models, cut, frozen rows, totals)', async () => {
    shell = await openShell('designer', { theme: 'dark' });
    await shell.page.waitForFunction(() => (globalThis as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.deepEqual(await shell.posted(), [{ type: 'ready', protocol: 1 }], 'ready is the first and only message before any state');

    await shell.send({ type: 'state', state: TM });
    const rows = shell.page.locator('.layer-row');
    assert.equal(await rows.count(), rowCount(TM));
    assert.ok(rowCount(TM) >= 160);
    // nested models are indented and expandable
    assert.equal(await shell.page.locator('.layer-row[aria-level="3"]').count(), 155);
    assert.equal(await shell.page.locator('.layer-row[data-layer="model1"]').getAttribute('aria-expanded'), 'true');
    // the cut (default: sequential_1) and what the recipe freezes
    const c = TM.computed!;
    assert.ok(await shell.page.locator(`.layer-row[data-layer="${c.cut}"]`).evaluate((el) => el.classList.contains('is-cut')));
    assert.match(await shell.page.locator(`.layer-row[data-layer="${c.cut}"] .state-badge.cut`).innerText(), /Cut · default/);
    const frozen = new Set(c.frozen);
    const firstFrozen = c.baseLayers.find((n) => frozen.has(n))!;
    const firstTrainable = c.baseLayers.find((n) => !frozen.has(n))!;
    assert.ok(await shell.page.locator(`.layer-row[data-layer="${firstFrozen}"]`).evaluate((el) => el.classList.contains('frozen')));
    assert.equal(await shell.page.locator(`.layer-row[data-layer="${firstFrozen}"] .trainable-check`).isChecked(), false);
    assert.equal(await shell.page.locator(`.layer-row[data-layer="${firstTrainable}"] .trainable-check`).isChecked(), true);
    // frozen rows are dimmed
    const opacity = await shell.page.locator(`.layer-row[data-layer="${firstFrozen}"] td.c-name`).evaluate((el) => getComputedStyle(el).opacity);
    assert.ok(Number(opacity) < 0.8, `frozen row opacity ${opacity}`);
    // the old classifier is above the cut: removed, its checkboxes disabled
    assert.ok(await shell.page.locator('.layer-row[data-layer="dense_Dense1"]').evaluate((el) => el.classList.contains('removed')));
    assert.ok(await shell.page.locator('.layer-row[data-layer="dense_Dense1"] .trainable-check').isDisabled());
    assert.match(await shell.page.locator('.layer-row[data-layer="sequential_3"]').innerText(), /Removed by the cut/);
    // totals: base params by frozen set + the head's (GAP, Dense 128, Dropout, Dense 10 from the 10 labels)
    let trainable = 0;
    let frozenParams = 0;
    walkLayers(TM.model.summary!.layers, (l) => {
      if (l.layers || !c.baseLayers.includes(l.name)) return;
      if (frozen.has(l.name)) frozenParams += l.trainableParams + l.nonTrainableParams;
      else { trainable += l.trainableParams; frozenParams += l.nonTrainableParams; }
    });
    const head = 1280 * 128 + 128 + 128 * 10 + 10;
    const totals = await shell.page.locator('#totals').innerText();
    assert.match(totals, new RegExp((trainable + head).toLocaleString('en-US')));
    assert.match(totals, new RegExp(frozenParams.toLocaleString('en-US')));
    assert.match(totals, new RegExp((trainable + head + frozenParams).toLocaleString('en-US')));
    // the dataset report: counts and thumbnails per class
    assert.equal(await shell.page.locator('.class-table tbody tr').count(), 10);
    assert.equal(await shell.page.locator('.class-table img.thumb').count(), Object.values(TM.dataset.thumbnails!).flat().length);
    assert.match(await shell.page.locator('.report-summary').innerText(), /180 images · 100 train · 20 validation · 60 test · 10 classes/);
    // fields show the recipe, defaults are placeholders
    assert.equal(await shell.page.locator('[data-path="/training/epochs"] vscode-textfield').evaluate((el) => (el as HTMLInputElement).value), '12');
    assert.equal(await shell.page.locator('[data-path="/training/seed"] vscode-textfield').evaluate((el) => (el as HTMLInputElement).placeholder), '42');
    await shell.screenshot('designer-dark');
    await shell.setTheme('light');
    await shell.screenshot('designer-light');
  });

  it('toggling a layer posts toggleLayer with its name and the new value (mouse and keyboard), without changing the view itself', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    await shell.clearPosted();
    await shell.page.locator('.layer-row[data-layer="Conv1"] .trainable-check').click();
    await shell.page.locator('.layer-row[data-layer="Conv_1"] .trainable-check').click();
    await shell.page.locator('.layer-row[data-layer="model1"] .trainable-check').click();
    assert.deepEqual(ofType(await shell.posted(), 'toggleLayer'), [
      { type: 'toggleLayer', layer: 'Conv1', trainable: true },
      { type: 'toggleLayer', layer: 'Conv_1', trainable: false },
      { type: 'toggleLayer', layer: 'model1', trainable: true },
    ]);
    // the recipe decides: until a new state comes, the checkboxes show the recipe's state
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv1"] .trainable-check').isChecked(), false);
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv_1"] .trainable-check').isChecked(), true);
    // keyboard: the table is one tab stop; arrows move, Space toggles, ← collapses a nested model
    await shell.clearPosted();
    await shell.page.locator('.layer-row[data-layer="Conv1_pad"]').focus();
    await shell.page.keyboard.press('ArrowDown');
    assert.equal(await shell.page.evaluate(() => (document.activeElement as HTMLElement).dataset.layer), 'Conv1');
    await shell.page.keyboard.press(' ');
    assert.deepEqual(ofType(await shell.posted(), 'toggleLayer'), [{ type: 'toggleLayer', layer: 'Conv1', trainable: true }]);
    await shell.page.locator('.layer-row[data-layer="model1"]').focus();
    await shell.page.keyboard.press('ArrowLeft');
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv1"]').isVisible(), false);
    assert.equal(await shell.page.locator('.layer-row[data-layer="model1"]').getAttribute('aria-expanded'), 'false');
    await shell.page.keyboard.press('ArrowRight');
    assert.equal(await shell.page.locator('.layer-row[data-layer="Conv1"]').isVisible(), true);
    // the filter narrows the rows (parents of matches stay)
    await shell.page.locator('#layer-filter').locator('input').fill('project_BN');
    const visible = await shell.page.locator('.layer-row:visible').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.layer));
    assert.ok(visible.includes('sequential_1') && visible.includes('model1') && visible.includes('block_16_project_BN'));
    assert.ok(!visible.includes('Conv1'));
  });

  it('bulk actions and the cut post the right intents', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    await shell.clearPosted();
    await shell.page.locator('#freeze-all').click();
    await shell.page.locator('#unfreeze-all').click();
    // Freeze up to: pick a layer in the combobox, Apply
    const upTo = shell.page.locator('#freeze-up-to-layer');
    await upTo.locator('input').fill('block_12_ad');
    await upTo.getByRole('option', { name: 'block_12_add', exact: true }).click();
    await shell.page.locator('#apply-up-to').click();
    // All but last N
    await shell.page.locator('#freeze-last-count input').fill('4');
    await shell.page.locator('#apply-last').click();
    // Freeze by class: the classes present in the base
    await shell.page.locator('#freeze-classes').click();
    await shell.page.locator('#freeze-classes').getByRole('option', { name: 'BatchNormalization', exact: true }).click();
    await shell.page.locator('#freeze-classes').getByRole('option', { name: 'DepthwiseConv2D', exact: true }).click();
    await shell.page.keyboard.press('Escape');
    await shell.page.locator('#apply-classes').click();
    // Cut here on a row, then reset the cut (emotion's recipe sets one)
    await shell.page.locator('.layer-row[data-layer="block_16_project"]').hover();
    await shell.page.locator('.layer-row[data-layer="block_16_project"] .cut-here').click();
    const freezes = ofType(await shell.posted(), 'freeze');
    assert.deepEqual(freezes.slice(0, 2), [{ type: 'freeze', action: 'all' }, { type: 'freeze', action: 'none' }]);
    assert.deepEqual(freezes[2], { type: 'freeze', action: 'upTo', layer: 'block_12_add' });
    assert.deepEqual(freezes[3], { type: 'freeze', action: 'allButLast', count: 4 });
    assert.equal(freezes[4]!.action, 'classes');
    assert.deepEqual([...(freezes[4]!.classes as string[])].sort(), ['BatchNormalization', 'DepthwiseConv2D']);
    assert.deepEqual(ofType(await shell.posted(), 'setCut'), [{ type: 'setCut', layer: 'block_16_project' }]);
    // a bad count is refused here, with a message
    await shell.clearPosted();
    await shell.page.locator('#freeze-last-count input').fill('-2');
    await shell.page.locator('#apply-last').click();
    assert.deepEqual(ofType(await shell.posted(), 'freeze'), []);
    assert.match(await shell.page.locator('#bulk-last').innerText(), /whole number/);

    await shell.send({ type: 'state', state: EMOTION });
    await shell.clearPosted();
    await shell.page.locator('#reset-cut').click();
    await shell.page.locator('.layer-row[data-layer="conv_pw_13_relu"] .cut-here').click();
    assert.deepEqual(ofType(await shell.posted(), 'setCut'), [{ type: 'setCut', layer: null }, { type: 'setCut', layer: null }]);
  });

  it('the head builder posts whole, valid heads: add (above the output), remove, reorder, edit', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    await shell.clearPosted();
    const recipeHead = TM.recipe!.head as HeadLayerSpec[];
    // add a BatchNormalization from the menu
    await shell.page.locator('#head-add').click();
    await shell.page.locator('#head-add-menu').getByText('BatchNormalization', { exact: true }).click();
    // move the Dropout (3rd) up, remove the hidden Dense (2nd)
    await shell.page.locator('.head-row[data-index="2"] .move-up').click();
    await shell.page.locator('.head-row[data-index="1"] .remove').click();
    // edit: units of the hidden Dense (debounced), activation of the output
    await shell.page.locator('.head-row[data-index="1"] .head-field vscode-textfield input').first().fill('64');
    await settle(shell, 450);
    await shell.page.locator('.head-row[data-index="3"] vscode-single-select').click();
    await shell.page.locator('.head-row[data-index="3"] vscode-single-select').getByText('sigmoid', { exact: true }).click();
    const heads = ofType(await shell.posted(), 'setHead').map((m) => m.head as HeadLayerSpec[]);
    assert.equal(heads.length, 5);
    for (const head of heads) assert.ok(HeadArray.safeParse(head).success, `valid head: ${JSON.stringify(head)}`);
    assert.deepEqual(heads[0], [recipeHead[0], recipeHead[1], recipeHead[2], { type: 'BatchNormalization' }, recipeHead[3]]);
    assert.deepEqual(heads[1], [recipeHead[0], recipeHead[2], recipeHead[1], recipeHead[3]]);
    assert.deepEqual(heads[2], [recipeHead[0], recipeHead[2], recipeHead[3]]);
    assert.deepEqual(heads[3], [recipeHead[0], { ...recipeHead[1], units: 64 }, recipeHead[2], recipeHead[3]]);
    assert.deepEqual(heads[4], [recipeHead[0], recipeHead[1], recipeHead[2], { type: 'Dense', activation: 'sigmoid' }]);
    // a value the schema refuses is not sent: it is explained at the field
    await shell.clearPosted();
    await shell.page.locator('.head-row[data-index="2"] vscode-textfield input').fill('1.5');
    await settle(shell, 450);
    assert.deepEqual(ofType(await shell.posted(), 'setHead'), []);
    assert.match(await shell.page.locator('.head-row[data-index="2"]').innerText(), /expected a rate below 1/);
    // the output Dense's units placeholder says it is sized from the labels
    assert.match(await shell.page.locator('.head-row[data-index="3"] vscode-textfield').first().evaluate((el) => (el as HTMLInputElement).placeholder), /10 \(labels\)/);
    // a recipe without "head" shows the default head; a change writes it
    const noHead = clone(TM);
    delete noHead.recipe!.head;
    await shell.send({ type: 'state', state: noHead });
    assert.match(await shell.page.locator('#head-default').innerText(), /default/);
    // the cut's output is [null, 1280] (already pooled): the default head is Dropout + Dense
    assert.deepEqual(await shell.page.locator('.head-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.type)), ['Dropout', 'Dense']);
    await shell.clearPosted();
    await shell.page.locator('.head-row[data-index="0"] .remove').click();
    const [fromDefault] = ofType(await shell.posted(), 'setHead').map((m) => m.head as HeadLayerSpec[]);
    assert.deepEqual(fromDefault, [{ type: 'Dense' }]);
    await shell.screenshot('designer-head-default-dark', false);
  });

  it('typing in a number field posts one set (debounced) with a number; clearing it posts undefined', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    await shell.clearPosted();
    const epochs = shell.page.locator('[data-path="/training/epochs"] vscode-textfield input');
    await epochs.click();
    await epochs.press('Control+A');
    await epochs.pressSequentially('25', { delay: 60 });
    await settle(shell, 100);
    assert.deepEqual(ofType(await shell.posted(), 'set'), [], 'nothing is sent while typing');
    await settle(shell, 500);
    await epochs.press('Tab'); // leaving the field sends nothing more: the value was sent
    await settle(shell, 100);
    assert.deepEqual(ofType(await shell.posted(), 'set'), [{ type: 'set', path: ['training', 'epochs'], value: 25 }]);
    await shell.clearPosted();
    await epochs.fill('');
    await settle(shell, 450);
    const [cleared] = ofType(await shell.posted(), 'set');
    assert.deepEqual(cleared!.path, ['training', 'epochs']);
    assert.equal(cleared!.value, undefined, 'a cleared field removes the key: its default applies');
    // a select posts at once; its default choice removes the key
    await shell.clearPosted();
    const optimizer = shell.page.locator('[data-path="/training/optimizer"] vscode-single-select');
    await optimizer.click();
    await optimizer.getByText('sgd', { exact: true }).click();
    await optimizer.click();
    await optimizer.getByText('Default (adam)', { exact: true }).click();
    const sets = ofType(await shell.posted(), 'set');
    assert.deepEqual(sets[0], { type: 'set', path: ['training', 'optimizer'], value: 'sgd' });
    assert.deepEqual(sets[1]!.path, ['training', 'optimizer']);
    assert.equal(sets[1]!.value, undefined);
    // text that is not a number is explained, not sent
    await shell.clearPosted();
    await shell.page.locator('[data-path="/training/learningRate"] vscode-textfield input').fill('fast');
    await settle(shell, 450);
    assert.deepEqual(ofType(await shell.posted(), 'set'), []);
    assert.match(await shell.page.locator('[data-path="/training/learningRate"]').innerText(), /expected a number/);
    // checkboxes: early stopping is on by default, so unticking it writes false; flip on then off
    await shell.clearPosted();
    await shell.page.locator('[data-path="/training/earlyStopping"] vscode-checkbox').click();
    await shell.page.locator('[data-path="/data/augment/flip"] vscode-checkbox').click();
    const [es, flip] = ofType(await shell.posted(), 'set');
    assert.deepEqual(es!.path, ['training', 'earlyStopping']);
    assert.equal(es!.value, false);
    assert.deepEqual(flip!.path, ['data', 'augment', 'flip']);
    assert.equal(flip!.value, undefined);
  });

  it('a state that arrives while the user types keeps focus, caret and text; the other fields update', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    await shell.clearPosted();
    const lr = shell.page.locator('[data-path="/training/learningRate"] vscode-textfield');
    await lr.locator('input').click();
    await lr.locator('input').press('Control+A');
    await lr.locator('input').pressSequentially('0.005', { delay: 20 });
    await lr.locator('input').evaluate((el) => (el as HTMLInputElement).setSelectionRange(3, 3));
    // the host answers an earlier edit elsewhere: epochs changed, learning rate still the old one
    const next = clone(TM);
    next.recipe!.training!.epochs = 30;
    await shell.send({ type: 'state', state: next });
    const after = await lr.evaluate((host) => {
      const input = (host as unknown as { wrappedElement: HTMLInputElement }).wrappedElement;
      return { active: document.activeElement === host, inner: host.shadowRoot?.activeElement === input, value: input.value, caret: input.selectionStart };
    });
    assert.deepEqual(after, { active: true, inner: true, value: '0.005', caret: 3 });
    assert.equal(await shell.page.locator('[data-path="/training/epochs"] vscode-textfield').evaluate((el) => (el as HTMLInputElement).value), '30');
    // the debounce still sends what was typed, once
    await settle(shell, 450);
    assert.deepEqual(ofType(await shell.posted(), 'set'), [{ type: 'set', path: ['training', 'learningRate'], value: 0.005 }]);
    // the state that confirms it arrives while still focused: nothing moves
    next.recipe!.training!.learningRate = 0.005;
    await shell.send({ type: 'state', state: next });
    assert.equal(await lr.evaluate((host) => (host as unknown as { wrappedElement: HTMLInputElement }).wrappedElement.selectionStart), 3);
    // the head builder's fields follow the same rules
    const units = shell.page.locator('.head-row[data-index="1"] vscode-textfield').first();
    await units.locator('input').click();
    await units.locator('input').press('End');
    await units.locator('input').pressSequentially('0', { delay: 20 });
    await shell.send({ type: 'state', state: next });
    assert.equal(await units.evaluate((el) => (el as HTMLInputElement).value), '1280');
    assert.equal(await units.evaluate((host) => document.activeElement === host), true);
  });

  it('shows each problem of the recipe next to its field, counts them in the navigation and blocks training', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM_PROBLEMS });
    const paths = TM_PROBLEMS.problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ['/head/1/units', '/head/2/rate', '/training/epochs']);
    const unitsField = shell.page.locator('.head-row[data-index="1"] .head-field').first();
    assert.match(await unitsField.innerText(), /expected at least 1 unit/);
    assert.equal(await unitsField.locator('vscode-textfield').getAttribute('aria-invalid'), 'true');
    assert.match(await shell.page.locator('.head-row[data-index="2"] .head-field').first().innerText(), /expected a rate below 1/);
    const epochs = shell.page.locator('[data-path="/training/epochs"]');
    assert.match(await epochs.locator('.setting-problem').innerText(), /expected at least 1 epoch/);
    assert.equal(await epochs.locator('vscode-textfield').evaluate((el) => (el as unknown as { invalid: boolean }).invalid), true);
    assert.equal(await shell.page.locator('.nav-link[data-section="head"] .nav-count').innerText(), '2');
    assert.equal(await shell.page.locator('.nav-link[data-section="training"] .nav-count').innerText(), '1');
    assert.equal(await shell.page.locator('#page-problems').innerText(), '', 'every problem found its field');
    assert.equal(await shell.page.locator('#start-training').evaluate((el) => (el as HTMLButtonElement).disabled), true);
    assert.match(await shell.page.locator('#start-blocked').innerText(), /Fix the 3 problems/);
    await shell.page.locator('#head').scrollIntoViewIfNeeded();
    await shell.screenshot('designer-problems-dark', false);
    // a problem no field shows (the whole document) is listed at the top
    const broken = clone(TM_PROBLEMS);
    broken.problems = [{ path: '', message: 'not valid JSON: ValueExpected at line 3, column 1' }];
    await shell.send({ type: 'state', state: broken });
    assert.match(await shell.page.locator('#page-problems').innerText(), /not valid JSON/);
    assert.equal(await shell.page.locator('.head-row .problem').count(), 0, 'fixed problems disappear');
    // fixed: the problems go away
    await shell.send({ type: 'state', state: TM });
    assert.equal(await shell.page.locator('.problem:visible').count(), 0);
  });

  it('Start Training is disabled with a reason when untrusted or while a run is going; the actions post their intents', async () => {
    shell = await openShell('designer', { theme: 'light' });
    await shell.send({ type: 'state', state: { ...TM, trusted: false } });
    const start = shell.page.locator('#start-training');
    assert.equal(await start.evaluate((el) => (el as HTMLButtonElement).disabled), true);
    assert.match(await shell.page.locator('#start-blocked').innerText(), /trusted workspace/);
    await start.click({ force: true });
    assert.deepEqual(ofType(await shell.posted(), 'startTraining'), []);
    await shell.screenshot('designer-untrusted-light', false);
    await shell.send({ type: 'state', state: { ...TM, training: true } });
    assert.match(await shell.page.locator('#start-blocked').innerText(), /in progress/);
    await shell.send({ type: 'state', state: TM });
    assert.equal(await start.evaluate((el) => (el as HTMLButtonElement).disabled), false);
    assert.equal(await shell.page.locator('#start-blocked').isVisible(), false);
    await shell.clearPosted();
    await start.click();
    await shell.page.locator('#open-as-text').click();
    await shell.page.locator('#show-in-tree').click();
    await shell.page.locator('#model vscode-button', { hasText: 'Change…' }).click();
    await shell.page.locator('#browse-validation').click();
    await shell.page.locator('#refresh-dataset').click();
    assert.deepEqual(await shell.posted(), [
      { type: 'startTraining' }, { type: 'openAsText' }, { type: 'showInTree' }, { type: 'pickModel' }, { type: 'pickData', field: 'validation' }, { type: 'refreshDataset' },
    ]);
  });

  it('a functional model cut in the middle: the layers above the cut are removed, BatchNorm frozen by class', async () => {
    shell = await openShell('designer', { theme: 'light' });
    await shell.send({ type: 'state', state: EMOTION });
    const c = EMOTION.computed!;
    const names = await shell.page.locator('.layer-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.layer!));
    const cutAt = names.indexOf(c.cut);
    assert.ok(cutAt > 0 && cutAt < names.length - 1);
    for (const n of names.slice(cutAt + 1)) assert.ok(await shell.page.locator(`.layer-row[data-layer="${n}"]`).evaluate((el) => el.classList.contains('removed')), `${n} is removed by the cut`);
    assert.ok(await shell.page.locator(`.layer-row[data-layer="${c.cut}"]`).evaluate((el) => el.classList.contains('cut-line')));
    assert.ok(await shell.page.locator('.layer-row[data-layer="conv_pw_13_bn"]').evaluate((el) => el.classList.contains('frozen')));
    assert.equal(await shell.page.locator('.layer-row[data-layer="conv_pw_13"] .trainable-check').isChecked(), true);
    assert.match(await shell.page.locator('#freeze-rule').innerText(), /frozen up to and including conv_pw_11_relu; every BatchNormalization layer is frozen/i);
    assert.match(await shell.page.locator('#cut-info').innerText(), /Cut at\s*conv_pw_13_relu/);
    // no data yet: the dataset section says what to do
    assert.match(await shell.page.locator('#dataset-report').innerText(), /Set the training data/);
    assert.match(await shell.page.locator('#start-blocked').innerText(), /training data/);
    await shell.page.locator('#layers').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shell.page.locator(`.layer-row[data-layer="${c.cut}"]`).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shell.screenshot('designer-emotion-light', false);
  });

  it('loading and error states of the model and the dataset', async () => {
    shell = await openShell('designer');
    const loading = { ...clone(TM), model: { status: 'loading' as const }, computed: undefined, dataset: { status: 'loading' as const } };
    await shell.send({ type: 'state', state: loading });
    assert.match(await shell.page.locator('#model').innerText(), /Loading the model/);
    assert.match(await shell.page.locator('#dataset-report').innerText(), /Reading the dataset/);
    const failed = { ...clone(TM), model: { status: 'error' as const, error: 'model file not found: /home/user/project/nope/model.json' }, computed: undefined, dataset: { status: 'error' as const, error: 'no images found in /home/user/project/empty' } };
    await shell.send({ type: 'state', state: failed });
    assert.match(await shell.page.locator('#model').innerText(), /could not be loaded[\s\S]*model file not found/);
    assert.match(await shell.page.locator('#dataset-report').innerText(), /no images found/);
    assert.equal(await shell.page.locator('#start-training').evaluate((el) => (el as HTMLButtonElement).disabled), true);
    // and back: the table is built again
    await shell.send({ type: 'state', state: TM });
    assert.equal(await shell.page.locator('.layer-row').count(), rowCount(TM));
  });

  it('Domain adaptation: off until the box asks for the target folder; its fields, DANN\'s weight and hints follow the method', async () => {
    shell = await openShell('designer');
    await shell.send({ type: 'state', state: TM });
    const section = shell.page.locator('#domain');
    assert.ok(await shell.page.locator('nav a[data-section="domain"]').isVisible());
    assert.ok(await section.locator('[data-path="/domain/target"]').isHidden(), 'no domain: only the checkbox');
    await shell.clearPosted();
    await section.locator('[data-path="/domain"] vscode-checkbox').click();
    assert.deepEqual(ofType(await shell.posted(), 'pickDomainFolder'), [{ type: 'pickDomainFolder', field: 'target' }]);
    assert.deepEqual(ofType(await shell.posted(), 'set'), [], 'the host writes the domain once a folder is picked');

    // the host wrote it: target and method show, lambda only for dann
    const withDomain = clone(TM);
    withDomain.recipe = { ...withDomain.recipe!, domain: { target: './night', method: 'adabn' } };
    await shell.send({ type: 'state', state: withDomain });
    assert.equal(await section.locator('[data-path="/domain/target"] vscode-textfield').evaluate((e) => (e as HTMLInputElement).value), './night');
    assert.ok(await section.locator('[data-path="/domain/lambda"]').isHidden());
    await shell.clearPosted();
    const method = section.locator('[data-path="/domain/method"] vscode-single-select');
    await method.click();
    await method.getByText('dann', { exact: true }).click();
    assert.deepEqual(ofType(await shell.posted(), 'set'), [{ type: 'set', path: ['domain', 'method'], value: 'dann' }]);
    const dann = clone(withDomain);
    const { fineTune: _fineTune, ...noFineTune } = dann.recipe!.training ?? {};
    dann.recipe = { ...dann.recipe!, training: noFineTune, domain: { target: './night', method: 'dann' } };
    await shell.send({ type: 'state', state: dann });
    assert.ok(await section.locator('[data-path="/domain/lambda"]').isVisible());
    assert.match(await section.locator('[data-path="/domain/method"]').innerText(), /turn on two-phase fine-tuning/);
    await shell.clearPosted();
    await section.locator('#browse-domain-targetLabelled').click();
    assert.deepEqual(ofType(await shell.posted(), 'pickDomainFolder'), [{ type: 'pickDomainFolder', field: 'targetLabelled' }]);
    // a problem of the recipe's domain shows in the section and counts in the navigation
    const bad = clone(dann);
    bad.problems = [{ path: '/domain/method', message: '"dann" trains the base against a domain classifier during fine-tuning: add "training.fineTune"' }];
    await shell.send({ type: 'state', state: bad });
    assert.match(await section.innerText(), /add "training\.fineTune"/);
    assert.equal(await shell.page.locator('nav a[data-section="domain"] .nav-count').innerText(), '1');
    // unticking removes the whole object
    await shell.clearPosted();
    await section.locator('[data-path="/domain"] vscode-checkbox').click();
    const [off] = ofType(await shell.posted(), 'set');
    assert.deepEqual(off!.path, ['domain']);
    assert.equal(off!.value, undefined);
  });
});

describe('designer webview: what it shares with the engine', () => {
  it('checks a head layer exactly as HeadLayerSchema does before sending setHead', () => {
    const cases: unknown[] = [
      { type: 'Dense' }, { type: 'Dense', units: 10 }, { type: 'Dense', units: 0 }, { type: 'Dense', units: 2.5 }, { type: 'Dense', l2: -1 }, { type: 'Dense', l2: 0.01, activation: 'gelu' },
      { type: 'Dropout', rate: 0 }, { type: 'Dropout', rate: 0.99 }, { type: 'Dropout', rate: 1 }, { type: 'Dropout', rate: -0.1 }, { type: 'Dropout' },
      { type: 'BatchNormalization' }, { type: 'BatchNormalization', momentum: 1.5 }, { type: 'BatchNormalization', epsilon: 0 }, { type: 'BatchNormalization', momentum: 0.9, epsilon: 1e-3 },
      { type: 'Activation', activation: 'relu' }, { type: 'Activation', activation: 'nope' },
      { type: 'GlobalAveragePooling2D' }, { type: 'GlobalMaxPooling2D' }, { type: 'Flatten' },
    ];
    for (const c of cases) assert.equal(headLayerProblem(c as HeadLayerSpec) === undefined, HeadLayerSchema.safeParse(c).success, JSON.stringify(c));
  });
});

describe('designer webview: the probe of candidate cuts', function () {
  this.timeout(120_000);
  let shell: Shell;
  afterEach(async function () {
    if (!shell) return;
    await shell.close();
    assert.deepEqual(shell.errors, [], `page errors or CSP violations in "${this.currentTest?.title}"`);
  });
  after(closeShell);

  it('Probe cuts posts probe; the report shows as a chart over depth and a table with the best marked; Apply best posts applyCut', async () => {
    shell = await openShell('designer', { theme: 'light' });
    const trusted = { ...clone(TM), trusted: true };
    await shell.send({ type: 'state', state: trusted });
    await shell.clearPosted();
    await shell.page.locator('#probe-run').click();
    assert.deepEqual(ofType(await shell.posted(), 'probe'), [{ type: 'probe' }]);
    await shell.send({ type: 'state', state: { ...trusted, probe: { status: 'running' } } });
    assert.match(await shell.page.locator('#probe-body').innerText(), /Probing/);
    assert.equal(await shell.page.locator('#probe-run').evaluate((el) => (el as HTMLButtonElement).disabled), true, 'one probe at a time');
    const rows = ['Conv1_relu', 'block_6_expand_relu', 'block_12_add', 'global_average_pooling2d_GlobalAveragePooling2D1'].map((cut, i) => ({ cut, className: 'ReLU', depth: i * 40, features: 16 * (i + 1), spatial: i < 3, value: [0.5, 0.9, 0.85, 0.8][i]!, train: 1, lambda: 10, ms: 3 }));
    const report = { task: 'single-label' as const, metric: 'accuracy', higherIsBetter: true, rows, best: 'block_6_expand_relu', defaultCut: rows[3]!.cut, currentCut: undefined, images: { train: 40, validation: 20 }, forwardMs: 900, totalMs: 1200, notes: ['negative transfer at the top: "block_6_expand_relu" scores 90.0% against 80.0% at the backbone\'s output'] };
    await shell.send({ type: 'state', state: { ...trusted, probe: { status: 'ok', report } } });
    assert.equal(await shell.page.locator('#probe-table tbody tr').count(), 4);
    assert.equal(await shell.page.locator('.probe-chart rect.probe-bar').count(), 4);
    assert.equal(await shell.page.locator('.probe-chart rect.probe-bar.best').getAttribute('data-cut'), 'block_6_expand_relu');
    assert.equal(await shell.page.locator('#probe-best').innerText(), 'block_6_expand_relu');
    assert.match(await shell.page.locator('#probe-table tr.best').innerText(), /block_6_expand_relu\s*best[\s\S]*90\.0%/);
    assert.match(await shell.page.locator('#probe').innerText(), /negative transfer at the top/);
    await shell.clearPosted();
    await shell.page.locator('#probe-apply').click();
    assert.deepEqual(ofType(await shell.posted(), 'applyCut'), [{ type: 'applyCut', cut: 'block_6_expand_relu' }]);
    // once the recipe cuts there, there is nothing to apply
    await shell.send({ type: 'state', state: { ...trusted, recipe: { ...trusted.recipe, cut: 'block_6_expand_relu' }, probe: { status: 'ok', report } } });
    assert.equal(await shell.page.locator('#probe-apply').evaluate((el) => (el as HTMLButtonElement).disabled), true);
    await shell.send({ type: 'state', state: { ...trusted, probe: { status: 'error', error: 'too few images to probe (3 training, 1 validation)' } } });
    assert.match(await shell.page.locator('#probe-body').innerText(), /too few images to probe/);
  });
});
