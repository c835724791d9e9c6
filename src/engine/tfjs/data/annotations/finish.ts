/**
 * What every box format shares once its files are parsed: images that are missing or unreadable
 * are skipped with the reason, sizes the annotations leave out are read from the image header,
 * boxes are checked against their image (a little outside: clipped; far outside: an error naming
 * the entry), label names become indices, and a dataset without a single box is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { placePixelBox } from '../../../../core/detection/boxes';
import { UserError } from '../../../../core/errors';
import { unreadableReason } from '../sniff';
import type { BoxDataset, BoxImage, RawDataset, RawImage, ReadBoxOptions, Skipped } from './types';

const byName = (a: string, b: string): number => a.localeCompare(b, 'en');

export const isFile = (file: string): boolean => {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * The first of `folders` under which any of the first few `names` exists: where a dataset keeps
 * its images (beside the annotations, in images/, in JPEGImages/ …). Falls back to the first.
 */
export function pickImageFolder(folders: readonly string[], names: readonly string[]): string {
  const sample = names.slice(0, 20);
  return folders.find((d) => sample.some((n) => isFile(path.resolve(d, n)))) ?? folders[0]!;
}

/** Width and height as displayed: EXIF orientations 5–8 turn the image a quarter. */
async function headerSize(file: string): Promise<{ width: number; height: number } | { reason: string }> {
  try {
    const m = await sharp(file).metadata();
    if (!m.width || !m.height) return { reason: 'no image size in the header' };
    return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch (e) {
    return { reason: unreadableReason(file, e instanceof Error ? e.message : String(e)) };
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function labelIndex(raw: RawDataset, opts: ReadBoxOptions): { labels: string[]; index: (l: string | number) => number | undefined; name: (l: string | number) => string } {
  const known = raw.labels;
  const names = (l: string | number): string => (typeof l === 'number' ? known![l]! : l);
  if (opts.labels) {
    const fixed = [...opts.labels];
    const at = new Map(fixed.map((n, i) => [n, i]));
    return { labels: fixed, index: (l) => at.get(names(l)), name: names };
  }
  if (known) return { labels: [...known], index: (l) => (typeof l === 'number' ? l : known.indexOf(l)), name: names };
  const found = [...new Set(raw.images.flatMap((im) => im.boxes.map((b) => String(b.label))))].sort(byName);
  const at = new Map(found.map((n, i) => [n, i]));
  return { labels: found, index: (l) => at.get(String(l)), name: names };
}

export async function finish(raw: RawDataset, opts: ReadBoxOptions = {}): Promise<BoxDataset> {
  const { labels, index, name } = labelIndex(raw, opts);
  const skipped: Skipped[] = [];
  const present: RawImage[] = [];
  for (const im of raw.images) {
    if (isFile(im.file)) present.push(im);
    else skipped.push({ file: im.file, reason: `missing: listed ${im.listedAt}` });
  }
  if (!present.length && skipped.length) {
    throw new UserError(`none of the ${skipped.length} image(s) the annotations list was found (the first: ${skipped[0]!.file})`, {
      file: raw.source,
      hint: 'image paths are relative to the images folder: pass it with the "images" option, or put the images beside the annotations',
    });
  }
  const sizes = await mapLimited(present, opts.concurrency ?? 8, async (im) => (im.width && im.height ? { width: im.width, height: im.height } : headerSize(im.file)));
  const images: BoxImage[] = [];
  let clipped = 0;
  present.forEach((im, i) => {
    const size = sizes[i]!;
    if ('reason' in size) {
      skipped.push({ file: im.file, reason: size.reason });
      return;
    }
    const boxes = im.boxes.map((b) => {
      const label = index(b.label);
      if (label === undefined || label < 0) {
        throw new UserError(`${b.where}: the label "${name(b.label)}" is not one of the ${labels.length} given (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', …' : ''})`, { file: b.file, jsonPath: b.jsonPath, hint: 'read every split with the same labels, or add the label' });
      }
      const placed = placePixelBox(b.corners, size);
      if ('problem' in placed) {
        throw new UserError(`${b.where} ${placed.problem}`, { file: b.file, jsonPath: b.jsonPath, hint: 'boxes are in pixels of the image they annotate; check the image size and the box' });
      }
      if (placed.clipped) clipped++;
      return { label, box: placed.box, ...(b.difficult ? { difficult: true } : {}) };
    });
    images.push({ file: im.file, width: size.width, height: size.height, boxes });
  });
  const boxes = images.reduce((s, im) => s + im.boxes.length, 0);
  if (boxes === 0) {
    throw new UserError(images.length ? `no boxes: none of the ${images.length} image(s) has an annotated object` : 'no usable images', {
      file: raw.source,
      hint: 'a detection dataset needs at least one box; for whole-image labels use a classification task',
    });
  }
  const warnings = [...raw.warnings];
  if (clipped) warnings.push(`${clipped} box(es) stuck out of their image by a pixel or two and were clipped to it`);
  const empty = images.filter((im) => im.boxes.length === 0).length;
  if (empty) warnings.push(`${empty} image(s) have no boxes: used as images with nothing to find`);
  return { format: raw.format, source: raw.source, labels, images, skipped, warnings };
}
