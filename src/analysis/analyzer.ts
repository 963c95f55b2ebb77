/**
 * FactorAnalyzer: how well a factor predicts forward returns: IC per time
 * (Spearman and Pearson) and its summary, mean forward return per
 * quantile and the top-minus-bottom spread, cumulative long-short
 * returns, quantile turnover, factor rank autocorrelation and IC decay.
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { forEachChunk } from "../factor/compute.ts";
import { Factor, placedOf } from "../factor/factor.ts";
import { parseFormula } from "../factor/formula.ts";
import { concatFrames, type DataFrame } from "../polars.ts";
import { ParquetParts } from "../parquet_parts.ts";
import { parseTimestep } from "../time.ts";
import { FactorAnalysis } from "./factor_analysis.ts";
import { coverageTable, refuseEmpty } from "./coverage.ts";
import { factorAndPrice, factorWithPrice } from "./factor_price.ts";
import { PanelAnalyzer } from "./panel_analyzer.ts";
import { type Universe, universeFactor } from "./universe.ts";
import { checkOptions, type OptionNames, stringOption } from "../options.ts";

/** Options of {@linkcode analyzeFactor} (`factor.analyze(agg, options)`). */
export interface AnalyzeOptions {
  /**
   * Only symbols in this universe at a bar are analysed there (a boolean
   * Factor, or a rule such as `{ top: 20, window: "7d" }` evaluated from
   * trailing data, see `UniverseRule`); outside it the factor counts as
   * null. @default undefined (every symbol)
   */
  universe?: Universe;
  /** Forward-return horizons in bars of the time grid (positive integers). @default [1, 5, 20] */
  periods?: readonly number[];
  /** Number of quantile buckets, from 2 to the AggBar's symbol count. @default 5 */
  quantiles?: number;
  /** The AggBar column the returns are computed from. @default "close" */
  price?: string;
  /**
   * Per-bar returns to evaluate against instead of a price column: a
   * Factor (or formula on `agg`) whose value at a bar is the return over
   * that bar (e.g. funding-adjusted returns). The forward return of k
   * bars is Π (1 + r) over the k grid steps after t, − 1, absent when any
   * is. Not with `price`. @default undefined (returns from `price`)
   */
  returns?: Factor | string;
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
  /**
   * Analyse in time chunks of this much `end_time` (`"1d"`, `"30d"`, or
   * milliseconds): memory is bounded by a chunk, and the tables are those
   * of one pass, bit for bit (per-time values are kept and summarised in
   * the same order).
   * @default one pass over bars in memory; chunks of about 1 million rows for bars kept in files (`AggBar.scan`)
   */
  chunk?: string | number;
  /**
   * Write the per-bar rows (`factorData`) to this Parquet file as they are
   * produced (atomically: a complete file or none) instead of keeping them
   * in memory; `analysis.factorData` reads the file back when asked.
   * @default kept in memory for bars in memory; not kept for bars kept in files (`AggBar.scan`), whose rows would not fit
   */
  sink?: string;
}

const ANALYZE_OPTIONS: OptionNames<AnalyzeOptions> = {
  periods: true,
  quantiles: true,
  price: true,
  minSymbols: true,
  maxLoss: true,
  demeaned: true,
  universe: true,
  returns: true,
  chunk: true,
  sink: true,
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
  if (options.returns !== undefined && options.price !== undefined) {
    throw new InvalidArgumentError(
      "returns",
      options.returns,
      "either a returns Factor or a price column, not both (price is given)",
    );
  }
  const returns = typeof options.returns === "string"
    ? parseFormula(options.returns, agg)
    : options.returns;
  if (returns !== undefined && !(returns instanceof Factor)) {
    throw new InvalidArgumentError(
      "returns",
      returns,
      "a Factor or a formula of per-bar returns",
    );
  }
  const price = returns === undefined
    ? stringOption("price", options.price) ?? "close"
    : `returns ${returns.name}`;
  const chunkMs = options.chunk === undefined
    ? undefined
    : parseTimestep(options.chunk, "chunk");
  const sink = stringOption("sink", options.sink);
  const settings = { periods, quantiles, minSymbols, price, maxLoss, demeaned };
  const analyzer = new PanelAnalyzer(symbols, {
    ...settings,
    forwardFrom: returns === undefined ? "price" : "returns",
    universe: options.universe !== undefined,
  });
  const parts = sink === undefined ? undefined : await ParquetParts.open(sink);
  // Per-bar rows of bars kept in files would not fit: not kept unless sunk.
  const keep = parts === undefined && !agg.streamed;
  const kept: DataFrame[] = [];
  const take = (rows: DataFrame | undefined) => {
    if (rows === undefined) return;
    if (parts) parts.write(rows);
    else if (keep) kept.push(rows);
  };
  try {
    let factorRows: number;
    // The universe's membership goes along as a column: outside it a factor
    // value counts as null (no quantile, no IC pair), and is counted.
    const extra: Record<string, Factor> = options.universe === undefined
      ? {}
      : { universe: universeFactor(agg, options.universe) };
    const push = (chunk: DataFrame) => take(analyzer.push(chunk));
    if (returns !== undefined) {
      await forEachChunk({ factor, price: returns, ...extra }, push, chunkMs);
      factorRows = placedOf(factor).base.rows().numRows;
    } else if (
      !agg.streamed && chunkMs === undefined && options.universe === undefined
    ) {
      const joined = await factorAndPrice(factor, agg, price);
      take(analyzer.push(joined.frame, true));
      factorRows = joined.factorRows;
    } else {
      await factorWithPrice(factor, agg, price, "factor", push, chunkMs, extra);
      factorRows = placedOf(factor).base.rows().numRows;
    }
    const { tables, counts, rows } = analyzer.finish();
    take(rows);
    counts.factorRows = factorRows;
    const coverage = {
      quantiles,
      minSymbols,
      price,
      maxLoss,
      fromReturns: returns !== undefined,
    };
    refuseEmpty(counts, coverage);
    const factorData = keep ? concatFrames(kept) : undefined;
    const held = parts === undefined
      ? { rows: counts.onBars }
      : { rows: await parts.finish(), path: parts.path };
    return new FactorAnalysis(
      factor.name,
      settings,
      { ...tables, factorData, coverage: coverageTable(counts, coverage) },
      held,
    );
  } finally {
    await parts?.discard();
  }
}
