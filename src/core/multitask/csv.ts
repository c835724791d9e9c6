/**
 * A multi-task CSV: a header row naming the columns (the image path first: path, file, image…),
 * then one row per image with a cell per head's column. Read once for the labels (the training
 * CSV), then encoded row by row into target vectors (layout.ts). Every problem is a UserError
 * naming the CSV, the line and the column; nothing is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PATH_COLUMN, splitCsvLine } from '../data/labels';
import { UserError } from '../errors';
import type { TaskHeadSpec } from '../recipe/schema';
import { headColumns, layoutOf, type MultiTaskLayout, type ResolvedHead } from './layout';

export interface MultiTaskRow {
  line: number;
  /** Absolute image path (relative paths are relative to the CSV's folder). */
  file: string;
  /** The row's cells by column name. */
  cells: Map<string, string>;
}

export interface MultiTaskTable {
  file: string;
  header: string[];
  rows: MultiTaskRow[];
  /** Lines that list an image already listed (the first is used). */
  duplicates: number;
}


export function readMultiTaskCsv(file: string, heads: readonly Pick<TaskHeadSpec, 'name' | 'column'>[], role = 'training'): MultiTaskTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the ${role} CSV: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`, { file, hint: 'several heads read their labels from the columns of one CSV: check "data.train" (relative to the recipe)' });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const sep = /\.tsv$/i.test(file) ? '\t' : ',';
  const base = path.dirname(file);
  let header: string[] | undefined;
  const rows: MultiTaskRow[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trim().startsWith('#')) return;
    const cells = splitCsvLine(raw, sep);
    if (!header) {
      if (!PATH_COLUMN.test(cells[0] ?? '')) {
        throw new UserError(`line ${line}: a multi-task CSV starts with a header row naming its columns (the first one "path"), got "${raw.slice(0, 80)}"`, { file, hint: `e.g. path,${heads.map((h) => headColumns(h).join(',')).join(',')}` });
      }
      header = cells;
      const dup = header.find((c, k) => header!.indexOf(c) !== k);
      if (dup) throw new UserError(`line ${line}: the header names the column "${dup}" twice`, { file });
      for (const h of heads) {
        for (const c of headColumns(h)) {
          if (!header.includes(c) || c === header[0]) {
            throw new UserError(`the head "${h.name}" reads the column "${c}", which the header does not have (columns: ${header.slice(1).join(', ')})`, { file, hint: `rename the column, or set "column" of the head "${h.name}"` });
          }
        }
      }
      return;
    }
    while (cells.length > header.length && cells.at(-1) === '') cells.pop();
    if (cells.length > header.length) throw new UserError(`line ${line}: ${cells.length} cells, the header has ${header.length} columns`, { file, hint: 'quote cells that contain the separator' });
    const rel = cells[0] ?? '';
    if (!rel) throw new UserError(`line ${line}: the "${header[0]}" cell is empty`, { file });
    const abs = path.resolve(base, rel);
    if (seen.has(abs)) { duplicates++; return; }
    seen.add(abs);
    rows.push({ line, file: abs, cells: new Map(header.map((c, k) => [c, (cells[k] ?? '').trim()])) });
  });
  if (!header) throw new UserError(`the ${role} CSV is empty`, { file });
  return { file, header, rows, duplicates };
}

const splitLabels = (cell: string): string[] => [...new Set(cell.split('|').map((l) => l.trim()).filter(Boolean))];
const byName = (a: string, b: string): number => a.localeCompare(b, 'en');

/** The layout from the recipe's heads and the training CSV: each classification head's labels (the recipe's, or sorted), each regression head's targets. */
export function layoutFromTable(specs: readonly TaskHeadSpec[], table: MultiTaskTable, recipeFile?: string): MultiTaskLayout {
  return layoutOf(specs, (s, i) => {
    const cols = headColumns(s);
    if (s.task === 'regression') return cols;
    if (cols.length !== 1) throw new UserError(`the ${s.task} head "${s.name}" reads one column of labels, not ${cols.length}`, { file: recipeFile, jsonPath: `/heads/${i}/column` });
    if (s.labels?.length) return [...s.labels];
    const found = new Set<string>();
    for (const r of table.rows) {
      const cell = r.cells.get(cols[0]!) ?? '';
      for (const l of s.task === 'multi-label' ? splitLabels(cell) : cell ? [cell] : []) found.add(l);
    }
    const labels = [...found].sort(byName);
    if (s.task === 'single-label' && labels.length < 2) {
      throw new UserError(`the single-label head "${s.name}" needs at least 2 classes in the column "${cols[0]}"; it has ${labels.length ? `only "${labels[0]}"` : 'none'}`, { file: table.file, hint: 'check the column, or make the head "regression" if it holds numbers' });
    }
    if (labels.length === 0) throw new UserError(`the head "${s.name}" has no labels in the column "${cols[0]}"`, { file: table.file });
    return labels;
  });
}

/** A recipe's heads laid out from its training CSV (what every run, check, probe and dataset view starts from); undefined without "heads". */
export function recipeLayout(recipe: { heads?: TaskHeadSpec[]; data?: { train: string }; file?: string }): MultiTaskLayout | undefined {
  if (!recipe.heads || !recipe.data) return undefined;
  return layoutFromTable(recipe.heads, readMultiTaskCsv(recipe.data.train, recipe.heads), recipe.file);
}

/**
 * One row's target vector: each head's slice one-hot (single-label), multi-hot (multi-label) or
 * the numbers (regression); NaN over the slice when the row has no label for that head.
 */
export function encodeRow(layout: MultiTaskLayout, row: MultiTaskRow, file: string): Float32Array {
  const v = new Float32Array(layout.width);
  for (const h of layout.heads) encodeHead(h, row, file, v);
  return v;
}

function encodeHead(h: ResolvedHead, row: MultiTaskRow, file: string, v: Float32Array): void {
  const cells = h.columns.map((c) => row.cells.get(c) ?? '');
  const missing = (): void => { v.fill(Number.NaN, h.offset, h.offset + h.units); };
  const fail = (message: string, hint?: string): never => { throw new UserError(`line ${row.line}, column "${h.columns[0]}" (head "${h.name}"): ${message}`, { file, hint }); };
  if (h.task === 'regression') {
    const empty = cells.filter((c) => c === '').length;
    if (empty === cells.length) return missing();
    if (empty) fail(`${empty} of the head's ${cells.length} target cells are empty`, 'fill every target of the head, or leave them all empty (no label)');
    cells.forEach((c, j) => {
      const x = Number(c);
      if (!Number.isFinite(x)) throw new UserError(`line ${row.line}, column "${h.columns[j]}" (head "${h.name}"): a regression target must be a number, got "${c}"`, { file, hint: 'make the head "single-label" if the column holds classes' });
      v[h.offset + j] = x;
    });
    return;
  }
  const cell = cells[0]!;
  if (cell === '') return missing();
  const labels = h.task === 'multi-label' ? splitLabels(cell) : [cell];
  if (h.task === 'single-label' && cell.includes('|')) fail(`"${cell}" has several labels`, `make the head "multi-label"`);
  for (const l of labels) {
    const k = h.labels.indexOf(l);
    if (k < 0) fail(`"${l}" is not one of the head's labels (${h.labels.join(', ')})`, 'use the training CSV\'s labels in every split, or list them in the head\'s "labels"');
    v[h.offset + k] = 1;
  }
}
