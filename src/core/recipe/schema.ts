/**
 * The adaptation recipe (`NAME.adapt.json`): the one source for its TypeScript types, its runtime
 * validation and the JSON Schema file VS Code uses for completion and hover (`npm run build`
 * writes `schemas/adapt.schema.json` from this file).
 */
import { z } from 'zod';

export const RECIPE_VERSION = 1;

const layerName = z.string().min(1, 'expected a layer name');

export const FreezeSchema = z
  .object({
    all: z.boolean().optional().describe('Freeze every layer of the base (below and at the cut). Default true when no other rule is given.'),
    upTo: layerName.optional().describe('Freeze every layer up to and including this one (in execution order, nested models expanded).'),
    allButLast: z.number().int().min(0, 'expected a whole number ≥ 0').optional().describe('Freeze all base layers except the last N (counting layers with weights).'),
    classes: z.array(z.string().min(1)).optional().describe('Freeze every layer of these classes, e.g. ["BatchNormalization"].'),
    layers: z.array(layerName).optional().describe('Freeze these layers by name.'),
    trainable: z.array(layerName).optional().describe('Keep these layers trainable even when a rule above freezes them.'),
  })
  .strict()
  .describe('Which layers of the pre-trained base are frozen (their weights and BatchNorm statistics never change). A layer is frozen when any rule matches it and it is not listed in "trainable".');

const activation = z
  .enum(['linear', 'relu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'tanh', 'sigmoid', 'softmax', 'softplus', 'hardSigmoid', 'leakyRelu'])
  .describe('Activation function.');

export const HeadLayerSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('GlobalAveragePooling2D'), name: z.string().optional() }).strict(),
    z.object({ type: z.literal('GlobalMaxPooling2D'), name: z.string().optional() }).strict(),
    z.object({ type: z.literal('Flatten'), name: z.string().optional() }).strict(),
    z
      .object({
        type: z.literal('Dense'),
        name: z.string().optional(),
        units: z.number().int('expected a whole number').min(1, 'expected at least 1 unit').optional()
          .describe('Number of outputs. Leave it out on the last layer to size it from the dataset\'s labels.'),
        activation: activation.optional().describe('Default: relu for hidden layers; softmax / sigmoid / linear on the last layer by task.'),
        useBias: z.boolean().optional(),
        l2: z.number().min(0).optional().describe('L2 weight regularization factor.'),
      })
      .strict(),
    z.object({ type: z.literal('Dropout'), name: z.string().optional(), rate: z.number().min(0).max(0.99, 'expected a rate below 1') }).strict(),
    z.object({ type: z.literal('BatchNormalization'), name: z.string().optional(), momentum: z.number().min(0).max(1).optional(), epsilon: z.number().positive().optional() }).strict(),
    z.object({ type: z.literal('Activation'), name: z.string().optional(), activation }).strict(),
  ])
  .describe('One layer of the new head.');

export const TaskSchema = z.enum(['single-label', 'multi-label', 'regression']).describe('single-label: one class per example (softmax); multi-label: any number of classes (sigmoid); regression: numbers (linear).');

export const PreprocessSchema = z
  .enum(['0,1', '-1,1', 'imagenet', 'none'])
  .describe('How pixels are scaled: "0,1" divides by 255, "-1,1" maps to [-1, 1] (Teachable Machine, MobileNet), "imagenet" subtracts the ImageNet mean and divides by its std, "none" keeps 0–255.');

export const AugmentSchema = z
  .object({
    flip: z.boolean().optional().describe('Random horizontal flips.'),
    rotate: z.number().min(0).max(45).optional().describe('Random rotation up to ± this many degrees.'),
    zoom: z.number().min(0).max(0.5).optional().describe('Random crop-and-zoom up to this fraction.'),
    brightness: z.number().min(0).max(1).optional().describe('Random brightness change up to ± this fraction.'),
  })
  .strict();

export const DataSchema = z
  .object({
    train: z.string().min(1).describe('A folder with one sub-folder per class, or a CSV file (path,label / path,label1|label2 / path,y1,y2,…). Relative to the recipe.'),
    validation: z.string().min(1).optional().describe('A separate validation folder or CSV. Without it, a stratified split of "train" is used.'),
    test: z.string().min(1).optional().describe('A held-back test folder or CSV used only for the final evaluation.'),
    validationSplit: z.number().min(0).max(0.9).optional().describe('Fraction of "train" kept for validation when no "validation" is given. Default 0.2.'),
    labels: z.array(z.string().min(1)).optional().describe('Label order. Default: sorted folder names / CSV labels.'),
    imageSize: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional().describe('[height, width]. Default: the model\'s input size.'),
    preprocess: PreprocessSchema.optional(),
    augment: AugmentSchema.optional(),
    cache: z.enum(['auto', 'memory', 'disk', 'off']).optional().describe('Feature cache for the fast path: "auto" (default) keeps features in memory and on disk when the base is frozen and augmentation is off.'),
    maxSkipped: z.number().min(0).max(1).optional().describe('Fail when more than this fraction of files cannot be read. Default 0.1.'),
  })
  .strict();

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  z.object({ type: z.literal('cosine'), minLearningRate: z.number().min(0).optional(), warmupEpochs: z.number().int().min(0).optional() }).strict(),
  z.object({ type: z.literal('step'), everyEpochs: z.number().int().positive(), factor: z.number().positive().max(1) }).strict(),
]);

