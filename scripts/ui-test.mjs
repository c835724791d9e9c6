#!/usr/bin/env node
// `npm run test:ui`: drives the real VS Code workbench as a person would (Chromium through
// playwright-core), with Transfer Studio loaded from this checkout and a fresh copy of
// test/fixtures/workspace open. Screenshots go to test-output/screenshots/.
// The journey: workbench → F1 "Transfer Studio: Open Model…" (types the path into VS Code's file
// picker) → the layer tree → expand and untick a layer (the recipe is created) → F1 "Open Designer"
// → type the training data folder → the dataset report → F1 "Start Training" → the dashboard
// streams the run to its evaluation. One screenshot per step, each checked not to be blank.
// Env: PORT (default 8082), HEADED=1 (show the browser; needs a display).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { buildExtension, chromiumPath, ensureTools, makeWorkspace, onExit, root, stamper, startServer, workbenchUrl } from './lib/vscode-server.mjs';

const stamp = stamper('test:ui');
const shotsDir = path.join(root, 'test-output', 'screenshots');

try {
  ensureTools({ log: stamp });
  buildExtension();
} catch (e) {
  console.error(`test:ui: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
const workspace = makeWorkspace();
// what a user would have: a pre-trained model and a small labelled dataset
fs.cpSync(path.join(root, 'examples', 'tm-image-nail-biting'), path.join(workspace, 'models', 'teachable-machine'), { recursive: true });
fs.cpSync(path.join(root, 'examples', 'fashion-mini'), path.join(workspace, 'fashion'), { recursive: true });
fs.rmSync(shotsDir, { recursive: true, force: true });
fs.mkdirSync(shotsDir, { recursive: true });
const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-chrome-'));

let server;
let ctx;
let ok = false;
const cleanup = onExit((signal) => {
  const keep = !ok && !signal; // keep the evidence of a failure, not of an interruption
  server?.stop({ keep });
  fs.rmSync(udd, { recursive: true, force: true });
  if (!keep) fs.rmSync(workspace, { recursive: true, force: true });
});

/** Screenshot into test-output/screenshots/NAME.png; fails when the image is one flat colour. */
async function shot(page, name) {
  const file = path.join(shotsDir, `${name}.png`);
  await page.evaluate(() => globalThis.document.fonts.ready.then(() => true)); // icon fonts drawn, not blanks
  await page.screenshot({ path: file });
  const { channels } = await sharp(file).stats();
  const spread = Math.max(...channels.slice(0, 3).map((c) => c.stdev));
  if (spread < 5) throw new Error(`screenshot ${name}.png is blank (stdev ${spread.toFixed(1)})`);
  stamp(`screenshot ${path.relative(root, file)} (stdev ${spread.toFixed(1)})`);
  return file;
}

/** F1, type a command's full title ("Category: Title"), pick it. */
async function runCommand(page, title, { focusEditor = true } = {}) {
  // the workbench, not the chat input, has focus; over a webview the click is refused, and F1 works
  // there anyway (webviews forward key bindings to the workbench)
  if (focusEditor) await page.locator('.part.editor').click({ timeout: 2000 }).catch(() => undefined);
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`); // the palette's own '>' prefix, then the title, all at once (no dropped keys)
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined); // a command may open its own picker
      return;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
}

