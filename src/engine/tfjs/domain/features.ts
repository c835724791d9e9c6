/**
 * Feature vectors as the head sees them — the base's output through the head's frozen front
 * (pooling, the standardiser) — for image batches of either domain: what CORAL aligns, what the
 * domain gap is measured on and what the 2-D projection shows.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { Rows } from '../../../core/domain/linalg';
import type { AdaptedModel } from '../adapt';
import type { Dataset, Example } from '../data/types';
import { withFusedInference } from '../inference/fuse';
import { frozenFront } from '../train/front';

/** The head's leading layers that neither train nor draw random numbers (train/front.ts), and the size of their output. */
export function headFront(adapted: AdaptedModel, file?: string): { layers: tf.layers.Layer[]; d: number } {
  const layers = frozenFront(adapted.head);
  let shape: (number | null)[] = [null, ...adapted.featureShape];
  for (const l of layers) shape = l.computeOutputShape(shape) as (number | null)[];
  if (shape.length !== 2) {
    throw new UserError(`domain adaptation aligns feature vectors, but the head's input after its pooling is [${shape.slice(1).join(', ')}]`, {
      file, jsonPath: '/head', hint: 'start the head with GlobalAveragePooling2D (or Flatten), or cut at a pooled layer',
    });
  }
  return { layers, d: shape[1]! };
}

/** Pixel batches of labelled examples (no augmentation), in order. */
export async function* exampleBatches(dataset: Dataset, examples: Example[], batchSize: number): AsyncGenerator<tf.Tensor4D> {
  const { height, width, channels } = dataset.image;
  const per = height * width * channels;
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const pixels = new Float32Array(chunk.length * per);
    await Promise.all(chunk.map((e, j) => dataset.loadInto(e, pixels, j * per)));
    yield tf.tensor4d(pixels, [chunk.length, height, width, channels]);
  }
}

/** The head's input for every image of `batches`, with the base's current weights and statistics (fused inference). */
export async function headInputs(adapted: AdaptedModel, front: tf.layers.Layer[], d: number, batches: AsyncIterable<tf.Tensor>): Promise<Rows> {
  const parts: Float32Array[] = [];
  let n = 0;
  await withFusedInference(adapted.base, async (predict) => {
    for await (const x of batches) {
      const y = tf.tidy(() => {
        let t = predict(x);
        for (const l of front) t = l.apply(t, { training: false }) as tf.Tensor;
        return t;
      });
      x.dispose();
      parts.push((await y.data()) as Float32Array);
      n += y.shape[0]!;
      y.dispose();
    }
  });
  const data = new Float64Array(n * d);
  let off = 0;
  for (const p of parts) { data.set(p, off); off += p.length; }
  return { n, d, data };
}

export function concatRows(...sets: Rows[]): Rows {
  const d = sets[0]!.d;
  const n = sets.reduce((a, s) => a + s.n, 0);
  const data = new Float64Array(n * d);
  let off = 0;
  for (const s of sets) { data.set(s.data, off); off += s.data.length; }
  return { n, d, data };
}

/** Rows `picked` (indices) of a set. */
export function pickRows(x: Rows, picked: number[]): Rows {
  const data = new Float64Array(picked.length * x.d);
  picked.forEach((r, i) => data.set(x.data.subarray(r * x.d, (r + 1) * x.d), i * x.d));
  return { n: picked.length, d: x.d, data };
}
