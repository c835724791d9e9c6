/** Keras HDF5 (.h5/.hdf5) and Keras 3 (.keras) import, with no Python. */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';

export interface KerasImport {
  model: tf.LayersModel;
  format: 'keras-h5' | 'keras-v3';
  /** e.g. "keras 2.2.4-tf". */
  producer?: string;
}

export async function loadKerasModel(file: string): Promise<KerasImport> {
  throw new UserError('Keras import is not available yet', { file });
}
