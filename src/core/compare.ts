/**
 * Comparing training runs (`transfer-studio compare`, the Compare Runs panel): from each run's
 * event log, run.json and saved metadata → one `RunComparison`: the differences of the recipes as
 * written (JSON paths), the curves per run (epoch → losses and metrics, head then fine-tune), the
 * final numbers side by side, and which run's model is best — on data they were all evaluated on.
 *
 * Pure: no `node:` imports and no zod (the webview imports its types and formatters). Reading the
 * files is the CLI's and the extension's job; they hand over what they read as `RunFiles`.
 */
import { UserError } from './errors';
import { headline } from './metrics';
import type { TimedEvent } from './protocol/dashboard';
import type { EvaluationReport } from './protocol/reports';
import { DEFAULTS } from './recipe/defaults';

export const COMPARISON_VERSION = 1;

/** Where a run's files are, relative to its folder and its saved model's folder. */
export const RUN_FILES = { run: 'run.json', events: 'events.jsonl', checkpoints: ['best', 'checkpoint'], metadata: 'metadata.json', evaluation: 'evaluation.json', model: 'model.json' } as const;

/** What the CLI or the extension read of one run (unparsed JSON is validated here, field by field). */
export interface RunFiles {
  runDir: string;
  /** run.json as parsed (recipe, name, output, startedAt, endedAt, status, durationMs, engine…). */
  runJson: unknown;
  /** The run's events, validated (events.jsonl, or a live run's events in memory). */
  events: TimedEvent[];
  /** The saved model's metadata.json (the folder of the `done` event, else run.json's output). */
  outputMetadata?: unknown;
  /** The saved model's evaluation.json. */
  outputEvaluation?: unknown;
  /** metadata.json of the run's own checkpoints (best/, checkpoint/): they hold the recipe it ran. */
  checkpointMetadata?: unknown[];
  /** The recipe file's text now: the last resort when no metadata holds the recipe the run used. */
  recipeText?: string;
  /** The run's status when the reader knows better than run.json (a "running" run whose process is gone). */
  status?: string;
}

export type CurvePhase = 'head' | 'fineTune';

export interface CurvePoint {
  phase: CurvePhase;
  /** The epoch within its phase (1-based). */
  epoch: number;
  /** The epoch on the run's whole axis: fine-tune epochs continue after the head's. */
  x: number;
  loss: number | null;
  valLoss: number | null;
  metric: number | null;
  valMetric: number | null;
  learningRate: number | null;
}

export interface RunCurves {
  points: CurvePoint[];
  /** x of the last head epoch when a fine-tune followed it. */
  fineTuneAfter: number | null;
}

export interface PhaseSummary {
  phase: string;
  epochsRun: number;
  keptEpoch: number;
  reason: string;
}

export interface FinalMetrics {
  phases: PhaseSummary[];
  /** The epoch whose weights were kept, on the run's whole axis (null: it never finished an epoch). */
  keptEpoch: number | null;
  /** Which phase the kept epoch belongs to, and its epoch within that phase. */
  keptPhase: string | null;
  keptPhaseEpoch: number | null;
  /** Epochs run, head and fine-tune together (the from-scratch baseline is not counted). */
  epochsRun: number | null;
  /** Epochs run per phase, in order (from phaseEnd events, else from the logged epochs). */
  epochsPerPhase: { phase: CurvePhase; epochs: number }[];
  /** Validation loss and metric of the kept epoch. */
  valLoss: number | null;
  valMetric: number | null;
  /** The run's own evaluation (its test split, else its validation split). */
  evaluation: { metric: string; value: number; higherIsBetter: boolean; split: string; examples: number; loss: number | null } | null;
  durationMs: number | null;
  engine: string | null;
  backend: string | null;
  device: string | null;
}

export interface ComparedRun {
  /** A, B, C…: the column of the CLI's tables. */
  key: string;
  /** The run's name, made unique among the compared runs (its start time is added when two share a name). */
  label: string;
  name: string;
  runDir: string;
  recipeFile: string | null;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  task: string | null;
  labels: string[] | null;
  /** The recipe as written for this run, and where it was found. */
  recipe: Record<string, unknown> | null;
  recipeSource: 'output' | 'checkpoint' | 'file' | 'none';
  /** The saved model of this run: the output folder (or a stopped run's checkpoint); null when there is none. */
  model: string | null;
  /** Why `model` is null, or a caveat about it. */
  modelNote: string | null;
  curves: RunCurves;
  final: FinalMetrics;
}

/** One recipe field that is not the same in every run: a JSON pointer and each run's value (null: not set). */
export interface RecipeDifference {
  path: string;
  values: ({ value: unknown } | null)[];
}

