/**
 * Re-estimating BatchNormalization statistics from data, weights untouched ("precise BN"; on
 * data of a new domain it is AdaBN). The moving mean and variance become the average over the
 * batches run through the model in training mode — momentum i/(i+1) on the i-th batch turns
 * TF.js's moving average into a running mean. A network trained from scratch for a few dozen
 * steps has moving statistics that still lag its weights; evaluated with them it scores at chance.
 */
import * as tf from '@tensorflow/tfjs';
import { allLayers } from './layers';

type WithMomentum = tf.layers.Layer & { momentum: number };

export async function reestimateBatchNorm(model: tf.LayersModel, batches: AsyncIterable<tf.Tensor>, which?: (layer: tf.layers.Layer) => boolean): Promise<{ layers: number; batches: number }> {
  const bns = allLayers(model).filter((l) => l.getClassName() === 'BatchNormalization' && (which ? which(l) : true)) as WithMomentum[];
  const saved = bns.map((l) => ({ momentum: l.momentum, trainable: l.trainable }));
  let i = 0;
  try {
    for (const l of bns) l.trainable = true; // a frozen BN runs in inference mode (frozenBatchNorm.ts): let it update here
    for await (const x of batches) {
      for (const l of bns) l.momentum = i / (i + 1);
      tf.tidy(() => { model.apply(x, { training: true }); });
      x.dispose();
      i++;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    bns.forEach((l, j) => { l.momentum = saved[j]!.momentum; l.trainable = saved[j]!.trainable; });
  }
  return { layers: bns.length, batches: i };
}
