/**
 * The adaptation recipe (`NAME.adapt.json`): the one source for its TypeScript types, its runtime
 * validation and the JSON Schema file VS Code uses for completion and hover (`npm run build`
 * writes `schemas/adapt.schema.json` from this file). Written with zod/mini, whose pieces
 * tree-shake, so the extension host carries the validator without the rest of zod.
 */
import * as z from '../zod';
import { DOMAIN_DEFAULTS, DOMAIN_METHODS } from '../domain/defaults';
import { ACTIVATIONS, BACKENDS, BASELINES, BOX_LOSSES, CACHE_MODES, DEFAULTS, DETECTION_HEADS, ENGINES, HEAD_TASKS, MONITOR_NAMES, OPTIMIZERS, PREPROCESS_MODES, TASKS } from './defaults';

export const RECIPE_VERSION = 1;

/** A description for completion and hover in the editor (and the generated JSON Schema). */
function d<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.describe(description)) as T;
}
const opt = <T extends z.ZodMiniType>(schema: T, description?: string): z.ZodMiniOptional<T> => z.optional(description ? d(schema, description) : schema);
const int = (min?: number, message?: string) => (min === undefined ? z.int('expected a whole number') : z.int('expected a whole number').check(z.gte(min, message)));
const num = (min?: number, max?: number, messages: { min?: string; max?: string } = {}) => {
  const checks = [...(min === undefined ? [] : [z.gte(min, messages.min)]), ...(max === undefined ? [] : [z.lte(max, messages.max)])];
  return checks.length ? z.number().check(...checks) : z.number();
};
const positive = (max?: number) => (max === undefined ? z.number().check(z.positive()) : z.number().check(z.positive(), z.lte(max)));
const layerName = z.string().check(z.minLength(1, 'expected a layer name'));
const nonEmpty = (message?: string) => z.string().check(z.minLength(1, message));

export const FreezeSchema = d(
  z.strictObject({
    all: opt(z.boolean(), 'Freeze every layer of the base (below and at the cut). Default true when no other rule is given.'),
    upTo: opt(layerName, 'Freeze every layer up to and including this one (in execution order, nested models expanded).'),
    allButLast: opt(int(0, 'expected a whole number ≥ 0'), 'Freeze all base layers except the last N (counting layers with weights).'),
    classes: opt(z.array(nonEmpty()), 'Freeze every layer of these classes, e.g. ["BatchNormalization"].'),
    layers: opt(z.array(layerName), 'Freeze these layers by name.'),
    trainable: opt(z.array(layerName), 'Keep these layers trainable even when a rule above freezes them.'),
  }),
  'Which layers of the pre-trained base are frozen (their weights and BatchNorm statistics never change). A layer is frozen when any rule matches it and it is not listed in "trainable".',
);

const activation = d(z.enum(ACTIVATIONS), 'Activation function.');
const headName = opt(z.string());

export const HeadLayerSchema = d(
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('GlobalAveragePooling2D'), name: headName }),
    z.strictObject({ type: z.literal('GlobalMaxPooling2D'), name: headName }),
    z.strictObject({ type: z.literal('Flatten'), name: headName }),
    z.strictObject({
      type: z.literal('Dense'),
      name: headName,
      units: opt(int(1, 'expected at least 1 unit'), 'Number of outputs. Leave it out on the last layer to size it from the dataset\'s labels.'),
      activation: opt(activation, 'Default: relu for hidden layers; softmax / sigmoid / linear on the last layer by task.'),
      useBias: opt(z.boolean()),
      l2: opt(num(0), 'L2 weight regularization factor.'),
    }),
    z.strictObject({ type: z.literal('Dropout'), name: headName, rate: num(0, 0.99, { max: 'expected a rate below 1' }) }),
    z.strictObject({ type: z.literal('BatchNormalization'), name: headName, momentum: opt(num(0, 1)), epsilon: opt(positive()) }),
    z.strictObject({ type: z.literal('Activation'), name: headName, activation }),
  ]),
  'One layer of the new head.',
);

