/**
 * Scale: a generated dataset of small images (50,000 with --full; 3,000 in the default run), made
 * here with sharp under the system temp folder (never committed, reused between runs). One
 * `transfer-studio train --json` on it with a small memory budget: listing, checking and feature
 * extraction must stream from disk — the worker's peak RSS stays below the budget plus a stated
 * constant (TF.js, the model, the extraction threads) — with progress and an ETA throughout; then
 * a fresh-cache run cancelled (Ctrl-C) half-way through extraction must be back within 2 s.
 * Images/s and peak RSS go to bench/results.json ("reliabilityScale") and scale-results.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { check, cli, completeModel, copyEmotion, parseEvent, pool, ROOT, sampleMemory, writeJson, type Case, type Check, type Ctx } from './lib';

export const SCALE_RESULTS = path.join(ROOT, 'scripts', 'reliability', 'scale-results.json');
const BENCH_RESULTS = path.join(ROOT, 'bench', 'results.json');

/**
 * TRANSFER_STUDIO_MEMORY_BUDGET_MB of the run: below what the checked pixels take (64×64 bytes,
 * 4 KiB an image: 3,000 → 12 MiB, 50,000 → 195 MiB), so they must stream from disk; at 50,000
 * the features (1 KiB an image, 49 MiB) go over it too and are read back from the disk cache.
 */
const budgetFor = (n: number): number => (n >= 10_000 ? 32 : 8);
/**
 * What the worker holds whatever the dataset's size: Node, TF.js (WASM) and the model in the
 * worker and in each of its feature-extraction threads, sharp's decoder pools. Measured at about
 * 360 MiB for 3,000 images on 2 cores (see bench/results.json); the bound leaves room for other machines.
 */
export const CONSTANT_MIB = 600;
const CLASSES = ['circle', 'square', 'stripes'];

/** N 28×28 grey PNGs in `root/<class>/`, drawn so the classes differ; kept for later runs (a marker file says it is complete). */
async function generate(root: string, n: number): Promise<{ ms: number; reused: boolean }> {
  const marker = path.join(root, `.complete-${n}`);
  if (fs.existsSync(marker)) return { ms: 0, reused: true };
  const t0 = performance.now();
  fs.rmSync(root, { recursive: true, force: true });
  for (const c of CLASSES) fs.mkdirSync(path.join(root, c), { recursive: true });
  await pool(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    const c = i % CLASSES.length;
    const px = Buffer.alloc(28 * 28);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const noise = ((i * 7919 + y * 131 + x * 17) % 61) - 30;
        const on = c === 0 ? (x - 14) ** 2 + (y - 14) ** 2 < 60 + (i % 40) : c === 1 ? Math.abs(x - 14) < 6 + (i % 5) && Math.abs(y - 14) < 6 + (i % 5) : (x + (i % 7)) % 6 < 3;
        px[y * 28 + x] = Math.max(0, Math.min(255, (on ? 200 : 40) + noise));
      }
    }
    await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(root, CLASSES[c]!, `${String(i).padStart(6, '0')}.png`));
  });
  fs.writeFileSync(marker, '');
  return { ms: performance.now() - t0, reused: false };
}

interface ScaleNumbers {
  images: number;
  date: string;
  cpus: number;
  budgetMiB: number;
  constantMiB: number;
  peakRssMiB: { worker: number; cli: number; total: number };
  rssSamples: number;
  checkSeconds: number;
  checkImagesPerSec: number;
  extractSeconds: number;
  extractImagesPerSec: number;
  progressEvents: number;
  progressWithEta: number;
  totalSeconds: number;
  cancelMs: number;
  generatedInSeconds?: number;
}

function record(key: string, numbers: ScaleNumbers): void {
  // other tools write bench/results.json too: read it just before writing and touch only our key
  const write = (file: string): void => {
    const current = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const mine = (current.reliabilityScale ?? {}) as Record<string, unknown>;
    mine[key] = numbers;
    current.reliabilityScale = mine;
    fs.writeFileSync(file, JSON.stringify(current, null, 2) + '\n');
  };
  write(BENCH_RESULTS);
  write(SCALE_RESULTS);
}

