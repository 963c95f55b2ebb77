/**
 * Charts of factor analyses (IC series and histogram, quantile returns,
 * cumulative long-short, IC decay) and of backtests (equity, drawdown).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import {
  anyFinite,
  type Chart,
  CHART_OPTIONS,
  type ChartOptions,
  finiteRows,
  floats,
  histogram,
  lines,
  noData,
  render,
  sizes,
} from "../display/plot.ts";
import { periodLabel } from "./coverage.ts";

/** Kinds of analysis chart: `analysis.plot(kind)`. */
export type AnalysisChartKind =
  | "ic"
  | "ic-histogram"
  | "quantile-returns"
  | "long-short"
  | "ic-decay";

/** The chart kinds of an analysis, in tearsheet order. */
export const ANALYSIS_CHARTS: readonly AnalysisChartKind[] = [
  "ic",
  "ic-histogram",
  "quantile-returns",
  "long-short",
  "ic-decay",
];

/** Options of `analysis.plot`. */
export interface AnalysisChartOptions extends ChartOptions {
  /** The period the IC histogram shows. @default the first period */
  period?: number;
}

/** The tables a chart reads. */
interface AnalysisFrames {
  ic: DataFrame;
  quantileReturns: DataFrame;
  longShort: DataFrame;
  icDecay: DataFrame;
}

/** `period` as a label column named `symbol`, the series column of {@linkcode lines}. */
function bySeries(frame: DataFrame): DataFrame {
  const labels = (frame.getColumn("period").toArray() as number[])
    .map(periodLabel);
  return frame.withColumns(pl.Series("symbol", labels));
}

/**
 * Draws one chart of an analysis.
 *
 * @example
 * ```ts ignore
 * const chart = plotAnalysis(tables, [1, 5], "momentum", "ic-decay");
 * ```
 */
export function plotAnalysis(
  tables: AnalysisFrames,
  periods: readonly number[],
  name: string,
  kind: AnalysisChartKind,
  options: AnalysisChartOptions = {},
): Chart {
  const { width, height, maxPoints } = sizes(options, {
    ...CHART_OPTIONS,
    period: true,
  });
  const series = periods.map(periodLabel);
  switch (kind) {
    case "ic":
      return lines(bySeries(tables.ic), {
        reduce: "mean",
        column: "spearman",
        normalize: false,
        title: `${name}: Spearman IC per time`,
        interval: "mean IC per time bucket when downsampled",
        width,
        height,
        maxPoints,
        yLabel: "Spearman IC",
        series,
      });
    case "ic-histogram": {
      const period = options.period ?? periods[0];
      if (!periods.includes(period)) {
        throw new InvalidArgumentError(
          "period",
          period,
          `one of the analysed periods (${periods.join(", ")})`,
        );
      }
      const values = floats(
        tables.ic.filter(pl.col("period").eq(pl.lit(period))),
        "spearman",
      ).filter((v) => !Number.isNaN(v));
      return histogram(values, {
        title: `${name}: Spearman IC distribution, ${periodLabel(period)}`,
        subtitle: (bins) => `${values.length} time slices in ${bins} bins`,
        empty: `no time slice has a Spearman IC for ${periodLabel(period)}`,
        xLabel: "Spearman IC",
        yLabel: "count (time slices)",
        width,
        height,
      });
    }
    case "quantile-returns":
      return quantileBars(tables.quantileReturns, name, width, height);
    case "long-short":
      if (!anyFinite(floats(tables.longShort, "spread"))) {
        return noData(
          {
            title: `${name}: cumulative top-minus-bottom quantile return`,
            width,
          },
          "no long-short step has a top and a bottom quantile return",
        );
      }
      return lines(bySeries(tables.longShort), {
        reduce: "last",
        column: "cumulative",
        normalize: false,
        title: `${name}: cumulative top-minus-bottom quantile return`,
        interval: "rebalanced every k bars (non-overlapping)",
        width,
        height,
        maxPoints,
        yLabel: "growth of 1",
        series,
      });
    case "ic-decay":
      return decayBars(tables.icDecay, name, width, height);
    default:
      throw new InvalidArgumentError(
        "kind",
        kind,
        `one of ${ANALYSIS_CHARTS.join(", ")}`,
      );
  }
}

