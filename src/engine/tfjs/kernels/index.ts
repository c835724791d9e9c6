/**
 * Gradient kernels the WASM backend lacks, so that fine-tuning convolutional layers works on the
 * default backend: Conv2DBackpropFilter (im2col + the backend's matmul) and
 * DepthwiseConv2dNativeBackprop{Filter,Input}. Registered once, when WASM is selected.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBatchNormGradient } from './batchNormGrad';
import { conv2dBackpropFilter } from './conv2dBackpropFilter';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwiseBackprop';

const KERNELS: [string, (args: never) => unknown][] = [
  ['Conv2DBackpropFilter', conv2dBackpropFilter],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
];

let gradientRegistered = false;

export function registerWasmGradientKernels(): void {
  if (!gradientRegistered) {
    gradientRegistered = true;
    registerBatchNormGradient();
  }
  for (const [kernelName, fn] of KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue; // a future tfjs-backend-wasm may bring its own
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
  }
}
