/**
 * The probe of candidate cuts (src/engine/tfjs/probe.ts) against its budget: MobileNetV2 at 224²
 * with 240 images on this machine's cores in ≤ 60 s — the Teachable Machine export (width 0.35,
 * ImageNet weights: its scores mean something) and a width-1.0 MobileNetV2 (random weights: time only).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { table } from '../src/core/format/table';
import { forceBackend } from '../src/engine/tfjs/backend';
import { saveAdaptedModel } from '../src/engine/tfjs/io/save';
import { probeCuts } from '../src/engine/tfjs/probe';
import { readRecipe } from '../src/engine/tfjs/recipe';
import { log, quick, results, ROOT, writeImages } from './common';
import { mobileNetV2 } from './models';

export async function benchProbe(): Promise<void> {
  await forceBackend('wasm');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-probe-'));
  const images = quick ? 120 : 240;
  await writeImages(path.join(work, 'data'), images / 10, 200);
  const wide = path.join(work, 'mobilenet_v2_1.0');
  const meta = { labels: [], task: 'single-label' as const, inputSize: [224, 224] as [number, number], channels: 3, preprocess: '-1,1' as const, recipe: { model: 'x' }, sourceModel: 'bench', sourceSha256: '', cut: '', frozen: [], createdAt: '', backend: 'wasm', extra: {} };
  await saveAdaptedModel(mobileNetV2(224, 1000), wide, meta);
  const rows: string[][] = [];
  const cases: [string, string, string][] = [
    ['Teachable Machine MobileNetV2 0.35 (ImageNet)', path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'), 'probeSeconds'],
    ['MobileNetV2 1.0 (random weights)', path.join(wide, 'model.json'), 'probeSecondsMobileNetV2Width1'],
  ];
  for (const [name, model, key] of cases) {
    const file = path.join(work, `${key}.adapt.json`);
    fs.writeFileSync(file, JSON.stringify({ model, data: { train: './data', validationSplit: 0.25 }, training: { seed: 1 } }));
    log(`probe: ${name} at 224², ${images} images…`);
    const t0 = performance.now();
    const r = await probeCuts(readRecipe(file), { maxImages: images });
    const sec = (performance.now() - t0) / 1000;
    results[key] = sec;
    rows.push([name, String(r.rows.length), `${r.images.train}+${r.images.validation}`, (r.forwardMs / 1000).toFixed(1), sec.toFixed(1), `${r.best} (${(r.rows.find((x) => x.cut === r.best)!.value * 100).toFixed(1)}%)`]);
  }
  results.probeBudgetSeconds = 60;
  console.log(`\nprobe of candidate cuts at 224² (budget 60 s for 240 images)`);
  console.log(table(['model', 'cuts', 'images', 'features s', 'total s', 'best'], rows, ['l', 'r', 'r', 'r', 'r', 'l']));
  fs.rmSync(work, { recursive: true, force: true });
}
