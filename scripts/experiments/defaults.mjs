#!/usr/bin/env node
// The experiment behind the head's defaults (docs/DEFAULTS.md): every variant of the head's
// regularisation, on several pre-trained models and small datasets none of them was tuned for,
// trained with the CLI exactly as a user's `init` recipe would be, scored on held-out test images.
//   node scripts/experiments/defaults.mjs [--out DIR] [--quick]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { FASHION_LABELS, writeFashionImages } from '../lib/fashion.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(root, '..', 'shared', 'fixtures', 'real-models');
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const out = path.resolve(opt('out', path.join(root, 'test-output', 'defaults-experiment')));
const quick = args.includes('--quick');
const cli = path.join(root, 'bin', 'transfer-studio.js');

/** Shapes of random colours, sizes and places on noisy backgrounds: a task no model here was trained on. */
async function writeShapes(dir, { perClass, seed }) {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const shapes = {
    circle: (x, y, k, c) => `<circle cx="${x}" cy="${y}" r="${k}" fill="${c}"/>`,
    square: (x, y, k, c) => `<rect x="${x - k}" y="${y - k}" width="${2 * k}" height="${2 * k}" fill="${c}"/>`,
    triangle: (x, y, k, c) => `<polygon points="${x},${y - k} ${x - k},${y + k} ${x + k},${y + k}" fill="${c}"/>`,
    cross: (x, y, k, c) => `<rect x="${x - k}" y="${y - k / 3}" width="${2 * k}" height="${(2 * k) / 3}" fill="${c}"/><rect x="${x - k / 3}" y="${y - k}" width="${(2 * k) / 3}" height="${2 * k}" fill="${c}"/>`,
  };
  for (const [name, draw] of Object.entries(shapes)) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const file = path.join(dir, name, `${i}.png`);
      if (fs.existsSync(file)) { r(); continue; }
      const k = 14 + r() * 22;
      const x = k + r() * (128 - 2 * k);
      const y = k + r() * (128 - 2 * k);
      const c = `hsl(${Math.floor(r() * 360)},70%,${35 + Math.floor(r() * 30)}%)`;
      const bg = `hsl(${Math.floor(r() * 360)},20%,${70 + Math.floor(r() * 20)}%)`;
      const noise = Array.from({ length: 30 }, () => `<circle cx="${r() * 128}" cy="${r() * 128}" r="${1 + r() * 4}" fill="hsl(${Math.floor(r() * 360)},30%,50%)" opacity="0.5"/>`).join('');
      await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="${bg}"/>${noise}${draw(x, y, k, c)}</svg>`)).png().toFile(file);
    }
  }
}

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

const variants = {
  'default (dropout 0.2)': {},
  'dropout 0': { head: 'dropout', rate: 0 },
  'dropout 0.5': { head: 'dropout', rate: 0.5 },
  'weight decay 1e-4': { training: { weightDecay: 1e-4 } },
  'weight decay 1e-3': { training: { weightDecay: 1e-3 } },
  'weight decay 1e-2': { training: { weightDecay: 1e-2 } },
  'no standardisation': { training: { standardize: false } },
  'old defaults (10 epochs, no early stopping, raw features)': { training: { epochs: 10, earlyStopping: false, standardize: false, schedule: { type: 'constant' } } },
};

function run(args, cwd) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TRANSFER_STUDIO_CACHE: path.join(out, 'cache') } });
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
      if (quick && !/^default|^old/.test(vname)) continue;
      const recipe = structuredClone(drafted);
      recipe.data.test = path.join(ddir, 'test');
      recipe.output = `./out-${vname.replace(/\W+/g, '-')}`;
      if (v.head === 'dropout') recipe.head = recipe.head.map((h) => (h.type === 'Dropout' ? { ...h, rate: v.rate } : h)).filter((h) => h.type !== 'Dropout' || h.rate > 0);
      if (v.training) recipe.training = { ...recipe.training, ...v.training };
      const file = path.join(base, `${vname.replace(/\W+/g, '-')}.adapt.json`);
      fs.writeFileSync(file, JSON.stringify(recipe, null, 2));
      const t0 = Date.now();
      const r = run(['train', file, '--json'], base);
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
