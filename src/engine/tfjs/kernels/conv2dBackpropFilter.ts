/**
 * Conv2DBackpropFilter for WASM: im2col of the input (written straight into the wasm heap) and the
 * backend's own matrix multiply, dW = colsᵀ · dY. A 1×1, stride-1, unpadded convolution (most of
 * MobileNet's work) needs no im2col: dW = Xᵀ · dY on the tensors as they are.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNHWC, type KernelArgs, type TensorInfo, type WasmBackend } from './wasmBackend';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** Floats of im2col per chunk (64 MiB): bigger batches are done in several matmuls and summed. */
let CHUNK_FLOATS = 16 * 1024 * 1024;

/** For tests: a small chunk exercises the multi-chunk path on small inputs. */
export function setIm2colChunkFloats(n: number): number {
  const old = CHUNK_FLOATS;
  CHUNK_FLOATS = n;
  return old;
}

type MatMul = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend; attrs: { transposeA: boolean; transposeB: boolean } }) => TensorInfo;

function matMul(): MatMul {
  return tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc as unknown as MatMul;
}

export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs<Attrs>): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  checkNHWC('Conv2DBackpropFilter', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = FH * FW * C;
  const bmm = matMul();

  if (FH === 1 && FW === 1 && SH === 1 && SW === 1 && top === 0 && left === 0 && OH === H && OW === W) {
    const out = bmm({ inputs: { a: { dataId: x.dataId, shape: [1, N * H * W, C], dtype: 'float32' }, b: { dataId: dy.dataId, shape: [1, N * OH * OW, CO], dtype: 'float32' } }, backend, attrs: { transposeA: true, transposeB: false } });
    out.shape = [FH, FW, C, CO];
    return out;
  }

  const perExample = OH * OW * K;
  const examplesPerChunk = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(1, perExample)));
  const single = examplesPerChunk >= N;
  const acc = single ? undefined : new Float32Array(K * CO);
  let result: TensorInfo | undefined;
  for (let n0 = 0; n0 < N; n0 += examplesPerChunk) {
    const n1 = Math.min(N, n0 + examplesPerChunk);
    const rows = (n1 - n0) * OH * OW;
    const cols = backend.makeOutput([1, rows, K], 'float32');
    let dyChunk: TensorInfo = { dataId: dy.dataId, shape: [1, rows, CO], dtype: 'float32' };
    let ownDy = false;
    if (!single) {
      dyChunk = backend.makeOutput([1, rows, CO], 'float32');
      ownDy = true;
    }
    // views after every allocation (a growing heap detaches older views)
    const colsV = backend.typedArrayFromHeap(cols);
    const xV = backend.typedArrayFromHeap(x);
    if (ownDy) backend.typedArrayFromHeap(dyChunk).set(backend.typedArrayFromHeap(dy).subarray(n0 * OH * OW * CO, n1 * OH * OW * CO));
    let p = 0;
    for (let n = n0; n < n1; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          for (let kh = 0; kh < FH; kh++) {
            const ih = oh * SH + kh * DH - top;
            if (ih < 0 || ih >= H) {
              colsV.fill(0, p, p + FW * C);
              p += FW * C;
              continue;
            }
            for (let kw = 0; kw < FW; kw++) {
              const iw = ow * SW + kw * DW - left;
              if (iw < 0 || iw >= W) {
                colsV.fill(0, p, p + C);
              } else {
                const s = ((n * H + ih) * W + iw) * C;
                if (C >= 16) colsV.set(xV.subarray(s, s + C), p);
                else for (let c = 0; c < C; c++) colsV[p + c] = xV[s + c]!;
              }
              p += C;
            }
          }
        }
      }
    }
    const out = bmm({ inputs: { a: cols, b: dyChunk }, backend, attrs: { transposeA: true, transposeB: false } });
    backend.disposeData(cols.dataId);
    if (ownDy) backend.disposeData(dyChunk.dataId);
    if (single) {
      result = out;
    } else {
      const v = backend.typedArrayFromHeap(out);
      for (let i = 0; i < v.length; i++) acc![i]! += v[i]!;
      backend.disposeData(out.dataId);
    }
  }
  if (!result) result = backend.makeOutput([FH, FW, C, CO], 'float32', undefined, acc);
  result.shape = [FH, FW, C, CO];
  return result;
}
