// The box readers' validation (src/engine/tfjs/data/annotations): every broken input is a UserError
// naming the file and the entry, with a hint; what can be fixed quietly (a box a pixel outside, a
// size the annotations leave out, a crowd or difficult flag) is, and said in the warnings.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { isUserError, type UserError } from '../../../src/core/errors';
import { readBoxDataset } from '../../../src/engine/tfjs/data/annotations';
import { tempDir } from '../../helpers/fixtures';

async function png(file: string, width = 96, height = 96, orientation?: number): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let img = sharp({ create: { width, height, channels: 3, background: '#4080c0' } }).png();
  if (orientation) img = sharp({ create: { width, height, channels: 3, background: '#4080c0' } }).jpeg().withMetadata({ orientation });
  await img.toFile(file);
  return file;
}

async function userError(p: Promise<unknown>, message: RegExp, where: { file?: string; jsonPath?: string; hint?: RegExp } = {}): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isUserError(e), `not a UserError: ${String(e)}`);
    assert.match(e.message, message);
    if (where.file) assert.equal(e.file, where.file);
    if (where.jsonPath) assert.equal(e.jsonPath, where.jsonPath);
    if (where.hint) assert.match(e.hint ?? '', where.hint);
    return e;
  }
  return assert.fail(`expected a UserError matching ${message}`);
}

