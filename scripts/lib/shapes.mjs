// Images of coloured shapes (circle, square, triangle, cross) of random sizes and places on noisy
// backgrounds, seeded: a small classification task no pre-trained model here was trained on,
// for the defaults experiment and the tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

export const SHAPES = ['circle', 'square', 'triangle', 'cross'];

/** `perClass` PNGs of each shape into dir/<shape>/<i>.png (existing files are kept). */
export async function writeShapes(dir, { perClass, seed }) {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const shapes = {
    circle: (x, y, k, c) => `<circle cx="${x}" cy="${y}" r="${k}" fill="${c}"/>`,
    square: (x, y, k, c) => `<rect x="${x - k}" y="${y - k}" width="${2 * k}" height="${2 * k}" fill="${c}"/>`,
    triangle: (x, y, k, c) => `<polygon points="${x},${y - k} ${x - k},${y + k} ${x + k},${y + k}" fill="${c}"/>`,
    cross: (x, y, k, c) => `<rect x="${x - k}" y="${y - k / 3}" width="${2 * k}" height="${(2 * k) / 3}" fill="${c}"/><rect x="${x - k / 3}" y="${y - k}" width="${(2 * k) / 3}" height="${2 * k}" fill="${c}"/>`,
  };
  for (const [name, draw] of Object.entries(shapes)) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const file = path.join(dir, name, `${i}.png`);
      if (fs.existsSync(file)) { r(); continue; }
      const k = 14 + r() * 22;
      const x = k + r() * (128 - 2 * k);
      const y = k + r() * (128 - 2 * k);
      const c = `hsl(${Math.floor(r() * 360)},70%,${35 + Math.floor(r() * 30)}%)`;
      const bg = `hsl(${Math.floor(r() * 360)},20%,${70 + Math.floor(r() * 20)}%)`;
      const noise = Array.from({ length: 30 }, () => `<circle cx="${r() * 128}" cy="${r() * 128}" r="${1 + r() * 4}" fill="hsl(${Math.floor(r() * 360)},30%,50%)" opacity="0.5"/>`).join('');
      await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="${bg}"/>${noise}${draw(x, y, k, c)}</svg>`)).png().toFile(file);
    }
  }
}

