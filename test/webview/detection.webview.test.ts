/**
 * A detection run in the dashboard (headless Chromium, fake VS Code host), replayed from a real
 * recorded run (test/fixtures/runs/detection-run.jsonl: the shapes dataset, the emotion MobileNet's
 * frozen feature maps, a grid head): the metric chart is mAP@0.5 on the validation images, the
 * evaluation shows COCO's numbers and AP per class, and each sample image gets its true and
 * predicted boxes drawn where the report puts them. "Try an image" on the saved detector draws
 * the predicted boxes over the picked image and lists them. Screenshots:
 * test-output/screenshots/dashboard-detection.png, dashboard-detection-try.png.
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

  it('"Try an image" on the detector draws the predicted boxes on the picked image, lists them, and says when there are none', async () => {
    const { run, events } = loadRun('detection-run');
    const d = of(events, 'evaluation')[0]!.report.detection!;
    // a wide image (128 × 96): what the detector finds on it is what the evaluation drew there
    const s = d.samples.find((x) => x.width !== x.height)!;
    const size: [number, number] = [s.width, s.height];
    const boxes = s.predicted.map((p) => ({ ...p, pixels: { x: p.box.x * s.width, y: p.box.y * s.height, w: p.box.w * s.width, h: p.box.h * s.height } }));
    assert.ok(boxes.length >= 1);
    const panel = await openDashboard({ theme: 'light', viewport: { width: 900, height: 1400 } });
    await panel.send({ type: 'state', run, events, trusted: true });
    await panel.page.waitForSelector('#try');
    assert.equal(await panel.page.locator('#try').getAttribute('disabled'), null, 'a saved model: Try it is on');
    const thumbnail = thumbnailsOf([s.file])[s.file]!;
    assert.ok(thumbnail, s.file);
    // a malformed box (no pixels) is left out, the rest drawn
    await panel.send({ type: 'prediction', file: s.file, thumbnail, result: { file: s.file, top: [], boxes: [...boxes, { label: 'junk', score: 0.9, box: { x: 0.1, y: 0.1, w: 0.2 } }], size } });
    await panel.page.waitForSelector('#try-frame img');
    const drawn = await panel.page.locator('#try-frame').evaluate((f) => {
      const r = f.getBoundingClientRect();
      const img = f.querySelector('img')!;
      return {
        src: img.getAttribute('src'),
        aspect: r.width / r.height,
        image: [img.getBoundingClientRect().width / r.width, img.getBoundingClientRect().height / r.height],
        boxes: [...f.querySelectorAll('.det-box.predicted')].map((el) => el.getBoundingClientRect()).map((b) => [(b.left - r.left) / r.width, (b.top - r.top) / r.height, b.width / r.width, b.height / r.height]),
        tags: [...f.querySelectorAll('.det-tag')].map((t) => t.textContent),
        truth: f.querySelectorAll('.det-box.truth').length,
      };
    });
    assert.equal(drawn.src, thumbnail);
    assert.ok(Math.abs(drawn.aspect - s.width / s.height) < 0.02, `the frame keeps the image's ${s.width}×${s.height}: ${drawn.aspect}`);
    drawn.image.forEach((v) => assert.ok(Math.abs(v - 1) < 0.01, `the image fills the frame: ${drawn.image}`));
    assert.equal(drawn.truth, 0, 'a picked image has no true boxes');
    assert.equal(drawn.boxes.length, boxes.length);
    boxes.forEach((b, j) => [b.box.x, b.box.y, b.box.w, b.box.h].forEach((v, k) => assert.ok(Math.abs(drawn.boxes[j]![k]! - v) < 0.01, `box ${j}: ${drawn.boxes[j]} vs ${JSON.stringify(b.box)}`)));
    assert.deepEqual(drawn.tags, boxes.map((b) => `${b.label} ${(b.score * 100).toFixed(0)}%`));
    // listed: label, score, where in the image's pixels
    const listed = await panel.page.locator('#try-boxes li').evaluateAll((lis) => lis.map((li) => [...li.children].map((c) => c.textContent).slice(1)));
    const px = (v: number): string => String(Math.round(v));
    assert.deepEqual(listed, boxes.map((b) => [b.label, pct(b.score), `${px(b.pixels.x)}, ${px(b.pixels.y)} · ${px(b.pixels.w)} × ${px(b.pixels.h)} px`]));
    assert.match((await panel.page.locator('#try-result .det-list-facts').textContent())!, new RegExp(`^${boxes.length} box(es)?, score ≥ ${d.scoreThreshold} · image ${s.width} × ${s.height} px$`));
    assert.equal(await panel.page.locator('#try-result .topk').count(), 0, 'no classifier top-k for a detector');
    assert.deepEqual(panel.errors, []);
    // the Try it section alone (the full page is dashboard-detection.png's)
    const shot = await panel.screenshot('dashboard-detection-try');
    await panel.page.locator('#try-result').screenshot({ path: shot });

    // nothing above the threshold: said so, the image still shown; a thumbnail that is no data: URI is not loaded
    await panel.send({ type: 'prediction', file: s.file, thumbnail: 'javascript:alert(1)', result: { file: s.file, top: [], boxes: [], size } });
    await panel.page.waitForSelector('#try-no-boxes');
    assert.equal(await panel.page.locator('#try-no-boxes').textContent(), `No boxes above the threshold (score ≥ ${d.scoreThreshold}).`);
    assert.equal(await panel.page.locator('#try-frame .det-box').count(), 0);
    assert.equal(await panel.page.locator('#try-frame img').count(), 0);
    assert.equal(await panel.page.locator('#try-frame .thumb-placeholder').count(), 1);
    assert.deepEqual(panel.errors, []);
    await panel.close();
  });
});
