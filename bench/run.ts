/**
 * `npm run bench [-- --quick] [-- --only a,b]`: Transfer Studio's benchmarks. Ratios measured in
 * one run (these machines are noisy: every figure is a median of repeated steps), printed as a
 * table and written to bench/results.json. Never a test: nothing here fails on a number.
 *
 *   extension   activation time and bundle sizes (extension.ts)
 *   backends    cpu / wasm / tensorflow × predict, frozen-base step, partial fine-tune, cached head (backends.ts)
 *   worker      the real training path: cached vs uncached epochs, extraction threads, leaks, memory (workerPath.ts)
 *   pytorch     MobileNetV2 1.0 in TF.js vs PyTorch on the same CPU (vsPyTorch.ts)
 *   accuracy    P0: time to a target validation accuracy vs the standard PyTorch feature-extraction loop (timeToAccuracy.ts)
 *   probe       the probe of candidate cuts on MobileNetV2 at 224² with 240 images (probe.ts)
 *   engine      the PyTorch engine vs a hand-written PyTorch loop and vs the TF.js engine, full fine-tune (pytorchEngine.ts)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { table } from '../src/core/format/table';
import { configureTfjs } from '../src/engine/tfjs/env';
import { benchBackends } from './backends';
import { quick, results, ROOT } from './common';
import { benchExtension } from './extension';
import { benchProbe } from './probe';
import { benchPyTorchEngine } from './pytorchEngine';
import { benchTimeToAccuracy } from './timeToAccuracy';
import { benchPyTorch } from './vsPyTorch';
import { benchWorker } from './workerPath';

const SECTIONS: Record<string, () => Promise<void> | void> = {
  extension: benchExtension, backends: benchBackends, worker: benchWorker, pytorch: benchPyTorch, accuracy: benchTimeToAccuracy, probe: benchProbe, engine: benchPyTorchEngine,
};

async function main(): Promise<void> {
  configureTfjs(() => undefined);
  const t0 = performance.now();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'worker.js'))) throw new Error('run `npm run build` first');
  const i = process.argv.indexOf('--only');
  const only = i >= 0 ? process.argv[i + 1]!.split(',') : Object.keys(SECTIONS);
  for (const name of only) if (!SECTIONS[name]) throw new Error(`unknown section "${name}"; sections: ${Object.keys(SECTIONS).join(', ')}`);
  // a section that fails is reported and the others still run: one broken section must not lose
  // the figures of a 20-minute run
  const failed: Record<string, string> = {};
  for (const name of only) {
    try {
      await SECTIONS[name]!();
    } catch (e) {
      failed[name] = e instanceof Error ? e.message : String(e);
      console.error(`\nbench section "${name}" failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
  }
  results.seconds = Math.round((performance.now() - t0) / 1000);
  const keys = Object.entries(results).filter(([, v]) => typeof v === 'number');
  console.log('\n' + table(['key', 'value'], keys.map(([k, v]) => [k, Number.isInteger(v) ? String(v) : (v as number).toFixed(2)]), ['l', 'r']));
  // a partial run (--only) adds its keys to the last full results instead of replacing them; a full
  // run keeps what other suites record here (the reliability suite's reliabilityScale)
  const out = path.join(__dirname, 'results.json');
  const last = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> : {};
  delete last.failedSections; // this run says which of its own sections failed
  const previous = i >= 0 ? last : ('reliabilityScale' in last ? { reliabilityScale: last.reliabilityScale } : {});
  const tmp = `${out}.tmp-${process.pid}`;
  const failures = Object.keys(failed).length ? { failedSections: failed } : {};
  fs.writeFileSync(tmp, JSON.stringify({ ...previous, ...results, ...(i >= 0 ? { partial: only } : {}), ...failures }, null, 2) + '\n');
  fs.renameSync(tmp, out);
  console.log(`\nwrote ${path.relative(process.cwd(), out)} in ${results.seconds} s${quick ? ' (quick)' : ''}`);
  if (Object.keys(failed).length) throw new Error(`${Object.keys(failed).length} section(s) failed: ${Object.entries(failed).map(([k, v]) => `${k}: ${v.split('\n')[0]}`).join('; ')}`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
