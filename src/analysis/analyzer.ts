/**
 * FactorAnalyzer: how well a factor predicts forward returns: IC per time
 * (Spearman and Pearson) and its summary, mean forward return per
 * quantile and the top-minus-bottom spread, cumulative long-short
 * returns, quantile turnover, factor rank autocorrelation and IC decay.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { Factor } from "../factor/factor.ts";
import { EPS } from "../factor/kernels.ts";
import type { DataFrame } from "../polars.ts";
import { atRows, densePanel, frameOf, type Panel } from "./panel.ts";
import { averageRanks, moments, pearson, studentTwoSidedP } from "./stats.ts";
import { type AnalysisTables, FactorAnalysis } from "./factor_analysis.ts";
import { type CoverageCounts, coverageTable, refuseEmpty } from "./coverage.ts";
import { type Universe, universeFactor } from "./universe.ts";
import { factorAndPrice } from "./factor_price.ts";
import { checkOptions, type OptionNames, stringOption } from "../options.ts";

/** Options of {@linkcode analyzeFactor} (`factor.analyze(agg, options)`). */
export interface AnalyzeOptions {
  /**
   * Only symbols in this universe at a bar are analysed there (a boolean
   * Factor, or a rule such as `{ top: 20, window: "7d" }` evaluated from
   * trailing data, see `UniverseRule`); outside it the factor
   * counts as null. @default undefined (every symbol)
   */
  universe?: Universe;
  /** Forward-return horizons in bars of the time grid (positive integers). @default [1, 5, 20] */
  periods?: readonly number[];
  /** Number of quantile buckets, from 2 to the AggBar's symbol count. @default 5 */
  quantiles?: number;
  /** The AggBar column the returns are computed from. @default "close" */
  price?: string;
  /** Fewest symbols a time slice needs for an IC (and a rank autocorrelation) value, from 2 to the AggBar's symbol count. @default 3 */
  minSymbols?: number;
  /**
   * Largest share (0 to 1) of the factor's rows that may lack a forward
   * return for any period (factor null, no price bar, no price k bars
   * later); above it `analyze` throws with the counts. @default 1 (no limit)
   */
  maxLoss?: number;
  /**
   * Quantile returns relative to the cross-section: each time slice's
   * quantile mean minus the mean forward return of all its bucketed symbols
   * (as alphalens' `demeaned`), so the quantiles show what the factor adds
   * over the market's move. The spread and long-short are the same either
   * way. @default true
   */
  demeaned?: boolean;
}

const ANALYZE_OPTIONS: OptionNames<AnalyzeOptions> = {
  periods: true,
  quantiles: true,
  price: true,
  minSymbols: true,
  maxLoss: true,
  demeaned: true,
  universe: true,
};

function positiveIntegers(argument: string, values: unknown): number[] {
  if (
    !Array.isArray(values) || values.length === 0 ||
    !values.every((v) => Number.isSafeInteger(v) && v > 0)
  ) {
    throw new InvalidArgumentError(
      argument,
      values,
      "a non-empty list of positive integers (bars ahead)",
    );
  }
  return [...new Set(values as number[])].sort((a, b) => a - b);
}

/** An integer from 2 to the AggBar's symbol count (`why` says what it counts). */
function perSliceCount(
  argument: string,
  value: unknown,
  symbols: readonly string[],
  why: string,
): number {
  if (
    !Number.isSafeInteger(value) || (value as number) < 2 ||
    (value as number) > symbols.length
  ) {
    throw new InvalidArgumentError(
      argument,
      value,
      `an integer from 2 to ${symbols.length} (${why}; the AggBar has ${symbols.length} symbols: ${
        symbols.slice(0, 5).join(", ")
      }${symbols.length > 5 ? ", …" : ""})`,
    );
  }
  return value as number;
}

