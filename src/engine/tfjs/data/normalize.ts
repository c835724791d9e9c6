/**
 * 0–255 pixels → the model's input scale:
 *   '0,1'      x / 255
 *   '-1,1'     x / 127.5 − 1            (Teachable Machine, MobileNet)
 *   'imagenet' (x / 255 − mean) / std   mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225];
 *              grey images use the mean of the three means and of the three stds
 *   'none'     x (0–255)
 */
import type { Preprocess } from '../../../core/recipe/schema';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Writes `pixels` (HWC, 0–255) normalised into `out` from `offset`. */
export function normalize(pixels: Uint8Array | Float32Array, channels: number, preprocess: Preprocess, out: Float32Array, offset = 0): void {
  const n = pixels.length;
  switch (preprocess) {
    case '0,1':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i]! / 255;
      return;
    case '-1,1':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i]! / 127.5 - 1;
      return;
    case 'imagenet': {
      const mean = channels === 3 ? IMAGENET_MEAN : [(IMAGENET_MEAN[0] + IMAGENET_MEAN[1] + IMAGENET_MEAN[2]) / 3];
      const std = channels === 3 ? IMAGENET_STD : [(IMAGENET_STD[0] + IMAGENET_STD[1] + IMAGENET_STD[2]) / 3];
      for (let i = 0; i < n; i++) { const c = i % mean.length; out[offset + i] = (pixels[i]! / 255 - mean[c]!) / std[c]!; }
      return;
    }
    case 'none':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i]!;
      return;
  }
}
