// Box datasets read from real images on disk (test/unit/helpers/boxDataset.ts: shapes drawn with
// known boxes, written as COCO, Pascal VOC and CSV): the three readers must agree with each other and
// with the drawn boxes, in every layout they accept; the core's metrics and grid targets run on them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kmeansAnchors } from '../../../src/core/detection/anchors';
import { fromPixelCorners } from '../../../src/core/detection/boxes';
import { decodeGrid, encodeGrid } from '../../../src/core/detection/grid';
import { evaluateDetections } from '../../../src/core/detection/metrics';
import { readBoxDataset, sniffBoxFormat, type BoxDataset } from '../../../src/engine/tfjs/data/annotations';
import { tempDir } from '../../helpers/fixtures';
import { makeBoxDataset, type MadeDataset } from '../helpers/boxDataset';

/** What a reader should give, in the readers' shape, from what was drawn. */
function expected(made: MadeDataset): Pick<BoxDataset, 'labels' | 'images'> {
  return {
    labels: made.labels,
    images: made.images.map((im) => ({
      file: path.join(made.imagesDir, im.name),
      width: im.width,
      height: im.height,
      boxes: im.boxes.map((b) => ({ label: made.labels.indexOf(b.label), box: fromPixelCorners(b, im) })),
    })),
  };
}

const shape = (d: BoxDataset): Pick<BoxDataset, 'labels' | 'images'> => ({ labels: d.labels, images: d.images });

