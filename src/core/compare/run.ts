/** One run as the comparison sees it: its curves, final numbers, model, recipe and evaluation. */
import { headline } from '../metrics';
import type { TimedEvent } from '../protocol/dashboard';
import type { EvaluationReport } from '../protocol/reports';
import { DEFAULTS } from '../recipe/defaults';
import { dirname, field, inside, isObject, num, ofType, resolvePath, str, type Ev } from './read';
import type { ComparedRun, CurvePhase, CurvePoint, FinalMetrics, RunCurves, RunFiles } from './types';

/**
 * The metric key a run logs per epoch besides the loss: accuracy, binary_accuracy or mae; a
 * multi-task run's first head's (NAME_accuracy…: its evaluation's top-level report is that head's too).
 */
export function trainingMetric(events: TimedEvent[]): string | null {
  for (const e of ofType(events, 'epochEnd')) {
    const key = Object.keys(e.logs).find((k) => k !== 'loss' && k !== 'learning_rate' && !k.startsWith('val_') && !k.endsWith('_loss'));
    if (key) return key;
  }
  return null;
}

export function curvesOf(events: TimedEvent[], metric: string | null): RunCurves {
  const epochs = ofType(events, 'epochEnd').filter((e): e is Ev<'epochEnd'> & { phase: CurvePhase } => e.phase === 'head' || e.phase === 'fineTune');
  const headEnd = ofType(events, 'phaseEnd').find((p) => p.phase === 'head');
  const headRun = headEnd?.epochsRun ?? Math.max(0, ...epochs.filter((e) => e.phase === 'head').map((e) => e.epoch));
  const value = (logs: Record<string, number | null>, key: string | null): number | null => (key ? num(logs[key]) : null);
  // a resumed run logs an epoch again: the last report of an epoch wins
  const byX = new Map<number, CurvePoint>();
  for (const e of epochs) {
    const x = e.phase === 'fineTune' ? headRun + e.epoch : e.epoch;
    byX.set(x, { phase: e.phase, epoch: e.epoch, x, loss: value(e.logs, 'loss'), valLoss: value(e.logs, 'val_loss'), metric: value(e.logs, metric), valMetric: value(e.logs, metric && `val_${metric}`), learningRate: value(e.logs, 'learning_rate') });
  }
  const points = [...byX.values()].sort((a, b) => a.x - b.x);
  return { points, fineTuneAfter: points.some((p) => p.phase === 'fineTune') ? headRun : null };
}

export function finalOf(files: RunFiles, curves: RunCurves, evaluation: EvaluationReport | null): FinalMetrics {
  const { events, runJson } = files;
  const phaseEnds = ofType(events, 'phaseEnd').filter((p) => p.phase === 'head' || p.phase === 'fineTune');
  const phases = phaseEnds.map((p) => ({ phase: p.phase, epochsRun: p.epochsRun, keptEpoch: p.keptEpoch, reason: p.reason }));
  const lastPhase = phaseEnds.at(-1);
  let kept: CurvePoint | undefined;
  if (lastPhase) {
    kept = curves.points.find((p) => p.phase === lastPhase.phase && p.epoch === lastPhase.keptEpoch);
  } else {
    kept = curves.points.at(-1); // a run stopped or failed mid-phase: its last epoch
  }
  const epochsRun = phases.length ? phases.reduce((a, p) => a + p.epochsRun, 0) : curves.points.length || null;
  const epochsPerPhase = phases.length
    ? phaseEnds.map((p) => ({ phase: p.phase as CurvePhase, epochs: p.epochsRun }))
    : (['head', 'fineTune'] as const).map((phase) => ({ phase, epochs: Math.max(0, ...curves.points.filter((pt) => pt.phase === phase).map((pt) => pt.epoch)) })).filter((p) => p.epochs > 0);
  const started = ofType(events, 'started').at(-1);
  const done = ofType(events, 'done').at(-1);
  const startedAt = Date.parse(str(field(runJson, 'startedAt')) ?? '');
  const endedAt = Date.parse(str(field(runJson, 'endedAt')) ?? '');
  const durationMs = num(field(runJson, 'durationMs')) ?? done?.durationMs ?? (Number.isFinite(startedAt) && Number.isFinite(endedAt) ? endedAt - startedAt : null);
  const h = evaluation ? headline(evaluation) : undefined;
  return {
    phases,
    keptEpoch: kept?.x ?? null,
    keptPhase: kept?.phase ?? null,
    keptPhaseEpoch: kept?.epoch ?? null,
    epochsRun,
    epochsPerPhase,
    valLoss: kept?.valLoss ?? null,
    valMetric: kept?.valMetric ?? null,
    evaluation: evaluation && h && Number.isFinite(h.value) ? { metric: h.name, value: h.value, higherIsBetter: h.higherIsBetter, split: evaluation.split, examples: evaluation.examples, loss: evaluation.loss } : null,
    durationMs: durationMs === null ? null : Math.round(durationMs),
    engine: started?.backend.engine ?? str(field(runJson, 'engine')) ?? null,
    backend: started?.backend.name ?? str(field(outputMeta(files), 'backend')),
    device: started?.backend.device ?? null,
  };
}

