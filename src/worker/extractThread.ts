/**
 * A feature-extraction thread (worker_threads): its own TF.js and WASM instance run the frozen
 * base. The run's main thread prepares each batch (decoded, normalised pixels, transferred, not
 * copied) and stores the features that come back; the threads only compute, so on two cores two
 * of them run at full speed side by side. The run starts them before it opens the dataset, so
 * loading the model and warming up overlap with that.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { toErrorInfo } from '../core/errors';
import { adaptModel } from '../engine/tfjs/adapt';
import { fuseForInference } from '../engine/tfjs/inference/fuse';
import { selectBackend } from '../engine/tfjs/backend';
import { configureTfjs } from '../engine/tfjs/env';
import { loadModel } from '../engine/tfjs/io/load';
import { imageSpecFor, readRecipe } from '../engine/tfjs/recipe';
import { withInputSize } from '../engine/tfjs/surgery/inputSize';
import { featureCacheKey } from '../engine/tfjs/train/features';

export interface ExtractJob {
  recipe: string;
  backend: 'tensorflow' | 'wasm' | 'cpu';
}

/** main thread → extraction thread: `pixels` holds `n` images (HWC, normalised), its buffer transferred. */
export type ExtractRequest = { type: 'batch'; id: number; n: number; pixels: Float32Array } | { type: 'end' };
/**
 * extraction thread → main thread. `ready` carries the feature-cache key the thread computed (the
 * run uses a thread only when it is its own); `features` returns the batch's pixel buffer too, for
 * the next batch.
 */
export type ExtractMessage =
  | { type: 'ready'; key: string }
  | { type: 'features'; id: number; values: Float32Array; pixels: Float32Array; seconds: number }
  | { type: 'error'; error: ReturnType<typeof toErrorInfo> };

function post(m: ExtractMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(m, transfer);
}

async function main(job: ExtractJob): Promise<void> {
  configureTfjs(() => undefined);
  if (process.env.TRANSFER_STUDIO_TEST_EXTRACT_THREAD_FAIL === '1') throw new Error('failing on purpose (TRANSFER_STUDIO_TEST_EXTRACT_THREAD_FAIL)');
  await selectBackend(job.backend);
  const recipe = readRecipe(job.recipe);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data?.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width);
  // only the base is used; a head with fixed units is sized as the recipe says, so it builds
  const fixed = recipe.head?.at(-1);
  const adapted = adaptModel(loaded, recipe, { outputs: fixed && 'units' in fixed && typeof fixed.units === 'number' ? fixed.units : 2 });
  const { height, width, channels } = image;
  const base = fuseForInference(adapted.base); // frozen for the thread's life
  // warm up (kernels, JIT) while the run is still opening its dataset, so the first real batch runs at speed
  tf.tidy(() => base.predict(tf.zeros([1, height, width, channels])).dataSync());
  post({ type: 'ready', key: featureCacheKey(loaded.sha256, adapted.cut, image, adapted.featureShape) });
  parentPort!.on('message', (req: ExtractRequest) => {
    if (req.type === 'end') {
      process.exit(0);
    }
    try {
      const t0 = performance.now();
      const out = tf.tidy(() => base.predict(tf.tensor4d(req.pixels.subarray(0, req.n * height * width * channels), [req.n, height, width, channels])));
      const values = new Float32Array(out.dataSync() as Float32Array); // its own buffer, safe to transfer on every backend
      out.dispose();
      post({ type: 'features', id: req.id, values, pixels: req.pixels, seconds: (performance.now() - t0) / 1000 }, [values.buffer as ArrayBuffer, req.pixels.buffer as ArrayBuffer]);
    } catch (e) {
      post({ type: 'error', error: toErrorInfo(e) });
    }
  });
}

main(workerData as ExtractJob).catch((e: unknown) => post({ type: 'error', error: toErrorInfo(e) }));
