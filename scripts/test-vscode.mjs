#!/usr/bin/env node
// `npm run test:vscode`: the extension's integration tests inside a real VS Code (offline).
// Builds the extension and the tests, starts the bundled VS Code server, runs the mocha suite in
// its extension host through Chromium, and stops everything (also on failure or Ctrl-C).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ensureTools, root, startServer, tools } from './lib/vscode-server.mjs';

const t0 = Date.now();
const stamp = (m) => console.log(`[test:vscode +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

ensureTools({ log: stamp });
await import(path.join(root, 'scripts', 'build.mjs'));

// the suite: every test/vscode/**/*.vscode.test.ts plus the mocha entry, bundled for the extension host
const testDir = path.join(root, 'test', 'vscode');
const entries = [path.join(testDir, 'index.ts'), ...fs.readdirSync(testDir).filter((f) => f.endsWith('.vscode.test.ts')).map((f) => path.join(testDir, f))];
const outDir = path.join(root, 'out', 'test', 'vscode');
fs.rmSync(outDir, { recursive: true, force: true });
await esbuild.build({ entryPoints: entries, outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], sourcemap: 'inline', logLevel: 'warning', mainFields: ['module', 'main'] });
stamp(`built ${entries.length - 1} test file(s)`);

// a fresh copy of the test workspace
const ws = fs.mkdtempSync(path.join(root, 'out', 'ws-'));
fs.cpSync(path.join(root, 'test', 'fixtures', 'workspace'), ws, { recursive: true });
const resultFile = path.join(root, 'out', 'vscode-result.json');
fs.rmSync(resultFile, { force: true });

const server = await startServer({ env: { TS_VSCODE_RESULT: resultFile, TS_VSCODE_GREP: process.env.VSCODE_TEST_GREP ?? '', TS_ROOT: root, TRANSFER_STUDIO_CACHE: path.join(ws, '.cache') } });
stamp(`VS Code server up at ${server.url}`);
let code = 1;
const cleanup = () => { server.stop(); };
process.on('SIGINT', () => { cleanup(); process.exit(130); });
try {
  code = await new Promise((resolve) => {
    const driver = spawn(process.execPath, [path.join(tools, 'driver', 'run-tests.js'), root, path.join(outDir, 'index.js'), ws], {
      stdio: 'inherit', env: { ...process.env, CS_URL: server.url, TEST_TIMEOUT_MS: process.env.TEST_TIMEOUT_MS ?? '900000', SHOT: path.join(root, 'test-output', 'vscode-final.png') },
    });
    driver.on('exit', (c) => resolve(c ?? 1));
  });
} finally {
  cleanup();
}
if (fs.existsSync(resultFile)) {
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  stamp(`${r.passed} passed, ${r.failed} failed${r.failures?.length ? `:\n  ${r.failures.join('\n  ')}` : ''}`);
} else stamp('no result file: the suite did not run to its end (see the server log: ' + server.logFile + ')');
fs.rmSync(ws, { recursive: true, force: true });
process.exit(code);
