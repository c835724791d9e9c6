/**
 * A 2-D projection of feature vectors by principal components: the top two directions of the
 * centred data found by subspace iteration on X (Xᵀ(X·V), then Gram–Schmidt), never forming the
 * d×d covariance, so a 1280-feature cut costs O(n·d) per iteration. Deterministic: a fixed start
 * and each axis's sign fixed by its largest component.
 */
import type { Rows } from './linalg';
import { mean } from './linalg';

export interface Projection {
  /** The centre subtracted before projecting. */
  mean: Float64Array;
  /** Two unit axes, each of length d. */
  axes: [Float64Array, Float64Array];
  /** Variance along each axis, and its share of the total variance. */
  variance: [number, number];
  explained: [number, number];
}

function orthonormalize(v: Float64Array[]): void {
  for (let k = 0; k < v.length; k++) {
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < v[k]!.length; i++) dot += v[k]![i]! * v[j]![i]!;
      for (let i = 0; i < v[k]!.length; i++) v[k]![i]! -= dot * v[j]![i]!;
    }
    let norm = 0;
    for (const x of v[k]!) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) { v[k]!.fill(0); v[k]![k % v[k]!.length] = 1; continue; }
    for (let i = 0; i < v[k]!.length; i++) v[k]![i]! /= norm;
  }
}

/** Xᵀ(X·v) of the centred data, one pass over the rows. */
function covTimes(x: Rows, m: Float64Array, v: Float64Array, out: Float64Array): void {
  out.fill(0);
  const { n, d, data } = x;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (data[r * d + j]! - m[j]!) * v[j]!;
    if (s === 0) continue;
    for (let j = 0; j < d; j++) out[j]! += s * (data[r * d + j]! - m[j]!);
  }
}

export function fitPca2(x: Rows, iterations = 500, tolerance = 1e-9): Projection {
  if (x.n < 1 || x.d < 1) throw new Error('PCA needs at least one feature vector');
  const { d, n } = x;
  const m = mean(x);
  // start: two fixed, generic directions
  const v = [Float64Array.from({ length: d }, (_, i) => 1 + Math.sin(i + 1)), Float64Array.from({ length: d }, (_, i) => Math.cos(3 * i + 1))];
  orthonormalize(v);
  const w = [new Float64Array(d), new Float64Array(d)];
  for (let it = 0; it < iterations; it++) {
    covTimes(x, m, v[0]!, w[0]!);
    covTimes(x, m, v[1]!, w[1]!);
    orthonormalize(w);
    let change = 0;
    for (let k = 0; k < 2; k++) {
      // how far the axis moved (up to sign)
      let dot = 0;
      for (let i = 0; i < d; i++) dot += w[k]![i]! * v[k]![i]!;
      let moved = 0;
      for (let i = 0; i < d; i++) moved += (w[k]![i]! - Math.sign(dot || 1) * v[k]![i]!) ** 2;
      change = Math.max(change, Math.sqrt(moved));
      v[k]!.set(w[k]!);
    }
    if (change < tolerance) break;
  }
  // the two directions in order of the variance along them, and each axis's sign fixed
  const tmp = new Float64Array(d);
  const varianceAlong = (axis: Float64Array): number => {
    covTimes(x, m, axis, tmp);
    let s = 0;
    for (let i = 0; i < d; i++) s += tmp[i]! * axis[i]!;
    return s / Math.max(1, n - 1);
  };
  let axes = v as [Float64Array, Float64Array];
  let variance: [number, number] = [varianceAlong(axes[0]), varianceAlong(axes[1])];
  if (variance[1] > variance[0]) { axes = [axes[1], axes[0]]; variance = [variance[1], variance[0]]; }
  for (const a of axes) {
    let big = 0;
    for (let i = 1; i < d; i++) if (Math.abs(a[i]!) > Math.abs(a[big]!) + 1e-12) big = i;
    if (a[big]! < 0) for (let i = 0; i < d; i++) a[i] = -a[i]!;
  }
  let total = 0;
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) total += (x.data[r * d + j]! - m[j]!) ** 2;
  total /= Math.max(1, n - 1);
  const share = (s: number): number => (total > 0 ? s / total : 0);
  return { mean: m, axes, variance, explained: [share(variance[0]), share(variance[1])] };
}

/** Each row's coordinates on the two axes. */
export function project(p: Projection, x: Rows): [number, number][] {
  const out: [number, number][] = [];
  for (let r = 0; r < x.n; r++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < x.d; j++) {
      const c = x.data[r * x.d + j]! - p.mean[j]!;
      a += c * p.axes[0][j]!;
      b += c * p.axes[1][j]!;
    }
    out.push([a, b]);
  }
  return out;
}
