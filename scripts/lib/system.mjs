// The system packages the browser-driven tests need, from Debian's apt: chromium (the webview and
// real-VS-Code tests drive it with playwright-core) and libkrb5-dev (code-server's native modules
// compile against it). Installed when missing — as root, or with passwordless sudo — printing what
// it installs; otherwise one line naming the packages and the command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Where the tests look for Chromium: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

const NEEDS = [
  { pkg: 'chromium', present: () => fs.existsSync(chromiumPath()), why: 'the browser the webview and real-VS-Code tests drive' },
  { pkg: 'libkrb5-dev', present: () => fs.existsSync('/usr/include/gssapi/gssapi.h'), why: 'headers code-server\'s native modules build against' },
];

function canSudo() {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

/** Installs what is missing of `which` (package names); throws one clear line when it cannot. */
export function ensureSystemPackages({ which = NEEDS.map((n) => n.pkg), log = console.log } = {}) {
  const missing = NEEDS.filter((n) => which.includes(n.pkg) && !n.present());
  if (missing.length === 0) return [];
  const names = missing.map((m) => m.pkg);
  const command = `sudo apt-get install -y ${names.join(' ')}`;
  const root = process.getuid?.() === 0;
  if (!fs.existsSync('/usr/bin/apt-get') || (!root && !canSudo())) {
    const where = process.env.CHROMIUM_PATH ? ` (CHROMIUM_PATH is ${process.env.CHROMIUM_PATH})` : '';
    throw new Error(`missing ${names.join(' and ')} (${missing.map((m) => m.why).join('; ')})${where}: run \`${command}\`, then npm test again`);
  }
  const sudo = root ? [] : ['sudo', '-n'];
  log(`installing ${names.join(', ')} with apt-get (${missing.map((m) => `${m.pkg}: ${m.why}`).join('; ')})…`);
  const run = (args) => execFileSync(sudo[0] ?? args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...names]);
  const still = missing.filter((m) => !m.present()).map((m) => m.pkg);
  if (still.length) throw new Error(`apt-get installed ${names.join(' ')}, but ${still.join(', ')} is still not where the tests look${process.env.CHROMIUM_PATH ? ` (CHROMIUM_PATH=${process.env.CHROMIUM_PATH})` : ''}`);
  log(`installed ${names.join(', ')}`);
  return names;
}
