/**
 * DepthwiseConv2dNative backprops for WASM.
 *   - dx is itself a depthwise convolution (of dy, with the filter turned 180°), which the backend
 *     runs on XNNPACK; strided convolutions first spread dy out with zeros. Channel multipliers
 *     > 1 (dx sums over them) and explicit pads wider than the filter use the loops below.
 *   - dW does FH·FW multiply-adds per output value with no matrix product to hand it to: direct
 *     loops over the wasm heap, one channel and filter tap at a time down a row, the sum in a
 *     register, index math hoisted (each tap's valid output columns are computed once).
 * Strides, dilations, every padding form, dimRoundingMode and channel multipliers are handled
 * (TF.js's own gradients ask for no dilation, but the kernels' attributes allow it).
 */
import * as tf from '@tensorflow/tfjs';
import { checkFloat32, heap, offsetOf, type KernelArgs, type Pad, type RoundingMode, type TensorInfo, type WasmBackend } from './wasmBackend';

interface Common {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: RoundingMode;
}

/** The output columns ow whose input column ow·SW + kw·DW − left lies in [0, W). */
function validColumns(info: tf.backend_util.Conv2DInfo, kw: number): [number, number] {
  const { inWidth: W, outWidth: OW, strideWidth: SW, dilationWidth: DW } = info;
  const shift = kw * DW - info.padInfo.left;
  const ow0 = Math.max(0, Math.ceil(-shift / SW));
  const ow1 = Math.min(OW, Math.floor((W - 1 - shift) / SW) + 1);
  return [ow0, Math.max(ow0, ow1)];
}

export function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs<Common & { filterShape: [number, number, number, number] }>): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  checkFloat32('DepthwiseConv2dNativeBackpropFilter', x, dy);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const M = CO / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const cols = Array.from({ length: FW }, (_, kw) => validColumns(info, kw));
  const result = backend.makeOutput(info.filterShape as number[], 'float32');
  const h = heap(backend); // after the allocation
  const xAt = offsetOf(backend, x);
  const dyAt = offsetOf(backend, dy);
  // each dW value sums N·OH·OW terms: accumulated in float64, as the pure-JS backend does
  const dW = new Float64Array(FH * FW * CO);
  for (let n = 0; n < N; n++) {
    for (let kh = 0; kh < FH; kh++) {
      for (let oh = 0; oh < OH; oh++) {
        const ih = oh * SH + kh * DH - top;
        if (ih < 0 || ih >= H) continue;
        const xRow = xAt + (n * H + ih) * W * C;
        const dyRow = dyAt + (n * OH + oh) * OW * CO;
        const xStep = SW * C;
        for (let kw = 0; kw < FW; kw++) {
          const [ow0, ow1] = cols[kw]!;
          const count = ow1 - ow0;
          const r = (kh * FW + kw) * CO;
          const xb = xRow + (ow0 * SW + kw * DW - left) * C;
          const yb = dyRow + ow0 * CO;
          // one channel at a time down the row: the sum stays in a register
          for (let c = 0; c < C; c++) {
            for (let m = 0; m < M; m++) {
              let sum = 0;
              let xo = xb + c;
              let yo = yb + c * M + m;
              for (let i = 0; i < count; i++, xo += xStep, yo += CO) sum += h[xo]! * h[yo]!;
              dW[r + c * M + m]! += sum;
            }
          }
        }
      }
    }
  }
  h.set(dW, offsetOf(backend, result));
  return result;
}

export function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs<Common & { inputShape: [number, number, number, number] }>): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  checkFloat32('DepthwiseConv2dNativeBackpropInput', dy, filter);
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
  return (USE_XNNPACK && backpropInputAsConvolution(info, dy, filter, backend)) || backpropInputLoops(info, dy, filter, backend);
}

let USE_XNNPACK = true;

/** For tests: whether dx may go through the forward convolution (else the loops). Returns the old value. */
export function setDepthwiseInputViaConvolution(on: boolean): boolean {
  const old = USE_XNNPACK;
  USE_XNNPACK = on;
  return old;
}

/**
 * dx as a forward depthwise convolution, which the backend runs on XNNPACK: the convolution of dy
 * (zeros inserted between its values when strided) with the filter turned 180°, padded so that
 * every tap lands where the forward pass read from. One output channel per input channel only,
 * and no negative padding (explicit pads wider than the filter); undefined otherwise.
 */
