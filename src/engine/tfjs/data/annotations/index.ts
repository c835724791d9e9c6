/**
 * Box datasets (object localisation and detection) from COCO JSON, Pascal VOC XML or a CSV, told
 * apart by what `source` is: a .json file → COCO; a folder of .xml files (or with Annotations/),
 * or one .xml → VOC; a .csv/.tsv → CSV. All three give the same `BoxDataset`: absolute image
 * paths, sizes, and boxes normalised to the image (src/core/detection/boxes.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCsv } from '../../../../core/data/labels';
import { UserError } from '../../../../core/errors';
import { parseCoco } from './coco';
import { parseBoxCsv } from './csv';
import { finish } from './finish';
import type { BoxDataset, BoxFormat, RawDataset, ReadBoxOptions } from './types';
import { parseVoc } from './voc';

export type { BoxDataset, BoxFormat, BoxImage, BoxLabel, ReadBoxOptions } from './types';

export function sniffBoxFormat(source: string): BoxFormat {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch {
    throw new UserError('annotations not found', { file: source, hint: 'give a COCO .json file, a folder of Pascal VOC .xml files, or a .csv (path,label,xmin,ymin,xmax,ymax)' });
  }
  if (st.isDirectory()) {
    const names = fs.readdirSync(source);
    if (names.some((n) => /\.xml$/i.test(n)) || names.includes('Annotations')) return 'voc';
    const other = names.find((n) => /\.(json|csv|tsv)$/i.test(n));
    throw new UserError('no Pascal VOC .xml files in this folder', {
      file: source,
      hint: other ? `for the annotations in ${other}, give that file instead of the folder` : 'give a COCO .json file, a folder of VOC .xml files, or a .csv',
    });
  }
  if (/\.json$/i.test(source)) return 'coco';
  if (/\.xml$/i.test(source)) return 'voc';
  if (isCsv(source)) return 'csv';
  throw new UserError(`cannot tell the annotation format of a ${path.extname(source) || 'file without extension'}`, { file: source, hint: 'box annotations are a COCO .json, Pascal VOC .xml files or a .csv' });
}

/** Reads a box dataset (COCO, VOC or CSV). Errors in the annotations are UserErrors naming the file and the entry. */
export async function readBoxDataset(source: string, opts: ReadBoxOptions = {}): Promise<BoxDataset> {
  const abs = path.resolve(source);
  const format = sniffBoxFormat(abs);
  const raw: RawDataset = format === 'coco' ? parseCoco(abs, opts) : format === 'voc' ? parseVoc(abs, opts) : parseBoxCsv(abs, opts);
  return finish(raw, opts);
}
