/** What a run comparison is made of and gives: the run files read, the compared runs, the differences, the ranking. */
import type { TimedEvent } from '../protocol/dashboard';
import type { EvaluationReport } from '../protocol/reports';

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
