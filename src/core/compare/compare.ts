/** The comparison itself: each run read, the recipes diffed, the evaluations put side by side and ranked. */
import { headline } from '../metrics';
import type { EvaluationReport } from '../protocol/reports';
import { diffRecipes } from './diff';
import { field, ofType, str } from './read';
import { curvesOf, evaluatedData, evaluationOf, finalOf, modelOf, outputMeta, recipeOf, statusOf, trainingMetric } from './run';
import { COMPARISON_VERSION, type BestRun, type ComparedRun, type CompareOptions, type EvaluationComparison, type RecipeDifference, type RunComparison, type RunFiles } from './types';

function rank(evaluation: EvaluationComparison, runs: ComparedRun[]): BestRun | null {
  if (!evaluation.comparable || !evaluation.metric) return null;
  const higher = evaluation.metric.higherIsBetter;
  const better = (i: number, j: number): number => {
    const a = evaluation.values[i]!;
    const b = evaluation.values[j]!;
    if (a !== b) return higher ? b - a : a - b;
    return (evaluation.losses[i] ?? Infinity) - (evaluation.losses[j] ?? Infinity);
  };
  const scored = runs.map((_, i) => i).filter((i) => evaluation.values[i] !== null).sort(better);
  const first = scored[0];
  if (first === undefined) return null;
  const run = runs[first]!;
  return {
    index: first, key: run.key, label: run.label, metric: evaluation.metric.name, value: evaluation.values[first]!, higherIsBetter: higher, basis: evaluation.basis,
    tiedWith: scored.slice(1).filter((i) => better(first, i) === 0),
  };
}

function compareOwn(runs: ComparedRun[], reports: (EvaluationReport | null)[]): EvaluationComparison {
  const base = { basis: 'own' as const, values: reports.map(() => null), losses: reports.map(() => null), notes: reports.map((r, i) => (r ? null : runs[i]!.status === 'done' ? 'no evaluation report' : `no evaluation: the run ${runs[i]!.status === 'running' ? 'is still running' : runs[i]!.status}`)) };
  const hint = 'evaluate every model on the same folder: transfer-studio compare … --data DIR';
  const notComparable = (reason: string): EvaluationComparison => ({ ...base, comparable: false, reason, hint, on: null, metric: null });
  const missing = runs.filter((_, i) => !reports[i]);
  if (missing.length) return notComparable(`${missing.map((r) => r.label).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no evaluation of its own`);
  const rs = reports as EvaluationReport[];
  if (new Set(rs.map((r) => r.task)).size > 1) return { ...notComparable(`the runs have different tasks (${[...new Set(rs.map((r) => r.task))].join(', ')})`), hint: null };
  const seen = rs.map((r, i) => evaluatedData(runs[i]!, r));
  const unknown = seen.find((s): s is { missing: string } => 'missing' in s);
  if (unknown) return notComparable(`they may not have been evaluated on the same data: ${unknown.missing}`);
  const known = seen as { identity: string; words: string; detail?: string }[];
  if (new Set(known.map((s) => s.identity)).size > 1) {
    const sameFiles = new Set(known.map((s) => `${s.words} ${s.detail ?? ''}`)).size === 1;
    const words = (s: (typeof known)[number]): string => `${s.words}${s.detail ? ` (${s.detail})` : ''}`;
    return notComparable(sameFiles ? 'they were evaluated on the same files with different labels' : `they were not evaluated on the same data (${runs.map((r, i) => `${r.label}: ${words(known[i]!)}`).join('; ')})`);
  }
  if (new Set(rs.map((r) => r.examples)).size > 1) return notComparable(`their evaluations counted different numbers of examples (${runs.map((r, i) => `${r.label}: ${rs[i]!.examples}`).join(', ')}); files may have been added or removed in between`);
  const h = headline(rs[0]!);
  return {
    ...base,
    comparable: true, reason: null, hint: null,
    on: `${known[0]!.words} (${known[0]!.detail ? `${known[0]!.detail}, ` : ''}${rs[0]!.examples} examples)`,
    metric: { name: `${rs[0]!.split} ${h.name}`, higherIsBetter: h.higherIsBetter },
    values: rs.map((r) => finite(headline(r).value)),
    losses: rs.map((r) => r.loss),
  };
}

