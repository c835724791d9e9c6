// Root hooks for the unit tests (no VS Code): run TF.js on the WASM backend, as CI does.
import { forceBackend } from '../../src/engine/tfjs/backend';
import { configureTfjs } from '../../src/engine/tfjs/env';
import { removeTempDirs } from '../helpers/fixtures';

// TF.js's advice and shape notes go where the worker sends them: to a log, not the test output
configureTfjs((level, message) => { if (level === 'warn' && process.env.TS_TEST_VERBOSE) console.log(`[tfjs] ${message}`); });

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await forceBackend((process.env.TS_TEST_BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm');
  },
  afterAll(): void {
    removeTempDirs();
  },
};
