/**
 * FactorAnalysis: the result of `factor.analyze(agg)`: tables, charts, a
 * tearsheet (Jupyter display and HTML) and `save(dir)`.
 *
 * @module
 */
import pl from "nodejs-polars";
import { type DataFrame, scanParquetFile } from "../polars.ts";
import type { Chart } from "../display/plot.ts";
import {
  escapeHtml,
  formatNumber,
  htmlPage,
  htmlTable,
} from "../display/html.ts";
import { htmlBlock, type MimeBundle } from "../display/jupyter.ts";
import { displayFrame } from "../display/frame.ts";
import { NotKeptError } from "../errors.ts";
import { readSink } from "../parquet_parts.ts";
import {
  ANALYSIS_CHARTS,
  type AnalysisChartKind,
  type AnalysisChartOptions,
  plotAnalysis,
} from "./charts.ts";
import { type SaveOptions, saveTables } from "./save.ts";

/** The tables of a factor analysis (see {@linkcode FactorAnalysis}). */
export interface AnalysisTables {
  /**
   * Per bar: end_time, symbol, factor, quantile, fwd_{k} per period
   * (absent when not kept: bars kept in files analysed without a `sink`).
   */
  factorData?: DataFrame;
  /** Per time and period: end_time, period, n, spearman, pearson. */
  ic: DataFrame;
  /** Per period and method: period, method, n, mean, std, ir, t_stat, p_value, hit_rate. */
  icSummary: DataFrame;
  /** Per period and quantile: period, quantile, mean, std, n (n = time slices); demeaned unless `demeaned: false`. */
  quantileReturns: DataFrame;
  /**
   * Non-overlapping steps every k bars per quantile: end_time, period,
   * quantile, return (the quantile's mean forward return of the step,
   * demeaned like `quantileReturns`; null when missing), cumulative (growth
   * of 1; a missing step is flat).
   */
  quantileCumulative: DataFrame;
  /** Top-minus-bottom quantile spread per period: period, mean, std, t_stat, n. */
  spread: DataFrame;
  /**
   * Non-overlapping long-short steps: end_time, period, spread, cumulative
   * (growth of 1: the product of 1 + spread so far; a missing step is flat).
   */
  longShort: DataFrame;
  /** Per period and quantile: period, quantile, mean, n. */
  turnover: DataFrame;
  /** Per period: period, mean, n. */
  rankAutocorrelation: DataFrame;
  /** Per period: period, spearman, pearson (mean ICs). */
  icDecay: DataFrame;
  /**
   * What was used and what was dropped, and why: step, period, unit, kept,
   * of, dropped, dropped_share, reason (see {@linkcode coverageTable}).
   */
  coverage: DataFrame;
}

/** The settings an analysis ran with. */
export interface AnalysisSettings {
  /** Forward periods in bars, ascending. */
  periods: number[];
  /** Number of quantile buckets. */
  quantiles: number;
  /** Fewest symbols per time slice for an IC. */
  minSymbols: number;
  /** The price column returns came from. */
  price: string;
  /** Largest share of the factor's rows allowed to lack a forward return (1 = no limit). */
  maxLoss: number;
  /** Whether quantile returns are relative to the cross-section's mean. */
  demeaned: boolean;
}

/** How many per-bar rows an analysis has, and the file holding them when they are not in memory. */
export interface FactorRowsHeld {
  /** Per-bar rows. */
  rows: number;
  /** The Parquet file they were written to (`sink`), if any. */
  path?: string;
}

const TEARSHEET_CHART = { width: 760, height: 260, maxPoints: 400 };

/**
 * The result of {@linkcode Factor.analyze}: every table as a Polars frame
 * (see `toPolars()` for their columns), charts, and a tearsheet shown
 * inline in Jupyter.
 *
 * @example
 * ```ts ignore
 * const analysis = await agg.factor("cs_rank(ts_delta(close, 60))").analyze(agg);
 * console.log(analysis.icSummary.toString());
 * await analysis.save("out/momentum");
 * ```
 */
