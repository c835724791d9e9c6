import * as path from 'node:path';
import { UserError } from '../../core/errors';
import type { EvaluationReport, Prediction } from '../../core/protocol';
import { parse } from '../args';
import type { Cli } from '../main';
import { evaluationText } from '../report';
import { startWorker } from '../worker';

export const evaluateUsage = 'transfer-studio evaluate MODEL --data DIR [--json]';
export const predictUsage = 'transfer-studio predict MODEL FILE… [--top K] [--json]';

async function withWorker<T>(fn: (w: ReturnType<typeof startWorker>) => Promise<T>): Promise<T> {
  const w = startWorker();
  try {
    await w.ready;
    return await fn(w);
  } finally {
    await w.shutdown(2000);
  }
}

export async function evaluate(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' } }, evaluateUsage);
  if (positionals.length !== 1 || !values.data) throw new UserError(`expected MODEL and --data DIR\nusage: ${evaluateUsage}`);
  const report = await withWorker((w) => w.request<EvaluationReport>({ type: 'evaluate', model: path.resolve(positionals[0]!), data: path.resolve(values.data!) }));
  cli.out(values.json ? JSON.stringify(report, null, 2) : evaluationText(report));
  return 0;
}

export async function predict(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { top: { type: 'string' }, json: { type: 'boolean' } }, predictUsage);
  if (positionals.length < 2) throw new UserError(`expected MODEL and at least one FILE\nusage: ${predictUsage}`);
  const topK = values.top ? Number(values.top) : 3;
  if (!Number.isInteger(topK) || topK < 1) throw new UserError(`--top expects a whole number ≥ 1, got "${values.top}"`);
  const [model, ...files] = positionals;
  const preds = await withWorker((w) => w.request<Prediction[]>({ type: 'predict', model: path.resolve(model!), files: files.map((f) => path.resolve(f)), topK }));
  if (values.json) cli.out(JSON.stringify(preds, null, 2));
  else for (const p of preds) cli.out(`${p.file}\n${p.top.length ? p.top.map((t, i) => `  ${i + 1}. ${t.label.padEnd(24)} ${(t.score * 100).toFixed(1)}%`).join('\n') : `  ${p.values?.map((v) => v.toFixed(4)).join(', ')}`}`);
  return 0;
}
