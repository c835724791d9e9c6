/**
 * Weights from Keras files, per layer and in the order the layer declares them (kernel, bias;
 * gamma, beta, moving mean, moving variance; …), which is also TF.js's order.
 *  - Keras 2 / tf.keras .h5: model_weights/<layer>/ with a `weight_names` attribute per layer;
 *    nested models keep their inner layers' weights under the nested model's group.
 *  - Keras 3 .weights.h5: layers/<layer>/vars/0..n, nested models under layers/<model>/layers/….
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import { attrStrings, isGroup, type H5Dataset, type H5File, type H5Group } from './h5';

export interface StoredWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Weights by layer name. Keras 2 stores a layer's weights in a group named after the layer, but the
 *  weight names inside may carry another scope (Keras 2.0 writes "conv2d_1_1/kernel:0" for layer
 *  "conv2d_1"); a nested model's group holds its inner layers' weights, found by that prefix. */
export type WeightStore = Map<string, StoredWeight[]>;

function read(ds: H5Dataset, name: string): StoredWeight {
  const v = ds.value as ArrayLike<number>;
  return { name, shape: [...(ds.shape ?? [])] as number[], values: v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>) };
}

function push(store: WeightStore, layer: string, w: StoredWeight): void {
  if (!store.has(layer)) store.set(layer, []);
  store.get(layer)!.push(w);
}

export function readKeras2Weights(f: H5File, file: string): WeightStore {
  const root = (f.keys().includes('model_weights') ? f.get('model_weights') : f) as H5Group;
  const layerNames = attrStrings(root, 'layer_names');
  if (layerNames.length === 0) throw new UserError('the HDF5 file lists no layer weights (no "layer_names")', { file });
  const byGroup: WeightStore = new Map();
  const byPrefix: WeightStore = new Map();
  for (const layerName of layerNames) {
    const g = root.get(layerName) as H5Group | null;
    if (!g) continue;
    for (const wn of attrStrings(g, 'weight_names')) {
      const ds = g.get(wn) as H5Dataset | null;
      if (!ds) throw new UserError(`weight "${wn}" of layer "${layerName}" is listed but missing`, { file });
      const w = read(ds, wn);
      push(byGroup, layerName, w);
      const parts = wn.split('/');
      if (parts.length >= 2) push(byPrefix, parts[parts.length - 2]!, w);
    }
  }
  // a layer's own group first; inner layers of nested models by their prefix
  const store: WeightStore = new Map(byPrefix);
  for (const [k, v] of byGroup) store.set(k, v);
  return store;
}

export function readKeras3Weights(f: H5File, file: string): WeightStore {
  const store: WeightStore = new Map();
  const ambiguous = new Set<string>();
  const walk = (g: H5Group, prefix: string, layerPath: string): void => {
    for (const name of g.keys()) {
      const child = g.get(name);
      if (!isGroup(child)) continue;
      const keys = child.keys();
      const key = layerPath ? `${layerPath}/${name}` : name;
      if (keys.includes('vars')) {
        const vars = child.get('vars') as H5Group;
        const list = vars.keys().sort((a, b) => Number(a) - Number(b)).map((k) => read(vars.get(k) as H5Dataset, `${prefix}${name}/vars/${k}`));
        if (list.length > 0) {
          store.set(key, list);
          // inner layers of nested models are found by their own name too, unless two share it
          if (key !== name) {
            if (store.has(name) || ambiguous.has(name)) { ambiguous.add(name); store.delete(name); } else store.set(name, list);
          }
        }
      }
      if (keys.includes('layers')) walk(child.get('layers') as H5Group, `${prefix}${name}/layers/`, key);
    }
  };
  if (!f.keys().includes('layers')) throw new UserError('model.weights.h5 has no "layers" group: not Keras 3 weights', { file });
  walk(f.get('layers') as H5Group, 'layers/', '');
  return store;
}

/** Layers that hold weights, with their path through nested models ("base/conv1"). */
function leavesWithWeights(model: tf.LayersModel, prefix = ''): { layer: tf.layers.Layer; path: string }[] {
  const out: { layer: tf.layers.Layer; path: string }[] = [];
  for (const l of model.layers) {
    if (l instanceof tf.LayersModel) out.push(...leavesWithWeights(l, `${prefix}${l.name}/`));
    else if (l.weights.length > 0) out.push({ layer: l, path: `${prefix}${l.name}` });
  }
  return out;
}

/** Set every layer's weights from the store, checking counts and shapes. */
export function assignWeights(model: tf.LayersModel, store: WeightStore, file: string): void {
  for (const { layer, path } of leavesWithWeights(model)) {
    const stored = store.get(path) ?? store.get(layer.name);
    if (!stored) throw new UserError(`the file has no weights for layer "${path}"`, { file });
    const expected = layer.weights;
    if (stored.length !== expected.length) {
      throw new UserError(`layer "${path}": the file holds ${stored.length} weights, the architecture needs ${expected.length}`, { file });
    }
    const tensors = stored.map((w, i) => {
      const shape = expected[i]!.shape as number[];
      if (w.shape.join(',') !== shape.join(',')) {
        throw new UserError(`layer "${path}" weight ${i} (${w.name}): shape [${w.shape.join(', ')}] in the file, [${shape.join(', ')}] in the architecture`, { file });
      }
      return tf.tensor(w.values, shape);
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}
