/** Run the built CLI (dist/cli.js through bin/transfer-studio.js) as a user would. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './fixtures';

let built = false;
export function ensureBuilt(): void {
  if (built) return;
  const stale = ['dist/cli.js', 'dist/worker.js'].some((f) => !fs.existsSync(path.join(ROOT, f)));
  if (stale || process.env.TS_TEST_REBUILD) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  built = true;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
  ensureBuilt();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'transfer-studio.js'), ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
