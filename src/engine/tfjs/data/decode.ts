/**
 * Decoding with sharp: any image sharp reads (jpg, png, webp, gif first frame, bmp, tiff, avif)
 * → RGB or grey pixels at the model's size, centre-cropped to fill it (as Teachable Machine does),
 * alpha flattened on white. Pixels stay 0–255 bytes until a batch is built.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { UserError } from '../../../core/errors';
import type { Preprocess } from '../../../core/recipe/schema';
import type { ImageSpec } from './types';

sharp.cache(false); // decoded pixels are cached by the pipeline, not by libvips

export async function decodeImage(file: string, image: Pick<ImageSpec, 'height' | 'width' | 'channels'>): Promise<Uint8Array> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UserError('image file not found', { file });
  }
  if (st.size === 0) throw new UserError('empty file (0 bytes)', { file });
  try {
    let pipeline = sharp(file, { failOn: 'error', pages: 1 }).rotate(); // honour EXIF orientation
    pipeline = pipeline.flatten({ background: '#ffffff' }).resize(image.width, image.height, { fit: 'cover', position: 'centre' });
    pipeline = image.channels === 1 ? pipeline.grayscale().extractChannel(0) : pipeline.toColourspace('srgb').removeAlpha();
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== image.channels) {
      // sharp keeps grey images single-channel even in srgb: replicate to RGB
      if (info.channels === 1 && image.channels === 3) {
        const out = new Uint8Array(info.width * info.height * 3);
        for (let i = 0; i < info.width * info.height; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i]!;
        return out;
      }
      throw new Error(`unexpected channel count ${info.channels}`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (e) {
    const msg = (e as Error).message;
    if (/unsupported image format|Input file contains unsupported/i.test(msg)) throw new UserError('not an image sharp can read (unsupported format)', { file });
    throw new UserError(`cannot decode the image: ${msg.split('\n')[0]}`, { file });
  }
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** 0–255 pixels (HWC) → the model's input scale, written into `out` at `offset`. */
export function normalize(pixels: Uint8Array | Float32Array, channels: number, preprocess: Preprocess, out: Float32Array, offset = 0): void {
  const n = pixels.length;
  switch (preprocess) {
    case '0,1':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i]! / 255;
      break;
    case '-1,1':
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i]! / 127.5 - 1;
      break;
    case 'imagenet':
      if (channels === 3) for (let i = 0; i < n; i++) { const c = i % 3; out[offset + i] = (pixels[i]! / 255 - MEAN[c]!) / STD[c]!; }
      else { const m = (MEAN[0]! + MEAN[1]! + MEAN[2]!) / 3; const s = (STD[0]! + STD[1]! + STD[2]!) / 3; for (let i = 0; i < n; i++) out[offset + i] = (pixels[i]! / 255 - m) / s; }
      break;
    default:
      for (let i = 0; i < n; i++) out[offset + i] = pixels[i]!;
  }
}

/** One file → normalised float pixels (for prediction). */
export async function loadImageFile(file: string, image: ImageSpec): Promise<Float32Array> {
  const px = await decodeImage(file, image);
  const out = new Float32Array(px.length);
  normalize(px, image.channels, image.preprocess, out);
  return out;
}
