/**
 * CORAL (Sun, Feng & Saenko, "Return of Frustratingly Easy Domain Adaptation", 2016): align the
 * second-order statistics of two feature distributions with one linear map. The paper recolours
 * the source features with the target's covariance and trains the classifier on them; for a
 * linear head that equals training on the source as it is and mapping the target features back
 * onto the source's statistics — what this computes, so the head a run trained stays as it is and
 * the map becomes one frozen layer in front of it:
 *
 *   f′ = (f − μₜ) · Cₜ^(−½) · Cₛ^(½) + μₛ,   C = cov + ε·I
 *
 * (rows are feature vectors). f′ has the source's mean and (regularised) covariance.
 */
import { DOMAIN_DEFAULTS } from './defaults';
import { covariance, matmul, matrixFunction, mean, symmetricEigen, type Rows } from './linalg';

export interface CoralMap {
  d: number;
  /** d×d, row-major, for row vectors: f′ = f · kernel + bias (a Dense layer's kernel as it is stored). */
  kernel: Float64Array;
  bias: Float64Array;
  /** The ε added to both covariances' diagonal. */
  epsilon: number;
}

/** The mean variance over features (a covariance's trace / d). */
export function meanVariance(cov: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += cov[i * d + i]!;
  return t / Math.max(1, d);
}

/**
 * The map that carries target features onto the source's mean and covariance. `relativeEpsilon`
 * scales the regulariser to the features' mean variance (the paper's ε = 1 is for unit-variance
 * features), so a covariance estimated from fewer images than features stays invertible.
 */
export function coralMap(source: Rows, target: Rows, relativeEpsilon: number = DOMAIN_DEFAULTS.coralEpsilon): CoralMap {
  if (source.d !== target.d) throw new Error(`source features have ${source.d} values, target ${target.d}`);
  if (source.n < 2 || target.n < 2) throw new Error('CORAL needs at least two feature vectors of each domain');
  const d = source.d;
  const ms = mean(source);
  const mt = mean(target);
  const cs = covariance(source, ms);
  const ct = covariance(target, mt);
  const epsilon = relativeEpsilon * Math.max((meanVariance(cs, d) + meanVariance(ct, d)) / 2, 1e-12);
  for (let i = 0; i < d; i++) { cs[i * d + i]! += epsilon; ct[i * d + i]! += epsilon; }
  const whiten = matrixFunction(symmetricEigen(ct, d), d, (l) => 1 / Math.sqrt(Math.max(l, epsilon)));
  const colour = matrixFunction(symmetricEigen(cs, d), d, (l) => Math.sqrt(l));
  const kernel = matmul(whiten, colour, d, d, d);
  const shifted = matmul(mt, kernel, 1, d, d);
  const bias = ms.map((m, j) => m - shifted[j]!);
  return { d, kernel, bias, epsilon };
}

/** Apply a map to rows of features. */
export function applyCoral(map: CoralMap, x: Rows): Rows {
  const y = matmul(x.data, map.kernel, x.n, map.d, map.d);
  for (let i = 0; i < x.n; i++) for (let j = 0; j < map.d; j++) y[i * map.d + j]! += map.bias[j]!;
  return { n: x.n, d: map.d, data: y };
}

/**
 * How far apart two feature distributions are: the CORAL loss ‖Cₛ − Cₜ‖²_F / (4d²) and the
 * distance between the means divided by √d (both 0 for identical statistics).
 */
export function domainGap(source: Rows, target: Rows): { coral: number; meanDistance: number } {
  const d = source.d;
  const ms = mean(source);
  const mt = mean(target);
  const cs = covariance(source, ms);
  const ct = covariance(target, mt);
  let f = 0;
  for (let i = 0; i < d * d; i++) f += (cs[i]! - ct[i]!) ** 2;
  let m = 0;
  for (let j = 0; j < d; j++) m += (ms[j]! - mt[j]!) ** 2;
  return { coral: f / (4 * d * d), meanDistance: Math.sqrt(m / Math.max(1, d)) };
}
