/** What a file is, from its first bytes: says why an image cannot be used in words a user can act on. */
import * as fs from 'node:fs';

/** Formats the bundled libvips decodes. */
const READABLE = new Set(['JPEG', 'PNG', 'GIF', 'WebP', 'TIFF', 'AVIF', 'HEIF']);

export function sniffFormat(head: Uint8Array): string | undefined {
  const ascii = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'JPEG';
  if (b(0) === 0x89 && ascii(1, 4) === 'PNG') return 'PNG';
  if (ascii(0, 4) === 'GIF8') return 'GIF';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'WebP';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'TIFF';
  if (ascii(0, 2) === 'BM') return 'BMP';
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'AVIF';
    if (/^(heic|heix|hevc|hevx|heim|heis)$/.test(brand)) return 'HEIC';
    if (brand === 'mif1' || brand === 'msf1') return 'HEIF';
    if (brand === 'jp2 ') return 'JPEG 2000';
    return undefined;
  }
  if (b(0) === 0 && b(1) === 0 && b(2) === 1 && b(3) === 0) return 'ICO';
  if (ascii(0, 4) === '8BPS') return 'PSD';
  if ((b(0) === 0xff && b(1) === 0x0a) || ascii(4, 8) === 'JXL ') return 'JPEG XL';
  if (ascii(4, 8) === 'jP  ') return 'JPEG 2000';
  if (ascii(0, 4) === 'qoif') return 'QOI';
  return undefined;
}

function readHead(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const head = new Uint8Array(32);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Why sharp could not read `file`, from its content and sharp's message. */
export function unreadableReason(file: string, sharpMessage: string): string {
  let format: string | undefined;
  try {
    format = sniffFormat(readHead(file));
  } catch {
    return 'cannot be read';
  }
  const detail = sharpMessage.split('\n')[0]!.trim();
  if (!format) return 'not an image (the content is not a known image format)';
  if (!READABLE.has(format)) return `unsupported format (${format}): convert it to PNG or JPEG`;
  if (/unsupported|no decoder|codec/i.test(detail)) return `unsupported format (${format}: ${detail})`;
  return `corrupt or truncated ${format} (${detail})`;
}