export class FactorAnalysis {
  /** The factor's canonical name. */
  readonly name: string;
  /** The settings it ran with. */
  readonly settings: Readonly<AnalysisSettings>;
  /** Per-bar rows, and their file when not held in memory. */
  readonly factorRows: Readonly<FactorRowsHeld>;
  #tables: AnalysisTables;

  /**
   * Wraps computed tables; use `factor.analyze(agg)` to make one.
   * `factorRows` says where the per-bar rows are when `tables` lacks
   * `factorData` (default: the rows of `tables.factorData`).
   */
  constructor(
    name: string,
    settings: AnalysisSettings,
    tables: AnalysisTables,
    factorRows?: FactorRowsHeld,
  ) {
    this.name = name;
    this.settings = settings;
    this.factorRows = factorRows ?? { rows: tables.factorData?.height ?? 0 };
    // Jupyter shows each table's shape, head and tail with readable times.
    this.#tables = Object.fromEntries(
      Object.entries(tables).filter(([, frame]) => frame !== undefined).map((
        [name, frame],
      ) => [name, displayFrame(frame)]),
    ) as unknown as AnalysisTables;
  }

  /**
   * Per bar: end_time, symbol, factor, quantile (1 = lowest), fwd_{k} per
   * period. Read from the `sink` file when the analysis wrote one; throws
   * {@linkcode NotKeptError} when the rows were not kept (bars kept in
   * files analysed without a `sink`).
   */
  get factorData(): DataFrame {
    if (this.#tables.factorData === undefined) {
      const { rows, path } = this.factorRows;
      if (path === undefined) {
        throw new NotKeptError(
          "factorData",
          `the analysis ran over bars kept in files (AggBar.scan), whose ${rows} per-bar rows are not held in memory; pass { sink: "rows.parquet" } to analyze to write them to a file`,
        );
      }
      this.#tables.factorData = displayFrame(readSink(path));
    }
    return this.#tables.factorData;
  }

  /** Per time and period: end_time, period, n (symbols), spearman, pearson. */
  get ic(): DataFrame {
    return this.#tables.ic;
  }

  /** Per period and method: period, method, n, mean, std, ir, t_stat, p_value, hit_rate. */
  get icSummary(): DataFrame {
    return this.#tables.icSummary;
  }

  /** Per period and quantile: period, quantile, mean, std, n (time slices); demeaned unless `demeaned: false`. */
  get quantileReturns(): DataFrame {
    return this.#tables.quantileReturns;
  }

  /**
   * Non-overlapping steps every k bars per quantile: end_time, period,
   * quantile, return (demeaned like `quantileReturns`, null when missing),
   * cumulative (growth of 1; a missing step is flat).
   */
  get quantileCumulative(): DataFrame {
    return this.#tables.quantileCumulative;
  }

  /**
   * The line a researcher reads first, per period: period, ic_mean, ic_ir,
   * ic_t (Spearman), spread_bps and spread_t (top minus bottom quantile per
   * time slice), turnover (mean share of the top and bottom quantiles' names
   * that are new after k bars).
   *
   * @example
   * ```ts ignore
   * console.log(analysis.verdict.toRecords()[0]); // { period: 1, ic_mean: 0.03, ic_ir: 0.12, ... }
   * ```
   */
  get verdict(): DataFrame {
    const { quantiles } = this.settings;
    const ic = this.icSummary.filter(pl.col("method").eq(pl.lit("spearman")))
      .select(
        "period",
        pl.col("mean").alias("ic_mean"),
        pl.col("ir").alias("ic_ir"),
        pl.col("t_stat").alias("ic_t"),
      );
    const spread = this.spread.select(
      "period",
      pl.col("mean").mul(1e4).alias("spread_bps"),
      pl.col("t_stat").alias("spread_t"),
    );
    const turnover = this.turnover
      .filter(
        pl.col("quantile").eq(pl.lit(1)).or(
          pl.col("quantile").eq(pl.lit(quantiles)),
        ),
      )
      .groupBy("period")
      .agg(pl.col("mean").mean().alias("turnover"));
    return displayFrame(
      ic.join(spread, { on: "period", how: "left" })
        .join(turnover, { on: "period", how: "left" })
        .sort("period"),
    );
  }

  /** Top-minus-bottom quantile return per period: period, mean, std, t_stat, n. */
  get spread(): DataFrame {
    return this.#tables.spread;
  }

  /**
   * Non-overlapping long-short steps every k bars: end_time, period,
   * spread (top minus bottom quantile return of the step, null when
   * missing) and cumulative: the growth of 1 invested at the first step,
   * Π(1 + spread) so far (a missing step is flat).
   */
  get longShort(): DataFrame {
    return this.#tables.longShort;
  }

  /** Mean quantile turnover: period, quantile, mean, n. */
  get turnover(): DataFrame {
    return this.#tables.turnover;
  }

  /** Mean factor rank autocorrelation: period, mean, n. */
  get rankAutocorrelation(): DataFrame {
    return this.#tables.rankAutocorrelation;
  }

  /** Mean IC by period: period, spearman, pearson. */
  get icDecay(): DataFrame {
    return this.#tables.icDecay;
  }

  /**
   * What the analysis used and what it dropped, and why: per step (factor
   * rows; on a bar of the price AggBar; with a factor value; with a price;
   * with a forward return, per period; time slices with an IC, per period;
   * time slices in quantiles): step, period (null when not per period),
   * unit ("rows" or "time slices"), kept, of, dropped, dropped_share,
   * reason (null when nothing was dropped).
   *
   * @example
   * ```ts ignore
   * console.log(analysis.coverage.toString());
   * ```
   */
  get coverage(): DataFrame {
    return this.#tables.coverage;
  }

  /**
   * Every table by name (a new record; the frames are shared).
   * `factorData` is there when held in memory or read from its `sink`
   * file; absent when it was not kept.
   *
   * @example
   * ```ts ignore
   * for (const [name, frame] of Object.entries(analysis.toPolars())) console.log(name, frame.shape);
   * ```
   */
  toPolars(): AnalysisTables {
    const tables = { ...this.#tables };
    if (this.factorRows.path !== undefined) tables.factorData = this.factorData;
    return tables;
  }

  /**
   * One chart: `ic` (Spearman IC per time and its rolling mean, per
   * period), `ic-histogram` and `ic-qq` (against the normal; of one
   * period), `ic-heatmap` (monthly mean IC), `quantile-returns`,
   * `quantile-cumulative` (of one period), `long-short` (cumulative) or
   * `ic-decay`.
   *
   * @example
   * ```ts ignore
   * await analysis.plot("quantile-returns").save("out/quantiles.svg");
   * ```
   */
  plot(
    kind: AnalysisChartKind = "ic",
    options: AnalysisChartOptions = {},
  ): Chart {
    return plotAnalysis(
      this.#tables,
      this.settings.periods,
      this.name,
      kind,
      options,
    );
  }

  /** The tearsheet body: settings, verdict, captioned tables and every chart. */
  #tearsheet(): string {
    const { periods, quantiles, minSymbols, price, demeaned } = this.settings;
    const spearman = this.icSummary.filter(
      pl.col("method").eq(pl.lit("spearman")),
    );
    const quantileTable = this.quantileReturns.select(
      "period",
      "quantile",
      pl.col("mean").mul(1e4).alias("mean_bps"),
    ).pivot("mean_bps", {
      index: "quantile",
      on: "period",
      aggregateFunc: "first",
    });
    const renamed = quantileTable.rename(
      Object.fromEntries(
        periods.map((k) => [String(k), `fwd_${k} mean (bps)`]),
      ),
    );
    const relative = demeaned
      ? "relative to the cross-section's mean (demeaned)"
      : "raw, not demeaned";
    const charts = ANALYSIS_CHARTS.map((kind) =>
      this.plot(kind, TEARSHEET_CHART).toSVG()
    ).join("");
    return `<h3>Factor analysis <code>${escapeHtml(this.name)}</code></h3>` +
      `<div class="meta">${
        escapeHtml(
          `forward periods ${
            periods.join(", ")
          } bars of "${price}" · ${quantiles} quantiles, returns ${relative} · IC needs ≥ ${minSymbols} symbols · ${this.factorRows.rows} bars`,
        )
      }</div>` +
      htmlTable(this.verdict, {
        caption:
          "verdict, read first: Spearman IC mean, IR and t (IC from −1 to 1); top-minus-bottom spread (bps per time slice) and its t; turnover (share 0 to 1 of top and bottom quantile names new after k bars)",
      }) +
      htmlTable(this.coverage, {
        caption: "coverage: what was used and what was dropped, and why",
      }) +
      htmlTable(spearman.drop("method"), {
        caption:
          "IC summary, Spearman (IC from −1 to 1; n = time slices; Pearson in the full table)",
      }) +
      htmlTable(renamed, {
        caption:
          `mean forward return by quantile (bps, ${relative}; Q1 = lowest factor)`,
      }) +
      htmlTable(
        this.spread.select(
          "period",
          pl.col("mean").mul(1e4).alias("mean_bps"),
          pl.col("std").mul(1e4).alias("std_bps"),
          "t_stat",
          "n",
        ),
        {
          caption:
            "top minus bottom quantile forward return per time slice (bps; n = time slices)",
        },
      ) +
      htmlTable(
        this.turnover.filter(
          pl.col("quantile").eq(pl.lit(1)).or(
            pl.col("quantile").eq(pl.lit(quantiles)),
          ),
        ),
        {
          caption:
            "quantile turnover: share (0 to 1) of the names in the quantile that were not in it k bars earlier; n = time slices",
        },
      ) +
      htmlTable(this.rankAutocorrelation, {
        caption:
          "factor rank autocorrelation between t and t−k (−1 to 1; n = time slices)",
      }) +
      charts;
  }

  /** A standalone HTML tearsheet page (tables and inline SVG charts). */
  toHTML(): string {
    return htmlPage(
      `Factor analysis: ${this.name}`,
      `<div class="factorium">${this.#tearsheet()}</div>`,
    );
  }

  /** Plain-text summary: the Spearman IC summary per period. */
  toString(): string {
    const rows = this.icSummary.filter(
      pl.col("method").eq(pl.lit("spearman")),
    ).toRecords();
    return [
      `FactorAnalysis ${this.name} (${this.factorRows.rows} bars, periods ${
        this.settings.periods.join(", ")
      })`,
      ...this.verdict.toRecords().map((r) =>
        `  verdict, ${r.period} bar(s): IC IR ${
          formatNumber(r.ic_ir as number | null)
        }, spread ${formatNumber(r.spread_bps as number | null)} bps (t ${
          formatNumber(r.spread_t as number | null)
        }), turnover ${formatNumber(r.turnover as number | null)}`
      ),
      ...this.coverage.filter(
        pl.col("unit").eq(pl.lit("rows")).and(pl.col("dropped").gt(0)),
      ).toRecords().map((r) =>
        `  ${r.step}${
          r.period === null
            ? ""
            : ` (${r.period} bar${r.period === 1 ? "" : "s"})`
        }: dropped ${r.dropped} of ${r.of} rows (${
          (100 * (r.dropped_share as number)).toFixed(1)
        }%): ${r.reason}`
      ),
      ...rows.map((r) =>
        `  ${r.period} bar(s): IC mean ${
          formatNumber(r.mean as number | null)
        }, IR ${formatNumber(r.ir as number | null)}, t ${
          formatNumber(r.t_stat as number | null)
        }, hit rate ${formatNumber(r.hit_rate as number | null)}`
      ),
    ].join("\n");
  }

  /**
   * Writes every table (`<name>.parquet` or `.csv`) and `tearsheet.html`
   * into `dir` (created if needed), each file atomically; returns the paths
   * written.
   *
   * @example
   * ```ts ignore
   * const files = await analysis.save("out/momentum", { format: "csv" });
   * ```
   */
  save(dir: string, options: SaveOptions = {}): Promise<string[]> {
    const { path } = this.factorRows;
    return saveTables(
      dir,
      // Rows in a sink file are streamed from it, never read whole.
      path === undefined
        ? { ...this.#tables }
        : { factorData: scanParquetFile(path), ...this.#tables },
      this.toHTML(),
      "tearsheet.html",
      options,
    );
  }

  /** Jupyter shows the tearsheet. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return {
      "text/plain": this.toString(),
      "text/html": htmlBlock(this.#tearsheet()),
    };
  }
}
