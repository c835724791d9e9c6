/**
 * Listing a dataset without decoding anything: an image folder (one sub-folder per class) or a
 * CSV file. Files that cannot be used at this stage are listed with the reason.
 */
import * as fs from 'node:fs';
import { UserError } from '../../../core/errors';
import { isCsv } from '../../../core/data/labels';
import type { Task } from '../../../core/recipe/schema';
import { listCsv } from './csv';
import { listFolder } from './folder';

export type { Listed, Listing, Skipped } from './types';
import type { Listing } from './types';


/** `role` names the recipe field the path came from, for messages ("training", "validation", "test"). */
export function listDataset(source: string, task: Task, role = 'training'): Listing {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch {
    throw new UserError(`${role} data not found`, { file: source, hint: 'check the path in the recipe\'s "data" (relative to the recipe file)' });
  }
  if (st.isDirectory()) return listFolder(source, task);
  if (isCsv(source)) return listCsv(source, task);
  throw new UserError(`${role} data must be a folder with one sub-folder per class, or a CSV file (path,label)`, { file: source });
}