export interface EvaluationComparison {
  /** 'data': every model evaluated on the same folder now (--data); 'own': the runs' own evaluation reports. */
  basis: 'data' | 'own';
  comparable: boolean;
  /** Why the runs cannot be ranked (when not comparable). */
  reason: string | null;
  /** What to do about it. */
  hint: string | null;
  /** The data they were compared on, in words: "the test split of /p/data/test (18 examples)". */
  on: string | null;
  metric: { name: string; higherIsBetter: boolean } | null;
  /** Per run: the headline value, or null. */
  values: (number | null)[];
  /** Per run: the evaluation's loss (ties are broken on it), or null. */
  losses: (number | null)[];
  /** Per run: why it has no value, or null. */
  notes: (string | null)[];
}

export interface BestRun {
  index: number;
  key: string;
  label: string;
  metric: string;
  value: number;
  higherIsBetter: boolean;
  basis: 'data' | 'own';
  /** Other runs with the same value (and loss): a tie. */
  tiedWith: number[];
}

export interface RunComparison {
  version: typeof COMPARISON_VERSION;
  /** The training metric logged per epoch (accuracy, binary_accuracy, mae), when the runs share one. */
  metricName: string | null;
  runs: ComparedRun[];
  recipeDiff: RecipeDifference[];
  evaluation: EvaluationComparison;
  best: BestRun | null;
  /** Things worth knowing: different tasks or labels, recipes read from the file as it is now… */
  warnings: string[];
}

/** An evaluation of one run's model on the --data folder: its report, or why there is none. */
export type DataEvaluation = { report: EvaluationReport } | { error: string } | null;

export interface CompareOptions {
  /** Each run's model evaluated on the same folder now (the CLI's --data, the panel's Evaluate on Data…), in run order. */
  data?: { dir: string; results: DataEvaluation[] };
}

/**
 * A run's event log (events.jsonl: one `{t, ...event}` per line) → its events, each checked by
 * `validate` (the worker protocol's schema: the CLI and the extension pass it in, so this file stays
 * free of zod). Only a torn last line (no newline after it: the process died mid-write) is skipped;
 * any other line that is not JSON or not an event, or a log without a single event, is a UserError
 * naming the file and the line.
 */
export function parseEventLog(text: string, file: string, validate: (raw: unknown) => { event: TimedEvent } | { problem: string }): TimedEvent[] {
  const lines = text.split('\n');
  const torn = !text.endsWith('\n') ? lines.length - 1 : -1;
  const events: TimedEvent[] = [];
  const hint = 'the run\'s event log is damaged: train again, or leave this run out of the comparison';
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      if (i === torn) continue;
      throw new UserError(`line ${i + 1} of the event log is not JSON: ${line.length > 60 ? `${line.slice(0, 60)}…` : line}`, { file, hint });
    }
    const checked = validate(raw);
    if ('problem' in checked) throw new UserError(`line ${i + 1} of the event log is not a Transfer Studio event: ${checked.problem}`, { file, hint });
    events.push(checked.event);
  }
  if (!events.length) throw new UserError('the event log has no events', { file, hint });
  return events;
}

// ── small readers of unvalidated JSON ──────────────────────────────────────────────────────────────
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const field = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);

type Ev<T extends TimedEvent['type']> = Extract<TimedEvent, { type: T }>;
const ofType = <T extends TimedEvent['type']>(events: TimedEvent[], type: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === type);

// ── paths, without node:path (they only need to compare equal) ───────────────────────────────────
const isAbsolute = (p: string): boolean => /^([\\/]|[A-Za-z]:[\\/])/.test(p);

