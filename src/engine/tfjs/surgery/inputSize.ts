/**
 * Rebuilding a convolutional model for another input size (what Keras's `input_shape=` does for
 * MobileNet): the layer configs get the new [height, width], the weights are copied unchanged.
 * Works when no weight depends on the spatial size (true up to a global pooling; false for a
 * Flatten → Dense stack, which gives a clear error).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';

function rewriteShapes(node: unknown, from: [number, number], to: [number, number]): void {
  if (Array.isArray(node)) {
    node.forEach((n) => rewriteShapes(n, from, to));
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  for (const key of ['batch_input_shape', 'batchInputShape', 'batch_shape']) {
    const s = o[key];
    if (Array.isArray(s) && s.length === 4 && s[1] === from[0] && s[2] === from[1]) o[key] = [s[0], to[0], to[1], s[3]];
  }
  for (const key of ['input_shape', 'inputShape']) {
    const s = o[key];
    if (Array.isArray(s) && s.length === 3 && s[0] === from[0] && s[1] === from[1]) o[key] = [to[0], to[1], s[2]];
  }
  Object.values(o).forEach((v) => rewriteShapes(v, from, to));
}

export async function withInputSize(model: tf.LayersModel, height: number, width: number, file?: string): Promise<tf.LayersModel> {
  const shape = model.inputs[0]!.shape;
  const from: [number, number] = [shape[1] as number, shape[2] as number];
  if (from[0] === height && from[1] === width) return model;
  const topology = JSON.parse(JSON.stringify(model.toJSON(null, false))) as Record<string, unknown>;
  rewriteShapes(topology, from, [height, width]);
  let rebuilt: tf.LayersModel;
  try {
    rebuilt = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelArtifacts["modelTopology"] } as never);
    rebuilt.setWeights(model.getWeights());
  } catch (e) {
    throw new UserError(`cannot run this model at ${height}×${width} (it was built for ${from[0]}×${from[1]}): ${(e as Error).message.split('\n')[0]}`, {
      file,
      jsonPath: '/data/imageSize',
      hint: 'layers after a Flatten depend on the input size; remove "imageSize" to use the model\'s own size',
    });
  }
  // keep the original trainable flags
  model.layers.forEach((l, i) => { if (rebuilt.layers[i]) rebuilt.layers[i]!.trainable = l.trainable; });
  return rebuilt;
}
