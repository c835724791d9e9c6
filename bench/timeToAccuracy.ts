/**
 * P0: time to a target validation accuracy on the demo task (Fashion-MNIST, 10 classes, 20
 * labelled images per class, 80×80, the Teachable Machine export's ImageNet MobileNetV2), side by
 * side in one run with the standard PyTorch feature-extraction loop (bench/pytorch_tta.py: the
 * frozen base on every batch of every epoch, Adam) on the same images, split, base and cores.
 * Both clocks start before the model loads. The target is 95% of the lower of the two best
 * validation accuracies, so both reach it; the ratio is ours / theirs (goal ≤ 0.5).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { table } from '../src/core/format/table';
import type { WorkerEvent } from '../src/core/protocol/worker';
import { openDataset } from '../src/engine/tfjs/data';
import { log, quick, results, ROOT, writeImages } from './common';
import { torchPython } from './python';

const TM = path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json');

export async function benchTimeToAccuracy(): Promise<void> {
  const python = torchPython();
  if (!python) { log('P0 time to accuracy: PyTorch not found (apt install python3-torch python3-torchvision): skipped'); return; }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tta-'));
  await writeImages(path.join(work, 'data'), quick ? 12 : 20, 0);
  // the recipe `transfer-studio init` writes, at the demo's image size
  const cli = path.join(ROOT, 'bin', 'transfer-studio.js');
  const recipe = path.join(work, 'tta.adapt.json');
  execFileSync(process.execPath, [cli, 'init', '--model', TM, '--data', path.join(work, 'data'), '-o', recipe], { stdio: 'ignore' });
  const r = JSON.parse(fs.readFileSync(recipe, 'utf8'));
  r.data.imageSize = [80, 80];
  r.output = './out';
  fs.writeFileSync(recipe, JSON.stringify(r, null, 2));

  // as after a user's first run: the engine choice's probe of the Python interpreters is cached (the features are not)
  const cacheRoot = path.join(work, 'cache');
  execFileSync(process.execPath, [cli, 'env'], { stdio: 'ignore', env: { ...process.env, TRANSFER_STUDIO_CACHE: cacheRoot } });
  log('P0: Transfer Studio with init\'s defaults (cached features, converged head)…');
  const runDir = path.join(work, 'run');
  const t0 = Date.now();
  const ours = spawnSync(process.execPath, [cli, 'train', recipe, '--json', '--run-dir', runDir], { encoding: 'utf8', env: { ...process.env, TRANSFER_STUDIO_CACHE: cacheRoot } });
  if (ours.status !== 0) throw new Error(`our run failed: ${ours.stderr}`);
  const timed = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as WorkerEvent & { t: number });
  const ourHistory = timed.filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> & { t: number } => e.type === 'epochEnd' && e.phase === 'head').map((e) => ({ seconds: (e.t - t0) / 1000, valAccuracy: e.logs.val_accuracy ?? 0 }));

  // the same split, for the peer: the engine's own listing with the recipe's seed
  const ds = await openDataset({ train: path.join(work, 'data'), validationSplit: r.data.validationSplit, task: 'single-label', seed: r.training.seed, maxSkipped: 0.1, image: { height: 80, width: 80, channels: 3, preprocess: '-1,1' } });
  const spec = {
    modelJson: TM, cut: r.cut, image: { height: 80, width: 80, channels: 3 }, preprocess: '-1,1', classes: ds.labels.length, batchSize: 32, epochs: quick ? 10 : 30,
    threads: os.cpus().length, train: ds.train.map((e) => [e.file, e.classes[0]]), validation: ds.validation.map((e) => [e.file, e.classes[0]]),
  };
  fs.writeFileSync(path.join(work, 'spec.json'), JSON.stringify(spec));
  log(`P0: the PyTorch feature-extraction loop (${spec.epochs} epochs, frozen base on every batch)…`);
  const theirs = JSON.parse(execFileSync(python, [path.join(__dirname, 'pytorch_tta.py'), path.join(work, 'spec.json')], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(ROOT, 'python') }, maxBuffer: 8 * 1024 * 1024 }).trim().split('\n').pop()!) as { torch: string; history: { seconds: number; valAccuracy: number }[] };

  const best = (h: { valAccuracy: number }[]): number => Math.max(...h.map((x) => x.valAccuracy));
  const target = 0.95 * Math.min(best(ourHistory), best(theirs.history));
  const reach = (h: { seconds: number; valAccuracy: number }[]): number | undefined => h.find((x) => x.valAccuracy >= target - 1e-9)?.seconds;
  const oursSec = reach(ourHistory)!;
  const theirsSec = reach(theirs.history)!;
  results.timeToAccuracy = { target, oursSeconds: oursSec, pytorchLoopSeconds: theirsSec, oursBest: best(ourHistory), pytorchLoopBest: best(theirs.history), oursEpochs: ourHistory.length, pytorchEpochs: theirs.history.length, torch: theirs.torch, task: 'Fashion-MNIST 10 classes, 20 per class, 80×80, TM MobileNetV2 0.35' };
  results.timeToAccuracyRatio = oursSec / theirsSec;
  console.log(`\nP0 time to ${(target * 100).toFixed(1)}% validation accuracy (95% of the lower best), demo task`);
  console.log(table(['', 'seconds to target', 'best val accuracy', 'epochs'], [
    ['Transfer Studio (init defaults, TF.js WASM, cached features)', oursSec.toFixed(1), `${(best(ourHistory) * 100).toFixed(1)}%`, String(ourHistory.length)],
    [`PyTorch ${theirs.torch} feature-extraction loop (frozen base every batch)`, theirsSec.toFixed(1), `${(best(theirs.history) * 100).toFixed(1)}%`, String(theirs.history.length)],
  ], ['l', 'r', 'r', 'r']));
  fs.rmSync(work, { recursive: true, force: true });
}
