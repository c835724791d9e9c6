/**
 * Frozen means frozen (Keras semantics): a BatchNormalization layer whose `trainable` is false runs
 * in inference mode, so its moving mean/variance never change. TF.js's BatchNormalization ignores
 * `trainable` and updates its moving statistics whenever it is called with `training: true`, so we
 * override `call` on each BN instance to drop the flag while the layer is frozen. The check happens
 * at call time: unfreezing a layer later (two-phase fine-tuning) restores normal behaviour.
 */
import type * as tf from '@tensorflow/tfjs';
import { allLayers } from './layers';

const PATCHED = Symbol.for('transfer-studio.frozenBatchNorm');

type Kwargs = Record<string, unknown>;
type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];
type Patchable = tf.layers.Layer & { [PATCHED]?: boolean; call: CallFn };

export function keepFrozenBatchNormInInference(model: tf.LayersModel): number {
  let patched = 0;
  for (const layer of allLayers(model) as Patchable[]) {
    if (layer.getClassName() !== 'BatchNormalization' || layer[PATCHED]) continue;
    const original = layer.call.bind(layer);
    layer.call = function (this: Patchable, inputs, kwargs) {
      return original(inputs, this.trainable ? kwargs : { ...kwargs, training: false });
    };
    layer[PATCHED] = true;
    patched++;
  }
  return patched;
}
