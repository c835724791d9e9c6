/**
 * AdaBN (Li et al., "Revisiting Batch Normalization for Practical Domain Adaptation", 2016): the
 * weights stay, every BatchNormalization layer's moving mean and variance are re-estimated on
 * the target images (no labels), so each layer normalises the new domain's activations as it
 * normalised the source's. The base's BatchNorm layers by a streaming running mean over batches
 * (surgery/batchNormStats.ts), then the head's standardiser (itself a BatchNorm) on the target
 * features with the shrinkage the run fitted it with, then any BatchNorm of the head behind it.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import { FeatureMoments, setStandardizer } from '../surgery/standardize';
import type { AdaptedModel } from '../adapt';
import { reestimateBatchNorm } from '../surgery/batchNormStats';
import { allLayers } from '../surgery/layers';
import { shrunkVariance } from '../train/standardize';

const isBatchNorm = (l: tf.layers.Layer): boolean => l.getClassName() === 'BatchNormalization';

export async function adaBN(adapted: AdaptedModel, model: tf.LayersModel, targetBatches: () => AsyncIterable<tf.Tensor>, file?: string): Promise<{ base: number; head: number; standardizer: boolean; batches: number }> {
  const baseBNs = allLayers(adapted.base).filter(isBatchNorm);
  if (baseBNs.length === 0) {
    throw new UserError('AdaBN re-estimates BatchNormalization statistics, but the base has no BatchNormalization layer', { file, jsonPath: '/domain/method', hint: 'use "method": "coral", which aligns the features themselves' });
  }
  const base = await reestimateBatchNorm(adapted.base, targetBatches());
  let standardizer = false;
  if (adapted.standardizer) {
    // the standardiser's input: the base's (now target-normalised) output through the layers in front of it
    let moments: FeatureMoments | undefined;
    for await (const x of targetBatches()) {
      const v = tf.tidy(() => {
        let t = adapted.base.apply(x, { training: false }) as tf.Tensor;
        for (const l of adapted.beforeStandardizer) t = l.apply(t) as tf.Tensor;
        return t;
      });
      x.dispose();
      moments ??= new FeatureMoments(v.size / v.shape[0]!);
      moments.add((await v.data()) as Float32Array, v.shape[0]!);
      v.dispose();
    }
    if (moments) {
      const { mean, variance } = moments.result();
      setStandardizer(adapted.standardizer, mean, shrunkVariance(variance));
      standardizer = true;
    }
  }
  const headBNs = new Set(adapted.head.layers.filter((l) => isBatchNorm(l) && l !== adapted.standardizer));
  const head = headBNs.size ? (await reestimateBatchNorm(model, targetBatches(), (l) => headBNs.has(l))).layers : 0;
  return { base: base.layers, head, standardizer, batches: base.batches };
}
