// The data pipeline (src/engine/tfjs/data) on real images: examples/fashion-mini (Fashion-MNIST PNGs)
// and images written by sharp into temporary folders (JPEG, WebP, GIF, TIFF, RGBA/grey PNG, odd sizes).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { isUserError, type UserError } from '../../../src/core/errors';
import { rng } from '../../../src/core/random';
import { augment, isAugmenting } from '../../../src/engine/tfjs/data/augment';
import { PixelCache } from '../../../src/engine/tfjs/data/cache';
import { luma, toChannels } from '../../../src/engine/tfjs/data/channels';
import { batches, decodeImage, encodeTargets, loadImageFile, normalize, numBatches, openDataset, UnreadableImageError } from '../../../src/engine/tfjs/data';
import type { Batch, BatchOptions, Dataset, DatasetOptions, Example, ImageSpec } from '../../../src/engine/tfjs/data';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../src/engine/tfjs/data/normalize';
import { classWarnings, IMBALANCE_RATIO, TINY_CLASS } from '../../../src/engine/tfjs/data/report';
import { sniffFormat } from '../../../src/engine/tfjs/data/sniff';
import { strataFor, stratifiedSplit } from '../../../src/engine/tfjs/data/split';
import { ROOT, snapshotDir, tempDir } from '../../helpers/fixtures';

const FASHION = path.join(ROOT, 'examples', 'fashion-mini');
const FASHION_TRAIN = path.join(FASHION, 'train');
const FASHION_TEST = path.join(FASHION, 'test');
const FASHION_CLASSES = fs.readdirSync(FASHION_TRAIN).sort();
const GREY28: ImageSpec = { height: 28, width: 28, channels: 1, preprocess: '0,1' };

// --- helpers ----------------------------------------------------------------------------------

function options(train: string, extra: Partial<DatasetOptions> = {}): DatasetOptions {
  return { train, validationSplit: 0, task: 'single-label', seed: 1, maxSkipped: 0.1, image: GREY28, ...extra };
}

/** The fashion-mini PNGs of one class, sorted. */
function fashion(cls: string, split: 'train' | 'test' = 'train'): string[] {
  const dir = path.join(FASHION, split, cls);
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
}

/** Copies `n` fashion images of `from` into `dir/<to>/` (0.png, 1.png, …); returns the copies. */
function copyClass(dir: string, to: string, n: number, from = to): string[] {
  const src = fashion(from).concat(fashion(from, 'test'));
  assert.ok(n <= src.length, `fashion-mini has ${src.length} images of ${from}`);
  fs.mkdirSync(path.join(dir, to), { recursive: true });
  return src.slice(0, n).map((s, i) => {
    const dst = path.join(dir, to, `${i}.png`);
    fs.copyFileSync(s, dst);
    return dst;
  });
}

type Format = 'png' | 'jpeg' | 'webp' | 'tiff' | 'gif';

/** Writes raw 8-bit pixels (HWC) as an image file; 1 channel is written as a true grey image. */
async function writeImage(file: string, width: number, height: number, channels: 1 | 3 | 4, pixels: ArrayLike<number>, format: Format = 'png'): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let s = sharp(Buffer.from(Uint8Array.from(pixels)), { raw: { width, height, channels } });
  if (channels === 1) s = s.toColourspace('b-w');
  if (format === 'png') s = s.png();
  else if (format === 'jpeg') s = s.jpeg({ quality: 95 });
  else if (format === 'webp') s = s.webp({ lossless: true });
  else if (format === 'tiff') s = s.tiff({ compression: 'lzw' });
  else s = s.gif();
  await s.toFile(file);
  return file;
}

/** An image of one colour. */
function solid(file: string, width: number, height: number, rgb: [number, number, number], format: Format = 'png'): Promise<string> {
  const px: number[] = [];
  for (let i = 0; i < width * height; i++) px.push(...rgb);
  return writeImage(file, width, height, 3, px, format);
}

async function rejectsWithUserError(p: Promise<unknown>, pattern: RegExp, file?: string): Promise<UserError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `expected a UserError matching ${pattern}, but it resolved`);
  assert.ok(isUserError(error), `expected a UserError, got ${(error as Error).stack}`);
  assert.match(error.oneLine(), pattern);
  if (file !== undefined) assert.equal(error.file, file);
  return error;
}

const files = (examples: Example[]): string[] => examples.map((e) => e.file);
const sortedFiles = (examples: Example[]): string[] => files(examples).sort();