describe('box datasets on disk (COCO, VOC, CSV)', () => {
  let made: MadeDataset;
  let coco: BoxDataset, voc: BoxDataset, csv: BoxDataset;

  before(async () => {
    made = await makeBoxDataset(tempDir('ts-boxes-'), { images: 12, seed: 3 });
    [coco, voc, csv] = await Promise.all([readBoxDataset(made.coco), readBoxDataset(made.voc), readBoxDataset(made.csv)]);
  });

  it('the generator makes what it says: 12 PNGs, 1–3 boxes each, all three shapes, two image sizes', () => {
    assert.equal(made.images.length, 12);
    assert.ok(made.images.every((im) => im.boxes.length >= 1 && im.boxes.length <= 3));
    assert.deepEqual(new Set(made.images.flatMap((im) => im.boxes.map((b) => b.label))), new Set(['circle', 'square', 'triangle']));
    assert.deepEqual(new Set(made.images.map((im) => `${im.width}×${im.height}`)), new Set(['96×96', '128×96']));
    assert.equal(fs.readdirSync(made.imagesDir).filter((f) => f.endsWith('.png')).length, 12);
  });

  it('the format is told by the source: .json → COCO, a folder of .xml → VOC, .csv → CSV', () => {
    assert.deepEqual([sniffBoxFormat(made.coco), sniffBoxFormat(made.voc), sniffBoxFormat(made.csv)], ['coco', 'voc', 'csv']);
    assert.deepEqual([coco.format, voc.format, csv.format], ['coco', 'voc', 'csv']);
  });

  it('all three give exactly the drawn boxes, normalised, with absolute paths and sizes', () => {
    const want = expected(made);
    assert.deepEqual(shape(coco), want);
    assert.deepEqual(shape(voc), want); // VOC's 1-based inclusive corners land on the same numbers
    assert.deepEqual(shape(csv), want); // sizes read from the PNG headers: the CSV gives none
    for (const d of [coco, voc, csv]) assert.deepEqual([d.skipped, d.warnings], [[], []]);
  });

  it('the VOC devkit layout (Annotations/ + JPEGImages/) reads the same', async () => {
    const root = path.join(tempDir('ts-voc-devkit-'), 'VOC2012');
    fs.mkdirSync(path.join(root, 'Annotations'), { recursive: true });
    fs.mkdirSync(path.join(root, 'JPEGImages'));
    for (const f of fs.readdirSync(made.imagesDir)) {
      fs.copyFileSync(path.join(made.imagesDir, f), path.join(root, f.endsWith('.xml') ? 'Annotations' : 'JPEGImages', f));
    }
    const want = expected(made);
    const relocated = want.images.map((im) => ({ ...im, file: path.join(root, 'JPEGImages', path.basename(im.file)) }));
    assert.deepEqual(shape(await readBoxDataset(root)), { labels: want.labels, images: relocated });
    assert.deepEqual(shape(await readBoxDataset(path.join(root, 'Annotations'))).images, relocated);
  });

  it('COCO\'s own layout: annotations/instances_val2017.json beside val2017/; or an images option', async () => {
    const root = tempDir('ts-coco-layout-');
    fs.mkdirSync(path.join(root, 'annotations'));
    fs.cpSync(made.imagesDir, path.join(root, 'val2017'), { recursive: true });
    const json = path.join(root, 'annotations', 'instances_val2017.json');
    fs.copyFileSync(made.coco, json);
    const d = await readBoxDataset(json);
    assert.equal(d.images[0]!.file, path.join(root, 'val2017', made.images[0]!.name));
    assert.deepEqual(d.skipped, []);
    const elsewhere = path.join(root, 'annotations', 'boxes.json');
    fs.copyFileSync(made.coco, elsewhere);
    const opt = await readBoxDataset(elsewhere, { images: made.imagesDir });
    assert.deepEqual(shape(opt), expected(made));
  });

  it('the TensorFlow Object Detection CSV (filename,width,height,class,xmin,ymin,xmax,ymax) reads the same', async () => {
    const dir = tempDir('ts-tfod-');
    const rows = made.images.flatMap((im) => im.boxes.map((b) => `${im.name},${im.width},${im.height},${b.label},${b.x1},${b.y1},${b.x2},${b.y2}`));
    const file = path.join(dir, 'train_labels.csv');
    fs.writeFileSync(file, `filename,width,height,class,xmin,ymin,xmax,ymax\n${rows.join('\n')}\n`);
    assert.deepEqual(shape(await readBoxDataset(file, { images: made.imagesDir })), expected(made));
  });

  it('images missing on disk are skipped with the reason, the rest read', async () => {
    const dir = tempDir('ts-boxes-missing-');
    const copy = await makeBoxDataset(dir, { images: 4, seed: 8 });
    fs.rmSync(path.join(copy.imagesDir, copy.images[1]!.name));
    const missing = path.join(copy.imagesDir, copy.images[1]!.name);
    for (const [source, where] of [[copy.coco, /^missing: listed as image 1 \(id 2\) in annotations\.json$/], [copy.voc, /^missing: listed in shapes_001\.xml$/], [copy.csv, /^missing: listed on line \d+ of boxes\.csv$/]] as const) {
      const d = await readBoxDataset(source);
      assert.equal(d.images.length, 3);
      assert.equal(d.skipped.length, 1);
      assert.equal(d.skipped[0]!.file, missing);
      assert.match(d.skipped[0]!.reason, where);
    }
  });

  it('the core runs on them: ground truth scored against itself is mAP 1; grid targets decode back to every box', () => {
    const truth = coco.images.map((im) => im.boxes);
    const asDetections = voc.images.map((im) => im.boxes.map((b) => ({ ...b, score: 1 })));
    const r = evaluateDetections(truth, asDetections, { labels: coco.labels });
    assert.deepEqual([r.mAP, r.truths], [1, coco.images.reduce((s, im) => s + im.boxes.length, 0)]);
    const fit = kmeansAnchors(coco.images.flatMap((im) => im.boxes.map((b) => b.box)), 3, { seed: 1 });
    assert.ok(fit.meanIoU > 0.6, String(fit.meanIoU));
    const spec = { rows: 6, cols: 6, anchors: fit.anchors, numClasses: coco.labels.length };
    for (const im of coco.images) {
      const { target, dropped } = encodeGrid(spec, im.boxes);
      assert.equal(dropped, 0);
      const back = decodeGrid(spec, target, { scoreThreshold: 0.5 });
      assert.equal(back.length, im.boxes.length);
      for (const b of im.boxes) assert.ok(back.some((d) => d.label === b.label && Math.abs(d.box.x - b.box.x) < 1e-6 && Math.abs(d.box.w - b.box.w) < 1e-6 && Math.abs(d.box.h - b.box.h) < 1e-6));
    }
  });
});