/** `rel` resolved against `dir`, normalised ("." and ".." folded, one separator). */
export function resolvePath(dir: string, rel: string): string {
  const joined = isAbsolute(rel) ? rel : `${dir.replace(/[\\/]+$/, '')}/${rel}`;
  const drive = /^[A-Za-z]:/.exec(joined)?.[0] ?? '';
  const parts: string[] = [];
  for (const part of joined.slice(drive.length).split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `${drive}/${parts.join('/')}`;
}

export function dirname(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i <= 0 ? file.slice(0, i + 1) || '.' : file.slice(0, i);
}

function inside(child: string, parent: string): boolean {
  const c = resolvePath('/', child);
  const p = resolvePath('/', parent);
  return c === p || c.startsWith(`${p.replace(/\/$/, '')}/`);
}

// ── one run ────────────────────────────────────────────────────────────────────────────────────────
/** The metric key a run logs per epoch besides the loss: accuracy, binary_accuracy or mae. */
function trainingMetric(events: TimedEvent[]): string | null {
  for (const e of ofType(events, 'epochEnd')) {
    const key = Object.keys(e.logs).find((k) => k !== 'loss' && k !== 'learning_rate' && !k.startsWith('val_'));
    if (key) return key;
  }
  return null;
}

function curvesOf(events: TimedEvent[], metric: string | null): RunCurves {
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

function finalOf(files: RunFiles, curves: RunCurves, evaluation: EvaluationReport | null): FinalMetrics {
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

const outputMeta = (files: RunFiles): unknown => field(files.outputMetadata, 'transferStudio');

/**
 * The saved model a run left and whether it is still this run's: a later run of the same recipe
 * saves into the same output folder, so the folder's metadata must have been written during the run.
 */
function modelOf(files: RunFiles): { model: string | null; note: string | null; owned: boolean } {
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

function statusOf(files: RunFiles): string {
  return files.status ?? str(field(files.runJson, 'status')) ?? (ofType(files.events, 'done').length ? 'done' : 'failed');
}

function recipeOf(files: RunFiles, ownsOutput: boolean): { recipe: Record<string, unknown> | null; source: ComparedRun['recipeSource'] } {
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

function evaluationOf(files: RunFiles, ownsOutput: boolean): EvaluationReport | null {
  const event = ofType(files.events, 'evaluation').at(-1);
  if (event) return event.report;
  const saved = field(files.outputEvaluation, 'report');
  return ownsOutput && isObject(saved) && typeof saved.task === 'string' && typeof saved.split === 'string' ? (saved as unknown as EvaluationReport) : null;
}

/** Which data a run's own evaluation saw: the evaluated split's files, as far as the recipe says. */
function evaluatedData(run: ComparedRun, report: EvaluationReport): { identity: string; words: string; detail?: string } | { missing: string } {
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

// ── the recipe diff ────────────────────────────────────────────────────────────────────────────────
const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * The fields that differ, as JSON pointers: objects and arrays that every recipe has are walked
 * into; anything else is one value. Keys keep the first recipe's order, new keys follow.
 */
export function diffRecipes(recipes: (Record<string, unknown> | null)[]): RecipeDifference[] {
  const out: RecipeDifference[] = [];
  const walk = (path: string, values: (unknown | undefined)[]): void => {
    const present = values.filter((v) => v !== undefined);
    if (present.length === values.length && present.every((v) => same(v, present[0]))) return;
    // walked into only when every run has it: a field that one recipe lacks is shown whole
    if (present.length === values.length && present.every(isObject)) {
      const keys: string[] = [];
      for (const v of present as Json[]) for (const k of Object.keys(v)) if (!keys.includes(k)) keys.push(k);
      for (const k of keys) walk(`${path}/${pointer(k)}`, values.map((v) => (isObject(v) ? v[k] : undefined)));
      return;
    }
    if (present.length === values.length && present.every(Array.isArray)) {
      const n = Math.max(...(present as unknown[][]).map((a) => a.length));
      for (let i = 0; i < n; i++) walk(`${path}/${i}`, values.map((v) => (Array.isArray(v) ? v[i] : undefined)));
      return;
    }
    out.push({ path: path || '/', values: values.map((v) => (v === undefined ? null : { value: v })) });
  };
  walk('', recipes.map((r) => r ?? undefined));
  return out;
}

// ── ranking ────────────────────────────────────────────────────────────────────────────────────────
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

// ── formatting shared by the CLI and the panel ───────────────────────────────────────────────────────
/** A recipe value in a table cell: strings as they are, numbers as written, anything else as compact JSON. */
export function formatRecipeValue(cell: { value: unknown } | null): string {
  if (cell === null) return '–';
  const v = cell.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** Accuracies as percentages, losses and errors as numbers. */
export function formatMetric(name: string | null | undefined, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return name && /acc/i.test(name) ? `${(v * 100).toFixed(1)}%` : v.toFixed(4);
}

/** "TF.js wasm", "PyTorch cuda". */
export function formatEngine(f: FinalMetrics): string {
  const engine = f.engine === 'pytorch' ? 'PyTorch' : f.engine === 'tfjs' || f.backend ? 'TF.js' : null;
  return [engine, f.backend].filter(Boolean).join(' ') || '–';
}

/** "3 (head)", "12 (fine-tune 4)". */
export function formatKept(f: FinalMetrics): string {
  if (f.keptEpoch === null) return '–';
  if (f.keptPhase === 'fineTune') return `${f.keptEpoch} (fine-tune ${f.keptPhaseEpoch ?? '?'})`;
  return `${f.keptEpoch} (head)`;
}

/** "8", "8 + 4" (head + fine-tune). */
export function formatEpochsRun(f: FinalMetrics): string {
  if (f.epochsPerPhase.length > 1) return f.epochsPerPhase.map((p) => String(p.epochs)).join(' + ');
  return f.epochsRun === null ? '–' : String(f.epochsRun);
}