/** One head of a multi-task recipe: its task, the CSV column(s) it learns, its loss weight and its own layers. */
export const TaskHeadSchema = z.strictObject({
  name: d(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'expected a name of letters, digits, _ or - (starting with a letter, at most 40)')), 'The head\'s name: its output in the saved model, its metrics (NAME_loss, val_NAME_accuracy…) and its column in the CSV unless "column" says otherwise.'),
  task: d(z.enum(HEAD_TASKS), 'single-label: one class per image (softmax); multi-label: classes separated by | (sigmoid); regression: numbers (linear).'),
  column: opt(z.union([nonEmpty(), z.array(nonEmpty()).check(z.minLength(1))]), 'The CSV column(s) this head learns (a header row names them). Default: the column named like the head. Regression: one column per target. An empty cell: this image has no label for this head (its loss skips it).'),
  labels: opt(z.array(nonEmpty()), 'Class order of a classification head. Default: its sorted labels in the training CSV.'),
  lossWeight: opt(num(0), `This head's share of the loss: the run minimises the sum of each head's loss × its weight. Default ${DEFAULTS.multiTask.lossWeight}.`),
  layers: opt(z.array(HeadLayerSchema), 'Layers of this head only, after the shared ones ("head"). The last Dense layer without "units" is sized from its labels; one is added when there is none.'),
});

export const TaskSchema = d(z.enum(TASKS), 'single-label: one class per example (softmax); multi-label: any number of classes (sigmoid); regression: numbers (linear); detection: boxes and their classes ("data.train" is a COCO .json, a Pascal VOC folder or a box CSV; see "detection").');

export const PreprocessSchema = d(
  z.enum(PREPROCESS_MODES),
  'How pixels are scaled: "0,1" divides by 255, "-1,1" maps to [-1, 1] (Teachable Machine, MobileNet), "imagenet" subtracts the ImageNet mean and divides by its std, "none" keeps 0–255.',
);

export const AugmentSchema = d(
  z.strictObject({
    flip: opt(z.boolean(), 'Random horizontal flips.'),
    rotate: opt(num(0, 45), 'Random rotation up to ± this many degrees.'),
    zoom: opt(num(0, 0.5), 'Random crop-and-zoom up to this fraction.'),
    brightness: opt(num(0, 1), 'Random brightness change up to ± this fraction.'),
  }),
  'Random changes to training images. Off by default: with augmentation the frozen base runs on every batch instead of once per image (no feature cache).',
);

export const DataSchema = z.strictObject({
  train: d(nonEmpty(), 'A folder with one sub-folder per class, or a CSV file (path,label / path,label1|label2 / path,y1,y2,…). For "task": "detection": box annotations — a COCO .json, a folder of Pascal VOC .xml files, or a CSV (path,label,xmin,ymin,xmax,ymax). Relative to the recipe.'),
  images: opt(nonEmpty(), 'Detection: the folder the annotations\' image paths are relative to. Default: looked for beside the annotations (images/, COCO\'s val2017/ layout, the XML\'s own folder).'),
  validation: opt(nonEmpty(), 'A separate validation folder or CSV. Without it, a stratified split of "train" is used.'),
  test: opt(nonEmpty(), 'A held-back test folder or CSV used only for the final evaluation.'),
  validationSplit: opt(num(0, 0.9), `Fraction of "train" kept for validation when no "validation" is given. Default ${DEFAULTS.validationSplit}.`),
  labels: opt(z.array(nonEmpty()), 'Label order. Default: sorted folder names / CSV labels.'),
  imageSize: opt(z.tuple([int(1), int(1)]), '[height, width]. Default: the model\'s input size.'),
  preprocess: z.optional(PreprocessSchema),
  augment: z.optional(AugmentSchema),
  cache: opt(z.enum(CACHE_MODES), 'Feature cache for the fast path: "auto" (default) keeps features in memory and on disk when the base is frozen and augmentation is off.'),
  maxSkipped: opt(num(0, 1), `Fail when more than this fraction of files cannot be read. Default ${DEFAULTS.maxSkipped}.`),
});

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant') }),
  z.strictObject({ type: z.literal('cosine'), minLearningRate: opt(num(0)), warmupEpochs: opt(int(0)) }),
  z.strictObject({ type: z.literal('step'), everyEpochs: int(1), factor: positive(1) }),
  z.strictObject({
    type: z.literal('plateau'),
    factor: opt(positive(1), `Multiply the rate by this when the monitored metric stops improving. Default ${DEFAULTS.plateauFactor}.`),
    patience: opt(int(1), `Epochs without improvement before the rate drops. Default ${DEFAULTS.plateauPatience}.`),
    minLearningRate: opt(num(0), `The rate never drops below this. Default ${DEFAULTS.plateauMinLearningRate}.`),
  }),
]);

