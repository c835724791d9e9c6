/**
 * Keras model configs (Keras 1/2 and tf.keras in .h5, Keras 3 in .keras) → the Keras-2-style JSON
 * topology TF.js deserializes. Keras 3 wraps everything in {module, class_name, config,
 * registered_name}, keeps dtype policies as objects and writes inbound nodes as call arguments; all
 * of that is rewritten here. Per-layer fixes live in ./layers (one file per layer family); layers
 * TF.js cannot build are refused with their name and class; random augmentation layers, which do
 * nothing outside training, are taken out of the graph.
 */
import { UserError } from '../../../core/errors';
import { LAYER_FIXERS, layerName, tfjsActivation, tfjsDtype, type KerasLayer } from './layers';
import { fixObjects, tfjsKnows } from './objects';

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);
const WRAPPER_KEYS = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);

type Json = Record<string, unknown>;
const NO_MODELS: ReadonlySet<string> = new Set();
/** A reference to a layer's output: [layer, node index, tensor index, call kwargs]. */
type Ref = [string, number, number, Json?];

/** A layer (or a nested model left empty) that is the identity at inference. */
interface Dropped {
  dropped: true;
  name: string;
  /** Its inbound nodes in Keras 2 form: the one input of each call. */
  inbound: Ref[][];
  /** 1 for a nested model, whose node 0 links its own inputs to its outputs (Keras 2, TF.js). */
  nodeOffset: number;
  /** Its input shape, when it was the first layer of a Sequential model. */
  batchInputShape?: unknown;
}

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function isDropped(v: KerasLayer | Json | Dropped): v is Dropped {
  return (v as Dropped).dropped === true;
}

/** Remove Keras 3 wrapper keys; dtype policies become their dtype name. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (!isObject(v)) return v;
  if (typeof v.class_name === 'string' && /(^|DType)Policy$/.test(v.class_name)) return (v.config as Json | undefined)?.name ?? 'float32';
  const out: Json = {};
  for (const [k, val] of Object.entries(v)) if (!WRAPPER_KEYS.has(k)) out[k] = unwrap(val);
  return out;
}

function isKerasTensor(a: unknown): a is Json {
  return isObject(a) && a.class_name === '__keras_tensor__';
}

function hasTensor(x: unknown): boolean {
  return Array.isArray(x) ? x.some(hasTensor) : isKerasTensor(x);
}

/**
 * Keras 3 call arguments → Keras 2 inbound node lists: [[layer, nodeIndex, tensorIndex, kwargs], …].
 * Keras 3 counts a nested model's calls from 0; Keras 2 and TF.js give every model a node 0 of its
 * own (inputs → outputs), so references to the nested models in `models` move up by one.
 */
function convertInbound(nodes: unknown, models: ReadonlySet<string>): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((node) => {
    if (Array.isArray(node) || !isObject(node)) return node; // already Keras 1/2
    const tensors: [string, number, number][] = [];
    const collect = (a: unknown): void => {
      if (Array.isArray(a)) a.forEach(collect);
      else if (isKerasTensor(a)) {
        const h = (a.config as Json).keras_history as [string, number, number];
        tensors.push([h[0], h[1] + (models.has(h[0]) ? 1 : 0), h[2]]);
      }
    };
    collect(node.args);
    const kwargs: Json = {};
    for (const [k, v] of Object.entries((node.kwargs as Json | undefined) ?? {})) {
      if (!hasTensor(v) && k !== 'mask' && v !== null) kwargs[k] = v;
    }
    return tensors.map((t) => [...t, kwargs]);
  });
}

function normalizeEndpoints(v: unknown): unknown {
  return Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
}

function inputShapeOf(config: Json | undefined): unknown {
  return config?.batch_input_shape ?? config?.batch_shape ?? (Array.isArray(config?.shape) ? [null, ...(config.shape as unknown[])] : undefined);
}

/** Fixes every layer needs: dtype, activation name, initializers/regularizers/constraints. */
function fixCommon(l: KerasLayer, file: string): void {
  const c = l.config;
  if (c.input_dtype !== undefined) {
    c.dtype ??= c.input_dtype; // Keras 1
    delete c.input_dtype;
  }
  if (typeof c.dtype === 'string' && /^(int8|int4|float8)_from_/.test(c.dtype)) {
    throw new UserError(`layer "${layerName(l)}" (${l.class_name}) is quantized (${c.dtype}), which TF.js cannot load`, { file, hint: 'save the model before quantizing it' });
  }
  if (c.dtype !== undefined) c.dtype = tfjsDtype(c.dtype);
  if (c.activation !== undefined && c.activation !== null) {
    const a = typeof c.activation === 'string' ? tfjsActivation(c.activation) : undefined;
    if (!a) {
      const what = typeof c.activation === 'string' ? `the activation "${c.activation}"` : 'a custom activation function';
      throw new UserError(`layer "${layerName(l)}" (${l.class_name}) uses ${what}, which TF.js does not have`, { file, hint: 'use a built-in activation (relu, swish, gelu, …) and save again' });
    }
    c.activation = a;
  }
  fixObjects(c);
}

