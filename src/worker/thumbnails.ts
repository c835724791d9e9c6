/**
 * Small PNG thumbnails as data: URIs, for the dashboard and the designer (webviews cannot read the
 * dataset folder). Turned by their EXIF orientation first, as the images are decoded for the model
 * (data/decode.ts): the boxes a detector finds are in that orientation.
 */
import sharp from 'sharp';

export async function thumbnails(files: string[], size: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(files.map(async (file) => {
    try {
      const png = await sharp(file, { animated: false }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: false }).png().toBuffer();
      out[file] = `data:image/png;base64,${png.toString('base64')}`;
    } catch {
      // unreadable images simply get no thumbnail
    }
  }));
  return out;
}
