/**
 * A multi-task run (several heads on one base) in the dashboard, headless Chromium with the fake
 * VS Code host: a chart group per head (its loss and metric, train and validation) beside the
 * total loss, per-head columns and stat cards, the single-task baselines' progress, the dataset per head,
 * and the evaluation's heads table — each head with the others vs trained alone, "worse" marked
 * as negative transfer — with each head's own evaluation beneath. The events are the synthetic
 * run of multitask.events.ts, then a recorded one: test/fixtures/runs/multitask-run.jsonl (the
 * worked example of docs/MULTITASK.md; TS_MULTITASK_EVENTS=FILE renders another events.jsonl).
 * Screenshots: test-output/screenshots/dashboard-multitask*.png; the recorded run's is
 * docs/images/multitask-dashboard.png.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimedEvent } from '../../src/core/protocol/dashboard';
import type { MultiTaskReport } from '../../src/core/protocol/reports';
import { ROOT } from '../helpers/fixtures';
import { cleanBuild, closeBrowser, openDashboard, thumbnailsOf, type Panel, type Posted } from './dashboard.harness';
import { BATCHES, EPOCHS, HEADS, syntheticMultiTaskRun } from './multitask.events';

type Ev<T extends TimedEvent['type']> = Extract<TimedEvent, { type: T }>;
const of = <T extends TimedEvent['type']>(events: TimedEvent[], type: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === type);
const pct = (v: number | undefined): string => `${((v ?? NaN) * 100).toFixed(1)}%`;

async function points(panel: Panel, id: string): Promise<Record<string, number>> {
  return JSON.parse((await panel.page.getAttribute(`#${id}`, 'data-points')) ?? '{}') as Record<string, number>;
}

/** The dashboard from its top to the end of the training charts, as a docs picture. */
async function shoot(panel: Panel, name: string): Promise<string> {
  const out = path.join(ROOT, 'test-output', 'screenshots', `${name}.png`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const viewport = panel.page.viewportSize()!;
  const height = await panel.page.evaluate(() => document.documentElement.scrollHeight);
  await panel.page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  await panel.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const bottom = await panel.page.evaluate(() => Math.ceil(document.querySelector('#training')!.getBoundingClientRect().bottom + 8));
  await panel.page.screenshot({ path: out, clip: { x: 0, y: 0, width: viewport.width, height: bottom } });
  await panel.page.setViewportSize(viewport);
  return out;
}

describe('dashboard webview: a multi-task run (synthetic events)', function () {
  this.timeout(120_000);
  const { run, events } = syntheticMultiTaskRun();
  const evaluation = of(events, 'evaluation')[0]!;
  const mt = evaluation.multiTask!;
  const firstBaseline = events.findIndex((e) => e.type === 'progress' && e.phase === 'baseline') - 1;
  let panel: Panel;

  before(async () => {
    panel = await openDashboard({ theme: 'dark', viewport: { width: 1400, height: 1000 } });
  });
  after(async () => {
    await panel?.close();
    await closeBrowser();
    cleanBuild();
  });

  it('the synthetic run is what core/multitask reports: one head better, one tie, one worse', () => {
    assert.deepEqual(mt.heads.map((hd) => hd.verdict), ['better', 'tie', 'worse']);
    assert.match(mt.notes[2]!, /^negative transfer: the head "coverage"/);
    assert.deepEqual(evaluation.warnings, [mt.notes[2]]);
  });

  it('streams live: a chart group per head with train and validation curves, beside the total loss; per-head columns and cards', async () => {
    const live = { ...run, status: 'running' as const, endedAt: undefined };
    await panel.send({ type: 'state', run: live, events: events.slice(0, 20), trusted: true });
    for (let i = 20; i < firstBaseline; i += 7) await panel.send({ type: 'events', events: events.slice(i, Math.min(i + 7, firstBaseline)) });
    await panel.page.waitForFunction((n) => document.querySelectorAll('#epochs tbody tr').length === n, EPOCHS);

    // one card per head, named with its task (and its weight when not 1)
    const cards = panel.page.locator('#head-charts .head-card');
    assert.equal(await cards.count(), HEADS.length);
    assert.deepEqual(await panel.page.locator('#head-charts .head-card .chart-title').allTextContents(), ['itemsingle-label', 'tagsmulti-label · loss weight 0.5', 'coverageregression · loss weight 2']);
    for (const hd of HEADS) {
      assert.deepEqual(await points(panel, `chart-head-${hd.name}-loss`), { 'train (batch)': EPOCHS * BATCHES, train: EPOCHS, validation: EPOCHS }, hd.name);
      assert.deepEqual(await points(panel, `chart-head-${hd.name}-metric`), { train: EPOCHS, validation: EPOCHS }, hd.name);
      assert.equal(await panel.page.locator(`#chart-head-${hd.name}-loss .uplot canvas`).count(), 1);
    }
    assert.equal(await panel.page.locator('#chart-head-item-metric').getAttribute('aria-label'), 'item: accuracy');
    assert.equal(await panel.page.locator('#chart-head-coverage-metric').getAttribute('aria-label'), 'coverage: MAE');
    // the total loss is the weighted sum; there is no one metric chart
    assert.equal(await panel.page.locator('#chart-loss').getAttribute('aria-label'), 'Total loss');
    assert.deepEqual(await points(panel, 'chart-loss'), { 'train (batch)': EPOCHS * BATCHES, train: EPOCHS, validation: EPOCHS, 'from scratch (batch)': 0, 'from scratch · validation': 0 });
    assert.ok(await panel.page.locator('#chart-metric').isHidden());

    // the epoch table has each head's metric, train and validation
    assert.deepEqual(await panel.page.locator('#epochs thead th').allTextContents(), ['epoch', 'phase', 'loss', 'val loss', 'item accuracy', 'val item accuracy', 'tags binary accuracy', 'val tags binary accuracy', 'coverage MAE', 'val coverage MAE', 'learning rate', 'time']);
    const last = of(events.slice(0, firstBaseline), 'epochEnd').at(-1)!.logs;
    const cells = await panel.page.locator('#epochs tbody tr').last().locator('td').allTextContents();
    assert.deepEqual(cells.slice(2, 10), [last.loss!.toFixed(4), last.val_loss!.toFixed(4), pct(last.item_accuracy!), pct(last.val_item_accuracy!), pct(last.tags_binary_accuracy!), pct(last.val_tags_binary_accuracy!), last.coverage_mae!.toFixed(4), last.val_coverage_mae!.toFixed(4)]);
    // the stat cards: the summed loss, then each head's validation metric
    const stats = await panel.page.locator('#stats .stat').allTextContents();
    assert.equal(stats.length, HEADS.length + 2);
    assert.ok(stats[1]!.startsWith(`item · validation accuracy${pct(last.val_item_accuracy!)}train ${pct(last.item_accuracy!)}`), stats[1]);
    assert.ok(stats[3]!.startsWith(`coverage · validation MAE${last.val_coverage_mae!.toFixed(4)}`), stats[3]);
    // the dataset: each head's classes, a regression head's labelled images
    assert.equal(await panel.page.locator('#dataset-head-item .class-row').count(), 4);
    assert.deepEqual(await panel.page.locator('#dataset-head-tags .class-counts').allTextContents(), ['14 / 4 / 9', '11 / 3 / 7', '8 / 3 / 5']);
    assert.deepEqual(await panel.page.locator('#dataset-head-coverage .class-row').allTextContents(), ['labelled36 / 12 / 24']);
    assert.match((await panel.page.locator('#dataset .dataset-summary').textContent())!, /3 heads · 36 train · 12 validation · 24 test/);
    assert.deepEqual(panel.errors, []);
  });

  it('follows the single-task baselines from their progress lines: which head trains alone, its epoch; the curves stay the run\'s', async () => {
    const end = events.findIndex((e) => e.type === 'evaluation');
    const midCoverage = events.findIndex((e) => e.type === 'progress' && e.phase === 'baseline' && e.message.startsWith('baseline 3/3') && e.done === 4) + 1;
    for (let i = firstBaseline; i < midCoverage; i += 5) await panel.send({ type: 'events', events: events.slice(i, Math.min(i + 5, midCoverage)) });
    await panel.page.waitForFunction(() => /Heads alone · baseline 3\/3: "coverage" alone · epoch 4\/10/.test(document.querySelector('#progress-text')?.textContent ?? ''));
    assert.deepEqual(await panel.page.locator('#phases .step-name').allTextContents(), ['features', 'head', 'heads alone']);
    assert.deepEqual(await panel.page.locator('#phases .step-count').allTextContents(), ['72/72', 'cap reached · kept epoch 10', '4/10']);
    await panel.send({ type: 'events', events: events.slice(midCoverage, end) });
    await panel.page.waitForFunction((n) => document.querySelectorAll('#log li').length === n, of(events.slice(0, end), 'log').length);
    // no epochs of the heads alone in the table or on the charts: those are the multi-task model's
    assert.equal(await panel.page.locator('#epochs tbody tr').count(), EPOCHS);
    for (const hd of HEADS) assert.deepEqual(await points(panel, `chart-head-${hd.name}-metric`), { train: EPOCHS, validation: EPOCHS }, hd.name);
    assert.deepEqual(await points(panel, 'chart-rate'), { 'learning rate': EPOCHS + 1, 'heads alone': 0 });
  });

  it('evaluates: the heads table with the verdicts, negative transfer marked, the notes, and each head\'s own evaluation', async () => {
    const end = events.findIndex((e) => e.type === 'evaluation');
    await panel.send({ type: 'events', events: events.slice(end) });
    await panel.send({ type: 'status', run });
    await panel.page.waitForSelector('#heads-comparison');
    await panel.page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Done');
    assert.match((await panel.page.locator('#evaluation-title').textContent())!, /test split · 3 heads/);
    assert.equal(await panel.page.locator('#phases .step-count').last().textContent(), '3 heads', 'every head was trained alone');

    // the head's cell: its link (the task and weight under it are for narrow panels only)
    const rows = await panel.page.locator('#heads-comparison tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c.querySelector('.head-link') ?? c).textContent)));
    const fmt = (hd: MultiTaskReport['heads'][number], v: number | undefined): string => (hd.higherIsBetter ? pct(v) : (v ?? NaN).toFixed(4));
    assert.deepEqual(rows, mt.heads.map((hd, i) => [
      hd.name, hd.task, String(hd.lossWeight), `${hd.metric} · ${hd.examples} examples`, fmt(hd, hd.value), fmt(hd, hd.singleValue),
      ['+8.3 pt', '+0.0 pt', '+0.0131'][i], ['better', 'tie', 'negative transfer'][i],
    ]));
    assert.ok(await panel.page.locator('#heads-comparison .head-meta').first().isHidden(), 'a wide panel: the task and weight have their columns');
    // "worse" is marked: the row, its verdict chip, the banner up front
    assert.deepEqual(await panel.page.locator('#heads-comparison tbody tr.verdict-worse').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-head'))), ['coverage']);
    assert.equal(await panel.page.locator('#heads-comparison .verdict.worse').count(), 1);
    const color = await panel.page.locator('#heads-comparison .verdict.worse').evaluate((el) => getComputedStyle(el).color);
    assert.equal(color, 'rgb(248, 81, 73)'); // dark --vscode-errorForeground
    const banner = (await panel.page.locator('#negative-transfer').textContent())!;
    assert.match(banner, /Negative transfer between tasks.*"coverage" does worse with the other heads than trained alone: MAE 0\.0712 vs 0\.0581/);
    assert.equal(await panel.page.locator('#negative-transfer').count(), 1);
    // the notes, once (the warnings repeat the negative one: not shown twice)
    assert.deepEqual(await panel.page.locator('#heads-notes li').allTextContents(), mt.notes);
    assert.equal(await panel.page.locator('#evaluation .banner.warning').count(), 0);

    // each head's own evaluation: folded, the negative one open; the usual per-task views inside
    assert.deepEqual(await panel.page.locator('#evaluation details.head-eval').evaluateAll((ds) => ds.map((d) => [d.getAttribute('data-head'), (d as HTMLDetailsElement).open])), [['item', false], ['tags', false], ['coverage', true]]);
    const item = mt.heads[0]!.report;
    const confusion = await panel.page.locator('#confusion-item tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td:not(.total)')].map((td) => Number(td.textContent))));
    assert.deepEqual(confusion, item.confusion);
    assert.equal(await panel.page.locator('#confusion').count(), 0, 'no single-task matrix beside the heads');
    assert.equal(await panel.page.locator('#per-class-item tbody tr').count(), 4);
    assert.equal(await panel.page.locator('#per-class-item thead th').last().textContent(), 'F1 trained alone');
    assert.equal(await panel.page.locator('#per-class-tags tbody tr').count(), 3);
    assert.match((await panel.page.locator('#headline-tags').textContent())!, /exact match77\.3%trained alone 72\.7%/);
    assert.match((await panel.page.locator('#headline-coverage').textContent())!, /^MAE0\.0712trained alone 0\.0581RMSE0\.0934trained alone 0\.0779/);
    assert.ok(await panel.page.locator('#headline-coverage').isVisible());
    assert.ok(await panel.page.locator('#confusion-item').isHidden());
    // the heads table's link unfolds the head
    await panel.page.locator('#heads-comparison a.head-link').first().click();
    assert.ok(await panel.page.locator('#confusion-item').isVisible());

    // each head's mistakes get their thumbnails
    const worst = item.worst!.map((w) => w.file);
    await panel.page.waitForFunction((files) => (window as unknown as { __posted: Posted[] }).__posted.some((m) => m.type === 'requestThumbnails' && files.every((f) => (m.files as string[]).includes(f))), worst);
    await panel.send({ type: 'thumbnails', images: thumbnailsOf(worst) });
    await panel.page.waitForFunction((n) => document.querySelectorAll('#mistakes-item img').length === n, worst.length);
    await panel.page.locator('#mistakes-item .mistake').first().click();
    assert.deepEqual((await panel.posted()).filter((m) => m.type === 'openFile').map((m) => m.file), [worst[0]]);
    assert.deepEqual(panel.errors, []);
  });

  it('shows every head\'s prediction for "Try an image"', async () => {
    const file = '/home/dev/transfer-studio/examples/fashion-mini/test/sneaker/1000.png';
    await panel.send({ type: 'prediction', file, result: { file, top: [{ label: 'sneaker', score: 0.9 }], heads: [
      { name: 'item', task: 'single-label', top: [{ label: 'sneaker', score: 0.9 }, { label: 'bag', score: 0.06 }] },
      { name: 'tags', task: 'multi-label', top: [{ label: 'dark', score: 0.81 }] },
      { name: 'coverage', task: 'regression', top: [], values: [0.4213] },
    ] } });
    await panel.page.waitForSelector('#try-result .prediction-head');
    assert.deepEqual(await panel.page.locator('#try-result .prediction-head').allTextContents(), ['item · single-labelsneaker90.0%bag6.0%', 'tags · multi-labeldark81.0%', 'coverage · regression0.4213']);
    await panel.page.locator('#try-result').evaluate((el) => el.replaceChildren());
  });

  it('docs picture: the heads table and the per-head charts (dark theme)', async () => {
    await panel.page.evaluate(() => {
      (document.querySelector('#head-eval-item') as HTMLDetailsElement).open = false;
      window.scrollTo(0, 0);
    });
    await shoot(panel, 'dashboard-multitask');
  });

  it('re-reads the head charts\' colours when the theme changes; narrow panels stack the charts and fit the heads table', async () => {
    const marker = '#chart-head-tags-loss .u-legend .u-series:nth-child(3) .u-marker'; // train
    assert.equal(await panel.page.locator(marker).evaluate((el) => getComputedStyle(el).borderTopColor), 'rgb(55, 148, 255)');
    await panel.setTheme('light');
    await panel.page.waitForFunction((sel) => getComputedStyle(document.querySelector(sel)!).borderTopColor === 'rgb(26, 133, 255)', marker);
    await panel.page.setViewportSize({ width: 620, height: 1000 });
    await panel.page.waitForFunction(() => {
      const [a, b] = ['#chart-head-item-loss', '#chart-head-item-metric'].map((s) => document.querySelector(s)!.getBoundingClientRect());
      return b!.top >= a!.bottom - 1;
    });
    // the heads table fits without scrolling sideways: the verdicts in view, the task and weight
    // columns left out and said under each head's name instead
    const fit = await panel.page.locator('#heads-comparison').evaluate((table) => {
      const scroll = table.parentElement!;
      const right = Math.min(scroll.getBoundingClientRect().right, document.documentElement.clientWidth);
      return {
        overflow: scroll.scrollWidth - scroll.clientWidth,
        verdictsInView: [...table.querySelectorAll('tbody .verdict-cell')].every((c) => c.getBoundingClientRect().right <= right + 0.5),
        headers: [...table.querySelectorAll('thead th')].filter((th) => getComputedStyle(th).display !== 'none').map((th) => th.textContent),
        meta: [...table.querySelectorAll('tbody .head-meta')].map((m) => (getComputedStyle(m).display === 'none' ? null : m.textContent)),
      };
    });
    assert.ok(fit.overflow <= 0, `the heads table scrolls sideways by ${fit.overflow} px`);
    assert.ok(fit.verdictsInView, 'every verdict is in view');
    assert.deepEqual(fit.headers, ['head', 'metric', 'with the other heads', 'trained alone', 'difference', 'verdict']);
    assert.deepEqual(fit.meta, ['single-label', 'multi-label · weight 0.5', 'regression · weight 2']);
    assert.deepEqual(panel.errors, []);
    await shoot(panel, 'dashboard-multitask-narrow-light');
    await panel.setTheme('dark');
    await panel.page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('keeps working on a damaged multi-task log: malformed heads and report are ignored, never thrown on', async () => {
    const p = await openDashboard({ theme: 'dark' });
    const t = Date.now();
    const started = of(events, 'started')[0]!;
    await p.send({ type: 'state', run: { ...run, status: 'running' }, trusted: true, events: [
      { ...started, heads: [{ name: 'ok', task: 'regression', labels: ['v'], lossWeight: 1, metric: 'mae' }, { name: 7 }, 'x'], t },
      { type: 'epochEnd', phase: 'head', epoch: 1, epochs: 3, logs: { loss: 0.2, ok_loss: 0.1, ok_mae: 0.3, val_ok_mae: null }, durationMs: 5, etaSec: 1, tensors: 1, t },
      { type: 'dataset', report: { ...of(events, 'dataset')[0]!.report, heads: [{ name: 'ok', task: 'nope' }, null] }, t },
      { type: 'evaluation', report: evaluation.report, warnings: [], multiTask: { split: 'test', heads: 'broken', notes: [] }, t },
    ] as unknown as TimedEvent[] });
    await p.page.waitForSelector('#confusion');
    assert.equal(await p.page.locator('#head-charts .head-card').count(), 1);
    assert.deepEqual(await points(p, 'chart-head-ok-metric'), { train: 1, validation: 0 });
    assert.equal(await p.page.locator('#heads-comparison').count(), 0, 'a malformed multi-task report: the plain evaluation');
    assert.equal(await p.page.locator('.dataset-head').count(), 0);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  const recorded = process.env.TS_MULTITASK_EVENTS ?? path.join(ROOT, 'test', 'fixtures', 'runs', 'multitask-run.jsonl');
  it(`renders a recorded multi-task run (${path.basename(recorded)}): a chart per head, the heads table`, async () => {
    const all = fs.readFileSync(recorded, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as TimedEvent);
    const started = of(all, 'started')[0];
    assert.ok(started?.heads?.length, 'the log has a started event with heads');
    const first = all.find((e) => typeof e.t === 'number')?.t ?? Date.now();
    const lastT = [...all].reverse().find((e) => typeof e.t === 'number')?.t ?? first;
    const p = await openDashboard({ theme: 'dark', viewport: { width: 1400, height: 1000 } });
    await p.send({ type: 'state', run: { id: started.runDir, name: path.basename(started.runDir).replace(/-\d{4}-\d{2}-\d{2}_.*$/, ''), recipe: started.recipe, runDir: started.runDir, output: started.output, status: all.some((e) => e.type === 'done') ? 'done' : 'failed', startedAt: new Date(first).toISOString(), endedAt: new Date(lastT).toISOString() }, events: all, trusted: true });
    await p.page.waitForSelector('#head-charts .head-card');
    assert.equal(await p.page.locator('#head-charts .head-card').count(), started.heads.length);
    if (all.some((e) => e.type === 'evaluation' && e.multiTask)) await p.page.waitForSelector('#heads-comparison');
    assert.deepEqual(p.errors, []);
    await shoot(p, 'dashboard-multitask-recorded');
    await p.close();
  });
});