export const MetricNameSchema = z.enum(MONITOR_NAMES);

export const EarlyStoppingSchema = z.union([
  z.literal(false),
  z.strictObject({
    monitor: opt(MetricNameSchema, 'The metric to watch. Default val_loss (val_mAP50 for detection; loss without validation data). It must be one the run reports: accuracy for single-label, binary_accuracy for multi-label, mae for regression, val_mAP50 / val_mAP for detection.'),
    patience: opt(int(1), `Epochs without improvement before stopping. Default ${DEFAULTS.patience}.`),
    minDelta: opt(num(0), `Smaller changes do not count as improvement. Default ${DEFAULTS.minDelta}.`),
  }),
]);

export const EngineSchema = d(
  z.strictObject({
    name: opt(z.enum(ENGINES), 'auto (default): PyTorch when the interpreter imports torch and a CUDA or MPS device is usable, else TF.js. pytorch: the PyTorch worker in your Python (CPU too). tfjs: the bundled TF.js engine.'),
    devices: opt(int(1), 'GPUs to train on with the PyTorch engine (torchrun + DistributedDataParallel). Default 1.'),
    mixedPrecision: opt(z.enum(['auto', 'off', 'bf16', 'fp16']), 'PyTorch engine: auto (default) uses bf16 / fp16 autocast on CUDA, full precision elsewhere.'),
    compile: opt(z.enum(['auto', 'on', 'off']), 'PyTorch engine: torch.compile (PyTorch 2 on CUDA by default).'),
    workers: opt(int(0), 'PyTorch engine: DataLoader worker processes decoding images. Default: cores − 1, at most 4.'),
  }),
  'Which engine trains: the bundled TF.js engine or PyTorch in your own Python environment.',
);

export const TrainingSchema = z.strictObject({
  epochs: opt(int(1, 'expected at least 1 epoch').check(z.lte(10000)), `The epoch cap. Default ${DEFAULTS.cachedEpochs} when the head trains on cached features, ${DEFAULTS.epochs} otherwise; early stopping usually ends the run first.`),
  batchSize: opt(int(1).check(z.lte(4096)), `Default ${DEFAULTS.batchSize}.`),
  optimizer: opt(z.enum(OPTIMIZERS), `Default ${DEFAULTS.optimizer}.`),
  learningRate: opt(positive(10), `Default ${DEFAULTS.learningRate}.`),
  momentum: opt(num(0, 1), 'For sgd and rmsprop.'),
  weightDecay: opt(num(0, 1), 'L2 penalty on the weights that train (added to the loss). Default 0.'),
  schedule: opt(ScheduleSchema, 'Learning-rate schedule per epoch. Default: reduce on plateau of the monitored metric (constant without validation data).'),
  earlyStopping: opt(EarlyStoppingSchema, `Stop when the monitored validation metric stops improving and keep the best epoch's weights. On by default when there is validation data (patience ${DEFAULTS.patience}); false turns it off.`),
  standardize: opt(z.boolean(), 'Standardise each feature the head sees (mean and std of the training split), folded into the saved model. Default true.'),
  classWeights: opt(z.union([z.literal('balanced'), z.record(z.string(), positive())]), '"balanced" weighs classes inversely to their counts.'),
  seed: opt(int(), `Seed for the split, shuffling and initial weights. Default ${DEFAULTS.seed}.`),
  backend: opt(z.enum(BACKENDS), 'TF.js engine. Default auto: GPU (tfjs-node-gpu) when usable, else native CPU (tfjs-node), else WASM, else pure JS.'),
  fineTune: opt(
    z.strictObject({
      epochs: int(1),
      unfreeze: d(int(1), 'Unfreeze the top N layers of the base (counting layers with weights; BatchNormalization stays frozen, in inference mode).'),
      learningRateFactor: opt(positive(1), `Phase-2 learning rate = learningRate × this. Default ${DEFAULTS.fineTuneLearningRateFactor}.`),
    }),
    'Two-phase fine-tuning: phase 1 trains the head with the base frozen, phase 2 unfreezes the top layers at a lower learning rate for its own (small) number of epochs.',
  ),
  learningRateMultipliers: opt(z.record(z.string(), num(0)), 'Per-layer learning-rate multipliers, by layer name or class name ("head" for the new layers).'),
  baseline: opt(z.enum(BASELINES), '"scratch" also trains the same architecture from random weights on the same split, to reveal negative transfer. "single-task" (the default with "heads"): each head is also trained alone, with the same layers and budget, to reveal negative transfer between tasks.'),
  baselineEpochs: opt(int(1).check(z.lte(10000)), `Epoch cap of the from-scratch baseline (every layer trains, every epoch runs the whole network). Default: "epochs", else ${DEFAULTS.epochs}.`),
});

