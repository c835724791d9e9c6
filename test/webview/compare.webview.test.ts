/**
 * The Compare Runs webview in headless Chromium with a fake VS Code host, fed with comparisons of
 * real runs: two recipes trained by `transfer-studio train` on a tiny project and compared by
 * `transfer-studio compare --json` (own evaluations, then --data), and two recorded runs from
 * test/fixtures/runs (a two-phase fine-tune and a stopped one: no common evaluation, no recipes).
 * Screenshots go to test-output/screenshots/compare-*.png.
 */
import * as assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { compareRuns, formatMetric, formatRecipeValue, type RunComparison } from '../../src/core/compare';
import type { CompareHostMessage } from '../../src/core/protocol/compare';
import { runCli } from '../helpers/cli';
import { removeTempDirs, ROOT, tempDir } from '../helpers/fixtures';
import { ofType, project } from '../helpers/runs';
import { parseWorkerEvent } from '../../src/core/protocol/worker';
import { closeBrowser, loadRun, openBrowser, THEMES, type Posted, type Theme } from './dashboard.harness';

const THEME_CLASS: Record<Theme, string> = { dark: 'vscode-dark', light: 'vscode-light', 'high-contrast': 'vscode-high-contrast' };
const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');

// ── the bundle and the page (the shell and CSP of src/extension/webviewHtml.ts) ─────────────────────
let built: string | undefined;
async function buildCompare(): Promise<string> {
  if (built) return built;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-compare-'));
  await esbuild.build({
    absWorkingDir: ROOT, entryPoints: ['webview/compare/main.ts'], outfile: path.join(dir, 'compare.js'),
    bundle: true, mainFields: ['module', 'main'], platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' }, logLevel: 'error',
  });
  fs.mkdirSync(path.join(dir, 'codicons'));
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', f), path.join(dir, 'codicons', f));
  built = dir;
  return dir;
}

