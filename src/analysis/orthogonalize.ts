/**
 * orthogonalize: the part of a factor that other factors do not explain,
 * per cross-section (the multi-factor `csNeutralize`).
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { Factor } from "../factor/factor.ts";
import { EPS } from "../factor/kernels.ts";
import { evaluateFactors, valuesFactor } from "./evaluated.ts";
import { densePanel } from "./panel.ts";

/**
 * The residual of the least-squares fit of `factor` on [1, ...against] at
 * each end_time, over the symbols where `factor` and every regressor are
 * present (null elsewhere). Regressors are taken in order and
 * orthogonalised against the ones before (modified Gram-Schmidt on the
 * demeaned columns); one whose remaining spread (sample std) is <= EPS
 * (constant, a combination of the earlier ones, or a single symbol) is
 * skipped, so with a single regressor this is `csNeutralize`. With no
 * more symbols than regressors + 1 the fit is exact and the residuals 0.
 * Computed over the bars of `agg` (whose keys the result carries) and
 * returned as the factor of a new AggBar holding the values.
 *
 * @example
 * ```ts ignore
 * const pure = await orthogonalize(agg, momentum, [size, volatility]);
 * const analysis = await pure.analyze(agg);
 * ```
 */
export async function orthogonalize(
  agg: AggBar,
  factor: Factor,
  against: readonly Factor[],
): Promise<Factor> {
  if (!(factor instanceof Factor)) {
    throw new InvalidArgumentError("factor", factor, "a Factor");
  }
  if (
    !Array.isArray(against) || against.length === 0 ||
    !against.every((f) => f instanceof Factor)
  ) {
    throw new InvalidArgumentError(
      "against",
      against,
      "a non-empty array of Factors to neutralise against",
    );
  }
  const { bars, columns } = await evaluateFactors(agg, [factor, ...against]);
  const panel = densePanel(bars.toPolars(), columns);
  const T = panel.times.length, N = panel.symbols.length;
  const K = against.length;
  const y = panel.values[columns[0]];
  const xs = columns.slice(1).map((c) => panel.values[c]);
  const residual = new Float64Array(T * N).fill(NaN);
  const where = new Uint32Array(N);
  const basis = Array.from({ length: K }, () => new Float64Array(N));
  const r = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    let n = 0;
    for (let s = 0; s < N; s++) {
      const c = t * N + s;
      if (!Number.isNaN(y[c]) && xs.every((x) => !Number.isNaN(x[c]))) {
        where[n++] = s;
      }
    }
    if (n === 0) continue;
    demeaned(y, t * N, where, n, r);
    let kept = 0;
    for (let k = 0; k < K; k++) {
      const q = basis[kept];
      demeaned(xs[k], t * N, where, n, q);
      for (let j = 0; j < kept; j++) project(q, basis[j], n);
      let norm = 0;
      for (let j = 0; j < n; j++) norm += q[j] * q[j];
      // The column's remaining spread, as csNeutralize's guard (ddof 1).
      if (n < 2 || Math.sqrt(norm / (n - 1)) <= EPS) continue;
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < n; j++) q[j] *= scale;
      project(r, q, n);
      kept++;
    }
    for (let j = 0; j < n; j++) residual[t * N + where[j]] = r[j];
  }
  const values = new Float64Array(panel.cells.length);
  panel.cells.forEach((c, row) => values[row] = residual[c]);
  return valuesFactor(
    bars,
    values,
    `orthogonalize(${factor.name};${against.map((f) => f.name).join(",")})`,
  );
}

/** out[0..n) = the values of `matrix` at `where`, minus their mean. */
function demeaned(
  matrix: Float64Array,
  offset: number,
  where: Uint32Array,
  n: number,
  out: Float64Array,
): void {
  let mean = 0;
  for (let j = 0; j < n; j++) mean += out[j] = matrix[offset + where[j]];
  mean /= n;
  for (let j = 0; j < n; j++) out[j] -= mean;
}

/** v −= (v·q) q for a unit vector q. */
function project(v: Float64Array, q: Float64Array, n: number): void {
  let dot = 0;
  for (let j = 0; j < n; j++) dot += v[j] * q[j];
  for (let j = 0; j < n; j++) v[j] -= dot * q[j];
}
