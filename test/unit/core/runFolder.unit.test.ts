import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { claimRunFolder } from '../../../src/core/runFolder';
import { tempDir } from '../../helpers/fixtures';

describe('run folders', () => {
  it('runs started in the same second (CLI and extension alike) get folders of their own', () => {
    const dir = tempDir('ts-runs-');
    const now = new Date('2026-12-01T10:11:12.345Z');
    const a = claimRunFolder(dir, 'flowers', now);
    const b = claimRunFolder(dir, 'flowers', now);
    const c = claimRunFolder(dir, 'flowers', now);
    assert.equal(path.relative(dir, a), path.join('.transfer-studio', 'runs', 'flowers-2026-12-01_10-11-12'));
    assert.equal(path.basename(b), 'flowers-2026-12-01_10-11-12-2');
    assert.equal(path.basename(c), 'flowers-2026-12-01_10-11-12-3');
    for (const d of [a, b, c]) assert.ok(fs.statSync(d).isDirectory() && fs.readdirSync(d).length === 0, `${d} exists and is empty`);
  });
});
