/**
 * A feature-extraction thread (worker_threads): its own TF.js and WASM instance run the frozen base
 * over a shard of the images and write the features to the shared disk cache. The run's main
 * thread does the other shard, so extraction uses both cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { toErrorInfo } from '../core/errors';
import { adaptModel } from '../engine/tfjs/adapt';
import { selectBackend } from '../engine/tfjs/backend';
import { loadImageFile } from '../engine/tfjs/data';
import { configureTfjs } from '../engine/tfjs/env';
import { loadModel } from '../engine/tfjs/io/load';
import { imageSpecFor, readRecipe } from '../engine/tfjs/recipe';
import { withInputSize } from '../engine/tfjs/surgery/inputSize';
import { FeatureStore } from '../engine/tfjs/train/features';

export interface ExtractJob {
  recipe: string;
  backend: 'tensorflow' | 'wasm' | 'cpu';
  files: string[];
  cacheDir: string;
  key: string;
  batchSize: number;
}

export type ExtractMessage = { type: 'progress'; done: number; seconds: number; examples: number } | { type: 'done' } | { type: 'error'; error: ReturnType<typeof toErrorInfo> };

async function main(job: ExtractJob): Promise<void> {
  configureTfjs(() => undefined);
  await selectBackend(job.backend);
  const recipe = readRecipe(job.recipe);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data?.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width);
  const adapted = adaptModel(loaded, recipe, { outputs: 2 }); // only the base is used
  const store = new FeatureStore({ cacheDir: job.cacheDir, key: job.key, featureShape: adapted.featureShape, memoryBudgetBytes: 0 });
  const per = image.height * image.width * image.channels;
  for (let i = 0; i < job.files.length; i += job.batchSize) {
    const t0 = performance.now();
    const chunk = job.files.slice(i, i + job.batchSize);
    const pixels = new Float32Array(chunk.length * per);
    (await Promise.all(chunk.map((f) => loadImageFile(f, image)))).forEach((p, j) => pixels.set(p, j * per));
    const out = tf.tidy(() => adapted.base.predict(tf.tensor4d(pixels, [chunk.length, image.height, image.width, image.channels])) as tf.Tensor);
    const values = (await out.data()) as Float32Array;
    out.dispose();
    chunk.forEach((f, j) => store.put(f, values.slice(j * store.size, (j + 1) * store.size)));
    parentPort!.postMessage({ type: 'progress', done: Math.min(i + job.batchSize, job.files.length), seconds: (performance.now() - t0) / 1000, examples: chunk.length } satisfies ExtractMessage);
  }
}

main(workerData as ExtractJob).then(
  () => parentPort!.postMessage({ type: 'done' } satisfies ExtractMessage),
  (e: unknown) => parentPort!.postMessage({ type: 'error', error: toErrorInfo(e) } satisfies ExtractMessage),
);
