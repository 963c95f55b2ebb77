/**
 * SweepResult: the rows of a parameter sweep, the best row per metric
 * (with the in-sample warning), a two-parameter heatmap, a Jupyter display
 * and `save(dir)`.
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
import { gridChart } from "./grid_chart.ts";
import { type SaveOptions, saveTables } from "./save.ts";
import {
  IC_METRICS,
  LOWER_IS_BETTER,
  type ParamValue,
  SWEEP_METRICS,
  type SweepMetric,
} from "./sweep_plan.ts";

/** Options of `sweepResult.plot`. */
export interface SweepChartOptions extends ChartOptions {
  /** The parameter across the chart. @default the first parameter with several values */
  x?: string;
  /** The parameter down the chart. @default the second parameter with several values */
  y?: string;
}

/**
 * The result of {@linkcode sweep}: one row per variant and option
 * combination.
 *
 * @example
 * ```ts ignore
 * const result = await sweep(agg, "cs_rank(-ts_delta(close, {n}))", { n: [5, 20], costBps: [0, 5] });
 * console.log(result.best.toString());
 * await result.plot("sharpe").save("out/sweep.svg");
 * ```
 */
export class SweepResult {
  /** The grid's parameters: factor parameters first, then backtest options. */
  readonly params: readonly string[];
  /** The values tried per parameter. */
  readonly grid: Readonly<Record<string, readonly ParamValue[]>>;
  /** The warning every in-sample best carries. */
  readonly warning: string;
  #table: DataFrame;

  /** Wraps sweep rows; use {@linkcode sweep} to make one. */
  constructor(
    params: readonly string[],
    grid: Record<string, readonly ParamValue[]>,
    table: DataFrame,
  ) {
    this.params = params;
    this.grid = grid;
    this.#table = displayFrame(table);
    this.warning =
      `in-sample: the best of ${table.height} runs on the same bars is optimistic (chosen after seeing the data); check it out of sample with walkForward`;
  }

  /**
   * One row per factor variant and option combination: the parameters,
   * factor, sharpe, annual_return, total_return, annual_volatility,
   * max_drawdown, sortino, calmar, turnover, bars (and ic_mean, ic_ir,
   * ic_t with the `ic` option).
   */
  get table(): DataFrame {
    return this.#table;
  }

  /** The metrics present in the table. */
  get metrics(): SweepMetric[] {
    return [...SWEEP_METRICS, ...IC_METRICS].filter((m) =>
      this.#table.columns.includes(m)
    );
  }