function convertLayer(raw: Json, file: string, models: ReadonlySet<string>): KerasLayer | Dropped {
  const className = String(raw.class_name);
  const name = String((raw.config as Json | undefined)?.name ?? raw.name ?? '?');
  // a registered custom class from the user's own code
  const module = typeof raw.module === 'string' ? raw.module : undefined;
  if (raw.registered_name && module && !module.startsWith('keras')) {
    throw new UserError(`layer "${name}" is a custom class (${String(raw.registered_name)}) that TF.js cannot build`, { file, hint: 'rebuild it from built-in layers, or cut the model below it' });
  }
  if (MODEL_CLASSES.has(className)) return convertModel(raw, file, models) as KerasLayer | Dropped;
  const layer = unwrap(raw) as KerasLayer;
  layer.config = { ...(layer.config ?? {}) };
  if (layer.inbound_nodes !== undefined) layer.inbound_nodes = convertInbound(raw.inbound_nodes, models);
  const fix = LAYER_FIXERS[className];
  const fixed = fix ? fix(layer, { file }) : layer;
  if (fixed === null) return { dropped: true, name, inbound: (layer.inbound_nodes as Ref[][] | undefined) ?? [], nodeOffset: 0, batchInputShape: inputShapeOf(layer.config) };
  if (!tfjsKnows(fixed.class_name)) {
    throw new UserError(`layer "${name}" is a ${className} layer, which TF.js cannot build`, {
      file,
      hint: 'custom and Lambda layers need their Python code; replace the layer with built-in ones or cut the model below it',
    });
  }
  fixCommon(fixed, file);
  return fixed;
}

/** Sequential: drop identity layers, keeping the input shape; Keras ignores input shapes after the first layer. */
function convertSequential(rawLayers: Json[], file: string): { layers: (KerasLayer | Json)[]; inputShape?: unknown } {
  const layers: (KerasLayer | Json)[] = [];
  let pendingShape: unknown;
  for (const raw of rawLayers) {
    const l = convertLayer(raw, file, NO_MODELS);
    if (isDropped(l)) {
      if (layers.length === 0) pendingShape ??= l.batchInputShape;
      continue;
    }
    const config = l.config as Json;
    if (layers.length === 0 && pendingShape !== undefined && (Array.isArray(config) || config.batch_input_shape === undefined)) {
      if (l.class_name === 'InputLayer') config.batch_input_shape = pendingShape;
      else layers.push({ class_name: 'InputLayer', config: { name: `${String(config.name)}_input`, batch_input_shape: pendingShape, dtype: 'float32' } });
    }
    if (layers.length > 0 && l.class_name !== 'InputLayer' && !Array.isArray(config)) {
      delete config.batch_input_shape;
      delete config.input_shape;
      if (l.class_name !== 'Embedding') delete config.input_dim; // Keras 1 Dense(input_dim=…); Embedding's is its vocabulary
    }
    layers.push(l);
  }
  // Keras lists no InputLayer in a Sequential model (Keras 3 saves one): its shape goes on the first layer, as in TF.js
  const [first, second] = layers;
  if (first?.class_name === 'InputLayer' && second && !MODEL_CLASSES.has(String(second.class_name)) && !Array.isArray(second.config)) {
    const input = first.config as Json;
    const config = second.config as Json;
    config.batch_input_shape ??= input.batch_input_shape;
    if (input.dtype !== undefined) config.dtype ??= input.dtype;
    layers.shift();
  }
  return { layers, inputShape: pendingShape };
}

