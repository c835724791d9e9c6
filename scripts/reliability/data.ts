/**
 * Datasets a user may point at: empty or one-class folders, images that are corrupt, empty, huge,
 * CMYK, 16-bit, animated, or have non-UTF-8 names, and CSVs with missing files, duplicates and
 * unknown labels. Images are made at run time with sharp (never committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { absentOrComplete, check, cli, completeModel, copyEmotion, copyFashion, events, messageBody, tinyRecipe, userLine, workspace, writeJson, type Case, type CliResult, type Check, type Ctx } from './lib';

interface DatasetReport { total: { train: number; validation: number; test: number }; skipped: { file: string; reason: string }[]; warnings: string[] }

function datasetOf(r: CliResult): DatasetReport | undefined {
  return events(r.stdout).find((e) => e.type === 'dataset')?.report as DatasetReport | undefined;
}

const train = (dir: string, ctx: Ctx, extra: string[] = []): Promise<CliResult> => cli(['train', 'r.adapt.json', '--json', ...extra], { cwd: dir, env: ctx.env, timeoutMs: 240_000 });

/** The done event's line is what a --json user sees last; a readable summary of what the dataset report said goes to the notes. */
function withDataset(r: CliResult): CliResult {
  const d = datasetOf(r);
  const notes = d ? [`dataset report: ${d.total.train} train / ${d.total.validation} validation; skipped: ${d.skipped.map((s) => `${path.basename(s.file)} (${s.reason})`).join(', ') || 'none'}${d.warnings.length ? `; warnings: ${d.warnings.join(' / ')}` : ''}`] : [];
  const err = events(r.stdout).find((e) => e.type === 'error') as { error?: { message: string; file?: string; hint?: string } } | undefined;
  return { ...r, notes, message: r.code === 0 ? userLine(r) : err?.error ? `${err.error.file ? `${err.error.file}: ` : ''}${err.error.message}` : userLine(r) };
}

/** One extra image file beside 36 good ones; training must go on, and the dataset report must account for the file (used, or skipped with a reason). */
function oddImage(name: string, what: string, write: (classDir: string) => Promise<string>, expectUsed: boolean): Case {
  return {
    name,
    group: 'data',
    what: `${what}, in data/bag beside 36 good PNGs; \`transfer-studio train --json\``,
    setup: async (dir, ctx) => {
      workspace(dir, tinyRecipe({ data: { train: './data', validationSplit: 0.2 } }));
      ctx.state.file = await write(path.join(dir, 'data', 'bag'));
    },
    run: async (dir, ctx) => withDataset(await train(dir, ctx)),
    expect: {
      code: 0,
      message: /"type":"done"/,
      files: (dir, r, ctx): Check[] => {
        const d = datasetOf(r);
        const file = ctx.state.file as string;
        const skipped = d?.skipped.find((s) => path.basename(s.file) === path.basename(file) || s.file.includes('\ufffd'));
        const used = d ? d.total.train + d.total.validation === 37 : false;
        return [
          expectUsed
            ? check(used && !skipped, 'the image is used (37 images in the report, none skipped)', `the image is not used: ${d ? `${d.total.train + d.total.validation} images, skipped: ${skipped ? skipped.reason : 'not listed'}` : 'no dataset report'}`)
            : check(used || !!skipped, `the image is ${used ? 'used' : `skipped with a reason: ${skipped?.reason}`}`, 'the image is neither used nor listed as skipped'),
          check(completeModel(path.join(dir, 'out')).ok, 'a complete model at the output', 'no complete model at the output'),
        ];
      },
    },
  };
}

function pngOf(width: number, height: number, channels: 1 | 3, seed: number): sharp.Sharp {
  const px = Buffer.alloc(width * height * channels);
  for (let i = 0; i < px.length; i++) px[i] = (i * 31 + seed * 97) & 255;
  return sharp(px, { raw: { width, height, channels } });
}

