// Builds every bundle with esbuild and writes the recipe JSON Schema.
//   node scripts/build.mjs [--watch] [--production] [--no-webview]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// Native and wasm-carrying packages stay in node_modules (shipped in the .vsix).
const engineExternals = ['@tensorflow/*', 'sharp', 'h5wasm', 'h5wasm/*'];

const common = { bundle: true, mainFields: ['module', 'main'], sourcemap: !production, minify: production, logLevel: 'warning', metafile: true };

const builds = [
  { ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  { ...common, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js', platform: 'node', format: 'cjs', target: 'node20', external: engineExternals },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: engineExternals },
  { ...common, entryPoints: ['src/worker/extractThread.ts'], outfile: 'dist/extract-thread.js', platform: 'node', format: 'cjs', target: 'node20', external: engineExternals },
];
for (const name of process.argv.includes('--no-webview') ? [] : ['designer', 'dashboard', 'inspector', 'compare']) {
  const entry = `webview/${name}/main.ts`;
  if (fs.existsSync(path.join(root, entry))) {
    builds.push({ ...common, entryPoints: [entry], outfile: `dist/webview/${name}.js`, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' } });
  }
}

/** The extension host must never load TF.js: fail the build if it sneaks into the bundle. */
function checkExtensionBundle(meta) {
  const bad = Object.keys(meta.inputs).filter((f) => /@tensorflow|sharp|h5wasm|src[\\/]engine[\\/]/.test(f));
  if (bad.length) throw new Error(`dist/extension.js must not include TF.js or the engine:\n  ${bad.slice(0, 10).join('\n  ')}`);
}

/** The extension host bundle's biggest inputs by package (what to look at when it grows). */
function topContributors(meta, outfile, n = 5) {
  const out = Object.entries(meta.outputs).find(([f]) => f.endsWith(outfile.replace(/^dist\//, '')) && !f.endsWith('.map'));
  if (!out) return '';
  const byPackage = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(out[1].inputs)) {
    const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = m ? m[1] : 'src (own code)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KiB`).join(', ');
}

/** Webview assets that are not bundled: the codicon font for @vscode-elements/elements icons. */
function copyWebviewAssets() {
  const dest = path.join(root, 'dist', 'webview', 'codicons');
  fs.mkdirSync(dest, { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(root, 'node_modules', '@vscode', 'codicons', 'dist', f), path.join(dest, f));
}

async function writeSchema() {
  const out = path.join(root, 'dist', 'schema-gen.cjs');
  await esbuild.build({ entryPoints: ['src/core/recipe/schema.ts'], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  const { recipeJsonSchema } = await import(pathToFileURL(out).href);
  const text = JSON.stringify(recipeJsonSchema(), null, 2) + '\n';
  const target = path.join(root, 'schemas', 'adapt.schema.json');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== text) fs.writeFileSync(target, text);
  fs.rmSync(out);
}

process.chdir(root);
const t0 = Date.now();
// a production build (what `npm run package` ships) starts clean: no source maps left from dev builds
if (production) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  checkExtensionBundle(results[0].metafile);
  copyWebviewAssets();
  await writeSchema();
  const sizes = builds.map((b) => `${b.outfile} ${(fs.statSync(b.outfile).size / 1024).toFixed(0)} KiB`);
  console.log(`built in ${Date.now() - t0} ms: ${sizes.join(', ')}`);
  console.log(`dist/extension.js by package: ${topContributors(results[0].metafile, 'dist/extension.js')}`);
}
