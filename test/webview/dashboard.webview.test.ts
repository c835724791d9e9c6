/**
 * The training dashboard in headless Chromium with a fake VS Code host (dashboard.harness.ts),
 * fed with real runs recorded from `transfer-studio train` (test/fixtures/runs): a two-phase
 * fine-tune with a from-scratch baseline streamed live, a finished run reopened from its log,
 * regression (with a real negative-transfer warning), multi-label, a stopped and a failed run.
 * Screenshots go to test-output/screenshots/dashboard-*.png.
 */
import * as assert from 'node:assert/strict';
import type { EvaluationReport } from '../../src/core/protocol/reports';
import type { TimedEvent } from '../../src/core/protocol/dashboard';
import { cleanBuild, closeBrowser, loadRun, openDashboard, THEMES, thumbnailsOf, type Panel, type Posted } from './dashboard.harness';

type Ev<T extends TimedEvent['type']> = Extract<TimedEvent, { type: T }>;
const of = <T extends TimedEvent['type']>(events: TimedEvent[], type: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === type);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const pct = (v: number | undefined): string => `${((v ?? NaN) * 100).toFixed(1)}%`;

/** What each chart series should hold after `events`. */
function expectedPoints(events: TimedEvent[]): { loss: Record<string, number>; metric: Record<string, number> } {
  const batches = of(events, 'batchEnd');
  const epochs = of(events, 'epochEnd');
  const transferred = epochs.filter((e) => e.phase !== 'baseline');
  const scratch = epochs.filter((e) => e.phase === 'baseline');
  const metric = Object.keys(epochs[0]?.logs ?? {}).find((k) => k !== 'loss' && k !== 'learning_rate' && !k.startsWith('val_'))!;
  const n = (list: Ev<'epochEnd'>[], key: string): number => list.filter((e) => isNum(e.logs[key])).length;
  return {
    loss: {
      'train (batch)': batches.filter((b) => b.phase !== 'baseline' && isNum(b.loss)).length,
      train: n(transferred, 'loss'),
      validation: n(transferred, 'val_loss'),
      'from scratch (batch)': batches.filter((b) => b.phase === 'baseline' && isNum(b.loss)).length,
      'from scratch · validation': n(scratch, 'val_loss'),
    },
    metric: {
      train: n(transferred, metric),
      validation: n(transferred, `val_${metric}`),
      'from scratch · train': n(scratch, metric),
      'from scratch · validation': n(scratch, `val_${metric}`),
    },
  };
}

async function points(panel: Panel, chart: 'loss' | 'metric' | 'rate'): Promise<Record<string, number>> {
  return JSON.parse((await panel.page.getAttribute(`#chart-${chart}`, 'data-points')) ?? '{}') as Record<string, number>;
}

/** Wait until the (throttled) render has caught up with the events sent. */
async function waitForEpochRows(panel: Panel, n: number): Promise<void> {
  await panel.page.waitForFunction((count) => document.querySelectorAll('#epochs tbody tr').length === count, n);
}


