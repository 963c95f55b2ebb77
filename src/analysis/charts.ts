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
import { cellTextColor, divergingColor } from "./grid_chart.ts";
import { moments } from "./stats.ts";
import { inverseNormalCdf } from "../factor/kernels.ts";

/** Kinds of analysis chart: `analysis.plot(kind)`. */
export type AnalysisChartKind =
  | "ic"
  | "ic-histogram"
  | "ic-qq"
  | "ic-heatmap"
  | "quantile-returns"
  | "quantile-cumulative"
  | "long-short"
  | "ic-decay";

/** The chart kinds of an analysis, in tearsheet order. */
export const ANALYSIS_CHARTS: readonly AnalysisChartKind[] = [
  "ic",
  "ic-histogram",
  "ic-qq",
  "ic-heatmap",
  "quantile-returns",
  "quantile-cumulative",
  "long-short",
  "ic-decay",
];

/** Time slices in the rolling mean the IC chart draws over the IC. */
export function rollingWindow(slices: number): number {
  return Math.max(5, Math.round(slices / 20));
}

/** Options of `analysis.plot`. */
export interface AnalysisChartOptions extends ChartOptions {
  /** The period the IC histogram, IC Q-Q plot and cumulative quantile returns show. @default the first period */
  period?: number;
}

/** The tables a chart reads. */
interface AnalysisFrames {
  ic: DataFrame;
  quantileReturns: DataFrame;
  quantileCumulative: DataFrame;
  longShort: DataFrame;
  icDecay: DataFrame;
}

/** The Spearman ICs of one period with a value, in time order. */
function presentIcs(ic: DataFrame, period: number): Float64Array {
  return floats(ic.filter(pl.col("period").eq(pl.lit(period))), "spearman")
    .filter((v) => !Number.isNaN(v));
}

/**
 * The mean of the last `window` present (not NaN) values at each present
 * value, NaN where fewer than `window` are present so far or the value is
 * missing.
 *
 * @example
 * ```ts
 * import { rollingMean } from "./charts.ts";
 * console.log(rollingMean(new Float64Array([1, NaN, 3, 5]), 2)); // Float64Array [NaN, NaN, 2, 4]
 * ```
 */
export function rollingMean(
  values: Float64Array,
  window: number,
): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  const present: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    present.push(v);
    sum += v;
    if (present.length > window) sum -= present[present.length - 1 - window];
    if (present.length >= window) out[i] = sum / window;
  });
  return out;
}

/**
 * The IC frame with, per period, a second series: the rolling mean of the
 * last `window` present ICs ({@linkcode rollingMean}).
 */
function withRollingMean(ic: DataFrame, window: number): DataFrame {
  const series = bySeries(ic).select("symbol", "end_time", "spearman")
    .sort(["symbol", "end_time"]);
  const labels = series.getColumn("symbol").toArray() as string[];
  const values = floats(series, "spearman");
  const rolling = new Float64Array(values.length).fill(NaN);
  let from = 0;
  for (let i = 1; i <= labels.length; i++) {
    if (i === labels.length || labels[i] !== labels[from]) {
      rolling.set(rollingMean(values.subarray(from, i), window), from);
      from = i;
    }
  }
  return pl.concat([
    series,
    series.withColumns(
      pl.Series("symbol", labels.map((l) => rollingLabel(l, window))),
      pl.Series("spearman", rolling),
    ),
  ]);
}