export const DomainSchema = d(
  z.strictObject({
    target: d(nonEmpty('expected a folder of target-domain images'), 'A folder of unlabelled images from the new (target) domain, searched recursively. Relative to the recipe. Used to adapt the model; never for evaluation.'),
    targetLabelled: opt(nonEmpty(), 'A folder with one sub-folder per class (the training labels) of labelled target-domain images, used only to report target accuracy before and after adaptation.'),
    method: d(z.enum(DOMAIN_METHODS), 'adabn: re-estimate every BatchNormalization layer\'s statistics of the base on the target images (no labels). coral: align the second-order statistics of the target features with the source\'s (a frozen linear layer in front of the trained head). dann: a domain classifier behind a gradient-reversal layer trains with the fine-tuning phase (needs "training.fineTune").'),
    lambda: opt(positive(10), `dann: weight of the domain classifier's loss (the reversed gradient into the base). Default ${DOMAIN_DEFAULTS.lambda}.`),
    maxImages: opt(int(1, 'expected at least 1 image'), `Use at most this many target images (a seeded sample). Default ${DOMAIN_DEFAULTS.maxImages}.`),
  }),
  'Domain adaptation: adapt the trained model to a new domain (other camera, lighting, style) from unlabelled target images. The report compares source and target accuracy before and after.',
);

export const DetectionSchema = d(
  z.strictObject({
    head: opt(z.enum(DETECTION_HEADS), 'auto (default): "localiser" when no training image has more than one box, else "grid". localiser: one class and box per image (a Dense head, smooth-L1 box loss). grid: a small convolutional head on the cut\'s feature map, anchors per cell (YOLO style), NMS at predict time.'),
    anchors: opt(int(1, 'expected at least 1 anchor').check(z.lte(9)), `Grid head: anchors per cell, picked from the training boxes by k-means (1 − IoU). Default ${DEFAULTS.detection.anchors}.`),
    boxLoss: opt(z.enum(BOX_LOSSES), `Box regression of a head on a feature map: "smooth-l1" on the encoded offsets (σ(tx), σ(ty), tw, th), or "giou": 1 − generalised IoU of the decoded box with the true one (scale-free, and it still pulls boxes that do not overlap). Default ${DEFAULTS.detection.boxLoss}.`),
    hiddenUnits: opt(int(1).check(z.lte(1024)), `Filters of the grid head's 3×3 convolution (the localiser's hidden Dense units). Default ${DEFAULTS.detection.hiddenUnits}.`),
    scoreThreshold: opt(num(0, 1), `predict returns boxes scoring at least this. Default ${DEFAULTS.detection.scoreThreshold}.`),
    iouThreshold: opt(num(0, 1), `Non-maximum suppression: of boxes overlapping more than this, only the best-scoring stays. Default ${DEFAULTS.detection.iouThreshold}.`),
    maxDetections: opt(int(1).check(z.lte(1000)), `At most this many boxes per image. Default ${DEFAULTS.detection.maxDetections}.`),
  }),
  'Object localisation and detection ("task": "detection"): the head and how boxes are returned.',
);

