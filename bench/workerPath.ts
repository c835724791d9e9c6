/**
 * 2. The real training path, through the worker: seconds per epoch with and without the feature
 * cache, feature extraction on one vs two threads, tensors leaked per epoch, peak RSS of the
 * worker on datasets larger than its memory budget.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerEvent } from '../src/core/protocol/worker';
import { epochSeconds, featureSeconds, log, median, quick, results, ROOT, runWorker, writeImages } from './common';

export async function benchWorker(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const perClass = quick ? 24 : 40;
  const size = quick ? 128 : 224;
  // the cached-vs-uncached figure is defined at 224² in both modes: an uncached epoch's cost grows
  // with the pixels and a cached one's does not, so a smaller --quick size measured another ratio
  const speedSize = 224;
  await writeImages(path.join(work, 'data'), perClass);
  const recipe = (name: string, data: Record<string, unknown>, training: Record<string, unknown>, side = size): string => {
    const f = path.join(work, `${name}.adapt.json`);
    fs.writeFileSync(f, JSON.stringify({ model: path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'), data: { train: './data', validationSplit: 0.2, imageSize: [side, side], ...data }, training: { batchSize: 32, seed: 1, ...training }, output: `./${name}-out` }));
    return f;
  };
  const epochs = quick ? 2 : 3;
  log(`worker: ${perClass * 10} images at ${speedSize}², cached vs uncached epochs…`);
  // cached epochs cost tens of milliseconds and the first few run 2–3× slower while WASM and the
  // JIT warm up: many of them (no early stopping), the warm-up left out of the median
  const cachedEpochs = quick ? 16 : 30;
  const warmUp = quick ? 4 : 6;
  const cached = await runWorker(recipe('cached', {}, { epochs: cachedEpochs, earlyStopping: false }, speedSize), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-a'), TRANSFER_STUDIO_EXTRACT_THREADS: '1' });
  const uncached = await runWorker(recipe('uncached', { cache: 'off' }, { epochs }, speedSize), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-b') });
  const c = median(epochSeconds(cached).slice(warmUp));
  const u = median(epochSeconds(uncached));
  results.epochSecondsCached = c;
  results.epochSecondsUncached = u;
  results.featureExtractionSeconds1Thread = featureSeconds(cached);
  results.cachedVsFrozenSpeedup = u / c;

  log('worker: feature extraction on two threads…');
  const two = await runWorker(recipe('twothreads', {}, { epochs: 1 }, speedSize), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-c'), TRANSFER_STUDIO_EXTRACT_THREADS: '2' });
  results.featureExtractionSeconds2Threads = featureSeconds(two);
  results.parallelExtractionSpeedup = featureSeconds(cached) / featureSeconds(two);

  log('worker: tensors per epoch over 5 epochs (uncached, augmentation on)…');
  const leak = await runWorker(recipe('leak', { cache: 'off', augment: { flip: true } }, { epochs: 5, batchSize: 16 }), { TRANSFER_STUDIO_CACHE: path.join(work, 'cache-d') });
  const tensors = leak.events.filter((e): e is Extract<WorkerEvent, { type: 'epochEnd' }> => e.type === 'epochEnd').map((e) => e.tensors);
  results.tensorsPerEpoch = tensors;
  results.tensorsLeakedPerEpoch = (Math.max(...tensors) - Math.min(...tensors)) / Math.max(1, tensors.length - 1);

  // memory: two datasets, both larger than a 64 MiB budget; the worker streams, so its peak RSS stays put
  const budgetMB = quick ? 24 : 64;
  results.workerMemoryBudgetMB = budgetMB;
  const sizes = quick ? [30, 60] : [60, 150];
  const peaks: Record<string, number> = {};
  for (const n of sizes) {
    const dir = path.join(work, `mem-${n}`);
    await writeImages(path.join(dir, 'data'), n);
    const f = path.join(dir, 'mem.adapt.json');
    fs.writeFileSync(f, JSON.stringify({ model: path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'), data: { train: './data', validationSplit: 0.1, cache: 'off', augment: { flip: true } }, training: { epochs: 1, batchSize: 16 }, output: './out' }));
    log(`worker: peak RSS with ${n * 10} images at 224² (decoded ${Math.round((n * 10 * 224 * 224 * 3) / 2 ** 20)} MiB) and a ${budgetMB} MiB budget…`);
    const r = await runWorker(f, { TRANSFER_STUDIO_CACHE: path.join(dir, 'cache'), TRANSFER_STUDIO_MEMORY_BUDGET_MB: String(budgetMB) });
    peaks[`${n * 10} images (${Math.round((n * 10 * 224 * 224 * 3) / 2 ** 20)} MiB decoded)`] = r.peakRssMB;
    const ds = r.events.find((e) => e.type === 'dataset');
    if (ds && ds.type === 'dataset' && !ds.report.streaming) log('warning: the dataset did not stream');
  }
  results.workerPeakRssMB = peaks;
  const pv = Object.values(peaks);
  results.peakRssGrowthWithDataset = pv[1]! / pv[0]!;
  fs.rmSync(work, { recursive: true, force: true });
}

