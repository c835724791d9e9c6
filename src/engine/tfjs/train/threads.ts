/**
 * Feature extraction on threads (dist/extract-thread.js, each with its own TF.js and WASM). The
 * threads only compute; this thread is their data loader: it takes batches from the shared queue,
 * fills a pixel buffer (cached pixels, or decoded), transfers it, stores the features that come
 * back, and refills the buffer for the next batch while the thread computes. Two threads on two
 * cores run at nearly twice one thread's speed; this thread computing beside them did not.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fromErrorInfo } from '../../../core/errors';
import type { ResolvedRecipe } from '../../../core/recipe/resolve';
import type { ExtractJob, ExtractMessage, ExtractRequest } from '../../../worker/extractThread';
import type { Dataset } from '../data/types';
import type { ExtractionQueue, FeatureStore } from './features';

/** Below this many images per thread, starting TF.js instances costs more than it saves. */
function minImagesPerThread(): number {
  return Number(process.env.TRANSFER_STUDIO_EXTRACT_MIN_IMAGES ?? 48);
}

function threadScript(): string | undefined {
  const p = path.join(__dirname, 'extract-thread.js'); // beside dist/worker.js
  return fs.existsSync(p) ? p : undefined;
}

/** How many extraction threads this run may start: `TRANSFER_STUDIO_EXTRACT_THREADS`, else one per core (at most 4); 0 for one core. */
export function extractionThreadCount(recipe: ResolvedRecipe): number {
  if (!threadScript() || !recipe.file || /^https?:/i.test(recipe.model)) return 0;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const wanted = Number(process.env.TRANSFER_STUDIO_EXTRACT_THREADS ?? (cores >= 2 ? Math.min(4, cores) : 0));
  return Number.isFinite(wanted) && wanted >= 2 ? Math.floor(wanted) : 0;
}

/** Whether threads are worth it for this many images still to extract. */
export function worthThreads(images: number, threads: number): boolean {
  return threads >= 2 && images >= minImagesPerThread() * threads;
}

/**
 * One extraction thread, started early: it loads its model and warms up while the run opens its
 * dataset. `ready` resolves with its feature-cache key; `extract` runs one batch at a time.
 */
export class ExtractionThread {
  private readonly worker: Worker;
  readonly ready: Promise<string>;
  private waiting?: { id: number; resolve(m: Extract<ExtractMessage, { type: 'features' }>): void; reject(e: Error): void };
  private failure?: Error;
  private closed = false;
  private nextId = 0;

  constructor(job: ExtractJob) {
    this.worker = new Worker(threadScript()!, { workerData: job });
    let readyResolve!: (key: string) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
    this.ready.catch(() => undefined); // a thread never used must not be an unhandled rejection
    const fail = (e: Error): void => {
      if (this.closed || this.failure) return;
      this.failure = e;
      readyReject(e);
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    this.worker.on('message', (m: ExtractMessage) => {
      if (m.type === 'ready') readyResolve(m.key);
      else if (m.type === 'features' && this.waiting?.id === m.id) { const w = this.waiting; this.waiting = undefined; w.resolve(m); }
      else if (m.type === 'error') fail(fromErrorInfo(m.error));
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the feature-extraction thread exited with code ${code}`)));
  }

  /** Features of the first `n` images in `pixels` (its buffer is transferred, and comes back with the result). */
  extract(pixels: Float32Array, n: number): Promise<Extract<ExtractMessage, { type: 'features' }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting = { id, resolve, reject };
      this.worker.postMessage({ type: 'batch', id, n, pixels } satisfies ExtractRequest, [pixels.buffer as ArrayBuffer]);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage({ type: 'end' } satisfies ExtractRequest);
    void this.worker.terminate();
  }
}

export interface ThreadExtractOptions {
  batchSize: number;
  shouldStop(): boolean;
  onBatch(seconds: number, examples: number): void;
}

/**
 * Extracts every batch of `queue` on `threads` (each one batch in flight while the next is
 * loaded). Resolves false when stopped. A thread that fails stops taking batches (its batch is
 * left for the caller, who extracts what the store lacks); the error is rethrown only when every
 * thread failed before doing anything.
 */
export async function extractOnThreads(threads: ExtractionThread[], dataset: Dataset, queue: ExtractionQueue, store: FeatureStore, opts: ThreadExtractOptions): Promise<{ stopped: boolean; perThread: number[]; errors: Error[] }> {
  const { height, width, channels } = dataset.image;
  const per = height * width * channels;
  const perThread = threads.map(() => 0);
  const errors: Error[] = [];
  let stopped = false;
  await Promise.all(threads.map(async (thread, t) => {
    try {
      const key = await thread.ready;
      if (key !== store.key) throw new Error(`it computed another feature-cache key (${key}, expected ${store.key})`);
      let spare: Float32Array[] = [new Float32Array(opts.batchSize * per), new Float32Array(opts.batchSize * per)];
      let inFlight: Promise<void> | undefined;
      for (;;) {
        if (opts.shouldStop()) { stopped = true; break; }
        const chunk = queue.take();
        if (!chunk) break;
        const pixels = spare.pop() ?? new Float32Array(opts.batchSize * per);
        await Promise.all(chunk.map((e, j) => dataset.loadInto(e, pixels, j * per)));
        await inFlight; // one batch computing while this one was loaded
        inFlight = thread.extract(pixels, chunk.length).then((r) => {
          spare = [...spare, r.pixels];
          chunk.forEach((e, j) => store.put(e.file, r.values.subarray(j * store.size, (j + 1) * store.size)));
          store.computed += chunk.length;
          perThread[t]! += chunk.length;
          opts.onBatch(r.seconds, chunk.length);
        });
      }
      await inFlight;
    } catch (e) {
      errors.push(e instanceof Error ? e : new Error(String(e)));
      thread.close();
    }
  }));
  return { stopped, perThread, errors };
}
