/**
 * The worker ⇄ parent protocol (the CLI or the extension ⇄ dist/worker.js, and the Node worker ⇄
 * the Python worker of the PyTorch engine): events, commands, and the reply type of every request.
 * Versioned: both sides send and check PROTOCOL_VERSION at the handshake (`ready`). Every message
 * that crosses the process boundary is validated on receipt with these schemas.
 */
import { BACKENDS, ENGINES } from '../recipe/defaults';
import * as z from '../zod';
import {
  BackendInfoSchema, BackendPreferenceSchema, DatasetReportSchema, DomainReportSchema, ErrorInfoSchema, EvaluationReportSchema, EngineChoiceSchema, HeadInfoSchema, ModelSummarySchema, MultiTaskReportSchema, PhaseSchema, PredictionSchema, ProbeReportSchema, SavedModelEvaluationSchema,
} from './reports';

/**
 * 2: typed replies, the `outputs` event, engine fields in `started`, the `check` request gone.
 * 3: the "detection" task: evaluation reports carry `detection`, predictions `boxes`.
 */
export const PROTOCOL_VERSION = 3;

const Metrics = z.record(z.string(), z.nullable(z.number()));

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
    /** A multi-task run's heads: the dashboard charts each head's loss and metric (epoch logs NAME_loss, val_NAME_METRIC…). */
    heads: z.optional(z.array(HeadInfoSchema)),
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
    loss: z.nullable(z.number()),
    metrics: Metrics,
    imagesPerSec: z.number(),
    etaSec: z.nullable(z.number()),
  }),
  z.object({
    type: z.literal('epochEnd'),
    phase: PhaseSchema,
    epoch: z.number(),
    epochs: z.number(),
    logs: Metrics,
    durationMs: z.number(),
    etaSec: z.nullable(z.number()),
    tensors: z.number(),
  }),
  z.object({ type: z.literal('checkpoint'), path: z.string(), epoch: z.number(), phase: PhaseSchema, monitor: z.optional(z.string()), value: z.optional(z.nullable(z.number())), best: z.boolean() }),
  /** How a phase ended: the epoch whose weights were kept and why it stopped (dashboard, CLI summary). */
  z.object({
    type: z.literal('phaseEnd'),
    phase: PhaseSchema,
    epochsRun: z.number(),
    keptEpoch: z.number(),
    reason: z.enum(['converged', 'cap', 'stopped']),
    monitor: z.optional(z.object({ name: z.string(), value: z.nullable(z.number()), mode: z.enum(['min', 'max']) })),
    message: z.string(),
  }),
  /** Raw model outputs of an engine process for one split; the evaluation report is computed from them in core. */
  z.object({ type: z.literal('outputs'), split: z.string(), files: z.array(z.string()), values: z.array(z.array(z.number())) }),
  z.object({ type: z.literal('evaluation'), report: EvaluationReportSchema, baseline: z.optional(EvaluationReportSchema), warnings: z.array(z.string()), multiTask: z.optional(MultiTaskReportSchema) }),
  /** The recipe's domain adaptation, after the evaluation (the model saved is the adapted one). */
  z.object({ type: z.literal('domain'), report: DomainReportSchema }),
  z.object({ type: z.literal('done'), output: z.string(), stopped: z.boolean(), durationMs: z.number() }),
  z.object({ type: z.literal('error'), error: ErrorInfoSchema, id: z.optional(z.number()) }),
  z.object({ type: z.literal('result'), id: z.number(), value: z.unknown() }),
]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
export type WorkerEventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

export const TrainOverridesSchema = z.object({
  epochs: z.optional(z.int().check(z.gte(1))),
  backend: z.optional(BackendPreferenceSchema),
  engine: z.optional(z.enum(ENGINES)),
  /** The Python interpreter for the PyTorch engine (the extension's choice, the CLI's --python). */
  python: z.optional(z.string()),
  /** GPUs for the PyTorch engine (torchrun), the CLI's --nproc. */
  devices: z.optional(z.int().check(z.gte(1))),
  baseline: z.optional(z.enum(['none', 'scratch'])),
  resume: z.optional(z.string()),
  /** Output folder when the recipe has none (the extension's output-folder setting). */
  output: z.optional(z.string()),
  /** Where the run folder (event log, checkpoints) goes. */
  runDir: z.optional(z.string()),
});
export type TrainOverrides = z.infer<typeof TrainOverridesSchema>;