/** Every batch of one pass, as plain arrays (tensors disposed). */
async function collect(ds: Dataset, examples: Example[], opts: BatchOptions): Promise<{ files: string[]; xs: Float32Array[]; ys: number[][][]; sizes: number[] }> {
  const out = { files: [] as string[], xs: [] as Float32Array[], ys: [] as number[][][], sizes: [] as number[] };
  for await (const b of batches(ds, examples, opts) as AsyncGenerator<Batch>) {
    assert.deepEqual(b.xs.shape, [b.examples.length, ds.image.height, ds.image.width, ds.image.channels]);
    assert.deepEqual(b.ys.shape, [b.examples.length, ds.labels.length]);
    out.files.push(...files(b.examples));
    out.xs.push(b.xs.dataSync() as Float32Array);
    out.ys.push(b.ys.arraySync());
    out.sizes.push(b.examples.length);
    tf.dispose([b.xs, b.ys]);
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// --- image folders ----------------------------------------------------------------------------

describe('data: image folders', () => {
  it('opens fashion-mini: 10 sorted classes, stratified validation split, the test folder, nothing skipped or written', async () => {
    const before = snapshotDir(FASHION);
    const ds = await openDataset(options(FASHION_TRAIN, { test: FASHION_TEST, validationSplit: 0.2 }));
    assert.deepEqual(ds.labels, FASHION_CLASSES);
    assert.equal(ds.labels.length, 10);
    // 12 per class, round(12 × 0.2) = 2 to validation; 6 per class in test
    assert.deepEqual(ds.report.classes, FASHION_CLASSES.map((label) => ({ label, train: 10, validation: 2, test: 6 })));
    assert.deepEqual(ds.report.total, { train: 100, validation: 20, test: 60 });
    assert.deepEqual(ds.report.skipped, []);
    assert.deepEqual(ds.report.warnings, []);
    assert.equal(ds.report.streaming, false);
    assert.deepEqual(ds.report.imageSize, [28, 28]);
    // each example's class is the folder it came from
    for (const e of [...ds.train, ...ds.validation, ...ds.test]) assert.equal(ds.labels[e.classes[0]!], path.basename(path.dirname(e.file)));
    // train and validation partition the training folder
    assert.deepEqual([...files(ds.train), ...files(ds.validation)].sort(), FASHION_CLASSES.flatMap((c) => fashion(c)).sort());
    // thumbnails: a few training files of each class
    for (const [label, list] of Object.entries(ds.report.examples)) {
      assert.ok(list.length > 0 && list.length <= 6, label);
      for (const f of list) assert.equal(path.basename(path.dirname(f)), label);
    }
    assert.deepEqual(snapshotDir(FASHION), before);
  });

  it('reads jpg, png, webp, gif, tiff from nested sub-folders; hidden and system files ignored; other files skipped with reasons', async () => {
    const dir = tempDir();
    const [bag] = fashion('bag');
    const px = (await sharp(bag!).raw().toBuffer());
    const want = [
      await writeImage(path.join(dir, 'cat', 'a.jpg'), 28, 28, 3, px, 'jpeg'),
      await writeImage(path.join(dir, 'cat', 'sub', 'deeper', 'b.webp'), 28, 28, 3, px, 'webp'),
      await writeImage(path.join(dir, 'cat', 'c.gif'), 28, 28, 3, px, 'gif'),
      await writeImage(path.join(dir, 'dog', 'd.PNG'), 28, 28, 3, px, 'png'),
      await writeImage(path.join(dir, 'dog', 'e.tiff'), 28, 28, 3, px, 'tiff'),
      await writeImage(path.join(dir, 'dog', 'f.jpeg'), 28, 28, 3, px, 'jpeg'),
    ];
    // never data, never reported
    fs.writeFileSync(path.join(dir, 'dog', '.DS_Store'), 'x');
    fs.writeFileSync(path.join(dir, 'dog', 'Thumbs.db'), 'x');
    fs.writeFileSync(path.join(dir, 'cat', 'desktop.ini'), 'x');
    fs.writeFileSync(path.join(dir, 'cat', '._a.jpg'), 'AppleDouble'); // macOS resource fork
    await writeImage(path.join(dir, 'dog', '.thumbnails', 'x.png'), 28, 28, 3, px);
    await writeImage(path.join(dir, '.hidden-class', 'x.png'), 28, 28, 3, px);
    // listed as skipped
    fs.writeFileSync(path.join(dir, 'cat', 'notes.txt'), 'not a picture');
    fs.writeFileSync(path.join(dir, 'dog', 'README'), 'not a picture');

    const ds = await openDataset(options(dir, { maxSkipped: 0.5 }));
    assert.deepEqual(ds.labels, ['cat', 'dog']);
    assert.deepEqual(sortedFiles(ds.train), want.slice().sort());
    assert.deepEqual(ds.report.skipped.sort((a, b) => a.file.localeCompare(b.file)), [
      { file: path.join(dir, 'cat', 'notes.txt'), reason: 'not an image (.txt)' },
      { file: path.join(dir, 'dog', 'README'), reason: 'not an image (no extension)' },
    ]);
    assert.deepEqual(ds.report.warnings.filter((w) => !/very few/.test(w)), []);
    for (const e of ds.train) assert.equal((await ds.load(e)).length, 28 * 28);
  });

  it('sorts labels and files by name whatever order they were created in (the split does not depend on the file system)', async () => {
    const dir = tempDir();
    // Node lists folders in byte order (Q before a); the pipeline sorts by name as people read it
    const names = ['m', 'C', 'x', 'a', 'Q', 'b'];
    for (const [i, label] of ['zebra', 'Apple', 'mango', 'banana'].entries()) {
      fs.mkdirSync(path.join(dir, label));
      names.forEach((n, k) => fs.copyFileSync(fashion(FASHION_CLASSES[i]!)[k]!, path.join(dir, label, `${n}.png`)));
    }
    const ds = await openDataset(options(dir));
    assert.deepEqual(ds.labels, ['Apple', 'banana', 'mango', 'zebra']);
    assert.deepEqual(files(ds.train), ds.labels.flatMap((l) => ['a', 'b', 'C', 'm', 'Q', 'x'].map((n) => path.join(dir, l, `${n}.png`))));
    for (const e of ds.train) assert.equal(ds.labels[e.classes[0]!], path.basename(path.dirname(e.file)));
  });

  it('warns about an empty class folder (or one holding only hidden files) and leaves it out', async () => {
    const dir = tempDir();
    copyClass(dir, 'bag', 3);
    copyClass(dir, 'coat', 3);
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.mkdirSync(path.join(dir, 'only-hidden'));
    fs.writeFileSync(path.join(dir, 'only-hidden', '.DS_Store'), 'x');
    const ds = await openDataset(options(dir));
    assert.deepEqual(ds.labels, ['bag', 'coat']);
    assert.ok(ds.report.warnings.includes('class folder "empty" has no images: left out'), ds.report.warnings.join('\n'));
    assert.ok(ds.report.warnings.includes('class folder "only-hidden" has no images: left out'), ds.report.warnings.join('\n'));
  });

  it('ignores the __MACOSX folder a zip made on a Mac leaves behind (no class, no warning)', async () => {
    const dir = tempDir();
    copyClass(dir, 'bag', 5);
    copyClass(dir, 'coat', 5);
    fs.mkdirSync(path.join(dir, '__MACOSX', 'bag'), { recursive: true });
    fs.writeFileSync(path.join(dir, '__MACOSX', 'bag', '._0.png'), 'AppleDouble');
    const ds = await openDataset(options(dir));
    assert.deepEqual(ds.labels, ['bag', 'coat']);
    assert.deepEqual(ds.report.warnings, []);
    assert.deepEqual(ds.report.skipped, []);
  });

  it('warns about loose images at the top level and ignores them', async () => {
    const dir = tempDir();
    copyClass(dir, 'bag', 5);
    copyClass(dir, 'coat', 5);
    fs.copyFileSync(fashion('dress')[0]!, path.join(dir, 'stray.png'));
    fs.copyFileSync(fashion('dress')[1]!, path.join(dir, 'stray2.jpg'));
    const ds = await openDataset(options(dir));
    assert.deepEqual(ds.labels, ['bag', 'coat']);
    assert.equal(ds.train.length, 10);
    assert.ok(ds.report.warnings.includes(`2 image(s) directly in ${dir} are not in a class folder: ignored`), ds.report.warnings.join('\n'));
  });

  it('refuses a folder of images without class folders, a single class, and a folder for multi-label or regression', async () => {
    const loose = tempDir();
    fs.copyFileSync(fashion('bag')[0]!, path.join(loose, 'a.png'));
    fs.copyFileSync(fashion('bag')[1]!, path.join(loose, 'b.png'));
    await rejectsWithUserError(openDataset(options(loose)), /found 2 image\(s\) but no class folders/, loose);

    const one = tempDir();
    copyClass(one, 'bag', 4);
    const before = snapshotDir(one);
    const e = await rejectsWithUserError(openDataset(options(one)), /single-label classification needs at least 2 classes with images; found 1 \("bag"\)/, one);
    assert.match(e.hint ?? '', /multi-label/);
    assert.deepEqual(snapshotDir(one), before);

    copyClass(one, 'coat', 4);
    await rejectsWithUserError(openDataset(options(one, { task: 'multi-label' })), /multi-label data needs a CSV/, one);
    await rejectsWithUserError(openDataset(options(one, { task: 'regression' })), /regression needs a CSV/, one);
  });

  it('refuses missing data paths (training, validation, test) and a file that is neither folder nor CSV', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nope');
    await rejectsWithUserError(openDataset(options(missing)), /training data not found/, missing);
    await rejectsWithUserError(openDataset(options(FASHION_TRAIN, { validation: missing })), /validation data not found/, missing);
    await rejectsWithUserError(openDataset(options(FASHION_TRAIN, { test: missing })), /test data not found/, missing);
    const json = path.join(dir, 'data.json');
    fs.writeFileSync(json, '{}');
    await rejectsWithUserError(openDataset(options(json)), /must be a folder with one sub-folder per class, or a CSV/, json);
  });

  it('refuses a validation or test class the training data does not have, naming the file', async () => {
    const train = tempDir();
    copyClass(train, 'bag', 3);
    copyClass(train, 'coat', 3);
    const val = tempDir();
    copyClass(val, 'bag', 2);
    copyClass(val, 'hat', 2, 'sandal');
    await rejectsWithUserError(openDataset(options(train, { validation: val })), /the validation data has a class the training data does not: "hat" \(hat[\\/]0\.png\)/, val);
    await rejectsWithUserError(openDataset(options(train, { test: val })), /the test data has a class the training data does not: "hat"/, val);
  });

  it('uses the recipe\'s label order when given, and refuses a training label not in it', async () => {
    const dir = tempDir();
    copyClass(dir, 'bag', 3);
    copyClass(dir, 'coat', 3);
    const ds = await openDataset(options(dir, { labels: ['coat', 'bag'] }));
    assert.deepEqual(ds.labels, ['coat', 'bag']);
    for (const e of ds.train) assert.equal(ds.labels[e.classes[0]!], path.basename(path.dirname(e.file)));
    await rejectsWithUserError(openDataset(options(dir, { labels: ['coat', 'dress'] })), /label "bag" \(bag[\\/]0\.png\) is not one of the recipe's "labels" \(coat, dress\)/, dir);
  });
});

// --- CSV ----------------------------------------------------------------------------------------

describe('data: CSV', () => {
  /** A folder with images img/<i>.png (fashion bag, coat, dress, … in turn) and a CSV written beside them. */
  function csvDataset(n: number): { dir: string; img: string[] } {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'img'));
    const img = Array.from({ length: n }, (_, i) => {
      const f = path.join(dir, 'img', `${i}.png`);
      fs.copyFileSync(fashion(FASHION_CLASSES[i % FASHION_CLASSES.length]!)[Math.floor(i / FASHION_CLASSES.length)]!, f);
      return f;
    });
    return { dir, img };
  }

  it('single-label path,label: header, byte-order mark, CRLF, comments, quotes; duplicates warned; missing files skipped with the line', async () => {
    const { dir, img } = csvDataset(6);
    const csv = path.join(dir, 'labels.csv');
    fs.writeFileSync(csv, '\uFEFFfilename,label\r\n# a comment\r\nimg/0.png,cat\r\n"img/1.png",cat\r\n\r\nimg/2.png, dog \r\nimg/3.png,dog\r\nimg/0.png,cat\r\nimg/gone.png,dog\r\n');
    const before = snapshotDir(dir);
    const ds = await openDataset(options(csv, { maxSkipped: 0.25 }));
    assert.deepEqual(ds.labels, ['cat', 'dog']);
    assert.deepEqual(ds.train.map((e) => [e.file, e.classes]), [[img[0], [0]], [img[1], [0]], [img[2], [1]], [img[3], [1]]]);
    assert.deepEqual(ds.report.skipped, [{ file: path.join(dir, 'img', 'gone.png'), reason: 'missing: listed on line 9 of labels.csv' }]);
    assert.ok(ds.report.warnings.includes('labels.csv: 1 line(s) list an image already listed: only the first is used'), ds.report.warnings.join('\n'));
    assert.deepEqual(snapshotDir(dir), before);
  });

  it('without a header, and tab-separated (.tsv)', async () => {
    const { dir, img } = csvDataset(4);
    const csv = path.join(dir, 'plain.csv');
    fs.writeFileSync(csv, 'img/0.png,b\nimg/1.png,a\nimg/2.png,b\nimg/3.png,a\n');
    const ds = await openDataset(options(csv));
    assert.deepEqual(ds.labels, ['a', 'b']);
    assert.deepEqual(ds.train.map((e) => e.classes[0]), [1, 0, 1, 0]);
    const tsv = path.join(dir, 'labels.tsv');
    fs.writeFileSync(tsv, 'path\tlabel\nimg/0.png\tx y\nimg/1.png\tz\n');
    const t = await openDataset(options(tsv));
    assert.deepEqual(t.labels, ['x y', 'z']);
    assert.deepEqual(t.train.map((e) => [e.file, e.classes]), [[img[0], [0]], [img[1], [1]]]);
  });

  it('multi-label path,label1|label2: sorted union of labels, an empty cell is no label, multi-hot targets', async () => {
    const { dir, img } = csvDataset(4);
    const csv = path.join(dir, 'tags.csv');
    fs.writeFileSync(csv, 'path,labels\nimg/0.png,cat|dog\nimg/1.png,dog\nimg/2.png,\nimg/3.png,cat | bird|cat\n');
    const ds = await openDataset(options(csv, { task: 'multi-label' }));
    assert.deepEqual(ds.labels, ['bird', 'cat', 'dog']);
    assert.deepEqual(ds.train.map((e) => [e.file, e.classes]), [[img[0], [1, 2]], [img[1], [2]], [img[2], []], [img[3], [1, 0]]]);
    const ys = encodeTargets(ds, ds.train);
    assert.deepEqual(ys.arraySync(), [[0, 1, 1], [0, 0, 1], [0, 0, 0], [1, 1, 0]]);
    ys.dispose();
    assert.deepEqual(ds.report.classes.map((c) => [c.label, c.train]), [['bird', 1], ['cat', 2], ['dog', 2]]);
  });

  it('regression path,y1,y2: a header names the targets, otherwise y1…yn; values become the targets', async () => {
    const { dir, img } = csvDataset(3);
    const named = path.join(dir, 'named.csv');
    fs.writeFileSync(named, 'file,angle,size\nimg/0.png,10.5,-1\nimg/1.png,0,2e3\nimg/2.png,-7,0.25\n');
    const ds = await openDataset(options(named, { task: 'regression' }));
    assert.deepEqual(ds.labels, ['angle', 'size']);
    assert.deepEqual(ds.train.map((e) => [e.file, e.classes, e.values]), [[img[0], [], [10.5, -1]], [img[1], [], [0, 2000]], [img[2], [], [-7, 0.25]]]);
    assert.deepEqual(ds.report.classes, []);
    const ys = encodeTargets(ds, ds.train);
    assert.deepEqual(ys.arraySync(), [[10.5, -1], [0, 2000], [-7, 0.25]]);
    ys.dispose();

    const bare = path.join(dir, 'bare.csv');
    fs.writeFileSync(bare, 'img/0.png,1,2,3\nimg/1.png,4,5,6\n');
    const b = await openDataset(options(bare, { task: 'regression' }));
    assert.deepEqual(b.labels, ['y1', 'y2', 'y3']);
    assert.deepEqual(b.train.map((e) => e.values), [[1, 2, 3], [4, 5, 6]]);
  });

  it('a line that does not fit the task is a UserError naming the CSV and the line', async () => {
    const { dir } = csvDataset(3);
    const cases: [DatasetOptions['task'], string, RegExp][] = [
      ['single-label', 'path,label\nimg/0.png,cat\nimg/1.png,cat,dog\n', /line 3: expected 2 columns \(path,label\), got 3 — several labels per image: set "task": "multi-label"/],
      ['single-label', 'img/0.png,cat\nimg/1.png,cat|dog\n', /line 2: "cat\|dog" has several labels — set "task": "multi-label"/],
      ['single-label', 'img/0.png,cat\nimg/1.png,\n', /line 2: the label is empty/],
      ['single-label', 'img/0.png,0.5,1.5\n', /line 1: expected 2 columns .* these look like regression targets: set "task": "regression"/],
      ['multi-label', 'img/0.png,cat,dog\n', /line 1: expected 2 columns \(path,label1\|label2\), got 3 — separate several labels with \|/],
      ['regression', 'path,y\nimg/0.png,1\nimg/1.png,big\n', /line 3: regression targets must be numbers, got "big"/],
      ['regression', 'img/0.png,1,2\nimg/1.png,3\n', /line 2: expected 2 target\(s\), got 1/],
      ['regression', 'img/0.png,1\nimg/1.png\n', /line 2: a regression CSV needs path,y1\[,y2,…\]; got 1 column\(s\)/],
      ['regression', 'img/0.png,1\nimg/1.png,\n', /line 2: a regression CSV needs path,y1\[,y2,…\]; got 1 column\(s\)/],
      ['multi-label', 'img/0.png,a\nimg/1.png\n', /line 2: expected 2 columns \(path,label1\|label2\), got 1/],
      ['single-label', 'path,label\n,cat\n', /line 2: the first column must be an image path/],
    ];
    for (const [i, [task, text, pattern]] of cases.entries()) {
      const csv = path.join(dir, `bad${i}.csv`);
      fs.writeFileSync(csv, text);
      const e = await rejectsWithUserError(openDataset(options(csv, { task })), pattern, csv);
      assert.ok(e.oneLine().startsWith(`${csv}: line `), e.oneLine());
    }
  });

  it('a CSV whose images are mostly missing fails past maxSkipped, naming the CSV and the lines', async () => {
    const { dir } = csvDataset(2);
    const csv = path.join(dir, 'labels.csv');
    fs.writeFileSync(csv, 'img/0.png,a\nimg/1.png,b\nimg/x.png,a\nimg/y.png,b\n');
    const e = await rejectsWithUserError(openDataset(options(csv, { maxSkipped: 0.25 })), /2 of 4 files cannot be used \(2 missing\), more than the 25% allowed: .*x\.png \(missing: listed on line 3 of labels\.csv\); .*y\.png \(missing: listed on line 4 of labels\.csv\)/, csv);
    assert.match(e.hint ?? '', /maxSkipped/);
    const ds = await openDataset(options(csv, { maxSkipped: 0.5 }));
    assert.deepEqual(ds.report.skipped.map((s) => s.reason), ['missing: listed on line 3 of labels.csv', 'missing: listed on line 4 of labels.csv']);
  });

  it('a validation CSV with a label training does not have is a UserError naming it', async () => {
    const { dir } = csvDataset(4);
    const train = path.join(dir, 'train.csv');
    const val = path.join(dir, 'val.csv');
    fs.writeFileSync(train, 'img/0.png,a\nimg/1.png,b\n');
    fs.writeFileSync(val, 'img/2.png,a\nimg/3.png,c\n');
    await rejectsWithUserError(openDataset(options(train, { validation: val })), /the validation data has a class the training data does not: "c" \(img[\\/]3\.png\)/, val);
  });
});

