/**
 * sweep: a factor template crossed with a grid of parameters and backtest
 * options, every variant evaluated in one pass and reduced to a row of
 * metrics.
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { checkOptions, type OptionNames } from "../options.ts";
import type { AnalyzeOptions } from "./analyzer.ts";
import { BACKTEST_OPTIONS } from "./backtest.ts";
import type { BacktestOptions } from "./backtest_options.ts";
import { refuseSink, withEvaluatedFactors } from "./evaluated.ts";
import {
  planSweep,
  rowsFrame,
  type SweepGrid,
  type SweepRow,
  type SweepTemplate,
  variantRows,
} from "./sweep_plan.ts";
import { SweepResult } from "./sweep_result.ts";

/** Options of {@linkcode sweep}: backtest options fixed for every variant, and the IC analysis. */
export interface SweepOptions extends Omit<BacktestOptions, "sink"> {
  /**
   * Also analyse every factor variant with these `analyze` options and add
   * `ic_mean`, `ic_ir` and `ic_t` (Spearman, of the first period) to its
   * rows. @default undefined (no IC columns)
   */
  ic?: Omit<AnalyzeOptions, "sink">;
}

/** The option names of {@linkcode SweepOptions}. */
export const SWEEP_OPTIONS: OptionNames<SweepOptions> = {
  ...BACKTEST_OPTIONS,
  ic: true,
};

/**
 * Sweeps a factor template over a grid of parameters crossed with backtest
 * options. `template` is a formula with `{name}` placeholders
 * (`"cs_rank(-ts_delta(close, {n}))"`) or a function `(params) => Factor`;
 * `grid` maps each placeholder (or, for a function, each parameter) and
 * any backtest option (`costBps`, `rebalance`, `topN`, …) to the values to
 * try. Options outside the grid apply to every run.
 *
 * All factor variants are evaluated in one pass, so sub-expressions they
 * share (`ts_delta(close, 5)` in every variant with n = 5) are computed
 * once; each variant is then backtested as `backtest(agg, variant,
 * options)` would (the metrics are those of that single backtest) under
 * every option combination, and each backtest is reduced to one row of
 * metrics as it finishes (returns and weights are not kept).
 *
 * Rows: the parameters, `factor` (the variant's canonical name),
 * `sharpe`, `annual_return`, `total_return`, `annual_volatility`,
 * `max_drawdown`, `sortino`, `calmar`, `turnover` (mean per held bar),
 * `bars`, and with `ic` the IC columns. The best row per metric is
 * in-sample: the best of many variants on the same bars overstates what
 * to expect; use {@linkcode walkForward} to choose out of sample.
 *
 * @example
 * ```ts ignore
 * const result = await sweep(agg, "cs_rank(-ts_delta(close, {n}))", {
 *   n: [5, 10, 20, 60],
 *   costBps: [0, 2, 5],
 * });
 * console.log(result.table.toString());
 * ```
 */
export async function sweep(
  agg: AggBar,
  template: SweepTemplate,
  grid: SweepGrid,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const { ic, ...backtestOptions } = checkOptions(
    "sweep",
    options,
    SWEEP_OPTIONS,
  );
  if (ic !== undefined) refuseSink("sweep ic", ic);
  const plan = planSweep(agg, template, grid);
  const rows = await withEvaluatedFactors(
    agg,
    plan.variants.map((v) => v.factor),
    backtestOptions.price ?? "close",
    async ({ bars, columns }) => {
      const rows: SweepRow[] = [];
      for (const [i, { params, factor }] of plan.variants.entries()) {
        rows.push(
          ...await variantRows(
            bars,
            columns[i],
            params,
            plan.combos,
            backtestOptions,
            ic,
            factor.name,
          ),
        );
      }
      return rows;
    },
  );
  const params = [...plan.factorParams, ...plan.optionParams];
  return new SweepResult(
    params,
    Object.fromEntries(params.map((p) => [p, grid[p]])),
    rowsFrame(rows, params, ic !== undefined),
  );
}
