/**
 * BacktestResult: the return series, weights and metrics of a backtest,
 * with charts, a Jupyter display and `save(dir)`.
 *
 * @module
 */
import type { Chart, ChartOptions } from "../display/plot.ts";
import { htmlPage } from "../display/html.ts";
import type { MimeBundle } from "../display/jupyter.ts";
import { displayFrame } from "../display/frame.ts";
import { type DataFrame, scanParquetFile } from "../polars.ts";
import { readSink } from "../parquet_parts.ts";
import type { BacktestSettings } from "./backtest_options.ts";
import { type PerformanceChartKind, plotPerformance } from "./charts.ts";
import { metricsFrame } from "./metrics.ts";
import type { BacktestMetrics } from "./backtest_metrics.ts";
import {
  metricsText,
  performanceBundle,
  performanceHtml,
} from "./performance.ts";
import { type SaveOptions, saveTables } from "./save.ts";

/** Where a backtest's weights went with `sink`: the file and its rows. */
export interface WeightsFile {
  /** The Parquet file (`sink`). */
  path: string;
  /** Weight rows written. */
  rows: number;
}

/**
 * The result of {@linkcode backtest} (or `factor.backtest(agg)`).
 *
 * @example
 * ```ts ignore
 * const result = await factor.backtest(agg, { costBps: 4 });
 * console.log(result.toString());
 * await result.plot("equity").save("out/equity.svg");
 * ```
 */
export class BacktestResult {
  /** The signal's name. */
  readonly name: string;
  /** The settings it ran with (periodsPerYear resolved). */
  readonly settings: Readonly<BacktestSettings>;
  /** Per bar held: end_time, gross_return, cost, funding (only when funding is charged), return (net), turnover, gross_exposure, net_exposure, equity, drawdown. */
  readonly returns: DataFrame;
  /** Metrics of the net return series, and where the money went. */
  readonly metrics: BacktestMetrics;
  /** The file the weights were written to (`sink`), if any. */
  readonly weightsFile: Readonly<WeightsFile> | undefined;
  #weights: DataFrame | undefined;

  /**
   * Wraps a finished backtest; use {@linkcode backtest} to make one.
   * `weights` is the frame, or the file it was written to.
   */
  constructor(
    name: string,
    settings: BacktestSettings,
    returns: DataFrame,
    weights: DataFrame | WeightsFile,
    metrics: BacktestMetrics,
  ) {
    this.name = name;
    this.settings = settings;
    // Jupyter shows each frame's shape, head and tail with readable times.
    this.returns = displayFrame(returns);
    if ("path" in weights) this.weightsFile = weights;
    else this.#weights = displayFrame(weights);
    this.metrics = metrics;
  }

  /**
   * Target weights per decision bar: end_time, symbol, weight (symbols
   * with a signal and a price). Read from the `sink` file (once) when the
   * backtest wrote one.
   */
  get weights(): DataFrame {
    this.#weights ??= displayFrame(readSink(this.weightsFile!.path));
    return this.#weights;
  }

  /** A line of the settings. */
  #meta(): string {
    const s = this.settings;
    return [
      `${s.normalize} → ${s.allocate}${
        s.allocate === "top-n" ? ` (${s.topN} per side)` : ""
      }`,
      `gross ${s.gross}`,
      Number.isFinite(s.maxPosition) ? `max position ${s.maxPosition}` : "",
      Number.isFinite(s.maxNet) ? `max net ${s.maxNet}` : "",
      `${s.costBps} bps per side`,
      s.impact
        ? `impact ${s.impact.coefficient} bps × √participation (capital ${s.impact.capital})`
        : "",
      s.funding ? "funding charged" : "",
      s.universe === null
        ? ""
        : typeof s.universe === "string"
        ? `universe ${s.universe}`
        : `universe top ${s.universe.top} by ${
          s.universe.window ?? "7d"
        } dollar volume`,
      `lag ${s.lag} bar(s)`,
      `price "${s.price}"`,
      `${+s.periodsPerYear.toPrecision(6)} bars/year`,
    ].filter(Boolean).join(" · ");
  }

  /**
   * The `equity` curve or the `drawdown` chart.
   *
   * @example
   * ```ts ignore
   * await result.plot("drawdown").save("out/drawdown.svg");
   * ```
   */
  plot(
    kind: PerformanceChartKind = "equity",
    options: ChartOptions = {},
  ): Chart {
    return plotPerformance(this.returns, this.name, kind, options);
  }

  /** Metrics as a frame (`metric`, `value`). */
  metricsFrame(): DataFrame {
    return metricsFrame(this.metrics);
  }

  /** A standalone HTML page: settings, metrics, equity and drawdown. */
  toHTML(): string {
    return htmlPage(
      `Backtest: ${this.name}`,
      `<div class="factorium">${
        performanceHtml(
          `Backtest ${this.name}`,
          this.#meta(),
          this.returns,
          this.metrics,
        )
      }</div>`,
    );
  }

  /** Plain-text summary of the metrics. */
  toString(): string {
    return `Backtest ${this.name} (${this.#meta()})\n${
      metricsText(this.metrics)
    }`;
  }

  /**
   * Writes returns, weights and metrics (`.parquet` or `.csv`) and
   * `backtest.html` into `dir`; returns the paths written.
   *
   * @example
   * ```ts ignore
   * await result.save("out/momentum-backtest", { format: "csv" });
   * ```
   */
  save(dir: string, options: SaveOptions = {}): Promise<string[]> {
    return saveTables(
      dir,
      {
        returns: this.returns,
        // Streamed from the sink file, not read into memory to be saved.
        weights: this.#weights ?? scanParquetFile(this.weightsFile!.path),
        metrics: this.metricsFrame(),
      },
      this.toHTML(),
      "backtest.html",
      options,
    );
  }

  /** Jupyter shows the metrics, equity and drawdown. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return performanceBundle(
      `Backtest ${this.name}`,
      this.#meta(),
      this.returns,
      this.metrics,
    );
  }
}
