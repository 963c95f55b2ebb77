/**
 * combine: one composite factor from several, with equal weights, summed
 * z-scores, or weights from each factor's trailing IC (only ICs already
 * realised at t weigh the composite at t).
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { namedFactors } from "../factor/compute.ts";
import type { Factor } from "../factor/factor.ts";
import { EPS } from "../factor/kernels.ts";
import {
  checkOptions,
  oneOf,
  type OptionNames,
  positiveInteger,
} from "../options.ts";
import { evaluateFactors, valuesFactor } from "./evaluated.ts";
import { densePanel } from "./panel.ts";
import { averageRanks, pearson } from "./stats.ts";

/** How {@linkcode combine} weighs its factors. */
export type CombineMethod = "equal" | "zscore_sum" | "ic_weighted";

/** Options of {@linkcode combine}. */
export interface CombineOptions {
  /** `equal` (mean of cs_rank), `zscore_sum` (sum of cs_zscore) or `ic_weighted` (cs_zscore weighted by trailing IC). @default "equal" */
  method?: CombineMethod;
  /** `ic_weighted`: the number of past time slices whose ICs are averaged into a weight. @default 20 */
  lookback?: number;
  /** `ic_weighted`: the AggBar whose `price` gives the forward returns of the ICs. @default required for ic_weighted */
  agg?: AggBar;
  /** `ic_weighted`: the price column. @default "close" */
  price?: string;
  /** `ic_weighted`: the forward horizon of the ICs, in bars of the time grid. @default 1 */
  period?: number;
  /** `ic_weighted`: fewest symbols with a value and a forward return for an IC. @default 3 */
  minSymbols?: number;
}

const COMBINE_OPTIONS: OptionNames<CombineOptions> = {
  method: true,
  lookback: true,
  agg: true,
  price: true,
  period: true,
  minSymbols: true,
};

const METHODS: readonly CombineMethod[] = [
  "equal",
  "zscore_sum",
  "ic_weighted",
];

/**
 * Combines named factors into one.
 *
 * - `equal`: the mean of the factors' cross-sectional ranks
 *   (`cs_rank`, in (0, 1]): scale-free, every factor counts the same;
 * - `zscore_sum`: the sum of their cross-sectional z-scores (`cs_zscore`);
 * - `ic_weighted`: Σᵢ wᵢ(t)·cs_zscore(fᵢ)(t) with wᵢ(t) the mean of
 *   factor i's Spearman IC over the last `lookback` time slices whose
 *   forward return is known at t: the IC of slice u uses the return from
 *   u to u + `period`, so only slices u ≤ t − period count (ICs absent in
 *   the window are skipped; no IC, no value). Weights are scaled to
 *   Σ|wᵢ| = 1; where that sum is <= EPS the composite is null.
 *
 * A composite is null at a bar where any factor is. `equal` and
 * `zscore_sum` are expressions over the factors (evaluated lazily, like
 * any factor); `ic_weighted` is computed here and returned as the factor
 * of a new AggBar holding the values (it joins `agg` on its keys).
 *
 * @example
 * ```ts ignore
 * const composite = await combine(
 *   { mom: agg.factor("ts_delta(close, 20)"), rev: agg.factor("-ts_delta(close, 5)") },
 *   { method: "ic_weighted", lookback: 60, agg },
 * );
 * const analysis = await composite.analyze(agg);
 * ```
 */
export async function combine(
  factors: Record<string, Factor>,
  options: CombineOptions = {},
): Promise<Factor> {
  const checked = checkOptions("combine", options, COMBINE_OPTIONS);
  const method = oneOf("method", checked.method ?? "equal", METHODS);
  if (factors === null || typeof factors !== "object") {
    throw new InvalidArgumentError(
      "factors",
      factors,
      "an object mapping names to Factors",
    );
  }
  const names = namedFactors(factors, "a Factor");
  const list = names.map((name) => factors[name]);
  if (method === "equal") {
    return list.map((f) => f.csRank()).reduce((a, b) => a.add(b))
      .div(list.length);
  }
  const zscores = list.map((f) => f.csZscore());
  if (method === "zscore_sum") return zscores.reduce((a, b) => a.add(b));
  const agg = checked.agg;
  if (agg === undefined || typeof agg !== "object") {
    throw new InvalidArgumentError(
      "agg",
      agg,
      "the AggBar whose prices give the ICs' forward returns (method ic_weighted)",
    );
  }
  const lookback = positiveInteger("lookback", checked.lookback ?? 20);
  const period = positiveInteger("period", checked.period ?? 1);
  const minSymbols = checked.minSymbols ?? 3;
  if (!Number.isSafeInteger(minSymbols) || minSymbols < 2) {
    throw new InvalidArgumentError("minSymbols", minSymbols, "an integer >= 2");
  }
  const price = checked.price ?? "close";
  const { bars, columns } = await evaluateFactors(agg, zscores, price);
  const panel = densePanel(bars.toPolars(), [...columns, price]);
  const T = panel.times.length, N = panel.symbols.length, F = columns.length;
  const z = columns.map((c) => panel.values[c]);
  const p = panel.values[price];
  // ic[i * T + u]: factor i's Spearman IC of slice u (NaN when absent).
  const ic = new Float64Array(F * T).fill(NaN);
  const x = new Float64Array(N), y = new Float64Array(N);
  const rx = new Float64Array(N), ry = new Float64Array(N);
  const scratch = new Float64Array(N);
  for (let i = 0; i < F; i++) {
    for (let u = 0; u + period < T; u++) {
      let n = 0;
      for (let s = 0; s < N; s++) {
        const c = u * N + s, later = (u + period) * N + s;
        const r = p[c] > 0 ? p[later] / p[c] - 1 : NaN;
        if (!Number.isNaN(z[i][c]) && Number.isFinite(r)) {
          x[n] = z[i][c];
          y[n++] = r;
        }
      }
      if (n < minSymbols) continue;
      averageRanks(x, n, rx, scratch);
      averageRanks(y, n, ry, scratch);
      ic[i * T + u] = pearson(rx, ry, n);
    }
  }
  const combined = new Float64Array(T * N).fill(NaN);
  const w = new Float64Array(F);
  for (let t = 0; t < T; t++) {
    // The ICs of slices u in [t − period − lookback + 1, t − period].
    let scale = 0;
    for (let i = 0; i < F; i++) {
      let sum = 0, count = 0;
      for (
        let u = Math.max(0, t - period - lookback + 1);
        u <= t - period;
        u++
      ) {
        const v = ic[i * T + u];
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      }
      w[i] = count > 0 ? sum / count : NaN;
      scale += Math.abs(w[i]);
    }
    if (!(scale > EPS)) continue;
    for (let s = 0; s < N; s++) {
      let value = 0;
      for (let i = 0; i < F; i++) value += (w[i] / scale) * z[i][t * N + s];
      combined[t * N + s] = value;
    }
  }
  const values = new Float64Array(panel.cells.length);
  panel.cells.forEach((c, r) => values[r] = combined[c]);
  return valuesFactor(
    bars,
    values,
    `combine_ic_weighted(${
      names.join(",")
    };lookback=${lookback},period=${period})`,
  );
}
