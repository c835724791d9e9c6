#!/usr/bin/env node
// `npm run test:ui`: drives the real VS Code workbench as a person would (Chromium through
// playwright-core), with Transfer Studio loaded from this checkout and a fresh copy of
// test/fixtures/workspace open. Screenshots go to test-output/screenshots/.
// Skeleton for now: workbench visible with the workspace → F1 → "Transfer Studio: Show Log" → the
// log says the extension activated; one screenshot per step, each checked not to be blank.
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
async function runCommand(page, title) {
  await page.locator('.part.editor').click(); // the workbench, not the chat input, has focus
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { timeout: 10_000 });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
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