function csvCase(name: string, what: string, rows: (files: string[]) => string[], code: number, message: RegExp, extra: Record<string, unknown> = {}, files?: (dir: string, r: CliResult, ctx: Ctx) => Check[]): Case {
  return {
    name,
    group: 'data',
    what: `${what}; \`transfer-studio train --json\``,
    setup: (dir) => {
      copyEmotion(dir);
      copyFashion(dir);
      const imgs: string[] = [];
      for (const c of ['bag', 'coat', 'dress']) for (const f of fs.readdirSync(path.join(dir, 'data', c)).sort()) imgs.push(`data/${c}/${f},${c}`);
      fs.writeFileSync(path.join(dir, 'labels.csv'), ['path,label', ...rows(imgs)].join('\n') + '\n');
      writeJson(path.join(dir, 'r.adapt.json'), tinyRecipe({ data: { train: './labels.csv', validationSplit: 0.2, ...extra } }));
    },
    run: async (dir, ctx) => withDataset(await train(dir, ctx)),
    expect: { code, message, files },
  };
}

export const dataCases: Case[] = [
  {
    name: 'init-empty-folder',
    group: 'data',
    what: 'an empty data folder; `transfer-studio init --model model/model.json --data data`',
    setup: (dir) => { copyEmotion(dir); fs.mkdirSync(path.join(dir, 'data')); },
    run: (dir, ctx) => cli(['init', '--model', 'model/model.json', '--data', 'data', '-o', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /data: no class folders with images found/, files: (dir) => [check(!fs.existsSync(path.join(dir, 'r.adapt.json')), 'no recipe written', 'a recipe was written')] },
  },
  {
    name: 'train-empty-folder',
    group: 'data',
    what: 'a recipe whose data folder is empty; `transfer-studio train`',
    setup: (dir) => { copyEmotion(dir); fs.mkdirSync(path.join(dir, 'data')); writeJson(path.join(dir, 'r.adapt.json'), tinyRecipe()); },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /data: no class folders/, files: (dir) => [absentOrComplete(path.join(dir, 'out'))] },
  },
  {
    name: 'init-one-class',
    group: 'data',
    what: 'one class folder (data/bag); `transfer-studio init` — must say what `train` says',
    setup: (dir) => { copyEmotion(dir); copyFashion(dir, 'data', ['bag']); },
    run: (dir, ctx) => cli(['init', '--model', 'model/model.json', '--data', 'data', '-o', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /single-label classification needs at least 2 classes/, files: (dir) => [check(!fs.existsSync(path.join(dir, 'r.adapt.json')), 'no recipe written', 'a recipe was written')] },
  },
  {
    name: 'train-one-class',
    group: 'data',
    what: 'one class folder; `transfer-studio train` and `transfer-studio init` on it: the same message',
    setup: (dir) => { copyEmotion(dir); copyFashion(dir, 'data', ['bag']); writeJson(path.join(dir, 'r.adapt.json'), tinyRecipe()); },
    run: async (dir, ctx) => {
      ctx.state.init = await cli(['init', '--model', 'model/model.json', '--data', 'data', '-o', 'i.adapt.json'], { cwd: dir, env: ctx.env });
      return cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env });
    },
    expect: {
      code: 1,
      message: /single-label classification needs at least 2 classes/,
      files: (dir, r, ctx) => {
        const i = ctx.state.init as CliResult;
        return [check(messageBody(userLine(i)) === messageBody(userLine(r)), 'init and train: the same message', `init said "${userLine(i)}"`), absentOrComplete(path.join(dir, 'out'))];
      },
    },
  },
  {
    name: 'corrupt-and-empty-images',
    group: 'data',
    what: 'data/bag/broken.png (PNG signature + garbage) and data/coat/empty.png (0 bytes) beside 36 good PNGs; `transfer-studio train`',
    setup: (dir) => {
      workspace(dir);
      fs.writeFileSync(path.join(dir, 'data', 'bag', 'broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 0x5a)]));
      fs.writeFileSync(path.join(dir, 'data', 'coat', 'empty.png'), '');
    },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: {
      code: 0,
      message: /adapted model saved to/,
      files: (dir, r) => [
        check(/broken\.png/.test(r.stdout + r.stderr) && /empty\.png/.test(r.stdout + r.stderr), 'both bad files named in the output as skipped', 'the skipped files are not named'),
        check(completeModel(path.join(dir, 'out')).ok, 'a complete model at the output'),
      ],
    },
  },
  {
    name: 'too-many-bad-images',
    group: 'data',
    what: '8 fake PNGs (text) beside 36 good ones (18 %, over data.maxSkipped 10 %); `transfer-studio train`',
    setup: (dir) => {
      workspace(dir);
      for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(dir, 'data', ['bag', 'coat'][i % 2]!, `fake${i}.png`), 'not a png\n');
    },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /8 of 44 files cannot be used .*more than the 10% allowed.*fake\d\.png/, files: (dir) => [absentOrComplete(path.join(dir, 'out'))] },
  },
  oddImage('huge-png-12000', 'a 12000×12000 RGB PNG (144 megapixels, made with sharp)', async (d) => {
    const f = path.join(d, 'huge.png');
    await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#446688' } }).png({ compressionLevel: 1 }).toFile(f);
    return f;
  }, true),
  oddImage('cmyk-jpeg', 'a CMYK JPEG', async (d) => {
    const f = path.join(d, 'cmyk.jpg');
    await pngOf(28, 28, 3, 1).toColourspace('cmyk').jpeg().toFile(f);
    return f;
  }, true),
  oddImage('png-16-bit', 'a 16-bit RGB PNG', async (d) => {
    const f = path.join(d, 'deep.png');
    await pngOf(28, 28, 3, 2).toColourspace('rgb16').png().toFile(f);
    return f;
  }, true),
  oddImage('animated-gif', 'a 3-frame animated GIF (the first frame is used, says the README)', async (d) => {
    const f = path.join(d, 'anim.gif');
    const frames = await Promise.all([1, 2, 3].map((s) => pngOf(28, 28, 3, s).png().toBuffer()));
    await sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100, 100], loop: 0 }).toFile(f);
    return f;
  }, true),
  oddImage('non-utf8-file-name', 'a valid PNG whose file name is not UTF-8 (bytes 0xff 0xfe, written through a Buffer path)', async (d) => {
    const name = Buffer.concat([Buffer.from(path.join(d, 'img-')), Buffer.from([0xff, 0xfe]), Buffer.from('.png')]);
    fs.writeFileSync(name, await pngOf(28, 28, 1, 3).png().toBuffer());
    return 'img-\ufffd\ufffd.png';
  }, false),
  csvCase('csv-missing-files', 'labels.csv lists the 36 images and 2 files that do not exist', (rows) => [...rows, 'data/bag/gone-1.png,bag', 'data/coat/gone-2.png,coat'], 0, /"type":"done"/, {}, (_d, r) => [
    check(!!datasetOf(r)?.skipped.some((s) => /gone-1\.png/.test(s.file) && /missing: listed on line \d+/.test(s.reason)) && !!datasetOf(r)?.skipped.some((s) => /gone-2\.png/.test(s.file)), 'both missing files listed as skipped, with their CSV line', 'the missing files are not reported'),
  ]),
  csvCase('csv-duplicate-rows', 'labels.csv lists one image three times, once with another label', (rows) => [...rows, rows[0]!, rows[0]!.replace(/,bag$/, ',coat')], 0, /"type":"done"/, {}, (_d, r) => [
    check(!!datasetOf(r)?.warnings.some((w) => /2 line\(s\) list an image already listed/.test(w)) && datasetOf(r)!.total.train + datasetOf(r)!.total.validation === 36, 'a warning names the duplicates; each image counted once', `no duplicate warning or wrong count: ${JSON.stringify(datasetOf(r)?.warnings)}`),
  ]),
  csvCase('csv-unknown-label', 'labels.csv has a row labelled "sock", the recipe\'s "labels" are bag, coat, dress', (rows) => [...rows.slice(0, -1), rows.at(-1)!.replace(/,dress$/, ',sock')], 1, /labels\.csv: label "sock" .* is not one of the recipe's "labels"/, { labels: ['bag', 'coat', 'dress'] }),
  csvCase('csv-wrong-column-count', 'labels.csv has a row with three columns', (rows) => [...rows, 'data/bag/0000.png,bag,extra'], 1, /labels\.csv: line 38: expected 2 columns/),
];