export const outputMeta = (files: RunFiles): unknown => field(files.outputMetadata, 'transferStudio');

/**
 * The saved model a run left and whether it is still this run's: a later run of the same recipe
 * saves into the same output folder, so the folder's metadata must have been written during the run.
 */
export function modelOf(files: RunFiles): { model: string | null; note: string | null; owned: boolean } {
  const done = ofType(files.events, 'done').at(-1);
  const output = done?.output ?? str(field(files.runJson, 'output'));
  if (!done) return { model: null, owned: false, note: `no saved model: the run ${statusOf(files) === 'running' ? 'has not finished' : 'did not finish'}` };
  if (!output) return { model: null, owned: false, note: 'no saved model' };
  if (inside(output, files.runDir)) return { model: output, owned: true, note: done.stopped ? 'stopped: its checkpoint' : null };
  const created = Date.parse(str(field(outputMeta(files), 'createdAt')) ?? '');
  if (!Number.isFinite(created)) return { model: null, owned: false, note: `no saved model in ${output} (metadata.json is missing)` };
  const start = Date.parse(str(field(files.runJson, 'startedAt')) ?? '');
  const end = Date.parse(str(field(files.runJson, 'endedAt')) ?? '');
  // a second of slack either way: run.json and metadata.json are written by the same process
  if ((Number.isFinite(start) && created < start - 1000) || (Number.isFinite(end) && created > end + 1000)) {
    return { model: null, owned: false, note: `${output} now holds the model of a later run (saved ${new Date(created).toISOString()})` };
  }
  return { model: output, owned: true, note: null };
}

export function statusOf(files: RunFiles): string {
  return files.status ?? str(field(files.runJson, 'status')) ?? (ofType(files.events, 'done').length ? 'done' : 'failed');
}

export function recipeOf(files: RunFiles, ownsOutput: boolean): { recipe: Record<string, unknown> | null; source: ComparedRun['recipeSource'] } {
  const fromMeta = (m: unknown): Record<string, unknown> | null => {
    const r = field(m, 'transferStudio', 'recipe');
    return isObject(r) ? r : null;
  };
  const own = ownsOutput ? fromMeta(files.outputMetadata) : null;
  if (own) return { recipe: own, source: 'output' };
  for (const m of files.checkpointMetadata ?? []) {
    const r = fromMeta(m);
    if (r) return { recipe: r, source: 'checkpoint' };
  }
  if (files.recipeText !== undefined) {
    try {
      const r = JSON.parse(stripJsonComments(files.recipeText)) as unknown;
      if (isObject(r)) return { recipe: r, source: 'file' };
    } catch {
      // an unreadable recipe file: no recipe to compare
    }
  }
  return { recipe: null, source: 'none' };
}

/** Recipes are JSON with comments (jsonc): drop // and /* *\/ comments and trailing commas outside strings. */
function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = /"(?:[^"\\]|\\.)*"/y;
      end.lastIndex = i;
      const m = end.exec(text);
      const s = m ? m[0] : text.slice(i);
      out += s;
      i += s.length - 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

export function evaluationOf(files: RunFiles, ownsOutput: boolean): EvaluationReport | null {
  const event = ofType(files.events, 'evaluation').at(-1);
  if (event) return event.report;
  const saved = field(files.outputEvaluation, 'report');
  return ownsOutput && isObject(saved) && typeof saved.task === 'string' && typeof saved.split === 'string' ? (saved as unknown as EvaluationReport) : null;
}

/** Which data a run's own evaluation saw: the evaluated split's files, as far as the recipe says. */
export function evaluatedData(run: ComparedRun, report: EvaluationReport): { identity: string; words: string; detail?: string } | { missing: string } {
  const recipe = run.recipe;
  const data = field(recipe, 'data');
  if (!recipe || !isObject(data) || typeof data.train !== 'string') return { missing: `the recipe of ${run.label} is unknown` };
  if (!run.recipeFile) return { missing: `the recipe file of ${run.label} is unknown` };
  const dir = dirname(run.recipeFile);
  const at = (p: unknown): string | null => (typeof p === 'string' ? resolvePath(dir, p) : null);
  const seed = num(field(recipe, 'training', 'seed')) ?? DEFAULTS.seed;
  const split = num(data.validationSplit) ?? DEFAULTS.validationSplit;
  const train = at(data.train)!;
  const test = at(data.test);
  const validation = at(data.validation);
  const labels = JSON.stringify(report.labels);
  switch (report.split) {
    case 'test':
      if (test) return { identity: `test ${test} ${labels}`, words: `the test split of ${test}` };
      break;
    case 'validation':
      if (validation) return { identity: `validation ${validation} ${labels}`, words: `the validation split of ${validation}` };
      return { identity: `validation of ${train} split ${split} seed ${seed} ${labels}`, words: `the validation split of ${train}`, detail: `${Math.round(split * 100)}%, seed ${seed}` };
    case 'train':
      return { identity: `train ${train} ${labels}`, words: `the training images of ${train}` };
  }
  return { missing: `${run.label} was evaluated on "${report.split}", which its recipe does not explain` };
}
