/**
 * A multi-task CSV over Fashion-MNIST images (examples/fashion-mini): per image its item (10
 * classes), its group (tops, bottoms, footwear, bags: a coarser view of the same label) and its
 * ink coverage (the share of pixels darker than the background, measured here from the pixels: a
 * number the item alone does not fix). Paths are relative to the CSV's folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

export const GROUPS: Record<string, string> = {
  'tshirt-top': 'tops', pullover: 'tops', coat: 'tops', shirt: 'tops', dress: 'tops',
  trouser: 'bottoms', sandal: 'footwear', sneaker: 'footwear', 'ankle-boot': 'footwear', bag: 'bags',
};

/** Share of the image's pixels with ink (Fashion-MNIST draws light on black: value above 40). */
export async function inkCoverage(file: string): Promise<number> {
  const { data } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  let ink = 0;
  for (const v of data) if (v > 40) ink++;
  return ink / data.length;
}

export interface MultiTaskCsvOptions {
  /** Leave the coverage cell empty on every Nth row (no label for that head there). */
  coverageMissingEvery?: number;
  columns?: ('item' | 'group' | 'coverage')[];
}

/** Writes DIR/NAME.csv listing DATA/<class>/<image> (DATA inside DIR) with the chosen columns; returns the CSV's path. */
export async function writeMultiTaskCsv(dir: string, data: string, name: string, opts: MultiTaskCsvOptions = {}): Promise<string> {
  const columns = opts.columns ?? ['item', 'group', 'coverage'];
  const lines = [['path', ...columns].join(',')];
  let row = 0;
  for (const c of fs.readdirSync(data).sort()) {
    for (const f of fs.readdirSync(path.join(data, c)).sort()) {
      const file = path.join(data, c, f);
      const cells: Record<string, string> = { item: c, group: GROUPS[c]!, coverage: (await inkCoverage(file)).toFixed(4) };
      row++;
      if (opts.coverageMissingEvery && row % opts.coverageMissingEvery === 0) cells.coverage = '';
      lines.push([path.relative(dir, file).split(path.sep).join('/'), ...columns.map((k) => cells[k])].join(','));
    }
  }
  const out = path.join(dir, `${name}.csv`);
  fs.writeFileSync(out, lines.join('\n') + '\n');
  return out;
}
