import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimedEvent } from '../../src/extension/dashboard/protocol';
import { PROJECT_FIXTURES } from '../helpers/fixtures';
import { closeBrowser, openPanel, type Panel } from './harness';

/** A real run's event log: the demo (Teachable Machine MobileNetV2 → Fashion-MNIST, with a from-scratch baseline). */
const EVENTS = fs.readFileSync(path.join(PROJECT_FIXTURES, 'runs', 'demo-run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimedEvent);
const RUN = { id: '/project/runs/demo', name: 'fashion-from-teachable-machine', recipe: '/project/demo-output/fashion.adapt.json', runDir: '/project/runs/demo', output: '/project/demo-output/fashion-adapted', status: 'done' as const, startedAt: new Date(EVENTS[0]!.t).toISOString(), endedAt: new Date(EVENTS.at(-1)!.t).toISOString() };

describe('dashboard webview (headless Chromium, fake host)', () => {
  after(closeBrowser);
  let panel: Panel;

  it('says ready first, then renders a live run as its events stream in', async () => {
    panel = await openPanel('dashboard', 'dark');
    await panel.page.waitForFunction(() => (globalThis as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.deepEqual((await panel.posted())[0], { type: 'ready' });
    const cut = EVENTS.findIndex((e) => e.type === 'epochEnd' && e.phase === 'baseline');
    await panel.send({ type: 'state', run: { ...RUN, status: 'running', endedAt: undefined }, events: EVENTS.slice(0, 10), trusted: true });
    for (let i = 10; i < cut; i += 25) await panel.send({ type: 'events', events: EVENTS.slice(i, Math.min(i + 25, cut)) });
    await panel.page.waitForTimeout(400);
    const headEpochs = EVENTS.slice(0, cut).filter((e) => e.type === 'epochEnd' && e.phase === 'head').length;
    assert.equal(await panel.page.locator('#epochs tbody tr').count(), headEpochs);
    assert.equal(await panel.page.locator('#status').textContent(), 'running');
    assert.ok(await panel.page.locator('#stop').isVisible());
    // the loss chart holds the batch losses seen so far
    const batches = EVENTS.slice(0, cut).filter((e) => e.type === 'batchEnd').length;
    assert.ok(batches > 50);
    assert.equal(await panel.page.locator('#chart-loss .uplot').count(), 1);
    assert.equal(await panel.page.locator('#chart-metric .uplot').count(), 1);
    await panel.page.locator('#stop').click();
    assert.ok((await panel.posted()).some((m) => m.type === 'stop'), 'Stop posts stop');
    await panel.screenshot('dashboard-running-dark');
  });

  it('shows the evaluation when the run ends: confusion matrix, baseline, worst mistakes (thumbnails requested)', async () => {
    await panel.send({ type: 'events', events: EVENTS.slice(EVENTS.findIndex((e) => e.type === 'epochEnd' && e.phase === 'baseline')) });
    await panel.send({ type: 'status', run: RUN });
    await panel.page.waitForSelector('#confusion');
    const ev = EVENTS.find((e): e is Extract<TimedEvent, { type: 'evaluation' }> => e.type === 'evaluation')!;
    const cells = await panel.page.locator('#confusion tbody tr').first().locator('td').allTextContents();
    assert.deepEqual(cells.map(Number), ev.report.confusion![0]);
    assert.match((await panel.page.locator('#headline').textContent())!, new RegExp(`${(ev.report.accuracy! * 100).toFixed(1)}%`));
    assert.match((await panel.page.locator('#headline').textContent())!, /from scratch/);
    assert.equal(await panel.page.locator('#per-class tbody tr').count(), ev.report.labels.length);
    const req = (await panel.posted()).find((m) => m.type === 'requestThumbnails') as { files: string[] } | undefined;
    assert.deepEqual(req?.files, ev.report.worst!.map((w) => w.file));
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
    await panel.send({ type: 'thumbnails', images: Object.fromEntries(ev.report.worst!.map((w) => [w.file, png])) });
    await panel.page.waitForSelector('#mistakes img');
    await panel.page.locator('#mistakes .mistake').first().click();
    assert.ok((await panel.posted()).some((m) => m.type === 'openFile' && m.file === ev.report.worst![0]!.file));
    assert.ok(await panel.page.locator('#reveal').isVisible());
    assert.ok(!(await panel.page.locator('#stop').isVisible()));
    await panel.page.locator('#try').click();
    assert.ok((await panel.posted()).some((m) => m.type === 'pickImage'));
    await panel.send({ type: 'prediction', file: '/x/sneaker.png', thumbnail: png, result: { file: '/x/sneaker.png', top: [{ label: 'sneaker', score: 0.9 }, { label: 'sandal', score: 0.08 }] } });
    await panel.page.waitForSelector('#try-result .topk');
    assert.deepEqual(panel.errors, []);
    await panel.screenshot('dashboard-done-dark');
  });

  it('shows a negative-transfer warning and a failed run\'s error', async () => {
    const p = await openPanel('dashboard', 'light');
    const ev = EVENTS.find((e): e is Extract<TimedEvent, { type: 'evaluation' }> => e.type === 'evaluation')!;
    const warned = EVENTS.map((e) => (e.type === 'evaluation' ? { ...ev, warnings: ['negative transfer: the model trained from scratch does better (accuracy 80.0% vs 76.2%)'] } : e));
    await p.send({ type: 'state', run: RUN, events: warned, trusted: true });
    await p.page.waitForSelector('.negative-transfer');
    assert.match((await p.page.locator('.negative-transfer').textContent())!, /negative transfer/);
    await p.screenshot('dashboard-done-light');
    await p.send({ type: 'state', run: { ...RUN, status: 'failed', error: 'the training worker ran out of memory' }, events: [...EVENTS.slice(0, 20), { type: 'error', t: EVENTS[20]!.t, error: { message: 'the training worker ran out of memory: try a smaller batch size or image size', user: false } }], trusted: true });
    await p.page.waitForSelector('#error:not(.hidden)');
    assert.match((await p.page.locator('#error').textContent())!, /ran out of memory/);
    assert.deepEqual(p.errors, []);
  });
});
