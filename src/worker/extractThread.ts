/**
 * A feature-extraction thread (worker_threads): its own TF.js and WASM instance run the frozen base
 * over batches of images the run's main thread hands it, one at a time (`ready` / `progress` ask
 * for the next), and write the features to the shared disk cache. The main thread takes batches
 * from the same queue, so extraction uses both cores however long this thread takes to start.
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
  cacheDir: string;
  key: string;
}

/** main thread → extraction thread */
export type ExtractRequest = { type: 'chunk'; files: string[] } | { type: 'end' };
/** extraction thread → main thread */
export type ExtractMessage = { type: 'ready' } | { type: 'progress'; seconds: number; examples: number } | { type: 'done' } | { type: 'error'; error: ReturnType<typeof toErrorInfo> };

/** The next request from the main thread. */
function nextRequest(): Promise<ExtractRequest> {
  return new Promise((resolve) => parentPort!.once('message', resolve));
}

async function main(job: ExtractJob): Promise<void> {
  configureTfjs(() => undefined);
  if (process.env.TRANSFER_STUDIO_TEST_EXTRACT_THREAD_FAIL === '1') throw new Error('failing on purpose (TRANSFER_STUDIO_TEST_EXTRACT_THREAD_FAIL)');
  await selectBackend(job.backend);
  const recipe = readRecipe(job.recipe);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data?.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width);
  const adapted = adaptModel(loaded, recipe, { outputs: 2 }); // only the base is used
  const store = new FeatureStore({ cacheDir: job.cacheDir, key: job.key, featureShape: adapted.featureShape, memoryBudgetBytes: 0 });
  const per = image.height * image.width * image.channels;
  parentPort!.postMessage({ type: 'ready' } satisfies ExtractMessage);
  for (let req = await nextRequest(); req.type === 'chunk'; req = await nextRequest()) {
    const t0 = performance.now();
    const chunk = req.files;
    const pixels = new Float32Array(chunk.length * per);
    (await Promise.all(chunk.map((f) => loadImageFile(f, image)))).forEach((p, j) => pixels.set(p, j * per));
    const out = tf.tidy(() => adapted.base.predict(tf.tensor4d(pixels, [chunk.length, image.height, image.width, image.channels])) as tf.Tensor);
    const values = (await out.data()) as Float32Array;
    out.dispose();
    chunk.forEach((f, j) => store.put(f, values.slice(j * store.size, (j + 1) * store.size)));
    parentPort!.postMessage({ type: 'progress', seconds: (performance.now() - t0) / 1000, examples: chunk.length } satisfies ExtractMessage);
  }
}

main(workerData as ExtractJob).then(
  () => parentPort!.postMessage({ type: 'done' } satisfies ExtractMessage),
  (e: unknown) => parentPort!.postMessage({ type: 'error', error: toErrorInfo(e) } satisfies ExtractMessage),
);
