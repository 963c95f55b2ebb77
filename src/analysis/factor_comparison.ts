/**
 * FactorComparison: the result of `compareFactors`: the comparison table,
 * the IC series and the correlation matrices, with heatmaps, a Jupyter
 * display and `save(dir)`.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  type Chart,
  type ChartOptions,
  floats,
  sizes,
} from "../display/plot.ts";
import { escapeHtml, htmlPage, htmlTable } from "../display/html.ts";
import { htmlBlock, type MimeBundle } from "../display/jupyter.ts";
import { displayFrame, frameText } from "../display/frame.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import type { AnalysisSettings } from "./factor_analysis.ts";
import { periodLabel } from "./coverage.ts";
import { gridChart } from "./grid_chart.ts";
import { type SaveOptions, saveTables } from "./save.ts";

/** The tables of a {@linkcode FactorComparison}. */
export interface ComparisonTables {
  /** Per factor and period: factor, period, ic_mean, ic_std, ic_ir, ic_t, hit_rate, ic_n, spread_bps, spread_t, turnover, coverage. */
  table: DataFrame;
  /** Per factor, time and period: factor, end_time, period, n, spearman. */
  ic: DataFrame;
  /** factor and a column per factor: mean cross-sectional Spearman correlation of the values. */
  valueCorrelation: DataFrame;
  /** period, factor and a column per factor: Pearson correlation of the Spearman IC series. */
  icCorrelation: DataFrame;
}

/** Kinds of comparison chart: `comparison.plot(kind)`. */
export type ComparisonChartKind = "value-correlation" | "ic-correlation";

/** Options of `comparison.plot`. */
export interface ComparisonChartOptions extends ChartOptions {
  /** The period of the IC correlation. @default the first period */
  period?: number;
}

const CHART = { width: 640 };

/**
 * The result of {@linkcode compareFactors}: one table per factor and
 * period, the factors' correlation matrices, heatmaps, and a Jupyter
 * display (the table sorted by |IR| and the heatmaps).
 *
 * @example
 * ```ts ignore
 * const comparison = await agg.compareFactors({ a: "cs_rank(close)", b: "cs_rank(volume)" });
 * console.log(comparison.table.toString());
 * await comparison.plot("value-correlation").save("out/correlation.svg");
 * ```
 */
export class FactorComparison {
  /** The factors' names, in input order. */
  readonly names: readonly string[];
  /** The analysis settings every factor ran with. */
  readonly settings: Readonly<AnalysisSettings>;
  #tables: ComparisonTables;

