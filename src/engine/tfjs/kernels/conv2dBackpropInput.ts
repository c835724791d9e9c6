/**
 * Conv2DBackpropInput for WASM, replacing the backend's own (a scalar C++ loop, the slowest part of
 * a MobileNet training step) with XNNPACK's matrix multiply:
 *   dcols[R, K] = dY[R, CO] · Wᵀ[CO, K]      (R = N·OH·OW output positions, K = FH·FW·C)
 * then col2im adds each row of dcols back onto the input positions it was read from. For a 1×1,
 * stride-1, unpadded convolution dcols is dx itself. Rows go in chunks, as in Conv2DBackpropFilter.
 */
import * as tf from '@tensorflow/tfjs';
import { rowsPerChunk } from './conv2dBackpropFilter';
import { checkFloat32, checkNHWC, heap, matMul, offsetOf, transpose, type KernelArgs, type Pad, type RoundingMode, type TensorInfo } from './wasmBackend';

interface Attrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  inputShape: [number, number, number, number];
}

export function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs<Attrs>): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  checkNHWC('Conv2DBackpropInput', attrs.dataFormat);
  checkFloat32('Conv2DBackpropInput', dy, filter);
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = FH * FW * C;
  const pointwise = FH === 1 && FW === 1 && SH === 1 && SW === 1 && top === 0 && left === 0 && OH === H && OW === W;

  // Wᵀ: the filter is [K, CO] row-major. A fresh tensor, so XNNPACK may cache its packing on it.
  const wT = backend.makeOutput([CO, K], 'float32');
  let h = heap(backend);
  transpose(h, offsetOf(backend, filter), h, offsetOf(backend, wT), K, CO);
  try {
    if (pointwise) {
      const out = matMul(backend, dy, wT, N * H * W, CO, C);
      out.shape = [...attrs.inputShape];
      return out;
    }
    const dx = backend.makeOutput([...attrs.inputShape], 'float32');
    h = heap(backend);
    h.fill(0, offsetOf(backend, dx), offsetOf(backend, dx) + N * H * W * C);
    const rowsTotal = N * OH;
    const step = rowsPerChunk(OW, Math.max(K, CO));
    for (let g0 = 0; g0 < rowsTotal; g0 += step) {
      const g1 = Math.min(rowsTotal, g0 + step);
      const R = (g1 - g0) * OW;
      let a = dy;
      if (g1 - g0 < rowsTotal) {
        a = backend.makeOutput([R, CO], 'float32');
        h = heap(backend);
        const dyAt = offsetOf(backend, dy) + g0 * OW * CO;
        h.copyWithin(offsetOf(backend, a), dyAt, dyAt + R * CO);
      }
      const dcols = matMul(backend, a, wT, R, CO, K);
      if (a !== dy) backend.disposeData(a.dataId);
      col2imRows(heap(backend), offsetOf(backend, dcols), offsetOf(backend, dx), g0, g1, info);
      backend.disposeData(dcols.dataId);
    }
    return dx;
  } finally {
    backend.disposeData(wT.dataId);
  }
}

/** dx += col2im of output rows [g0, g1): each K-row of dcols added to the input window it came from. */
function col2imRows(h: Float32Array, colsAt: number, dxAt: number, g0: number, g1: number, info: tf.backend_util.Conv2DInfo): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowLen = FW * C;
  let p = colsAt;
  for (let g = g0; g < g1; g++) {
    const n = Math.floor(g / OH);
    const oh = g - n * OH;
    const dxImage = dxAt + n * H * W * C;
    for (let ow = 0; ow < OW; ow++) {
      const iw0 = ow * SW - left;
      const kw0 = Math.max(0, -iw0);
      const kw1 = Math.min(FW, W - iw0);
      const run = (kw1 - kw0) * C;
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * SH + kh - top;
        if (ih >= 0 && ih < H && run > 0) {
          const d = dxImage + (ih * W + iw0 + kw0) * C;
          const s = p + kw0 * C;
          for (let i = 0; i < run; i++) h[d + i]! += h[s + i]!;
        }
        p += rowLen;
      }
    }
  }
}
