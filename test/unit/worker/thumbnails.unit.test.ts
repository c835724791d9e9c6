/**
 * The worker's thumbnails (data: URIs for the webviews): the image as it is viewed — EXIF
 * orientation applied, as decode.ts does for the model — so a detector's boxes, which are in that
 * orientation, land where they belong when the dashboard draws them over the thumbnail.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import sharp from 'sharp';
import { thumbnails } from '../../../src/worker/thumbnails';
import { tempDir } from '../../helpers/fixtures';

async function decode(uri: string): Promise<{ width: number; height: number; px: Buffer }> {
  assert.match(uri, /^data:image\/png;base64,/);
  const { data, info } = await sharp(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, px: data };
}

describe('worker thumbnails', () => {
  it('turn the image by its EXIF orientation and keep its aspect ratio', async () => {
    const dir = tempDir();
    // 40 wide × 20 high: left half black, right half white; orientation 6 = rotate 90° clockwise to view
    const w = 40;
    const hgt = 20;
    const raw = Buffer.alloc(w * hgt * 3);
    for (let y = 0; y < hgt; y++) for (let x = 0; x < w; x++) raw.fill(x < w / 2 ? 0 : 255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const file = path.join(dir, 'rotated.jpg');
    await sharp(raw, { raw: { width: w, height: hgt, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file);
    const plain = path.join(dir, 'plain.png');
    await sharp(raw, { raw: { width: w, height: hgt, channels: 3 } }).png().toFile(plain);

    const out = await thumbnails([file, plain, path.join(dir, 'missing.png')], 16);
    assert.deepEqual(Object.keys(out).sort(), [plain, file].sort(), 'an unreadable image gets none');
    // viewed: 8 wide × 16 high, the black half on top
    const t = await decode(out[file]!);
    assert.deepEqual([t.width, t.height], [8, 16]);
    assert.ok(t.px[0]! < 40 && t.px[t.px.length - 1]! > 215, `top-left ${t.px[0]}, bottom-right ${t.px[t.px.length - 1]}`);
    const p = await decode(out[plain]!);
    assert.deepEqual([p.width, p.height], [16, 8]);
    assert.ok(p.px[0]! < 40 && p.px[p.px.length - 1]! > 215);
  });
});
