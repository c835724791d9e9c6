/**
 * Channel conversion of 8-bit pixels (HWC). Grey → RGB replicates the grey value; RGB → grey is the
 * ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), as tf.image.rgbToGrayscale and PIL's "L" mode.
 */

export function toChannels(src: Uint8Array, from: number, to: 1 | 3): Uint8Array {
  if (from === to) return src;
  const n = src.length / from;
  const out = new Uint8Array(n * to);
  if (from <= 2) {
    // grey (+ alpha): the grey value in every output channel
    for (let i = 0; i < n; i++) {
      const v = src[i * from]!;
      for (let k = 0; k < to; k++) out[i * to + k] = v;
    }
    return out;
  }
  if (to === 3) {
    for (let i = 0; i < n; i++) { out[i * 3] = src[i * from]!; out[i * 3 + 1] = src[i * from + 1]!; out[i * 3 + 2] = src[i * from + 2]!; }
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = luma(src[i * from]!, src[i * from + 1]!, src[i * from + 2]!);
  return out;
}

export function luma(r: number, g: number, b: number): number {
  return Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);
}