function backpropInputAsConvolution(info: tf.backend_util.Conv2DInfo, dy: TensorInfo, filter: TensorInfo, backend: WasmBackend): TensorInfo | undefined {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const forward = tf.getKernel('DepthwiseConv2dNative', 'wasm');
  if (CO !== C || !forward) return undefined;
  const UH = (OH - 1) * SH + 1; // dy with SH − 1 zero rows between rows
  const UW = (OW - 1) * SW + 1;
  const padTop = (FH - 1) * DH - info.padInfo.top;
  const padLeft = (FW - 1) * DW - info.padInfo.left;
  const padBottom = H - UH - padTop + (FH - 1) * DH;
  const padRight = W - UW - padLeft + (FW - 1) * DW;
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return undefined;

  const rotated = backend.makeOutput([FH, FW, C, 1], 'float32');
  const spread = SH === 1 && SW === 1 ? dy : backend.makeOutput([N, UH, UW, C], 'float32');
  const h = heap(backend); // after the allocations
  const wAt = offsetOf(backend, filter);
  const rAt = offsetOf(backend, rotated);
  for (let t = 0; t < FH * FW; t++) h.copyWithin(rAt + (FH * FW - 1 - t) * C, wAt + t * C, wAt + (t + 1) * C);
  if (spread !== dy) {
    const uAt = offsetOf(backend, spread);
    const dyAt = offsetOf(backend, dy);
    h.fill(0, uAt, uAt + N * UH * UW * C);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const src = dyAt + (n * OH + oh) * OW * C;
        const dst = uAt + (n * UH + oh * SH) * UW * C;
        for (let ow = 0; ow < OW; ow++) {
          const s = src + ow * C;
          const d = dst + ow * SW * C;
          for (let c = 0; c < C; c++) h[d + c] = h[s + c]!;
        }
      }
    }
  }
  try {
    const out = (forward.kernelFunc as unknown as (args: KernelArgs<Common>) => TensorInfo)({
      inputs: { x: spread, filter: rotated },
      backend,
      attrs: { strides: [1, 1], dilations: [DH, DW], pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]] },
    });
    return out;
  } finally {
    backend.disposeData(rotated.dataId);
    if (spread !== dy) backend.disposeData(spread.dataId);
  }
}

function backpropInputLoops(info: tf.backend_util.Conv2DInfo, dy: TensorInfo, filter: TensorInfo, backend: WasmBackend): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const M = CO / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const cols = Array.from({ length: FW }, (_, kw) => validColumns(info, kw));
  const result = backend.makeOutput(info.inShape, 'float32');
  const h = heap(backend); // after the allocation
  const dxAt = offsetOf(backend, result);
  const dyAt = offsetOf(backend, dy);
  const wAt = offsetOf(backend, filter);
  h.fill(0, dxAt, dxAt + N * H * W * C);
  // each dx value sums FH·FW·M terms: float32 accumulation straight into the output
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const dyRow = dyAt + (n * OH + oh) * OW * CO;
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * SH + kh * DH - top;
        if (ih < 0 || ih >= H) continue;
        const dxRow = dxAt + (n * H + ih) * W * C;
        const xStep = SW * C;
        for (let kw = 0; kw < FW; kw++) {
          const [ow0, ow1] = cols[kw]!;
          const count = ow1 - ow0;
          const wo = wAt + (kh * FW + kw) * CO;
          const xb = dxRow + (ow0 * SW + kw * DW - left) * C;
          const yb = dyRow + ow0 * CO;
          // one channel at a time down the row, its filter tap in a register
          for (let c = 0; c < C; c++) {
            let xo = xb + c;
            if (M === 1) {
              const w = h[wo + c]!;
              for (let i = 0, yo = yb + c; i < count; i++, xo += xStep, yo += CO) h[xo]! += w * h[yo]!;
            } else {
              for (let i = 0, yo = yb + c * M; i < count; i++, xo += xStep, yo += CO) {
                let sum = 0;
                for (let m = 0; m < M; m++) sum += h[wo + c * M + m]! * h[yo + m]!;
                h[xo]! += sum;
              }
            }
          }
        }
      }
    }
  }
  return result;
}
