/** Finding a model's old classifier on its layer summaries, so the default cut sits just below it. */
import type { LayerSummary } from './modelSummary';

/** Layers that only finish or reshape a classifier's output (walked past from the end). */
const AFTER_CLASSIFIER = new Set(['Activation', 'Softmax', 'Reshape', 'Dropout', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'ReLU']);
/** Layers that only feed a classifier (dropped with it). */
const BEFORE_CLASSIFIER = new Set(['Dropout', 'Reshape']);
const CLASSIFIERS = new Set(['Dense', 'Conv2D']);
const HEAD_LIKE = new Set(['Dense', 'Dropout', 'Activation', 'BatchNormalization', 'Flatten']);

function leaves(l: LayerSummary): LayerSummary[] {
  return l.layers ? l.layers.flatMap(leaves).filter((x) => x.className !== 'InputLayer') : [l];
}

function isClassifier(l: LayerSummary): boolean {
  if (CLASSIFIERS.has(l.className)) return true;
  // a nested model made only of Dense-like layers (Teachable Machine's head)
  if (l.layers) {
    const ls = leaves(l);
    return ls.length > 0 && ls.every((x) => HEAD_LIKE.has(x.className));
  }
  return false;
}

/**
 * The layer whose output fed the old classifier: walk back from the output past activations,
 * reshapes and pooling to the last Dense / Conv2D (or nested all-Dense model), then past the
 * Dropout/Reshape feeding it. Undefined when the graph branches there or has no classifier.
 */
export function defaultCut(layers: LayerSummary[]): string | undefined {
  const byName = new Map(layers.map((l) => [l.name, l] as const));
  const feeder = (l: LayerSummary): LayerSummary | undefined => {
    if (l.inbound.length > 1) return undefined;
    if (l.inbound.length === 1) return byName.get(l.inbound[0]!);
    const i = layers.indexOf(l); // a Sequential's layers chain in order
    return i > 0 ? layers[i - 1] : undefined;
  };
  let layer: LayerSummary | undefined = layers.at(-1);
  while (layer && !isClassifier(layer)) {
    if (!AFTER_CLASSIFIER.has(layer.className)) return undefined;
    layer = feeder(layer);
  }
  if (!layer) return undefined;
  let below = feeder(layer);
  while (below && BEFORE_CLASSIFIER.has(below.className)) below = feeder(below);
  if (!below || below.className === 'InputLayer') return undefined;
  return below.name;
}
