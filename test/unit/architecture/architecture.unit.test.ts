/**
 * The architecture holds: the import rules of .dependency-cruiser.cjs (no circles, core at the
 * bottom, the extension host never reaching the engine, webviews on core alone) and the
 * extension host bundle's size (it loads on every VS Code start).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

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

  it('the extension host bundle stays within 300 KB (built by `npm run build`, which `npm test` runs first)', function () {
    const bundle = path.join(root, 'dist', 'extension.js');
    if (!fs.existsSync(bundle)) this.skip();
    const bytes = fs.statSync(bundle).size;
    assert.ok(bytes <= 300 * 1024, `dist/extension.js is ${(bytes / 1024).toFixed(0)} KB, above the 300 KB budget: run \`npm run build\` and look at "by package"`);
    const text = fs.readFileSync(bundle, 'utf8');
    assert.doesNotMatch(text, /@tensorflow\/tfjs-core|h5wasm/, 'TF.js or h5wasm is in the extension host bundle');
  });
});