// --- decoding -----------------------------------------------------------------------------------

describe('data: decoding', () => {
  it('cover crops the centre; fill stretches (nothing lost)', async () => {
    const dir = tempDir();
    // 6×2 grey, columns 0 0 100 200 255 255
    const file = await writeImage(path.join(dir, 'wide.png'), 6, 2, 1, [0, 0, 100, 200, 255, 255, 0, 0, 100, 200, 255, 255]);
    assert.deepEqual([...await decodeImage(file, { height: 2, width: 2, channels: 1 })], [100, 200, 100, 200]); // default: cover
    assert.deepEqual([...await decodeImage(file, { height: 2, width: 2, channels: 1, fit: 'cover' })], [100, 200, 100, 200]);
    const fill = await decodeImage(file, { height: 2, width: 2, channels: 1, fit: 'fill' });
    // each output column averages three input columns: the dark left and the bright right survive
    assert.ok(fill[0]! < 60 && fill[1]! > 200, `${[...fill]}`);
    assert.deepEqual([fill[2], fill[3]], [fill[0], fill[1]]);
  });

  it('converts grey ⇄ RGB (grey replicated; BT.601 luma with rounding)', async () => {
    const dir = tempDir();
    const grey = await writeImage(path.join(dir, 'grey.png'), 2, 2, 1, [0, 50, 200, 255]);
    assert.equal((await sharp(grey).metadata()).channels, 1);
    assert.deepEqual([...await decodeImage(grey, { height: 2, width: 2, channels: 3 })], [0, 0, 0, 50, 50, 50, 200, 200, 200, 255, 255, 255]);
    assert.deepEqual([...await decodeImage(grey, { height: 2, width: 2, channels: 1 })], [0, 50, 200, 255]);
    const rgb = await writeImage(path.join(dir, 'rgb.png'), 2, 2, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 60]);
    // 0.299 R + 0.587 G + 0.114 B: 76.2, 149.7, 29.1, 127.2
    assert.deepEqual([...await decodeImage(rgb, { height: 2, width: 2, channels: 1 })], [76, 150, 29, 127]);
    assert.deepEqual([luma(255, 255, 255), luma(0, 0, 0), luma(1, 1, 1)], [255, 0, 1]);
    assert.deepEqual([...toChannels(Uint8Array.from([9, 8, 7, 6, 5, 4]), 3, 3)], [9, 8, 7, 6, 5, 4]);
    assert.deepEqual([...toChannels(Uint8Array.from([9, 128, 7, 0]), 2, 3)], [9, 9, 9, 7, 7, 7]); // grey + alpha
  });

  it('flattens transparency on white', async () => {
    const dir = tempDir();
    // transparent red, half-transparent red, opaque blue, opaque (10,20,30)
    const file = await writeImage(path.join(dir, 'rgba.png'), 2, 2, 4, [255, 0, 0, 0, 255, 0, 0, 128, 0, 0, 255, 255, 10, 20, 30, 255]);
    assert.equal((await sharp(file).metadata()).hasAlpha, true);
    const px = await decodeImage(file, { height: 2, width: 2, channels: 3 });
    assert.deepEqual([...px.subarray(0, 3)], [255, 255, 255]);
    assert.deepEqual([...px.subarray(6)], [0, 0, 255, 10, 20, 30]);
    // 50 % red over white: 255 red, about 127 green and blue
    assert.equal(px[3], 255);
    assert.ok(Math.abs(px[4]! - 127) <= 1 && Math.abs(px[5]! - 127) <= 1, `${[...px]}`);
  });

  it('applies the EXIF orientation before fitting', async () => {
    const dir = tempDir();
    // 4 wide × 2 high: left half black, right half white; orientation 6 = rotate 90° clockwise to view
    const px: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) px.push(x < 2 ? 0 : 255, x < 2 ? 0 : 255, x < 2 ? 0 : 255);
    const file = path.join(dir, 'rotated.jpg');
    await sharp(Buffer.from(px), { raw: { width: 4, height: 2, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file);
    assert.equal((await sharp(file).metadata()).orientation, 6);
    // viewed: 2 wide × 4 high, the black half on top
    const out = await decodeImage(file, { height: 4, width: 2, channels: 1, fit: 'fill' });
    assert.ok([...out.subarray(0, 4)].every((v) => v < 20) && [...out.subarray(4)].every((v) => v > 235), `${[...out]}`);
  });

  it('takes the first frame of an animated GIF', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'anim.gif');
    const black = Buffer.alloc(4 * 4 * 3, 0);
    const white = Buffer.alloc(4 * 4 * 3, 255);
    await sharp(Buffer.concat([black, white]), { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toFile(file);
    assert.equal((await sharp(file).metadata()).pages, 2);
    assert.deepEqual([...await decodeImage(file, { height: 4, width: 4, channels: 1 })], new Array(16).fill(0));
    const other = path.join(dir, 'anim2.gif');
    await sharp(Buffer.concat([white, black]), { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toFile(other);
    assert.deepEqual([...await decodeImage(other, { height: 4, width: 4, channels: 1 })], new Array(16).fill(255));
  });

  it('the same picture as PNG, lossless WebP, TIFF and JPEG decodes to the same pixels (JPEG: nearly)', async () => {
    const dir = tempDir();
    const src = fashion('sneaker')[3]!;
    const { data, info } = await sharp(src).raw().toBuffer({ resolveWithObject: true });
    const ref = await decodeImage(src, GREY28);
    for (const format of ['png', 'webp', 'tiff'] as const) {
      const f = await writeImage(path.join(dir, `x.${format}`), info.width, info.height, info.channels as 3, data, format);
      assert.deepEqual(await decodeImage(f, GREY28), ref, format);
    }
    const jpg = await writeImage(path.join(dir, 'x.jpg'), info.width, info.height, info.channels as 3, data, 'jpeg');
    const j = await decodeImage(jpg, GREY28);
    const mean = j.reduce((s, v, i) => s + Math.abs(v - ref[i]!), 0) / j.length;
    assert.ok(mean < 3, `JPEG mean abs difference ${mean}`);
  });

  it('sniffs formats from the first bytes', () => {
    const bytes = (s: string, prefix: number[] = []): Uint8Array => Uint8Array.from([...prefix, ...Buffer.from(s, 'latin1')]);
    assert.equal(sniffFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'JPEG');
    assert.equal(sniffFormat(bytes('PNG\r\n', [0x89])), 'PNG');
    assert.equal(sniffFormat(bytes('GIF89a')), 'GIF');
    assert.equal(sniffFormat(bytes('RIFF\0\0\0\0WEBPVP8 ')), 'WebP');
    assert.equal(sniffFormat(bytes('II*\0')), 'TIFF');
    assert.equal(sniffFormat(bytes('BM6\0\0\0')), 'BMP');
    assert.equal(sniffFormat(bytes('\0\0\0\x1cftypheic')), 'HEIC');
    assert.equal(sniffFormat(bytes('\0\0\0\x1cftypavif')), 'AVIF');
    assert.equal(sniffFormat(bytes('hello, world')), undefined);
    assert.equal(sniffFormat(new Uint8Array(0)), undefined);
  });

  it('loadImageFile decodes and normalises as the model expects', async () => {
    const dir = tempDir();
    const file = await solid(path.join(dir, 'c.png'), 5, 3, [255, 0, 51]);
    const x = await loadImageFile(file, { height: 2, width: 2, channels: 3, preprocess: '-1,1' });
    assert.equal(x.length, 12);
    for (let i = 0; i < 4; i++) assert.deepEqual([...x.subarray(i * 3, i * 3 + 3)].map((v) => Math.round(v * 1e5) / 1e5), [1, -1, -0.6]);
  });
});

// --- normalisation ------------------------------------------------------------------------------

describe('data: normalisation', () => {
  const close = (actual: Float32Array, expected: number[], what: string): void => {
    assert.equal(actual.length, expected.length, what);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-6, `${what}[${i}]: ${actual[i]} ≠ ${expected[i]}`);
  };

  it('"0,1", "-1,1", "none" give the exact values for known pixels', () => {
    const px = Uint8Array.from([0, 51, 102, 255]);
    const out = new Float32Array(4);
    normalize(px, 1, '0,1', out);
    close(out, [0, 0.2, 0.4, 1], '0,1');
    normalize(px, 1, '-1,1', out);
    close(out, [-1, -0.6, -0.2, 1], '-1,1');
    normalize(px, 1, 'none', out);
    close(out, [0, 51, 102, 255], 'none');
    // at an offset, leaving the rest alone
    const big = new Float32Array(6).fill(7);
    normalize(Uint8Array.from([255, 0]), 1, '-1,1', big, 3);
    close(big, [7, 7, 7, 1, -1, 7], 'offset');
  });

  it('"imagenet" subtracts the mean and divides by the std per channel; grey uses their averages', () => {
    const out = new Float32Array(6);
    normalize(Uint8Array.from([255, 0, 51, 0, 255, 102]), 3, 'imagenet', out);
    close(out, [
      (1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.2 - 0.406) / 0.225,
      (0 - 0.485) / 0.229, (1 - 0.456) / 0.224, (0.4 - 0.406) / 0.225,
    ], 'rgb');
    assert.deepEqual([...IMAGENET_MEAN, ...IMAGENET_STD], [0.485, 0.456, 0.406, 0.229, 0.224, 0.225]);
    const grey = new Float32Array(2);
    normalize(Uint8Array.from([0, 255]), 1, 'imagenet', grey);
    close(grey, [(0 - 0.449) / 0.226, (1 - 0.449) / 0.226], 'grey');
  });

  it('dataset.load normalises decoded pixels with the recipe\'s preprocess', async () => {
    const dir = tempDir();
    await solid(path.join(dir, 'a', '0.png'), 3, 3, [255, 0, 51]);
    await solid(path.join(dir, 'b', '0.jpg'), 3, 3, [0, 0, 0], 'jpeg');
    const ds = await openDataset(options(dir, { image: { height: 2, width: 2, channels: 3, preprocess: 'imagenet' } }));
    const a = await ds.load(ds.train.find((e) => e.classes[0] === 0)!);
    const want = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.2 - 0.406) / 0.225];
    close(a, [...want, ...want, ...want, ...want], 'a');
  });
});

