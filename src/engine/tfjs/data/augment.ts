/**
 * On-the-fly augmentation of 0–255 pixels (HWC), before normalisation: a horizontal flip, a
 * rotation up to ±`rotate` degrees and a zoom (a crop keeping 1 − up to `zoom` of each side,
 * randomly placed) done as one bilinear warp with clamped edges, and an additive brightness
 * shift up to ±`brightness`×255. Every random number comes from `random`, drawn in a fixed
 * order, so a seeded `random` gives the same image every time.
 */
import type { AugmentSpec } from '../../../core/recipe/schema';

export function isAugmenting(a: AugmentSpec | undefined): a is AugmentSpec {
  return !!a && (!!a.flip || !!a.rotate || !!a.zoom || !!a.brightness);
}

export function augment(src: Uint8Array, h: number, w: number, c: number, spec: AugmentSpec, random: () => number): Float32Array {
  const flip = spec.flip ? random() < 0.5 : false;
  const angle = spec.rotate ? ((random() * 2 - 1) * spec.rotate * Math.PI) / 180 : 0;
  const scale = spec.zoom ? 1 - random() * spec.zoom : 1; // the fraction of each side the crop keeps
  const dx = spec.zoom ? (random() * 2 - 1) * ((1 - scale) / 2) * w : 0;
  const dy = spec.zoom ? (random() * 2 - 1) * ((1 - scale) / 2) * h : 0;
  const bright = spec.brightness ? (random() * 2 - 1) * spec.brightness * 255 : 0;
  const out = new Float32Array(h * w * c);
  const clamp = bright !== 0;

  if (angle === 0 && scale === 1) {
    // flip and/or brightness only: whole pixels, no interpolation
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = (y * w + (flip ? w - 1 - x : x)) * c;
        const o = (y * w + x) * c;
        for (let k = 0; k < c; k++) {
          const v = src[s + k]! + bright;
          out[o + k] = clamp ? (v < 0 ? 0 : v > 255 ? 255 : v) : v;
        }
      }
    }
    return out;
  }

  // output (x, y) samples the source at R·S·(x' − centre) + centre + shift, x' = x flipped or not
  const cos = Math.cos(angle) * scale;
  const sin = Math.sin(angle) * scale;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const stepX = flip ? -1 : 1;
  for (let y = 0; y < h; y++) {
    const uy = y - cy;
    const ux0 = (flip ? w - 1 : 0) - cx;
    let sx = cos * ux0 - sin * uy + cx + dx;
    let sy = sin * ux0 + cos * uy + cy + dy;
    const ddx = cos * stepX;
    const ddy = sin * stepX;
    for (let x = 0; x < w; x++, sx += ddx, sy += ddy) {
      const px = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
      const py = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const x1 = x0 + 1 < w ? x0 + 1 : x0;
      const y1 = y0 + 1 < h ? y0 + 1 : y0;
      const fx = px - x0;
      const fy = py - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const i00 = (y0 * w + x0) * c;
      const i01 = (y0 * w + x1) * c;
      const i10 = (y1 * w + x0) * c;
      const i11 = (y1 * w + x1) * c;
      const o = (y * w + x) * c;
      for (let k = 0; k < c; k++) {
        const v = src[i00 + k]! * w00 + src[i01 + k]! * w01 + src[i10 + k]! * w10 + src[i11 + k]! * w11 + bright;
        out[o + k] = clamp ? (v < 0 ? 0 : v > 255 ? 255 : v) : v;
      }
    }
  }
  return out;
}
