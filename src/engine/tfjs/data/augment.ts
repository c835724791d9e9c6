/**
 * On-the-fly augmentation on 0–255 pixels (HWC): horizontal flip, small rotation, random crop and
 * zoom (one affine warp, bilinear, edges clamped) and brightness. Seeded: the same epoch and seed
 * give the same images.
 */
import type { AugmentSpec } from '../../../core/recipe/schema';

export function isAugmenting(a: AugmentSpec | undefined): a is AugmentSpec {
  return !!a && (!!a.flip || !!a.rotate || !!a.zoom || !!a.brightness);
}

export function augment(src: Uint8Array, h: number, w: number, c: number, spec: AugmentSpec, random: () => number): Float32Array {
  const flip = spec.flip ? random() < 0.5 : false;
  const angle = spec.rotate ? ((random() * 2 - 1) * spec.rotate * Math.PI) / 180 : 0;
  const scale = spec.zoom ? 1 - random() * spec.zoom : 1; // fraction of the image the crop keeps
  const maxShift = (1 - scale) / 2;
  const dx = spec.zoom ? (random() * 2 - 1) * maxShift * w : 0;
  const dy = spec.zoom ? (random() * 2 - 1) * maxShift * h : 0;
  const bright = spec.brightness ? (random() * 2 - 1) * spec.brightness * 255 : 0;
  const out = new Float32Array(h * w * c);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const identity = angle === 0 && scale === 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xo = flip ? w - 1 - x : x;
      let sx = xo;
      let sy = y;
      if (!identity) {
        const ux = (xo - cx) * scale;
        const uy = (y - cy) * scale;
        sx = cos * ux - sin * uy + cx + dx;
        sy = sin * ux + cos * uy + cy + dy;
      }
      const o = (y * w + x) * c;
      if (identity) {
        const s = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k]! + bright;
        continue;
      }
      const x0 = Math.max(0, Math.min(w - 1, Math.floor(sx)));
      const y0 = Math.max(0, Math.min(h - 1, Math.floor(sy)));
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const fx = Math.max(0, Math.min(1, sx - x0));
      const fy = Math.max(0, Math.min(1, sy - y0));
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k]!;
        const b = src[(y0 * w + x1) * c + k]!;
        const d = src[(y1 * w + x0) * c + k]!;
        const e = src[(y1 * w + x1) * c + k]!;
        out[o + k] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy + bright;
      }
    }
  }
  if (bright !== 0) for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, out[i]!));
  return out;
}
