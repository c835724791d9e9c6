/**
 * 4. With PyTorch available (Debian's python3-torch + python3-torchvision), MobileNetV2 1.0 at
 * 224² in both, same batch and steps: TF.js through the product's training step vs PyTorch.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { table } from '../src/core/format/table';
import { forceBackend } from '../src/engine/tfjs/backend';
import { fuseForInference } from '../src/engine/tfjs/inference/fuse';
import { leafLayers } from '../src/engine/tfjs/surgery/layers';
import { frozenTrainee, productStep, splitLast, varsOf, wholeTrainee } from './backends';
import { log, quick, results, timeIt } from './common';
import { mobileNetV2 } from './models';
import { torchPython } from './python';

export async function benchPyTorch(): Promise<void> {
  const python = torchPython();
  if (!python) {
    log('PyTorch not found (apt install python3-torch python3-torchvision): comparison skipped');
    return;
  }
  const size = quick ? 160 : 224;
  const batch = 32;
  const steps = quick ? 2 : 4;
  log(`PyTorch ${size}² MobileNetV2, batch ${batch}…`);
  const torch = JSON.parse(execFileSync(python, [path.join(__dirname, 'pytorch_bench.py'), String(size), String(batch), String(steps), String(os.cpus().length)], { encoding: 'utf8' })) as Record<string, number>;
  log(`TF.js (wasm) ${size}² MobileNetV2, batch ${batch}, through Transfer Studio's training step…`);
  await forceBackend('wasm');
  const built = splitLast(mobileNetV2(size, 10));
  const { model } = built;
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  // the product's predict (conv → BN → ReLU fused), and TF.js's own model.predict for reference
  const fusedModel = fuseForInference(model);
  const predict = await timeIt(() => { tf.tidy(() => fusedModel.predict(x).dataSync()); }, steps);
  fusedModel.dispose();
  const predictUnfused = await timeIt(() => { tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()); }, steps);
  const leaves = leafLayers(model);
  for (const l of leaves) l.trainable = false;
  for (const l of built.head.layers) l.trainable = true;
  const fusedBase = fuseForInference(built.base);
  const frozenStep = await productStep(frozenTrainee(built, fusedBase), varsOf(built.head.layers), x, y, 'wasm');
  const frozen = await timeIt(frozenStep.run, steps);
  fusedBase.dispose();
  for (const l of leaves) l.trainable = true;
  // every layer trains, BatchNorm in training mode as PyTorch's model.train(); the WASM heap's 4 GiB
  // cannot hold a batch of 32 at once, so the step runs in micro-batches (what users get)
  const fullStep = await productStep(wholeTrainee(model), varsOf(leaves), x, y, 'wasm');
  log(`  full training: micro-batches of ${fullStep.micro || batch}`);
  const full = await timeIt(fullStep.run, Math.max(1, steps >> 1));
  const ours = { predictImgPerSec: batch / predict, predictUnfusedImgPerSec: batch / predictUnfused, frozenTrainImgPerSec: batch / frozen, fullTrainImgPerSec: batch / full, fullTrainMicroBatch: fullStep.micro || batch };
  results.pytorch = { torch, tfjsWasm: ours };
  results.vsPyTorchPredict = ours.predictImgPerSec / torch.predictImgPerSec!;
  results.vsPyTorchFrozenTrain = ours.frozenTrainImgPerSec / torch.frozenTrainImgPerSec!;
  results.vsPyTorchFullTrain = ours.fullTrainImgPerSec / torch.fullTrainImgPerSec!;
  console.log(`\nMobileNetV2 1.0 at ${size}², batch ${batch} (TF.js full training in micro-batches of ${ours.fullTrainMicroBatch}), images per second`);
  console.log(table(['', 'predict', 'frozen-base train', 'full train'], [
    [`PyTorch ${torch.torch} (${torch.threads} threads)`, torch.predictImgPerSec!.toFixed(1), torch.frozenTrainImgPerSec!.toFixed(1), torch.fullTrainImgPerSec!.toFixed(1)],
    ['Transfer Studio, TF.js WASM', ours.predictImgPerSec.toFixed(1), ours.frozenTrainImgPerSec.toFixed(1), ours.fullTrainImgPerSec.toFixed(1)],
    ['TF.js model.predict, unfused', ours.predictUnfusedImgPerSec.toFixed(1), '', ''],
  ], ['l', 'r', 'r', 'r']));
  tf.dispose([x, y]);
  model.dispose();
  built.head.dispose();
}

