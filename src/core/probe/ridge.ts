/**
 * The cheap linear probe a cut is scored with: features standardised with the training sample's
 * statistics, then closed-form ridge regression onto the targets (one-hot classes, multi-hot
 * labels, or values), solved in its dual form — the sample is smaller than the feature count, so
 * the system is n×n — for a few penalties, keeping the one that scores best on validation.
 */
import type { Task } from '../recipe/defaults';

export interface ProbeData {
  /** Row-major features, `n × d`. */
  x: Float32Array;
  n: number;
  d: number;
  /** Row-major targets, `n × k`. */
  y: Float32Array;
  k: number;
}

export interface ProbeScore {
  /** accuracy (single-label), binary accuracy (multi-label), or mean absolute error (regression). */
  metric: number;
  train: number;
  lambda: number;
}

/** Per-feature mean and std of `train`, applied to both (the validation statistics are never used). */
export function standardize(train: ProbeData, val: ProbeData): void {
  const { d } = train;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < train.n; i++) { const v = train.x[i * d + j]!; s += v; s2 += v * v; }
    const mean = s / train.n;
    const std = Math.sqrt(Math.max(0, s2 / train.n - mean * mean)) || 1;
    for (const set of [train, val]) for (let i = 0; i < set.n; i++) set.x[i * d + j] = (set.x[i * d + j]! - mean) / std;
  }
}

/** Cholesky factor of a symmetric positive-definite n×n matrix (row-major, in place: lower triangle). */
export function cholesky(a: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= a[j * n + k]! ** 2;
    if (s <= 0) throw new Error('matrix is not positive definite');
    const l = Math.sqrt(s);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = t / l;
    }
  }
  return a;
}

/** Solves L Lᵀ X = B for X (B: n×k, row-major), in place. */
function choleskySolve(l: Float64Array, n: number, b: Float64Array, k: number): Float64Array {
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) { let s = b[i * k + c]!; for (let j = 0; j < i; j++) s -= l[i * n + j]! * b[j * k + c]!; b[i * k + c] = s / l[i * n + i]!; }
    for (let i = n - 1; i >= 0; i--) { let s = b[i * k + c]!; for (let j = i + 1; j < n; j++) s -= l[j * n + i]! * b[j * k + c]!; b[i * k + c] = s / l[i * n + i]!; }
  }
  return b;
}

function gram(a: ProbeData, b: ProbeData): Float64Array {
  const g = new Float64Array(a.n * b.n);
  const d = a.d;
  for (let i = 0; i < a.n; i++) {
    for (let j = 0; j < b.n; j++) {
      let s = 0;
      const oi = i * d;
      const oj = j * d;
      for (let t = 0; t < d; t++) s += a.x[oi + t]! * b.x[oj + t]!;
      g[i * b.n + j] = s;
    }
  }
  return g;
}

/** The task's metric of predictions `p` (n×k) against targets. */
export function probeMetric(task: Task, p: Float64Array, set: ProbeData): number {
  const { n, k, y } = set;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (task === 'single-label') {
      let best = 0;
      let truth = 0;
      for (let c = 1; c < k; c++) { if (p[i * k + c]! > p[i * k + best]!) best = c; if (y[i * k + c]! > y[i * k + truth]!) truth = c; }
      sum += best === truth ? 1 : 0;
    } else if (task === 'multi-label') {
      let ok = 0;
      for (let c = 0; c < k; c++) ok += (p[i * k + c]! > 0.5) === (y[i * k + c]! > 0.5) ? 1 : 0;
      sum += ok / k;
    } else {
      let e = 0;
      for (let c = 0; c < k; c++) e += Math.abs(p[i * k + c]! - y[i * k + c]!);
      sum += e / k;
    }
  }
  return n ? sum / n : Number.NaN;
}

/** Ridge probe on already-standardised features: the best validation score over the penalties. */
export function ridgeProbe(task: Task, train: ProbeData, val: ProbeData, lambdas = [0.1, 1, 10, 100, 1000]): ProbeScore {
  const kTrain = gram(train, train);
  const kVal = gram(val, train);
  const n = train.n;
  const k = train.k;
  // regression targets are centred so the penalty does not pull predictions to zero
  const mean = new Float64Array(k);
  if (task === 'regression') for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) mean[c] += train.y[i * k + c]! / n;
  const higher = task !== 'regression';
  let best: ProbeScore | undefined;
  for (const lambda of lambdas) {
    const a = new Float64Array(kTrain);
    for (let i = 0; i < n; i++) a[i * n + i] += lambda * train.d / 100; // a penalty on the scale of the features' total variance
    let alpha: Float64Array;
    try {
      alpha = choleskySolve(cholesky(a, n), n, Float64Array.from(train.y, (v, idx) => v - mean[idx % k]!), k);
    } catch {
      continue;
    }
    const predict = (kernel: Float64Array, rows: number): Float64Array => {
      const p = new Float64Array(rows * k);
      for (let i = 0; i < rows; i++) for (let c = 0; c < k; c++) { let s = mean[c]!; for (let j = 0; j < n; j++) s += kernel[i * n + j]! * alpha[j * k + c]!; p[i * k + c] = s; }
      return p;
    };
    const score = { metric: probeMetric(task, predict(kVal, val.n), val), train: probeMetric(task, predict(kTrain, n), train), lambda };
    if (!best || (higher ? score.metric > best.metric : score.metric < best.metric)) best = score;
  }
  if (!best) throw new Error('the probe could not be solved for any penalty');
  return best;
}
