/**
 * A run's folder, `<recipe dir>/.transfer-studio/runs/<name>-<timestamp>`: claimed with a
 * non-recursive mkdir, so two runs started in the same second (CLI, extension, or both) never
 * share event logs and checkpoints; a taken name gets -2, -3…
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function claimRunFolder(recipeDir: string, name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  const runs = path.join(recipeDir, '.transfer-studio', 'runs');
  fs.mkdirSync(runs, { recursive: true });
  for (let i = 1; ; i++) {
    const dir = path.join(runs, `${name}-${stamp}${i > 1 ? `-${i}` : ''}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
