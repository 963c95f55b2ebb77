/**
 * FactorAnalysis: the result of `factor.analyze(agg)`: tables, charts, a
 * tearsheet (Jupyter display and HTML) and `save(dir)`.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars.ts";
import type { Chart } from "../display/plot.ts";
import {
  escapeHtml,
  formatNumber,
  htmlPage,
  htmlTable,
} from "../display/html.ts";
import { htmlBlock, type MimeBundle } from "../display/jupyter.ts";
import {
  ANALYSIS_CHARTS,
  type AnalysisChartKind,
  type AnalysisChartOptions,
  plotAnalysis,
} from "./charts.ts";
import { type SaveOptions, saveTables } from "./save.ts";

/** The tables of a factor analysis (see {@linkcode FactorAnalysis}). */
export interface AnalysisTables {
  /** Per bar: end_time, symbol, factor, quantile, fwd_{k} per period. */
  factorData: DataFrame;
  /** Per time and period: end_time, period, n, spearman, pearson. */
  ic: DataFrame;
  /** Per period and method: period, method, n, mean, std, ir, t_stat, p_value, hit_rate. */
  icSummary: DataFrame;
  /** Per period and quantile: period, quantile, mean, std, n (n = time slices). */
  quantileReturns: DataFrame;
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
  #tables: AnalysisTables;

  /** Wraps computed tables; use `factor.analyze(agg)` to make one. */
  constructor(
    name: string,
    settings: AnalysisSettings,
    tables: AnalysisTables,
  ) {
    this.name = name;
    this.settings = settings;
    this.#tables = tables;
  }

  /** Per bar: end_time, symbol, factor, quantile (1 = lowest), fwd_{k} per period. */
  get factorData(): DataFrame {
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

  /** Per period and quantile: period, quantile, mean, std, n (time slices). */
  get quantileReturns(): DataFrame {
    return this.#tables.quantileReturns;
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
   *
   * @example
   * ```ts ignore
   * for (const [name, frame] of Object.entries(analysis.toPolars())) console.log(name, frame.shape);
   * ```
   */
  toPolars(): AnalysisTables {
    return { ...this.#tables };
  }

  /**
   * One chart: `ic` (Spearman IC per time, a line per period), `ic-histogram`
   * (of one period), `quantile-returns`, `long-short` (cumulative) or
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

  /** The tearsheet body: settings, summary tables and every chart. */
  #tearsheet(): string {
    const { periods, quantiles, minSymbols, price } = this.settings;
    const spearman = this.icSummary.filter(
      pl.col("method").eq(pl.lit("spearman")),
    );
    const quantileTable = this.quantileReturns.select(
      "period",
      "quantile",
      pl.col("mean").mul(1e4).alias("mean_bps"),
      pl.col("std").mul(1e4).alias("std_bps"),
      "n",
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
    const charts = ANALYSIS_CHARTS.map((kind) =>
      this.plot(kind, TEARSHEET_CHART).toSVG()
    ).join("");
    return `<h3>Factor analysis <code>${escapeHtml(this.name)}</code></h3>` +
      `<div class="meta">${
        escapeHtml(
          `forward periods ${
            periods.join(", ")
          } bars of "${price}" · ${quantiles} quantiles · IC needs ≥ ${minSymbols} symbols · ${this.factorData.height} bars`,
        )
      }</div>` +
      `<div class="meta">coverage: what was used and what was dropped, and why</div>` +
      htmlTable(this.coverage) +
      `<div class="meta">IC summary (${
        escapeHtml("Spearman; Pearson in the full table")
      })</div>` +
      htmlTable(spearman.drop("method")) +
      `<div class="meta">mean forward return by quantile (Q1 = lowest factor)</div>` +
      htmlTable(renamed) +
      `<div class="meta">top minus bottom quantile, per time slice</div>` +
      htmlTable(this.spread) +
      `<div class="meta">quantile turnover (share of names new to the quantile after k bars) · factor rank autocorrelation</div>` +
      htmlTable(
        this.turnover.filter(
          pl.col("quantile").eq(pl.lit(1)).or(
            pl.col("quantile").eq(pl.lit(quantiles)),
          ),
        ),
      ) +
      htmlTable(this.rankAutocorrelation) +
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
      `FactorAnalysis ${this.name} (${this.factorData.height} bars, periods ${
        this.settings.periods.join(", ")
      })`,
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
    return saveTables(
      dir,
      { ...this.#tables },
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
