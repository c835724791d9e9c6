/**
 * Running a LayersModel's top-level graph with an explicit `training` flag, as `model.fit` does
 * internally. `model.apply(x, {training: true})` does not pass the flag on to the layers inside a
 * functional model, so Dropout and (unfrozen) BatchNormalization would stay in inference mode in a
 * custom training loop without this. Nested models still run in inference mode, exactly as in
 * TF.js's own fit().
 */
import type * as tf from '@tensorflow/tfjs';

interface Symbolic {
  id: number;
  sourceLayer: tf.layers.Layer;
  inputs: Symbolic[];
  callArgs?: Record<string, unknown>;
  outputTensorIndex?: number;
  nodeIndex: number;
}

const order = new WeakMap<tf.LayersModel, Symbolic[]>();

function topologicalOrder(model: tf.LayersModel): Symbolic[] {
  let sorted = order.get(model);
  if (sorted) return sorted;
  sorted = [];
  const seen = new Set<number>();
  const visit = (t: Symbolic): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const i of t.inputs) visit(i);
    sorted!.push(t);
  };
  for (const out of model.outputs as unknown as Symbolic[]) visit(out);
  order.set(model, sorted);
  return sorted;
}

/** Forward pass of `model` on `x` with `training` passed to every top-level layer. */
export function callModel(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const values = new Map<number, tf.Tensor>();
  const inputIds = new Set((model.inputs as unknown as Symbolic[]).map((i) => i.id));
  values.set((model.inputs[0] as unknown as Symbolic).id, x);
  // every output of one layer call is computed together; remember calls by (layer, node)
  const calls = new Map<string, tf.Tensor[]>();
  for (const t of topologicalOrder(model)) {
    if (values.has(t.id) || inputIds.has(t.id)) continue;
    const key = `${t.sourceLayer.name}#${t.nodeIndex}`;
    let outs = calls.get(key);
    if (!outs) {
      const ins = t.inputs.map((i) => values.get(i.id)!);
      const result = t.sourceLayer.apply(ins.length === 1 ? ins[0]! : ins, { ...(t.callArgs ?? {}), training }) as tf.Tensor | tf.Tensor[];
      outs = Array.isArray(result) ? result : [result];
      calls.set(key, outs);
    }
    values.set(t.id, outs[t.outputTensorIndex ?? 0]!);
  }
  return values.get((model.outputs[0] as unknown as Symbolic).id)!;
}