describe('dashboard webview (headless Chromium, fake VS Code host, recorded runs)', function () {
  this.timeout(120_000);
  after(async () => {
    await closeBrowser();
    cleanBuild();
  });

  describe('a live two-phase run with a from-scratch baseline', () => {
    const recorded = loadRun('sample-run');
    const run = recorded.run;
    const midBaseline = recorded.events.findIndex((e, i) => e.type === 'epochEnd' && e.phase === 'baseline' && of(recorded.events.slice(0, i + 1), 'epochEnd').filter((x) => x.phase === 'baseline').length === 5) + 1;
    const report = of(recorded.events, 'evaluation')[0]!.report;
    const baseline = of(recorded.events, 'evaluation')[0]!.baseline!;
    let panel: Panel;
    // replayed as if live: the recording's clock moved so that the mid-baseline moment is now
    let events = recorded.events;

    before(async () => {
      const shift = Date.now() - recorded.events[midBaseline - 1]!.t;
      events = recorded.events.map((e) => ({ ...e, t: e.t + shift }));
      panel = await openDashboard({ theme: 'dark' });
    });

    it('posts ready first, and nothing else before the host answers', async () => {
      assert.deepEqual(await panel.posted(), [{ type: 'ready', protocol: 1 }]);
    });

    it('renders the run as hundreds of events stream in: header, charts with every point, epoch table', async () => {
      await panel.send({ type: 'state', run: { ...run, status: 'running', endedAt: undefined, startedAt: new Date(events[0]!.t).toISOString() }, events: events.slice(0, 12), trusted: true });
      // the host answers the request for the dataset's example thumbnails
      await panel.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'requestThumbnails'));
      const asked = (await panel.posted()).find((m): m is Posted & { files: string[] } => m.type === 'requestThumbnails')!;
      await panel.send({ type: 'thumbnails', images: thumbnailsOf(asked.files) });
      for (let i = 12; i < midBaseline; i += 3) await panel.send({ type: 'events', events: events.slice(i, Math.min(i + 3, midBaseline)) });
      const sent = events.slice(0, midBaseline);
      assert.ok(of(sent, 'batchEnd').length >= 90, 'a realistic stream');
      await waitForEpochRows(panel, of(sent, 'epochEnd').length);

      const want = expectedPoints(sent);
      assert.deepEqual(await points(panel, 'loss'), want.loss);
      assert.deepEqual(await points(panel, 'metric'), want.metric);
      // learning rate: a step per epoch boundary, 0…10 over head (6) + fine-tune (4), 0…5 for the baseline so far
      assert.deepEqual(await points(panel, 'rate'), { 'learning rate': 11, 'from scratch': 6 });
      for (const chart of ['loss', 'metric', 'rate']) assert.equal(await panel.page.locator(`#chart-${chart} .uplot canvas`).count(), 1, chart);
      assert.equal(await panel.page.locator('#chart-metric').getAttribute('aria-label'), 'Accuracy');

      const rows = await panel.page.locator('#epochs tbody tr').allTextContents();
      assert.equal(rows.length, of(sent, 'epochEnd').length);
      assert.match(rows[0]!, /^1\/6head/);
      assert.match(rows[6]!, /^1\/4fine-tune/);
      assert.match(rows.at(-1)!, /^5\/10from scratch/);
      assert.equal(await panel.page.locator('#epochs tbody tr.best').count(), 1, 'the best checkpoint is marked');

      assert.equal(await panel.page.locator('#status').textContent(), 'Running');
      assert.match((await panel.page.locator('#notes').textContent())!, /GPU not used: @tensorflow\/tfjs-node-gpu is not installed/);
      assert.match((await panel.page.locator('#meta').textContent())!, /wasm · CPU \(WebAssembly, SIMD\).*fast path/);
      assert.match((await panel.page.locator('#progress-text').textContent())!, /^From scratch · epoch [56]\/10 .*img\/s · ETA /);
      assert.deepEqual(await panel.page.locator('#phases .step-name').allTextContents(), ['features', 'head', 'fine-tune', 'from scratch']);
      assert.ok(await panel.page.locator('#stop').isVisible());
      assert.ok(await panel.page.locator('#evaluation').isHidden());
      await panel.screenshot('dashboard-running-dark');
    });

    it('draws the charts at most once per burst of messages (setData is throttled)', async () => {
      const draws = async (): Promise<number> => Number(await panel.page.getAttribute('#chart-loss', 'data-draws'));
      const before = await draws();
      // 40 messages delivered in one task: the webview folds them all, then draws once
      const burst = events.slice(midBaseline, midBaseline + 40).map((e) => ({ type: 'events', events: [e] }));
      await panel.page.evaluate((messages) => { for (const m of messages) (window as unknown as { __deliver(m: unknown): void }).__deliver(m); }, burst);
      const want = expectedPoints(events.slice(0, midBaseline + 40)).loss['from scratch (batch)'];
      await panel.page.waitForFunction((n) => JSON.parse(document.querySelector('#chart-loss')!.getAttribute('data-points')!)['from scratch (batch)'] === n, want);
      assert.equal(await draws(), before + 1);
    });

    it('Stop works from the keyboard and posts stop', async () => {
      await panel.page.locator('#stop').focus();
      await panel.page.keyboard.press('Enter');
      assert.deepEqual((await panel.posted()).filter((m) => m.type === 'stop'), [{ type: 'stop' }]);
      assert.match((await panel.page.locator('#stop').textContent())!, /Stopping/);
    });

    it('shows the evaluation when the run ends: confusion matrix, per-class scores, baseline comparison, mistakes', async () => {
      await panel.send({ type: 'events', events: events.slice(midBaseline + 40) });
      await panel.send({ type: 'status', run: { ...run, startedAt: new Date(events[0]!.t).toISOString(), endedAt: new Date(events.at(-1)!.t).toISOString() } });
      await panel.page.waitForSelector('#confusion');
      await panel.page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Done');
      assert.ok(await panel.page.locator('#stop').isHidden());
      assert.match((await panel.page.locator('#progress-text').textContent())!, /^Finished in 1m 0\ds · 10 epochs \+ 10 from scratch$/);
      assert.equal(await panel.page.locator('#progress-percent').textContent(), '100%');

      // every cell holds the report's count, rows and columns are labelled
      const cells = await panel.page.locator('#confusion tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td:not(.total)')].map((td) => Number(td.textContent))));
      assert.deepEqual(cells, report.confusion);
      assert.deepEqual(await panel.page.locator('#confusion tbody th').allTextContents(), report.labels);
      assert.deepEqual(await panel.page.locator('#confusion thead th.col:not(.total)').allTextContents(), report.labels);
      assert.equal(await panel.page.locator('#confusion td.right').first().getAttribute('aria-label'), `true ${report.labels[0]}, predicted ${report.labels[0]}: ${report.confusion![0]![0]}`);

      assert.equal(await panel.page.locator('#per-class tbody tr').count(), report.labels.length);
      const headline = (await panel.page.locator('#headline').textContent())!;
      assert.ok(headline.includes(pct(report.accuracy)) && headline.includes(`top-${report.topK!.k} accuracy${pct(report.topK!.accuracy)}`), headline);
      const comparison = (await panel.page.locator('#baseline-comparison tbody tr').first().textContent())!;
      assert.equal(comparison, `accuracy${pct(report.accuracy)}${pct(baseline.accuracy)}+${((report.accuracy! - baseline.accuracy!) * 100).toFixed(1)} pt`);
      assert.equal(await panel.page.locator('#negative-transfer').count(), 0);

      // thumbnails of the worst mistakes are asked for once, by file
      const worst = report.worst!.map((w) => w.file);
      const requests = (await panel.posted()).filter((m): m is Posted & { files: string[] } => m.type === 'requestThumbnails');
      assert.deepEqual(requests.filter((r) => r.files.some((f) => worst.includes(f))).map((r) => r.files), [worst]);
      assert.equal(requests.filter((r) => r.files.some((f) => !worst.includes(f))).length, 1, 'and one request for the dataset examples');
      const images = thumbnailsOf(worst);
      assert.equal(Object.keys(images).length, worst.length, 'the worst mistakes are files of examples/fashion-mini');
      await panel.send({ type: 'thumbnails', images });
      await panel.page.waitForFunction((n) => document.querySelectorAll('#mistakes img').length === n, worst.length);
    });

    it('opens a mistake\'s image by click or keyboard; Reveal Model and Try an image post to the host', async () => {
      const worst = report.worst!.map((w) => w.file);
      await panel.page.locator('#mistakes .mistake').first().click();
      await panel.page.locator('#mistakes .mistake').nth(1).focus();
      await panel.page.keyboard.press('Enter');
      assert.deepEqual((await panel.posted()).filter((m) => m.type === 'openFile').map((m) => m.file), worst.slice(0, 2));
      await panel.page.locator('#reveal-model').click();
      await panel.page.locator('#try').click();
      const posted = (await panel.posted()).map((m) => m.type);
      assert.ok(posted.includes('revealModel') && posted.includes('pickImage'), posted.join());
      const shoe = '/home/dev/transfer-studio/examples/fashion-mini/test/sneaker/1000.png';
      await panel.send({ type: 'prediction', file: shoe, thumbnail: thumbnailsOf([shoe])[shoe], result: { file: shoe, top: [{ label: 'sneaker', score: 0.81 }, { label: 'sandal', score: 0.12 }, { label: 'ankle-boot', score: 0.05 }] } });
      await panel.page.waitForSelector('#try-result li');
      assert.deepEqual(await panel.page.locator('#try-result li').allTextContents(), ['sneaker81.0%', 'sandal12.0%', 'ankle-boot5.0%']);
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-done-dark');
    });

    it('re-reads the chart colours when VS Code switches the theme', async () => {
      const markerColor = (): Promise<string> => panel.page.locator('#chart-loss .u-legend .u-series').nth(2).locator('.u-marker').evaluate((el) => getComputedStyle(el).borderTopColor);
      assert.equal(await markerColor(), 'rgb(55, 148, 255)'); // dark --vscode-charts-blue
      await panel.setTheme('light');
      await panel.page.waitForFunction(() => getComputedStyle(document.querySelector('#chart-loss .u-legend .u-series:nth-child(3) .u-marker')!).borderTopColor === 'rgb(26, 133, 255)');
      assert.equal(THEMES.light['--vscode-charts-blue'], '#1a85ff');
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-done-light');
    });

    it('follows the panel\'s width (ResizeObserver) and keeps the legend keyboard-usable', async () => {
      await panel.page.setViewportSize({ width: 560, height: 900 });
      await panel.page.waitForFunction(() => {
        const plot = document.querySelector('#chart-loss')!;
        const u = plot.querySelector('.uplot') as HTMLElement;
        return u.getBoundingClientRect().width <= plot.getBoundingClientRect().width + 1 && plot.getBoundingClientRect().width < 540;
      });
      const legend = panel.page.locator('#chart-loss .u-legend .u-series').nth(1).locator('th');
      await legend.focus();
      await panel.page.keyboard.press('Enter');
      assert.equal(await legend.getAttribute('aria-pressed'), 'false');
      await panel.page.keyboard.press(' ');
      assert.equal(await legend.getAttribute('aria-pressed'), 'true');
      // the loss axis can go logarithmic (a switch, keyboard too)
      await panel.page.locator('#loss-log').focus();
      await panel.page.keyboard.press('Enter');
      assert.equal(await panel.page.locator('#loss-log').getAttribute('aria-checked'), 'true');
      assert.equal(await panel.page.locator('#chart-loss .uplot canvas').count(), 1);
      await panel.screenshot('dashboard-narrow-light');
      assert.deepEqual(panel.errors, []);
      await panel.close();
    });
  });

  describe('reopening a finished run', () => {
    const { run, events } = loadRun('demo-run');
    let saved: { runDir: string; events: TimedEvent[] } | undefined;

    it('renders the whole saved log in the same task as the `state` message (no timers, no animation)', async () => {
      const panel = await openDashboard({ theme: 'light' });
      const seen = await panel.page.evaluate((m) => {
        (window as unknown as { __deliver(m: unknown): void }).__deliver(m);
        return {
          rows: document.querySelectorAll('#epochs tbody tr').length,
          canvases: document.querySelectorAll('.chart-plot canvas').length,
          points: JSON.parse(document.querySelector('#chart-loss')!.getAttribute('data-points')!) as Record<string, number>,
          confusion: document.querySelectorAll('#confusion tbody td:not(.total)').length,
          status: document.querySelector('#status')!.textContent,
          progress: document.querySelector('#progress-percent')!.textContent,
          live: document.body.classList.contains('live'),
          transition: getComputedStyle(document.querySelector('#progress-fill')!).transitionDuration,
        };
      }, { type: 'state', run, events, trusted: true });
      assert.equal(seen.rows, of(events, 'epochEnd').length);
      assert.equal(seen.canvases, 3);
      assert.deepEqual(seen.points, expectedPoints(events).loss);
      assert.equal(seen.confusion, 100);
      assert.equal(seen.status, 'Done');
      assert.equal(seen.progress, '100%');
      assert.equal(seen.live, false);
      assert.equal(seen.transition, '0s');
      await panel.page.waitForFunction(() => !!(window as unknown as { __state?: unknown }).__state);
      saved = (await panel.savedState()) as typeof saved;
      assert.deepEqual(panel.errors, []);
      await panel.close();
    });

    it('keeps a small state with setState, and a re-shown panel paints it before the host answers', async () => {
      assert.ok(saved);
      assert.equal(saved.runDir, run.runDir, 'the host\'s serializer reopens the panel from runDir');
      assert.ok(saved.events.length <= events.length);
      const panel = await openDashboard({ theme: 'dark', state: saved });
      assert.deepEqual(await panel.posted().then((p) => p[0]), { type: 'ready', protocol: 1 });
      assert.equal(await panel.page.locator('#epochs tbody tr').count(), of(events, 'epochEnd').length);
      assert.equal(await panel.page.locator('#confusion tbody tr').count(), 10);
      assert.equal(await panel.page.locator('#status').textContent(), 'Done');
      assert.deepEqual(panel.errors, []);
      await panel.close();
    });
  });

  describe('other tasks and endings', () => {
    it('regression: MAE and RMSE instead of a confusion matrix, and the negative-transfer warning up front', async () => {
      const { run, events } = loadRun('regression-run');
      const ev = of(events, 'evaluation')[0]!;
      assert.match(ev.warnings[0]!, /^negative transfer/, 'the recorded run really warned');
      const panel = await openDashboard({ theme: 'light' });
      await panel.send({ type: 'state', run, events, trusted: true });
      await panel.page.waitForSelector('#negative-transfer');
      assert.match((await panel.page.locator('#negative-transfer').textContent())!, /Negative transfer.*the model trained from scratch does better \(MAE 0\.305 vs 0\.310/);
      assert.equal(await panel.page.locator('#negative-transfer').getAttribute('role'), 'alert');
      const headline = (await panel.page.locator('#headline').textContent())!;
      assert.ok(headline.includes(`MAE${ev.report.mae!.toFixed(4)}`) && headline.includes(`RMSE${ev.report.rmse!.toFixed(4)}`), headline);
      assert.equal(await panel.page.locator('#confusion').count(), 0);
      assert.equal(await panel.page.locator('#baseline-comparison tbody tr').first().locator('td.diff').getAttribute('class'), 'num diff worse');
      assert.equal(await panel.page.locator('#chart-metric').getAttribute('aria-label'), 'MAE');
      assert.deepEqual(await points(panel, 'metric'), expectedPoints(events).metric);
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-regression-light');
      await panel.close();
    });

    it('domain adaptation: source and target accuracy before and after, the feature gap, and both domains\' features in 2-D before and after', async () => {
      const { run, events } = loadRun('domain-run');
      const r = of(events, 'domain')[0]!.report;
      const panel = await openDashboard({ theme: 'dark' });
      await panel.send({ type: 'state', run, events, trusted: true });
      await panel.page.waitForSelector('#domain:not(.hidden)');
      assert.equal(await panel.page.locator('#domain-title').textContent(), 'Domain adaptation: AdaBN');
      const rows = await panel.page.locator('#domain-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      assert.deepEqual(rows[0], [`source (${r.source.split})`, pct(r.source.before.accuracy), pct(r.source.after.accuracy)]);
      assert.deepEqual(rows[1], [`target (${r.targetScores!.before.examples} labelled)`, pct(r.targetScores!.before.accuracy), pct(r.targetScores!.after.accuracy)]);
      assert.ok(r.targetScores!.after.accuracy! > r.targetScores!.before.accuracy!, 'the recorded run really adapted');
      for (const [id, pts] of [['#domain-before', r.projection.before], ['#domain-after', r.projection.after]] as const) {
        assert.equal(await panel.page.locator(`${id} circle.source`).count(), pts.source.length);
        assert.equal(await panel.page.locator(`${id} circle.target`).count(), pts.target.length);
      }
      // the same basis: a point's place in the plot follows its coordinates (the first target point, before vs after)
      const cx = async (id: string): Promise<number> => Number(await panel.page.locator(`${id} circle.target`).first().getAttribute('cx'));
      const [b0, a0] = [r.projection.before.target[0]![0], r.projection.after.target[0]![0]];
      if (Math.abs(b0 - a0) > 1e-3) assert.equal(Math.sign((await cx('#domain-after')) - (await cx('#domain-before'))), Math.sign(a0 - b0));
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-domain-dark');
      await panel.close();
    });

    it('multi-label: per-label scores, exact match, skipped files and the imbalance warning', async () => {
      const { run, events } = loadRun('multi-label-run');
      const report: EvaluationReport = of(events, 'evaluation')[0]!.report;
      const panel = await openDashboard({ theme: 'dark' });
      await panel.send({ type: 'state', run, events, trusted: true });
      await panel.page.waitForSelector('#per-class');
      assert.deepEqual(await panel.page.locator('#per-class tbody th').allTextContents(), report.labels);
      assert.equal(await panel.page.locator('#per-class thead th').first().textContent(), 'label');
      assert.match((await panel.page.locator('#headline').textContent())!, new RegExp(`exact match${pct(report.exactMatch).replace('.', '\\.')}`));
      assert.match((await panel.page.locator('#skipped summary').textContent())!, /1 file skipped/);
      assert.match((await panel.page.locator('#dataset').textContent())!, /imbalanced classes: "upper-body" has 45 training images/);
      assert.equal(await panel.page.locator('#chart-metric').getAttribute('aria-label'), 'Binary accuracy');
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-multilabel-dark');
      await panel.close();
    });

    it('a stopped run says where its checkpoint is', async () => {
      const { run, events } = loadRun('stopped-run');
      const done = of(events, 'done')[0]!;
      assert.equal(done.stopped, true);
      const panel = await openDashboard({ theme: 'light' });
      await panel.send({ type: 'state', run, events, trusted: true });
      await panel.page.waitForSelector('#stopped');
      assert.equal(await panel.page.locator('#checkpoint-path').textContent(), done.output);
      assert.match((await panel.page.locator('#stopped').textContent())!, /Stopped after fine-tune epoch 12\/40/);
      assert.equal(await panel.page.locator('#stopped code').textContent(), `transfer-studio train ${run.recipe} --resume ${done.output}`);
      assert.match((await panel.page.locator('#progress-text').textContent())!, /^Stopped after 14s · Epoch 18\/46 \(fine-tune 12\/40\)$/);
      assert.equal(await panel.page.locator('#status').textContent(), 'Stopped');
      assert.ok(await panel.page.locator('#stop').isHidden());
      // Resume: the host picks the checkpoint, the webview only asks
      assert.match((await panel.page.locator('#resume').textContent())!, /Resume after fine-tune epoch 12/);
      await panel.page.locator('#resume').click();
      assert.deepEqual((await panel.posted()).filter((m) => m.type === 'resume'), [{ type: 'resume' }]);
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-stopped-light');
      await panel.close();
    });

    it('a run whose worker was killed after a checkpoint offers Resume', async () => {
      const { run, events } = loadRun('stopped-run');
      const last = events.filter((e) => e.type !== 'done');
      const t = last[last.length - 1]!.t + 1;
      const crashed = [...last, { t, type: 'error', error: { message: 'the training worker crashed (signal SIGKILL)' } } as TimedEvent];
      const panel = await openDashboard({ theme: 'dark' });
      await panel.send({ type: 'state', run: { ...run, status: 'failed', error: 'the training worker crashed (signal SIGKILL)' }, events: crashed, trusted: true });
      await panel.page.waitForSelector('#error');
      assert.match((await panel.page.locator('#error').textContent())!, /the training worker crashed \(signal SIGKILL\)/);
      assert.match((await panel.page.locator('#resume').textContent())!, /Resume after fine-tune epoch 12/);
      await panel.page.locator('#resume').focus();
      await panel.page.keyboard.press('Enter');
      assert.deepEqual((await panel.posted()).filter((m) => m.type === 'resume'), [{ type: 'resume' }]);
      assert.deepEqual(panel.errors, []);
      await panel.close();
    });

    it('a failed run shows the error, its hint and file', async () => {
      const { run, events } = loadRun('failed-run');
      const panel = await openDashboard({ theme: 'dark' });
      await panel.send({ type: 'state', run, events, trusted: true });
      await panel.page.waitForSelector('#error');
      const text = (await panel.page.locator('#error').textContent())!;
      assert.match(text, /Training faileddata not found/);
      assert.match(text, /check the path in the recipe's "data"/);
      assert.match(text, /\/home\/dev\/transfer-studio\/examples\/fashion-mini\/trian/);
      assert.equal(await panel.page.locator('#status').textContent(), 'Failed');
      assert.equal(await panel.page.locator('#resume').count(), 0, 'no checkpoint, no Resume');
      // nothing trained: no empty charts or tables waiting forever; the log is open
      for (const id of ['#training', '#epochs-section', '#dataset-section', '#stats']) assert.ok(await panel.page.locator(id).isHidden(), id);
      assert.equal(await panel.page.locator('details.log-section').getAttribute('open'), '');
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-failed-dark');
      await panel.close();
    });

    it('high contrast', async () => {
      const { run, events } = loadRun('sample-run');
      const panel = await openDashboard({ theme: 'high-contrast' });
      await panel.send({ type: 'state', run, events, trusted: false });
      await panel.page.waitForSelector('#confusion');
      assert.equal(await panel.page.locator('#try').getAttribute('disabled'), '', 'predictions need a trusted workspace');
      assert.deepEqual(panel.errors, []);
      await panel.screenshot('dashboard-done-hc');
      await panel.close();
    });
  });

  describe('robustness', () => {
    it('ignores unknown messages and partial events, and never throws', async () => {
      const panel = await openDashboard({ theme: 'dark' });
      const t = Date.now();
      // events before any state (a panel that connects mid-run), then junk of every kind
      await panel.send({ type: 'events', events: [{ type: 'epochStart', phase: 'head', epoch: 1, epochs: 3, learningRate: 0.001, batches: 2, t }] });
      for (const m of [
        { type: 'somethingNew', payload: 1 },
        { type: 'events', events: 'not an array' },
        { type: 'events', events: [null, 7, { t }, { type: 'batchEnd', t }, { type: 'epochEnd', phase: 'head', epoch: 1, epochs: 3, t }, { type: 'dataset', report: { classes: 'x' }, t }, { type: 'evaluation', report: { task: 'single-label', labels: ['a', 'b'], confusion: [[1, null], 'x'] }, warnings: null, t }] },
        { type: 'status' },
        { type: 'thumbnails', images: { '/x.png': 'javascript:alert(1)' } },
        { type: 'prediction', file: '/x.png' },
        { type: 'state', run: { id: 'r', name: 'partial', recipe: '/r.adapt.json', runDir: '/r', status: 'running', startedAt: 'not a date' }, events: [{ type: 'started', t }, { type: 'epochEnd', phase: 'head', epoch: 1, epochs: 3, logs: { loss: null, accuracy: null, val_loss: null, val_accuracy: null }, durationMs: 10, etaSec: null, tensors: 1, t }, { type: 'batchEnd', phase: 'head', epoch: 2, batch: 1, batches: 2, loss: null, metrics: {}, imagesPerSec: 5, etaSec: null, t }], trusted: true },
        { type: 'events', events: [{ type: 'epochEnd', phase: 'head', epoch: 2, epochs: 3, logs: { loss: 0.5, accuracy: 0.75, learning_rate: 0.001, val_loss: null, val_accuracy: 0.5 }, durationMs: 1200, etaSec: 3, tensors: 1, t: t + 1 }] },
      ]) await panel.send(m);
      await waitForEpochRows(panel, 2);
      assert.deepEqual(await panel.page.locator('#epochs tbody tr').last().locator('td').allTextContents(), ['2/3', 'head ★ best', '0.5000', '75.0%', '–', '50.0%', '1e-3', '1.2 s']);
      assert.equal(await panel.page.locator('#status').textContent(), 'Running');
      assert.deepEqual(panel.errors, []);
      await panel.close();
    });
  });
});
