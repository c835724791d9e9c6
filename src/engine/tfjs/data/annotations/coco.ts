/**
 * COCO detection JSON: `images` [{ id, file_name, width?, height? }], `annotations`
 * [{ image_id, category_id, bbox: [x, y, w, h] in pixels, iscrowd? }], `categories` [{ id, name }].
 * Labels are the categories in id order (COCO's ids need not be contiguous: 1…90 for COCO itself);
 * crowd boxes are kept, flagged `difficult`, so the metrics ignore them. `file_name` is relative to
 * the images folder: the option, else the first of the JSON's folder, images/ beside it, or the
 * layouts COCO ships (annotations/instances_train2017.json next to train2017/) that has them.
 * Every error names the entry and carries its JSON path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../../../core/errors';
import { pickImageFolder } from './finish';
import type { RawBox, RawDataset, RawImage, ReadBoxOptions } from './types';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number | string => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v !== '');
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const fmt = (n: number): string => String(Math.round(n * 1000) / 1000);

export function parseCoco(file: string, opts: ReadBoxOptions = {}): RawDataset {
  const fail = (message: string, jsonPath?: string, hint?: string): never => {
    throw new UserError(message, { file, jsonPath, hint });
  };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`cannot read the annotations: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return fail(`not JSON: ${(e as Error).message}`, undefined, 'a COCO annotation file is one JSON object with "images", "annotations" and "categories"');
  }
  if (!isObject(doc)) return fail('not a COCO annotation file: the JSON is not an object', undefined, 'expected { "images": [...], "annotations": [...], "categories": [...] }');
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(doc[key])) {
      fail(doc[key] === undefined ? `not a COCO detection file: "${key}" is missing` : `"${key}" must be an array`, `/${key}`,
        key === 'annotations' && Array.isArray(doc.images) ? 'an image-info file (test set without boxes) cannot train or evaluate a detector' : 'expected { "images": [...], "annotations": [...], "categories": [...] }');
    }
  }
  const json = doc as { images: unknown[]; annotations: unknown[]; categories: unknown[] };

  // categories → labels in id order
  const cats: { id: number | string; name: string; at: number }[] = [];
  const catSeen = new Map<string, number>();
  json.categories.forEach((c, i) => {
    const p = `/categories/${i}`;
    if (!isObject(c)) fail(`category ${i} is not an object`, p);
    const cat = c as Json;
    if (!isId(cat.id)) fail(`category ${i}: "id" is missing or not a number`, `${p}/id`);
    if (typeof cat.name !== 'string' || !cat.name.trim()) fail(`category ${i} (id ${show(cat.id)}): "name" is missing`, `${p}/name`);
    const key = String(cat.id);
    if (catSeen.has(key)) fail(`category ${i}: duplicate id ${show(cat.id)} (also category ${catSeen.get(key)})`, `${p}/id`);
    catSeen.set(key, i);
    cats.push({ id: cat.id as number | string, name: (cat.name as string).trim(), at: i });
  });
  if (!cats.length) fail('"categories" is empty: no class names', '/categories');
  cats.sort((a, b) => (typeof a.id === 'number' && typeof b.id === 'number' ? a.id - b.id : String(a.id).localeCompare(String(b.id), 'en')));
  const dupName = cats.find((c, i) => cats.findIndex((d) => d.name === c.name) !== i);
  if (dupName) fail(`two categories are named "${dupName.name}"`, `/categories/${dupName.at}/name`, 'class names must be unique');
  const catIndex = new Map(cats.map((c, i) => [String(c.id), i]));

  // images
  const names: string[] = [];
  const images = new Map<string, RawImage & { index: number }>();
  const byFile = new Map<string, number>();
  const idAt = new Map<string, number>();
  const entries: { id: string; name: string; width?: number; height?: number; index: number }[] = [];
  json.images.forEach((im, i) => {
    const p = `/images/${i}`;
    if (!isObject(im)) fail(`image ${i} is not an object`, p);
    const img = im as Json;
    if (!isId(img.id)) fail(`image ${i}: "id" is missing`, `${p}/id`);
    if (typeof img.file_name !== 'string' || !img.file_name) fail(`image ${i} (id ${show(img.id)}): "file_name" is missing`, `${p}/file_name`);
    const id = String(img.id);
    const prev = idAt.get(id);
    if (prev !== undefined) fail(`image ${i}: duplicate id ${show(img.id)} (also image ${prev})`, `${p}/id`, 'every image needs its own id');
    idAt.set(id, i);
    const size = (k: 'width' | 'height'): number | undefined => {
      const v = img[k];
      if (v === undefined || v === null || v === 0) return undefined; // missing: read from the file
      if (typeof v !== 'number' || !(v > 0)) return fail(`image ${i} (id ${show(img.id)}): "${k}" ${show(v)} is not a positive number`, `${p}/${k}`);
      return v;
    };
    entries.push({ id, name: img.file_name as string, width: size('width'), height: size('height'), index: i });
    names.push(img.file_name as string);
  });
  const dir = path.dirname(file);
  const folder = opts.images ? path.resolve(opts.images) : pickImageFolder([dir, path.join(dir, 'images'), ...cocoLayouts(file)], names);
  for (const e of entries) {
    const abs = path.resolve(folder, e.name);
    const other = byFile.get(abs);
    if (other !== undefined) fail(`image ${e.index} (id ${e.id}): "${e.name}" is also image ${other}`, `/images/${e.index}/file_name`, 'list each image once and give all its boxes its one id');
    byFile.set(abs, e.index);
    images.set(e.id, { file: abs, width: e.width, height: e.height, boxes: [], listedAt: `as image ${e.index} (id ${e.id}) in ${path.basename(file)}`, index: e.index });
  }

  // annotations
  json.annotations.forEach((a, i) => {
    const p = `/annotations/${i}`;
    if (!isObject(a)) fail(`annotation ${i} is not an object`, p);
    const ann = a as Json;
    if (!isId(ann.image_id)) fail(`annotation ${i}: "image_id" is missing`, `${p}/image_id`);
    const where = `annotation ${i} (image_id ${show(ann.image_id)})`;
    const image = images.get(String(ann.image_id));
    if (!image) fail(`${where}: no image has id ${show(ann.image_id)}`, `${p}/image_id`);
    if (!isId(ann.category_id)) fail(`${where}: "category_id" is missing`, `${p}/category_id`);
    const label = catIndex.get(String(ann.category_id));
    if (label === undefined) fail(`${where}: no category has id ${show(ann.category_id)}`, `${p}/category_id`, `the categories are ${cats.slice(0, 8).map((c) => `${c.id} (${c.name})`).join(', ')}${cats.length > 8 ? ', …' : ''}`);
    const bbox = ann.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      fail(`${where}: "bbox" must be [x, y, width, height] (4 numbers), got ${show(bbox)}`, `${p}/bbox`);
    }
    const [x, y, w, h] = bbox as number[] as [number, number, number, number];
    const box = `${where}: bbox [${[x, y, w, h].map(fmt).join(', ')}]`;
    for (const [v, name] of [[w, 'width'], [h, 'height']] as const) {
      if (v < 0) fail(`${box} has a negative ${name}`, `${p}/bbox`, 'COCO boxes are [x, y, width, height], not corners');
      if (v === 0) fail(`${box} has zero ${name}`, `${p}/bbox`, 'remove the empty box');
    }
    if (ann.iscrowd !== undefined && ann.iscrowd !== 0 && ann.iscrowd !== 1 && typeof ann.iscrowd !== 'boolean') fail(`${where}: "iscrowd" must be 0 or 1, got ${show(ann.iscrowd)}`, `${p}/iscrowd`);
    const raw: RawBox = { label: label!, corners: { x1: x, y1: y, x2: x + w, y2: y + h }, where: box, file, jsonPath: `${p}/bbox` };
    if (ann.iscrowd === 1 || ann.iscrowd === true) raw.difficult = true;
    image!.boxes.push(raw);
  });

  return { format: 'coco', source: file, labels: cats.map((c) => c.name), images: [...images.values()].sort((a, b) => a.index - b.index).map(({ index: _, ...im }) => im), warnings: [] };
}

/** COCO's own layout: annotations/instances_val2017.json → ../val2017/ (and ../images/val2017/). */
function cocoLayouts(file: string): string[] {
  const parent = path.dirname(path.dirname(file));
  const split = /_(\w+?)(\d{4})?\.json$/i.exec(path.basename(file));
  const out = [path.join(parent, 'images')];
  if (split) {
    const name = `${split[1]}${split[2] ?? ''}`;
    out.unshift(path.join(parent, name), path.join(parent, 'images', name));
  }
  return out;
}
