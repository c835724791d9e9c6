/** Keras HDF5 (.h5/.hdf5) and Keras 3 (.keras) import, in JS with h5wasm — no Python. */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { UserError } from '../../../core/errors';
import { translateTfjsError } from '../io/tfjsErrors';
import { toTfjsTopology } from './config';
import { attrString, attrStrings, openH5 } from './h5';
import { assignWeights, readKeras2Weights, readKeras3Weights, type WeightStore } from './weights';

export interface KerasImport {
  model: tf.LayersModel;
  format: 'keras-h5' | 'keras-v3';
  /** e.g. "keras 2.2.4-tf". */
  producer?: string;
}

async function build(topology: Record<string, unknown>, weights: WeightStore, file: string): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology } as never);
  } catch (e) {
    const err = translateTfjsError(e, file);
    if (err instanceof UserError) throw err;
    // the converted config is still something TF.js cannot build: say so rather than crash
    throw new UserError(`TF.js cannot build this model: ${(e as Error).message?.split('\n')[0] ?? String(e)}`, { file, hint: 'report the model with its config so the importer can map it' });
  }
  try {
    assignWeights(model, weights, file);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

async function loadH5(file: string): Promise<KerasImport> {
  const { topology, weights, producer } = await openH5(file, (f) => {
    const config = attrString(f, 'model_config');
    if (!config) {
      const keys = f.keys();
      const weightsOnly = attrStrings(f, 'layer_names').length > 0 || keys.includes('model_weights') || keys.includes('layers');
      if (!weightsOnly) throw new UserError('this HDF5 file is not a Keras model: it has no "model_config" attribute and no layer weights', { file });
      throw new UserError('this HDF5 file has weights but no architecture ("model_config" is missing)', {
        file,
        hint: 'it was saved with save_weights(); save the whole model with model.save("model.h5") or model.save("model.keras")',
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(config);
    } catch {
      throw new UserError('the "model_config" attribute is not valid JSON', { file });
    }
    const version = attrString(f, 'keras_version');
    return { topology: toTfjsTopology(parsed, file), weights: readKeras2Weights(f, file), producer: version ? `keras ${version}` : undefined };
  });
  return { model: await build(topology, weights, file), format: 'keras-h5', producer };
}

async function loadKeras3(file: string): Promise<KerasImport> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(fs.readFileSync(file)));
  } catch (e) {
    throw new UserError(`not a readable zip file (${(e as Error).message}): a .keras file is a zip archive`, { file });
  }
  if (!entries['config.json']) {
    throw new UserError('this zip is not a Keras file: it has no config.json', { file, hint: 'a .keras file holds config.json, metadata.json and model.weights.h5' });
  }
  if (!entries['model.weights.h5']) throw new UserError('this .keras file has no model.weights.h5', { file });
  let config: unknown;
  try {
    config = JSON.parse(strFromU8(entries['config.json']));
  } catch {
    throw new UserError('config.json inside the .keras file is not valid JSON', { file });
  }
  let producer: string | undefined;
  try {
    const meta = JSON.parse(strFromU8(entries['metadata.json'] ?? new Uint8Array())) as { keras_version?: string };
    if (meta.keras_version) producer = `keras ${meta.keras_version}`;
  } catch {
    // metadata is optional
  }
  const topology = toTfjsTopology(config, file);
  const weights = await openH5(file, (f) => readKeras3Weights(f, file), entries['model.weights.h5']);
  return { model: await build(topology, weights, file), format: 'keras-v3', producer };
}

/** Open a Keras .h5/.hdf5 (HDF5) or .keras (zip) file, told apart by their first bytes. */
export async function loadKerasModel(file: string): Promise<KerasImport> {
  const head = Buffer.alloc(4);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, head, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new UserError(`cannot read the model file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return head[0] === 0x50 && head[1] === 0x4b ? loadKeras3(file) : loadH5(file);
}
