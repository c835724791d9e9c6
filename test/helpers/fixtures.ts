/** Where the test fixtures are: the project's own (licensed) and ../shared's real-models. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHARED_MODELS = path.resolve(ROOT, '..', 'shared', 'fixtures', 'real-models');
export const PROJECT_FIXTURES = path.join(ROOT, 'test', 'fixtures');

export function sharedModel(folder: string, file = 'model.json'): string {
  return path.join(SHARED_MODELS, folder, file);
}

export function hasSharedModels(): boolean {
  return fs.existsSync(SHARED_MODELS);
}

const temps: string[] = [];

/** A fresh temporary folder, removed when the test run ends. */
export function tempDir(prefix = 'ts-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Every file under `dir` with its size and mtime, to prove nothing was written or changed. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = fs.statSync(p);
        out[path.relative(dir, p)] = `${s.size}:${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}