describe('box annotations: COCO', () => {
  let dir: string;
  const write = (doc: unknown, name = 'ann.json'): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return f;
  };
  const base = (annotations: unknown[], extra: Record<string, unknown> = {}) => ({
    images: [{ id: 1, file_name: 'a.png', width: 96, height: 96 }, { id: 4, file_name: 'b.png', width: 96, height: 96 }],
    annotations,
    categories: [{ id: 5, name: 'square' }, { id: 2, name: 'circle' }],
    ...extra,
  });

  before(async () => {
    dir = tempDir('ts-coco-');
    await png(path.join(dir, 'images', 'a.png'));
    await png(path.join(dir, 'images', 'b.png'));
  });

  it('labels are the categories in id order; crowd boxes are kept, flagged difficult', async () => {
    const d = await readBoxDataset(write(base([
      { image_id: 1, category_id: 5, bbox: [10, 10, 20, 30] },
      { image_id: 4, category_id: 2, bbox: [0, 0, 48, 96], iscrowd: 1 },
    ])));
    assert.deepEqual(d.labels, ['circle', 'square']);
    assert.equal(d.images[0]!.file, path.join(dir, 'images', 'a.png'));
    assert.deepEqual(d.images[0]!.boxes, [{ label: 1, box: { x: 10 / 96, y: 10 / 96, w: 20 / 96, h: 30 / 96 } }]);
    assert.deepEqual(d.images[1]!.boxes, [{ label: 0, box: { x: 0, y: 0, w: 0.5, h: 1 }, difficult: true }]);
  });

  it('not JSON, not an object, or a key missing', async () => {
    await userError(readBoxDataset(write('{"images": [', 'bad.json')), /^not JSON: /, { file: path.join(dir, 'bad.json') });
    await userError(readBoxDataset(write([1, 2], 'arr.json')), /the JSON is not an object/);
    await userError(readBoxDataset(write({ images: [], categories: [] }, 'noann.json')), /"annotations" is missing/, { jsonPath: '/annotations', hint: /image-info file/ });
  });

  it('a box with a negative or zero size names the annotation, its image and the bbox', async () => {
    const f = write(base([{ image_id: 1, category_id: 5, bbox: [1, 1, 5, 5] }, { image_id: 4, category_id: 5, bbox: [10, 10, -3, 5] }]));
    await userError(readBoxDataset(f), /^annotation 1 \(image_id 4\): bbox \[10, 10, -3, 5\] has a negative width$/, { file: f, jsonPath: '/annotations/1/bbox', hint: /not corners/ });
    await userError(readBoxDataset(write(base([{ image_id: 1, category_id: 5, bbox: [10, 10, 3, 0] }]))), /bbox \[10, 10, 3, 0\] has zero height/);
    await userError(readBoxDataset(write(base([{ image_id: 1, category_id: 5, bbox: [10, 10, 3] }]))), /"bbox" must be \[x, y, width, height\] \(4 numbers\), got \[10,10,3\]/);
  });

  it('unknown image id, unknown category id, duplicate image id, duplicate category name', async () => {
    await userError(readBoxDataset(write(base([{ image_id: 99, category_id: 5, bbox: [1, 1, 5, 5] }]))), /^annotation 0 \(image_id 99\): no image has id 99$/, { jsonPath: '/annotations/0/image_id' });
    await userError(readBoxDataset(write(base([{ image_id: 1, category_id: 7, bbox: [1, 1, 5, 5] }]))), /no category has id 7/, { hint: /2 \(circle\), 5 \(square\)/ });
    const dup = base([], { images: [{ id: 4, file_name: 'a.png' }, { id: 4, file_name: 'b.png' }] });
    await userError(readBoxDataset(write(dup)), /^image 1: duplicate id 4 \(also image 0\)$/, { jsonPath: '/images/1/id' });
    await userError(readBoxDataset(write(base([], { categories: [{ id: 1, name: 'a' }, { id: 2, name: 'a' }] }))), /two categories are named "a"/);
  });

  it('boxes a pixel outside are clipped (and said); far outside is refused with the edge', async () => {
    const d = await readBoxDataset(write(base([{ image_id: 1, category_id: 5, bbox: [-1, 50, 97.5, 46] }])));
    assert.deepEqual(d.images[0]!.boxes[0]!.box, { x: 0, y: 50 / 96, w: 1, h: 46 / 96 });
    assert.match(d.warnings.join('\n'), /1 box\(es\) stuck out of their image by a pixel or two and were clipped/);
    assert.match(d.warnings.join('\n'), /1 image\(s\) have no boxes/);
    await userError(readBoxDataset(write(base([{ image_id: 1, category_id: 5, bbox: [80, 10, 40, 20] }]))),
      /^annotation 0 \(image_id 1\): bbox \[80, 10, 40, 20\] extends beyond the 96×96 image \(right edge at x = 120\)$/, { jsonPath: '/annotations/0/bbox' });
  });

  it('sizes left out are read from the image header (EXIF orientation applied)', async () => {
    await png(path.join(dir, 'images', 'turned.jpg'), 120, 80, 6);
    const d = await readBoxDataset(write(base([{ image_id: 9, category_id: 2, bbox: [0, 0, 40, 60] }], { images: [{ id: 9, file_name: 'turned.jpg' }] })));
    assert.deepEqual([d.images[0]!.width, d.images[0]!.height], [80, 120]);
    assert.deepEqual(d.images[0]!.boxes[0]!.box, { x: 0, y: 0, w: 0.5, h: 0.5 });
  });

  it('no boxes at all, or none of the images found, are errors that say what to do', async () => {
    await userError(readBoxDataset(write(base([]))), /no boxes: none of the 2 image\(s\) has an annotated object/, { hint: /classification/ });
    const lost = base([{ image_id: 1, category_id: 5, bbox: [1, 1, 5, 5] }], { images: [{ id: 1, file_name: 'nowhere/x.png', width: 9, height: 9 }] });
    await userError(readBoxDataset(write(lost)), /none of the 1 image\(s\) the annotations list was found/, { hint: /"images" option/ });
  });

  it('a fixed label list: names map onto it, a name outside it is an error', async () => {
    const f = write(base([{ image_id: 1, category_id: 5, bbox: [1, 1, 5, 5] }]));
    const d = await readBoxDataset(f, { labels: ['triangle', 'square', 'circle'] });
    assert.deepEqual([d.labels, d.images[0]!.boxes[0]!.label], [['triangle', 'square', 'circle'], 1]);
    await userError(readBoxDataset(f, { labels: ['circle'] }), /annotation 0 \(image_id 1\).*: the label "square" is not one of the 1 given \(circle\)/);
  });
});

