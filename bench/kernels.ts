/**
 * Gradient-step benchmark for the WASM gradient kernels (src/engine/tfjs/kernels): the median time
 * of one full training step of a MobileNet-v1-0.25-like model (128×128 RGB, batch 32, every layer
 * trainable, BatchNorm in training mode) on the pure-JS `cpu` backend and on `wasm`, and the ratio.
 *
 *   npx tsx bench/kernels.ts [--batch 32] [--size 128] [--warmup 1] [--steps 3] [--backends cpu,wasm]
 *
 * `measureGradientStep` is exported for `npm run bench`.
 */
import * as tf from '@tensorflow/tfjs';
import { forceBackend } from '../src/engine/tfjs/backend';
import { configureTfjs } from '../src/engine/tfjs/env';

export interface GradientStepOptions {
  /** Images per step. */
  batch?: number;
  /** Input height and width. */
  size?: number;
  /** MobileNet width multiplier. */
  alpha?: number;
  classes?: number;
  /** Untimed steps first (kernel setup, weight packing, JIT). */
  warmup?: number;
  /** Timed steps; the median is reported. */
  steps?: number;
}

export interface GradientStepResult {
  backend: 'cpu' | 'wasm';
  /** Median wall-clock milliseconds per training step. */
  medianMs: number;
  /** Every timed step, in order. */
  samplesMs: number[];
  /**
   * Median process CPU milliseconds (user + system) per step. Both backends compute on one
   * thread, so on a busy machine this is steadier than the wall clock.
   */
  medianCpuMs: number;
  /** Loss before the first and after the last step (both finite when training works). */
  firstLoss: number;
  lastLoss: number;
  /** Tensors alive after the last step minus after the first (0: no leak). */
  tensorGrowth: number;
}

/**
 * MobileNet v1 (Howard et al. 2017) at width `alpha`: a 3×3/2 convolution, then 13 blocks of a 3×3
 * depthwise convolution and a 1×1 convolution, each followed by BatchNorm and ReLU6; global average
 * pooling and a softmax Dense. Padding 'same' throughout; seeded initialisers.
 */
export function mobileNetV1(size: number, alpha: number, classes: number): tf.LayersModel {
  const ch = (n: number): number => Math.max(8, Math.round(n * alpha));
  let seed = 1;
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed++ });
  const bnRelu6 = (x: tf.SymbolicTensor): tf.SymbolicTensor => {
    const y = tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 }).apply(x) as tf.SymbolicTensor;
    return tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor;
  };
  const input = tf.input({ shape: [size, size, 3] });
  let x = bnRelu6(tf.layers.conv2d({ filters: ch(32), kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init() }).apply(input) as tf.SymbolicTensor);
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];
  for (const [filters, stride] of blocks) {
    x = bnRelu6(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: init() }).apply(x) as tf.SymbolicTensor);
    x = bnRelu6(tf.layers.conv2d({ filters: ch(filters), kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor);
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Time full training steps (forward, gradients of every weight, SGD update) on one backend. */
export async function measureGradientStep(backend: 'cpu' | 'wasm', options: GradientStepOptions = {}): Promise<GradientStepResult> {
  const { batch = 32, size = 128, alpha = 0.25, classes = 10, warmup = 1, steps = 3 } = options;
  await forceBackend(backend);
  const model = mobileNetV1(size, alpha, classes);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 42);
  const ys = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32'), classes);
  const samplesMs: number[] = [];
  const cpuMs: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  let tensorsAfterFirst = 0;
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const loss = (await model.trainOnBatch(xs, ys)) as number; // awaits the loss: the step is done
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i === 0) {
        firstLoss = loss;
        tensorsAfterFirst = tf.memory().numTensors;
      }
      lastLoss = loss;
      if (i >= warmup) {
        samplesMs.push(ms);
        cpuMs.push((c.user + c.system) / 1000);
      }
    }
    return { backend, medianMs: median(samplesMs), samplesMs, medianCpuMs: median(cpuMs), firstLoss, lastLoss, tensorGrowth: tf.memory().numTensors - tensorsAfterFirst };
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

function parseArgs(argv: string[]): GradientStepOptions & { backends: ('cpu' | 'wasm')[] } {
  const opts: GradientStepOptions & { backends: ('cpu' | 'wasm')[] } = { backends: ['cpu', 'wasm'] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--backends') opts.backends = value.split(',').map((b) => b.trim() as 'cpu' | 'wasm');
    else if (['--batch', '--size', '--alpha', '--warmup', '--steps', '--classes'].includes(flag)) (opts as unknown as Record<string, number>)[flag.slice(2)] = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  return opts;
}

async function main(): Promise<void> {
  configureTfjs(() => {});
  const { backends, ...opts } = parseArgs(process.argv.slice(2));
  const { batch = 32, size = 128, alpha = 0.25 } = opts;
  console.log(`MobileNet v1 ${alpha} at ${size}×${size}, batch ${batch}, every layer trainable: median ms per training step`);
  const results: GradientStepResult[] = [];
  for (const b of backends) {
    const r = await measureGradientStep(b, opts);
    results.push(r);
    console.log(`  ${b.padEnd(5)} ${r.medianMs.toFixed(0).padStart(7)} ms wall, ${r.medianCpuMs.toFixed(0).padStart(7)} ms CPU  (steps: ${r.samplesMs.map((s) => s.toFixed(0)).join(', ')}; loss ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}; tensor growth ${r.tensorGrowth})`);
  }
  const cpu = results.find((r) => r.backend === 'cpu');
  const wasm = results.find((r) => r.backend === 'wasm');
  if (cpu && wasm) console.log(`  wasm is ${(cpu.medianMs / wasm.medianMs).toFixed(1)}× faster than cpu (wall clock; ${(cpu.medianCpuMs / wasm.medianCpuMs).toFixed(1)}× in CPU time)`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(2); });
}
