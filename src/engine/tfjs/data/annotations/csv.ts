/**
 * Box CSVs: a header row, then one row per box — `path,label,xmin,ymin,xmax,ymax` in pixels
 * (0-based, right/bottom exclusive, as COCO: a box over columns 10…19 is xmin 10, xmax 20). An
 * image with several boxes has several rows; `path,,,,,` lists an image with none. Columns are
 * found by their header name, in any order, so the TensorFlow Object Detection CSV
 * (filename,width,height,class,xmin,ymin,xmax,ymax) reads as it is, its sizes used. Paths are
 * relative to the CSV's folder (or the `images` option). `.tsv`: tab-separated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_EXTENSIONS, splitCsvLine } from '../../../../core/data/labels';
import { UserError } from '../../../../core/errors';
import type { RawDataset, RawImage, ReadBoxOptions } from './types';

const COLUMNS = {
  path: /^(path|file|filename|file_name|filepath|file_path|image|img|image_path|image_file|image_name)$/i,
  label: /^(label|class|class_name|classname|category|category_name|name)$/i,
  xmin: /^(xmin|x_min|x1|left)$/i,
  ymin: /^(ymin|y_min|y1|top)$/i,
  xmax: /^(xmax|x_max|x2|right)$/i,
  ymax: /^(ymax|y_max|y2|bottom)$/i,
  width: /^(width|image_width|img_width)$/i,
  height: /^(height|image_height|img_height)$/i,
} as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['path', 'label', 'xmin', 'ymin', 'xmax', 'ymax'];
const HEADER_HINT = 'the first line names the columns: path,label,xmin,ymin,xmax,ymax (pixels)';

export function parseBoxCsv(csv: string, opts: ReadBoxOptions = {}): RawDataset {
  let content: string;
  try {
    content = fs.readFileSync(csv, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the CSV: ${(e as Error).message}`, { file: csv });
  }
  if (content.charCodeAt(0) === 0xfeff) content = content.slice(1); // byte-order mark (Excel)
  const sep = /\.tsv$/i.test(csv) ? '\t' : ',';
  const base = opts.images ? path.resolve(opts.images) : path.dirname(csv);
  const fail = (line: number, message: string, hint?: string): never => {
    throw new UserError(`line ${line}: ${message}`, { file: csv, hint });
  };
  const images = new Map<string, RawImage & { sizeLine?: number }>();
  let cols: Partial<Record<Column, number>> | undefined;
  let allSmall = true; // every coordinate ≤ 1 …
  let fractional = false; // … and some not whole: normalised boxes, not pixels

  content.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trim().startsWith('#')) return;
    const cells = splitCsvLine(raw, sep);
    if (!cols) {
      const found: Partial<Record<Column, number>> = {};
      cells.forEach((c, k) => {
        const col = (Object.keys(COLUMNS) as Column[]).find((name) => COLUMNS[name].test(c));
        if (col && found[col] === undefined) found[col] = k;
      });
      const missing = REQUIRED.filter((c) => found[c] === undefined);
      if (missing.length) {
        const data = IMAGE_EXTENSIONS.has(path.extname(cells[0] ?? '').toLowerCase());
        fail(line, data ? 'the header row is missing' : `the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (got ${cells.join(',')})`, HEADER_HINT);
      }
      cols = found;
      return;
    }
    const cell = (c: Column): string => (cols![c] === undefined ? '' : (cells[cols![c]!] ?? ''));
    const needed = Math.max(...REQUIRED.map((c) => cols![c]!)) + 1;
    if (cells.length < needed) fail(line, `expected at least ${needed} columns, got ${cells.length}`, HEADER_HINT);
    const rel = cell('path');
    if (!rel) fail(line, 'the path is empty');
    const file = path.resolve(base, rel);
    let image = images.get(file);
    if (!image) {
      image = { file, boxes: [], listedAt: `on line ${line} of ${path.basename(csv)}` };
      images.set(file, image);
    }
    for (const k of ['width', 'height'] as const) {
      const v = cell(k);
      if (!v) continue;
      const n = Number(v);
      if (!(n > 0)) fail(line, `${k} "${v}" is not a positive number`);
      if (image[k] !== undefined && image[k] !== n) fail(line, `${k} ${n} differs from ${image[k]} on line ${image.sizeLine} for the same image`);
      image[k] = n;
      image.sizeLine ??= line;
    }
    const label = cell('label');
    const coords = (['xmin', 'ymin', 'xmax', 'ymax'] as const).map((k) => [k, cell(k)] as const);
    if (!label && coords.every(([, v]) => v === '')) return; // an image with nothing in it
    if (!label) fail(line, 'the label is empty', 'an image without objects has an empty label and empty coordinates: path,,,,,');
    const [xmin, ymin, xmax, ymax] = coords.map(([k, v]) => {
      if (v === '') return fail(line, `${k} is empty`);
      const n = Number(v);
      if (!Number.isFinite(n)) return fail(line, `${k} "${v}" is not a number`);
      if (n > 1) allSmall = false;
      if (!Number.isInteger(n)) fractional = true;
      return n;
    }) as [number, number, number, number];
    if (xmax <= xmin) fail(line, `xmax ${xmax} ≤ xmin ${xmin}`, 'xmin is the left edge, xmax the right (exclusive): a box needs xmax > xmin');
    if (ymax <= ymin) fail(line, `ymax ${ymax} ≤ ymin ${ymin}`, 'ymin is the top edge, ymax the bottom (exclusive): a box needs ymax > ymin');
    image.boxes.push({ label, corners: { x1: xmin, y1: ymin, x2: xmax, y2: ymax }, where: `line ${line}: box [${xmin}, ${ymin}, ${xmax}, ${ymax}]`, file: csv });
  });
  if (!cols) throw new UserError('the CSV is empty', { file: csv, hint: HEADER_HINT });
  const list = [...images.values()].map(({ sizeLine: _, ...im }) => im);
  if (allSmall && fractional && list.some((im) => im.boxes.length)) {
    throw new UserError('every box coordinate is between 0 and 1: these look like fractions of the image, and this CSV takes pixels', { file: csv, hint: 'multiply x by the image width and y by its height' });
  }
  return { format: 'csv', source: csv, images: list, warnings: [] };
}
