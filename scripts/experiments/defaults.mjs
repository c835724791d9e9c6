#!/usr/bin/env node
// The experiment behind the head's defaults (docs/DEFAULTS.md): every variant of the head's
// regularisation, on several pre-trained models and small datasets none of them was tuned for,
// trained with the CLI exactly as a user's `init` recipe would be, scored on held-out test images.
//   node scripts/experiments/defaults.mjs [--out DIR] [--quick]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_LABELS, writeFashionImages } from '../lib/fashion.mjs';
import { writeShapes } from '../lib/shapes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(root, '..', 'shared', 'fixtures', 'real-models');
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const out = path.resolve(opt('out', path.join(root, 'test-output', 'defaults-experiment')));
const quick = args.includes('--quick');
const cli = path.join(root, 'bin', 'transfer-studio.js');

const datasets = {
  'fashion-4 (40/class)': async (d) => {
    const cls = ['trouser', 'bag', 'sneaker', 'dress'].map((c) => FASHION_LABELS.indexOf(c));
    await writeFashionImages(path.join(d, 'train'), { classes: cls, perClass: 40, offset: 0 });
    await writeFashionImages(path.join(d, 'test'), { classes: cls, perClass: 50, offset: 3000 });
  },
  'fashion-10 (20/class)': async (d) => {
    await writeFashionImages(path.join(d, 'train'), { perClass: 20, offset: 100 });
    await writeFashionImages(path.join(d, 'test'), { perClass: 30, offset: 3500 });
  },
  'shapes-4 (40/class)': async (d) => {
    await writeShapes(path.join(d, 'train'), { perClass: 40, seed: 7 });
    await writeShapes(path.join(d, 'test'), { perClass: 50, seed: 99 });
  },
};

const models = {
  'Teachable Machine MobileNetV2 (ImageNet)': path.join(root, 'examples', 'tm-image-nail-biting', 'model.json'),
  'MobileNet v1 0.25, emotion (FER)': path.join(root, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional', 'model.json'),
  'mini-Xception, emotion (Keras .hdf5)': path.join(shared, 'keras-h5-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5'),
  'DoodleNet, sketches (Keras .h5)': path.join(shared, 'keras-h5-doodlenet', 'doodleNet-model.h5'),
};

// each variant changes one thing against the defaults (dropout 0.5, standardisation with shrink 1)
const variants = {
  'defaults': {},
  'dropout 0.2': { head: 'dropout', rate: 0.2 },
  'dropout 0': { head: 'dropout', rate: 0 },
  'weight decay 1e-3': { training: { weightDecay: 1e-3 } },
  'weight decay 1e-2': { training: { weightDecay: 1e-2 } },
  'plain per-feature standardisation (shrink 0)': { env: { TRANSFER_STUDIO_STANDARDIZE_SHRINK: '0' } },
  'no standardisation': { training: { standardize: false } },
  'before (10 epochs, dropout 0.2, no early stopping, raw features)': { head: 'dropout', rate: 0.2, training: { epochs: 10, earlyStopping: false, standardize: false, schedule: { type: 'constant' } } },
};

function run(args, cwd, env = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TRANSFER_STUDIO_CACHE: path.join(out, 'cache'), ...env } });
  return r;
}

const results = [];
fs.mkdirSync(out, { recursive: true });
for (const [dname, make] of Object.entries(datasets)) {
  const ddir = path.join(out, 'data', dname.replace(/\W+/g, '-'));
  await make(ddir);
  for (const [mname, model] of Object.entries(models)) {
    if (!fs.existsSync(model)) { console.log(`skipped ${mname}: ${model} not found`); continue; }
    const base = path.join(out, 'runs', dname.replace(/\W+/g, '-'), mname.replace(/\W+/g, '-'));
    fs.mkdirSync(base, { recursive: true });
    const init = run(['init', '--model', model, '--data', path.join(ddir, 'train'), '-o', path.join(base, 'init.adapt.json'), '--force'], base);
    if (init.status !== 0) { console.log(`init failed for ${mname} on ${dname}: ${init.stderr}`); continue; }
    const drafted = JSON.parse(fs.readFileSync(path.join(base, 'init.adapt.json'), 'utf8'));
    for (const [vname, v] of Object.entries(variants)) {
      if (quick && !/^defaults|^before/.test(vname)) continue;
      const recipe = structuredClone(drafted);
      recipe.data.test = path.join(ddir, 'test');
      recipe.output = `./out-${vname.replace(/\W+/g, '-')}`;
      if (v.head === 'dropout') recipe.head = recipe.head.map((h) => (h.type === 'Dropout' ? { ...h, rate: v.rate } : h)).filter((h) => h.type !== 'Dropout' || h.rate > 0);
      if (v.training) recipe.training = { ...recipe.training, ...v.training };
      const file = path.join(base, `${vname.replace(/\W+/g, '-')}.adapt.json`);
      fs.writeFileSync(file, JSON.stringify(recipe, null, 2));
      const t0 = Date.now();
      const r = run(['train', file, '--json'], base, v.env);
      const events = r.stdout.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter(Boolean);
      const ev = events.find((e) => e.type === 'evaluation');
      const end = events.find((e) => e.type === 'phaseEnd');
      const row = { dataset: dname, model: mname, variant: vname, test: ev?.report.accuracy ?? null, epochs: end?.epochsRun ?? null, kept: end?.keptEpoch ?? null, seconds: (Date.now() - t0) / 1000, error: r.status === 0 ? undefined : (events.find((e) => e.type === 'error')?.error.message ?? r.stderr.slice(-300)) };
      results.push(row);
      console.log(`${dname} | ${mname} | ${vname}: test ${row.test === null ? '–' : (row.test * 100).toFixed(1) + '%'} (${row.epochs} epochs, kept ${row.kept}, ${row.seconds.toFixed(0)} s)${row.error ? ` ERROR ${row.error}` : ''}`);
      fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2));
    }
  }
}

// the summary docs/DEFAULTS.md quotes: mean test accuracy per variant, and how often it beat the defaults
const pct = (v) => `${(v * 100).toFixed(1)}%`;
console.log('\nvariant | mean test accuracy | better / worse than the defaults (by > 0.5 point) | mean epochs');
for (const v of Object.keys(variants)) {
  const rows = results.filter((r) => r.variant === v && r.test !== null);
  if (!rows.length) continue;
  const def = (r) => results.find((x) => x.variant === 'defaults' && x.dataset === r.dataset && x.model === r.model);
  const better = rows.filter((r) => def(r) && r.test > def(r).test + 0.005).length;
  const worse = rows.filter((r) => def(r) && r.test < def(r).test - 0.005).length;
  console.log(`${v} | ${pct(rows.reduce((a, r) => a + r.test, 0) / rows.length)} | ${better} / ${worse} | ${(rows.reduce((a, r) => a + r.epochs, 0) / rows.length).toFixed(0)}`);
}
