/** The data pipeline: open a dataset (listing, checks, labels, split, report) and stream batches from it. */
export { batches, numBatches } from './batches';
export { decodeImage, loadImageFile, UnreadableImageError } from './decode';
export { normalize } from './normalize';
export { DEFAULT_MEMORY_BUDGET, openDataset } from './open';
export { encodeTargets } from './targets';
export type { Batch, BatchOptions, Dataset, DatasetOptions, Example, ImageSpec } from './types';