  /**
   * The best row per metric (highest, or lowest for annual_volatility and
   * turnover; rows without a value never win): `metric`, `value`, the
   * parameters and `factor`. In-sample: see {@linkcode SweepResult.warning}.
   *
   * @example
   * ```ts ignore
   * console.log(result.best.filter(pl.col("metric").eq(pl.lit("sharpe"))).toRecords()[0]);
   * ```
   */
  get best(): DataFrame {
    const rows = this.metrics.flatMap((metric) => {
      const row = this.bestRow(metric);
      return row === undefined ? [] : [
        this.#table.slice(row, 1).select(
          pl.lit(metric).alias("metric"),
          pl.col(metric).alias("value"),
          ...this.params,
          "factor",
        ),
      ];
    });
    return displayFrame(
      rows.length === 0
        ? pl.DataFrame({ metric: [], value: [] })
        : pl.concat(rows, { how: "vertical" }),
    );
  }

  /**
   * The index in `table` of the best row by `metric` (first of ties),
   * undefined when no row has a value.
   *
   * @example
   * ```ts ignore
   * const i = result.bestRow("sharpe");
   * ```
   */
  bestRow(metric: SweepMetric): number | undefined {
    if (!this.metrics.includes(metric)) {
      throw new InvalidArgumentError(
        "metric",
        metric,
        `one of ${this.metrics.join(", ")}`,
      );
    }
    const values = floats(this.#table, metric);
    const sign = LOWER_IS_BETTER.has(metric) ? -1 : 1;
    let best: number | undefined;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) continue;
      if (best === undefined || sign * values[i] > sign * values[best]) {
        best = i;
      }
    }
    return best;
  }

  /** The parameters with more than one value, in grid order. */
  #varying(): string[] {
    return this.params.filter((p) => this.grid[p].length > 1);
  }

  /**
   * A heatmap of `metric` over two parameters (`x` across, `y` down);
   * with more parameters, each cell is the mean over the others (said in
   * the subtitle). Cells without a value are empty.
   *
   * @example
   * ```ts ignore
   * await result.plot("sharpe", { x: "n", y: "costBps" }).save("out/sweep.svg");
   * ```
   */
  plot(metric: SweepMetric = "sharpe", options: SweepChartOptions = {}): Chart {
    const { width } = sizes(options, {
      width: true,
      height: true,
      maxPoints: true,
      x: true,
      y: true,
    });
    if (!this.metrics.includes(metric)) {
      throw new InvalidArgumentError(
        "metric",
        metric,
        `one of ${this.metrics.join(", ")}`,
      );
    }
    const varying = this.#varying();
    const x = options.x ?? varying[0] ?? this.params[0];
    const y = options.y ?? varying.find((p) => p !== x) ??
      this.params.find((p) => p !== x);
    for (const [axis, name] of [["x", x], ["y", y]] as const) {
      if (name === undefined || !this.params.includes(name)) {
        throw new InvalidArgumentError(
          axis,
          name,
          `a parameter of the sweep (${
            this.params.join(", ")
          }); a heatmap needs two`,
        );
      }
    }
    const others = this.params.filter((p) => p !== x && p !== y);
    const cells = this.#table.groupBy([x!, y!]).agg(
      pl.col(metric).mean().alias("value"),
    );
    const key = (a: unknown, b: unknown) => `${a}\u0000${b}`;
    const values = new Map<string, number>();
    const xs = cells.getColumn(x!).toArray(),
      ys = cells.getColumn(y!).toArray();
    const v = floats(cells, "value");
    xs.forEach((a, i) => values.set(key(a, ys[i]), v[i]));
    const xValues = this.grid[x!], yValues = this.grid[y!];
    return gridChart({
      title: `sweep: ${metric}`,
      subtitle: `in-sample ${metric} by ${x} and ${y}${
        others.length > 0 ? ` (mean over ${others.join(", ")})` : ""
      }; no cell = no value`,
      legend: metric,
      x: xValues.map(String),
      y: yValues.map(String),
      xLabel: x!,
      yLabel: y!,
      values: yValues.map((b) =>
        xValues.map((a) => values.get(key(a, b)) ?? NaN)
      ),
      width,
    });
  }

  #body(): string {
    const varying = this.#varying();
    const sorted = this.#table.sort("sharpe", true, true);
    return `<h3>Parameter sweep: ${this.#table.height} runs</h3>` +
      `<div class="meta">${
        escapeHtml(
          this.params.map((p) => `${p} ∈ {${this.grid[p].join(", ")}}`)
            .join(" × "),
        )
      }</div>` +
      `<div class="meta warning">⚠ ${escapeHtml(this.warning)}</div>` +
      htmlTable(this.best, {
        caption: "best row per metric (in-sample)",
      }) +
      (varying.length >= 2 ? this.plot("sharpe").toSVG() : "") +
      htmlTable(sorted, {
        caption: "every run, by Sharpe (annualised; returns as fractions)",
      });
  }

  /** A standalone HTML page: the warning, best rows, heatmap and table. */
  toHTML(): string {
    return htmlPage(
      "Parameter sweep",
      `<div class="factorium">${this.#body()}</div>`,
    );
  }

  /** Plain text: the warning and the best rows. */
  toString(): string {
    return `SweepResult: ${this.#table.height} runs over ${
      this.params.join(" × ")
    }\n⚠ ${this.warning}\n${frameText(this.best)}`;
  }

  /**
   * Writes `table` and `best` (`.parquet` or `.csv`) and `sweep.html` into
   * `dir`; returns the paths written.
   *
   * @example
   * ```ts ignore
   * await result.save("out/sweep");
   * ```
   */
  save(dir: string, options: SaveOptions = {}): Promise<string[]> {
    return saveTables(
      dir,
      { table: this.#table, best: this.best },
      this.toHTML(),
      "sweep.html",
      options,
    );
  }

  /** Jupyter shows the warning, the best rows, the heatmap and the table. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return {
      "text/plain": this.toString(),
      "text/html": htmlBlock(this.#body()),
    };
  }
}
