/**
 * A small, real box dataset made on disk: filled circles, squares and triangles of random colours
 * and sizes on noisy, striped backgrounds, 1–3 per image, seeded (the same seed writes the same
 * bytes). The shapes are drawn pixel by pixel, so every box is the exact extent of its shape's
 * pixels, and they never overlap (no object hides part of another). Written in all three formats
 * over the same images:
 *   DIR/images/*.png + DIR/images/*.xml   Pascal VOC, the XML beside its image (LabelImg's layout)
 *   DIR/annotations.json                 COCO (file_name relative to DIR/images)
 *   DIR/boxes.csv                        path,label,xmin,ymin,xmax,ymax (paths relative to DIR)
 * Every third image is 128×96, the rest 96×96 (by default), so widths and heights cannot be mixed up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { rng } from '../../../src/core/random';

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Shape = (typeof SHAPES)[number];

export interface MadeBox {
  label: Shape;
  /** Pixels, 0-based, right/bottom exclusive. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface MadeImage {
  name: string;
  width: number;
  height: number;
  boxes: MadeBox[];
}

export interface MadeDataset {
  dir: string;
  imagesDir: string;
  coco: string;
  voc: string;
  csv: string;
  /** Sorted, as the readers sort names. */
  labels: Shape[];
  images: MadeImage[];
}

export interface MakeOptions {
  images?: number;
  /** The side of the square images (96); every third image is 4/3 as wide. */
  size?: number;
  seed?: number;
  /** At most this many shapes per image (3); 1 makes a single-object (localisation) dataset. */
  maxObjects?: number;
  /**
   * Shapes in near-white or near-black, whichever is further from the background (false: a
   * saturated colour). For grey models: a red shape on a mid-grey stripe can share its luma.
   */
  contrast?: boolean;
}

/** Whether pixel (px, py) of a shape whose bounding square starts at (0, 0) with side s is inside it. */
function inside(shape: Shape, s: number, px: number, py: number): boolean {
  const cx = px + 0.5;
  const cy = py + 0.5;
  if (shape === 'square') return true;
  if (shape === 'circle') return (cx - s / 2) ** 2 + (cy - s / 2) ** 2 <= (s / 2) ** 2;
  // triangle: apex at the top centre, base along the bottom
  return Math.abs(cx - s / 2) <= (cy / s) * (s / 2);
}

function drawImage(random: () => number, width: number, height: number, side: number, opts: MakeOptions = {}): { pixels: Buffer; boxes: MadeBox[] } {
  const pixels = Buffer.alloc(width * height * 3);
  const base = [0, 1, 2].map(() => 60 + random() * 120);
  const stripe = 4 + Math.floor(random() * 8);
  const vertical = random() < 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = Math.floor((vertical ? x : y) / stripe) % 2 ? 18 : -18;
      for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, base[c]! + band + (random() - 0.5) * 50));
    }
  }
  const boxes: MadeBox[] = [];
  const count = 1 + Math.floor(random() * (opts.maxObjects ?? 3));
  const light = 0.299 * base[0]! + 0.587 * base[1]! + 0.114 * base[2]! < 128;
  for (let tries = 0; boxes.length < count && tries < 200; tries++) {
    const shape = SHAPES[Math.floor(random() * SHAPES.length)]!;
    const s = Math.round(side * (0.16 + random() * 0.26));
    const ox = Math.floor(random() * (width - s + 1));
    const oy = Math.floor(random() * (height - s + 1));
    // 2 px apart from the others, so no shape touches or covers another
    if (boxes.some((b) => ox < b.x2 + 2 && ox + s + 2 > b.x1 && oy < b.y2 + 2 && oy + s + 2 > b.y1)) continue;
    let colour = [0, 1, 2].map((c) => (c === tries % 3 ? 230 + random() * 25 : random() * 60));
    if (opts.contrast) colour = [0, 1, 2].map(() => (light ? 235 : 15));
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (let py = 0; py < s; py++) {
      for (let px = 0; px < s; px++) {
        if (!inside(shape, s, px, py)) continue;
        const x = ox + px;
        const y = oy + py;
        for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = colour[c]!;
        x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
      }
    }
    boxes.push({ label: shape, x1, y1, x2, y2 });
  }
  return { pixels, boxes };
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function vocXml(image: MadeImage): string {
  const objects = image.boxes.map((b) => `  <object>
    <name>${xmlEscape(b.label)}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox>
      <xmin>${b.x1 + 1}</xmin>
      <ymin>${b.y1 + 1}</ymin>
      <xmax>${b.x2}</xmax>
      <ymax>${b.y2}</ymax>
    </bndbox>
  </object>
`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<annotation>
  <folder>images</folder>
  <filename>${xmlEscape(image.name)}</filename>
  <size>
    <width>${image.width}</width>
    <height>${image.height}</height>
    <depth>3</depth>
  </size>
  <segmented>0</segmented>
${objects}</annotation>
`;
}

export function cocoJson(images: readonly MadeImage[], labels: readonly string[]): object {
  let id = 0;
  return {
    info: { description: 'Transfer Studio generated shapes', version: '1' },
    images: images.map((im, i) => ({ id: i + 1, file_name: im.name, width: im.width, height: im.height })),
    annotations: images.flatMap((im, i) => im.boxes.map((b) => ({
      id: ++id, image_id: i + 1, category_id: labels.indexOf(b.label) + 1,
      bbox: [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1], area: (b.x2 - b.x1) * (b.y2 - b.y1), iscrowd: 0,
    }))),
    categories: labels.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' })),
  };
}

export function boxCsv(images: readonly MadeImage[]): string {
  const rows = images.flatMap((im) => im.boxes.map((b) => `images/${im.name},${b.label},${b.x1},${b.y1},${b.x2},${b.y2}`));
  return `path,label,xmin,ymin,xmax,ymax\n${rows.join('\n')}\n`;
}

/** Writes the dataset into `dir` (created if needed) and returns where everything is, with the boxes drawn. */
export async function makeBoxDataset(dir: string, opts: MakeOptions = {}): Promise<MadeDataset> {
  const random = rng(opts.seed ?? 1);
  const side = opts.size ?? 96;
  const imagesDir = path.join(dir, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  const images: MadeImage[] = [];
  for (let i = 0; i < (opts.images ?? 12); i++) {
    const width = i % 3 === 2 ? Math.round((side * 4) / 3) : side;
    const height = side;
    const { pixels, boxes } = drawImage(random, width, height, side, opts);
    const name = `shapes_${String(i).padStart(3, '0')}.png`;
    await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(path.join(imagesDir, name));
    const image = { name, width, height, boxes };
    fs.writeFileSync(path.join(imagesDir, name.replace(/\.png$/, '.xml')), vocXml(image));
    images.push(image);
  }
  const labels = [...SHAPES].sort();
  const coco = path.join(dir, 'annotations.json');
  fs.writeFileSync(coco, JSON.stringify(cocoJson(images, labels), null, 1));
  const csv = path.join(dir, 'boxes.csv');
  fs.writeFileSync(csv, boxCsv(images));
  return { dir, imagesDir, coco, voc: imagesDir, csv, labels, images };
}
