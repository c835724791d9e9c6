/**
 * A detection run in the dashboard (headless Chromium, fake VS Code host), replayed from a real
 * recorded run (test/fixtures/runs/detection-run.jsonl: the shapes dataset, the emotion MobileNet's
 * frozen feature maps, a grid head): the metric chart is mAP@0.5 on the validation images, the
 * evaluation shows COCO's numbers and AP per class, and each sample image gets its true and
 * predicted boxes drawn where the report puts them. Screenshot: test-output/screenshots/dashboard-detection.png.
 */
import * as assert from 'node:assert/strict';
import type { TimedEvent } from '../../src/core/protocol/dashboard';
import { cleanBuild, closeBrowser, loadRun, openDashboard, thumbnailsOf, type Posted } from './dashboard.harness';

type Ev<T extends TimedEvent['type']> = Extract<TimedEvent, { type: T }>;
const of = <T extends TimedEvent['type']>(events: TimedEvent[], type: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === type);
const pct = (v: number | null | undefined): string => `${((v ?? NaN) * 100).toFixed(1)}%`;

describe('dashboard webview: a detection run', function () {
  this.timeout(120_000);
  after(async () => {
    await closeBrowser();
    cleanBuild();
  });

  it('plots val mAP@0.5 live, shows mAP and AP per class, and draws true and predicted boxes on the evaluation images', async () => {
    const { run, events } = loadRun('detection-run');
    const d = of(events, 'evaluation')[0]!.report.detection!;
    const panel = await openDashboard({ theme: 'dark', viewport: { width: 1100, height: 1400 } });
    await panel.send({ type: 'state', run, events, trusted: true });
    await panel.page.waitForSelector('#detection-samples');
    // the metric chart is the validation mAP, one point per epoch
    assert.equal(await panel.page.locator('#chart-metric').getAttribute('aria-label'), 'mAP@0.5');
    const points = JSON.parse((await panel.page.getAttribute('#chart-metric', 'data-points')) ?? '{}') as Record<string, number>;
    assert.equal(points.validation, of(events, 'epochEnd').filter((e) => typeof e.logs.val_mAP50 === 'number').length);
    const headline = (await panel.page.locator('#headline').textContent())!;
    assert.ok(headline.includes(`mAP@0.5${pct(d.mAP50)}`) && headline.includes(`mAP@[.5:.95]${pct(d.mAP)}`), headline);
    const rows = await panel.page.locator('#detection-per-class tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent]));
    assert.deepEqual(rows, d.perClass.map((c) => [c.label, pct(c.ap50)]));
    // the webview asks for the samples' thumbnails; with them, every box is drawn where the report says
    await panel.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'requestThumbnails'));
    const asked = (await panel.posted()).filter((m): m is Posted & { files: string[] } => m.type === 'requestThumbnails').flatMap((m) => m.files);
    for (const s of d.samples) assert.ok(asked.includes(s.file), `thumbnail of ${s.file} requested`);
    await panel.send({ type: 'thumbnails', images: thumbnailsOf(d.samples.map((s) => s.file)) });
    await panel.page.waitForFunction((n) => document.querySelectorAll('#detection-samples img').length === n, d.samples.length);
    const frames = panel.page.locator('#detection-samples .det-frame');
    assert.equal(await frames.count(), d.samples.length);
    for (const [i, s] of d.samples.entries()) {
      // no named helper inside: the page has no __name (tsx's keep-names helper)
      const boxes = await frames.nth(i).evaluate((f) => ({
        truth: [...f.querySelectorAll('.det-box.truth')].map((el) => [el.getBoundingClientRect(), f.getBoundingClientRect()]).map(([b, r]) => [(b!.left - r!.left) / r!.width, (b!.top - r!.top) / r!.height, b!.width / r!.width, b!.height / r!.height]),
        predicted: [...f.querySelectorAll('.det-box.predicted')].length,
        tags: [...f.querySelectorAll('.det-tag')].map((t) => t.textContent),
      }));
      assert.equal(boxes.truth.length, s.truth.length);
      assert.equal(boxes.predicted, s.predicted.length);
      s.truth.forEach((t, j) => [t.box.x, t.box.y, t.box.w, t.box.h].forEach((v, k) => assert.ok(Math.abs(boxes.truth[j]![k]! - v) < 0.02, `sample ${i} truth ${j}: ${boxes.truth[j]} vs ${JSON.stringify(t.box)}`)));
      assert.deepEqual(boxes.tags, s.predicted.map((p) => `${p.label} ${(p.score * 100).toFixed(0)}%`));
    }
    assert.deepEqual(panel.errors, []);
    await panel.screenshot('dashboard-detection');
    await panel.close();
  });
});
