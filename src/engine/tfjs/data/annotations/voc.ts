/**
 * Pascal VOC XML: one .xml per image — `<annotation>` with `<filename>`, `<size>` (width, height),
 * and per object `<name>`, `<bndbox>` (xmin, ymin, xmax, ymax: 1-based, inclusive pixels) and
 * `<difficult>`. Either the devkit layout (VOC2012/Annotations/*.xml beside VOC2012/JPEGImages/)
 * or the XML files beside their images (what LabelImg writes). `<path>` is not used: it is where
 * the image was on the annotator's machine. Errors name the XML file and the object.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { vocToPixelCorners } from '../../../../core/detection/boxes';
import { IMAGE_EXTENSIONS } from '../../../../core/data/labels';
import { UserError } from '../../../../core/errors';
import { isFile } from './finish';
import type { RawBox, RawDataset, RawImage, ReadBoxOptions } from './types';

// `object` is always a list (one object parses as a plain child otherwise); every value stays text,
// so "000012" stays a file name and numbers are checked here, with the tag named
const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'object' });

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** The XML files of a VOC dataset and the folders its images may be in, most likely first. */
export function vocFiles(source: string, opts: ReadBoxOptions = {}): { xmls: string[]; imageFolders: string[] } {
  let xmlDir = source;
  let folders: string[];
  if (fs.statSync(source).isFile()) {
    xmlDir = path.dirname(source);
    folders = [xmlDir, path.join(path.dirname(xmlDir), 'JPEGImages')];
  } else if (fs.existsSync(path.join(source, 'Annotations'))) {
    xmlDir = path.join(source, 'Annotations');
    folders = [path.join(source, 'JPEGImages'), source, xmlDir];
  } else {
    folders = [source, path.join(path.dirname(source), 'JPEGImages')];
  }
  if (opts.images) folders.unshift(path.resolve(opts.images));
  const xmls = fs.statSync(source).isFile()
    ? [source]
    : fs.readdirSync(xmlDir).filter((f) => /\.xml$/i.test(f) && !f.startsWith('.')).sort((a, b) => a.localeCompare(b, 'en')).map((f) => path.join(xmlDir, f));
  if (!xmls.length) throw new UserError('no .xml files found', { file: xmlDir, hint: 'a Pascal VOC dataset is a folder of .xml files (or a VOC2012-style folder with Annotations/ and JPEGImages/)' });
  return { xmls, imageFolders: folders };
}

/** The image an XML file annotates: `<filename>` in the first folder that has it, else the XML's own name with an image extension. */
function findImage(xml: string, filename: string | undefined, folders: readonly string[]): string {
  const stem = path.basename(xml, path.extname(xml));
  for (const d of folders) {
    if (filename && isFile(path.resolve(d, filename))) return path.resolve(d, filename);
  }
  for (const d of folders) {
    for (const ext of IMAGE_EXTENSIONS) if (isFile(path.join(d, stem + ext))) return path.join(d, stem + ext);
  }
  return path.resolve(folders[0]!, filename || `${stem}.jpg`);
}

function parseOne(xml: string, folders: readonly string[]): RawImage {
  const name = path.basename(xml);
  const fail = (message: string, hint?: string): never => {
    throw new UserError(message, { file: xml, hint });
  };
  let content: string;
  try {
    content = fs.readFileSync(xml, 'utf8');
  } catch (e) {
    return fail(`cannot read the annotation: ${(e as Error).message}`);
  }
  const valid = XMLValidator.validate(content);
  if (valid !== true) fail(`not XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(content) as Node;
  const ann = doc.annotation;
  if (!isNode(ann)) {
    const root = Object.keys(doc).find((k) => !k.startsWith('?'));
    return fail(`not a Pascal VOC annotation: the root element is ${root ? `<${root}>` : 'missing'}, not <annotation>`);
  }
  const filename = text(ann.filename) || undefined;
  const size = isNode(ann.size) ? ann.size : {};
  const dim = (k: 'width' | 'height'): number | undefined => {
    const v = text(size[k]);
    if (v === undefined || v === '' || Number(v) === 0) return undefined; // missing (or 0, as some tools write): read from the image
    if (!(Number(v) > 0)) return fail(`<size><${k}> "${v}" is not a positive number`);
    return Number(v);
  };
  const objects = Array.isArray(ann.object) ? ann.object : [];
  const boxes: RawBox[] = objects.map((o: unknown, i: number): RawBox => {
    const n = i + 1; // counted as a reader of the file would
    if (!isNode(o)) return fail(`<object> ${n} is empty`);
    const label = text(o.name);
    if (!label) fail(`<object> ${n} has no <name>`);
    const at = `<object> ${n} (${label})`;
    if (!isNode(o.bndbox)) fail(`<object> ${n} has no <bndbox>`, 'every object needs <bndbox> with <xmin>, <ymin>, <xmax>, <ymax>');
    const bb = o.bndbox as Node;
    const coord = (k: 'xmin' | 'ymin' | 'xmax' | 'ymax'): number => {
      const v = text(bb[k]);
      if (v === undefined || v === '') return fail(`${at}: <bndbox> has no <${k}>`);
      if (!Number.isFinite(Number(v))) return fail(`${at}: <${k}> "${v}" is not a number`);
      return Number(v);
    };
    const [xmin, ymin, xmax, ymax] = [coord('xmin'), coord('ymin'), coord('xmax'), coord('ymax')];
    // inclusive ends: xmax = xmin is one pixel wide, xmax < xmin is inverted
    if (xmax < xmin) fail(`${at}: xmax ${xmax} < xmin ${xmin}`, 'VOC boxes are corners: <xmin> is the left edge, <xmax> the right');
    if (ymax < ymin) fail(`${at}: ymax ${ymax} < ymin ${ymin}`, 'VOC boxes are corners: <ymin> is the top edge, <ymax> the bottom');
    const difficult = text(o.difficult);
    if (difficult !== undefined && !['0', '1', '', 'true', 'false'].includes(difficult.toLowerCase())) fail(`${at}: <difficult> must be 0 or 1, got "${difficult}"`);
    const raw: RawBox = { label: label!, corners: vocToPixelCorners(xmin, ymin, xmax, ymax), where: `${at}: <bndbox> [${xmin}, ${ymin}, ${xmax}, ${ymax}]`, file: xml };
    if (difficult === '1' || difficult?.toLowerCase() === 'true') raw.difficult = true;
    return raw;
  });
  return { file: findImage(xml, filename, folders), width: dim('width'), height: dim('height'), boxes, listedAt: `in ${name}` };
}

export function parseVoc(source: string, opts: ReadBoxOptions = {}): RawDataset {
  const { xmls, imageFolders } = vocFiles(source, opts);
  const images: RawImage[] = [];
  const byFile = new Map<string, string>();
  for (const xml of xmls) {
    const im = parseOne(xml, imageFolders);
    const other = byFile.get(im.file);
    if (other) throw new UserError(`annotates ${path.basename(im.file)}, as ${other} does`, { file: xml, hint: 'one .xml file per image: merge their objects into one' });
    byFile.set(im.file, path.basename(xml));
    images.push(im);
  }
  return { format: 'voc', source, images, warnings: [] };
}