function rollingLabel(period: string, window: number): string {
  return `${period}, mean of ${window}`;
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
  const period = options.period ?? periods[0];
  if (!periods.includes(period)) {
    throw new InvalidArgumentError(
      "period",
      period,
      `one of the analysed periods (${periods.join(", ")})`,
    );
  }
  switch (kind) {
    case "ic": {
      if (!anyFinite(floats(tables.ic, "spearman"))) {
        return noData(
          { title: `${name}: Spearman IC per time`, width },
          `no time slice has a Spearman IC (${tables.ic.height} rows)`,
        );
      }
      const slices = tables.ic.filter(pl.col("period").eq(pl.lit(periods[0])))
        .height;
      const window = rollingWindow(slices);
      const labels = series.flatMap((l) => [l, rollingLabel(l, window)]);
      return lines(withRollingMean(tables.ic, window), {
        reduce: "mean",
        column: "spearman",
        normalize: false,
        title: `${name}: Spearman IC per time`,
        interval:
          `thick: rolling mean of the last ${window} ICs · mean IC per time bucket when downsampled`,
        width,
        height,
        maxPoints,
        yLabel: "Spearman IC (−1 to 1)",
        series: labels,
        bold: labels.filter((_, i) => i % 2 === 1),
      });
    }
    case "ic-qq":
      return icQq(presentIcs(tables.ic, period), name, period, width, height);
    case "ic-heatmap":
      return icHeatmap(tables.ic, name, periods, width);
    case "quantile-cumulative": {
      const title = `${name}: cumulative return by quantile, ${
        periodLabel(period)
      }`;
      const rows = tables.quantileCumulative.filter(
        pl.col("period").eq(pl.lit(period)),
      );
      if (!anyFinite(floats(rows, "return"))) {
        return noData(
          { title, width },
          "no step has a quantile return",
        );
      }
      const quantiles = [
        ...new Set(rows.getColumn("quantile").toArray() as number[]),
      ].sort((a, b) => a - b).map((q) => `Q${q}`);
      return lines(
        rows.withColumns(
          pl.lit("Q").add(pl.col("quantile").cast(pl.Utf8)).alias("symbol"),
        ),
        {
          reduce: "last",
          column: "cumulative",
          normalize: false,
          title,
          interval:
            "growth of 1, non-overlapping steps, relative to the cross-section's mean",
          width,
          height,
          maxPoints,
          yLabel: "growth of 1",
          series: quantiles,
        },
      );
    }
    case "ic-histogram": {
      const values = presentIcs(tables.ic, period);
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
      subtitle:
        "mean Spearman IC (−1 to 1) by forward period; no bar = no value",
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

/** IC quantiles against standard normal quantiles, with the normal line. */
function icQq(
  values: Float64Array,
  name: string,
  period: number,
  width: number,
  height: number,
): Chart {
  const title = `${name}: IC Q-Q plot against the normal, ${
    periodLabel(period)
  }`;
  const m = moments(values);
  if (values.length < 3 || !(m.std > 0)) {
    return noData(
      { title, width },
      `${values.length} IC value(s) for ${
        periodLabel(period)
      }; a Q-Q plot needs 3 that differ`,
    );
  }
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const normal = Float64Array.from(
    { length: n },
    (_, i) => inverseNormalCdf((i + 0.5) / n),
  );
  const ends = [normal[0], normal[n - 1]];
  return render(
    {
      title,
      subtitle:
        `${n} Spearman ICs (−1 to 1), sorted, against standard normal quantiles; line: a normal IC with their mean and std`,
      width,
    },
    {
      height,
      marginLeft: 64,
      x: { label: "standard normal quantile" },
      y: { label: "Spearman IC quantile", grid: true },
      marks: [
        Plot.line(ends, {
          x: (z: number) => z,
          y: (z: number) => m.mean + m.std * z,
          stroke: "#ef5350",
        }),
        Plot.dot({ length: n }, {
          x: normal,
          y: sorted,
          r: 1.8,
          fill: "#4269d0",
        }),
      ],
    },
  );
}

/** Mean Spearman IC per UTC month and period, as coloured cells with their values. */
function icHeatmap(
  ic: DataFrame,
  name: string,
  periods: readonly number[],
  width: number,
): Chart {
  const title = `${name}: monthly mean IC`;
  const months = ic.filter(pl.col("spearman").isNotNull())
    .withColumns(
      pl.col("end_time").cast(pl.Datetime("ms", "UTC")).dt.strftime("%Y-%m")
        .alias("month"),
    )
    .groupBy(["period", "month"])
    .agg(pl.col("spearman").mean().alias("mean"), pl.len().alias("n"))
    .sort(["period", "month"]);
  if (months.height === 0) {
    return noData({ title, width }, "no time slice has a Spearman IC");
  }
  const month = months.getColumn("month").toArray() as string[];
  const period = (months.getColumn("period").toArray() as number[])
    .map(periodLabel);
  const mean = floats(months, "mean");
  const extent = Math.max(1e-9, ...Array.from(mean, Math.abs));
  return render(
    {
      title,
      subtitle:
        "mean Spearman IC (−1 to 1) of the time slices in each UTC month (months by end_time)",
      width,
    },
    {
      height: Math.max(80, periods.length * 28 + 50),
      marginLeft: 64,
      x: { label: "month (UTC)", domain: [...new Set(month)].sort() },
      y: { label: null, domain: periods.map(periodLabel) },
      color: divergingColor(extent),
      marks: [
        Plot.cell({ length: months.height }, {
          x: month,
          y: period,
          fill: mean,
          inset: 0.5,
        }),
        Plot.text({ length: months.height }, {
          x: month,
          y: period,
          text: Array.from(mean, (v) => v.toFixed(3)),
          fill: Array.from(mean, (v) => cellTextColor(v, extent)),
        }),
      ],
    },
    { ramp: "mean IC" },
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
  const gross = returns.columns.includes("gross_return");
  const net = returns.select(
    "end_time",
    pl.col("equity"),
    pl.lit(gross ? "net" : "equity").alias("symbol"),
  );
  const rows = gross
    ? pl.concat([
      net,
      returns.select("end_time").withColumns(
        pl.Series("equity", cumulative(returns, "gross_return", "product")),
        pl.lit("gross").alias("symbol"),
      ),
    ], { how: "vertical" })
    : net;
  return lines(rows, {
    reduce: "last",
    column: "equity",
    normalize: false,
    title: `${title}: equity`,
    interval: gross
      ? "growth of 1: gross (price moves alone) and net of costs and funding"
      : "growth of 1, net of costs",
    width,
    height,
    maxPoints,
    yLabel: "equity",
    ...(gross ? { series: ["net", "gross"], bold: ["net"] } : {}),
  });
}

/**
 * Running Σ (or Π(1 + x), from 1) of a column, NaN-free per-bar values
 * assumed (a backtest's series).
 */
function cumulative(
  returns: DataFrame,
  column: string,
  how: "sum" | "product",
): Float64Array {
  const values = returns.getColumn(column).cast(pl.Float64)
    .toTypedArray() as Float64Array;
  const out = new Float64Array(values.length);
  let running = how === "sum" ? 0 : 1;
  values.forEach((v, i) => {
    running = how === "sum" ? running + v : running * (1 + v);
    out[i] = running;
  });
  return out;
}

/**
 * Where a backtest's money went: the running sums of its per-bar price
 * moves (`gross`), costs (drawn below zero), funding (when charged) and
 * net returns, as fractions of equity, so a result killed by costs says
 * so at a glance.
 *
 * @example
 * ```ts ignore
 * const chart = plotCosts(result.returns, "rank(momentum)");
 * ```
 *
 * @throws {InvalidArgumentError} `returns` lacks `gross_return` and `cost` (not a backtest's series).
 */
export function plotCosts(
  returns: DataFrame,
  title: string,
  options: ChartOptions = {},
): Chart {
  for (const column of ["gross_return", "cost", "return"]) {
    if (!returns.columns.includes(column)) {
      throw new InvalidArgumentError(
        "returns",
        returns.columns,
        `a backtest's return series (with gross_return, cost and return; '${column}' is missing)`,
      );
    }
  }
  const { width, height, maxPoints } = sizes(options, CHART_OPTIONS);
  const series: [string, string, number][] = [
    ["gross", "gross_return", 1],
    ["costs", "cost", -1],
    ...(returns.columns.includes("funding")
      ? [["funding", "funding", 1] as [string, string, number]]
      : []),
    ["net", "return", 1],
  ];
  const rows = pl.concat(
    series.map(([label, column, sign]) =>
      returns.select("end_time").withColumns(
        pl.Series(
          "value",
          cumulative(returns, column, "sum").map((v) => sign * v),
        ),
        pl.lit(label).alias("symbol"),
      )
    ),
    { how: "vertical" },
  );
  return lines(rows, {
    reduce: "last",
    column: "value",
    normalize: false,
    title: `${title}: where the money went`,
    interval: "running sums of per-bar fractions of equity (costs below zero)",
    width,
    height: Math.round(height * 0.8),
    maxPoints,
    yLabel: "Σ per-bar return",
    series: series.map(([label]) => label),
    bold: ["net"],
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

/**
 * Kinds of performance chart: `result.plot(kind)` of a backtest or a feed
 * run (`costs`: a backtest's only).
 */
export type PerformanceChartKind = "equity" | "drawdown" | "costs";

/**
 * The `equity`, `drawdown` or `costs` chart of a `returns` frame; any
 * other kind is an {@linkcode InvalidArgumentError}.
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
  if (kind === "costs") return plotCosts(returns, title, options);
  throw new InvalidArgumentError(
    "kind",
    kind,
    '"equity", "drawdown" or "costs"',
  );
}
