/**
 * The from-scratch baseline: a copy of the adapted architecture with fresh random weights, every
 * layer trainable. Its BatchNorm momentum is 0.9 instead of the pre-trained model's (often
 * 0.999): with a short run from scratch the moving statistics would otherwise still be near their
 * initial values when the model is evaluated, and it would score at chance for a reason unrelated
 * to transfer. Random initializers are seeded from the run's seed, so the baseline repeats too.
 */
import * as tf from '@tensorflow/tfjs';
import { freshDropoutMasks } from '../surgery/dropout';
import { leafLayers } from '../surgery/layers';

const RANDOM_INITIALIZERS = /^(GlorotUniform|GlorotNormal|HeUniform|HeNormal|LeCunUniform|LeCunNormal|RandomUniform|RandomNormal|TruncatedNormal|VarianceScaling|Orthogonal)$/;

export async function scratchModel(model: tf.LayersModel, seed: number): Promise<tf.LayersModel> {
  let draws = 0;
  const topology = JSON.parse(JSON.stringify(model.toJSON(null, false)), (_key, value: unknown) => {
    const v = value as { class_name?: string; config?: Record<string, unknown> } | null;
    if (v && typeof v === 'object' && v.class_name === 'BatchNormalization') return { ...v, config: { ...v.config, momentum: 0.9 } };
    if (v && typeof v === 'object' && v.class_name && RANDOM_INITIALIZERS.test(v.class_name) && v.config && 'seed' in v.config) return { ...v, config: { ...v.config, seed: seed * 1000 + draws++ } };
    return value;
  }) as Record<string, unknown>;
  const m = await tf.models.modelFromJSON({ modelTopology: topology as never } as never);
  for (const l of leafLayers(m)) l.trainable = true;
  freshDropoutMasks(leafLayers(m)); // its Dropout layers are new: a new mask every step, as in the run
  return m;
}