export const RecipeSchema = z.strictObject({
  $schema: z.optional(z.string()),
  version: opt(z.literal(RECIPE_VERSION), 'Recipe format version.'),
  name: opt(nonEmpty(), 'Name of the adapted model. Default: the recipe file name.'),
  model: d(nonEmpty('expected a model path or https URL'), 'The pre-trained model: a TF.js model.json, a Keras .h5/.hdf5/.keras file (relative to the recipe), an https:// URL of a model.json, "torchvision:ARCH" (e.g. "torchvision:resnet18", its weights in "weights") or "torchscript:FILE". The last two train on the PyTorch engine.'),
  weights: opt(nonEmpty(), 'For "torchvision:ARCH": the pre-trained weights, a local .pth state dict (torch.save(model.state_dict(), path)), relative to the recipe. Nothing is downloaded; without it the architecture starts from random weights.'),
  cut: opt(nonEmpty(), 'The layer whose output feeds the new head. Default: the output of the convolutional base (the global pooling or Flatten below the old classifier).'),
  freeze: z.optional(FreezeSchema),
  head: opt(z.array(HeadLayerSchema).check(z.minLength(1, 'expected at least one head layer')), `The new head, applied to the cut layer's output. The last Dense layer without "units" is sized from the labels. With "heads": the layers every head shares (default: pooling, a Dense of ${DEFAULTS.multiTask.sharedUnits} and dropout).`),
  heads: opt(z.array(TaskHeadSchema).check(z.minLength(1, 'expected at least one head')), 'Multi-task learning: several heads on one base, each with its own task, CSV column(s), loss and metrics, saved as one model with an output per head. "data.train" is a CSV with a header row naming the columns. By default each head is also trained alone on the same split ("training.baseline": "single-task") and the report says whether sharing helped it.'),
  task: z.optional(TaskSchema),
  data: z.optional(DataSchema),
  training: z.optional(TrainingSchema),
  engine: z.optional(EngineSchema),
  domain: z.optional(DomainSchema),
  detection: z.optional(DetectionSchema),
  output: opt(nonEmpty(), 'Output folder for the adapted model. Default: NAME-adapted beside the source model. Never the source model\'s own folder.'),
});

export type Recipe = z.infer<typeof RecipeSchema>;
export type FreezeRules = z.infer<typeof FreezeSchema>;
export type HeadLayerSpec = z.infer<typeof HeadLayerSchema>;
export type DataSpec = z.infer<typeof DataSchema>;
export type TrainingSpec = z.infer<typeof TrainingSchema>;
export type AugmentSpec = z.infer<typeof AugmentSchema>;
export type ScheduleSpec = z.infer<typeof ScheduleSchema>;
export type EngineSpec = z.infer<typeof EngineSchema>;
export type DomainSpec = z.infer<typeof DomainSchema>;
export type DetectionSpec = z.infer<typeof DetectionSchema>;
export type TaskHeadSpec = z.infer<typeof TaskHeadSchema>;
export type MetricName = z.infer<typeof MetricNameSchema>;
export type { HeadLayerType, HeadTask, Preprocess, Task } from './defaults';
export type { DomainMethod } from '../domain/defaults';
export { HEAD_LAYER_TYPES } from './defaults';

/** The JSON Schema that `jsonValidation` binds to `*.adapt.json`. */
export function recipeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RecipeSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://transfer-studio.invalid/adapt.schema.json',
    title: 'Transfer Studio adaptation recipe',
    description: 'How to adapt a pre-trained model: the source model, the cut layer, the frozen layers, the new head, the data and the training settings.',
  };
}
