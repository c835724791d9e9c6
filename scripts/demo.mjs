#!/usr/bin/env node
// `npm run demo`: adapt a real pre-trained model to a real small dataset, offline, in a few minutes
// on 2 cores. The Teachable Machine export's ImageNet MobileNetV2 base (Apache-2.0, bundled in
// examples/) learns Fashion-MNIST from 20 labelled images per class; a from-scratch baseline with
// the same architecture, split and epochs trains beside it; both are scored on 500 held-back images.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_LABELS, writeFashionImages } from './lib/fashion.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const out = path.resolve(opt('out', path.join(root, 'demo-output')));
const perClass = Number(opt('per-class', 20));
const testPerClass = Number(opt('test-per-class', 50));
const epochs = opt('epochs') === undefined ? undefined : Number(opt('epochs'));
const baselineEpochs = Number(opt('baseline-epochs', 12));
const size = Number(opt('size', 80)); // 80² keeps the from-scratch baseline (full training on WASM) inside 3 minutes on 2 cores
const baseline = !args.includes('--no-baseline');

const t0 = Date.now();
console.log(`Transfer Studio demo → ${out}\n`);
console.log(`1. Writing Fashion-MNIST as PNG files: ${perClass} per class for training, ${testPerClass} per class held back for the test…`);
fs.rmSync(path.join(out, 'data'), { recursive: true, force: true });
const nTrain = await writeFashionImages(path.join(out, 'data', 'train'), { perClass, offset: 0 });
const nTest = await writeFashionImages(path.join(out, 'data', 'test'), { perClass: testPerClass, offset: 3000 });
console.log(`   ${nTrain} training and ${nTest} test images in ${FASHION_LABELS.length} classes (${FASHION_LABELS.join(', ')})\n`);

const recipeFile = path.join(out, 'fashion.adapt.json');
// what `transfer-studio init` writes (the default cut at the backbone's pooled output, the base
// frozen, the default head), plus the demo's image size, test folder and baseline: every training
// setting is the product's default (early stopping, reduce-on-plateau, standardised features)
const model = path.join(root, 'examples', 'tm-image-nail-biting', 'model.json');
const init = spawnSync(process.execPath, [path.join(root, 'bin', 'transfer-studio.js'), 'init', '--model', model, '--data', path.join(out, 'data', 'train'), '-o', recipeFile, '--force'], { encoding: 'utf8', cwd: out });
if (init.status !== 0) { console.error(init.stderr); process.exit(init.status ?? 1); }
const recipe = JSON.parse(fs.readFileSync(recipeFile, 'utf8'));
recipe.name = 'fashion-from-teachable-machine';
recipe.data = { ...recipe.data, test: './data/test', imageSize: [size, size] };
recipe.training = { ...recipe.training, ...(epochs ? { epochs } : {}), ...(baseline ? { baseline: 'scratch', baselineEpochs } : {}) };
recipe.output = './fashion-adapted';
fs.writeFileSync(recipeFile, JSON.stringify(recipe, null, 2) + '\n');
console.log(`2. Recipe ${path.relative(process.cwd(), recipeFile)} from \`transfer-studio init\`: ${init.stdout.split('\n')[1].trim()}; the base frozen; a new head for 10 classes, trained until the validation loss stops improving; images at ${size}×${size}${baseline ? `; baseline: the same network from random weights (up to ${baselineEpochs} epochs)` : ''}\n`);
console.log('3. Training in a background worker process (the same one VS Code starts):\n');
fs.rmSync(path.join(out, 'fashion-adapted'), { recursive: true, force: true });
const train = spawnSync(process.execPath, [path.join(root, 'bin', 'transfer-studio.js'), 'train', recipeFile], { stdio: 'inherit', cwd: out });
if (train.status !== 0) process.exit(train.status ?? 1);

console.log('\n4. Trying the adapted model on three held-back images:\n');
const samples = ['sneaker', 'trouser', 'bag'].map((c) => path.join(out, 'data', 'test', c, fs.readdirSync(path.join(out, 'data', 'test', c))[0]));
spawnSync(process.execPath, [path.join(root, 'bin', 'transfer-studio.js'), 'predict', path.join(out, 'fashion-adapted'), ...samples, '--top', '3'], { stdio: 'inherit', cwd: out });
console.log(`\nDemo finished in ${((Date.now() - t0) / 1000).toFixed(0)} s. The adapted model, its labels, the recipe and evaluation.json are in ${path.join(out, 'fashion-adapted')}`);
