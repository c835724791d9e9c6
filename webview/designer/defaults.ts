/**
 * The recipe defaults the designer shows as placeholders. The engine's own table is DEFAULTS in
 * src/core/recipe/resolve.ts (it imports node:path, so the webview cannot bundle it); the webview
 * test checks that the two agree.
 */
import type { HeadLayerSpec, Task } from '../../src/core/recipe/schema';

export const DEFAULTS = {
  task: 'single-label' as Task,
  validationSplit: 0.2,
  maxSkipped: 0.1,
  epochs: 10,
  batchSize: 32,
  optimizer: 'adam' as const,
  learningRate: 1e-3,
  seed: 42,
  backend: 'auto' as const,
  fineTuneLearningRateFactor: 0.01,
  patience: 3,
};

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'tanh', 'sigmoid', 'softmax', 'softplus', 'hardSigmoid', 'leakyRelu'] as const;

export const HEAD_TYPES: { type: HeadLayerSpec['type']; description: string }[] = [
  { type: 'GlobalAveragePooling2D', description: 'Average each feature map to one value' },
  { type: 'GlobalMaxPooling2D', description: 'Keep the strongest response of each feature map' },
  { type: 'Flatten', description: 'Unroll the features into one vector' },
  { type: 'Dense', description: 'A fully connected layer' },
  { type: 'Dropout', description: 'Randomly drop inputs while training' },
  { type: 'BatchNormalization', description: 'Normalize the features' },
  { type: 'Activation', description: 'Apply a function element-wise' },
];

/** A new head layer of a type, with the fields its schema requires filled in. */
export function newHeadLayer(type: HeadLayerSpec['type']): HeadLayerSpec {
  switch (type) {
    case 'Dense': return { type, units: 128, activation: 'relu' };
    case 'Dropout': return { type, rate: 0.2 };
    case 'Activation': return { type, activation: 'relu' };
    case 'BatchNormalization': return { type };
    default: return { type };
  }
}

/** The last layer's activation when none is given, by task (as the engine builds it). */
export function outputActivation(task: Task | undefined): string {
  return task === 'multi-label' ? 'sigmoid' : task === 'regression' ? 'linear' : 'softmax';
}

/**
 * What HeadLayerSchema requires of one layer, checked before a `setHead` is sent (the extension
 * drops a head that does not validate). Returns the field and the message of the first problem.
 */
export function headLayerProblem(l: HeadLayerSpec): { field: string; message: string } | undefined {
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  switch (l.type) {
    case 'Dense':
      if (l.units !== undefined && (!num(l.units) || !Number.isInteger(l.units))) return { field: 'units', message: 'expected a whole number' };
      if (l.units !== undefined && l.units < 1) return { field: 'units', message: 'expected at least 1 unit' };
      if (l.l2 !== undefined && (!num(l.l2) || l.l2 < 0)) return { field: 'l2', message: 'expected a number ≥ 0' };
      return undefined;
    case 'Dropout':
      if (l.rate === undefined) return { field: 'rate', message: 'a dropout rate is required' };
      if (!num(l.rate) || l.rate < 0) return { field: 'rate', message: 'expected a rate ≥ 0' };
      if (l.rate > 0.99) return { field: 'rate', message: 'expected a rate below 1' };
      return undefined;
    case 'BatchNormalization':
      if (l.momentum !== undefined && (!num(l.momentum) || l.momentum < 0 || l.momentum > 1)) return { field: 'momentum', message: 'expected a momentum between 0 and 1' };
      if (l.epsilon !== undefined && (!num(l.epsilon) || l.epsilon <= 0)) return { field: 'epsilon', message: 'expected an epsilon > 0' };
      return undefined;
    case 'Activation':
      if (!(ACTIVATIONS as readonly string[]).includes(l.activation)) return { field: 'activation', message: 'choose an activation' };
      return undefined;
    default:
      return undefined;
  }
}
