/**
 * DepthwiseConv2dNative backprops for WASM (filter and input), in tight loops over the wasm heap.
 * Depthwise layers are a small share of MobileNet's compute; their gradients accumulate in
 * float64 for the same results as the pure-JS backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo } from './wasmBackend';

interface Common {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs<Common & { filterShape: [number, number, number, number] }>): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const M = CO / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xV = backend.typedArrayFromHeap(x);
  const dyV = backend.typedArrayFromHeap(dy);
  const dW = new Float64Array(FH * FW * C * M);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const d = ((n * OH + oh) * OW + ow) * CO;
        for (let kh = 0; kh < FH; kh++) {
          const ih = oh * SH + kh * DH - top;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < FW; kw++) {
            const iw = ow * SW + kw * DW - left;
            if (iw < 0 || iw >= W) continue;
            const xs = ((n * H + ih) * W + iw) * C;
            const ws = (kh * FW + kw) * C * M;
            if (M === 1) {
              for (let c = 0; c < C; c++) dW[ws + c]! += xV[xs + c]! * dyV[d + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                const xv = xV[xs + c]!;
                const o = c * M;
                for (let m = 0; m < M; m++) dW[ws + o + m]! += xv * dyV[d + o + m]!;
              }
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(info.filterShape as number[], 'float32', undefined, Float32Array.from(dW));
}

export function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs<Common & { inputShape: [number, number, number, number] }>): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const M = CO / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dyV = backend.typedArrayFromHeap(dy);
  const wV = backend.typedArrayFromHeap(filter);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const d = ((n * OH + oh) * OW + ow) * CO;
        for (let kh = 0; kh < FH; kh++) {
          const ih = oh * SH + kh * DH - top;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < FW; kw++) {
            const iw = ow * SW + kw * DW - left;
            if (iw < 0 || iw >= W) continue;
            const xs = ((n * H + ih) * W + iw) * C;
            const ws = (kh * FW + kw) * C * M;
            if (M === 1) {
              for (let c = 0; c < C; c++) dx[xs + c]! += wV[ws + c]! * dyV[d + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                const o = c * M;
                let s = 0;
                for (let m = 0; m < M; m++) s += wV[ws + o + m]! * dyV[d + o + m]!;
                dx[xs + c]! += s;
              }
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(attrs.inputShape, 'float32', undefined, Float32Array.from(dx));
}
