/**
 * Per-feature standardisation of the head's input, as a layer of the adapted model: a frozen
 * BatchNormalization whose moving mean and variance are the training split's feature statistics
 * (the variance shrunk towards the mean variance: train/standardize.ts; gamma 1, beta 0).
 * Frozen BatchNorm runs in inference mode (frozenBatchNorm.ts), so during training and in the saved model.json it computes (x − mean) / √(var + ε): the saved model takes
 * the same input as the source and predicts what the run predicted, in any engine that reads
 * TF.js or Keras models.
 */
import * as tf from '@tensorflow/tfjs';
export { STANDARDIZE_LAYER, standardizeIndex } from '../../../core/recipe/head';

/** Keras's BatchNormalization default; keeps near-constant features from being blown up. */
const EPSILON = 1e-3;

export function standardizerLayer(name: string): tf.layers.Layer {
  const layer = tf.layers.batchNormalization({ name, epsilon: EPSILON, momentum: 0.99 });
  layer.trainable = false;
  return layer;
}

/** Sets the statistics (mean, population variance per feature) into the standardiser. */
export function setStandardizer(layer: tf.layers.Layer, mean: Float32Array, variance: Float32Array): void {
  const n = mean.length;
  const [gamma, beta, movingMean, movingVar] = layer.getWeights();
  if (!gamma || !beta || !movingMean || !movingVar || movingMean.shape[0] !== n) {
    throw new Error(`${layer.name}: expected ${n} features, the layer has ${movingMean?.shape[0]}`);
  }
  const values = [tf.ones([n]), tf.zeros([n]), tf.tensor1d(mean), tf.tensor1d(variance)];
  layer.setWeights(values);
  tf.dispose(values);
}

/** Running per-feature sums in float64 (features of thousands of images in float32 lose digits). */
export class FeatureMoments {
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  count = 0;

  constructor(readonly size: number) {
    this.sum = new Float64Array(size);
    this.sumSq = new Float64Array(size);
  }

  /** Adds `rows` feature vectors laid out row after row. */
  add(values: Float32Array, rows: number): void {
    const { size, sum, sumSq } = this;
    for (let r = 0; r < rows; r++) {
      const o = r * size;
      for (let j = 0; j < size; j++) { const v = values[o + j]!; sum[j] += v; sumSq[j] += v * v; }
    }
    this.count += rows;
  }

  result(): { mean: Float32Array; variance: Float32Array } {
    const mean = new Float32Array(this.size);
    const variance = new Float32Array(this.size);
    const n = Math.max(1, this.count);
    for (let j = 0; j < this.size; j++) {
      const m = this.sum[j]! / n;
      mean[j] = m;
      variance[j] = Math.max(0, this.sumSq[j]! / n - m * m);
    }
    return { mean, variance };
  }
}
