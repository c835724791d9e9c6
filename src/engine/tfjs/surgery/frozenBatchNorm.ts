/**
 * Frozen means frozen (Keras semantics): a BatchNormalization layer whose `trainable` is false runs
 * in inference mode, so its moving mean/variance never change. TF.js's BatchNormalization ignores
 * `trainable` and updates its moving statistics whenever it is called with `training: true`, so we
 * override `call` on each BN instance to drop the flag while the layer is frozen. The check happens
 * at call time: unfreezing a layer later (two-phase fine-tuning) restores normal behaviour.
 */
import type * as tf from '@tensorflow/tfjs';
import { allLayers, wrapCall } from './layers';

const PATCHED = Symbol.for('transfer-studio.frozenBatchNorm');

export function keepFrozenBatchNormInInference(model: tf.LayersModel): number {
  let patched = 0;
  for (const layer of allLayers(model)) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    if (wrapCall(layer, PATCHED, (original) => (inputs, kwargs) => original(inputs, layer.trainable ? kwargs : { ...kwargs, training: false }))) patched++;
  }
  return patched;
}