// --- split --------------------------------------------------------------------------------------

describe('data: split', () => {
  const ex = (classes: number[], i: number): Example => ({ file: `f${i}`, classes, values: [] });

  it('the same seed gives the same split; another seed another; train and validation partition the data', async () => {
    const a = await openDataset(options(FASHION_TRAIN, { validationSplit: 0.25, seed: 42 }));
    const b = await openDataset(options(FASHION_TRAIN, { validationSplit: 0.25, seed: 42 }));
    const c = await openDataset(options(FASHION_TRAIN, { validationSplit: 0.25, seed: 43 }));
    assert.deepEqual(files(a.train), files(b.train));
    assert.deepEqual(files(a.validation), files(b.validation));
    assert.notDeepEqual(sortedFiles(a.validation), sortedFiles(c.validation));
    for (const d of [a, c]) {
      const all = [...files(d.train), ...files(d.validation)];
      assert.equal(new Set(all).size, 120);
      // round(12 × 0.25) = 3 of every class to validation
      for (const cl of d.report.classes) assert.deepEqual([cl.train, cl.validation], [9, 3], cl.label);
    }
  });

  it('every class with ≥ 2 examples is in both splits; a single example stays in training; the fraction is respected', () => {
    const sizes = [2, 3, 1, 50, 7];
    const examples = sizes.flatMap((n, c) => Array.from({ length: n }, () => c)).map((c, i) => ex([c], i));
    // validation images per class: round(n × fraction), at least 1, never all; none of a single image
    const expected: [number, number[]][] = [[0.01, [1, 1, 0, 1, 1]], [0.1, [1, 1, 0, 5, 1]], [0.5, [1, 2, 0, 25, 4]], [0.99, [1, 2, 0, 49, 6]]];
    for (const [fraction, want] of expected) {
      const { train, validation } = stratifiedSplit(examples, fraction, 7, strataFor('single-label', examples));
      assert.deepEqual([...train, ...validation].map((e) => e.file).sort(), examples.map((e) => e.file).sort());
      assert.deepEqual(sizes.map((_, c) => validation.filter((e) => e.classes[0] === c).length), want, `at ${fraction}`);
      assert.deepEqual(sizes.map((_, c) => train.filter((e) => e.classes[0] === c).length), sizes.map((n, c) => n - want[c]!), `at ${fraction}`);
    }
    assert.deepEqual(stratifiedSplit(examples, 0, 7, () => 0), { train: examples, validation: [] });
  });

  it('multi-label strata: an example counts under its rarest label, so rare labels reach both splits', () => {
    // 20 images of "a"; 4 of them also "rare"; 2 without labels
    const examples = [
      ...Array.from({ length: 20 }, (_, i) => ex(i < 4 ? [0, 1] : [0], i)),
      ex([], 20), ex([], 21),
    ];
    const stratum = strataFor('multi-label', examples);
    assert.deepEqual(examples.map(stratum), [1, 1, 1, 1, ...new Array(16).fill(0), -1, -1]);
    for (const seed of [1, 2, 3]) {
      const { train, validation } = stratifiedSplit(examples, 0.25, seed, stratum);
      assert.equal(validation.filter((e) => e.classes.includes(1)).length, 1); // round(4 × 0.25)
      assert.equal(train.filter((e) => e.classes.includes(1)).length, 3);
      assert.equal(validation.filter((e) => e.classes.length === 0).length, 1);
      assert.equal(validation.length, 1 + 4 + 1);
    }
    assert.equal(strataFor('regression', examples)(examples[0]!), 0);
  });

  it('a separate validation folder is used as it is (no split of training)', async () => {
    const ds = await openDataset(options(FASHION_TRAIN, { validation: FASHION_TEST, validationSplit: 0.3 }));
    assert.equal(ds.train.length, 120);
    assert.deepEqual(sortedFiles(ds.validation), FASHION_CLASSES.flatMap((c) => fashion(c, 'test')).sort());
    assert.deepEqual(ds.report.total, { train: 120, validation: 60, test: 0 });
  });
});

