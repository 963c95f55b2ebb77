/**
 * The analysis layer's methods on {@linkcode Factor}: `analyze` and
 * `backtest`. The factor engine knows nothing of analysis; this module
 * attaches the methods, so importing `mod.ts` (or this file) gives every
 * Factor them without an upward import.
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { Factor } from "../factor/factor.ts";
import { analyzeFactor, type AnalyzeOptions } from "./analyzer.ts";
import type { FactorAnalysis } from "./factor_analysis.ts";
import { backtest } from "./backtest.ts";
import type { BacktestOptions } from "./backtest_options.ts";
import type { BacktestResult } from "./backtest_result.ts";

declare module "../factor/factor.ts" {
  interface Factor {
    /**
     * Evaluates the factor against the forward returns of `agg` (usually the
     * AggBar it was built from): IC per time (Spearman and Pearson) and its
     * summary, quantile returns and spread, cumulative long-short returns,
     * quantile turnover, rank autocorrelation and IC decay. See
     * {@linkcode analyzeFactor} for every definition.
     *
     * @example
     * ```ts ignore
     * const analysis = await agg.factor("cs_rank(-ts_delta(close, 5))").analyze(agg, { periods: [1, 5, 20] });
     * console.log(analysis.icSummary.toString());
     * ```
     */
    analyze(agg: AggBar, options?: AnalyzeOptions): Promise<FactorAnalysis>;

    /**
     * Backtests the factor as a signal on `agg`'s prices: weights from the
     * signal at each bar (normalized, allocated, constrained), held over the
     * next bar, net of costs. See {@linkcode backtest} for every definition.
     *
     * @example
     * ```ts ignore
     * const result = await agg.factor("cs_rank(ts_delta(close, 60))").backtest(agg, { costBps: 4 });
     * console.log(result.metrics.sharpe);
     * ```
     */
    backtest(agg: AggBar, options?: BacktestOptions): Promise<BacktestResult>;
  }
}

Factor.prototype.analyze = function (
  this: Factor,
  agg: AggBar,
  options: AnalyzeOptions = {},
): Promise<FactorAnalysis> {
  return analyzeFactor(this, agg, options);
};

Factor.prototype.backtest = function (
  this: Factor,
  agg: AggBar,
  options: BacktestOptions = {},
): Promise<BacktestResult> {
  return backtest(agg, this, options);
};
