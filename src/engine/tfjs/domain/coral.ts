/**
 * CORAL in the model: the map from core/domain/coral.ts (target features onto the source's mean
 * and covariance) becomes one frozen Dense layer between the head's frozen front and the layers
 * that trained, so the saved model takes target images as they come and nothing else changes.
 */
import * as tf from '@tensorflow/tfjs';
import type { CoralMap } from '../../../core/domain/coral';
import type { AdaptedModel } from '../adapt';
import { allLayers } from '../surgery/layers';

export const CORAL_LAYER = 'domain_coral';

/** The adapted model with the CORAL layer after `front` (the head's frozen leading layers). */
export function withCoralLayer(adapted: AdaptedModel, front: tf.layers.Layer[], map: CoralMap): tf.LayersModel {
  const taken = new Set(allLayers(adapted.model).map((l) => l.name));
  let name = CORAL_LAYER;
  for (let i = 2; taken.has(name); i++) name = `${CORAL_LAYER}_${i}`;
  const layer = tf.layers.dense({ units: map.d, useBias: true, name, trainable: false });
  const headLayers = adapted.head.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const at = front.length; // the front leads the head
  let x = adapted.base.outputs[0]!;
  headLayers.forEach((l, i) => {
    if (i === at) x = layer.apply(x) as tf.SymbolicTensor;
    x = l.apply(x) as tf.SymbolicTensor;
  });
  if (at >= headLayers.length) x = layer.apply(x) as tf.SymbolicTensor;
  const kernel = tf.tensor2d(Float32Array.from(map.kernel), [map.d, map.d]);
  const bias = tf.tensor1d(Float32Array.from(map.bias));
  layer.setWeights([kernel, bias]);
  tf.dispose([kernel, bias]);
  return tf.model({ inputs: adapted.base.inputs, outputs: x, name: adapted.model.name });
}
