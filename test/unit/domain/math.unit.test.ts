/** Domain adaptation's math (src/core/domain): eigen-decomposition, CORAL and the 2-D PCA, on cases checked by hand. */
import * as assert from 'node:assert/strict';
import { applyCoral, coralMap, domainGap } from '../../../src/core/domain/coral';
import { covariance, matmul, mean, rows, symmetricEigen } from '../../../src/core/domain/linalg';
import { fitPca2, project } from '../../../src/core/domain/pca';
import { rng } from '../../../src/core/random';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** n correlated points in d dimensions: z · M + shift, with z standard normal (seeded). */
function correlated(n: number, d: number, seed: number, scale: number, shift: number): ArrayLike<number>[] {
  const r = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const m = Array.from({ length: d * d }, () => normal() * scale);
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: d }, normal);
    return Array.from({ length: d }, (_, j) => z.reduce((s, zi, i) => s + zi * m[i * d + j]!, 0) + shift * (j + 1));
  });
}

describe('domain math: symmetric eigen-decomposition', () => {
  it('[[2,1],[1,2]] has eigenvalues 3 and 1 with eigenvectors (1,1)/√2 and (1,−1)/√2', () => {
    const e = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    close(e.values[0]!, 3, 1e-12, 'λ1');
    close(e.values[1]!, 1, 1e-12, 'λ2');
    close(Math.abs(e.vectors[0]!), Math.SQRT1_2, 1e-12, 'v1[0]');
    close(e.vectors[0]! * e.vectors[2]!, 0.5, 1e-12, 'v1 = ±(1,1)/√2');
    close(e.vectors[1]! * e.vectors[3]!, -0.5, 1e-12, 'v2 = ±(1,−1)/√2');
  });

  it('a 40×40 covariance: A·V = V·Λ, VᵀV = I, eigenvalues sorted', () => {
    const d = 40;
    const c = covariance(rows(correlated(100, d, 3, 1, 0)));
    const e = symmetricEigen(c, d);
    const av = matmul(c, e.vectors, d, d, d);
    let worst = 0;
    for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) worst = Math.max(worst, Math.abs(av[i * d + k]! - e.vectors[i * d + k]! * e.values[k]!));
    assert.ok(worst < 1e-9 * e.values[0]!, `residual ${worst}`);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += e.vectors[i * d + a]! * e.vectors[i * d + b]!;
      close(dot, a === b ? 1 : 0, 1e-10, `v${a}·v${b}`);
    }
    for (let k = 1; k < d; k++) assert.ok(e.values[k - 1]! >= e.values[k]!);
  });
});

describe('domain math: CORAL', () => {
  it('1-D by hand: source {0, 2} (mean 1, variance 2), target {10, 14} (mean 12, variance 8): f′ = 0.5·f − 5', () => {
    const m = coralMap(rows([[0], [2]]), rows([[10], [14]]), 0);
    close(m.kernel[0]!, 0.5, 1e-12, 'kernel');
    close(m.bias[0]!, -5, 1e-12, 'bias');
    assert.deepEqual(Array.from(applyCoral(m, rows([[10], [14]])).data), [0, 2]);
  });

  it('1-D with ε: kernel √((2 + ε)/(8 + ε)), ε = relative ε × the mean variance (5)', () => {
    const m = coralMap(rows([[0], [2]]), rows([[10], [14]]), 0.2);
    close(m.epsilon, 1, 1e-12, 'ε');
    close(m.kernel[0]!, Math.sqrt(3 / 9), 1e-12, 'kernel');
    close(m.bias[0]!, 1 - 12 * Math.sqrt(3 / 9), 1e-12, 'bias');
  });

  it('6-D, ε = 0: mapped target features have exactly the source mean and covariance; the gap closes', () => {
    const d = 6;
    const source = rows(correlated(200, d, 1, 1, 0));
    const target = rows(correlated(150, d, 2, 3, 5));
    const mapped = applyCoral(coralMap(source, target, 0), target);
    const [ms, mm] = [mean(source), mean(mapped)];
    for (let j = 0; j < d; j++) close(mm[j]!, ms[j]!, 1e-9, `mean[${j}]`);
    const [cs, cm] = [covariance(source), covariance(mapped)];
    for (let i = 0; i < d * d; i++) close(cm[i]!, cs[i]!, 1e-8, `cov[${i}]`);
    const before = domainGap(source, target);
    const after = domainGap(source, mapped);
    assert.ok(before.coral > 1 && before.meanDistance > 1, JSON.stringify(before));
    assert.ok(after.coral < 1e-15 && after.meanDistance < 1e-9, JSON.stringify(after));
  });

  it('identical statistics: the map is the identity', () => {
    const x = rows(correlated(50, 4, 5, 1, 1));
    const m = coralMap(x, x);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) close(m.kernel[i * 4 + j]!, i === j ? 1 : 0, 1e-9, `kernel[${i},${j}]`);
    for (const b of m.bias) close(b, 0, 1e-9, 'bias');
  });
});

describe('domain math: 2-D PCA', () => {
  it('(±2, 0), (0, ±1): axes x and y, variances 8/3 and 2/3 (80% and 20%), points projected as they are', () => {
    const x = rows([[2, 0], [-2, 0], [0, 1], [0, -1]]);
    const p = fitPca2(x);
    close(p.variance[0], 8 / 3, 1e-9, 'variance 1');
    close(p.variance[1], 2 / 3, 1e-9, 'variance 2');
    close(p.explained[0], 0.8, 1e-9, 'explained 1');
    close(p.axes[0][0]!, 1, 1e-9, 'axis 1 = (1, 0)');
    close(p.axes[1][1]!, 1, 1e-9, 'axis 2 = (0, 1)');
    const pts = project(p, x);
    [[2, 0], [-2, 0], [0, 1], [0, -1]].forEach(([a, b], i) => { close(pts[i]![0], a!, 1e-9, `x${i}`); close(pts[i]![1], b!, 1e-9, `y${i}`); });
  });

  it('30-D: the axes are the covariance\'s top two eigenvectors (Jacobi), the variances its top two eigenvalues', () => {
    const d = 30;
    const x = rows(correlated(120, d, 9, 1, 2));
    const p = fitPca2(x);
    const e = symmetricEigen(covariance(x), d);
    for (let k = 0; k < 2; k++) {
      close(p.variance[k]!, e.values[k]!, 1e-6 * e.values[0]!, `variance ${k}`);
      let dot = 0;
      for (let i = 0; i < d; i++) dot += p.axes[k]![i]! * e.vectors[i * d + k]!;
      close(Math.abs(dot), 1, 1e-6, `axis ${k} · eigenvector ${k}`);
    }
  });
});
