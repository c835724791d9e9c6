/**
 * The one home of the recipe's defaults and enumerations. No zod and no `node:` imports: the
 * schema, the resolver, `init`, the extension's recipe edits and the webviews all read these, so a
 * default changes in one place.
 */

export const TASKS = ['single-label', 'multi-label', 'regression', 'detection'] as const;
/** The detection heads: one object per image (class + box), or a grid of anchors (many objects, NMS at predict time). */
export const DETECTION_HEAD_KINDS = ['localiser', 'grid'] as const;
export const DETECTION_HEADS = ['auto', ...DETECTION_HEAD_KINDS] as const;
/** The box regression loss of a grid head: smooth-L1 on the encoded offsets, or 1 − GIoU of the decoded boxes. */
export const BOX_LOSSES = ['smooth-l1', 'giou'] as const;
export const PREPROCESS_MODES = ['0,1', '-1,1', 'imagenet', 'none'] as const;
export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'tanh', 'sigmoid', 'softmax', 'softplus', 'hardSigmoid', 'leakyRelu'] as const;
export const HEAD_LAYER_TYPES = ['GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'BatchNormalization', 'Activation'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
/** The optimizers `momentum` applies to. */
export const MOMENTUM_OPTIMIZERS: readonly OptimizerName[] = OPTIMIZERS.filter((o) => o !== 'adam');
/** Head layers that turn a feature map into a vector. */
export const POOLING_HEAD_LAYERS: readonly HeadLayerType[] = HEAD_LAYER_TYPES.filter((t) => t === 'GlobalAveragePooling2D' || t === 'GlobalMaxPooling2D' || t === 'Flatten');
export const BACKENDS = ['auto', 'tensorflow', 'tensorflow-gpu', 'wasm', 'cpu'] as const;
/** The engines that can train; ENGINES adds the preference "auto". */
export const ENGINE_NAMES = ['tfjs', 'pytorch'] as const;
export const ENGINES = ['auto', ...ENGINE_NAMES] as const;
export const SCHEDULE_TYPES = ['constant', 'cosine', 'step', 'plateau'] as const;
export const CACHE_MODES = ['auto', 'memory', 'disk', 'off'] as const;
export const BASELINES = ['none', 'scratch', 'single-task'] as const;
/** The tasks one head of a multi-task recipe can learn ("heads"; detection builds its own head). */
export const HEAD_TASKS = ['single-label', 'multi-label', 'regression'] as const;
export const FIT_MODES = ['cover', 'fill'] as const;
/** Every metric a run can report per epoch (which ones a run reports depends on its task and data: see recipe/monitor.ts). */
export const MONITOR_NAMES = ['val_loss', 'loss', 'val_accuracy', 'accuracy', 'val_binary_accuracy', 'binary_accuracy', 'val_mae', 'mae', 'val_mAP50', 'val_mAP'] as const;

export type Task = (typeof TASKS)[number];
export type Preprocess = (typeof PREPROCESS_MODES)[number];
export type Activation = (typeof ACTIVATIONS)[number];
export type HeadLayerType = (typeof HEAD_LAYER_TYPES)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type BackendPreference = (typeof BACKENDS)[number];
export type EnginePreference = (typeof ENGINES)[number];
export type CacheMode = (typeof CACHE_MODES)[number];
export type BaselineKind = (typeof BASELINES)[number];
export type MonitorName = (typeof MONITOR_NAMES)[number];
export type DetectionHeadKind = (typeof DETECTION_HEADS)[number];
export type BoxLoss = (typeof BOX_LOSSES)[number];
export type HeadTask = (typeof HEAD_TASKS)[number];

/** What an empty field means. Training defaults aim at a first run that converges on a small dataset. */
export const DEFAULTS = {
  task: 'single-label' as Task,
  validationSplit: 0.2,
  maxSkipped: 0.1,
  /** Epoch cap when the head trains on cached features (an epoch costs milliseconds: convergence, not the cap, ends the run). */
  cachedEpochs: 200,
  /** Epoch cap when every epoch runs the base (augmentation, a trainable base). */
  epochs: 30,
  batchSize: 32,
  optimizer: 'adam' as OptimizerName,
  learningRate: 1e-3,
  seed: 42,
  backend: 'auto' as BackendPreference,
  engine: 'auto' as EnginePreference,
  cache: 'auto' as CacheMode,
  baseline: 'none' as BaselineKind,
  fineTuneLearningRateFactor: 0.01,
  /** Early stopping is on by default wherever there is validation data. */
  earlyStopping: true,
  patience: 10,
  /** Smaller improvements of the monitored metric do not count: a loss that creeps down by 1e-5 an epoch (separable data) has converged. */
  minDelta: 1e-3,
  /** Reduce-on-plateau: halve the rate after this many epochs without improvement, not below minLearningRate. */
  plateauFactor: 0.5,
  plateauPatience: 4,
  plateauMinLearningRate: 1e-6,
  /** Per-feature standardisation of the head's input (statistics of the training split, folded into the saved model). */
  standardize: true,
  /** The default head's Dropout rate (docs/DEFAULTS.md: 0.5 held up best on 12 model × dataset pairs). */
  dropout: 0.5,
  /** L2 on the default head's Dense kernel. */
  headL2: 0,
  /** Multi-task recipes ("heads", docs/MULTITASK.md). */
  multiTask: {
    /** The shared trunk's hidden units when the recipe gives no "head": the layer the heads share (hard parameter sharing). */
    sharedUnits: 128,
    lossWeight: 1,
    /**
     * A head ties its single-task baseline when the two differ by less than this: accuracy by 1
     * percentage point, MAE by 1 % of the baseline's.
     */
    tieAccuracy: 0.01,
    tieRelativeError: 0.01,
  },
  /** Detection (task "detection", docs/DETECTION.md). */
  detection: {
    /** Anchors of a grid head, picked from the training boxes by k-means. */
    anchors: 3,
    boxLoss: 'smooth-l1' as BoxLoss,
    /** Filters of the grid head's 3×3 convolution (the localiser's hidden Dense units). */
    hiddenUnits: 64,
    /** Detections scoring below this are not returned by predict (evaluation keeps them down to 0.01 for mAP). */
    scoreThreshold: 0.3,
    /** NMS: of boxes overlapping more than this, only the best stays. */
    iouThreshold: 0.45,
    maxDetections: 100,
    /** Loss weights: box regression and the objectness of cells without an object (YOLO's λcoord, λnoobj). */
    boxWeight: 5,
    noObjectWeight: 0.5,
  },
};

/** Human descriptions the designer shows beside each head layer type. */
export const HEAD_LAYER_DESCRIPTIONS: Record<HeadLayerType, string> = {
  GlobalAveragePooling2D: 'Average each feature map to one value',
  GlobalMaxPooling2D: 'Keep the strongest response of each feature map',
  Flatten: 'Unroll the features into one vector',
  Dense: 'A fully connected layer',
  Dropout: 'Randomly drop inputs while training',
  BatchNormalization: 'Normalize the features',
  Activation: 'Apply a function element-wise',
};

/** The activation of the last layer when none is given, by task. */
export function outputActivation(task: Task | undefined): Activation {
  return task === 'multi-label' ? 'sigmoid' : task === 'regression' || task === 'detection' ? 'linear' : 'softmax';
}