interface Panel {
  page: Page;
  errors: string[];
  posted(): Promise<Posted[]>;
  savedState(): Promise<{ runDirs: string[]; comparison: RunComparison } | undefined>;
  send(m: CompareHostMessage): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

async function openCompare(opts: { theme?: Theme; state?: unknown; width?: number } = {}): Promise<Panel> {
  const dir = await buildCompare();
  const theme = opts.theme ?? 'dark';
  const nonce = Math.random().toString(36).slice(2);
  const csp = ["default-src 'none'", 'img-src file: data:', `style-src file: 'nonce-${nonce}'`, 'font-src file:', `script-src 'nonce-${nonce}'`].join('; ');
  const boot = `
    window.__posted = [];
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    window.__state = ${JSON.stringify(opts.state ?? null)} ?? undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => window.__state,
      setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
    });
    document.addEventListener('DOMContentLoaded', () => {
      const html = document.documentElement;
      for (const [k, v] of Object.entries(${JSON.stringify(THEMES[theme])})) html.style.setProperty(k, v);
      document.body.className = ${JSON.stringify(THEME_CLASS[theme])};
    });
  `;
  const file = path.join(dir, `page-${nonce}.html`);
  fs.writeFileSync(file, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Compare</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="codicons/codicon.css" nonce="${nonce}">
<link rel="stylesheet" href="compare.css" nonce="${nonce}">
<script nonce="${nonce}">${boot}</script>
</head>
<body data-app="compare">
<div id="app" role="main"></div>
<script nonce="${nonce}" src="compare.js"></script>
</body>
</html>`);
  const page = await (await openBrowser()).newPage({ viewport: { width: opts.width ?? 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  return {
    page,
    errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted),
    savedState: () => page.evaluate(() => (window as unknown as { __state: { runDirs: string[]; comparison: RunComparison } | undefined }).__state),
    send: async (m) => {
      await page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    },
    screenshot: async (name) => {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      const out = path.join(SCREENSHOTS, `${name}.png`);
      const viewport = page.viewportSize()!;
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: out, fullPage: true });
      await page.setViewportSize(viewport);
      return out;
    },
    close: async () => {
      errors.push(...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).map((c) => `csp: ${c}`));
      await page.close();
    },
  };
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).innerText();
/** A block's words in one line (flex items would each get a line of their own in innerText). */
const words = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
const cells = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allInnerTexts();
/** The chart's series → point counts, as LiveChart publishes them. */
async function chartPoints(page: Page, id: string): Promise<Record<string, number>> {
  return JSON.parse((await page.getAttribute(`#chart-${id}`, 'data-points')) ?? '{}') as Record<string, number>;
}

// ── real runs ───────────────────────────────────────────────────────────────────────────────────────
function trainedProject(): { dir: string; runs: string[]; data: string } {
  const p = project({ training: { epochs: 3 } });
  const recipe = JSON.parse(fs.readFileSync(p.recipe, 'utf8')) as { training: object };
  const slow = path.join(p.dir, 'emo-slow.adapt.json');
  fs.writeFileSync(slow, JSON.stringify({ ...recipe, head: [{ type: 'Dropout', rate: 0.2 }, { type: 'Dense' }], training: { ...recipe.training, epochs: 4, learningRate: 0.001 } }, null, 2));
  const env = { TRANSFER_STUDIO_CACHE: tempDir('ts-cache-') };
  const runs = [p.recipe, slow].map((r) => {
    const out = runCli(['train', r, '--json'], { env });
    assert.equal(out.code, 0, out.stderr);
    return ofType(out.stdout.trim().split('\n').map((l) => parseWorkerEvent(JSON.parse(l))), 'started')[0]!.runDir;
  });
  return { dir: p.dir, runs, data: path.join(p.dir, 'data', 'train') };
}

function compareJson(args: string[]): RunComparison {
  const r = runCli(['compare', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RunComparison;
}

describe('compare webview (headless Chromium, fake VS Code host, real runs)', function () {
  this.timeout(180_000);
  let own: RunComparison;
  let onData: RunComparison;
  let trained: ReturnType<typeof trainedProject>;

  before(() => {
    trained = trainedProject();
    own = compareJson(trained.runs);
    onData = compareJson([...trained.runs, '--data', trained.data]);
  });
  after(async () => {
    await closeBrowser();
    if (built) fs.rmSync(built, { recursive: true, force: true });
    removeTempDirs();
  });

  describe('two trained runs', () => {
    let panel: Panel;
    let closed = false;
    before(async () => { panel = await openCompare({ theme: 'dark' }); });
    after(async () => { if (!closed) await panel.close(); });

    it('posts ready with its protocol version, and nothing else before the host answers', async () => {
      assert.deepEqual(await panel.posted(), [{ type: 'ready', protocol: 1 }]);
    });

    it('shows the runs, the best one and on what data, the final metrics side by side and the recipe differences', async () => {
      await panel.send({ type: 'state', comparison: own, trusted: true, busy: null });
      const { page } = panel;
      assert.equal(await text(page, '#title'), 'Compare 2 runs');
      assert.deepEqual(await cells(page, '#runs .run-label'), ['emo', 'emo-slow']);
      assert.deepEqual(await cells(page, '#runs .run-key'), ['A', 'B']);
      const best = own.best!;
      assert.ok(best, 'the runs are ranked');
      assert.equal(await page.locator('#runs .run-chip.best').getAttribute('data-key'), best.key);
      const banner = await words(page, '#best-run');
      assert.ok(banner.includes(`${best.key} ${best.label} — test accuracy ${formatMetric(best.metric, best.value)}`), banner);
      assert.ok(banner.includes(`Their own evaluations, all on ${own.evaluation.on}.`), banner);
      assert.equal(await page.locator('#not-comparable').count(), 0);

      // final metrics: one column per run, the values core computed, the best run's column marked
      const row = async (name: string): Promise<string[]> => page.locator('#finals tbody tr').filter({ has: page.locator(`th:text-is("${name}")`) }).locator('td').allInnerTexts();
      assert.deepEqual(await row('Validation loss'), own.runs.map((r) => formatMetric('loss', r.final.valLoss)));
      assert.deepEqual(await row('Validation accuracy'), own.runs.map((r) => formatMetric('accuracy', r.final.valMetric)));
      assert.deepEqual(await row('Evaluation: test accuracy'), own.runs.map((r) => formatMetric('accuracy', r.final.evaluation!.value)));
      assert.deepEqual(await row('Epochs run'), ['3', '4']);
      assert.equal(await page.locator(`#finals td.best-col`).count(), await page.locator('#finals tbody tr').count(), 'one best cell per row');
      assert.ok((await text(page, `#finals thead th.best-col`)).includes('★'));

      // recipe differences: one row per JSON pointer, "–" where a recipe does not set it
      assert.deepEqual(await page.locator('#diff-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path'))), own.recipeDiff.map((d) => d.path));
      assert.deepEqual(await page.locator('#diff-table tbody tr[data-path="/head"] td').allInnerTexts(), own.recipeDiff.find((d) => d.path === '/head')!.values.map(formatRecipeValue));
      assert.deepEqual(await page.locator('#diff-table tbody tr[data-path="/training/learningRate"] td').allInnerTexts(), ['0.01', '0.001']);
    });

    it('overlays the curves: one series per run in each chart, with every epoch', async () => {
      const { page } = panel;
      const labels = own.runs.map((r, i) => `${r.key} · ${r.label}${own.best?.index === i ? ' ★' : ''}`);
      for (const [chart, key] of [['val-loss', 'valLoss'], ['val-metric', 'valMetric'], ['train-loss', 'loss']] as const) {
        assert.deepEqual(await chartPoints(page, chart), Object.fromEntries(own.runs.map((r, i) => [labels[i], r.curves.points.filter((p) => p[key] !== null).length])), chart);
        assert.equal(await page.locator(`#chart-${chart} canvas`).count(), 1, `${chart} is drawn`);
      }
      assert.equal(await page.locator('.chart-card', { has: page.locator('#chart-val-metric') }).locator('h3').innerText(), 'Validation accuracy');
      await panel.screenshot('compare-dark');
    });

    it('buttons post what the host acts on, with the run\'s folder', async () => {
      const { page } = panel;
      await page.locator('#runs .run-chip').nth(1).getByRole('button', { name: 'Dashboard' }).click();
      await page.locator('#runs .run-chip').nth(0).getByRole('button', { name: 'Recipe' }).click();
      await page.locator('#evaluate-on-data').click();
      const posted = (await panel.posted()).slice(1);
      assert.deepEqual(posted, [
        { type: 'showDashboard', runDir: own.runs[1]!.runDir },
        { type: 'openRecipe', runDir: own.runs[0]!.runDir },
        { type: 'evaluateOnData' },
      ]);
    });

    it('while the host evaluates it says so and the button waits; then the ranking on the data replaces the own one', async () => {
      const { page } = panel;
      await panel.send({ type: 'busy', busy: 'Evaluating A (emo) on /data… (1 of 2)' });
      assert.equal(await text(page, '#busy'), 'Evaluating A (emo) on /data… (1 of 2)');
      assert.equal(await page.locator('#evaluate-on-data').getAttribute('disabled'), '');
      await panel.send({ type: 'state', comparison: onData, trusted: true, busy: null });
      assert.equal(await page.locator('#busy').isVisible(), false);
      assert.equal(await page.locator('#evaluate-on-data').getAttribute('disabled'), null);
      const banner = await words(page, '#best-run');
      assert.ok(banner.includes(`Every model evaluated on ${onData.evaluation.on}.`), banner);
      const dataRow = await page.locator('#finals tbody tr').filter({ has: page.locator('th:text-is("On the data: accuracy")') }).locator('td').allInnerTexts();
      assert.deepEqual(dataRow, onData.evaluation.values.map((v) => formatMetric('accuracy', v)));
      assert.equal(await page.locator('#clear-data').isVisible(), true);
      await page.locator('#clear-data').click();
      assert.deepEqual((await panel.posted()).at(-1), { type: 'clearData' });
    });

    it('keeps the last state with setState (the serializer reads runDirs); a reopened panel paints before the host answers', async () => {
      const saved = await panel.savedState();
      assert.deepEqual(saved?.runDirs, trained.runs);
      const again = await openCompare({ theme: 'light', state: saved });
      try {
        assert.deepEqual(await cells(again.page, '#runs .run-label'), ['emo', 'emo-slow']);
        assert.equal(await again.page.locator('#best-run').count(), 1);
        await again.screenshot('compare-light');
      } finally {
        await again.close();
      }
      assert.deepEqual(again.errors, []);
    });

    it('an untrusted workspace gets no Evaluate on Data button; unknown host messages are ignored', async () => {
      const { page } = panel;
      await panel.send({ type: 'state', comparison: own, trusted: false, busy: null });
      assert.equal(await page.locator('#evaluate-on-data').isVisible(), false);
      await panel.send({ type: 'somethingNew' } as unknown as CompareHostMessage);
      assert.deepEqual(await cells(page, '#runs .run-label'), ['emo', 'emo-slow']);
    });

    it('no page errors, console errors or CSP violations', async () => {
      await panel.close();
      closed = true;
      assert.deepEqual(panel.errors, []);
    });
  });

  describe('two recorded runs: a fine-tune and a stopped one', () => {
    it('no common evaluation: no best run, the reason, the fine-tune epochs after the head\'s, the unknown recipes', async () => {
      const recorded = (['sample-run', 'stopped-run'] as const).map((n) => loadRun(n));
      const c = compareRuns(recorded.map((r) => ({ runDir: r.run.runDir, runJson: r.run, events: r.events })));
      assert.equal(c.best, null);
      const panel = await openCompare({ theme: 'dark' });
      try {
        await panel.send({ type: 'state', comparison: c, trusted: true, busy: null });
        const { page } = panel;
        const banner = await words(page, '#not-comparable');
        assert.ok(banner.includes('No best run: not comparable'), banner);
        assert.ok(banner.includes(c.evaluation.reason!), banner);
        assert.match(c.evaluation.reason!, /has no evaluation of its own/);
        assert.deepEqual(await page.locator('#runs .status-badge').allInnerTexts(), ['done', 'stopped']);
        const row = async (name: string): Promise<string[]> => page.locator('#finals tbody tr').filter({ has: page.locator(`th:text-is("${name}")`) }).locator('td').allInnerTexts();
        const phases = recorded.map((r) => ['head', 'fineTune'].map((ph) => r.events.filter((e) => e.type === 'epochEnd' && e.phase === ph).length));
        assert.deepEqual(await row('Kept epoch'), phases.map(([h, f]) => `${h! + f!} (fine-tune ${f})`));
        assert.deepEqual(await row('Epochs run'), phases.map(([h, f]) => `${h} + ${f}`));
        assert.equal(await text(page, '#diff-empty'), 'Unknown: some runs\' recipes could not be read.');
        assert.deepEqual(await page.locator('#warnings .banner').allInnerTexts(), c.warnings);
        // x continues after the head's epochs: the fine-tune points are plotted beyond them
        const run = c.runs[0]!;
        assert.ok(run.curves.fineTuneAfter! > 0 && run.curves.points.some((p) => p.phase === 'fineTune' && p.x > run.curves.fineTuneAfter!));
        const counts = await chartPoints(page, 'val-loss');
        assert.deepEqual(Object.values(counts), c.runs.map((r) => r.curves.points.filter((p) => p.valLoss !== null).length));
        await panel.screenshot('compare-not-comparable');
      } finally {
        await panel.close();
      }
      assert.deepEqual(panel.errors, []);
    });
  });
});
