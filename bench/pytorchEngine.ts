/**
 * The PyTorch engine's speed, measured in one run on the same model, images and settings: a full
 * fine-tune (every layer trains, no feature cache) through the engine (the CLI, the Node worker,
 * the Python worker, events, checkpoints) against a plain hand-written PyTorch loop on the same
 * plan (bench/pytorch_loop.py; goal ≥ 0.9×: the engine's overhead is protocol and bookkeeping),
 * and against the TF.js engine on the same recipe (goal: ≥ 9× faster on the CPU alone).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { table } from '../src/core/format/table';
import type { WorkerEvent } from '../src/core/protocol/worker';
import { log, median, quick, results, ROOT, writeImages } from './common';
import { torchPython } from './python';

const TM = path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json');

function epochSeconds(runDir: string): number[] {
  return fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as WorkerEvent)
    .filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> => e.type === 'epochEnd').map((e) => e.durationMs / 1000);
}

export async function benchPyTorchEngine(): Promise<void> {
  const python = torchPython();
  if (!python) { log('PyTorch engine: no Python with torch (apt install python3-torch python3-torchvision): skipped'); return; }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pte-'));
  const perClass = quick ? 8 : 12;
  const size = quick ? 96 : 224; // the model's own input size
  const epochs = quick ? 2 : 3;
  await writeImages(path.join(work, 'data'), perClass, 400);
  const recipe = path.join(work, 'full.adapt.json');
  fs.writeFileSync(recipe, JSON.stringify({ model: TM, freeze: { all: false }, data: { train: './data', validationSplit: 0.2, imageSize: [size, size], cache: 'off' }, training: { epochs, batchSize: 16, seed: 1, earlyStopping: false, standardize: false }, output: './out' }));
  const cli = path.join(ROOT, 'bin', 'transfer-studio.js');
  const env = { ...process.env, TRANSFER_STUDIO_CACHE: path.join(work, 'cache') };
  log(`PyTorch engine: full fine-tune of the TM MobileNetV2 at ${size}², ${perClass * 10} images, ${epochs} epochs…`);
  const ptRun = path.join(work, 'run-pt');
  const pt = spawnSync(process.execPath, [cli, 'train', recipe, '--engine', 'pytorch', '--python', python, '--json', '--run-dir', ptRun], { encoding: 'utf8', env });
  if (pt.status !== 0) throw new Error(`PyTorch engine run failed: ${pt.stderr.slice(-2000)}`);
  const engine = median(epochSeconds(ptRun).slice(1));
  log('PyTorch engine: the same plan in a plain hand-written loop…');
  const loop = JSON.parse(execFileSync(python, [path.join(__dirname, 'pytorch_loop.py'), path.join(ptRun, 'plan', 'plan.json'), String(epochs)], { encoding: 'utf8', env: { ...env, PYTHONPATH: path.join(ROOT, 'python') }, maxBuffer: 8 << 20 }).trim().split('\n').pop()!) as { torch: string; threads: number; workers: number; epochSeconds: number[] };
  const hand = median(loop.epochSeconds.slice(1));
  log('PyTorch engine: the same recipe on the TF.js engine (WASM)…');
  const tfRun = path.join(work, 'run-tfjs');
  const tfjs = spawnSync(process.execPath, [cli, 'train', recipe, '--engine', 'tfjs', '--json', '--run-dir', tfRun, '--epochs', '2'], { encoding: 'utf8', env });
  if (tfjs.status !== 0) throw new Error(`TF.js engine run failed: ${tfjs.stderr.slice(-2000)}`);
  const tf = median(epochSeconds(tfRun).slice(1));
  results.pytorchEngine = { size, images: perClass * 10, batch: 16, epochs, torch: loop.torch, threads: loop.threads, decodeWorkers: loop.workers, engineEpochSeconds: engine, handLoopEpochSeconds: hand, tfjsEpochSeconds: tf };
  results.pytorchEngineVsHandLoop = hand / engine;
  results.pytorchEngineVsTfjsFullFineTune = tf / engine;
  console.log(`\nfull fine-tune, TM MobileNetV2 0.35 at ${size}², ${perClass * 10} images, batch 16 (seconds per epoch, median after the first)`);
  console.log(table(['', 'seconds / epoch', 'relative'], [
    [`PyTorch engine (${loop.torch}, ${loop.threads} threads)`, engine.toFixed(2), '1.00'],
    ['plain hand-written PyTorch loop, same plan', hand.toFixed(2), `engine speed ${(hand / engine).toFixed(2)}×`],
    ['TF.js engine (WASM)', tf.toFixed(2), `PyTorch engine ${(tf / engine).toFixed(1)}× faster`],
  ], ['l', 'r', 'r']));
  fs.rmSync(work, { recursive: true, force: true });
}