const id = z.number();
const path = z.string();
const backend = z.optional(z.enum(BACKENDS));

/** Parent → worker. Requests (with an `id`) get one `result` (or `error`) with the same id. */
export const WorkerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('train'), recipe: path, overrides: z.optional(TrainOverridesSchema) }),
  /** model: a file, an https URL, `torchvision:ARCH` (with `weights`, a .pth) or `torchscript:FILE`; `python` for the last two. */
  z.object({ type: z.literal('inspect'), id, model: path, allowLoopbackHttp: z.optional(z.boolean()), weights: z.optional(path), inputSize: z.optional(z.tuple([z.int().check(z.gte(8)), z.int().check(z.gte(8))])), python: z.optional(z.string()) }),
  z.object({ type: z.literal('datasetReport'), id, recipe: path, text: z.optional(z.string()) }),
  /** Which engine a run would get, and everything found on the way (the Environment check, the status bar). */
  z.object({ type: z.literal('environment'), id, engine: z.optional(z.enum(ENGINES)), python: z.optional(z.string()) }),
  z.object({ type: z.literal('probe'), id, recipe: path, text: z.optional(z.string()), maxImages: z.optional(z.int().check(z.gte(8))) }),
  /** `python`: the interpreter for a folder the PyTorch engine saved from a torchvision model. */
  z.object({ type: z.literal('evaluate'), id, model: path, data: path, backend, python: z.optional(z.string()) }),
  z.object({ type: z.literal('predict'), id, model: path, files: z.array(path), topK: z.optional(z.int().check(z.gte(1))), backend, python: z.optional(z.string()) }),
  z.object({ type: z.literal('download'), id, url: z.string(), dest: path, allowLoopbackHttp: z.optional(z.boolean()) }),
  z.object({ type: z.literal('thumbnails'), id, files: z.array(path).check(z.maxLength(256)), size: z.optional(z.int().check(z.gte(16), z.lte(512))) }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('shutdown') }),
]);
export type WorkerCommand = z.infer<typeof WorkerCommandSchema>;

/** What each request answers, validated by the parent on receipt (as GitLens's IpcRequest<Params, Response>). */
export const WorkerReplySchemas = {
  inspect: ModelSummarySchema,
  datasetReport: DatasetReportSchema,
  probe: ProbeReportSchema,
  environment: z.object({ choice: EngineChoiceSchema, tfjs: BackendInfoSchema }),
  evaluate: SavedModelEvaluationSchema,
  predict: z.array(PredictionSchema),
  download: z.object({ path: z.string(), cached: z.boolean() }),
  thumbnails: z.record(z.string(), z.string()),
} satisfies Record<WorkerRequest['type'], z.ZodMiniType>;

export type WorkerRequest = Extract<WorkerCommand, { id: number }>;
export type WorkerRequestKind = WorkerRequest['type'];
export type WorkerReply<K extends WorkerRequestKind> = z.infer<(typeof WorkerReplySchemas)[K]>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request as its sender writes it: the client adds the id. */
export type RequestCommand<K extends WorkerRequestKind = WorkerRequestKind> = DistributiveOmit<Extract<WorkerRequest, { type: K }>, 'id'>;

export function parseWorkerEvent(value: unknown): WorkerEvent {
  return WorkerEventSchema.parse(value);
}

export function parseWorkerCommand(value: unknown): WorkerCommand {
  return WorkerCommandSchema.parse(value);
}

export function parseWorkerReply<K extends WorkerRequestKind>(kind: K, value: unknown): WorkerReply<K> {
  return WorkerReplySchemas[kind].parse(value) as WorkerReply<K>;
}
