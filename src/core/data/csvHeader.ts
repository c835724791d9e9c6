/**
 * The header row of a CSV dataset, read from its first lines only: the columns a multi-task
 * recipe's heads can learn (the designer offers them). Reads at most 64 KiB, whatever the file's size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_EXTENSIONS, PATH_COLUMN, splitCsvLine } from './labels';

const MAX_BYTES = 64 * 1024;
const MAX_COLUMNS = 256;
const MAX_NAME = 200;

export interface CsvHeader {
  /** The columns after the first (the image path). */
  columns: string[];
  /** Why there are none: the file cannot be read, is empty, or its first line lists an image (no header row). */
  error?: string;
}

export async function readCsvHeader(file: string): Promise<CsvHeader> {
  let text: string;
  let truncated: boolean;
  try {
    const fh = await fs.promises.open(file, 'r');
    try {
      const buf = Buffer.alloc(MAX_BYTES);
      const { bytesRead } = await fh.read(buf, 0, MAX_BYTES, 0);
      text = buf.subarray(0, bytesRead).toString('utf8');
      truncated = bytesRead === MAX_BYTES;
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { columns: [], error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the training CSV was not found' : `the training CSV cannot be read (${(e as Error).message})` };
  }
  return parseCsvHeader(text, /\.tsv$/i.test(file) ? '\t' : ',', truncated);
}

/** The header of CSV text: its first line that is neither empty nor a # comment (`truncated`: the text's last line may be cut short). */
export function parseCsvHeader(text: string, sep = ',', truncated = false): CsvHeader {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  if (truncated && lines.length > 1) lines.pop();
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first === undefined) return { columns: [], error: 'the training CSV is empty' };
  const cells = splitCsvLine(first, sep);
  if (IMAGE_EXTENSIONS.has(path.extname(cells[0] ?? '').toLowerCase())) {
    return { columns: [], error: 'the training CSV has no header row: its first line lists an image (several heads need one naming the columns: path,COLUMN,…)' };
  }
  // the rule a run reads the CSV by (core/multitask/csv.ts): the header's first column names the image path
  if (!PATH_COLUMN.test(cells[0] ?? '')) return { columns: [], error: `the training CSV's header must name the image path first (path, file, image…), not "${(cells[0] ?? '').slice(0, MAX_NAME)}"` };
  const columns = cells.slice(1, MAX_COLUMNS + 1).map((c) => c.slice(0, MAX_NAME)).filter((c) => c !== '');
  return columns.length ? { columns } : { columns: [], error: 'the training CSV\'s header names no column after the image path' };
}
