/**
 * The worker ⇄ parent protocol (CLI or extension), versioned. Every message that crosses the
 * process boundary is validated on receipt with these schemas; the types come from them.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

export const BackendPreferenceSchema = z.enum(['auto', 'tensorflow', 'tensorflow-gpu', 'wasm', 'cpu']);
export type BackendPreference = z.infer<typeof BackendPreferenceSchema>;

export const BackendInfoSchema = z.object({
  name: z.enum(['tensorflow', 'wasm', 'cpu']),
  requested: BackendPreferenceSchema,
  device: z.string(),
  /** Why the requested backend was not used, when it was not. */
  notes: z.array(z.string()),
  versions: z.record(z.string(), z.string()),
});
export type BackendInfo = z.infer<typeof BackendInfoSchema>;

export const ErrorInfoSchema = z.object({
  message: z.string(),
  user: z.boolean(),
  file: z.string().optional(),
  hint: z.string().optional(),
  jsonPath: z.string().optional(),
  stack: z.string().optional(),
});

const ClassCountSchema = z.object({ label: z.string(), train: z.number(), validation: z.number(), test: z.number() });

export const DatasetReportSchema = z.object({
  source: z.string(),
  task: z.enum(['single-label', 'multi-label', 'regression']),
  labels: z.array(z.string()),
  classes: z.array(ClassCountSchema),
  total: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
  /** A few files per class, for thumbnails. */
  examples: z.record(z.string(), z.array(z.string())),
  imageSize: z.tuple([z.number(), z.number()]),
  channels: z.number(),
  preprocess: z.string(),
  streaming: z.boolean(),
});
export type DatasetReport = z.infer<typeof DatasetReportSchema>;

export const EvaluationReportSchema = z.object({
  task: z.enum(['single-label', 'multi-label', 'regression']),
  split: z.string(),
  examples: z.number(),
  loss: z.number().nullable(),
  labels: z.array(z.string()),
  accuracy: z.number().optional(),
  topK: z.object({ k: z.number(), accuracy: z.number() }).optional(),
  perClass: z.array(z.object({ label: z.string(), precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() })).optional(),
  /** confusion[true][predicted] */
  confusion: z.array(z.array(z.number())).optional(),
  worst: z.array(z.object({ file: z.string(), trueLabel: z.string(), predicted: z.string(), confidence: z.number() })).optional(),
  mae: z.number().optional(),
  rmse: z.number().optional(),
  /** multi-label: mean over labels at threshold 0.5 */
  exactMatch: z.number().optional(),
});
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;

export const PhaseSchema = z.enum(['head', 'fineTune', 'baseline', 'extract']);
export type Phase = z.infer<typeof PhaseSchema>;

const Metrics = z.record(z.string(), z.number().nullable());

export const PredictionSchema = z.object({ file: z.string(), top: z.array(z.object({ label: z.string(), score: z.number() })), values: z.array(z.number()).optional() });
export type Prediction = z.infer<typeof PredictionSchema>;

/** Worker → parent. */
export const WorkerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), protocol: z.number(), pid: z.number() }),
  z.object({
    type: z.literal('started'),
    backend: BackendInfoSchema,
    recipe: z.string(),
    output: z.string(),
    runDir: z.string(),
    epochs: z.number(),
    fastPath: z.boolean(),
  }),
  z.object({ type: z.literal('log'), level: z.enum(['trace', 'debug', 'info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('dataset'), report: DatasetReportSchema }),
  z.object({ type: z.literal('progress'), phase: PhaseSchema, done: z.number(), total: z.number(), message: z.string() }),
  z.object({ type: z.literal('epochStart'), phase: PhaseSchema, epoch: z.number(), epochs: z.number(), learningRate: z.number(), batches: z.number() }),
  z.object({
    type: z.literal('batchEnd'),
    phase: PhaseSchema,
    epoch: z.number(),
    batch: z.number(),
    batches: z.number(),
    loss: z.number().nullable(),
    metrics: Metrics,
    imagesPerSec: z.number(),
    etaSec: z.number().nullable(),
  }),
  z.object({
    type: z.literal('epochEnd'),
    phase: PhaseSchema,
    epoch: z.number(),
    epochs: z.number(),
    logs: Metrics,
    durationMs: z.number(),
    etaSec: z.number().nullable(),
    tensors: z.number(),
  }),
  z.object({ type: z.literal('checkpoint'), path: z.string(), epoch: z.number(), phase: PhaseSchema, monitor: z.string().optional(), value: z.number().nullable().optional(), best: z.boolean() }),
  z.object({ type: z.literal('evaluation'), report: EvaluationReportSchema, baseline: EvaluationReportSchema.optional(), warnings: z.array(z.string()) }),
  z.object({ type: z.literal('done'), output: z.string(), stopped: z.boolean(), durationMs: z.number() }),
  z.object({ type: z.literal('error'), error: ErrorInfoSchema, id: z.number().optional() }),
  z.object({ type: z.literal('result'), id: z.number(), value: z.unknown() }),
]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
export type WorkerEventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

export const TrainOverridesSchema = z.object({
  epochs: z.number().int().positive().optional(),
  backend: BackendPreferenceSchema.optional(),
  baseline: z.enum(['none', 'scratch']).optional(),
  resume: z.string().optional(),
  /** Output folder when the recipe has none (the extension's output-folder setting). */
  output: z.string().optional(),
  /** Where the run folder (event log, checkpoints) goes. */
  runDir: z.string().optional(),
});
export type TrainOverrides = z.infer<typeof TrainOverridesSchema>;

/** Parent → worker. Requests with an `id` get one `result` (or `error`) with the same id. */
export const WorkerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('train'), recipe: z.string(), overrides: TrainOverridesSchema.optional() }),
  z.object({ type: z.literal('inspect'), id: z.number(), model: z.string(), allowLoopbackHttp: z.boolean().optional() }),
  z.object({ type: z.literal('check'), id: z.number(), recipe: z.string(), text: z.string().optional() }),
  z.object({ type: z.literal('datasetReport'), id: z.number(), recipe: z.string(), text: z.string().optional() }),
  z.object({ type: z.literal('evaluate'), id: z.number(), model: z.string(), data: z.string(), backend: BackendPreferenceSchema.optional() }),
  z.object({ type: z.literal('predict'), id: z.number(), model: z.string(), files: z.array(z.string()), topK: z.number().int().positive().optional(), backend: BackendPreferenceSchema.optional() }),
  z.object({ type: z.literal('download'), id: z.number(), url: z.string(), dest: z.string(), allowLoopbackHttp: z.boolean().optional() }),
  z.object({ type: z.literal('thumbnails'), id: z.number(), files: z.array(z.string()).max(256), size: z.number().int().min(16).max(512).optional() }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('shutdown') }),
]);
export type WorkerCommand = z.infer<typeof WorkerCommandSchema>;

export function parseWorkerEvent(value: unknown): WorkerEvent {
  return WorkerEventSchema.parse(value);
}

export function parseWorkerCommand(value: unknown): WorkerCommand {
  return WorkerCommandSchema.parse(value);
}
