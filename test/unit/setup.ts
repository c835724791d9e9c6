// Root hooks for the unit tests (no VS Code): run TF.js on the WASM backend, as CI does.
import * as tf from '@tensorflow/tfjs';
import { forceBackend } from '../../src/engine/tfjs/backend';

tf.env().set('PROD', true); // silences TF.js's console advice; also what the worker does

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await forceBackend((process.env.TS_TEST_BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm');
  },
};
