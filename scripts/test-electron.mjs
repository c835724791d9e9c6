#!/usr/bin/env node
// `npm run test:electron`: the same compiled suite as `npm run test:vscode` (test/vscode), run in the
// desktop (Electron) VS Code through @vscode/test-electron. It DOWNLOADS VS Code (cached in
// .vscode-test/), so it needs network; offline, use `npm run test:vscode`.
// Env: VSCODE_VERSION (default: stable), VSCODE_TEST_GREP (mocha grep). On Linux without a display it
// re-runs itself under `xvfb-run -a` when that exists.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildExtension, buildSuite, makeWorkspace, reportResult, root, stamper, suiteEnv } from './lib/vscode-server.mjs';

const stamp = stamper('test:electron');
const which = (cmd) => { try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; } };

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && !process.env.TS_UNDER_XVFB) {
  if (which('xvfb-run')) {
    const r = spawnSync('xvfb-run', ['-a', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, TS_UNDER_XVFB: '1' } });
    process.exit(r.status ?? 1);
  }
  stamp('no display and no xvfb-run: Electron may fail to start (apt-get install xvfb, or set DISPLAY)');
}

const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');
const version = process.env.VSCODE_VERSION ?? 'stable';
let vscodeExecutablePath;
try {
  stamp(`getting VS Code ${version} (downloads into .vscode-test/ unless cached)…`);
  vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: path.join(root, '.vscode-test'), timeout: 30_000 });
} catch (e) {
  console.error(`test:electron: could not download VS Code ${version} (${String(e?.message ?? e).split('\n')[0]}).`);
  console.error('test:electron: this runner needs network access to update.code.visualstudio.com; offline, run `npm run test:vscode` (same suite, real VS Code server from the npm registry).');
  process.exit(1);
}

try {
  buildExtension();
} catch (e) {
  console.error(`test:electron: the build failed: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
const suite = await buildSuite();
stamp(`built the extension and ${suite.tests.length} test file(s)`);
const workspace = makeWorkspace();
const resultFile = path.join(root, 'out', 'electron-result.json');
fs.rmSync(resultFile, { force: true });
const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-electron-'));

let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: suite.index,
    extensionTestsEnv: suiteEnv({ resultFile, workspace }),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
      '--disable-gpu', '--no-sandbox', `--user-data-dir=${path.join(userData, 'ud')}`, `--extensions-dir=${path.join(userData, 'ext')}`],
  });
} catch (e) {
  console.error(`test:electron: ${e.message ?? e}`);
  code = typeof e?.code === 'number' && e.code !== 0 ? e.code : 1;
}
reportResult(resultFile, stamp);
fs.rmSync(userData, { recursive: true, force: true });
if (code === 0) fs.rmSync(workspace, { recursive: true, force: true });
process.exit(code);