describe('box annotations: Pascal VOC', () => {
  let dir: string;
  const xml = (name: string, objects: string, size = '<size><width>96</width><height>96</height><depth>3</depth></size>', filename = 'a.png'): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, `<annotation><filename>${filename}</filename>${size}${objects}</annotation>`);
    return f;
  };
  const obj = (name: string, box: string, difficult = 0): string => `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox>${box}</bndbox></object>`;
  const bb = (xmin: number | string, ymin: number, xmax: number, ymax: number): string => `<xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax>`;
  const fresh = (): void => { for (const f of fs.readdirSync(dir)) if (f.endsWith('.xml')) fs.rmSync(path.join(dir, f)); };

  before(async () => {
    dir = tempDir('ts-voc-');
    await png(path.join(dir, 'a.png'));
    await png(path.join(dir, 'b.png'), 64, 48);
  });
  beforeEach(fresh);

  it('1-based inclusive corners, difficult flags, size 0 read from the image, a missing <filename> found by the XML\'s name', async () => {
    xml('a.xml', obj('dog', bb(1, 1, 48, 96)) + obj('cat', bb(49, 1, 96, 96), 1));
    xml('b.xml', obj('cat', bb(1, 1, 32, 24)), '<size><width>0</width><height>0</height></size>', '');
    const d = await readBoxDataset(dir);
    assert.deepEqual(d.labels, ['cat', 'dog']);
    assert.deepEqual(d.images[0]!.boxes, [{ label: 1, box: { x: 0, y: 0, w: 0.5, h: 1 } }, { label: 0, box: { x: 0.5, y: 0, w: 0.5, h: 1 }, difficult: true }]);
    assert.deepEqual([d.images[1]!.file, d.images[1]!.width, d.images[1]!.height], [path.join(dir, 'b.png'), 64, 48]);
    assert.deepEqual(d.images[1]!.boxes[0]!.box, { x: 0, y: 0, w: 0.5, h: 0.5 });
  });

  it('not XML (with the line), not a VOC annotation', async () => {
    const f = path.join(dir, 'broken.xml');
    fs.writeFileSync(f, '<annotation>\n<object>\n</annotation>');
    await userError(readBoxDataset(dir), /^not XML: .* \(line \d\)$/, { file: f });
    fresh();
    fs.writeFileSync(path.join(dir, 'other.xml'), '<?xml version="1.0"?><svg></svg>');
    await userError(readBoxDataset(dir), /not a Pascal VOC annotation: the root element is <svg>, not <annotation>/);
  });

  it('an object without <bndbox> or <name>, a missing or non-numeric coordinate, an inverted box: the file and the object', async () => {
    const f = xml('000012.xml', obj('dog', bb(1, 1, 9, 9)) + '<object><name>cat</name></object>');
    const e = await userError(readBoxDataset(dir), /^<object> 2 has no <bndbox>$/, { file: f, hint: /<xmin>/ });
    assert.match(e.oneLine(), /000012\.xml: <object> 2 has no <bndbox>/);
    xml('000012.xml', '<object><bndbox>' + bb(1, 1, 9, 9) + '</bndbox></object>');
    await userError(readBoxDataset(dir), /^<object> 1 has no <name>$/);
    xml('000012.xml', obj('dog', '<xmin>1</xmin><ymin>1</ymin><xmax>9</xmax>'));
    await userError(readBoxDataset(dir), /^<object> 1 \(dog\): <bndbox> has no <ymax>$/);
    xml('000012.xml', obj('dog', bb('ten', 1, 9, 9)));
    await userError(readBoxDataset(dir), /<xmin> "ten" is not a number/);
    xml('000012.xml', obj('dog', bb(52, 1, 40, 9)));
    await userError(readBoxDataset(dir), /^<object> 1 \(dog\): xmax 40 < xmin 52$/);
  });

  it('xmin = xmax is one pixel (inclusive), not an error; a box far outside is', async () => {
    xml('a.xml', obj('dot', bb(5, 5, 5, 5)));
    assert.deepEqual((await readBoxDataset(dir)).images[0]!.boxes[0]!.box, { x: 4 / 96, y: 4 / 96, w: 1 / 96, h: 1 / 96 });
    const f = xml('a.xml', obj('dog', bb(1, 1, 200, 50)));
    await userError(readBoxDataset(dir), /^<object> 1 \(dog\): <bndbox> \[1, 1, 200, 50\] extends beyond the 96×96 image \(right edge at x = 200\)$/, { file: f });
  });

  it('one .xml file on its own is a dataset of one image', async () => {
    const f = xml('a.xml', obj('dog', bb(1, 1, 48, 48)));
    const d = await readBoxDataset(f);
    assert.deepEqual([d.format, d.images.length, d.images[0]!.file], ['voc', 1, path.join(dir, 'a.png')]);
  });

  it('two files for one image, a folder without .xml, an annotation of a missing image', async () => {
    xml('a.xml', obj('dog', bb(1, 1, 9, 9)));
    xml('a2.xml', obj('dog', bb(1, 1, 9, 9)));
    await userError(readBoxDataset(dir), /annotates a\.png, as a\.xml does/, { hint: /merge/ });
    fresh();
    await userError(readBoxDataset(dir), /no Pascal VOC \.xml files in this folder/);
    xml('a.xml', obj('dog', bb(1, 1, 9, 9)));
    xml('c.xml', obj('dog', bb(1, 1, 9, 9)), undefined, 'c.png');
    const d = await readBoxDataset(dir);
    assert.deepEqual(d.skipped, [{ file: path.join(dir, 'c.png'), reason: 'missing: listed in c.xml' }]);
  });
});

