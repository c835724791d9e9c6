/** Image-folder datasets: DATA/<class>/<image>, sub-folders inside a class folder included. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../../core/errors';
import { IMAGE_EXTENSIONS } from '../../../core/data/labels';
import type { Task } from '../../../core/recipe/schema';
import type { Listed, Listing, Skipped } from './types';

/** Files and folders that operating systems leave behind (__MACOSX: zips made on a Mac); never data, never reported. */
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', 'icon\r', '__macosx']);

function ignored(name: string): boolean {
  return name.startsWith('.') || SYSTEM_FILES.has(name.toLowerCase());
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en');

/** Directory entries sorted by name (readdir order differs between file systems), symlinks followed. */
function entries(dir: string): { name: string; file: string; isDir: boolean }[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !ignored(e.name))
    .map((e) => {
      const file = path.join(dir, e.name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try {
          isDir = fs.statSync(file).isDirectory();
        } catch {
          isDir = false; // dangling link: reported as a file that cannot be read
        }
      }
      return { name: e.name, file, isDir };
    })
    .sort((a, b) => byName(a.name, b.name));
}

export function listFolder(dir: string, task: Task): Listing {
  if (task === 'regression') throw new UserError('regression needs a CSV (path,y1,y2,…), not a folder of class folders', { file: dir });
  if (task === 'multi-label') throw new UserError('multi-label data needs a CSV (path,label1|label2)', { file: dir, hint: 'a folder per class gives one label per image: use "task": "single-label" for it' });
  const top = entries(dir);
  const classes = top.filter((e) => e.isDir);
  const loose = top.filter((e) => !e.isDir && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()));
  if (classes.length === 0) {
    throw new UserError(loose.length ? `found ${loose.length} image(s) but no class folders` : 'no class folders found', {
      file: dir,
      hint: 'put the images of each class in a sub-folder named after the class: DATA/cat/1.jpg, DATA/dog/2.jpg, …',
    });
  }
  const items: Listed[] = [];
  const ignored: Skipped[] = [];
  const emptyClasses: string[] = [];
  for (const c of classes) {
    const seen = new Set<string>();
    let count = 0;
    const walk = (d: string): void => {
      const real = fs.realpathSync(d);
      if (seen.has(real)) return; // a symlink loop
      seen.add(real);
      for (const e of entries(d)) {
        if (e.isDir) walk(e.file);
        else if (IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
          items.push({ file: e.file, labels: [c.name], values: [] });
          count++;
        } else ignored.push({ file: e.file, reason: `not an image (${path.extname(e.name) || 'no extension'})` });
      }
    };
    walk(c.file);
    if (count === 0) emptyClasses.push(c.name);
  }
  const warnings = loose.length ? [`${loose.length} image(s) directly in ${dir} are not in a class folder: ignored`] : [];
  return { source: dir, items, skipped: [], ignored, warnings, emptyClasses };
}
