/**
 * WalkForwardResult: the per-fold choices with in-sample and out-of-sample
 * metrics side by side, the stitched out-of-sample returns and their
 * metrics and tearsheet.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Chart, ChartOptions } from "../display/plot.ts";
import { escapeHtml, htmlPage, htmlTable } from "../display/html.ts";
import { htmlBlock, type MimeBundle } from "../display/jupyter.ts";
import { displayFrame, frameText } from "../display/frame.ts";
import type { DataFrame } from "../polars.ts";
import { type PerformanceChartKind, plotPerformance } from "./charts.ts";
import { type Metrics, metricsFrame } from "./metrics.ts";
import { metricsText, performanceHtml } from "./performance.ts";
import { type SaveOptions, saveTables } from "./save.ts";
import type { SweepMetric } from "./sweep_plan.ts";

/**
 * The result of {@linkcode walkForward}.
 *
 * @example
 * ```ts ignore
 * const wf = await walkForward(agg, "cs_rank(-ts_delta(close, {n}))", { n: [5, 20] }, { train: "3d", test: "1d" });
 * console.log(wf.toString());
 * await wf.plot("equity").save("out/oos-equity.svg");
 * ```
 */
export class WalkForwardResult {
  /** The metric that chose the parameters on each training window. */
  readonly select: SweepMetric;
  /** The grid's parameters. */
  readonly params: readonly string[];
  /**
   * Per fold: fold, train_start_time, train_end_time, test_start_time, test_end_time, the
   * chosen parameters and factor, `is_<metric>` (on the training window)
   * next to `oos_<metric>` (on the test window) for every metric,
   * is_bars, oos_bars, and reason (why a fold chose nothing; null
   * otherwise).
   */
  readonly folds: DataFrame;
  /**
   * The stitched out-of-sample series: fold, end_time, gross_return,
   * cost, return, turnover, gross_exposure, net_exposure, and equity and
   * drawdown compounded across folds.
   */
  readonly returns: DataFrame;
  /** Metrics of the stitched out-of-sample net returns. */
  readonly metrics: Metrics;

  /** Wraps a finished walk-forward run; use {@linkcode walkForward}. */
  constructor(
    select: SweepMetric,
    params: readonly string[],
    folds: DataFrame,
    returns: DataFrame,
    metrics: Metrics,
  ) {
    this.select = select;
    this.params = params;
    this.folds = displayFrame(folds);
    this.returns = displayFrame(returns);
    this.metrics = metrics;
  }

  /**
   * In-sample against out-of-sample, per metric: `metric`, `in_sample`
   * (mean over folds of the chosen run's value on its training window),
   * `out_of_sample` (mean over folds of its value on the test window) and
   * `stitched` (the value on the stitched out-of-sample series; null for
   * IC metrics). Annualised returns and Calmar of short windows are too
   * noisy to average and stay in `folds`.
   *
   * @example
   * ```ts ignore
   * console.log(wf.summary.toString());
   * ```
   */
  get summary(): DataFrame {
    const m = this.metrics;
    const turnover = this.returns.getColumn("turnover").mean();
    const stitched: Record<string, number | null> = {
      sharpe: m.sharpe,
      total_return: m.totalReturn,
      annual_volatility: m.annualVolatility,
      max_drawdown: m.maxDrawdown,
      sortino: m.sortino,
      turnover: m.bars > 0 ? turnover : null,
    };
    const metrics = [...Object.keys(stitched), "ic_mean", "ic_ir", "ic_t"]
      .filter((name) => this.folds.columns.includes(`is_${name}`));
    const mean = (column: string) =>
      this.folds.getColumn(column).mean() as number | null;
    return displayFrame(pl.DataFrame({
      metric: metrics,
      in_sample: metrics.map((name) => mean(`is_${name}`)),
      out_of_sample: metrics.map((name) => mean(`oos_${name}`)),
      stitched: metrics.map((name) => stitched[name] ?? null),
    }, {
      schema: {
        metric: pl.String,
        in_sample: pl.Float64,
        out_of_sample: pl.Float64,
        stitched: pl.Float64,
      },
    }));
  }

  /**
   * The out-of-sample `equity` curve or `drawdown`.
   *
   * @example
   * ```ts ignore
   * await wf.plot("drawdown").save("out/oos-drawdown.svg");
   * ```
   */
  plot(
    kind: PerformanceChartKind = "equity",
    options: ChartOptions = {},
  ): Chart {
    return plotPerformance(
      this.returns,
      "walk-forward, out of sample",
      kind,
      options,
    );
  }

  #meta(): string {
    return `${this.folds.height} folds · parameters chosen by in-sample ${this.select} over ${
      this.params.join(" × ")
    } · out-of-sample returns stitched`;
  }

  #body(): string {
    return `<h3>Walk-forward: ${this.folds.height} folds</h3>` +
      `<div class="meta">${escapeHtml(this.#meta())}</div>` +
      htmlTable(this.summary, {
        caption:
          "the chosen runs in sample (training windows) against out of sample (test windows), mean over folds, and the stitched out-of-sample series",
      }) +
      htmlTable(this.folds, {
        maxRows: 100,
        caption:
          "per fold: windows, chosen parameters, in-sample (is_) and out-of-sample (oos_) metrics",
      }) +
      performanceHtml(
        "Out of sample (stitched)",
        "the test windows' net returns in time order, each fold starting flat",
        this.returns,
        this.metrics,
      );
  }

  /** A standalone HTML page: summary, folds and the out-of-sample tearsheet. */
  toHTML(): string {
    return htmlPage(
      "Walk-forward",
      `<div class="factorium">${this.#body()}</div>`,
    );
  }

  /** Plain text: the folds and the out-of-sample metrics. */
  toString(): string {
    return `WalkForwardResult (${this.#meta()})\n${
      frameText(this.summary)
    }\nout of sample: ${metricsText(this.metrics)}`;
  }

  /**
   * Writes folds, returns and metrics (`.parquet` or `.csv`) and
   * `walk_forward.html` into `dir`; returns the paths written.
   *
   * @example
   * ```ts ignore
   * await wf.save("out/walk-forward");
   * ```
   */
  save(dir: string, options: SaveOptions = {}): Promise<string[]> {
    return saveTables(
      dir,
      {
        folds: this.folds,
        returns: this.returns,
        metrics: metricsFrame(this.metrics),
      },
      this.toHTML(),
      "walk_forward.html",
      options,
    );
  }

  /** Jupyter shows the summary, the folds and the out-of-sample tearsheet. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return {
      "text/plain": this.toString(),
      "text/html": htmlBlock(this.#body()),
    };
  }
}
