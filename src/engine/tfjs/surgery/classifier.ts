/** Finding the old classifier, so the default cut sits just below it. */
import type * as tf from '@tensorflow/tfjs';
import { isContainer, leafLayers } from './layers';

/** Layers that only reshape or finish a classifier's output (walked past from the end). */
const AFTER_CLASSIFIER = new Set(['Activation', 'Softmax', 'Reshape', 'Dropout', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'ReLU']);
/** Layers that only feed a classifier (dropped together with it). */
const BEFORE_CLASSIFIER = new Set(['Dropout', 'Reshape']);
const CLASSIFIERS = new Set(['Dense', 'Conv2D']);

function soleInbound(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const node = layer.inboundNodes[layer.inboundNodes.length - 1];
  if (!node || node.inboundLayers.length !== 1) return undefined;
  return node.inboundLayers[0];
}

function lastLeaf(layer: tf.layers.Layer): tf.layers.Layer {
  return isContainer(layer) && layer.layers.length > 0 ? lastLeaf(layer.layers.at(-1)!) : layer;
}

function isClassifier(layer: tf.layers.Layer): boolean {
  if (CLASSIFIERS.has(layer.getClassName())) return true;
  // a nested model ending in a Dense (Teachable Machine's head is a Sequential of Dense layers)
  if (isContainer(layer)) {
    const leaves = leafLayers(layer);
    return leaves.length > 0 && leaves.every((l) => ['Dense', 'Dropout', 'Activation', 'BatchNormalization', 'Flatten'].includes(l.getClassName()));
  }
  return false;
}

/**
 * The layer whose output fed the old classifier: walk back from the output past activations and
 * reshapes to the last Dense / 1×1-or-k×k Conv2D (or nested all-Dense model), then past the
 * Dropout/Reshape feeding it. Undefined when the graph branches there or has no classifier.
 */
export function defaultCutLayer(model: tf.LayersModel): string | undefined {
  let layer: tf.layers.Layer | undefined = model.layers.at(-1);
  while (layer && !isClassifier(layer)) {
    if (!AFTER_CLASSIFIER.has(layer.getClassName())) return undefined;
    layer = soleInbound(layer);
  }
  if (!layer) return undefined;
  let below = soleInbound(layer);
  while (below && BEFORE_CLASSIFIER.has(below.getClassName())) below = soleInbound(below);
  if (!below || below.getClassName() === 'InputLayer') return undefined;
  // name the top-level nested model when the cut is its last layer: that is what the tree shows
  const owner = model.layers.find((l) => isContainer(l) && lastLeaf(l) === below);
  return (owner ?? below).name;
}
