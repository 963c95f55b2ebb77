/**
 * The display of a return series and its metrics (a backtest's or an
 * event loop's): the metrics table and the equity and drawdown charts.
 *
 * @module
 */
import { escapeHtml, formatNumber, htmlTable } from "../display/html.ts";
import { htmlBlock, type MimeBundle } from "../display/jupyter.ts";
import type { DataFrame } from "../polars.ts";
import { plotCosts, plotDrawdown, plotEquity } from "./charts.ts";
import type { BacktestMetrics } from "./backtest_metrics.ts";
import { type Metrics, metricsFrame } from "./metrics.ts";

const CHART = { width: 760, height: 260, maxPoints: 400 };

/**
 * The metrics as short plain-text lines.
 *
 * @example
 * ```ts ignore
 * console.log(metricsText(result.metrics));
 * ```
 */
export function metricsText(metrics: Metrics): string {
  if (metrics.bars === 0) return "no positions: the return series is empty";
  const f = (v: number | null) => formatNumber(v);
  const pct = (v: number | null) =>
    v === null ? "—" : `${(v * 100).toFixed(2)}%`;
  return [
    `total ${pct(metrics.totalReturn)}, annual ${
      pct(metrics.annualReturn)
    }, volatility ${pct(metrics.annualVolatility)}`,
    `Sharpe ${f(metrics.sharpe)}, Sortino ${f(metrics.sortino)}, Calmar ${
      f(metrics.calmar)
    }`,
    `max drawdown ${pct(metrics.maxDrawdown)} over ${
      f(metrics.maxDrawdownBars)
    } bars, VaR95 ${pct(metrics.var95)}, CVaR95 ${pct(metrics.cvar95)}`,
    `win rate ${pct(metrics.winRate)}, profit factor ${
      f(metrics.profitFactor)
    }, ${metrics.bars} bars`,
    ...("grossReturn" in metrics
      ? [moneyText(metrics as BacktestMetrics)]
      : []),
  ].join("\n");
}

/** Where a backtest's money went, and how much it traded, in one line. */
function moneyText(m: BacktestMetrics): string {
  const pct = (v: number | null) =>
    v === null ? "—" : `${(v * 100).toFixed(2)}%`;
  const funding = m.totalFunding === null
    ? "funding not charged"
    : `funding ${pct(m.totalFunding)}`;
  return `gross ${pct(m.grossReturn)}, costs ${
    pct(m.totalCost)
  }, ${funding} (of equity); turnover ${
    formatNumber(m.annualTurnover)
  }×/year over ${m.rebalances} rebalances, held ${
    formatNumber(m.averageHoldingBars)
  } bars on average at gross exposure ${formatNumber(m.averageGrossExposure)}`;
}

/**
 * The body HTML: `meta` (a line of settings), the metrics table, the
 * equity and drawdown charts of `returns` (`end_time, equity, drawdown`)
 * and, for a backtest's series (with `gross_return`), the gross equity
 * beside the net and where the money went (see `plotCosts`).
 *
 * @example
 * ```ts ignore
 * const html = performanceHtml("momentum", "top-n, 4 bps", result.returns, result.metrics);
 * ```
 */
export function performanceHtml(
  title: string,
  meta: string,
  returns: DataFrame,
  metrics: Metrics,
): string {
  const head = `<h3>${escapeHtml(title)}</h3><div class="meta">${
    escapeHtml(meta)
  }</div>`;
  if (metrics.bars === 0) {
    return head + `<div class="meta">${escapeHtml(metricsText(metrics))}</div>`;
  }
  return head + htmlTable(metricsFrame(metrics), { maxRows: 40 }) +
    plotEquity(returns, title, CHART).toSVG() +
    plotDrawdown(returns, title, CHART).toSVG() +
    (returns.columns.includes("gross_return")
      ? plotCosts(returns, title, CHART).toSVG()
      : "");
}

/**
 * The Jupyter bundle of {@linkcode performanceHtml} with a plain-text
 * summary.
 *
 * @example
 * ```ts ignore
 * const bundle = performanceBundle("momentum", "", result.returns, result.metrics);
 * ```
 */
export function performanceBundle(
  title: string,
  meta: string,
  returns: DataFrame,
  metrics: Metrics,
): MimeBundle {
  return {
    "text/plain": `${title}\n${metricsText(metrics)}`,
    "text/html": htmlBlock(performanceHtml(title, meta, returns, metrics)),
  };
}
