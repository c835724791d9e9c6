/**
 * Writes the generated shapes box dataset (the one the detection tests read) to a folder, for
 * demos and manual tries: `npx tsx scripts/make-box-dataset.ts --out DIR [--images 12] [--size 96] [--seed 1] [--max-objects 3] [--contrast]`
 * (--contrast: shapes near-white or near-black, for grey models; --max-objects 1: one box per image).
 * DIR gets images/ (PNGs with their VOC .xml beside them), annotations.json (COCO) and boxes.csv.
 */
import * as path from 'node:path';
import { makeBoxDataset } from '../test/unit/helpers/boxDataset';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const num = (name: string, fallback: number): number => {
  const v = Number(opt(name, String(fallback)));
  if (!(v > 0) || !Number.isInteger(v)) {
    console.error(`--${name} must be a positive integer`);
    process.exit(1);
  }
  return v;
};

async function main(): Promise<void> {
  const out = path.resolve(opt('out', 'box-dataset'));
  const made = await makeBoxDataset(out, { images: num('images', 12), size: num('size', 96), seed: num('seed', 1), maxObjects: num('max-objects', 3), contrast: args.includes('--contrast') });
  const boxes = made.images.reduce((s, im) => s + im.boxes.length, 0);
  console.log(`${made.images.length} images, ${boxes} boxes (${made.labels.join(', ')}) → ${out}`);
  console.log(`  COCO: ${made.coco}\n  VOC:  ${made.voc}\n  CSV:  ${made.csv}`);
}

void main();
