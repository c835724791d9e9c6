/** Running part of the feature extraction in a worker thread (dist/extract-thread.js), when it helps. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fromErrorInfo } from '../../../core/errors';
import type { ResolvedRecipe } from '../../../core/recipe/resolve';
import type { ExtractJob, ExtractMessage } from '../../../worker/extractThread';
import type { FeatureStore } from './features';

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

/** Resolves true when the shard is done, false when stopped; rejects with the thread's error. */
export function runExtractionThread(job: ExtractJob, onBatch: (seconds: number, examples: number) => void, shouldStop: () => boolean): Promise<boolean> {
  if (job.files.length === 0) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const worker = new Worker(threadScript()!, { workerData: job });
    const poll = setInterval(() => {
      if (shouldStop()) {
        clearInterval(poll);
        void worker.terminate().then(() => resolve(false));
      }
    }, 100);
    worker.on('message', (m: ExtractMessage) => {
      if (m.type === 'progress') onBatch(m.seconds, m.examples);
      if (m.type === 'done') { clearInterval(poll); resolve(true); void worker.terminate(); }
      if (m.type === 'error') { clearInterval(poll); reject(fromErrorInfo(m.error)); void worker.terminate(); }
    });
    worker.on('error', (e) => { clearInterval(poll); reject(e); });
    worker.on('exit', (code) => { clearInterval(poll); if (code !== 0 && code !== 1) reject(new Error(`the feature-extraction thread exited with code ${code}`)); });
  });
}
