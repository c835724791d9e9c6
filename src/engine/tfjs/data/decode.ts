/**
 * Decoding with sharp: JPEG, PNG, WebP, GIF (first frame), TIFF, AVIF → 8-bit pixels (HWC) at the
 * model's size and channels. EXIF orientation is applied, transparency is flattened on white,
 * the image is fitted by `image.fit` ('cover': centre crop, the default; 'fill': stretched).
 * Pixels stay 0–255 bytes (4× smaller than floats) until a batch is built.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { UserError } from '../../../core/errors';
import { toChannels } from './channels';
import { normalize } from './normalize';
import { unreadableReason } from './sniff';
import type { ImageSpec } from './types';

sharp.cache(false); // decoded pixels are cached by the pipeline (bounded), not by libvips

/** A file that cannot be used as an image: the data pipeline skips and lists it. */
export class UnreadableImageError extends UserError {
  constructor(readonly reason: string, file: string) {
    super(reason, { file });
  }
}

function checkFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UnreadableImageError('file not found', file);
  }
  if (!st.isFile()) throw new UnreadableImageError('not a file', file);
  if (st.size === 0) throw new UnreadableImageError('empty file (0 bytes)', file);
}

function unreadable(file: string, e: unknown): UnreadableImageError {
  return new UnreadableImageError(unreadableReason(file, e instanceof Error ? e.message : String(e)), file);
}

/** Reads the header only (no pixels): finds empty, non-image and unsupported files cheaply. */
export async function checkImageHeader(file: string): Promise<void> {
  checkFile(file);
  try {
    const m = await sharp(file).metadata();
    if (!m.width || !m.height) throw new Error('no image size in the header');
  } catch (e) {
    throw unreadable(file, e);
  }
}

/** One file → H×W×C bytes as `image` says. Throws UnreadableImageError (a UserError). */
export async function decodeImage(file: string, image: Pick<ImageSpec, 'height' | 'width' | 'channels' | 'fit'>): Promise<Uint8Array> {
  checkFile(file);
  let data: Buffer;
  let channels: number;
  try {
    const out = await sharp(file, { failOn: 'error', pages: 1 })
      .rotate() // EXIF orientation
      .flatten({ background: '#ffffff' })
      .resize(image.width, image.height, { fit: image.fit ?? 'cover', position: 'centre' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
    if (out.info.width !== image.width || out.info.height !== image.height) throw new Error(`resized to ${out.info.width}×${out.info.height}`);
  } catch (e) {
    throw unreadable(file, e);
  }
  return toChannels(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), channels, image.channels);
}

/** One file → normalised float pixels (HWC), for prediction. */
export async function loadImageFile(file: string, image: ImageSpec): Promise<Float32Array> {
  const px = await decodeImage(file, image);
  const out = new Float32Array(px.length);
  normalize(px, image.channels, image.preprocess, out);
  return out;
}
