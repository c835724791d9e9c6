/** Running part of the feature extraction in a worker thread (dist/extract-thread.js), when it helps. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fromErrorInfo } from '../../../core/errors';
import type { ResolvedRecipe } from '../../../core/recipe/resolve';
import type { ExtractJob, ExtractMessage, ExtractRequest } from '../../../worker/extractThread';
import type { ExtractionQueue, FeatureStore } from './features';

/** Below this many images per thread a second TF.js instance costs more than it saves. */
function minImagesPerThread(): number {
  return Number(process.env.TRANSFER_STUDIO_EXTRACT_MIN_IMAGES ?? 48);
}

function threadScript(): string | undefined {
  const p = path.join(__dirname, 'extract-thread.js'); // beside dist/worker.js
  return fs.existsSync(p) ? p : undefined;
}

/** How many threads extract features: `TRANSFER_STUDIO_EXTRACT_THREADS`, else up to 2 when the cores and the work allow. */
export function extractionThreads(images: number, recipe: ResolvedRecipe, store: FeatureStore): number {
  if (!threadScript() || !recipe.file || /^https?:/i.test(recipe.model) || !store.cacheDir) return 1;
  const wanted = Number(process.env.TRANSFER_STUDIO_EXTRACT_THREADS ?? Math.min(2, os.cpus().length));
  if (!Number.isFinite(wanted) || wanted < 2) return 1;
  return images >= minImagesPerThread() * 2 ? 2 : 1;
}

/**
 * Runs an extraction thread on batches taken from `queue` as it asks for them (after it has
 * loaded its own TF.js, WASM and model). Resolves with the examples it extracted, or false when
 * stopped; rejects with the thread's error.
 */
export function runExtractionThread(job: ExtractJob, queue: ExtractionQueue, onBatch: (seconds: number, examples: number) => void, shouldStop: () => boolean): Promise<number | false> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(threadScript()!, { workerData: job });
    let extracted = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      fn();
      void worker.terminate();
    };
    const poll = setInterval(() => { if (shouldStop()) settle(() => resolve(false)); }, 100);
    const feed = (): void => {
      const chunk = queue.take();
      worker.postMessage(chunk ? { type: 'chunk', files: chunk.map((e) => e.file) } satisfies ExtractRequest : { type: 'end' } satisfies ExtractRequest);
    };
    worker.on('message', (m: ExtractMessage) => {
      if (m.type === 'ready') feed();
      if (m.type === 'progress') { extracted += m.examples; onBatch(m.seconds, m.examples); feed(); }
      if (m.type === 'done') settle(() => resolve(extracted));
      if (m.type === 'error') settle(() => reject(fromErrorInfo(m.error)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => (code === 0 || code === 1 ? resolve(extracted) : reject(new Error(`the feature-extraction thread exited with code ${code}`)))));
  });
}