/**
 * Analyses `factor` against the forward returns of `agg`'s `price`
 * column. Usually called as `factor.analyze(agg, options)`.
 *
 * Definitions (k = a period, in steps of the time grid: the sorted
 * distinct end_times of all bars):
 * - forward return: price(t+k)/price(t) − 1 of the same symbol, absent when
 *   either price is (a gap is not skipped over), so nothing looks ahead of
 *   the k bars it is named for;
 * - IC: per time, over the symbols with both a factor value and a forward
 *   return, when at least `minSymbols` have them: Pearson of the values and
 *   Spearman (Pearson of average ranks, so ties share a rank); null when
 *   either side is constant;
 * - IC summary: mean, std (ddof 1), IR = mean/std, t = IR·√n, two-sided
 *   Student-t p-value (n−1 df; overlapping k-bar returns make it
 *   optimistic for k > 1), hit rate = share of ICs > 0;
 * - quantile: per time over the present factor values (needs at least
 *   `quantiles` of them), floor(Q·(rank − ½)/m) + 1 with average ranks, so
 *   ties share a bucket and buckets are as equal as m allows;
 * - quantile return: the mean over times of the per-time mean forward
 *   return of the bucket, minus (`demeaned`, the default) the per-time
 *   mean over all bucketed symbols with a forward return; spread: top
 *   minus bottom bucket per time (not demeaned: the mean cancels);
 * - cumulative return by quantile: compounded (demeaned) quantile return
 *   of non-overlapping steps every k bars;
 * - long-short: compounded spread of non-overlapping steps every k bars;
 * - turnover: share of a bucket's symbols at t that were not in that
 *   bucket k bars earlier;
 * - rank autocorrelation: Pearson of the factor's cross-sectional ranks at
 *   t and t−k over the symbols present at both.
 *
 * @example
 * ```ts ignore
 * const result = await momentum.analyze(agg, { periods: [1, 5, 20] });
 * console.log(result.icSummary.toString());
 * ```
 */
export async function analyzeFactor(
  factor: Factor,
  agg: AggBar,
  options: AnalyzeOptions = {},
): Promise<FactorAnalysis> {
  options = checkOptions("analyze", options, ANALYZE_OPTIONS);
  const periods = positiveIntegers("periods", options.periods ?? [1, 5, 20]);
  if (!(factor instanceof Factor)) {
    throw new InvalidArgumentError("factor", factor, "a Factor");
  }
  const symbols = agg.symbols;
  if (symbols.length < 2) {
    throw new InvalidArgumentError(
      "agg",
      `an AggBar of ${symbols.length} symbol(s) (${symbols.join(", ")})`,
      "an AggBar of at least 2 symbols: the IC and the quantiles compare symbols within a time slice",
    );
  }
  const minSymbols = perSliceCount(
    "minSymbols",
    options.minSymbols ?? 3,
    symbols,
    "symbols with a factor value and a forward return a time slice needs for an IC",
  );
  const quantiles = perSliceCount(
    "quantiles",
    options.quantiles ?? 5,
    symbols,
    "a time slice needs at least `quantiles` factor values",
  );
  const maxLoss = options.maxLoss ?? 1;
  if (typeof maxLoss !== "number" || !(maxLoss >= 0 && maxLoss <= 1)) {
    throw new InvalidArgumentError(
      "maxLoss",
      maxLoss,
      "a share from 0 to 1 of the factor's rows that may be dropped",
    );
  }
  const demeaned = options.demeaned ?? true;
  if (typeof demeaned !== "boolean") {
    throw new InvalidArgumentError("demeaned", demeaned, "true or false");
  }
  const price = stringOption("price", options.price) ?? "close";
  // Outside the universe a factor value is null: no quantile, no IC pair.
  const values = options.universe === undefined
    ? factor
    : factor.where(universeFactor(agg, options.universe));
  const { frame, factorRows } = await factorAndPrice(values, agg, price);
  const panel = densePanel(frame, ["factor", "price"]);
  const { tables, counts } = analyzePanel(panel, {
    periods,
    quantiles,
    minSymbols,
    demeaned,
  });
  counts.factorRows = factorRows;
  const coverage = { quantiles, minSymbols, price, maxLoss };
  refuseEmpty(counts, coverage);
  return new FactorAnalysis(factor.name, {
    periods,
    quantiles,
    minSymbols,
    price,
    maxLoss,
    demeaned,
  }, { ...tables, coverage: coverageTable(counts, coverage) });
}

interface Settings {
  periods: number[];
  quantiles: number;
  minSymbols: number;
  demeaned: boolean;
}

/** Forward returns of every cell for `k` grid steps ahead. */
function forwardReturns(
  price: Float64Array,
  width: number,
  k: number,
): Float64Array {
  const out = new Float64Array(price.length).fill(NaN);
  const shift = k * width;
  for (let c = 0; c + shift < price.length; c++) {
    const now = price[c];
    if (now > 0) {
      const r = price[c + shift] / now - 1;
      if (Number.isFinite(r)) out[c] = r;
    }
  }
  return out;
}