function compareOnData(runs: ComparedRun[], data: NonNullable<CompareOptions['data']>): EvaluationComparison {
  const results = runs.map((_, i) => data.results[i] ?? null);
  const reports = results.map((r) => (r && 'report' in r ? r.report : null));
  const notes = results.map((r, i) => (r && 'error' in r ? r.error : r ? null : runs[i]!.modelNote ?? 'not evaluated'));
  const ok = reports.filter((r): r is EvaluationReport => !!r);
  const base = { basis: 'data' as const, values: reports.map((r) => (r ? finite(headline(r).value) : null)), losses: reports.map((r) => r?.loss ?? null), notes };
  const on = `${data.dir}${ok[0] ? ` (${ok[0].examples} examples)` : ''}`;
  if (ok.length === 0) return { ...base, comparable: false, reason: 'no run\'s model could be evaluated', hint: null, on, metric: null };
  if (new Set(ok.map((r) => r.task)).size > 1) return { ...base, comparable: false, reason: `the models have different tasks (${[...new Set(ok.map((r) => r.task))].join(', ')})`, hint: null, on, metric: null };
  const h = headline(ok[0]!);
  return { ...base, comparable: true, reason: null, hint: null, on, metric: { name: h.name, higherIsBetter: h.higherIsBetter } };
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

const KEYS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function runKey(i: number): string {
  return i < KEYS.length ? KEYS[i]! : `R${i + 1}`;
}

/** The whole comparison of two or more runs (in the order given). */
export function compareRuns(all: RunFiles[], opts: CompareOptions = {}): RunComparison {
  const warnings: string[] = [];
  const metrics = all.map((f) => trainingMetric(f.events));
  const names = all.map((f) => str(field(f.runJson, 'name')) ?? basename(f.runDir).replace(/-\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(-\d+)?$/, ''));
  const reports: (EvaluationReport | null)[] = [];
  const runs = all.map((files, i): ComparedRun => {
    const model = modelOf(files);
    const { recipe, source } = recipeOf(files, model.owned);
    const report = evaluationOf(files, model.owned);
    reports.push(report);
    const curves = curvesOf(files.events, metrics[i] ?? null);
    const dataset = ofType(files.events, 'dataset').at(-1)?.report;
    const name = names[i]!;
    const startedAt = str(field(files.runJson, 'startedAt'));
    const twin = names.filter((n) => n === name).length > 1;
    return {
      key: runKey(i),
      label: twin ? `${name} @ ${startedAt ? startedAt.slice(0, 19).replace('T', ' ') : basename(files.runDir)}` : name,
      name,
      runDir: files.runDir,
      recipeFile: str(field(files.runJson, 'recipe')) ?? ofType(files.events, 'started').at(-1)?.recipe ?? null,
      status: statusOf(files),
      startedAt,
      endedAt: str(field(files.runJson, 'endedAt')),
      task: report?.task ?? dataset?.task ?? str(field(outputMeta(files), 'task')),
      labels: report?.labels ?? dataset?.labels ?? null,
      recipe,
      recipeSource: source,
      model: model.model,
      modelNote: model.note,
      curves,
      final: finalOf(files, curves, report),
    };
  });
  // labels made unique even when two runs started in the same second
  const seen = new Map<string, number>();
  for (const r of runs) {
    const n = (seen.get(r.label) ?? 0) + 1;
    seen.set(r.label, n);
    if (n > 1) r.label = `${r.label} (${n})`;
  }
  const fromFile = runs.filter((r) => r.recipeSource === 'file');
  if (fromFile.length) warnings.push(`the recipe${fromFile.length > 1 ? 's' : ''} of ${fromFile.map((r) => r.label).join(', ')} ${fromFile.length > 1 ? 'were' : 'was'} read from the recipe file as it is now (no saved metadata holds the one the run used)`);
  const unknownRecipe = runs.filter((r) => r.recipeSource === 'none');
  if (unknownRecipe.length) warnings.push(`the recipe${unknownRecipe.length > 1 ? 's' : ''} of ${unknownRecipe.map((r) => r.label).join(', ')} ${unknownRecipe.length > 1 ? 'are' : 'is'} unknown: ${unknownRecipe.length > 1 ? 'their' : 'its'} differences are not shown`);
  // a multi-task run is compared on its first head: its curves and its evaluation's top-level report are that head's
  const multiTask = all.map((f, i) => [runs[i]!, ofType(f.events, 'started').at(-1)?.heads] as const).filter(([, heads]) => heads?.length);
  if (multiTask.length) {
    const which = multiTask.map(([r, heads]) => `${r.label} (${heads!.map((hd, i) => (i === 0 ? `"${hd.name}"` : hd.name)).join(', ')})`).join('; ');
    warnings.push(`multi-task run${multiTask.length > 1 ? 's' : ''} ${which}: compared on the first head, in quotes; the dashboard shows every head`);
  }
  const tasks = new Set(runs.map((r) => r.task).filter(Boolean));
  if (tasks.size > 1) warnings.push(`the runs have different tasks (${[...tasks].join(', ')}): their metrics do not compare`);
  const labelSets = new Set(runs.filter((r) => r.labels).map((r) => JSON.stringify(r.labels)));
  if (labelSets.size > 1) warnings.push('the runs have different labels: their models answer different questions');
  const distinctMetrics = new Set(metrics.filter(Boolean));
  const evaluation = opts.data ? compareOnData(runs, opts.data) : compareOwn(runs, reports);
  return {
    version: COMPARISON_VERSION,
    metricName: distinctMetrics.size === 1 ? [...distinctMetrics][0]! : null,
    runs,
    recipeDiff: recipeDiff(runs),
    evaluation,
    best: rank(evaluation, runs),
    warnings,
  };
}

/** The differences among the recipes that are known; a run whose recipe is unknown gets null cells (shown as "?"). */
function recipeDiff(runs: ComparedRun[]): RecipeDifference[] {
  const known = runs.map((r, i) => (r.recipe ? i : -1)).filter((i) => i >= 0);
  if (known.length < 2) return [];
  return diffRecipes(known.map((i) => runs[i]!.recipe)).map((d) => ({ path: d.path, values: runs.map((r) => (r.recipe ? d.values[known.indexOf(runs.indexOf(r))]! : null)) }));
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? p;
}
