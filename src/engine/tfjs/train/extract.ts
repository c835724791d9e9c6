/**
 * The fast path's first step: the frozen base over every example not yet in the feature store —
 * on the extraction threads when there are enough images (this thread loads their pixels), else
 * here. A thread that fails costs time, not the run: what it did not extract, this thread does.
 */
import { formatDuration } from '../../../core/format/table';
import type { AdaptedModel } from '../adapt';
import type { Dataset, Example } from '../data/types';
import { ExtractionQueue, extractFeatures, type FeatureStore } from './features';
import type { Progress } from './progress';
import { extractOnThreads, worthThreads, type ExtractionThread } from './threads';
import type { WorkerEvent } from '../../../core/protocol/worker';

export interface ExtractArgs {
  /** Only the frozen base is run (detection's base comes from its own cut). */
  adapted: Pick<AdaptedModel, 'base'>;
  dataset: Dataset;
  store: FeatureStore;
  threads: ExtractionThread[];
  closeThreads(): void;
  batchSize: number;
  progress: Progress;
  shouldStop(): boolean;
  emit(e: WorkerEvent): void;
  log(m: string, level?: 'info' | 'warn' | 'debug'): void;
}

/** Returns false when stopped before every feature was extracted. */
export async function extractAll(a: ExtractArgs): Promise<boolean> {
  const { dataset, store, threads, batchSize: bs, progress } = a;
  const all: Example[] = [...dataset.train, ...dataset.validation, ...dataset.test];
  const t0 = performance.now();
  let extractionBatches = 0;
  let doneCount = 0;
  const queue = new ExtractionQueue(all, store, bs);
  const todo = queue.todo;
  const onBatch = (sec: number, n: number): void => {
    extractionBatches++;
    doneCount += n;
    progress.batchDone(sec, n);
    const eta = progress.etaSec();
    a.emit({ type: 'progress', phase: 'extract', done: doneCount, total: todo.length, message: `features ${doneCount}/${todo.length}${eta === null ? '' : `, ETA ${formatDuration(eta)}`}` });
  };
  const extractHere = (from: Example[] | ExtractionQueue): Promise<boolean> =>
    extractFeatures(a.adapted.base, dataset, from, store, { batchSize: bs, shouldStop: a.shouldStop, onBatch: (_d, _t, sec, n) => onBatch(sec, n) });
  let complete: boolean;
  if (worthThreads(todo.length, threads.length)) {
    const r = await extractOnThreads(threads, dataset, queue, store, { batchSize: bs, shouldStop: a.shouldStop, onBatch });
    a.closeThreads();
    a.log(`feature extraction on ${threads.length} threads: ${r.perThread.join(' + ')} images`, 'debug');
    for (const e of r.errors) a.log(`a feature-extraction thread failed (${e.message}); its share is extracted here`, 'warn');
    complete = !r.stopped && await extractHere(all);
  } else {
    a.closeThreads(); // too few images to extract: one thread is quicker than starting more
    complete = await extractHere(queue);
  }
  store.fromDisk = all.length - todo.length;
  progress.add(-(Math.ceil(all.length / bs) - extractionBatches)); // cached features cost nothing
  a.log(`features: ${store.computed} computed, ${store.fromDisk} reused from the cache, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (store.diskError) a.log(`the feature cache in ${store.cacheDir} could not be written: ${store.diskError}; this run keeps its features in memory, and what was cached before stays valid`, 'warn');
  return complete;
}
