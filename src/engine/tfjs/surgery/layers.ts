/** Walking a LayersModel's layers, nested models included. */
import * as tf from '@tensorflow/tfjs';

export function isContainer(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** Leaf layers in execution order (nested models expanded), InputLayers excluded. */
export function leafLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (isContainer(layer)) out.push(...leafLayers(layer));
    else if (layer.getClassName() !== 'InputLayer') out.push(layer);
  }
  return out;
}

/** Every layer, containers and leaves, depth-first. */
export function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    out.push(layer);
    if (isContainer(layer)) out.push(...allLayers(layer));
  }
  return out;
}

/** The chain of names from the top-level layer down to `name`, or undefined. */
export function pathTo(model: tf.LayersModel, name: string): tf.layers.Layer[] | undefined {
  for (const layer of model.layers) {
    if (layer.name === name) return [layer];
    if (isContainer(layer)) {
      const inner = pathTo(layer, name);
      if (inner) return [layer, ...inner];
    }
  }
  return undefined;
}

export function hasWeights(layer: tf.layers.Layer): boolean {
  return layer.weights.length > 0;
}

/** Leaves below a layer (itself when it is a leaf). */
export function leavesOf(layer: tf.layers.Layer): tf.layers.Layer[] {
  return isContainer(layer) ? leafLayers(layer) : [layer];
}

/** A layer's `call`, as the graph executor invokes it. */
export type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> | undefined) => tf.Tensor | tf.Tensor[];

/**
 * Replaces `layer.call` with `make(original)`, once per `tag` (frozen BatchNorm, dropout masks,
 * fusion each wrap the same layer at most once). Returns false when it was already wrapped.
 */
export function wrapCall(layer: tf.layers.Layer, tag: symbol, make: (original: LayerCall) => LayerCall): boolean {
  const l = layer as tf.layers.Layer & { call: LayerCall; [tag: symbol]: unknown };
  if (l[tag]) return false;
  l.call = make(l.call.bind(l));
  l[tag] = true;
  return true;
}
