/**
 * TF.js layers `model.json` + weight shards → validated ModelArtifacts. The same checks run for
 * files on disk and for URLs: the bytes come from a ShardSource.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';

type WeightsManifestEntry = tf.io.WeightsManifestEntry;

export interface ModelJson {
  modelTopology?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  userDefinedMetadata?: Record<string, unknown>;
  trainingConfig?: unknown;
}

/** Reads the shard a manifest names; `where` is what an error message should call it. */
export interface ShardSource {
  read(relPath: string): Promise<Uint8Array>;
  where(relPath: string): string;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };
/** The dtypes a manifest may give a weight, and its quantized storage (tfjs-core's io). */
const WEIGHT_DTYPES: readonly string[] = ['float32', 'int32', 'bool', 'complex64', 'string'];
const QUANTIZED_DTYPES: readonly string[] = ['uint8', 'uint16', 'float16'];

export function parseModelJson(text: string, file: string): ModelJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, { file, hint: 'the file may be truncated or not a model.json' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError('not a TF.js model.json: expected a JSON object', { file });
  }
  const json = value as ModelJson;
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (json.format === 'graph-model' || (topology && ('node' in topology || 'library' in topology))) {
    throw new UserError('this is a TF.js graph model: it is inference-only and cannot be fine-tuned', {
      file,
      hint: 'convert the original Keras model with `tensorflowjs_converter --input_format keras` (layers format), or open the Keras .h5/.keras file directly',
    });
  }
  if (!topology || typeof topology !== 'object') {
    throw new UserError('not a TF.js layers model: "modelTopology" is missing', { file, hint: 'expected a model.json written by tfjs-layers or tensorflowjs_converter (layers format)' });
  }
  const config = (topology.model_config ?? topology) as Record<string, unknown>;
  if (typeof config.class_name !== 'string' || typeof config.config !== 'object') {
    throw new UserError('not a TF.js layers model: "modelTopology" has no class_name/config', { file });
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new UserError('"weightsManifest" is missing: the model has no weights', { file });
  }
  for (const [i, group] of json.weightsManifest.entries()) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new UserError(`weightsManifest[${i}] needs "paths" and "weights" arrays`, { file });
    }
    for (const w of group.weights) {
      if (!WEIGHT_DTYPES.includes(w?.dtype)) {
        throw new UserError(`weight "${w?.name}" has dtype "${w?.dtype}", which TF.js cannot load (expected one of ${WEIGHT_DTYPES.join(', ')})`, { file, hint: 'convert the model again with tensorflowjs_converter; float64 weights must be cast to float32' });
      }
      const q = w.quantization?.dtype;
      if (q !== undefined && !QUANTIZED_DTYPES.includes(q)) {
        throw new UserError(`weight "${w.name}" is quantized to dtype "${q}", which TF.js cannot load (expected one of ${QUANTIZED_DTYPES.join(', ')})`, { file });
      }
    }
  }
  return json;
}

/** Bytes one weight takes in its shard (the quantized dtype when quantized). */
export function weightByteLength(spec: WeightsManifestEntry): number | undefined {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  return bytes === undefined ? undefined : n * bytes;
}

/** Read every shard, check it exists and that each group's bytes match its manifest, and build artifacts. */
export async function loadArtifacts(json: ModelJson, file: string, shards: ShardSource): Promise<tf.io.ModelArtifacts> {
  const weightSpecs: WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    const groupBuffers: Uint8Array[] = [];
    for (const p of group.paths) {
      let bytes: Uint8Array;
      try {
        bytes = await shards.read(p);
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`weights shard missing: ${shards.where(p)}`, {
          file,
          hint: 'model.json lists it under weightsManifest; copy it next to model.json',
        });
      }
      groupBuffers.push(bytes);
    }
    const expected = group.weights.reduce<number | undefined>((sum, w) => {
      const b = weightByteLength(w);
      return sum === undefined || b === undefined ? undefined : sum + b;
    }, 0);
    const actual = groupBuffers.reduce((s, b) => s + b.byteLength, 0);
    if (expected !== undefined && expected !== actual) {
      const names = group.paths.map((p) => shards.where(p)).join(', ');
      throw new UserError(
        `weights shard size does not match the manifest: ${names} hold${group.paths.length > 1 ? '' : 's'} ${actual} bytes, the manifest's ${group.weights.length} weights need ${expected}`,
        { file, hint: actual < expected ? 'the shard looks truncated: download or copy it again' : 'the shard does not belong to this model.json' },
      );
    }
    weightSpecs.push(...group.weights);
    buffers.push(...groupBuffers);
  }
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts["userDefinedMetadata"],
  };
}
