/**
 * How many examples one forward + backward pass may hold. TF.js keeps every activation of a
 * gradient step alive until the step ends, and the WASM backend's heap cannot grow past 4 GiB:
 * MobileNetV2 at 224² with its first convolution unfrozen needs about 150 MiB per example, so a
 * batch of 32 traps with "memory access out of bounds". The loop measures one step on 1 and on
 * 2 examples (tf.profile's peak bytes, which tracks the heap's growth closely), and a batch larger
 * than the budget allows runs as micro-batches whose gradients are summed before the update.
 */
import * as tf from '@tensorflow/tfjs';

/** The WASM heap's hard limit is 4 GiB; kernels' scratch and fragmentation need the rest. */
export const WASM_STEP_BUDGET_BYTES = 2.5 * 2 ** 30;

/** The bytes a training step may use on `backend`, or undefined when there is no hard ceiling. */
export function stepMemoryBudget(backend: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const mb = Number(env.TRANSFER_STUDIO_STEP_MEMORY_MB);
  if (Number.isFinite(mb) && mb > 0) return mb * 2 ** 20;
  return backend === 'wasm' ? WASM_STEP_BUDGET_BYTES : undefined;
}

export interface MicroBatchPlan {
  /** Examples per forward/backward pass (≥ 1, ≤ the batch size). */
  size: number;
  perExampleBytes: number;
  fixedBytes: number;
}

/**
 * `step(n)` runs one gradient step on n examples and disposes everything it made (no update).
 * Returns the largest n ≤ batchSize whose estimated peak stays within `budgetBytes`.
 */
export async function planMicroBatch(step: (n: number) => void, batchSize: number, budgetBytes: number): Promise<MicroBatchPlan> {
  const peak = async (n: number): Promise<number> => {
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => step(n));
    return Math.max(0, info.peakBytes - before);
  };
  const one = await peak(1);
  if (batchSize < 2) return { size: 1, perExampleBytes: one, fixedBytes: 0 };
  const two = await peak(2);
  const perExampleBytes = Math.max(1, two - one);
  const fixedBytes = Math.max(0, one - perExampleBytes);
  const fits = Math.floor((budgetBytes - fixedBytes) / perExampleBytes);
  return { size: Math.max(1, Math.min(batchSize, fits)), perExampleBytes, fixedBytes };
}
