/**
 * Keras model configs (Keras 2 / tf.keras in .h5, Keras 3 in .keras) → the JSON topology TF.js
 * deserializes. Keras 3 wraps everything in {module, class_name, config, registered_name}, keeps
 * dtype policies as objects and writes inbound nodes as call arguments; all of that is rewritten
 * here, and layers TF.js cannot build are refused with their name.
 */
import { UserError } from '../../../core/errors';
import { LAYER_FIXERS, type KerasLayer } from './layers';

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);
const WRAPPER_KEYS = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Remove Keras 3 wrapper keys; dtype policies become their dtype name. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (!isObject(v)) return v;
  if (v.class_name === 'DTypePolicy' || v.class_name === 'Policy') return (v.config as Json | undefined)?.name ?? 'float32';
  const out: Json = {};
  for (const [k, val] of Object.entries(v)) if (!WRAPPER_KEYS.has(k)) out[k] = unwrap(val);
  return out;
}

/** Keras 3 call arguments → Keras 2 inbound node lists: [[layer, nodeIndex, tensorIndex, kwargs], …]. */
function convertInbound(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((node) => {
    if (Array.isArray(node)) return node; // already Keras 2
    if (!isObject(node)) return node;
    const tensors: [string, number, number][] = [];
    const collect = (a: unknown): void => {
      if (Array.isArray(a)) a.forEach(collect);
      else if (isObject(a) && a.class_name === '__keras_tensor__') {
        const h = (a.config as Json).keras_history as [string, number, number];
        tensors.push([h[0], h[1], h[2]]);
      }
    };
    collect(node.args);
    const kwargs: Json = {};
    for (const [k, v] of Object.entries((node.kwargs as Json | undefined) ?? {})) {
      let hasTensor = false;
      const find = (x: unknown): void => { if (Array.isArray(x)) x.forEach(find); else if (isObject(x) && x.class_name === '__keras_tensor__') hasTensor = true; };
      find(v);
      if (!hasTensor && k !== 'mask') kwargs[k] = v;
    }
    return tensors.map((t) => [...t, kwargs]);
  });
}

function normalizeEndpoints(v: unknown): unknown {
  return Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
}

function convertLayer(raw: Json, file: string): KerasLayer {
  const className = String(raw.class_name);
  // a registered custom class from the user's own code
  const module = typeof raw.module === 'string' ? raw.module : undefined;
  if (raw.registered_name && module && !module.startsWith('keras')) {
    const name = String((raw.config as Json | undefined)?.name ?? raw.name ?? '?');
    throw new UserError(`layer "${name}" is a custom class (${String(raw.registered_name)}) that TF.js cannot build`, { file, hint: 'rebuild it from built-in layers, or cut the model below it' });
  }
  if (MODEL_CLASSES.has(className)) return convertModel(raw, file) as unknown as KerasLayer;
  const layer = unwrap(raw) as KerasLayer;
  if (layer.inbound_nodes !== undefined) layer.inbound_nodes = convertInbound(raw.inbound_nodes);
  const fix = LAYER_FIXERS[className];
  return fix ? fix(layer, { file }) : layer;
}

function convertModel(raw: Json, file: string): Json {
  const className = String(raw.class_name);
  const inbound = raw.inbound_nodes;
  const cfgRaw = raw.config;
  let config: unknown;
  if (Array.isArray(cfgRaw)) {
    config = cfgRaw.map((l) => convertLayer(l as Json, file)); // Keras 1/2.0 Sequential: a bare list
  } else {
    const c = cfgRaw as Json;
    const layers = ((c.layers as Json[] | undefined) ?? []).map((l) => convertLayer(l, file));
    const rest = unwrap(Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'layers'))) as Json;
    config = { ...rest, layers, ...(c.input_layers ? { input_layers: normalizeEndpoints(c.input_layers) } : {}), ...(c.output_layers ? { output_layers: normalizeEndpoints(c.output_layers) } : {}) };
  }
  const out: Json = { class_name: className === 'Functional' ? 'Model' : className, config };
  if (raw.name !== undefined) out.name = raw.name;
  if (inbound !== undefined) out.inbound_nodes = convertInbound(inbound);
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
  return convertModel(modelConfig, file);
}
