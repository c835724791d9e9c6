/**
 * Gradient kernels for the WASM backend, so that fine-tuning convolutional layers works (and is
 * fast) on the default backend: Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter and
 * DepthwiseConv2dNativeBackpropInput, which tfjs-backend-wasm 4.22 lacks, and a Conv2DBackpropInput
 * on XNNPACK's matrix multiply in place of the backend's scalar loop. Registered once, when WASM is
 * selected; registering again changes nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBatchNormGradient } from './batchNormGrad';
import { conv2dBackpropFilter } from './conv2dBackpropFilter';
import { conv2dBackpropInput } from './conv2dBackpropInput';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwiseBackprop';

/** Kernels the backend lacks: a future tfjs-backend-wasm that brings its own keeps its own. */
const MISSING: [string, (args: never) => unknown][] = [
  ['Conv2DBackpropFilter', conv2dBackpropFilter],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
];

/** Kernels the backend has, replaced by faster ones. */
const REPLACED: [string, (args: never) => unknown][] = [['Conv2DBackpropInput', conv2dBackpropInput]];

let gradientRegistered = false;

export function registerWasmGradientKernels(): void {
  if (!gradientRegistered) {
    gradientRegistered = true;
    registerBatchNormGradient();
  }
  for (const [kernelName, fn] of MISSING) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
  }
  for (const [kernelName, fn] of REPLACED) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current?.kernelFunc === (fn as unknown)) continue;
    if (current) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
  }
}
