/** Listing a dataset: image folders (one sub-folder per class) or CSV files, with skipped files and why. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../../core/errors';
import { IMAGE_EXTENSIONS, isCsv, splitCsvLine } from '../../../core/data/labels';
import type { Task } from '../../../core/recipe/schema';

export interface Listed {
  file: string;
  /** Label names (single-label: one; multi-label: any) or regression values. */
  labels: string[];
  values: number[];
}

export interface Skipped {
  file: string;
  reason: string;
}

export interface Listing {
  source: string;
  items: Listed[];
  skipped: Skipped[];
  warnings: string[];
  /** Output names for regression (CSV header or y1…yn). */
  targets?: string[];
  /** Class folders with no usable image. */
  emptyClasses: string[];
}

export function listDataset(source: string, task: Task): Listing {
  if (!fs.existsSync(source)) throw new UserError('data not found', { file: source, hint: 'check the path in the recipe\'s "data" (relative to the recipe file)' });
  return fs.statSync(source).isDirectory() ? listFolder(source, task) : isCsv(source) ? listCsv(source, task) : failNotData(source);
}

function failNotData(source: string): never {
  throw new UserError('expected a folder with one sub-folder per class, or a CSV file', { file: source });
}

function listFolder(dir: string, task: Task): Listing {
  if (task === 'regression') throw new UserError('regression needs a CSV (path,y1,y2,…), not a folder', { file: dir });
  if (task === 'multi-label') throw new UserError('multi-label data needs a CSV (path,label1|label2)', { file: dir, hint: 'a folder per class gives one label per image; use task "single-label" for it' });
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort((a, b) => a.localeCompare(b, 'en'));
  const looseImages = entries.filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()));
  if (classes.length === 0) {
    throw new UserError(looseImages.length ? `found ${looseImages.length} images but no class folders` : 'no class folders found', {
      file: dir,
      hint: 'put the images of each class in their own sub-folder: DATA/cat/1.jpg, DATA/dog/2.jpg, …',
    });
  }
  const items: Listed[] = [];
  const skipped: Skipped[] = [];
  const emptyClasses: string[] = [];
  const warnings: string[] = [];
  for (const label of classes) {
    const folder = path.join(dir, label);
    let count = 0;
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.name.startsWith('.')) continue;
        const file = path.join(d, e.name);
        if (e.isDirectory()) { walk(file); continue; }
        if (!IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
          skipped.push({ file, reason: `not an image (${path.extname(e.name) || 'no extension'})` });
          continue;
        }
        items.push({ file, labels: [label], values: [] });
        count++;
      }
    };
    walk(folder);
    if (count === 0) emptyClasses.push(label);
  }
  if (looseImages.length) warnings.push(`${looseImages.length} image(s) directly in ${dir} are not in a class folder and are ignored`);
  return { source: dir, items, skipped, warnings, emptyClasses };
}

function listCsv(csv: string, task: Task): Listing {
  const text = fs.readFileSync(csv, 'utf8');
  const sep = /\.tsv$/i.test(csv) ? '\t' : ',';
  const lines = text.split(/\r?\n/);
  const base = path.dirname(csv);
  const items: Listed[] = [];
  const skipped: Skipped[] = [];
  let targets: string[] | undefined;
  let first = true;
  lines.forEach((line, i) => {
    if (!line.trim() || line.trim().startsWith('#')) return;
    const cells = splitCsvLine(line, sep);
    if (first) {
      first = false;
      if (/^(path|file|filename|image|img)$/i.test(cells[0] ?? '')) {
        if (task === 'regression') targets = cells.slice(1);
        return;
      }
    }
    const where = `line ${i + 1}`;
    const rel = cells[0] ?? '';
    if (!rel) throw new UserError(`${where}: the first column must be an image path`, { file: csv });
    const file = path.resolve(base, rel);
    if (task === 'regression') {
      if (cells.length < 2) throw new UserError(`${where}: a regression CSV needs path,y1[,y2,…]; got ${cells.length} column(s)`, { file: csv, hint: 'for classification set "task": "single-label" or "multi-label"' });
      const values = cells.slice(1).map(Number);
      if (values.some((v) => !Number.isFinite(v))) throw new UserError(`${where}: the targets must be numbers, got "${cells.slice(1).join(',')}"`, { file: csv, hint: 'for labels set "task": "single-label" or "multi-label"' });
      if (targets && values.length !== targets.length) throw new UserError(`${where}: expected ${targets.length} target(s), got ${values.length}`, { file: csv });
      targets ??= values.map((_, k) => `y${k + 1}`);
      if (values.length !== targets.length) throw new UserError(`${where}: expected ${targets.length} target(s), got ${values.length}`, { file: csv });
      if (!fs.existsSync(file)) skipped.push({ file, reason: `missing (listed on ${where} of ${path.basename(csv)})` });
      else items.push({ file, labels: [], values });
      return;
    }
    if (cells.length !== 2) throw new UserError(`${where}: expected 2 columns (path,label${task === 'multi-label' ? '1|label2' : ''}), got ${cells.length}`, { file: csv, hint: task === 'single-label' ? 'several labels per image: set "task": "multi-label" and separate them with |; numbers: "task": "regression"' : undefined });
    const labels = task === 'multi-label' ? cells[1]!.split('|').map((l) => l.trim()).filter(Boolean) : [cells[1]!.trim()];
    if (task === 'single-label' && (labels[0] ?? '').includes('|')) throw new UserError(`${where}: "${cells[1]}" has several labels`, { file: csv, hint: 'set "task": "multi-label"' });
    if (labels.length === 0 || labels[0] === '') throw new UserError(`${where}: the label is empty`, { file: csv });
    if (!fs.existsSync(file)) skipped.push({ file, reason: `missing (listed on ${where} of ${path.basename(csv)})` });
    else items.push({ file, labels, values: [] });
  });
  return { source: csv, items, skipped, warnings: [], targets, emptyClasses: [] };
}
