/** The parts of the WASM backend's object that kernels use: tensors live in the wasm heap. */
import type * as tf from '@tensorflow/tfjs';

export type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };

export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): TensorInfo;
  /** A view on the heap: invalid after any allocation that grows the heap, so take it after allocating. */
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export interface KernelArgs<A> {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: A;
}

export function checkNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on the WASM backend supports NHWC (channels last) only, got ${dataFormat}`);
  }
}
