import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../core/errors';
import { BackendPreferenceSchema, type BackendPreference, type Prediction } from '../../core/protocol/reports';
import { parse } from '../args';
import type { Cli } from '../context';
import { evaluationText, multiTaskText } from '../report';
import { startWorker } from '../worker';

export const evaluateUsage = 'transfer-studio evaluate MODEL --data DIR [--backend B] [--python PATH] [--json]';
export const predictUsage = 'transfer-studio predict MODEL FILE… [--top K] [--backend B] [--python PATH] [--json]';

function backendOption(value: string | undefined): BackendPreference | undefined {
  if (value === undefined) return undefined;
  const b = BackendPreferenceSchema.safeParse(value);
  if (!b.success) throw new UserError(`--backend expects one of ${BackendPreferenceSchema.options.join(', ')}, got "${value}"`);
  return b.data;
}

async function withWorker<T>(cli: Cli, fn: (w: ReturnType<typeof startWorker>) => Promise<T>): Promise<T> {
  const w = startWorker();
  // --verbose shows what the worker did (the backend it chose, the files it read), as train does
  if (cli.verbose) w.onEvent((e) => { if (e.type === 'log') cli.err(e.message); });
  try {
    await w.ready;
    return await fn(w);
  } finally {
    await w.shutdown(2000);
  }
}

/** A detector's boxes: label, score, pixel corners in the image (and its size). */
function boxesText(p: Prediction): string {
  const boxes = p.boxes ?? [];
  const head = `${p.file}${p.size ? ` (${p.size[0]}×${p.size[1]})` : ''}: ${boxes.length} box${boxes.length === 1 ? '' : 'es'}`;
  return [head, ...boxes.map((b, i) => `  ${i + 1}. ${b.label.padEnd(16)} ${(b.score * 100).toFixed(1).padStart(5)}%  x ${b.pixels.x.toFixed(1)}  y ${b.pixels.y.toFixed(1)}  w ${b.pixels.w.toFixed(1)}  h ${b.pixels.h.toFixed(1)}`)].join('\n');
}

export async function evaluate(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' }, python: { type: 'string' } }, evaluateUsage);
  if (positionals.length !== 1 || !values.data) throw new UserError(`expected MODEL and --data DIR\nusage: ${evaluateUsage}`);
  const backend = backendOption(values.backend);
  const data = path.resolve(values.data);
  // checked here: the data layer's own message speaks of a recipe, and evaluate has none
  if (!fs.existsSync(data)) throw new UserError('data not found', { file: data, hint: 'expected a folder with one sub-folder per class, or a CSV file (a detector: a COCO .json, a Pascal VOC folder or a box CSV)' });
  const report = await withWorker(cli, (w) => w.request({ type: 'evaluate', model: path.resolve(positionals[0]!), data, backend, python: values.python }));
  cli.out(values.json ? JSON.stringify(report, null, 2) : report.multiTask ? multiTaskText(report.multiTask) : evaluationText(report));
  return 0;
}

export async function predict(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { top: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' }, python: { type: 'string' } }, predictUsage);
  if (positionals.length < 2) throw new UserError(`expected MODEL and at least one FILE\nusage: ${predictUsage}`);
  const topK = values.top ? Number(values.top) : 3;
  if (!Number.isInteger(topK) || topK < 1) throw new UserError(`--top expects a whole number ≥ 1, got "${values.top}"`);
  const backend = backendOption(values.backend);
  const [model, ...files] = positionals;
  const preds = await withWorker(cli, (w) => w.request({ type: 'predict', model: path.resolve(model!), files: files.map((f) => path.resolve(f)), topK, backend, python: values.python }));
  if (values.json) cli.out(JSON.stringify(preds, null, 2));
  else for (const p of preds) cli.out(p.boxes ? boxesText(p) : p.heads ? headsText(p) : `${p.file}\n${p.top.length ? p.top.map((t, i) => `  ${i + 1}. ${t.label.padEnd(24)} ${(t.score * 100).toFixed(1)}%`).join('\n') : `  ${p.values?.map((v) => v.toFixed(4)).join(', ')}`}`);
  return 0;
}

/** A multi-task model's prediction: each head's top classes, or its values. */
function headsText(p: Prediction): string {
  return [p.file, ...(p.heads ?? []).map((h) => `  ${h.name}: ${h.values ? h.values.map((v) => v.toFixed(4)).join(', ') : h.top.map((t) => `${t.label} ${(t.score * 100).toFixed(1)}%`).join(', ')}`)].join('\n');
}
