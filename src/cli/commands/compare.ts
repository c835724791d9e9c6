/**
 * `transfer-studio compare RUN_DIR… [--data DIR] [--json]`: two or more runs side by side — their
 * recipes' differences, final metrics, and the best model on the same data. With --data every
 * run's saved model is evaluated on DIR by the worker; without it the runs' own evaluations are
 * ranked only when they saw the same split of the same data. The comparison itself is core's
 * (src/core/compare.ts); this file reads the run folders and prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareRuns, formatEngine, formatEpochsRun, formatKept, formatMetric, formatRecipeValue, RUN_FILES, type DataEvaluation, type RunComparison } from '../../core/compare';
import { readRunFiles } from '../../core/compare/files';
import { errorMessage, UserError } from '../../core/errors';
import { formatDuration, table } from '../../core/format/table';
import { BackendPreferenceSchema } from '../../core/protocol/reports';
import { parse } from '../args';
import type { Cli } from '../context';
import { startWorker } from '../worker';

export const usage = 'transfer-studio compare RUN_DIR RUN_DIR… [--data DIR] [--backend B] [--json]';

/** Each run's saved model evaluated on `data` by one worker, one after the other. */
async function evaluateOn(cli: Cli, models: (string | null)[], data: string, backend: ReturnType<typeof backendOption>): Promise<DataEvaluation[]> {
  const w = startWorker();
  if (cli.verbose) w.onEvent((e) => { if (e.type === 'log') cli.err(e.message); });
  try {
    await w.ready;
    const out: DataEvaluation[] = [];
    for (const model of models) {
      if (!model) { out.push(null); continue; }
      const file = path.join(model, RUN_FILES.model);
      if (!fs.existsSync(file)) { out.push({ error: `no ${RUN_FILES.model} in ${model}` }); continue; }
      try {
        out.push({ report: await w.request({ type: 'evaluate', model: file, data, backend }) });
      } catch (e) {
        out.push({ error: errorMessage(e) });
      }
    }
    return out;
  } finally {
    await w.shutdown(2000);
  }
}

function backendOption(value: string | undefined): ReturnType<typeof BackendPreferenceSchema.parse> | undefined {
  if (value === undefined) return undefined;
  const b = BackendPreferenceSchema.safeParse(value);
  if (!b.success) throw new UserError(`--backend expects one of ${BackendPreferenceSchema.options.join(', ')}, got "${value}"`);
  return b.data;
}

export async function compare(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' } }, usage);
  if (positionals.length < 2) throw new UserError(`expected two or more RUN_DIRs\nusage: ${usage}`);
  const backend = backendOption(values.backend);
  const dirs = positionals.map((p) => path.resolve(p));
  const twice = dirs.find((d, i) => dirs.indexOf(d) !== i);
  if (twice) throw new UserError('the same run is named twice', { file: twice });
  const files = dirs.map((d) => readRunFiles(d));
  let comparison = compareRuns(files);
  if (values.data !== undefined) {
    const data = path.resolve(values.data);
    if (!fs.existsSync(data)) throw new UserError('data not found', { file: data, hint: 'expected a folder with one sub-folder per class, or a CSV file' });
    const results = await evaluateOn(cli, comparison.runs.map((r) => r.model), data, backend);
    comparison = compareRuns(files, { data: { dir: data, results } });
  }
  if (values.json) cli.out(JSON.stringify(comparison, null, 2));
  else cli.out(comparisonText(comparison));
  if (!values.json) for (const w of comparison.warnings) cli.err(`warning: ${w}`);
  return 0;
}

/** "2026-12-02 22:09:12" in local time. */
function localTime(iso: string | null): string {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '–';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The comparison as the terminal shows it: the runs, the recipes' differences, the final metrics, the verdict. */
export function comparisonText(c: RunComparison): string {
  const keys = c.runs.map((r) => r.key);
  const right = keys.map(() => 'r' as const);
  const indent = (text: string): string => text.split('\n').map((l) => `  ${l}`).join('\n');
  const lines: string[] = [`comparing ${c.runs.length} runs:`];
  lines.push(indent(table(['', 'run', 'status', 'started', 'folder'], c.runs.map((r) => [r.key, r.label, r.status, localTime(r.startedAt), r.runDir]))));

  lines.push('', c.recipeDiff.length ? 'recipe differences (– = not set, the default applies):' : c.runs.some((r) => !r.recipe) ? 'recipe differences: unknown (see the warnings)' : 'recipe differences: none — the recipes are the same');
  if (c.recipeDiff.length) {
    const unknown = c.runs.map((r) => !r.recipe);
    lines.push(indent(table(['field', ...keys], c.recipeDiff.map((d) => [d.path, ...d.values.map((v, i) => (unknown[i] ? '?' : formatRecipeValue(v)))]))));
  }

  const best = c.best;
  const mark = (i: number, text: string): string => (best && best.index === i ? `${text} ★` : text);
  const metric = c.metricName;
  const rows: string[][] = [
    ['kept epoch', ...c.runs.map((r) => formatKept(r.final))],
    ['epochs run', ...c.runs.map((r) => formatEpochsRun(r.final))],
    ['val loss', ...c.runs.map((r) => formatMetric('loss', r.final.valLoss))],
    [`val ${metric ?? 'metric'}`, ...c.runs.map((r) => formatMetric(metric, r.final.valMetric))],
  ];
  // the runs' own evaluations: one row named after the split and metric when they share them
  const own = c.runs.map((r) => r.final.evaluation);
  const kinds = new Set(own.filter(Boolean).map((e) => `${e!.split} ${e!.metric}`));
  const shared = kinds.size === 1 ? [...kinds][0]! : undefined;
  rows.push([shared ?? 'evaluation', ...own.map((e, i) => {
    const text = e ? `${formatMetric(e.metric, e.value)}${shared ? '' : ` ${e.split} ${e.metric}`}` : '–';
    return c.evaluation.basis === 'own' ? mark(i, text) : text;
  })]);
  if (c.evaluation.basis === 'data') rows.push([`on --data${c.evaluation.metric ? ` (${c.evaluation.metric.name})` : ''}`, ...c.evaluation.values.map((v, i) => mark(i, formatMetric(c.evaluation.metric?.name, v)))]);
  rows.push(['duration', ...c.runs.map((r) => formatDuration(r.final.durationMs === null ? null : r.final.durationMs / 1000))]);
  rows.push(['engine', ...c.runs.map((r) => formatEngine(r.final))]);
  lines.push('', 'final metrics:', indent(table(['', ...keys], rows, ['l', ...right])));

  const notes = c.evaluation.notes.map((n, i) => (n ? `  ${c.runs[i]!.key}: ${n}` : '')).filter(Boolean);
  const ev = c.evaluation;
  lines.push('');
  if (best) {
    const others = ev.values.map((v, i) => (i === best.index || v === null ? '' : `${c.runs[i]!.key} ${formatMetric(best.metric, v)}`)).filter(Boolean);
    lines.push(`best: ${best.key} (${best.label}) — ${best.metric} ${formatMetric(best.metric, best.value)}${others.length ? ` vs ${others.join(', ')}` : ''}, on ${ev.on}${best.tiedWith.length ? `; tied with ${best.tiedWith.map((i) => c.runs[i]!.key).join(', ')}` : ''}`);
  } else {
    lines.push(`not comparable: ${ev.reason ?? 'no run has a value to rank'}`);
    if (ev.hint) lines.push(`  ${ev.hint}`);
  }
  if (notes.length) lines.push(...notes);
  return lines.join('\n');
}
