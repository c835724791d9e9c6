/**
 * Box datasets as the readers hand them over. Each format's reader parses its files into `Raw`
 * entries (pixel corners, labels by name or index, sizes if the files give them); `finish.ts` then
 * does what every format shares: missing images, sizes from the file header, clipping, labels.
 */
import type { Box } from '../../../../core/detection/boxes';

export type BoxFormat = 'coco' | 'voc' | 'csv';

/** An image listed but not used, and why (the same shape as the classification listing's). */
export interface Skipped {
  file: string;
  reason: string;
}

export interface BoxLabel {
  /** Index into the dataset's `labels`. */
  label: number;
  /** Normalised xywh from the top-left corner (src/core/detection/boxes.ts). */
  box: Box;
  /** VOC `<difficult>1` or COCO `iscrowd: 1`: not counted by the metrics, not a false positive either. */
  difficult?: boolean;
}

export interface BoxImage {
  /** Absolute path. */
  file: string;
  width: number;
  height: number;
  /** May be empty: an image with nothing in it is a useful negative. */
  boxes: BoxLabel[];
}

export interface BoxDataset {
  format: BoxFormat;
  /** The annotation file or folder read. */
  source: string;
  labels: string[];
  images: BoxImage[];
  /** Images listed but not usable (missing, unreadable), with the reason. */
  skipped: Skipped[];
  /** Things done on the user's behalf (boxes clipped, images without boxes), one line each. */
  warnings: string[];
}

export interface ReadBoxOptions {
  /** Folder the image paths are relative to (default: looked for beside the annotations). */
  images?: string;
  /**
   * Label names in a fixed order (a validation set read with the training set's labels): a box
   * with a name outside it is an error. Default: COCO's categories by id; VOC's and CSV's names sorted.
   */
  labels?: readonly string[];
  /** Sharp header reads at once, for images whose size the annotations do not give (8). */
  concurrency?: number;
}

/** One box before its image's size is known. */
export interface RawBox {
  /** Name (VOC, CSV) or index into the labels (COCO). */
  label: string | number;
  /** Pixels, 0-based, right/bottom exclusive; already checked to have a positive size. */
  corners: { x1: number; y1: number; x2: number; y2: number };
  difficult?: boolean;
  /** The entry, for messages: `annotation 17 (image_id 4): bbox [10, 10, 300, 5]`. */
  where: string;
  /** The file the entry is in, and a JSON path inside it (COCO). */
  file: string;
  jsonPath?: string;
}

export interface RawImage {
  /** Absolute path. */
  file: string;
  /** From the annotations; missing or 0: read from the image header. */
  width?: number;
  height?: number;
  boxes: RawBox[];
  /** Where the image was listed, for the reason when it is missing: `as image 3 (id 4) in instances.json`, `on line 7 of boxes.csv`. */
  listedAt: string;
}

export interface RawDataset {
  format: BoxFormat;
  source: string;
  /** Known label names up front (COCO's categories); VOC and CSV name them as they go. */
  labels?: string[];
  images: RawImage[];
  warnings: string[];
}
