/**
 * A backtest's metrics: those of its net return series, and where the money
 * went (price moves, costs, funding) and how much it traded.
 *
 * @module
 */
import type { DataFrame } from "../polars.ts";
import { computeMetrics, type Metrics } from "./metrics.ts";

/**
 * {@linkcode Metrics} of the net returns, plus the money laid out. Sums are
 * of per-bar fractions of equity (not compounded), so
 * `Σ return = Σ gross_return − totalCost + totalFunding`.
 */
export interface BacktestMetrics extends Metrics {
  /** Π(1 + gross_return) − 1: the price moves alone, before costs and funding. */
  grossReturn: number | null;
  /** Σ cost: costs paid, as fractions of equity. */
  totalCost: number | null;
  /** Σ funding: funding received (negative: paid); null without `funding`. */
  totalFunding: number | null;
  /** Σ turnover / bars × periodsPerYear: equity traded per year (2 = the whole book replaced once). */
  annualTurnover: number | null;
  /** Held bars whose weights were newly decided (the first entry included). */
  rebalances: number;
  /** 2 × mean(gross_exposure) / mean(turnover): bars a position is held on average; null when nothing traded. */
  averageHoldingBars: number | null;
  /** mean(gross_exposure). */
  averageGrossExposure: number | null;
  /** Trades whose impact participation was capped at 1 or had no bar volume; null without `impact`. */
  impactCappedTrades: number | null;
}

/**
 * The metrics of a backtest's return series (`gross_return, cost,
 * return, turnover, gross_exposure` and, when funding is charged,
 * `funding`).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { backtestMetrics } from "./backtest_metrics.ts";
 * const returns = pl.DataFrame({
 *   gross_return: [0.01, -0.002], cost: [0.001, 0], return: [0.009, -0.002],
 *   turnover: [1, 0], gross_exposure: [1, 1],
 * });
 * const m = backtestMetrics(returns, 365, 1);
 * console.log(m.totalCost, m.averageHoldingBars); // 0.001 4
 * ```
 */
export function backtestMetrics(
  returns: DataFrame,
  periodsPerYear: number,
  rebalances: number,
  impactCappedTrades: number | null = null,
): BacktestMetrics {
  const column = (name: string) =>
    returns.getColumn(name).toTypedArray() as Float64Array;
  const net = column("return");
  const n = net.length;
  const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
  const gross = column("gross_return");
  const turnover = sum(column("turnover"));
  const exposure = sum(column("gross_exposure"));
  let growth = 1;
  for (const r of gross) growth *= 1 + r;
  return {
    ...computeMetrics(net, periodsPerYear),
    grossReturn: n === 0 ? null : growth - 1,
    totalCost: n === 0 ? null : sum(column("cost")),
    totalFunding: n === 0 || !returns.columns.includes("funding")
      ? null
      : sum(column("funding")),
    annualTurnover: n === 0 ? null : turnover / n * periodsPerYear,
    rebalances,
    averageHoldingBars: turnover > 0 ? 2 * exposure / turnover : null,
    averageGrossExposure: n === 0 ? null : exposure / n,
    impactCappedTrades,
  };
}
