/**
 * Values that cross more than one boundary (worker → extension → webview): the backend a run
 * uses, errors, the dataset and evaluation reports, predictions, the model summary. zod/mini
 * schemas, so every receiver validates; the types come from them.
 */
import { BACKENDS, DETECTION_HEAD_KINDS, ENGINE_NAMES, HEAD_TASKS, PREPROCESS_MODES, TASKS } from '../recipe/defaults';
import { DOMAIN_METHODS } from '../domain/defaults';
import * as z from '../zod';

export const BackendPreferenceSchema = z.enum(BACKENDS);
export type BackendPreference = z.infer<typeof BackendPreferenceSchema>;

export const BackendInfoSchema = z.object({
  /** The engine that trains: the bundled TF.js engine or PyTorch in the user's Python. */
  engine: z.optional(z.enum(ENGINE_NAMES)),
  /** TF.js: tensorflow | wasm | cpu; PyTorch: cuda | mps | cpu. */
  name: z.string(),
  requested: z.string(),
  device: z.string(),
  /** Why the requested backend or engine was not used, when it was not. */
  notes: z.array(z.string()),
  versions: z.record(z.string(), z.string()),
});
export type BackendInfo = z.infer<typeof BackendInfoSchema>;

export const ErrorInfoSchema = z.object({
  message: z.string(),
  user: z.boolean(),
  file: z.optional(z.string()),
  hint: z.optional(z.string()),
  jsonPath: z.optional(z.string()),
  stack: z.optional(z.string()),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

const TaskSchema = z.enum(TASKS);
const ClassCountSchema = z.object({ label: z.string(), train: z.number(), validation: z.number(), test: z.number() });

export const DatasetReportSchema = z.object({
  source: z.string(),
  /** A multi-task dataset: per head, its classes' counts (regression heads: how many images have targets). */
  heads: z.optional(z.array(z.object({ name: z.string(), task: z.enum(HEAD_TASKS), classes: z.array(ClassCountSchema), labelled: z.object({ train: z.number(), validation: z.number(), test: z.number() }) }))),
  task: TaskSchema,
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

/** A box normalised to its image (x, y the top-left corner; src/core/detection/boxes.ts). */
export const BoxSchema = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });

/** One predicted box: the label, score = objectness × class probability, normalised and in the image's pixels. */
export const DetectedBoxSchema = z.object({ label: z.string(), score: z.number(), box: BoxSchema, pixels: BoxSchema });
export type DetectedBox = z.infer<typeof DetectedBoxSchema>;

/** Detection's part of an evaluation: COCO's metrics, per class, and a few images with both sets of boxes to draw. */
export const DetectionEvaluationSchema = z.object({
  head: z.enum(DETECTION_HEAD_KINDS),
  /** Means over the classes with ground truth (null: none has). */
  mAP50: z.nullable(z.number()),
  /** COCO's mAP@[.5:.95]. */
  mAP: z.nullable(z.number()),
  mAP75: z.nullable(z.number()),
  /** Localiser: the mean IoU of each object's best same-class prediction, and the share of images whose top box is right. */
  meanIoU: z.optional(z.nullable(z.number())),
  correct: z.optional(z.nullable(z.number())),
  /** At the model's score threshold, IoU 0.5: what predict's user sees. */
  scoreThreshold: z.number(),
  precision: z.nullable(z.number()),
  recall: z.nullable(z.number()),
  truths: z.number(),
  perClass: z.array(z.object({ label: z.string(), ap: z.nullable(z.number()), ap50: z.nullable(z.number()), truths: z.number(), detections: z.number(), recall50: z.nullable(z.number()) })),
  samples: z.array(z.object({
    file: z.string(),
    width: z.number(),
    height: z.number(),
    truth: z.array(z.object({ label: z.string(), box: BoxSchema })),
    predicted: z.array(z.object({ label: z.string(), score: z.number(), box: BoxSchema })),
  })),
});
export type DetectionEvaluation = z.infer<typeof DetectionEvaluationSchema>;

export const EvaluationReportSchema = z.object({
  task: TaskSchema,
  split: z.string(),
  examples: z.number(),
  loss: z.nullable(z.number()),
  labels: z.array(z.string()),
  accuracy: z.optional(z.number()),
  topK: z.optional(z.object({ k: z.number(), accuracy: z.number() })),
  perClass: z.optional(z.array(z.object({ label: z.string(), precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() }))),
  /** confusion[true][predicted] */
  confusion: z.optional(z.array(z.array(z.number()))),
  worst: z.optional(z.array(z.object({ file: z.string(), trueLabel: z.string(), predicted: z.string(), confidence: z.number() }))),
  mae: z.optional(z.number()),
  rmse: z.optional(z.number()),
  /** multi-label: mean over labels at threshold 0.5 */
  exactMatch: z.optional(z.number()),
  detection: z.optional(DetectionEvaluationSchema),
});
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;

/** One head of a multi-task model ("heads"): its task, labels and where its outputs sit in the model. */
export const HeadInfoSchema = z.object({ name: z.string(), task: z.enum(HEAD_TASKS), labels: z.array(z.string()), lossWeight: z.number(), metric: z.string() });
export type HeadInfo = z.infer<typeof HeadInfoSchema>;

/**
 * A multi-task run's evaluation: each head's own report and, when its single-task baseline ran
 * (the same layers and budget, trained on that head's loss alone), the baseline's, with the
 * verdict: did sharing the base and trunk with the other heads help this head, hurt it (negative
 * transfer between tasks), or make no difference.
 */
export const MultiTaskReportSchema = z.object({
  split: z.string(),
  heads: z.array(z.object({
    name: z.string(),
    task: z.enum(HEAD_TASKS),
    lossWeight: z.number(),
    /** Examples of the split with a label for this head. */
    examples: z.number(),
    report: EvaluationReportSchema,
    /** The headline (accuracy, label accuracy or MAE) of the multi-task model, and of the head trained alone. */
    metric: z.string(),
    higherIsBetter: z.boolean(),
    value: z.number(),
    single: z.optional(EvaluationReportSchema),
    singleValue: z.optional(z.number()),
    verdict: z.optional(z.enum(['better', 'worse', 'tie'])),
  })),
  /** Findings in words: which heads gained or lost from sharing. */
  notes: z.array(z.string()),
});
export type MultiTaskReport = z.infer<typeof MultiTaskReportSchema>;

/** What evaluating a saved model returns: its report, and a multi-task model's per-head reports (the top level is its first head's). */
export const SavedModelEvaluationSchema = z.extend(EvaluationReportSchema, { multiTask: z.optional(MultiTaskReportSchema) });

const PointsSchema = z.array(z.tuple([z.number(), z.number()]));
const GapSchema = z.object({ coral: z.number(), meanDistance: z.number() });

/**
 * Domain adaptation (the recipe's `domain`): the model before and after adapting to the target
 * domain, scored on the source's held-back split and on the labelled target images when there
 * are any, and the features of both domains projected to 2-D (one PCA basis for both states).
 */
export const DomainReportSchema = z.object({
  method: z.enum(DOMAIN_METHODS),
  /** The unlabelled target folder and how many of its images adapted the model. */
  target: z.string(),
  targetImages: z.number(),
  targetLabelled: z.optional(z.string()),
  source: z.object({ split: z.string(), before: EvaluationReportSchema, after: EvaluationReportSchema }),
  targetScores: z.optional(z.object({ before: EvaluationReportSchema, after: EvaluationReportSchema })),
  /** The features the head sees, source vs target: CORAL distance and mean distance, before and after. */
  gap: z.object({ before: GapSchema, after: GapSchema }),
  projection: z.object({
    /** Share of the variance along each axis (of the four point sets together). */
    explained: z.tuple([z.number(), z.number()]),
    before: z.object({ source: PointsSchema, target: PointsSchema }),
    after: z.object({ source: PointsSchema, target: PointsSchema }),
  }),
  /** What was done, in words (e.g. "BatchNorm statistics of 27 layers re-estimated on 36 target images"). */
  notes: z.array(z.string()),
});
export type DomainReport = z.infer<typeof DomainReportSchema>;

export const PhaseSchema = z.enum(['head', 'fineTune', 'baseline', 'extract']);
export type Phase = z.infer<typeof PhaseSchema>;

export const PredictionSchema = z.object({
  file: z.string(),
  /** A multi-task model: every head's prediction (top-level `top` / `values` are the first head's). */
  heads: z.optional(z.array(z.object({ name: z.string(), task: z.enum(HEAD_TASKS), top: z.array(z.object({ label: z.string(), score: z.number() })), values: z.optional(z.array(z.number())) }))),
  top: z.array(z.object({ label: z.string(), score: z.number() })),
  values: z.optional(z.array(z.number())),
  /** Detection: the boxes after NMS, best first, scoring at least the model's threshold. */
  boxes: z.optional(z.array(DetectedBoxSchema)),
  /** Detection: the image's size in pixels (what `boxes[].pixels` are in). */
  size: z.optional(z.tuple([z.number(), z.number()])),
});
export type Prediction = z.infer<typeof PredictionSchema>;

const ShapeSchema = z.array(z.nullable(z.number()));

/** A layer as the tree, the designer and `inspect` show it (src/core/modelSummary.ts has the helpers). */
export interface LayerSummaryShape {
  name: string;
  className: string;
  outputShape: (number | null)[] | (number | null)[][];
  trainableParams: number;
  nonTrainableParams: number;
  trainable: boolean;
  inbound: string[];
  activation?: string;
  layers?: LayerSummaryShape[];
}
export const LayerSummarySchema: z.ZodMiniType<LayerSummaryShape> = z.object({
  name: z.string(),
  className: z.string(),
  outputShape: z.union([ShapeSchema, z.array(ShapeSchema)]),
  trainableParams: z.number(),
  nonTrainableParams: z.number(),
  trainable: z.boolean(),
  inbound: z.array(z.string()),
  activation: z.optional(z.string()),
  get layers() {
    return z.optional(z.array(LayerSummarySchema));
  },
});

export const ModelSummarySchema = z.object({
  name: z.string(),
  className: z.string(),
  format: z.enum(['tfjs-layers', 'keras-h5', 'keras-v3', 'torchvision']),
  source: z.string(),
  inputShape: ShapeSchema,
  outputShape: ShapeSchema,
  layers: z.array(LayerSummarySchema),
  totalParams: z.number(),
  trainableParams: z.number(),
  nonTrainableParams: z.number(),
  metadata: z.object({
    labels: z.optional(z.array(z.string())),
    imageSize: z.optional(z.number()),
    preprocess: z.optional(z.enum(PREPROCESS_MODES)),
    producer: z.optional(z.string()),
  }),
});

/** Linear probes of candidate cuts (`transfer-studio probe`, the designer's Probe). */
export const ProbeReportSchema = z.object({
  task: TaskSchema,
  /** accuracy | binary_accuracy | mae (lower is better for mae). */
  metric: z.string(),
  higherIsBetter: z.boolean(),
  rows: z.array(z.object({
    cut: z.string(),
    className: z.string(),
    depth: z.number(),
    features: z.number(),
    /** The cut's output is a feature map (the probe pooled it; a head on it needs pooling). */
    spatial: z.boolean(),
    /** The linear probe's score on the validation sample, and on its own training sample. */
    value: z.number(),
    train: z.number(),
    lambda: z.number(),
    ms: z.number(),
  })),
  best: z.string(),
  defaultCut: z.string(),
  currentCut: z.optional(z.string()),
  images: z.object({ train: z.number(), validation: z.number() }),
  forwardMs: z.number(),
  totalMs: z.number(),
  /** Findings in words: negative transfer (the deepest cut is not the best), a sample too small… */
  notes: z.array(z.string()),
});
export type ProbeReport = z.infer<typeof ProbeReportSchema>;

/** What `python -m transfer_studio_worker env --json` reports about an interpreter (the PyTorch engine's environment). */
export const PythonEnvironmentSchema = z.object({
  python: z.object({ executable: z.string(), version: z.string() }),
  torch: z.nullable(z.object({ version: z.string(), cuda: z.nullable(z.string()), cudnn: z.nullable(z.number()), compile: z.boolean() })),
  torchvision: z.nullable(z.string()),
  devices: z.array(z.object({ type: z.string(), index: z.number(), name: z.string(), memoryBytes: z.number(), capability: z.optional(z.string()), bf16: z.optional(z.boolean()) })),
  mps: z.boolean(),
  torchrun: z.nullable(z.string()),
  chosen: z.object({ device: z.string(), reason: z.string() }),
  problems: z.array(z.string()),
});
export type PythonEnvironment = z.infer<typeof PythonEnvironmentSchema>;

/** Which engine a run gets and why: the one line the status bar, the run header and the CLI show. */
export const EngineChoiceSchema = z.object({
  engine: z.enum(ENGINE_NAMES),
  requested: z.string(),
  /** e.g. "PyTorch 2.4.1 on CUDA (NVIDIA RTX 4090, 24 GB)" or "TF.js: no torch in /usr/bin/python3 (install: …)". */
  summary: z.string(),
  /** The interpreter that was asked (PyTorch engine or auto). */
  python: z.optional(z.string()),
  environment: z.optional(PythonEnvironmentSchema),
  /** Interpreters tried and what each lacked. */
  tried: z.array(z.object({ python: z.string(), problem: z.string() })),
});
export type EngineChoice = z.infer<typeof EngineChoiceSchema>;
