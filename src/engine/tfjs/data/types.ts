/** The data pipeline's contract with training and evaluation. */
import type * as tf from '@tensorflow/tfjs';
import type { DatasetReport } from '../../../core/protocol/reports';
import type { MultiTaskLayout } from '../../../core/multitask/layout';
import type { AugmentSpec, Preprocess, Task } from '../../../core/recipe/schema';

/** What the model expects of each image. */
export interface ImageSpec {
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB): images are converted to this. */
  channels: 1 | 3;
  preprocess: Preprocess;
  /**
   * How an image of another shape is fitted to height×width. 'cover' (default): scale to cover,
   * then crop the centre, as Teachable Machine does (aspect ratio kept, edges lost). 'fill':
   * stretch to the exact size (nothing lost, aspect ratio distorted).
   */
  fit?: 'cover' | 'fill';
}

/** One labelled example. */
export interface Example {
  file: string;
  /** single-label: [classIndex]; multi-label: the class indices present; regression: []. */
  classes: number[];
  /** regression targets; [] otherwise. */
  values: number[];
}

export interface DatasetOptions {
  /** Folder (one sub-folder per class) or CSV file; absolute paths. */
  train: string;
  validation?: string;
  test?: string;
  /** Fraction of `train` split off for validation when `validation` is absent (stratified, seeded). */
  validationSplit: number;
  /** Fixed label order; default sorted folder names / CSV labels. */
  labels?: string[];
  task: Task;
  seed: number;
  /** Fail when more than this fraction of files cannot be read. */
  maxSkipped: number;
  image: ImageSpec;
  /**
   * Bytes of decoded pixels kept in memory (default 512 MiB); beyond it examples stream from disk
   * per batch. Pixels are cached as 0–255 bytes (H×W×C each) and normalised per batch.
   */
  memoryBudgetBytes?: number;
  /**
   * Several heads: every CSV is read by its header into target vectors (multitask/data.ts); the
   * dataset then behaves as a regression one whose targets are the heads' outputs ("head:label").
   */
  multiTask?: MultiTaskLayout;
}

export interface Dataset {
  labels: string[];
  task: Task;
  image: ImageSpec;
  train: Example[];
  validation: Example[];
  test: Example[];
  report: DatasetReport;
  /** Decoded, resized, normalised pixels of one example (HWC, float32), with optional augmentation. */
  load(example: Example, augment?: AugmentSpec, random?: () => number): Promise<Float32Array>;
  /**
   * The same pixels (no augmentation) written into `out` at `offset`: batch builders reuse one
   * buffer instead of allocating per image (big allocations serialise threads on page faults).
   */
  loadInto(example: Example, out: Float32Array, offset: number): Promise<void>;
  /** Decoded pixels kept in memory (bounded by the memory budget). */
  cache?: { readonly sizeBytes: number; readonly count: number; readonly budgetBytes: number };
}

export interface BatchOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  augment?: AugmentSpec;
  /** Epoch number, so each epoch shuffles differently but repeatably. */
  epoch?: number;
}

export interface Batch {
  xs: tf.Tensor4D;
  /** one-hot (single-label), multi-hot (multi-label) or values (regression). */
  ys: tf.Tensor2D;
  examples: Example[];
}

/** What a folder or CSV lists before any image is decoded. */
export interface Listed {
  file: string;
  /** Label names (single-label: one; multi-label: any number); [] for regression. */
  labels: string[];
  /** Regression targets; [] otherwise. */
  values: number[];
}

export interface Skipped {
  file: string;
  reason: string;
}

export interface Listing {
  source: string;
  items: Listed[];
  skipped: Skipped[];
  /**
   * Files that are not images by their name (a README.txt or labels.csv in a class folder): listed in
   * the report, never counted against `maxSkipped` (they were never meant as data).
   */
  ignored: Skipped[];
  warnings: string[];
  /** Regression output names (CSV header, or y1…yn). */
  targets?: string[];
  /** Class folders without a single image file. */
  emptyClasses: string[];
}
