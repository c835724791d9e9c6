/**
 * Initializers, regularizers and constraints inside layer configs, in the forms TF.js accepts.
 * The weights always come from the file, so an initializer TF.js lacks is dropped (the layer's
 * default builds it); a regularizer or constraint TF.js lacks only changes later training and is
 * dropped too. Activity regularizers are dropped: TF.js refuses to call a layer that has one.
 */
import * as tf from '@tensorflow/tfjs';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function tfjsKnows(className: string): boolean {
  return className in tf.serialization.SerializationMap.getMap().classNameMap;
}

/** Keras string identifiers that TF.js spells differently (before its snake → camel conversion). */
const INITIALIZER_NAMES: Record<string, string> = {
  zero: 'zeros', one: 'ones', uniform: 'random_uniform', normal: 'random_normal',
  lecun_uniform: 'le_cun_uniform', lecun_normal: 'le_cun_normal',
};
const TFJS_INITIALIZER_NAMES = new Set(['constant', 'glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform', 'identity', 'le_cun_normal', 'le_cun_uniform', 'ones', 'orthogonal', 'random_normal', 'random_uniform', 'truncated_normal', 'variance_scaling', 'zeros']);
const INITIALIZER_CLASSES: Record<string, string> = { LecunNormal: 'LeCunNormal', LecunUniform: 'LeCunUniform' };

function initializer(v: unknown): unknown {
  if (typeof v === 'string') {
    const n = INITIALIZER_NAMES[v] ?? v;
    return TFJS_INITIALIZER_NAMES.has(n) ? n : undefined;
  }
  if (!isObject(v) || typeof v.class_name !== 'string') return undefined;
  const className = INITIALIZER_CLASSES[v.class_name] ?? v.class_name;
  if (!tfjsKnows(className)) return undefined;
  const config = { ...((v.config as Json | undefined) ?? {}) };
  delete config.dtype; // tf.keras 2.x writes it; TF.js's initializers have none
  if (className === 'VarianceScaling' && config.distribution === 'untruncated_normal') config.distribution = 'normal';
  return { class_name: className, config };
}

function regularizer(v: unknown): unknown {
  if (typeof v === 'string') return ['l1', 'l2', 'l1l2', 'l1_l2'].includes(v) ? { class_name: 'L1L2', config: { l1: v.includes('1') ? 0.01 : 0, l2: v.includes('2') ? 0.01 : 0 } } : undefined;
  if (!isObject(v)) return undefined;
  const cls = typeof v.class_name === 'string' ? v.class_name : typeof v.name === 'string' ? v.name : ''; // Keras 1: {name: 'L1L2Regularizer', l1, l2}
  const c = isObject(v.config) ? v.config : v;
  if (!/^(L1L2|L1|L2|L1L2Regularizer|WeightRegularizer)$/.test(cls)) return undefined;
  return { class_name: 'L1L2', config: { l1: Number(c.l1 ?? 0), l2: Number(c.l2 ?? 0) } };
}

function constraint(v: unknown): unknown {
  if (!isObject(v)) return undefined;
  if (typeof v.class_name === 'string') return tfjsKnows(v.class_name) ? v : undefined;
  if (typeof v.name !== 'string' || !tfjsKnows(v.name)) return undefined; // Keras 1: {name: 'MaxNorm', m, axis}
  const { name, m, low, high, ...rest } = v;
  const config: Json = { ...rest };
  if (m !== undefined) config.max_value = m;
  if (low !== undefined) config.min_value = low;
  if (high !== undefined) config.max_value = high;
  return { class_name: name, config };
}

/** Rewrite every *_initializer, *_regularizer and *_constraint of a layer config in place. */
export function fixObjects(c: Json): void {
  for (const [k, v] of Object.entries(c)) {
    if (v === null || v === undefined) continue;
    let fixed: unknown = v;
    if (k === 'activity_regularizer') fixed = undefined;
    else if (k.endsWith('_initializer')) fixed = initializer(v);
    else if (k.endsWith('_regularizer')) fixed = regularizer(v);
    else if (k.endsWith('_constraint')) fixed = constraint(v);
    else continue;
    if (fixed === undefined) delete c[k];
    else c[k] = fixed;
  }
}
