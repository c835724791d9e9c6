/**
 * Targets of a single-stage grid/anchor head (YOLOv2 / SSD style) on a backbone's rows × cols
 * feature map, and their decoding back into boxes.
 *
 * Layout (one flat Float32Array, row-major, as a [rows, cols, anchors, 5 + classes] tensor):
 *   index(row, col, a, k) = ((row * cols + col) * anchors + a) * (5 + classes) + k
 *   k = 0       objectness: 1 where this cell's anchor is responsible for an object, else 0
 *   k = 1, 2    tx, ty: the box centre's offset inside its cell, in [0, 1)
 *               (centre x = (col + tx) / cols, centre y = (row + ty) / rows)
 *   k = 3, 4    tw, th: log of the box size over the anchor's (w = anchorW · e^tw)
 *   k = 5 …     class one-hot (the head outputs probabilities)
 * The head's raw outputs are in the same layout before activation: `activateGrid` applies
 * sigmoid to objectness, tx and ty, leaves tw and th as they are (the decoder applies exp), and a
 * softmax over the classes — which is what the targets above are compared against. Where there is
 * no object only objectness (0) means anything; the rest of the cell is 0 and a loss masks it.
 *
 * Boxes and anchors are normalised (fractions of the image), so the same targets fit any input size.
 */
import { clip, shapeIou, type Box } from './boxes';
import type { Detection } from './nms';

export interface Anchor {
  w: number;
  h: number;
}

export interface GridSpec {
  rows: number;
  cols: number;
  anchors: readonly Anchor[];
  numClasses: number;
}

export interface Labelled {
  label: number;
  box: Box;
}

/** Values per cell and anchor: objectness, tx, ty, tw, th, then one per class. */
export const valuesPerAnchor = (spec: GridSpec): number => 5 + spec.numClasses;

export const targetLength = (spec: GridSpec): number => spec.rows * spec.cols * spec.anchors.length * valuesPerAnchor(spec);

export const gridOffset = (spec: GridSpec, row: number, col: number, anchor: number): number =>
  ((row * spec.cols + col) * spec.anchors.length + anchor) * valuesPerAnchor(spec);

function checkSpec(spec: GridSpec): void {
  if (!(spec.rows >= 1 && spec.cols >= 1 && Number.isInteger(spec.rows) && Number.isInteger(spec.cols))) throw new Error(`grid ${spec.rows}×${spec.cols}: rows and cols must be positive integers`);
  if (!spec.anchors.length) throw new Error('a grid head needs at least one anchor');
  if (!(spec.numClasses >= 1)) throw new Error('a grid head needs at least one class');
}

/** Anchors by how well their shape fits `box` (best first; ties: lower index first). */
export function anchorsByFit(anchors: readonly Anchor[], box: Box): number[] {
  const fit = anchors.map((a) => shapeIou(a, box));
  return fit.map((_, i) => i).sort((a, b) => fit[b]! - fit[a]! || a - b);
}

export interface EncodedGrid {
  target: Float32Array;
  /** Per input box: where it went (row, col, anchor), or null when it was dropped. */
  placed: ({ row: number; col: number; anchor: number } | null)[];
  /** How many boxes found no free anchor in their cell (or had no size), and are not in the target. */
  dropped: number;
}

/**
 * Each box goes to the cell holding its centre and to the anchor whose shape fits it best. When two
 * objects share a cell and a best anchor, the second takes the next best free anchor there, so
 * crowded cells lose as few objects as possible; if all are taken it is dropped (and counted).
 */
