/**
 * The little dense linear algebra domain adaptation needs, on row-major Float64Arrays: feature
 * moments and a symmetric eigen-decomposition (Householder + QL, exact to rounding for the few
 * hundred to ~1300 features a cut has). No TF.js: the numbers are checked by hand in the tests.
 */

/** An n×d matrix of n feature vectors (row-major). */
export interface Rows {
  n: number;
  d: number;
  data: Float64Array;
}

export function rows(vectors: ArrayLike<number>[], d = vectors[0]?.length ?? 0): Rows {
  const data = new Float64Array(vectors.length * d);
  vectors.forEach((v, i) => {
    if (v.length !== d) throw new Error(`feature vector ${i} has ${v.length} values, expected ${d}`);
    for (let j = 0; j < d; j++) data[i * d + j] = v[j]!;
  });
  return { n: vectors.length, d, data };
}

export function mean(x: Rows): Float64Array {
  const m = new Float64Array(x.d);
  for (let i = 0; i < x.n; i++) for (let j = 0; j < x.d; j++) m[j]! += x.data[i * x.d + j]!;
  for (let j = 0; j < x.d; j++) m[j]! /= Math.max(1, x.n);
  return m;
}

/** The d×d covariance (divided by n − 1, as CORAL does), around `m`. */
export function covariance(x: Rows, m = mean(x)): Float64Array {
  const { n, d } = x;
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x.data[i * d + j]! - m[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      const off = a * d;
      for (let b = a; b < d; b++) c[off + b]! += ra * row[b]!;
    }
  }
  const div = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) { const v = c[a * d + b]! / div; c[a * d + b] = v; c[b * d + a] = v; }
  return c;
}

export interface Eigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as the columns of a d×d row-major matrix, in the order of `values`. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric d×d matrix: Householder reduction to tridiagonal form, then
 * the implicit QL algorithm (EISPACK's tred2 / tql2, as JAMA writes them). About 3d³ flops: a
 * 1280-feature covariance in seconds, where cyclic Jacobi took minutes.
 */
export function symmetricEigen(matrix: Float64Array, d: number): Eigen {
  if (matrix.length !== d * d) throw new Error(`expected a ${d}×${d} matrix, got ${matrix.length} values`);
  const n = d;
  // V as rows of arrays (row access is what both algorithms do)
  const V: Float64Array[] = Array.from({ length: n }, (_, i) => Float64Array.from(matrix.subarray(i * n, (i + 1) * n)));
  const dd = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) tred2(V, dd, e, n);
  // QL rotates pairs of columns of V: on the transpose they are two contiguous rows
  const Vt: Float64Array[] = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, k) => V[k]![i]!));
  if (n > 0) tql2(Vt, dd, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => dd[j]! - dd[i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = dd[src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = Vt[src]![k]!;
  });
  return { values, vectors };
}

function tred2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[n - 1]![j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) { d[j] = V[i - 1]![j]!; V[i]![j] = 0; V[j]![i] = 0; }
    } else {
      for (let k = 0; k < i; k++) { d[k]! /= scale; h += d[k]! * d[k]!; }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j]![i] = f;
        g = e[j]! + V[j]![j]! * f;
        for (let k = j + 1; k <= i - 1; k++) { g += V[k]![j]! * d[k]!; e[k]! += V[k]![j]! * f; }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j]! /= h; f += e[j]! * d[j]!; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k]![j]! -= f * e[k]! + g * d[k]!;
        d[j] = V[i - 1]![j]!;
        V[i]![j] = 0;
      }
    }
    d[i] = h;
  }
  // accumulate the transformations
  for (let i = 0; i < n - 1; i++) {
    V[n - 1]![i] = V[i]![i]!;
    V[i]![i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k]![i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k]![i + 1]! * V[k]![j]!;
        for (let k = 0; k <= i; k++) V[k]![j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k]![i + 1] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = V[n - 1]![j]!; V[n - 1]![j] = 0; }
  V[n - 1]![n - 1] = 1;
  e[0] = 0;
}

/** `Vt` is the transpose of tred2's V (eigenvector i in row i). */
function tql2(Vt: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      for (let iter = 0; ; iter++) {
        if (iter > 100) throw new Error('eigen-decomposition did not converge');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const vi = Vt[i]!;
          const vi1 = Vt[i + 1]!;
          for (let k = 0; k < n; k++) {
            h = vi1[k]!;
            vi1[k] = s * vi[k]! + c * h;
            vi[k] = c * vi[k]! - s * h;
          }
        }
        p = -s * s2 * c3 * el1 * e[l]! / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]!) > eps * tst1)) break;
      }
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** V · diag(f(λ)) · Vᵀ: a function of a symmetric positive semi-definite matrix (its square root, inverse square root). */
export function matrixFunction(e: Eigen, d: number, f: (lambda: number) => number): Float64Array {
  const out = new Float64Array(d * d);
  const fl = e.values.map((l) => f(Math.max(l, 0)));
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const w = e.vectors[i * d + k]! * fl[k]!;
      if (w === 0) continue;
      for (let j = i; j < d; j++) out[i * d + j]! += w * e.vectors[j * d + k]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[j * d + i] = out[i * d + j]!;
  return out;
}

/** A (n×k) · B (k×m), row-major. */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += aip * b[p * m + j]!;
    }
  }
  return out;
}
