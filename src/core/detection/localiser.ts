/**
 * Single-object localisation: one class and one box per image, from a plain dense head.
 *
 * Layout (Float32Array of 4 + classes):
 *   [0..3]  cx, cy, w, h — the box's centre and size, normalised (the head ends in a sigmoid);
 *           the centre rather than the corner, so an error moves the box, not one of its edges
 *   [4 …]   class one-hot (the head outputs softmax probabilities)
 */
import { area, type Box } from './boxes';
import type { Labelled } from './grid';
import type { Detection } from './nms';

export const localiserLength = (numClasses: number): number => 4 + numClasses;

/**
 * The object a localiser learns from an image with several: the largest box that is not flagged
 * difficult (ties: the first). Undefined when there is none.
 */
export function primaryObject<T extends Labelled & { difficult?: boolean }>(objects: readonly T[]): T | undefined {
  let out: T | undefined;
  for (const o of objects) if (!o.difficult && (!out || area(o.box) > area(out.box))) out = o;
  return out;
}

export function encodeLocaliser(object: Labelled, numClasses: number): Float32Array {
  if (!(Number.isInteger(object.label) && object.label >= 0 && object.label < numClasses)) throw new Error(`label ${object.label} is not one of the ${numClasses} classes`);
  const out = new Float32Array(localiserLength(numClasses));
  const b = object.box;
  out[0] = b.x + b.w / 2;
  out[1] = b.y + b.h / 2;
  out[2] = b.w;
  out[3] = b.h;
  out[4 + object.label] = 1;
  return out;
}

/** Head output (after its activations) → the one detection: the most probable class, its probability as the score. */
export function decodeLocaliser(out: ArrayLike<number>, numClasses: number): Detection {
  if (out.length !== localiserLength(numClasses)) throw new Error(`localiser output has ${out.length} values; ${numClasses} classes need ${localiserLength(numClasses)}`);
  let label = 0;
  for (let c = 1; c < numClasses; c++) if (out[4 + c]! > out[4 + label]!) label = c;
  const [cx, cy, w, h] = [out[0]!, out[1]!, out[2]!, out[3]!];
  const box: Box = { x: cx - w / 2, y: cy - h / 2, w, h };
  return { box, score: out[4 + label]!, label };
}
