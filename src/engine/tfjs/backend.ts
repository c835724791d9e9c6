/**
 * Backend choice: GPU (tfjs-node-gpu) when it loads and sees a GPU, else native CPU (tfjs-node),
 * else WASM (bundled), else pure JS. The native packages are optionalDependencies: they are
 * absent wherever their install could not download libtensorflow, so they load at run time.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors';
import type { BackendInfo, BackendPreference } from '../../core/protocol/reports';
import { registerWasmGradientKernels } from './kernels';

type Log = (line: string) => void;

interface NativeBackend {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

let chosen: BackendInfo | undefined;

function tryRequire(name: string): { ok: true } | { ok: false; reason: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${name}'`)) return { ok: false, reason: `${name} is not installed` };
    const lib = /(lib[\w.+-]+\.so(?:\.[\d.]+)?)/.exec(err.message)?.[1];
    if (lib) {
      const cuda = /cud|cublas|cufft|curand|cusolver|cusparse/.test(lib);
      return { ok: false, reason: `${name} cannot load ${lib}${cuda ? ' (it needs CUDA 11.2 and cuDNN 8.1; other CUDA versions do not work)' : ''}` };
    }
    return { ok: false, reason: `${name} failed to load: ${err.message.split('\n')[0]}` };
  }
}

function versions(): Record<string, string> {
  return { ...(tf.version as Record<string, string>), node: process.versions.node };
}

async function useWasm(): Promise<boolean> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
    registerWasmGradientKernels();
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** Pick and initialise a backend once per process; later calls return the same choice. */
export async function selectBackend(requested: BackendPreference = 'auto', log: Log = () => {}): Promise<BackendInfo> {
  if (chosen) return chosen;
  const notes: string[] = [];
  const finish = async (name: BackendInfo['name'], device: string): Promise<BackendInfo> => {
    await tf.ready();
    chosen = { name, requested, device, notes, versions: versions() };
    for (const n of notes) log(n);
    log(`backend: ${name} (${device})`); // the caller decides how loud this is
    return chosen;
  };

  if (requested === 'auto' || requested === 'tensorflow-gpu') {
    const gpu = tryRequire('@tensorflow/tfjs-node-gpu');
    if (gpu.ok && (await tf.setBackend('tensorflow'))) {
      const b = tf.backend() as unknown as NativeBackend;
      if (b.isUsingGpuDevice) return finish('tensorflow', 'GPU (tfjs-node-gpu)');
      notes.push('GPU not used: tfjs-node-gpu loaded but TensorFlow sees no usable GPU (check the driver, CUDA 11.2 and cuDNN 8.1); training runs on the CPU through it instead');
      return finish('tensorflow', 'CPU (tfjs-node-gpu without a GPU)');
    }
    if (!gpu.ok && requested === 'tensorflow-gpu') notes.push(`GPU not used: ${gpu.reason}`);
  }
  if (requested === 'auto' || requested === 'tensorflow' || requested === 'tensorflow-gpu') {
    const cpu = tryRequire('@tensorflow/tfjs-node');
    if (cpu.ok && (await tf.setBackend('tensorflow'))) return finish('tensorflow', 'CPU (tfjs-node, native TensorFlow)');
    if (requested !== 'auto') notes.push(`native TensorFlow not used: ${cpu.ok ? 'its backend did not initialise' : cpu.reason}`);
  }
  if (requested !== 'cpu') {
    if (await useWasm()) {
      if (requested === 'tensorflow' || requested === 'tensorflow-gpu') notes.push('running on WASM instead');
      return finish('wasm', 'CPU (WebAssembly, SIMD)');
    }
    notes.push('WASM backend did not initialise; running on the pure-JS CPU backend');
  }
  await tf.setBackend('cpu');
  return finish('cpu', 'CPU (pure JavaScript)');
}

/** For tests and benchmarks: switch backends inside one process. */
export async function forceBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm') {
    if (!(await useWasm())) throw new UserError('the WASM backend is not available');
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  chosen = { name, requested: name, device: name === 'wasm' ? 'CPU (WebAssembly, SIMD)' : 'CPU (pure JavaScript)', notes: [], versions: versions() };
}

export function currentBackend(): BackendInfo | undefined {
  return chosen;
}
