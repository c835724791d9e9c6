/**
 * The parts of the WASM backend that the kernels here use. Tensors live in the wasm heap; a view on
 * it (`heap`) is detached when the heap grows, which any allocation may do (makeOutput, a matmul's
 * output or XNNPACK's packed weights), so views are taken after allocating and never kept across.
 */
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };

export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

export interface KernelArgs<A> {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: A;
}

export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil';

export function checkNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on the WASM backend supports NHWC (channels last) only, got dataFormat '${dataFormat}'`);
  }
}

export function checkFloat32(kernel: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) if (t.dtype !== 'float32') throw new Error(`${kernel} on the WASM backend supports float32 only, got ${t.dtype}`);
}

/** A Float32Array over the whole heap, current as of now (see the note at the top). */
export function heap(backend: WasmBackend): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer);
}

/** Index of a float32 tensor's first element in `heap(backend)`. */
export function offsetOf(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset >>> 2;
}

type BatchMatMul = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend; attrs: { transposeA: boolean; transposeB: boolean } }) => TensorInfo;

/**
 * out[M, N] = a[M, K] · b[K, N] with the backend's own BatchMatMul. Without transposes and with a
 * batch of one it runs XNNPACK's fully-connected operator (SIMD); any transpose falls back to a
 * scalar loop several times slower, so callers lay their operands out to need none. XNNPACK packs
 * `b` as weights and caches the operator on b's tensor id until that tensor is disposed: `b` must
 * be a tensor the caller created for this product (a fresh id), never a view of someone else's.
 */
export function matMul(backend: WasmBackend, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number): TensorInfo {
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  if (!kernel) throw new Error('the WASM backend has no BatchMatMul kernel');
  const out = (kernel.kernelFunc as unknown as BatchMatMul)({
    inputs: { a: { dataId: a.dataId, shape: [1, m, k], dtype: 'float32' }, b: { dataId: b.dataId, shape: [1, k, n], dtype: 'float32' } },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  return out;
}

/**
 * dst[c·rows + r] = src[r·cols + c]: a row-major [rows, cols] block to [cols, rows]. Writes run
 * along destination rows; reads go down source columns in windows of 256 rows that stay in cache.
 */
export function transpose(src: Float32Array | Float64Array, srcAt: number, dst: Float32Array | Float64Array, dstAt: number, rows: number, cols: number): void {
  const WINDOW = 256;
  for (let r0 = 0; r0 < rows; r0 += WINDOW) {
    const r1 = Math.min(rows, r0 + WINDOW);
    for (let c = 0; c < cols; c++) {
      let s = srcAt + r0 * cols + c;
      const d = dstAt + c * rows;
      for (let r = r0; r < r1; r++, s += cols) dst[d + r] = src[s]!;
    }
  }
}