// --- augmentation -------------------------------------------------------------------------------

describe('data: augmentation', () => {
  // a 3×4 RGB ramp: every pixel different
  const H = 3;
  const W = 4;
  const src = Uint8Array.from({ length: H * W * 3 }, (_, i) => (i * 7) % 256);
  const at = (px: ArrayLike<number>, y: number, x: number): number[] => Array.from({ length: 3 }, (_, k) => px[(y * W + x) * 3 + k]!);
  /** A random() that returns the given numbers in turn. */
  const sequence = (...values: number[]): (() => number) => { let i = 0; return () => values[i++ % values.length]!; };

  it('is the identity when nothing is on', async () => {
    assert.equal(isAugmenting(undefined), false);
    assert.equal(isAugmenting({}), false);
    assert.equal(isAugmenting({ flip: false, rotate: 0, zoom: 0, brightness: 0 }), false);
    assert.equal(isAugmenting({ rotate: 5 }), true);
    assert.deepEqual([...augment(src, H, W, 3, {}, Math.random)], [...src]);
    const ds = await openDataset(options(FASHION_TRAIN));
    const e = ds.train[0]!;
    assert.deepEqual(await ds.load(e, { flip: false, brightness: 0 }, Math.random), await ds.load(e));
    assert.deepEqual(await ds.load(e), await loadImageFile(e.file, GREY28));
  });

  it('a flip really mirrors each row (and a draw ≥ 0.5 keeps the image)', () => {
    const flipped = augment(src, H, W, 3, { flip: true }, () => 0.1);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) assert.deepEqual(at(flipped, y, x), at(src, y, W - 1 - x));
    assert.deepEqual([...augment(src, H, W, 3, { flip: true }, () => 0.9)], [...src]);
    // the warp path (zoom on, but by a hair; no shift) mirrors the same way
    const warped = augment(src, H, W, 3, { flip: true, zoom: 0.2 }, sequence(0.1, 1e-9, 0.5, 0.5));
    assert.ok(maxAbsDiff(warped, flipped) < 1e-3);
  });

  it('a 180° rotation turns the image upside down', () => {
    const out = augment(src, H, W, 3, { rotate: 180 }, () => 1); // angle = +180°
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      assert.ok(maxAbsDiff(at(out, y, x), at(src, H - 1 - y, W - 1 - x)) < 1e-3, `(${y}, ${x})`);
    }
  });

  it('brightness shifts every value and clamps to 0..255', () => {
    const edge = Uint8Array.from([0, 100, 250, 255, 10, 200]);
    const up = augment(edge, 1, 2, 3, { brightness: 0.2 }, () => 1); // +0.2 × 255 = +51
    assert.deepEqual([...up], [51, 151, 255, 255, 61, 251]);
    const down = augment(edge, 1, 2, 3, { brightness: 0.2 }, () => 0); // −51
    assert.deepEqual([...down], [0, 49, 199, 204, 0, 149]);
    // combined with rotation and zoom too
    const big = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i % 3 === 0 ? 255 : i % 3 === 1 ? 0 : 128));
    for (const r of [0, 1]) {
      const out = augment(big, 28, 28, 1, { brightness: 0.5, rotate: 30, zoom: 0.3 }, sequence(0.6, 0.7, 0.3, 0.9, r));
      assert.ok(out.every((v) => v >= 0 && v <= 255));
      assert.ok(out.some((v) => v === (r ? 255 : 0)), 'some values reach the clamp');
    }
  });

  it('seeded: the same seed gives the same image; another seed another', () => {
    const spec = { flip: true, rotate: 15, zoom: 0.2, brightness: 0.2 };
    const img = Uint8Array.from({ length: 28 * 28 * 3 }, (_, i) => (i * 31) % 256);
    const a = augment(img, 28, 28, 3, spec, rng(5));
    const b = augment(img, 28, 28, 3, spec, rng(5));
    const c = augment(img, 28, 28, 3, spec, rng(6));
    assert.deepEqual(a, b);
    assert.ok(maxAbsDiff(a, c) > 1);
    assert.ok(maxAbsDiff(a, img) > 1);
  });
});