  /** Wraps computed tables; use {@linkcode compareFactors} to make one. */
  constructor(
    names: readonly string[],
    settings: AnalysisSettings,
    tables: ComparisonTables,
  ) {
    this.names = names;
    this.settings = settings;
    this.#tables = Object.fromEntries(
      Object.entries(tables).map(([name, frame]) => [
        name,
        displayFrame(frame),
      ]),
    ) as unknown as ComparisonTables;
  }

  /**
   * One row per factor and period, sorted by period, then |IR|
   * descending: factor, period, ic_mean, ic_std, ic_ir, ic_t, hit_rate,
   * ic_n (time slices with an IC), spread_bps, spread_t, turnover,
   * coverage (share of bars with a factor value and a forward return).
   */
  get table(): DataFrame {
    return this.#tables.table;
  }

  /** The Spearman IC series: factor, end_time, period, n, spearman. */
  get ic(): DataFrame {
    return this.#tables.ic;
  }

  /** Mean cross-sectional Spearman correlation of the factors' values: factor and a column per factor. */
  get valueCorrelation(): DataFrame {
    return this.#tables.valueCorrelation;
  }

  /** Correlation of the factors' IC series per period: period, factor and a column per factor. */
  get icCorrelation(): DataFrame {
    return this.#tables.icCorrelation;
  }

  /**
   * Every table by name (a new record; the frames are shared).
   *
   * @example
   * ```ts ignore
   * const { table, valueCorrelation } = comparison.toPolars();
   * ```
   */
  toPolars(): ComparisonTables {
    return { ...this.#tables };
  }

  /**
   * A correlation heatmap: `value-correlation` (of the factors' values) or
   * `ic-correlation` (of their IC series, for `options.period`).
   *
   * @example
   * ```ts ignore
   * await comparison.plot("ic-correlation", { period: 5 }).save("out/ic-correlation.svg");
   * ```
   */
  plot(
    kind: ComparisonChartKind = "value-correlation",
    options: ComparisonChartOptions = {},
  ): Chart {
    const { width } = sizes(options, {
      width: true,
      height: true,
      maxPoints: true,
      period: true,
    });
    const period = options.period ?? this.settings.periods[0];
    if (!this.settings.periods.includes(period)) {
      throw new InvalidArgumentError(
        "period",
        period,
        `one of the compared periods (${this.settings.periods.join(", ")})`,
      );
    }
    if (kind === "value-correlation") {
      return this.#matrix(
        this.valueCorrelation,
        "factor correlation",
        "mean over time slices of the cross-sectional Spearman correlation of the values (−1 to 1)",
        width,
      );
    }
    if (kind === "ic-correlation") {
      return this.#matrix(
        this.icCorrelation.filter(pl.col("period").eq(pl.lit(period))).drop(
          "period",
        ),
        `IC correlation, ${periodLabel(period)}`,
        "Pearson correlation of the factors' Spearman IC series over the times both have one (−1 to 1)",
        width,
      );
    }
    throw new InvalidArgumentError(
      "kind",
      kind,
      '"value-correlation" or "ic-correlation"',
    );
  }

  #matrix(
    frame: DataFrame,
    title: string,
    subtitle: string,
    width: number,
  ): Chart {
    const names = [...this.names];
    const columns = names.map((name) => floats(frame, name));
    return gridChart({
      title,
      subtitle,
      legend: "correlation",
      x: names,
      y: names,
      xLabel: null,
      yLabel: null,
      values: names.map((_, r) => columns.map((column) => column[r])),
      width,
      extent: 1,
    });
  }

  #body(): string {
    const { periods, quantiles, price } = this.settings;
    return `<h3>Factor comparison: ${this.names.length} factors</h3>` +
      `<div class="meta">${
        escapeHtml(
          `forward periods ${
            periods.join(", ")
          } bars of "${price}" · ${quantiles} quantiles · sorted by |IC IR| per period · one evaluation pass`,
        )
      }</div>` +
      htmlTable(this.table, {
        maxRows: 200,
        caption:
          "per factor and period: Spearman IC mean, std, IR, t and hit rate (IC from −1 to 1; ic_n = time slices); top-minus-bottom spread (bps) and its t; turnover (0 to 1); coverage (share of bars with a value and a forward return)",
      }) +
      this.plot("value-correlation", CHART).toSVG() +
      this.plot("ic-correlation", CHART).toSVG();
  }

  /** A standalone HTML page: the table and both heatmaps. */
  toHTML(): string {
    return htmlPage(
      "Factor comparison",
      `<div class="factorium">${this.#body()}</div>`,
    );
  }

  /** Plain text: the comparison table. */
  toString(): string {
    return `FactorComparison of ${this.names.length} factors (${
      this.names.join(", ")
    })\n${frameText(this.table)}`;
  }

  /**
   * Writes every table (`.parquet` or `.csv`) and `comparison.html` into
   * `dir`; returns the paths written.
   *
   * @example
   * ```ts ignore
   * await comparison.save("out/comparison", { format: "csv" });
   * ```
   */
  save(dir: string, options: SaveOptions = {}): Promise<string[]> {
    return saveTables(
      dir,
      { ...this.#tables },
      this.toHTML(),
      "comparison.html",
      options,
    );
  }

  /** Jupyter shows the table and the heatmaps. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return {
      "text/plain": this.toString(),
      "text/html": htmlBlock(this.#body()),
    };
  }
}
