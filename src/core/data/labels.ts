/** Labels of a dataset from its layout alone (folder names or CSV), without decoding any image. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import type { Task } from '../recipe/schema';

/** Header names of a CSV's image-path column (a first cell like these marks a header row). */
export const PATH_COLUMN = /^(path|file|filename|file_name|filepath|file_path|image|img|image_path|image_file|images)$/i;

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif']);

export function isCsv(p: string): boolean {
  return /\.(csv|tsv)$/i.test(p);
}

/** Class folders (sorted) of an image-folder dataset, with how many image files each holds. */
export function classFolders(dir: string): { label: string; files: number }[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new UserError('data folder not found', { file: dir });
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'en'))
    .map((label) => ({ label, files: fs.readdirSync(path.join(dir, label)).filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).length }));
}

/** Split one CSV line (quotes allowed). */
export function splitCsvLine(line: string, sep = ','): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { out.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Output names: class labels (classification) or target column names (regression). */
export function datasetOutputs(train: string, task: Task, fixedLabels?: string[]): string[] {
  if (fixedLabels && task !== 'regression') return fixedLabels;
  if (!fs.existsSync(train)) throw new UserError('training data not found', { file: train, hint: 'check the path in the recipe\'s "data" (relative to the recipe file)' });
  if (isCsv(train)) {
    const lines = fs.readFileSync(train, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    const sep = /\.tsv$/i.test(train) ? '\t' : ',';
    const header = lines.length > 0 ? splitCsvLine(lines[0]!, sep) : [];
    const hasHeader = header.length > 0 && /^(path|file|filename|image)$/i.test(header[0]!);
    const rows = (hasHeader ? lines.slice(1) : lines).map((l) => splitCsvLine(l, sep));
    if (task === 'regression') {
      const width = rows[0]?.length ?? 0;
      if (width < 2) throw new UserError('a regression CSV needs path,y1[,y2,…] columns', { file: train });
      return hasHeader ? header.slice(1) : Array.from({ length: width - 1 }, (_, i) => `y${i + 1}`);
    }
    const labels = new Set<string>();
    for (const r of rows) {
      const cell = r[1] ?? '';
      for (const l of task === 'multi-label' ? cell.split('|') : [cell]) if (l.trim()) labels.add(l.trim());
    }
    return [...labels].sort((a, b) => a.localeCompare(b, 'en'));
  }
  if (task === 'regression') throw new UserError('regression needs a CSV (path,y1,y2,…), not a folder', { file: train });
  const folders = classFolders(train).filter((c) => c.files > 0);
  if (folders.length === 0) throw new UserError('no class folders with images found', { file: train, hint: 'expected one sub-folder per class, each holding images (jpg, png, webp, gif)' });
  return folders.map((f) => f.label);
}

/** Single-label classification needs two classes: the same clear refusal at `init`, `check` and `train`. */
export function requireTwoClasses(labels: string[], file: string, fixed = false): void {
  if (labels.length >= 2) return;
  throw new UserError(fixed
    ? `"labels" lists ${labels.length} class(es): single-label classification needs at least 2`
    : `single-label classification needs at least 2 classes with images; found ${labels.length}${labels.length ? ` ("${labels[0]}")` : ''}`, {
    file,
    hint: 'put each class in its own sub-folder (DATA/cat/…, DATA/dog/…), or for a yes/no question per image use "task": "multi-label"',
  });
}