export const MetricNameSchema = z.enum(['val_loss', 'val_accuracy', 'loss', 'accuracy', 'val_mae', 'mae']);

export const TrainingSchema = z
  .object({
    epochs: z.number().int().min(1, 'expected at least 1 epoch').max(10000).optional().describe('Default 10.'),
    batchSize: z.number().int().min(1).max(4096).optional().describe('Default 32.'),
    optimizer: z.enum(['adam', 'sgd', 'rmsprop']).optional().describe('Default adam.'),
    learningRate: z.number().positive().max(10).optional().describe('Default 0.001.'),
    momentum: z.number().min(0).max(1).optional().describe('For sgd and rmsprop.'),
    schedule: ScheduleSchema.optional().describe('Learning-rate schedule per epoch. Default constant.'),
    earlyStopping: z
      .object({ monitor: MetricNameSchema.optional(), patience: z.number().int().min(1).optional(), minDelta: z.number().min(0).optional() })
      .strict()
      .optional()
      .describe('Stop when the monitored validation metric stops improving. The best checkpoint is kept.'),
    classWeights: z.union([z.literal('balanced'), z.record(z.string(), z.number().positive())]).optional().describe('"balanced" weighs classes inversely to their counts.'),
    seed: z.number().int().optional().describe('Seed for the split, shuffling and initial weights. Default 42.'),
    backend: z.enum(['auto', 'tensorflow', 'tensorflow-gpu', 'wasm', 'cpu']).optional().describe('Default auto: GPU (tfjs-node-gpu) when usable, else native CPU (tfjs-node), else WASM, else pure JS.'),
    fineTune: z
      .object({
        epochs: z.number().int().min(1),
        unfreeze: z.number().int().min(1).describe('Unfreeze the top N layers of the base (counting layers with weights; BatchNormalization stays frozen, in inference mode).'),
        learningRateFactor: z.number().positive().max(1).optional().describe('Phase-2 learning rate = learningRate × this. Default 0.01.'),
      })
      .strict()
      .optional()
      .describe('Two-phase fine-tuning: phase 1 trains the head with the base frozen, phase 2 unfreezes the top layers at a lower learning rate.'),
    learningRateMultipliers: z.record(z.string(), z.number().min(0)).optional().describe('Per-layer learning-rate multipliers, by layer name or class name ("head" for the new layers).'),
    baseline: z.enum(['none', 'scratch']).optional().describe('"scratch" also trains the same architecture from random weights on the same split, to reveal negative transfer.'),
  })
  .strict();

export const RecipeSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(RECIPE_VERSION).optional().describe('Recipe format version.'),
    name: z.string().min(1).optional().describe('Name of the adapted model. Default: the recipe file name.'),
    model: z.string().min(1, 'expected a model path or https URL').describe('The pre-trained model: a TF.js model.json, a Keras .h5/.hdf5/.keras file (relative to the recipe), or an https:// URL of a model.json.'),
    cut: z.string().min(1).optional().describe('The layer whose output feeds the new head. Default: the layer before the old classifier.'),
    freeze: FreezeSchema.optional(),
    head: z.array(HeadLayerSchema).min(1, 'expected at least one head layer').optional().describe('The new head, applied to the cut layer\'s output. The last Dense layer without "units" is sized from the labels.'),
    task: TaskSchema.optional(),
    data: DataSchema.optional(),
    training: TrainingSchema.optional(),
    output: z.string().min(1).optional().describe('Output folder for the adapted model. Default: NAME-adapted beside the source model. Never the source model\'s own folder.'),
  })
  .strict();

export type Recipe = z.infer<typeof RecipeSchema>;
export type FreezeRules = z.infer<typeof FreezeSchema>;
export type HeadLayerSpec = z.infer<typeof HeadLayerSchema>;
export type HeadLayerType = HeadLayerSpec['type'];
export type Task = z.infer<typeof TaskSchema>;
export type DataSpec = z.infer<typeof DataSchema>;
export type TrainingSpec = z.infer<typeof TrainingSchema>;
export type AugmentSpec = z.infer<typeof AugmentSchema>;
export type ScheduleSpec = z.infer<typeof ScheduleSchema>;
export type Preprocess = z.infer<typeof PreprocessSchema>;
export type MetricName = z.infer<typeof MetricNameSchema>;

export const HEAD_LAYER_TYPES: HeadLayerType[] = ['GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'BatchNormalization', 'Activation'];

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