// --- report -------------------------------------------------------------------------------------

describe('data: report', () => {
  it('counts per split, imbalance (largest / smallest ≥ 3) and tiny classes, skipped files with reasons', async () => {
    const dir = tempDir();
    copyClass(dir, 'many', 15, 'bag');
    copyClass(dir, 'mid', 6, 'coat');
    copyClass(dir, 'few', 4, 'dress');
    fs.writeFileSync(path.join(dir, 'few', 'broken.png'), 'this is text');
    const ds = await openDataset(options(dir, { validationSplit: 0 }));
    assert.deepEqual(ds.report.classes, [
      { label: 'few', train: 4, validation: 0, test: 0 },
      { label: 'many', train: 15, validation: 0, test: 0 },
      { label: 'mid', train: 6, validation: 0, test: 0 },
    ]);
    assert.deepEqual(ds.report.skipped, [{ file: path.join(dir, 'few', 'broken.png'), reason: 'not an image (the content is not a known image format)' }]);
    assert.deepEqual(ds.report.warnings, [
      'imbalanced classes: "many" has 15 training images, "few" 4 (3.8× fewer at most); consider "classWeights": "balanced" or more images of the small classes',
      `very few training images (< ${TINY_CLASS}) for: "few" (4)`,
    ]);
  });

  it('warns at exactly the imbalance ratio, not below; and about classes left without validation images', () => {
    const cls = (label: string, train: number, validation = 1): { label: string; train: number; validation: number; test: number } => ({ label, train, validation, test: 0 });
    assert.equal(IMBALANCE_RATIO, 3);
    assert.match(classWarnings('single-label', [cls('a', 15), cls('b', 5)], true).join('\n'), /imbalanced classes: "a" has 15 training images, "b" 5 \(3\.0× fewer/);
    assert.deepEqual(classWarnings('single-label', [cls('a', 14), cls('b', 5)], true), []);
    assert.deepEqual(classWarnings('single-label', [cls('a', 5), cls('b', 5, 0)], true), ['no validation images for: "b" (a class needs ≥ 2 images to be split)']);
    assert.deepEqual(classWarnings('single-label', [cls('a', 5), cls('b', 0)], true), ['no training images for: "b"']);
    assert.deepEqual(classWarnings('multi-label', [cls('a', 5)], true), ['only one label ("a"): the model learns yes/no for it']);
    assert.deepEqual(classWarnings('regression', [], true), []);
  });

  it('a class left with one image is in training only, and the report says so', async () => {
    const dir = tempDir();
    copyClass(dir, 'bag', 10);
    copyClass(dir, 'solo', 1, 'coat');
    const ds = await openDataset(options(dir, { validationSplit: 0.2 }));
    assert.deepEqual(ds.report.classes.map((c) => [c.label, c.train, c.validation]), [['bag', 8, 2], ['solo', 1, 0]]);
    assert.ok(ds.report.warnings.some((w) => w.startsWith('no validation images for: "solo"')), ds.report.warnings.join('\n'));
  });
});

// --- bad input ----------------------------------------------------------------------------------

describe('data: bad input', () => {
  /** 2 classes × 5 real images, plus the bad files `bad` writes into class "b". */
  async function withBadFiles(bad: (dir: string) => void | Promise<void>): Promise<string> {
    const dir = tempDir();
    copyClass(dir, 'a', 5, 'bag');
    copyClass(dir, 'b', 5, 'coat');
    await bad(path.join(dir, 'b'));
    return dir;
  }
  const png = fs.readFileSync(fashion('bag')[0]!);

  /** A valid 2×2 24-bit BMP (libvips here cannot read BMP). */
  function bmp(): Buffer {
    const b = Buffer.alloc(54 + 16);
    b.write('BM', 0, 'latin1'); b.writeUInt32LE(b.length, 2); b.writeUInt32LE(54, 10);
    b.writeUInt32LE(40, 14); b.writeInt32LE(2, 18); b.writeInt32LE(2, 22); b.writeUInt16LE(1, 26); b.writeUInt16LE(24, 28); b.writeUInt32LE(16, 34);
    b.fill(200, 54);
    return b;
  }

  it('corrupt, truncated, empty, fake and unsupported files are skipped with readable reasons; nothing is written', async () => {
    const jpeg = await sharp(png).jpeg().toBuffer();
    const dir = await withBadFiles((b) => {
      fs.writeFileSync(path.join(b, 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
      fs.writeFileSync(path.join(b, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
      fs.writeFileSync(path.join(b, 'zero.png'), '');
      fs.writeFileSync(path.join(b, 'text.jpg'), 'I am really a text file\n');
      fs.writeFileSync(path.join(b, 'old.bmp'), bmp());
      fs.writeFileSync(path.join(b, 'notes.txt'), 'hello');
    });
    const before = snapshotDir(dir);
    const logs: string[] = [];
    const ds = await openDataset(options(dir, { maxSkipped: 0.5 }), (l) => logs.push(l));
    const reasons = Object.fromEntries(ds.report.skipped.map((s) => [path.basename(s.file), s.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['notes.txt', 'old.bmp', 'text.jpg', 'truncated.jpg', 'truncated.png', 'zero.png']);
    assert.match(reasons['truncated.png']!, /^corrupt or truncated PNG \(/);
    assert.match(reasons['truncated.jpg']!, /^corrupt or truncated JPEG \(/);
    assert.equal(reasons['zero.png'], 'empty file (0 bytes)');
    assert.equal(reasons['text.jpg'], 'not an image (the content is not a known image format)');
    assert.equal(reasons['old.bmp'], 'unsupported format (BMP): convert it to PNG or JPEG');
    assert.equal(reasons['notes.txt'], 'not an image (.txt)');
    assert.equal(ds.train.length, 10);
    assert.ok(logs.some((l) => /6 file\(s\) skipped/.test(l)), logs.join('\n'));
    assert.deepEqual(snapshotDir(dir), before);
  });

  it('fails only past maxSkipped, with a UserError naming the folder', async () => {
    const dir = await withBadFiles((b) => {
      fs.writeFileSync(path.join(b, 'zero.png'), '');
      fs.writeFileSync(path.join(b, 'text.jpg'), 'text');
      fs.writeFileSync(path.join(b, 'cut.png'), png.subarray(0, 100));
    });
    // 3 of 13 unusable: 23 %
    const ok = await openDataset(options(dir, { maxSkipped: 0.25 }));
    assert.equal(ok.report.skipped.length, 3);
    const before = snapshotDir(dir);
    const e = await rejectsWithUserError(openDataset(options(dir, { maxSkipped: 0.2 })),
      /3 of 13 files cannot be used \(.*1 empty file.*\), more than the 20% allowed: /, dir);
    assert.match(e.message, /1 not an image/);
    assert.match(e.message, /1 corrupt or truncated PNG/);
    assert.match(e.hint ?? '', /data\.maxSkipped/);
    // at exactly the limit it still opens: 1 of 10 with 10 %
    const edge = await withBadFiles((b) => fs.writeFileSync(path.join(b, 'zero.png'), ''));
    fs.rmSync(path.join(edge, 'a', '4.png'));
    assert.equal((await openDataset(options(edge, { maxSkipped: 0.1 }))).report.skipped.length, 1);
    assert.deepEqual(snapshotDir(dir), before);
  });

  it('files that are not images by name (a README, a CSV) are listed but never count against maxSkipped', async () => {
    const dir = tempDir();
    copyClass(dir, 'a', 3, 'bag');
    copyClass(dir, 'b', 3, 'coat');
    for (const c of ['a', 'b']) {
      fs.writeFileSync(path.join(dir, c, 'README.txt'), 'notes');
      fs.writeFileSync(path.join(dir, c, 'labels.csv'), 'x,y');
    }
    // 4 non-image files beside 6 images: 40 % of the folder, far past a 10 % maxSkipped, and it opens
    const ds = await openDataset(options(dir, { maxSkipped: 0.1 }));
    assert.equal(ds.train.length + ds.validation.length, 6);
    assert.deepEqual(ds.report.skipped.map((x) => path.basename(x.file)).sort(), ['README.txt', 'README.txt', 'labels.csv', 'labels.csv']);
    assert.ok(ds.report.skipped.every((x) => /^not an image \(\.(txt|csv)\)$/.test(x.reason)));
  });

  it('too many unusable files in the validation folder: the error names that folder', async () => {
    const train = tempDir();
    copyClass(train, 'a', 6, 'bag');
    copyClass(train, 'b', 6, 'coat');
    const validation = tempDir();
    copyClass(validation, 'a', 2, 'bag');
    copyClass(validation, 'b', 2, 'coat');
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(validation, 'a', `broken-${i}.png`), 'not a png');
    await rejectsWithUserError(openDataset(options(train, { validation, maxSkipped: 0.1 })), /4 of 20 files cannot be used/, validation);
  });

  it('a class whose every image is unreadable is left out with a warning; if that leaves one class it is a UserError', async () => {
    const dir = tempDir();
    copyClass(dir, 'a', 5, 'bag');
    copyClass(dir, 'b', 5, 'coat');
    fs.mkdirSync(path.join(dir, 'c'));
    fs.writeFileSync(path.join(dir, 'c', 'x.png'), 'text');
    const ds = await openDataset(options(dir, { maxSkipped: 0.2 }));
    assert.deepEqual(ds.labels, ['a', 'b']);
    assert.ok(ds.report.warnings.includes('class "c": none of its images can be read: left out'), ds.report.warnings.join('\n'));
    fs.rmSync(path.join(dir, 'b'), { recursive: true });
    await rejectsWithUserError(openDataset(options(dir, { maxSkipped: 0.2 })), /needs at least 2 classes with images; found 1 \("a"\)/, dir);
  });

  it('images of mixed sizes, formats and channels all come out at the model\'s shape', async () => {
    const dir = tempDir();
    const img = Uint8Array.from({ length: 60 * 40 * 4 }, (_, i) => (i * 13) % 256);
    await writeImage(path.join(dir, 'a', 'wide.jpg'), 60, 20, 3, img.subarray(0, 60 * 20 * 3), 'jpeg');
    await writeImage(path.join(dir, 'a', 'tall-grey.png'), 7, 40, 1, img.subarray(0, 7 * 40));
    await writeImage(path.join(dir, 'a', 'tiny-rgba.webp'), 3, 2, 4, img.subarray(0, 3 * 2 * 4), 'webp');
    await writeImage(path.join(dir, 'b', 'big.tiff'), 60, 40, 4, img, 'tiff');
    await writeImage(path.join(dir, 'b', 'grey.gif'), 28, 28, 3, img.subarray(0, 28 * 28 * 3), 'gif');
    fs.copyFileSync(fashion('bag')[0]!, path.join(dir, 'b', 'fashion.png'));
    for (const image of [{ height: 16, width: 24, channels: 3, preprocess: '0,1' }, { height: 28, width: 28, channels: 1, preprocess: '-1,1' }] as ImageSpec[]) {
      const ds = await openDataset(options(dir, { image }));
      assert.equal(ds.train.length, 6);
      assert.deepEqual(ds.report.skipped, []);
      const got = await collect(ds, ds.train, { batchSize: 4, shuffle: false, seed: 1 });
      assert.deepEqual(got.sizes, [4, 2]);
      for (const xs of got.xs) assert.ok(xs.every((v) => v >= (image.preprocess === '0,1' ? 0 : -1) && v <= 1));
    }
  });
});

// --- streaming, cache and batches -----------------------------------------------------------------

describe('data: streaming and batches', () => {
  const PER = 28 * 28; // bytes per cached grey 28×28 image

  it('beyond the memory budget the cache stays under it, the report says streaming, and batches hold every example with the right pixels', async () => {
    const budget = PER * 10 + 100;
    const logs: string[] = [];
    const ds = await openDataset(options(FASHION_TRAIN, { memoryBudgetBytes: budget }), (l) => logs.push(l));
    assert.equal(ds.report.streaming, true);
    assert.ok(logs.some((l) => /streaming from disk/.test(l)), logs.join('\n'));
    assert.equal(ds.cache!.budgetBytes, budget);
    assert.equal(ds.cache!.count, 10);
    assert.ok(ds.cache!.sizeBytes <= budget);
    for (const epoch of [0, 1]) {
      const got = await collect(ds, ds.train, { batchSize: 16, shuffle: true, seed: 3, epoch });
      assert.ok(ds.cache!.sizeBytes <= budget, `cache ${ds.cache!.sizeBytes} > ${budget}`);
      assert.deepEqual(got.sizes, [16, 16, 16, 16, 16, 16, 16, 8]);
      assert.deepEqual(got.files.slice().sort(), sortedFiles(ds.train));
      // every example's pixels equal decoding it directly; its target is its one-hot class
      const xs = got.xs.flatMap((b) => Array.from({ length: b.length / PER }, (_, j) => b.subarray(j * PER, (j + 1) * PER)));
      const ys = got.ys.flat();
      for (const [i, file] of got.files.entries()) {
        assert.deepEqual(xs[i], await loadImageFile(file, GREY28), file);
        const c = ds.labels.indexOf(path.basename(path.dirname(file)));
        assert.deepEqual(ys[i], ds.labels.map((_, k) => (k === c ? 1 : 0)), file);
      }
    }
    assert.deepEqual(ds.report.skipped, []);
  });

  it('within the budget everything is cached and the report says so', async () => {
    const ds = await openDataset(options(FASHION_TRAIN, { test: FASHION_TEST }));
    assert.equal(ds.report.streaming, false);
    assert.equal(ds.cache!.count, 180);
    assert.equal(ds.cache!.sizeBytes, 180 * PER);
  });

  it('the same seed gives the same batches whether pixels come from the cache or from disk (augmentation included)', async () => {
    const opts = options(FASHION_TRAIN, { validationSplit: 0.2, seed: 9 });
    const cached = await openDataset(opts);
    const disk = await openDataset({ ...opts, memoryBudgetBytes: 0 });
    assert.equal(cached.cache!.count, 120);
    assert.equal(disk.cache!.count, 0);
    assert.deepEqual(files(cached.train), files(disk.train));
    const augmentSpec = { flip: true, rotate: 20, zoom: 0.2, brightness: 0.2 };
    for (const epoch of [0, 3]) {
      const a = await collect(cached, cached.train, { batchSize: 32, shuffle: true, seed: 5, epoch, augment: augmentSpec });
      const b = await collect(disk, disk.train, { batchSize: 32, shuffle: true, seed: 5, epoch, augment: augmentSpec });
      assert.deepEqual(a.files, b.files);
      assert.deepEqual(a.xs, b.xs);
      assert.deepEqual(a.ys, b.ys);
    }
    assert.equal(disk.cache!.sizeBytes, 0);
  });

  it('orders are seeded per epoch: repeatable, different between epochs, unshuffled when asked', async () => {
    const ds = await openDataset(options(FASHION_TRAIN));
    const order = async (o: Partial<BatchOptions>): Promise<string[]> => (await collect(ds, ds.train, { batchSize: 50, shuffle: true, seed: 1, ...o })).files;
    const e0 = await order({ epoch: 0 });
    assert.deepEqual(await order({ epoch: 0 }), e0);
    assert.deepEqual(await order({}), e0);
    const e1 = await order({ epoch: 1 });
    assert.notDeepEqual(e1, e0);
    assert.deepEqual(e1.slice().sort(), e0.slice().sort());
    assert.notDeepEqual(await order({ seed: 2 }), e0);
    assert.deepEqual(await order({ shuffle: false }), files(ds.train));
    // augmentation differs between epochs, but repeats for the same epoch
    const aug = { flip: true, brightness: 0.3 };
    const x0 = (await collect(ds, ds.train, { batchSize: 120, shuffle: false, seed: 1, epoch: 0, augment: aug })).xs[0]!;
    const x0b = (await collect(ds, ds.train, { batchSize: 120, shuffle: false, seed: 1, epoch: 0, augment: aug })).xs[0]!;
    const x1 = (await collect(ds, ds.train, { batchSize: 120, shuffle: false, seed: 1, epoch: 1, augment: aug })).xs[0]!;
    assert.deepEqual(x0, x0b);
    assert.notDeepEqual(x0, x1);
    assert.equal(numBatches(120, 50), 3);
    assert.equal(numBatches(0, 50), 0);
    await assert.rejects(collect(ds, ds.train, { batchSize: 0, shuffle: false, seed: 1 }), /batchSize must be a positive integer/);
  });

  it('a file that becomes unreadable after opening is skipped by batches() and added to the report, once', async () => {
    const dir = tempDir();
    const a = copyClass(dir, 'a', 12, 'bag');
    const b = copyClass(dir, 'b', 12, 'coat');
    const ds = await openDataset(options(dir, { memoryBudgetBytes: PER * 4, maxSkipped: 0.2 }));
    assert.equal(ds.report.streaming, true);
    assert.ok(ds.cache instanceof PixelCache);
    const uncached = [...a, ...b].filter((f) => !(ds.cache as PixelCache).get(f));
    assert.equal(uncached.length, 20);
    const [text, cut, gone] = uncached;
    fs.writeFileSync(text!, 'no longer an image');
    fs.writeFileSync(cut!, fs.readFileSync(fashion('dress')[0]!).subarray(0, 120));
    fs.rmSync(gone!);
    for (const epoch of [0, 1]) {
      const got = await collect(ds, ds.train, { batchSize: 5, shuffle: true, seed: 2, epoch });
      assert.equal(got.files.length, 21);
      assert.ok(![text, cut, gone].some((f) => got.files.includes(f!)));
      assert.equal(got.xs.reduce((n, x) => n + x.length, 0), 21 * PER);
      const reasons = Object.fromEntries(ds.report.skipped.map((s) => [s.file, s.reason]));
      assert.equal(ds.report.skipped.length, 3, JSON.stringify(ds.report.skipped));
      assert.equal(reasons[text!], 'not an image (the content is not a known image format)');
      assert.match(reasons[cut!]!, /^corrupt or truncated PNG/);
      assert.equal(reasons[gone!], 'file not found');
    }
    await assert.rejects(ds.load(ds.train.find((e) => e.file === gone)!), (e) => e instanceof UnreadableImageError && e.reason === 'file not found');
  });

  it('files failing late still count toward maxSkipped: past it batches() stops with a UserError naming the folder', async () => {
    const dir = tempDir();
    const a = copyClass(dir, 'a', 10, 'bag');
    copyClass(dir, 'b', 10, 'coat');
    const ds = await openDataset(options(dir, { memoryBudgetBytes: 0, maxSkipped: 0.1 }));
    for (const f of a.slice(0, 3)) fs.writeFileSync(f, 'broken');
    await rejectsWithUserError(collect(ds, ds.train, { batchSize: 4, shuffle: false, seed: 1 }), /3 of 20 files cannot be used \(3 not an image\), more than the 10% allowed/, dir);
  });

  it('with the pixels cached, a file removed after opening is still served', async () => {
    const dir = tempDir();
    const a = copyClass(dir, 'a', 3, 'bag');
    copyClass(dir, 'b', 3, 'coat');
    const ds = await openDataset(options(dir));
    const want = await ds.load(ds.train[0]!);
    fs.rmSync(a[0]!);
    assert.equal(ds.train[0]!.file, a[0]);
    assert.deepEqual(await ds.load(ds.train[0]!), want);
    assert.equal((await collect(ds, ds.train, { batchSize: 6, shuffle: false, seed: 1 })).files.length, 6);
  });
});

// --- targets ------------------------------------------------------------------------------------

describe('data: encodeTargets', () => {
  const e = (classes: number[], values: number[] = []): Example => ({ file: 'x', classes, values });

  it('one-hot (single-label), multi-hot (multi-label), the values (regression)', () => {
    const cases: [Pick<Dataset, 'task' | 'labels'>, Example[], number[][]][] = [
      [{ task: 'single-label', labels: ['a', 'b', 'c'] }, [e([2]), e([0]), e([1])], [[0, 0, 1], [1, 0, 0], [0, 1, 0]]],
      [{ task: 'multi-label', labels: ['a', 'b', 'c'] }, [e([0, 2]), e([]), e([1, 0, 2])], [[1, 0, 1], [0, 0, 0], [1, 1, 1]]],
      [{ task: 'regression', labels: ['y1', 'y2'] }, [e([], [1.5, -2]), e([], [0, 1e3])], [[1.5, -2], [0, 1000]]],
    ];
    for (const [ds, examples, want] of cases) {
      const t = encodeTargets(ds, examples);
      assert.deepEqual(t.shape, [examples.length, ds.labels.length]);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(t.arraySync(), want, ds.task);
      t.dispose();
    }
  });
});
