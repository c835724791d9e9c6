/**
 * CSV datasets, paths relative to the CSV's folder, header optional (`.tsv`: tab-separated):
 *   single-label  path,label
 *   multi-label   path,label1|label2   (an empty label cell: none of the labels)
 *   regression    path,y1,y2,…         (a header names the targets; otherwise y1…yn)
 * A line that does not fit the task is a UserError naming the CSV and the line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../../core/errors';
import { IMAGE_EXTENSIONS, PATH_COLUMN, splitCsvLine } from '../../../core/data/labels';
import type { Task } from '../../../core/recipe/schema';
import type { Listed, Listing, Skipped } from './types';


const isNumber = (s: string): boolean => s.trim() !== '' && Number.isFinite(Number(s));

function looksLikeHeader(cells: string[], base: string, task: Task): boolean {
  const first = cells[0] ?? '';
  if (PATH_COLUMN.test(first)) return true;
  if (task === 'regression' && cells.length > 1 && cells.slice(1).every(isNumber)) return false;
  return !IMAGE_EXTENSIONS.has(path.extname(first).toLowerCase()) && !fs.existsSync(path.resolve(base, first));
}

export function listCsv(csv: string, task: Task): Listing {
  let text: string;
  try {
    text = fs.readFileSync(csv, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the CSV: ${(e as Error).message}`, { file: csv });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark (Excel)
  const sep = /\.tsv$/i.test(csv) ? '\t' : ',';
  const base = path.dirname(csv);
  const name = path.basename(csv);
  const items: Listed[] = [];
  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let targets: string[] | undefined;
  let first = true;
  const fail = (line: number, message: string, hint?: string): never => {
    throw new UserError(`line ${line}: ${message}`, { file: csv, hint });
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trim().startsWith('#')) return;
    const cells = splitCsvLine(raw, sep);
    // trailing commas (Excel) dropped, but not a classification's label cell: `a.png,` is an empty label, not a missing column
    while (cells.length > (task === 'regression' ? 1 : 2) && cells.at(-1) === '') cells.pop();
    if (first) {
      first = false;
      if (looksLikeHeader(cells, base, task)) {
        if (task === 'regression') {
          if (cells.length < 2) fail(line, `a regression CSV needs path,y1[,y2,…]; the header has ${cells.length} column(s)`);
          targets = cells.slice(1);
        }
        return;
      }
    }
    const rel = cells[0] ?? '';
    if (!rel) fail(line, 'the first column must be an image path');
    let entry: Listed;
    if (task === 'regression') {
      if (cells.length < 2) fail(line, `a regression CSV needs path,y1[,y2,…]; got ${cells.length} column(s)`, 'for classification set "task": "single-label" or "multi-label"');
      const bad = cells.slice(1).find((c) => !isNumber(c));
      if (bad !== undefined) fail(line, `regression targets must be numbers, got "${bad}"`, 'for labels set "task": "single-label" (path,label) or "multi-label" (path,a|b)');
      const values = cells.slice(1).map(Number);
      targets ??= values.map((_, k) => `y${k + 1}`);
      if (values.length !== targets.length) fail(line, `expected ${targets.length} target(s), got ${values.length}`);
      entry = { file: path.resolve(base, rel), labels: [], values };
    } else {
      if (cells.length !== 2) {
        const numeric = cells.length > 2 && cells.slice(1).every(isNumber);
        fail(line, `expected 2 columns (path,${task === 'multi-label' ? 'label1|label2' : 'label'}), got ${cells.length}`,
          numeric ? 'these look like regression targets: set "task": "regression"' : task === 'single-label' ? 'several labels per image: set "task": "multi-label" and separate them with |' : 'separate several labels with |, not with commas');
      }
      const cell = cells[1] ?? '';
      let labels: string[];
      if (task === 'multi-label') labels = [...new Set(cell.split('|').map((l) => l.trim()).filter(Boolean))];
      else {
        if (cell.includes('|')) fail(line, `"${cell}" has several labels`, 'set "task": "multi-label"');
        if (!cell) fail(line, 'the label is empty');
        labels = [cell];
      }
      entry = { file: path.resolve(base, rel), labels, values: [] };
    }
    if (seen.has(entry.file)) { duplicates++; return; }
    seen.add(entry.file);
    if (!fs.existsSync(entry.file)) skipped.push({ file: entry.file, reason: `missing: listed on line ${line} of ${name}` });
    else items.push(entry);
  });
  if (duplicates) warnings.push(`${name}: ${duplicates} line(s) list an image already listed: only the first is used`);
  if (task === 'single-label') {
    const labels = new Set(items.map((i) => i.labels[0]!));
    if (labels.size > 1 && [...labels].every(isNumber) && [...labels].some((l) => !Number.isInteger(Number(l)))) {
      warnings.push(`${name}: every label is a number (${labels.size} distinct): if they are values to predict, set "task": "regression"`);
    }
  }
  return { source: csv, items, skipped, ignored: [], warnings, targets, emptyClasses: [] };
}
