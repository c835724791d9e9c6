/** Small PNG thumbnails as data: URIs, for the dashboard and the designer (webviews cannot read the dataset folder). */
import sharp from 'sharp';

export async function thumbnails(files: string[], size: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(files.map(async (file) => {
    try {
      const png = await sharp(file, { animated: false }).resize(size, size, { fit: 'inside', withoutEnlargement: false }).png().toBuffer();
      out[file] = `data:image/png;base64,${png.toString('base64')}`;
    } catch {
      // unreadable images simply get no thumbnail
    }
  }));
  return out;
}