function scaleCase(n: number, full: boolean): Case {
  const BUDGET_MIB = budgetFor(n);
  const name = `scale-${n}-images`;
  return {
    name,
    group: 'scale',
    full,
    what: `${n.toLocaleString('en')} generated 28×28 PNGs in 3 classes (made with sharp under ${os.tmpdir()}); \`transfer-studio train --json\` (frozen base: features extracted once, then the head) with TRANSFER_STUDIO_MEMORY_BUDGET_MB=${BUDGET_MIB}; RSS of the CLI and its worker sampled every 200 ms; then a run on a fresh cache cancelled with Ctrl-C at half the extraction`,
    setup: async (dir, ctx) => {
      const data = path.join(os.tmpdir(), `transfer-studio-scale-${n}`);
      const g = await generate(data, n);
      ctx.state.data = data;
      ctx.state.generated = g;
      copyEmotion(dir);
      writeJson(path.join(dir, 'r.adapt.json'), { model: './model/model.json', head: [{ type: 'Dense' }], data: { train: data, validationSplit: 0.1 }, training: { epochs: 2, seed: 1, batchSize: 64 }, engine: { name: 'tfjs' }, output: './out' });
    },
    run: async (dir, ctx) => {
      const env = { ...ctx.env, TRANSFER_STUDIO_MEMORY_BUDGET_MB: String(BUDGET_MIB) };
      let sampler: ReturnType<typeof sampleMemory> | undefined;
      const t0 = performance.now();
      let datasetAt = 0;
      let firstExtract = 0;
      let lastExtract = 0;
      let extracted = 0;
      let progress = 0;
      let withEta = 0;
      const r = await cli(['train', 'r.adapt.json', '--json'], {
        cwd: dir, env, timeoutMs: 1_800_000,
        onStart: (c) => { sampler = sampleMemory(c.pid!, 200); },
        onLine: (line) => {
          const e = parseEvent(line) as { type: string; phase?: string; done?: number; message?: string; etaSec?: number | null; level?: string } | undefined;
          if (!e) return;
          const now = performance.now();
          if (e.type === 'dataset') datasetAt = now;
          if (e.type === 'progress' && e.phase === 'extract') {
            if (!firstExtract) firstExtract = now;
            lastExtract = now;
            extracted = e.done ?? extracted;
          }
          // what a user watching sees move: check lines, extraction progress, batches and epochs
          if (e.type === 'progress' || e.type === 'batchEnd' || e.type === 'epochEnd' || (e.type === 'log' && /^checked \d+ of/.test(e.message ?? ''))) {
            progress++;
            if (/ETA \S/.test(e.message ?? '') || (typeof e.etaSec === 'number')) withEta++;
          }
        },
      });
      const mem = sampler!.stop();
      const total = (performance.now() - t0) / 1000;
      // the cancel: a fresh cache, Ctrl-C once half the features are extracted
      let sigintAt = 0;
      const cancel = await cli(['train', 'r.adapt.json', '--json'], {
        cwd: dir, env: { ...env, TRANSFER_STUDIO_CACHE: path.join(dir, 'fresh-cache') }, timeoutMs: 1_800_000,
        onLine: (line, child) => {
          const e = parseEvent(line) as { type: string; phase?: string; done?: number; total?: number } | undefined;
          if (!sigintAt && e?.type === 'progress' && e.phase === 'extract' && (e.done ?? 0) >= (e.total ?? Infinity) / 2) { sigintAt = performance.now(); child.kill('SIGINT'); }
        },
      });
      const cancelMs = sigintAt ? performance.now() - sigintAt : NaN;
      const checkSeconds = datasetAt ? (datasetAt - t0) / 1000 : NaN;
      const extractSeconds = (lastExtract - firstExtract) / 1000;
      const numbers: ScaleNumbers = {
        images: n, date: new Date().toISOString(), cpus: os.cpus().length, budgetMiB: BUDGET_MIB, constantMiB: CONSTANT_MIB,
        peakRssMiB: { worker: Math.round(mem.worker), cli: Math.round(mem.cli), total: Math.round(mem.total) }, rssSamples: mem.samples,
        checkSeconds: round(checkSeconds), checkImagesPerSec: round(n / checkSeconds),
        extractSeconds: round(extractSeconds), extractImagesPerSec: round(extracted / Math.max(extractSeconds, 1e-3)),
        progressEvents: progress, progressWithEta: withEta, totalSeconds: round(total), cancelMs: Math.round(cancelMs),
        ...(ctx.state.generated && !(ctx.state.generated as { reused: boolean }).reused ? { generatedInSeconds: round((ctx.state.generated as { ms: number }).ms / 1000) } : {}),
      };
      ctx.state.numbers = numbers;
      ctx.state.cancel = cancel;
      ctx.state.streamed = /streaming from disk/.test(r.stdout);
      ctx.state.featuresLine = (r.stdout.match(/features: \d+ computed[^"]*/) ?? [''])[0];
      if (r.code === 0) record(String(n), numbers);
      return {
        ...r,
        notes: [`peak RSS: worker ${numbers.peakRssMiB.worker} MiB, CLI ${numbers.peakRssMiB.cli} MiB (${mem.samples} samples)`, `check ${numbers.checkImagesPerSec} images/s, extraction ${numbers.extractImagesPerSec} images/s`, `cancel returned in ${numbers.cancelMs} ms`],
      };
    },
    expect: {
      code: 0,
      message: /"type":"done","output":"[^"]*\/out","stopped":false/,
      files: (dir: string, _r, ctx: Ctx): Check[] => {
        const x = ctx.state.numbers as ScaleNumbers;
        const cancel = ctx.state.cancel as { code: number };
        const bound = BUDGET_MIB + CONSTANT_MIB;
        return [
          check(completeModel(path.join(dir, 'out')).ok, 'a complete model at the output'),
          check(ctx.state.streamed === true, 'the dataset streamed from disk (the report says "streaming from disk")', 'the dataset was held in memory, not streamed'),
          check(x.peakRssMiB.worker > 0 && x.peakRssMiB.worker <= bound, `worker peak RSS ${x.peakRssMiB.worker} MiB ≤ budget ${BUDGET_MIB} + constant ${CONSTANT_MIB} MiB`, `worker peak RSS ${x.peakRssMiB.worker} MiB > ${bound} MiB`),
          check(x.progressEvents > 0 && x.progressWithEta / x.progressEvents >= 0.9, `${x.progressWithEta} of ${x.progressEvents} progress updates carry an ETA`, `only ${x.progressWithEta} of ${x.progressEvents} progress updates carry an ETA`),
          check(cancel.code === 130 && x.cancelMs <= 2000, `Ctrl-C half-way through extraction: back in ${x.cancelMs} ms (exit 130) ≤ 2 s`, `the cancel took ${x.cancelMs} ms (exit ${cancel.code})`),
          { ok: true, text: `${ctx.state.featuresLine}; ${x.extractImagesPerSec} images/s extracted, ${x.checkImagesPerSec} images/s checked` },
        ];
      },
    },
  };
}

function round(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 10) / 10 : NaN;
}

export const scaleCases: Case[] = [scaleCase(3000, false), scaleCase(50_000, true)];