/**
 * Everything but the result wrapper and the coverage table: loops over the
 * dense panel, counting what each step kept on the way (`factorRows` is
 * the panel's row count; the caller knows the rows before the join).
 */
export function analyzePanel(
  panel: Panel,
  settings: Settings,
): { tables: Omit<AnalysisTables, "coverage">; counts: CoverageCounts } {
  const { periods, quantiles: Q, minSymbols, demeaned } = settings;
  const T = panel.times.length, N = panel.symbols.length;
  const factor = panel.values.factor;
  const price = panel.values.price;
  const fwd = periods.map((k) => forwardReturns(price, N, k));
  const kept: CoverageCounts = {
    factorRows: panel.cells.length,
    onBars: panel.cells.length,
    withFactor: 0,
    withPrice: 0,
    times: T,
    bucketedTimes: 0,
    maxFactorValues: 0,
    periods: [],
  };

  // Per time: cross-sectional average ranks and quantiles of the factor.
  const ranks = new Float64Array(T * N).fill(NaN);
  const bucket = new Uint16Array(T * N);
  const bucketed = new Uint8Array(T);
  const x = new Float64Array(N), y = new Float64Array(N);
  const rx = new Float64Array(N), ry = new Float64Array(N);
  const scratch = new Float64Array(N);
  const where = new Uint32Array(N);
  for (let i = 0; i < T; i++) {
    let m = 0;
    for (let s = 0; s < N; s++) {
      const v = factor[i * N + s];
      if (!Number.isNaN(v)) {
        x[m] = v;
        where[m++] = s;
      }
    }
    averageRanks(x, m, rx, scratch);
    for (let j = 0; j < m; j++) {
      const c = i * N + where[j];
      ranks[c] = rx[j];
      if (price[c] > 0) kept.withPrice++;
    }
    kept.withFactor += m;
    if (m > kept.maxFactorValues) kept.maxFactorValues = m;
    if (m >= Q && m > 0) {
      kept.bucketedTimes++;
      bucketed[i] = 1;
      for (let j = 0; j < m; j++) {
        bucket[i * N + where[j]] = Math.floor(Q * (rx[j] - 0.5) / m) + 1;
      }
    }
  }

  const ic = {
    end_time: [] as number[],
    period: [] as number[],
    n: [] as number[],
    spearman: [] as number[],
    pearson: [] as number[],
  };
  const icSummary = emptyColumns(
    "period",
    "method",
    "n",
    "mean",
    "std",
    "ir",
    "t_stat",
    "p_value",
    "hit_rate",
  );
  const quantileReturns: Record<string, unknown[]> = emptyColumns(
    "period",
    "quantile",
    "mean",
    "std",
    "n",
  );
  const spread: Record<string, unknown[]> = emptyColumns(
    "period",
    "mean",
    "std",
    "t_stat",
    "n",
  );
  const longShort: Record<string, unknown[]> = emptyColumns(
    "end_time",
    "period",
    "spread",
    "cumulative",
  );
  const quantileCumulative: Record<string, unknown[]> = emptyColumns(
    "end_time",
    "period",
    "quantile",
    "return",
    "cumulative",
  );
  // Per time and quantile, the quantile's (demeaned) mean forward return.
  const quantileAt = new Float64Array(T * (Q + 1));
  const turnover: Record<string, unknown[]> = emptyColumns(
    "period",
    "quantile",
    "mean",
    "n",
  );
  const autocorrelation: Record<string, unknown[]> = emptyColumns(
    "period",
    "mean",
    "n",
  );
  const decay: Record<string, unknown[]> = emptyColumns(
    "period",
    "spearman",
    "pearson",
  );

  const sums = new Float64Array(Q + 1), counts = new Uint32Array(Q + 1);
  periods.forEach((k, p) => {
    const f = fwd[p];
    const spearmans: number[] = [], pearsons: number[] = [];
    const perQuantile = Array.from({ length: Q + 1 }, () => [] as number[]);
    const spreads = new Float64Array(T).fill(NaN);
    quantileAt.fill(NaN);
    const periodCounts = { period: k, withForward: 0, icTimes: 0, maxPairs: 0 };
    kept.periods.push(periodCounts);
    for (let i = 0; i < T; i++) {
      let n = 0;
      let sameAsRanked = true;
      for (let s = 0; s < N; s++) {
        const c = i * N + s;
        const fv = factor[c];
        if (Number.isNaN(fv)) continue;
        const r = f[c];
        if (Number.isNaN(r)) {
          sameAsRanked = false;
          continue;
        }
        x[n] = fv;
        y[n] = r;
        // The factor's ranks over all present symbols are the pairs'
        // ranks when every present symbol has a forward return.
        rx[n] = ranks[c];
        n++;
      }
      periodCounts.withForward += n;
      if (n > periodCounts.maxPairs) periodCounts.maxPairs = n;
      if (n >= minSymbols) {
        periodCounts.icTimes++;
        if (!sameAsRanked) averageRanks(x, n, rx, scratch);
        averageRanks(y, n, ry, scratch);
        const rho = pearson(rx, ry, n), r = pearson(x, y, n);
        ic.end_time.push(panel.times[i]);
        ic.period.push(k);
        ic.n.push(n);
        ic.spearman.push(rho);
        ic.pearson.push(r);
        if (!Number.isNaN(rho)) spearmans.push(rho);
        if (!Number.isNaN(r)) pearsons.push(r);
      }
      if (!bucketed[i]) continue;
      sums.fill(0);
      counts.fill(0);
      for (let s = 0; s < N; s++) {
        const c = i * N + s, q = bucket[c], r = f[c];
        if (q > 0 && !Number.isNaN(r)) {
          sums[q] += r;
          counts[q]++;
        }
      }
      let all = 0, allCount = 0;
      for (let q = 1; q <= Q; q++) {
        all += sums[q];
        allCount += counts[q];
      }
      const market = demeaned && allCount > 0 ? all / allCount : 0;
      for (let q = 1; q <= Q; q++) {
        if (counts[q] > 0) {
          const value = sums[q] / counts[q] - market;
          quantileAt[i * (Q + 1) + q] = value;
          perQuantile[q].push(value);
        }
      }
      if (counts[1] > 0 && counts[Q] > 0) {
        spreads[i] = sums[Q] / counts[Q] - sums[1] / counts[1];
      }
    }

    for (
      const [method, values] of [["spearman", spearmans], [
        "pearson",
        pearsons,
      ]] as const
    ) {
      const m = moments(values);
      const stats = tStatistics(m);
      icSummary.period.push(k);
      icSummary.method.push(method);
      icSummary.n.push(m.n);
      icSummary.mean.push(m.mean);
      icSummary.std.push(m.std);
      icSummary.ir.push(stats.ir);
      icSummary.t_stat.push(stats.t);
      icSummary.p_value.push(stats.p);
      icSummary.hit_rate.push(
        m.n > 0 ? values.filter((v) => v > 0).length / m.n : NaN,
      );
    }
    decay.period.push(k);
    decay.spearman.push(moments(spearmans).mean);
    decay.pearson.push(moments(pearsons).mean);

    for (let q = 1; q <= Q; q++) {
      const m = moments(perQuantile[q]);
      quantileReturns.period.push(k);
      quantileReturns.quantile.push(q);
      quantileReturns.mean.push(m.mean);
      quantileReturns.std.push(m.std);
      quantileReturns.n.push(m.n);
    }
    const s = moments(spreads);
    spread.period.push(k);
    spread.mean.push(s.mean);
    spread.std.push(s.std);
    spread.t_stat.push(tStatistics(s).t);
    spread.n.push(s.n);

    let cumulative = 1;
    for (let i = 0; i + k <= T - 1; i += k) {
      const step = spreads[i];
      if (!Number.isNaN(step)) cumulative *= 1 + step;
      longShort.end_time.push(panel.times[i + k]);
      longShort.period.push(k);
      longShort.spread.push(step);
      longShort.cumulative.push(cumulative);
    }
    for (let q = 1; q <= Q; q++) {
      let growth = 1;
      for (let i = 0; i + k <= T - 1; i += k) {
        const step = quantileAt[i * (Q + 1) + q];
        if (!Number.isNaN(step)) growth *= 1 + step;
        quantileCumulative.end_time.push(panel.times[i + k]);
        quantileCumulative.period.push(k);
        quantileCumulative.quantile.push(q);
        quantileCumulative.return.push(step);
        quantileCumulative.cumulative.push(growth);
      }
    }

    const left = new Float64Array(Q + 1), total = new Float64Array(Q + 1);
    const turnoverSums = new Float64Array(Q + 1);
    const turnoverCounts = new Uint32Array(Q + 1);
    const autocorrelations: number[] = [];
    for (let i = k; i < T; i++) {
      if (bucketed[i] && bucketed[i - k]) {
        left.fill(0);
        total.fill(0);
        for (let s = 0; s < N; s++) {
          const q = bucket[i * N + s];
          if (q === 0) continue;
          total[q]++;
          if (bucket[(i - k) * N + s] !== q) left[q]++;
        }
        for (let q = 1; q <= Q; q++) {
          if (total[q] > 0) {
            turnoverSums[q] += left[q] / total[q];
            turnoverCounts[q]++;
          }
        }
      }
      let n = 0;
      for (let s = 0; s < N; s++) {
        const now = ranks[i * N + s], before = ranks[(i - k) * N + s];
        if (!Number.isNaN(now) && !Number.isNaN(before)) {
          x[n] = now;
          y[n++] = before;
        }
      }
      if (n >= minSymbols) {
        const r = pearson(x, y, n);
        if (!Number.isNaN(r)) autocorrelations.push(r);
      }
    }
    for (let q = 1; q <= Q; q++) {
      turnover.period.push(k);
      turnover.quantile.push(q);
      turnover.mean.push(
        turnoverCounts[q] > 0 ? turnoverSums[q] / turnoverCounts[q] : NaN,
      );
      turnover.n.push(turnoverCounts[q]);
    }
    const a = moments(autocorrelations);
    autocorrelation.period.push(k);
    autocorrelation.mean.push(a.mean);
    autocorrelation.n.push(a.n);
  });

  const quantile = new Float64Array(panel.cells.length);
  panel.cells.forEach((c, r) => quantile[r] = bucket[c] || NaN);
  const factorData = pl.concat([
    panel.rows.select("end_time", "symbol", "factor"),
    frameOf({
      quantile,
      ...Object.fromEntries(
        periods.map((k, p) => [`fwd_${k}`, atRows(panel, fwd[p])]),
      ),
    }).withColumns(pl.col("quantile").cast(pl.Int32)),
  ], { how: "horizontal" });
  const tables = {
    factorData,
    ic: typed(frameOf(ic), { period: pl.Int32, n: pl.Int32 }),
    icSummary: typed(frameOf(icSummary), { period: pl.Int32, n: pl.Int32 }),
    quantileReturns: typed(frameOf(quantileReturns), {
      period: pl.Int32,
      quantile: pl.Int32,
      n: pl.Int32,
    }),
    quantileCumulative: typed(frameOf(quantileCumulative), {
      period: pl.Int32,
      quantile: pl.Int32,
    }),
    spread: typed(frameOf(spread), { period: pl.Int32, n: pl.Int32 }),
    longShort: typed(frameOf(longShort), { period: pl.Int32 }),
    turnover: typed(frameOf(turnover), {
      period: pl.Int32,
      quantile: pl.Int32,
      n: pl.Int32,
    }),
    rankAutocorrelation: typed(frameOf(autocorrelation), {
      period: pl.Int32,
      n: pl.Int32,
    }),
    icDecay: typed(frameOf(decay), { period: pl.Int32 }),
  };
  return { tables, counts: kept };
}

function emptyColumns(...names: string[]): Record<string, unknown[]> {
  return Object.fromEntries(names.map((name) => [name, []]));
}

/** IR, t-statistic and two-sided p-value of a mean (null rules as documented). */
function tStatistics(m: { n: number; mean: number; std: number }) {
  if (m.n < 2 || !(m.std > EPS)) return { ir: NaN, t: NaN, p: NaN };
  const ir = m.mean / m.std;
  const t = ir * Math.sqrt(m.n);
  return { ir, t, p: studentTwoSidedP(t, m.n - 1) };
}

/** Casts the count and key columns to integers and times to Int64. */
function typed(
  frame: DataFrame,
  integers: Record<string, pl.DataType>,
): DataFrame {
  return frame.withColumns(
    ...Object.entries(integers).map(([name, type]) => pl.col(name).cast(type)),
    ...(frame.columns.includes("end_time")
      ? [pl.col("end_time").cast(pl.Int64)]
      : []),
  );
}