let page;
try {
  server = await startServer();
  stamp(`VS Code server up at ${server.url}`);
  ctx = await chromium.launchPersistentContext(udd, {
    executablePath: chromiumPath, headless: process.env.HEADED !== '1', viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = ctx.pages()[0] ?? await ctx.newPage();
  page.on('console', (m) => { if (/transfer.?studio/i.test(m.text()) && m.type() === 'error') console.log('[browser]', m.text().slice(0, 300)); });
  await page.goto(workbenchUrl(server.url, workspace, { extensionDevelopmentPath: root }));
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 60_000 });
  // the Explorer shows the workspace folder, and the activity bar has Transfer Studio's container
  await page.locator('.sidebar', { hasText: path.basename(workspace).toUpperCase() }).first().waitFor({ timeout: 30_000 });
  await page.locator('.activitybar .action-item a[aria-label^="Transfer Studio"], .activitybar .action-item[aria-label^="Transfer Studio"]').first().waitFor({ timeout: 30_000 });
  stamp('workbench visible with the workspace open');
  await shot(page, '01-workbench');

  await runCommand(page, 'Transfer Studio: Show Log');
  await page.locator('.part.panel .monaco-editor', { hasText: 'Transfer Studio activated' }).first().waitFor({ timeout: 30_000 });
  stamp('"Transfer Studio: Show Log" shows the log with the activation line');
  await shot(page, '02-show-log');
  await page.keyboard.press('Control+J'); // hide the panel again

  // F1 → Open Model…: VS Code's own file picker; type the model's path and accept it
  const modelPath = path.join(workspace, 'models', 'teachable-machine', 'model.json');
  await runCommand(page, 'Transfer Studio: Open Model...').catch(() => runCommand(page, 'Transfer Studio: Open Model…'));
  const picker = page.locator('.quick-input-widget input');
  await picker.waitFor({ timeout: 10_000 });
  await picker.click();
  // the picker starts with the workspace folder typed in: clear it, then type the path as a person would
  for (let i = 0; i < 5 && (await picker.inputValue()) !== ''; i++) {
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.waitForTimeout(200);
  }
  await page.keyboard.type(modelPath, { delay: 5 });
  await page.waitForTimeout(800);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  if (await picker.isVisible()) await page.locator('.quick-input-widget').getByText('Open Model', { exact: true }).last().click();
  const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Model/i }) });
  // a row by its exact label ("Conv1", not "Conv1_pad" above it)
  const row = (name) => page.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) }).first();
  await row('sequential_1').waitFor({ timeout: 60_000 });
  stamp('the Model view shows the layers');
  // expand the nested MobileNet to show its layers
  await row('sequential_1').click();
  await page.keyboard.press('ArrowRight');
  await row('model1').waitFor({ timeout: 10_000 });
  await row('model1').click();
  await page.keyboard.press('ArrowRight');
  await row('Conv1').waitFor({ timeout: 10_000 });
  // a wider side bar, as a person would drag it, so the shapes and parameter counts show
  const box = await page.locator('.part.sidebar').boundingBox();
  if (box) {
    const edge = box.x + box.width + 1; // the sash sits on the side bar's right edge
    await page.mouse.move(edge, box.y + 300); await page.mouse.down(); await page.mouse.move(660, box.y + 300, { steps: 12 }); await page.mouse.up();
  }
  await shot(page, '03-model-tree');

  // tick a layer: the checkbox is "trainable" (the base starts frozen); the first change creates the recipe
  const checkbox = row('Conv1').locator('.custom-view-tree-node-item-checkbox, input[type=checkbox], .monaco-checkbox').first();
  await checkbox.click();
  await page.locator('.monaco-list-row', { hasText: 'teachable-machine.adapt.json' }).first().waitFor({ timeout: 20_000 }).catch(() => undefined);
  await page.waitForFunction(() => true);
  const recipeFile = path.join(workspace, 'teachable-machine.adapt.json');
  for (let i = 0; i < 100 && !fs.existsSync(recipeFile); i++) await page.waitForTimeout(200);
  if (!fs.existsSync(recipeFile)) throw new Error('ticking a layer did not create the recipe');
  stamp('the checkbox created teachable-machine.adapt.json');
  await shot(page, '03-model-tree-ticked');
  // untick it again (an edit of the recipe): the whole base frozen trains the head on cached
  // features, the quick start a person would make
  await checkbox.click();
  for (let i = 0; i < 100 && /"Conv1"/.test(fs.readFileSync(recipeFile, 'utf8')); i++) await page.waitForTimeout(200);
  if (/"Conv1"/.test(fs.readFileSync(recipeFile, 'utf8'))) throw new Error('unticking Conv1 did not take it out of the recipe');
  stamp('unticking took Conv1 out of the recipe');
  void tree;

  // the designer: the recipe as a form; give it the training data
  await runCommand(page, 'Transfer Studio: Open Designer');
  const designer = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
  const trainField = designer.locator('.setting[data-path="/data/train"] vscode-textfield');
  await trainField.waitFor({ timeout: 60_000 });
  await trainField.click();
  await page.keyboard.type('./fashion/train');
  await page.keyboard.press('Enter');
  await designer.locator('#dataset-report').waitFor({ timeout: 60_000 });
  await designer.locator('#dataset-report img').first().waitFor({ timeout: 60_000 });
  stamp('the designer shows the dataset report with thumbnails');
  await page.keyboard.press('Control+S');
  await shot(page, '04-designer');
  await designer.locator('#dataset-report').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await shot(page, '04-designer-dataset');

  // flip augmentation on: every batch now runs the whole base (no feature cache), slow enough to watch live
  const flip = designer.locator('.setting[data-path="/data/augment/flip"] vscode-checkbox');
  await flip.scrollIntoViewIfNeeded();
  await flip.click();
  for (let i = 0; i < 50 && !/"flip": true/.test(fs.readFileSync(recipeFile, 'utf8')); i++) {
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(200);
  }
  if (!/"flip": true/.test(fs.readFileSync(recipeFile, 'utf8'))) throw new Error('the Flip checkbox did not reach the recipe');
  stamp('the designer turned flip augmentation on');

  // F1 → Start Training: the dashboard opens beside and streams the run
  await runCommand(page, 'Transfer Studio: Start Training');
  const dashboard = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
  await dashboard.locator('.uplot').first().waitFor({ timeout: 120_000 });
  await dashboard.locator('text=/epoch 3\\b/i').first().waitFor({ timeout: 180_000 }).catch(() => undefined);
  stamp('the dashboard shows live charts');
  await shot(page, '05-dashboard-running');
  await dashboard.locator('text=/Confusion matrix/i').first().waitFor({ timeout: 400_000 });
  stamp('the run finished with an evaluation');
  // the dashboard on its own: side bar hidden, its editor group maximized
  await page.keyboard.press('Control+B');
  await page.locator('.tab', { hasText: 'Training: teachable-machine' }).first().click();
  await runCommand(page, 'View: Toggle Maximize Editor Group', { focusEditor: false }).catch(() => undefined);
  await page.waitForTimeout(1500);
  await shot(page, '06-dashboard-done');
  await dashboard.locator('.uplot').first().scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await shot(page, '07-dashboard-charts');
  await dashboard.locator('text=/mistakes/i').first().scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await shot(page, '08-dashboard-mistakes');
  ok = true;
} catch (e) {
  console.error(`test:ui: FAIL: ${e.message.split('\n')[0]}`);
  if (page) await page.screenshot({ path: path.join(shotsDir, 'failure.png') }).catch(() => {});
  if (server) console.error(`test:ui: server log ${server.logFile}; screenshot test-output/screenshots/failure.png`);
} finally {
  await ctx?.close().catch(() => {});
}
cleanup();
stamp(ok ? 'UI test passed' : 'UI test failed');
process.exit(ok ? 0 : 1);