describe('box annotations: CSV', () => {
  let dir: string;
  const csv = (text: string, name = 'boxes.csv'): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  before(async () => {
    dir = tempDir('ts-boxcsv-');
    await png(path.join(dir, 'a.png'));
    await png(path.join(dir, 'b.png'), 64, 48);
  });

  it('several rows per image are several boxes; an empty row is an image with nothing in it; sizes from the headers', async () => {
    const d = await readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,0,0,48,96\na.png,cat,48,0,96,48\n"b.png",,,,,\n'));
    assert.deepEqual(d.labels, ['cat', 'dog']);
    assert.deepEqual(d.images.map((im) => [path.basename(im.file), im.width, im.height, im.boxes.length]), [['a.png', 96, 96, 2], ['b.png', 64, 48, 0]]);
    assert.deepEqual(d.images[0]!.boxes[1], { label: 0, box: { x: 0.5, y: 0, w: 0.5, h: 0.5 } });
  });

  it('the header is required and named; columns in any order', async () => {
    await userError(readBoxDataset(csv('a.png,dog,0,0,48,96\n')), /^line 1: the header row is missing$/, { hint: /path,label,xmin,ymin,xmax,ymax/ });
    await userError(readBoxDataset(csv('path,label,x,y,w,h\n')), /^line 1: the header has no xmin, ymin, xmax, ymax columns/);
    const d = await readBoxDataset(csv('ymax,xmax,ymin,xmin,class,image\n96,48,0,0,dog,a.png\n'));
    assert.deepEqual(d.images[0]!.boxes[0]!.box, { x: 0, y: 0, w: 0.5, h: 1 });
  });

  it('an inverted or empty box, a non-number, an empty label: the line', async () => {
    const f = csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,0,0,48,96\n\na.png,dog,52,0,40,9\n');
    await userError(readBoxDataset(f), /^line 4: xmax 40 ≤ xmin 52$/, { file: f });
    await userError(readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,1,5,9,5\n')), /^line 2: ymax 5 ≤ ymin 5$/);
    await userError(readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,1,x,9,5\n')), /^line 2: ymin "x" is not a number$/);
    await userError(readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,,1,1,9,5\n')), /^line 2: the label is empty$/);
    await userError(readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,1,1\n')), /^line 2: expected at least 6 columns, got 4$/);
  });

  it('boxes in fractions of the image instead of pixels are recognised', async () => {
    await userError(readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,0.1,0.1,0.5,0.6\n')), /look like fractions of the image/, { hint: /multiply/ });
  });

  it('a box far outside names the line; a missing image is skipped with its line', async () => {
    await userError(readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\nb.png,dog,0,0,40,90\n')), /^line 2: box \[0, 0, 40, 90\] extends beyond the 64×48 image \(bottom edge at y = 90\)$/);
    const d = await readBoxDataset(csv('path,label,xmin,ymin,xmax,ymax\na.png,dog,0,0,9,9\ngone.png,dog,0,0,9,9\n'));
    assert.deepEqual(d.skipped, [{ file: path.join(dir, 'gone.png'), reason: 'missing: listed on line 3 of boxes.csv' }]);
  });

  it('inconsistent sizes for one image are an error', async () => {
    await userError(readBoxDataset(csv('filename,width,height,class,xmin,ymin,xmax,ymax\na.png,96,96,dog,0,0,9,9\na.png,90,96,dog,1,1,9,9\n')), /^line 3: width 90 differs from 96 on line 2/);
  });
});

describe('box annotations: the source', () => {
  it('not found, an unknown extension, a folder without VOC files: what to give instead', async () => {
    const dir = tempDir('ts-boxsrc-');
    await userError(readBoxDataset(path.join(dir, 'nope.json')), /annotations not found/);
    fs.writeFileSync(path.join(dir, 'labels.txt'), '');
    await userError(readBoxDataset(path.join(dir, 'labels.txt')), /cannot tell the annotation format of a \.txt/);
    fs.writeFileSync(path.join(dir, 'instances.json'), '{}');
    await userError(readBoxDataset(dir), /no Pascal VOC \.xml files in this folder/, { hint: /instances\.json/ });
  });
});