function quantileBars(
  table: DataFrame,
  name: string,
  width: number,
  height: number,
): Chart {
  const title = `${name}: mean forward return by quantile`;
  const bps = Array.from(floats(table, "mean"), (v) => v * 1e4);
  const present = finiteRows(bps);
  if (present.length === 0) {
    return noData(
      { title, width },
      "no quantile has a mean forward return",
    );
  }
  const quantile = (table.getColumn("quantile").toArray() as number[])
    .map((q) => `Q${q}`);
  const period = (table.getColumn("period").toArray() as number[])
    .map(periodLabel);
  return render(
    {
      title,
      subtitle:
        "per time slice, averaged over time (bps), one panel per forward period; Q1 = lowest factor; no bar = no value",
      width,
    },
    {
      height,
      marginLeft: 64,
      marginTop: 36,
      fx: { label: null, domain: [...new Set(period)] },
      x: { label: null, domain: [...new Set(quantile)] },
      y: { label: "mean forward return (bps)", grid: true },
      marks: [
        // Only present values become bars: a missing mean is no bar.
        Plot.barY(present, {
          fx: (i: number) => period[i],
          x: (i: number) => quantile[i],
          y: (i: number) => bps[i],
          fill: (i: number) => bps[i] >= 0 ? "#26a69a" : "#ef5350",
        }),
        Plot.ruleY([0]),
      ],
    },
  );
}

function decayBars(
  table: DataFrame,
  name: string,
  width: number,
  height: number,
): Chart {
  const title = `${name}: IC decay`;
  const periods = (table.getColumn("period").toArray() as number[])
    .map(periodLabel);
  const spearman = floats(table, "spearman");
  const present = finiteRows(spearman);
  if (present.length === 0) {
    return noData({ title, width }, "no period has a mean Spearman IC");
  }
  return render(
    {
      title,
      subtitle: "mean Spearman IC by forward period; no bar = no value",
      width,
    },
    {
      height,
      marginLeft: 64,
      x: { label: "forward period", domain: periods },
      y: { label: "mean Spearman IC", grid: true },
      marks: [
        Plot.barY(present, {
          x: (i: number) => periods[i],
          y: (i: number) => spearman[i],
          fill: (i: number) => spearman[i] >= 0 ? "#4269d0" : "#ef5350",
        }),
        Plot.ruleY([0]),
      ],
    },
  );
}

/**
 * The equity curve of a `returns` frame (`end_time`, `equity`).
 *
 * @example
 * ```ts ignore
 * const chart = plotEquity(result.returns, "rank(momentum)");
 * ```
 */
export function plotEquity(
  returns: DataFrame,
  title: string,
  options: ChartOptions = {},
): Chart {
  const { width, height, maxPoints } = sizes(options, CHART_OPTIONS);
  return lines(returns.withColumns(pl.lit("equity").alias("symbol")), {
    reduce: "last",
    column: "equity",
    normalize: false,
    title: `${title}: equity`,
    interval: "growth of 1, net of costs",
    width,
    height,
    maxPoints,
    yLabel: "equity",
  });
}

/**
 * The drawdown (equity below its running peak) of a `returns` frame
 * (`end_time`, `drawdown`).
 *
 * @example
 * ```ts ignore
 * const chart = plotDrawdown(result.returns, "rank(momentum)");
 * ```
 */
export function plotDrawdown(
  returns: DataFrame,
  title: string,
  options: ChartOptions = {},
): Chart {
  const { width, height, maxPoints } = sizes(options, CHART_OPTIONS);
  return lines(returns.withColumns(pl.lit("drawdown").alias("symbol")), {
    reduce: "min",
    column: "drawdown",
    normalize: false,
    title: `${title}: drawdown`,
    interval: "equity / running peak − 1 (deepest per bucket)",
    width,
    height: Math.round(height * 0.6),
    maxPoints,
    yLabel: "drawdown",
    area: true,
  });
}

/** Kinds of performance chart: `result.plot(kind)` of a backtest or a feed run. */
export type PerformanceChartKind = "equity" | "drawdown";

/**
 * The `equity` or `drawdown` chart of a `returns` frame; any other kind is
 * an {@linkcode InvalidArgumentError}.
 *
 * @example
 * ```ts ignore
 * const chart = plotPerformance(result.returns, "momentum", "drawdown");
 * ```
 */
export function plotPerformance(
  returns: DataFrame,
  title: string,
  kind: PerformanceChartKind,
  options: ChartOptions = {},
): Chart {
  if (kind === "equity") return plotEquity(returns, title, options);
  if (kind === "drawdown") return plotDrawdown(returns, title, options);
  throw new InvalidArgumentError("kind", kind, '"equity" or "drawdown"');
}