export function encodeGrid(spec: GridSpec, objects: readonly Labelled[]): EncodedGrid {
  checkSpec(spec);
  const target = new Float32Array(targetLength(spec));
  const placed: EncodedGrid['placed'] = [];
  let dropped = 0;
  for (const o of objects) {
    const { box, label } = o;
    if (!(Number.isInteger(label) && label >= 0 && label < spec.numClasses)) throw new Error(`label ${label} is not one of the ${spec.numClasses} classes`);
    if (!(box.w > 0 && box.h > 0)) {
      placed.push(null);
      dropped++;
      continue;
    }
    const cx = (box.x + box.w / 2) * spec.cols;
    const cy = (box.y + box.h / 2) * spec.rows;
    // a centre on the right/bottom edge belongs to the last cell
    const col = Math.min(spec.cols - 1, Math.max(0, Math.floor(cx)));
    const row = Math.min(spec.rows - 1, Math.max(0, Math.floor(cy)));
    const anchor = anchorsByFit(spec.anchors, box).find((a) => target[gridOffset(spec, row, col, a)] === 0);
    if (anchor === undefined) {
      placed.push(null);
      dropped++;
      continue;
    }
    const at = gridOffset(spec, row, col, anchor);
    const a = spec.anchors[anchor]!;
    target[at] = 1;
    target[at + 1] = cx - col;
    target[at + 2] = cy - row;
    target[at + 3] = Math.log(box.w / a.w);
    target[at + 4] = Math.log(box.h / a.h);
    target[at + 5 + label] = 1;
    placed.push({ row, col, anchor });
  }
  return { target, placed, dropped };
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Raw head outputs → the activated layout above (a new array). */
export function activateGrid(spec: GridSpec, raw: Float32Array): Float32Array {
  checkSpec(spec);
  if (raw.length !== targetLength(spec)) throw new Error(`head output has ${raw.length} values; a ${spec.rows}×${spec.cols} grid with ${spec.anchors.length} anchors and ${spec.numClasses} classes has ${targetLength(spec)}`);
  const out = new Float32Array(raw.length);
  const n = valuesPerAnchor(spec);
  for (let at = 0; at < raw.length; at += n) {
    out[at] = sigmoid(raw[at]!);
    out[at + 1] = sigmoid(raw[at + 1]!);
    out[at + 2] = sigmoid(raw[at + 2]!);
    out[at + 3] = raw[at + 3]!;
    out[at + 4] = raw[at + 4]!;
    let max = -Infinity;
    for (let c = 5; c < n; c++) max = Math.max(max, raw[at + c]!);
    let sum = 0;
    for (let c = 5; c < n; c++) sum += out[at + c] = Math.exp(raw[at + c]! - max); // minus the max: no overflow
    for (let c = 5; c < n; c++) out[at + c] = out[at + c]! / sum;
  }
  return out;
}

export interface DecodeOptions {
  /** Keep boxes whose score (objectness × class probability) reaches this (0.05). */
  scoreThreshold?: number;
  /** Clip boxes to the image (true). */
  clip?: boolean;
}

/**
 * Activated outputs (or targets) → scored boxes, one per cell and anchor that passes the score
 * threshold, labelled with its most probable class. Not suppressed: run `nms` on the result.
 */
export function decodeGrid(spec: GridSpec, out: Float32Array, opts: DecodeOptions = {}): Detection[] {
  checkSpec(spec);
  if (out.length !== targetLength(spec)) throw new Error(`head output has ${out.length} values; expected ${targetLength(spec)}`);
  const threshold = opts.scoreThreshold ?? 0.05;
  const dets: Detection[] = [];
  for (let row = 0; row < spec.rows; row++) {
    for (let col = 0; col < spec.cols; col++) {
      for (let a = 0; a < spec.anchors.length; a++) {
        const at = gridOffset(spec, row, col, a);
        let label = 0;
        for (let c = 1; c < spec.numClasses; c++) if (out[at + 5 + c]! > out[at + 5 + label]!) label = c;
        const score = out[at]! * out[at + 5 + label]!;
        if (!(score >= threshold) || score === 0) continue;
        const w = spec.anchors[a]!.w * Math.exp(out[at + 3]!);
        const h = spec.anchors[a]!.h * Math.exp(out[at + 4]!);
        const cx = (col + out[at + 1]!) / spec.cols;
        const cy = (row + out[at + 2]!) / spec.rows;
        const box = { x: cx - w / 2, y: cy - h / 2, w, h };
        dets.push({ box: opts.clip === false ? box : clip(box), score, label });
      }
    }
  }
  return dets;
}
