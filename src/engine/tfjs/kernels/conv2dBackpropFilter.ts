/**
 * Conv2DBackpropFilter for WASM, on the backend's XNNPACK matrix multiply. With R = N·OH·OW output
 * positions and K = FH·FW·C, dW[K, CO] = colsᵀ · dY, where cols[R, K] is the im2col of the input.
 * Both operands are stored R-major, so one must be transposed; a transposed product would leave
 * XNNPACK for a scalar loop, so the transposition is done here, on the narrower operand:
 *   - in general dWᵀ[CO, K] = dYᵀ[CO, R] · cols[R, K] (im2col stays in its natural row order);
 *   - a 1×1, stride-1, unpadded convolution (most of MobileNet's work) needs no im2col, cols is the
 *     input: dW[C, CO] = Xᵀ[C, R] · dY[R, CO] when C < CO, else as above with cols = X.
 * Rows go in chunks that bound the extra memory (im2col can be large); the chunks' products are
 * summed in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { checkFloat32, checkNHWC, heap, matMul, offsetOf, transpose, type KernelArgs, type Pad, type RoundingMode, type TensorInfo } from './wasmBackend';

interface Attrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  filterShape: [number, number, number, number];
}

/** Floats of one chunk's operand (rows × max(K, CO)): 256 Ki floats, 1 MiB. */
let CHUNK_FLOATS = 256 * 1024;

/** For tests: a small chunk exercises the multi-chunk path on small inputs. Returns the old value. */
export function setChunkFloats(n: number): number {
  const old = CHUNK_FLOATS;
  CHUNK_FLOATS = n;
  return old;
}

/** Output rows (runs of OW positions) per chunk. */
export function rowsPerChunk(outWidth: number, widest: number): number {
  return Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(1, outWidth * widest)));
}

export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs<Attrs>): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  checkNHWC('Conv2DBackpropFilter', attrs.dataFormat);
  checkFloat32('Conv2DBackpropFilter', x, dy);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = FH * FW * C;
  const pointwise = FH === 1 && FW === 1 && SH === 1 && SW === 1 && top === 0 && left === 0 && OH === H && OW === W;

  // transposeX: A = Xᵀ, B = dY, the product is dW; else A = dYᵀ, B = cols, the product is dWᵀ
  const transposeX = pointwise && C < CO;
  const acc = new Float64Array(CO * K);
  const rowsTotal = N * OH; // output rows, each OW positions
  const step = rowsPerChunk(OW, Math.max(K, CO));
  for (let g0 = 0; g0 < rowsTotal; g0 += step) {
    const g1 = Math.min(rowsTotal, g0 + step);
    const R = (g1 - g0) * OW;
    const a = backend.makeOutput(transposeX ? [C, R] : [CO, R], 'float32');
    const b = backend.makeOutput(transposeX ? [R, CO] : [R, K], 'float32'); // fresh: XNNPACK caches its packing on b
    const h = heap(backend); // after the allocations
    const xAt = offsetOf(backend, x) + g0 * OW * C;
    const dyAt = offsetOf(backend, dy) + g0 * OW * CO;
    const aAt = offsetOf(backend, a);
    const bAt = offsetOf(backend, b);
    if (transposeX) {
      transpose(h, xAt, h, aAt, R, C);
      h.copyWithin(bAt, dyAt, dyAt + R * CO);
    } else {
      transpose(h, dyAt, h, aAt, R, CO);
      if (pointwise) h.copyWithin(bAt, xAt, xAt + R * C);
      else im2colRows(h, offsetOf(backend, x), bAt, g0, g1, info);
    }
    const out = transposeX ? matMul(backend, a, b, C, R, CO) : matMul(backend, a, b, CO, R, K);
    backend.disposeData(a.dataId);
    backend.disposeData(b.dataId);
    const v = backend.typedArrayFromHeap(out);
    for (let i = 0; i < v.length; i++) acc[i]! += v[i]!;
    backend.disposeData(out.dataId);
  }
  const result = backend.makeOutput([FH, FW, C, CO], 'float32');
  const dW = backend.typedArrayFromHeap(result);
  if (transposeX) dW.set(acc);
  else transpose(acc, 0, dW, 0, CO, K);
  return result;
}

/** im2col of output rows [g0, g1) (g = n·OH + oh) into h[colsAt…]: one row of K values per output position. */
function im2colRows(h: Float32Array, xAt: number, colsAt: number, g0: number, g1: number, info: tf.backend_util.Conv2DInfo): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowLen = FW * C;
  let p = colsAt;
  for (let g = g0; g < g1; g++) {
    const n = Math.floor(g / OH);
    const oh = g - n * OH;
    const xImage = xAt + n * H * W * C;
    for (let ow = 0; ow < OW; ow++) {
      const iw0 = ow * SW - left;
      // filter columns whose input column is inside the image
      const kw0 = Math.max(0, -iw0);
      const kw1 = Math.min(FW, W - iw0);
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * SH + kh - top;
        if (ih < 0 || ih >= H || kw1 <= kw0) {
          h.fill(0, p, p + rowLen);
        } else {
          if (kw0 > 0) h.fill(0, p, p + kw0 * C);
          // adjacent filter columns read adjacent input columns: one contiguous run
          const s = xImage + (ih * W + iw0 + kw0) * C;
          const d = p + kw0 * C;
          const run = (kw1 - kw0) * C;
          if (run >= 64) h.copyWithin(d, s, s + run);
          else for (let i = 0; i < run; i++) h[d + i] = h[s + i]!;
          if (kw1 < FW) h.fill(0, p + kw1 * C, p + rowLen);
        }
        p += rowLen;
      }
    }
  }
}
