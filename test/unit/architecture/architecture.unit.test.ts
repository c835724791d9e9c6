/**
 * The architecture holds: the import rules of .dependency-cruiser.cjs (no circles, core at the
 * bottom, the extension host never reaching the engine, webviews on core alone) and the
 * extension host bundle's size (it loads on every VS Code start).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as defaults from '../../../src/core/recipe/defaults';
import { draftRecipe } from '../../../src/core/recipe/draft';

const root = path.resolve(__dirname, '..', '..', '..');

describe('architecture', () => {
  it('has no import circle and no import across the layers the architecture forbids', async function () {
    this.timeout(120000);
    const { cruise } = (await import('dependency-cruiser')) as { cruise: (files: string[], opts: object) => Promise<{ output: { summary: { violations: { rule: { name: string }; from: string; to: string; cycle?: { name: string }[] }[]; totalCruised: number } } }> };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(path.join(root, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: object };
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const { output } = await cruise(['src', 'webview'], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true });
      const v = output.summary.violations.map((x) => `${x.rule.name}: ${x.from} → ${x.cycle ? x.cycle.map((c) => c.name).join(' → ') : x.to}`);
      assert.ok(output.summary.totalCruised > 150, `cruised only ${output.summary.totalCruised} modules`);
      assert.deepEqual(v, []);
    } finally {
      process.chdir(cwd);
    }
  });

  it('the extension host bundle, as it ships (minified, what VS Code loads at every start), stays within 200 KB; TF.js is never in it', async function () {
    this.timeout(60000);
    const esbuild = await import('esbuild');
    // the production settings of scripts/build.mjs for dist/extension.js
    const shipped = await esbuild.build({ entryPoints: [path.join(root, 'src/extension/main.ts')], bundle: true, mainFields: ['module', 'main'], minify: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], write: false, logLevel: 'silent' });
    const bytes = shipped.outputFiles[0]!.contents.length;
    assert.ok(bytes <= 200 * 1024, `the shipped extension.js is ${(bytes / 1024).toFixed(0)} KB, above the 200 KB budget: run \`npm run build\` and look at "by package"`);
    const bundle = path.join(root, 'dist', 'extension.js');
    if (!fs.existsSync(bundle)) return;
    const text = fs.readFileSync(bundle, 'utf8');
    assert.doesNotMatch(text, /@tensorflow\/tfjs-core|h5wasm/, 'TF.js or h5wasm is in the extension host bundle');
  });
});

describe('one home for recipe defaults and enumerations', () => {
  it('no file but src/core/recipe/defaults.ts spells out a recipe enumeration (two of its members in a row)', async () => {
    const enums: Record<string, readonly string[]> = {
      TASKS: defaults.TASKS, PREPROCESS_MODES: defaults.PREPROCESS_MODES, ACTIVATIONS: defaults.ACTIVATIONS, HEAD_LAYER_TYPES: defaults.HEAD_LAYER_TYPES, OPTIMIZERS: defaults.OPTIMIZERS,
      BACKENDS: defaults.BACKENDS, ENGINES: defaults.ENGINES, SCHEDULE_TYPES: defaults.SCHEDULE_TYPES, CACHE_MODES: defaults.CACHE_MODES, MONITOR_NAMES: defaults.MONITOR_NAMES,
    };
    const files: string[] = [];
    const walk = (d: string): void => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (p.endsWith('.ts')) files.push(p); } };
    walk(path.join(root, 'src'));
    walk(path.join(root, 'webview'));
    // the Keras importer maps Keras's own vocabulary (its activation names), not the recipe's; the
    // default cut and the probe read the classes of a model's layers, not the head's layer types
    const own = (f: string): boolean => f.endsWith(path.join('core', 'recipe', 'defaults.ts')) || f.includes(path.join('engine', 'tfjs', 'keras'));
    const modelLayers = (f: string, name: string): boolean => name === 'HEAD_LAYER_TYPES' && /core[\\/](classifier|probe)/.test(f);
    const strays: string[] = [];
    for (const f of files.filter((x) => !own(x))) {
      const text = fs.readFileSync(f, 'utf8');
      for (const [name, values] of Object.entries(enums)) {
        if (modelLayers(f, name)) continue;
        for (let i = 0; i + 1 < values.length; i++) {
          const pair = new RegExp(`['"]${values[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"],\\s*['"]${values[i + 1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`);
          if (pair.test(text)) { strays.push(`${path.relative(root, f)}: a copy of ${name}`); break; }
        }
      }
    }
    assert.deepEqual(strays, []);
  });

  it('the training numbers of init and new recipes are not written into the recipe (the defaults apply)', async () => {
    const summary = { name: 'm', className: 'Sequential', format: 'tfjs-layers' as const, source: '/m/model.json', inputShape: [null, 8, 8, 3], outputShape: [null, 2], totalParams: 0, trainableParams: 0, nonTrainableParams: 0, metadata: {},
      layers: [{ name: 'gap', className: 'GlobalAveragePooling2D', outputShape: [null, 3], trainableParams: 0, nonTrainableParams: 0, trainable: true, inbound: [] }, { name: 'fc', className: 'Dense', outputShape: [null, 2], trainableParams: 8, nonTrainableParams: 0, trainable: true, inbound: ['gap'] }] };
    const { recipe } = draftRecipe(summary, { model: './m/model.json', data: './data' });
    assert.deepEqual(Object.keys(recipe.training ?? {}), ['seed']);
    assert.equal(recipe.cut, 'gap');
  });
});
