/** What the process shell (src/worker/training.ts) needs of the TF.js engine: its run, and its errors explained. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { ResolvedRecipe } from '../../../core/recipe/resolve';

export { execute as executeTfjs, type RunContext, type RunResult } from './session';

/**
 * The WASM heap cannot grow past 4 GiB; when a step still outgrows it (kernel scratch, a budget
 * set too high) WebAssembly traps with "memory access out of bounds". Say what happened and
 * what to change instead.
 */
export function explainTfjsError(e: unknown, recipe: ResolvedRecipe): UserError | undefined {
  const message = e instanceof Error ? e.message : String(e);
  const trapped = e instanceof WebAssembly.RuntimeError || /Aborted\(|Cannot enlarge memory/.test(message);
  if (!trapped || !/memory access out of bounds|OOM|Cannot enlarge memory|out of memory/i.test(message) || tf.getBackend() !== 'wasm') return undefined;
  return new UserError(`the WASM backend ran out of memory (its heap is limited to 4 GiB): ${message}`, {
    file: recipe.file,
    hint: `lower "training.batchSize" (now ${recipe.training.batchSize}) or "data.imageSize", freeze more of the base, or install @tensorflow/tfjs-node, which has no such limit`,
  });
}