/** Functional: take identity layers out and point their consumers at their inputs. */
function convertFunctional(rawLayers: Json[], file: string, endpoints: { inputs: unknown; outputs: unknown }): { layers: (KerasLayer | Json)[]; inputs: unknown; outputs: unknown } {
  const models = new Set(rawLayers.filter((l) => MODEL_CLASSES.has(String(l.class_name))).map((l) => String(l.name ?? (l.config as Json | undefined)?.name)));
  let { inputs, outputs } = endpoints;
  // Keras 3 counts a nested Functional's calls from 1 in input_layers/output_layers, but a nested Sequential's from 0
  const keras3 = rawLayers.some((l) => Array.isArray(l.inbound_nodes) && l.inbound_nodes.some(isObject));
  const sequentials = new Set(rawLayers.filter((l) => l.class_name === 'Sequential').map((l) => String(l.name ?? (l.config as Json | undefined)?.name)));
  if (keras3 && sequentials.size > 0) {
    const shift = (refs: unknown): unknown => (Array.isArray(refs) ? (refs as Ref[]).map((r) => (sequentials.has(r[0]) ? [r[0], r[1] + 1, r[2]] : r)) : refs);
    inputs = shift(inputs);
    outputs = shift(outputs);
  }
  const dropped = new Map<string, Dropped>();
  const kept: (KerasLayer | Json)[] = [];
  for (const raw of rawLayers) {
    const l = convertLayer(raw, file, models);
    if (isDropped(l)) dropped.set(l.name, l);
    else kept.push(l);
  }
  if (dropped.size === 0) return { layers: kept, inputs, outputs };
  const resolve = (ref: Ref): Ref => {
    for (let guard = 0; dropped.has(ref[0]) && guard < 10_000; guard++) {
      const d = dropped.get(ref[0])!;
      const src = d.inbound[ref[1] - d.nodeOffset]?.[0];
      if (!src) throw new UserError(`layer "${ref[0]}" has no input to pass through`, { file });
      ref = [src[0], src[1], src[2], ...(ref.length > 3 ? [ref[3]] : [])] as Ref;
    }
    return ref;
  };
  for (const l of kept) {
    if (Array.isArray(l.inbound_nodes)) l.inbound_nodes = (l.inbound_nodes as Ref[][]).map((node) => node.map(resolve));
  }
  return { layers: kept, inputs, outputs: Array.isArray(outputs) ? (outputs as Ref[]).map(resolve) : outputs };
}

function convertModel(raw: Json, file: string, outerModels: ReadonlySet<string> = NO_MODELS): Json | Dropped {
  const className = String(raw.class_name);
  const cfgRaw = raw.config;
  const name = String((isObject(cfgRaw) ? cfgRaw.name : undefined) ?? raw.name ?? '?');
  const inbound = raw.inbound_nodes !== undefined ? convertInbound(raw.inbound_nodes, outerModels) : undefined;
  let config: Json | (KerasLayer | Json)[];
  let empty: boolean;
  let inputShape: unknown;
  if (Array.isArray(cfgRaw)) {
    // Keras 1/2.0 Sequential: a bare list of layers
    const seq = convertSequential(cfgRaw as Json[], file);
    config = seq.layers;
    empty = !seq.layers.some((l) => l.class_name !== 'InputLayer');
    inputShape = seq.inputShape ?? inputShapeOf(seq.layers[0]?.config as Json | undefined);
  } else {
    const c = cfgRaw as Json;
    const rest = unwrap(Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'layers'))) as Json;
    const rawLayers = (c.layers as Json[] | undefined) ?? [];
    if (className === 'Sequential') {
      const seq = convertSequential(rawLayers, file);
      // a nested Sequential needs its input shape to be built (and linked) like Keras built it
      const first = seq.layers[0];
      const built = (raw.build_config as Json | undefined)?.input_shape;
      if (first && !Array.isArray(first.config) && first.class_name !== 'InputLayer' && (first.config as Json).batch_input_shape === undefined && Array.isArray(built)) {
        (first.config as Json).batch_input_shape = built;
      }
      config = { ...rest, layers: seq.layers };
      empty = !seq.layers.some((l) => l.class_name !== 'InputLayer');
      inputShape = seq.inputShape ?? inputShapeOf(seq.layers[0]?.config as Json | undefined);
    } else {
      const fn = convertFunctional(rawLayers, file, { inputs: normalizeEndpoints(c.input_layers), outputs: normalizeEndpoints(c.output_layers) });
      config = { ...rest, layers: fn.layers, ...(fn.inputs ? { input_layers: fn.inputs } : {}), ...(fn.outputs ? { output_layers: fn.outputs } : {}) };
      empty = !fn.layers.some((l) => l.class_name !== 'InputLayer');
    }
  }
  // a nested model of augmentation layers only (e.g. data_augmentation = Sequential([RandomFlip(), …]))
  if (empty) return { dropped: true, name, inbound: (inbound as Ref[][] | undefined) ?? [], nodeOffset: 1, batchInputShape: inputShape };
  const out: Json = { class_name: className === 'Functional' ? 'Model' : className, config };
  if (raw.name !== undefined) out.name = raw.name;
  if (inbound !== undefined) out.inbound_nodes = inbound;
  return out;
}

/** The model config of a Keras file → a TF.js `modelTopology`. */
export function toTfjsTopology(modelConfig: unknown, file: string): Json {
  if (!isObject(modelConfig) || typeof modelConfig.class_name !== 'string') {
    throw new UserError('the Keras model config has no class_name: not a saved Keras model', { file });
  }
  if (!MODEL_CLASSES.has(modelConfig.class_name)) {
    throw new UserError(`the file holds a "${modelConfig.class_name}", not a Sequential or functional model`, { file, hint: 'subclassed models cannot be rebuilt from their config; save a functional or Sequential model' });
  }
  const model = convertModel(modelConfig, file);
  if (isDropped(model)) throw new UserError('the model has no layers that work outside training (only random augmentation)', { file });
  return model;
}
