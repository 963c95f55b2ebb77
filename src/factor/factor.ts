/**
 * Factor: an unevaluated expression over the bars of one AggBar.
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import { align, type Placed } from "./align.ts";
import { type Base, KEY_COLUMNS, valueColumns } from "./base.ts";
import { evaluateOutputs } from "./chunks.ts";
import { evaluate } from "./evaluate.ts";
import { explainPlan } from "./explain.ts";
import type { QuantileDistribution } from "./kernels.ts";
import type { FormulaOptions } from "./formula_options.ts";
import type { Node, Operand } from "./node.ts";
import * as cs from "./ops/cs.ts";
import * as math from "./ops/math.ts";
import * as ts from "./ops/ts.ts";
import {
  type Chart,
  type ChartOptions,
  type FactorChartKind,
  plotFactor,
} from "../display/plot.ts";
import { factorBundle, type MimeBundle } from "../display/jupyter.ts";
import { displayFrame } from "../display/frame.ts";

/** Something a factor can be combined with: another factor or a number. */
export type FactorOperand = Factor | number;

function integerAtLeast(
  operator: string,
  argument: string,
  value: unknown,
  minimum: number,
): number {
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) ||
    value < minimum
  ) {
    throw new InvalidArgumentError(
      `${operator}(${argument})`,
      value,
      minimum === 1 ? "a positive integer" : `an integer >= ${minimum}`,
    );
  }
  return value;
}

function finiteNumber(operator: string, argument: string, value: unknown) {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidArgumentError(
      `${operator}(${argument})`,
      value,
      "a finite number",
    );
  }
  return value;
}

let create: (base: Base, node: Node) => Factor;
let placed: (factor: Factor) => Placed;

/** The factor of `node` on `base` (internal: for the engine's own modules). */
export function factorOf(base: Base, node: Node): Factor {
  return create(base, node);
}

/** A factor's base and node (internal: for the engine's own modules). */
export function placedOf(factor: Factor): Placed {
  return placed(factor);
}

/**
 * A factor: one value per (symbol, bar) of an AggBar, described as an
 * expression and evaluated only by {@linkcode Factor.collect} (or
 * `agg.compute`). Factors of the same AggBar combine as expressions on one
 * frame; factors of different AggBars are inner-joined on
 * (start_time, end_time, symbol) when evaluated.
 *
 * Values are Float64 and always finite or null: non-finite inputs and
 * results become null. Time-series operators (`ts*`) run per symbol over the
 * last `w` bars and are null unless all `w` values are present (strict
 * windows). Cross-sectional operators (`cs*`) run per `end_time` over the
 * present values. Every division by a spread (std, range, variance) is
 * guarded by EPS = 1e-10: the result is null where the spread is <= EPS.
 *
 * @example
 * ```ts
 * import { AggBar } from "../../mod.ts";
 * const agg = AggBar.fromRecords([
 *   { symbol: "A", start_time: 0, end_time: 60_000, close: 10 },
 *   { symbol: "B", start_time: 0, end_time: 60_000, close: 20 },
 * ]);
 * const close = agg.get("close");
 * const signal = close.csRank().sub(0.5);
 * console.log(signal.name); // (cs_rank(close)-0.5)
 * console.log((await signal.collect()).getColumn("factor").toArray()); // [0, 0.5]
 * ```
 */
export class Factor {
  readonly #base: Base;
  readonly #node: Node;

  private constructor(base: Base, node: Node) {
    this.#base = base;
    this.#node = node;
  }

  static {
    create = (base, node) => new Factor(base, node);
    placed = (factor) => ({ base: factor.#base, node: factor.#node });
  }

  /**
   * Parses a formula into a factor of `agg` (see `agg.factor`, also for
   * `options`).
   *
   * @example
   * ```ts
   * import { AggBar, Factor } from "../../mod.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 1 }]);
   * console.log(Factor.parse("rank(delta(close, 1))", agg).name); // cs_rank(ts_delta(close,1))
   * ```
   */
  static parse: (
    text: string,
    agg: AggBar,
    options?: FormulaOptions,
  ) => Factor;

  /** Canonical name, e.g. `ts_mean(close,20)`; equal names mean equal factors. */
  get name(): string {
    return this.#node.key;
  }

  /**
   * Evaluates the factor: `start_time, end_time, symbol, factor`, sorted
   * like the AggBar (end_time, symbol). Jupyter shows the frame's shape,
   * head, tail and first rows with a value, times as UTC date-times.
   *
   * @example
   * ```ts
   * import { AggBar } from "../../mod.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 4 }]);
   * console.log((await agg.get("close").sqrt().collect()).getColumn("factor").toArray()); // [2]
   * ```
   */
  async collect(): Promise<DataFrame> {
    const outputs = [{ name: "factor", node: this.#node }];
    return displayFrame(await evaluateOutputs(this.#base, outputs));
  }

  /**
   * Row objects `{start_time, end_time, symbol, factor}` (small results).
   *
   * @example
   * ```ts
   * import { AggBar } from "../../mod.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 4 }]);
   * console.log(await agg.get("close").toRecords()); // [{ start_time: 0, end_time: 1, symbol: "A", factor: 4 }]
   * ```
   */
  async toRecords(): Promise<Record<string, unknown>[]> {
    return (await this.collect()).toRecords();
  }

  /**
   * One row per end_time and one column per symbol (symbols sorted).
   *
   * @example
   * ```ts
   * import { AggBar } from "../../mod.ts";
   * const agg = AggBar.fromRecords([
   *   { symbol: "A", start_time: 0, end_time: 1, close: 1 },
   *   { symbol: "B", start_time: 0, end_time: 1, close: 2 },
   * ]);
   * console.log((await agg.get("close").toWide()).columns); // ["end_time", "A", "B"]
   * ```
   */
  async toWide(): Promise<DataFrame> {
    const long = await this.collect();
    return long.pivot("factor", {
      index: "end_time",
      on: "symbol",
      aggregateFunc: "last",
      sortColumns: true,
    }).sort("end_time");
  }

  /**
   * The evaluation plan: the base frame (the AggBar itself, or a join of
   * factors from different AggBars), the columns read, and the steps
   * with the nodes each computes (`kernel`: a typed-array time-series
   * kernel; `polars`: an `over("end_time")` expression).
   *
   * @example
   * ```ts
   * import { AggBar } from "../../mod.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 1 }]);
   * console.log(agg.get("close").tsMean(2).csRank().explain());
   * ```
   */
  explain(): string {
    return explainPlan(this.#base, [{ name: "factor", node: this.#node }]);
  }

  /**
   * Evaluates the factor and charts it: `timeseries` (a line per symbol;
   * above 12 symbols the cross-sectional mean and 10–90% band),
   * `heatmap` (time × symbol) or `distribution` (histogram). Displays
   * inline in Jupyter; `.save("x.svg" | "x.html")`.
   *
   * @example
   * ```ts
   * import { AggBar } from "../../mod.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 4 }]);
   * const chart = await agg.get("close").plot("distribution");
   * console.log(chart.title); // close: distribution
   * ```
   */
  async plot(
    kind: FactorChartKind = "timeseries",
    options: ChartOptions = {},
  ): Promise<Chart> {
    return plotFactor(await this.collect(), this.name, kind, options);
  }

  /** Deno's console shows the name. */
  [Symbol.for("Deno.customInspect")](): string {
    return `Factor ${this.name}`;
  }

  /**
   * Jupyter shows the name, shape, null share, summary statistics, a
   * per-symbol preview and a chart (evaluates the factor).
   */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    // Synchronous: Deno's kernel sometimes drops the result of an async
    // display, and evaluation itself is synchronous.
    return factorBundle(this.name, this.#values());
  }

  #values(): DataFrame {
    return evaluate(this.#base, [{ name: "factor", node: this.#node }]);
  }

  // ---- time series ------------------------------------------------------

  /**
   * Sum of the last `window` values of the symbol.
   * @example
   * ```ts ignore
   * agg.get("volume").tsSum(20)
   * ```
   */
  tsSum(window: number): Factor {
    return this.#with(
      ts.tsSum("sum", this.#node, this.#window("tsSum", window)),
    );
  }

  /**
   * Mean of the last `window` values.
   * @example
   * ```ts ignore
   * agg.get("close").tsMean(20)
   * ```
   */
  tsMean(window: number): Factor {
    return this.#with(
      ts.tsSum("mean", this.#node, this.#window("tsMean", window)),
    );
  }

  /**
   * Median of the last `window` values (even window: mean of the middle two).
   * @example
   * ```ts ignore
   * agg.get("close").tsMedian(21)
   * ```
   */
  tsMedian(window: number): Factor {
    return this.#with(
      ts.tsMedian(this.#node, this.#window("tsMedian", window)),
    );
  }

  /**
   * Minimum of the last `window` values.
   * @example
   * ```ts ignore
   * agg.get("low").tsMin(10)
   * ```
   */
  tsMin(window: number): Factor {
    return this.#extreme("min", "tsMin", window);
  }

  /**
   * Maximum of the last `window` values.
   * @example
   * ```ts ignore
   * agg.get("high").tsMax(10)
   * ```
   */
  tsMax(window: number): Factor {
    return this.#extreme("max", "tsMax", window);
  }

  /**
   * Sample standard deviation (ddof 1) of the last `window` (>= 2) values.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1).tsStd(20)
   * ```
   */
  tsStd(window: number): Factor {
    return this.#moment("std", "tsStd", window, 2);
  }

  /**
   * Sample variance (ddof 1) of the last `window` (>= 2) values.
   * @example
   * ```ts ignore
   * agg.get("close").tsVar(20)
   * ```
   */
  tsVar(window: number): Factor {
    return this.#moment("var", "tsVar", window, 2);
  }

  /**
   * (x - mean) / std over the last `window` (>= 2) values; null where
   * std <= EPS.
   * @example
   * ```ts ignore
   * agg.get("volume").tsZscore(60)
   * ```
   */
  tsZscore(window: number): Factor {
    return this.#moment("zscore", "tsZscore", window, 2);
  }

  /**
   * Coefficient of variation std / mean over `window` (>= 2) values; null
   * where |mean| <= EPS.
   * @example
   * ```ts ignore
   * agg.get("volume").tsCv(20)
   * ```
   */
  tsCv(window: number): Factor {
    return this.#moment("cv", "tsCv", window, 2);
  }

  /**
   * Skewness (bias-corrected G1, as pandas) of the last `window` (>= 3)
   * values; null where std <= EPS.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1).tsSkew(60)
   * ```
   */
  tsSkew(window: number): Factor {
    return this.#moment("skew", "tsSkew", window, 3);
  }

  /**
   * Excess kurtosis (bias-corrected G2, as pandas) of the last `window`
   * (>= 4) values; null where std <= EPS.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1).tsKurt(60)
   * ```
   */
  tsKurt(window: number): Factor {
    return this.#moment("kurt", "tsKurt", window, 4);
  }

  /**
   * Product of the last `window` values.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1).add(1).tsProduct(10)
   * ```
   */
  tsProduct(window: number): Factor {
    return this.#with(
      ts.tsProduct(this.#node, this.#window("tsProduct", window)),
    );
  }

  /**
   * Bars since the window's maximum: 0 when it is the current bar; among
   * equal maxima the oldest counts.
   * @example
   * ```ts ignore
   * agg.get("close").tsArgmax(30)
   * ```
   */
  tsArgmax(window: number): Factor {
    return this.#with(
      ts.tsArgExtreme("max", this.#node, this.#window("tsArgmax", window)),
    );
  }

  /**
   * Bars since the window's minimum (0 = current bar; oldest among ties).
   * @example
   * ```ts ignore
   * agg.get("close").tsArgmin(30)
   * ```
   */
  tsArgmin(window: number): Factor {
    return this.#with(
      ts.tsArgExtreme("min", this.#node, this.#window("tsArgmin", window)),
    );
  }

  /**
   * Rank of the current value in its window, average ties, divided by
   * `window`: (#smaller + (#equal + 1) / 2) / window, in (0, 1].
   * @example
   * ```ts ignore
   * agg.get("volume").tsRank(10)
   * ```
   */
  tsRank(window: number): Factor {
    return this.#with(ts.tsRank(this.#node, this.#window("tsRank", window)));
  }

  /**
   * Inverse CDF of `distribution` at the mid-point rank
   * u = tsRank(window) - 1 / (2 window): normal (default), uniform (u
   * itself) or cauchy (tan(pi (u - 1/2))).
   * @example
   * ```ts ignore
   * agg.get("close").tsQuantile(20, "normal")
   * ```
   */
  tsQuantile(
    window: number,
    distribution: QuantileDistribution = "normal",
  ): Factor {
    if (!["normal", "uniform", "cauchy"].includes(distribution)) {
      throw new InvalidArgumentError(
        "tsQuantile(distribution)",
        distribution,
        '"normal", "uniform" or "cauchy"',
      );
    }
    return this.#with(
      ts.tsQuantile(
        this.#node,
        this.#window("tsQuantile", window),
        distribution,
      ),
    );
  }

  /**
   * (x - min) / (max - min) over the window; null where max - min <= EPS.
   * @example
   * ```ts ignore
   * agg.get("close").tsScale(20)
   * ```
   */
  tsScale(window: number): Factor {
    return this.#extreme("scale", "tsScale", window);
  }

  /**
   * Linearly decaying weighted mean: weight `window` on the current value
   * down to 1 on the oldest, divided by window (window + 1) / 2.
   * @example
   * ```ts ignore
   * agg.get("close").tsDecayLinear(10)
   * ```
   */
  tsDecayLinear(window: number): Factor {
    return this.#with(
      ts.tsDecayLinear(this.#node, this.#window("tsDecayLinear", window)),
    );
  }

  /**
   * Exponential moving average, alpha = 2 / (window + 1), seeded with the
   * first value of each run of present values; a null ends the run, and a
   * value exists once the run holds `window` values.
   * @example
   * ```ts ignore
   * agg.get("close").tsEma(12).sub(agg.get("close").tsEma(26))
   * ```
   */
  tsEma(window: number): Factor {
    return this.#with(ts.tsEma(this.#node, this.#window("tsEma", window)));
  }

  /**
   * The value `periods` bars earlier of the same symbol (negative: later,
   * which looks ahead; use only for labels). Null where there is none.
   * @example
   * ```ts ignore
   * agg.get("close").tsShift(1)
   * ```
   */
  tsShift(periods: number): Factor {
    if (typeof periods !== "number" || !Number.isSafeInteger(periods)) {
      throw new InvalidArgumentError("tsShift(periods)", periods, "an integer");
    }
    return this.#with(ts.tsShift(this.#node, periods));
  }

  /**
   * x - x `periods` (>= 1, default 1) bars earlier.
   * @example
   * ```ts ignore
   * agg.get("close").tsDelta(5)
   * ```
   */
  tsDelta(periods = 1): Factor {
    return this.#with(
      ts.tsDelta(this.#node, integerAtLeast("tsDelta", "periods", periods, 1)),
    );
  }

  /**
   * x / (x `periods` bars earlier) - 1; null where the earlier value is 0.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1)
   * ```
   */
  tsPctChange(periods = 1): Factor {
    return this.#with(
      ts.tsPctChange(
        this.#node,
        integerAtLeast("tsPctChange", "periods", periods, 1),
      ),
    );
  }

  /**
   * Sample correlation with `other` over the last `window` (>= 2) bars;
   * null where either std <= EPS.
   * @example
   * ```ts ignore
   * agg.get("close").tsCorr(agg.get("volume"), 20)
   * ```
   */
  tsCorr(other: Factor, window: number): Factor {
    return this.#comoment("corr", "tsCorr", other, window);
  }

  /**
   * Sample covariance (ddof 1) with `other` over `window` (>= 2) bars.
   * @example
   * ```ts ignore
   * agg.get("close").tsCov(agg.get("volume"), 20)
   * ```
   */
  tsCov(other: Factor, window: number): Factor {
    return this.#comoment("cov", "tsCov", other, window);
  }

  /**
   * Slope of the least-squares fit of this factor on `other` over `window`
   * (>= 2) bars: cov / var(other); null where std(other) <= EPS.
   * @example
   * ```ts ignore
   * ret.tsBeta(marketReturn, 60)
   * ```
   */
  tsBeta(other: Factor, window: number): Factor {
    return this.#comoment("beta", "tsBeta", other, window);
  }

  /**
   * Intercept of that fit: mean(this) - beta mean(other).
   * @example
   * ```ts ignore
   * ret.tsAlpha(marketReturn, 60)
   * ```
   */
  tsAlpha(other: Factor, window: number): Factor {
    return this.#comoment("alpha", "tsAlpha", other, window);
  }

  /**
   * Residual of the current bar under that fit: x - (alpha + beta other).
   * @example
   * ```ts ignore
   * ret.tsResid(marketReturn, 60)
   * ```
   */
  tsResid(other: Factor, window: number): Factor {
    return this.#comoment("resid", "tsResid", other, window);
  }

  /**
   * Correlation of x with x `lag` bars earlier over `window` (>= 2) pairs.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1).tsAutocorr(20)
   * ```
   */
  tsAutocorr(window: number, lag = 1): Factor {
    return this.#with(
      ts.tsAutocorr(
        this.#node,
        integerAtLeast("tsAutocorr", "window", window, 2),
        integerAtLeast("tsAutocorr", "lag", lag, 1),
      ),
    );
  }

  /**
   * 1-based bar number within the symbol (1, 2, 3, ...), whatever the values.
   * @example
   * ```ts ignore
   * agg.get("close").tsBeta(agg.get("close").tsStep(), 20) // trend slope
   * ```
   */
  tsStep(): Factor {
    return this.#with(ts.tsStep(this.#node));
  }

  // ---- cross section ----------------------------------------------------

  /**
   * Rank among the symbols present at the same end_time, ties take the
   * lowest rank, divided by their count: in (0, 1].
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(20).csRank()
   * ```
   */
  csRank(): Factor {
    return this.#with(cs.csRank(this.#node));
  }

  /**
   * (x - mean) / std (ddof 1) across symbols at each end_time; the whole
   * time slice is null where std <= EPS or fewer than 2 values.
   * @example
   * ```ts ignore
   * agg.get("volume").csZscore()
   * ```
   */
  csZscore(): Factor {
    return this.#with(cs.csZscore(this.#node));
  }

  /**
   * x - mean across symbols at each end_time.
   * @example
   * ```ts ignore
   * agg.get("close").tsPctChange(1).csDemean()
   * ```
   */
  csDemean(): Factor {
    return this.#with(cs.csDemean(this.#node));
  }

  /**
   * a x / sum |x| across symbols (gross exposure `a`, default 1); the time
   * slice is null where sum |x| <= EPS.
   * @example
   * ```ts ignore
   * signal.csDemean().csScale(1)
   * ```
   */
  csScale(a = 1): Factor {
    return this.#with(cs.csScale(this.#node, finiteNumber("csScale", "a", a)));
  }

  /**
   * Clips x into the cross-section's [lower, upper] quantiles (linear
   * interpolation between order statistics, as numpy).
   * @example
   * ```ts ignore
   * signal.csWinsorize(0.01, 0.99)
   * ```
   */
  csWinsorize(lower = 0.05, upper = 0.95): Factor {
    if (
      typeof lower !== "number" || typeof upper !== "number" ||
      !(lower >= 0 && lower < upper && upper <= 1)
    ) {
      throw new InvalidArgumentError(
        "csWinsorize(lower, upper)",
        [lower, upper],
        "quantiles with 0 <= lower < upper <= 1",
      );
    }
    return this.#with(cs.csWinsorize(this.#node, lower, upper));
  }

  /**
   * Residual of the cross-sectional least-squares fit of x on [1, other]
   * at each end_time, over the symbols where both are present (slope 0
   * where other's std <= EPS, so the result is x demeaned).
   * @example
   * ```ts ignore
   * signal.csNeutralize(agg.get("volume").log())
   * ```
   */
  csNeutralize(other: Factor): Factor {
    if (!(other instanceof Factor)) {
      throw new InvalidArgumentError("csNeutralize(other)", other, "a Factor");
    }
    return this.#combine(
      [other],
      ([y, x]) => cs.csNeutralize(y as Node, x as Node),
    );
  }

  /**
   * x minus the mean of x over the symbols with the same value of the
   * AggBar column `column` (e.g. a sector tag) at each end_time; null where
   * the tag is null.
   * @example
   * ```ts ignore
   * signal.groupNeutralize("sector")
   * ```
   */
  groupNeutralize(column: string): Factor {
    if (
      typeof column !== "string" || !this.#base.columns.includes(column) ||
      KEY_COLUMNS.includes(column)
    ) {
      throw new InvalidArgumentError(
        "groupNeutralize(column)",
        column,
        `a column of the AggBar (${
          valueColumns(this.#base.columns).join(", ")
        })`,
      );
    }
    return this.#with(cs.groupNeutralize(this.#node, column));
  }

  /**
   * Mean across symbols at each end_time, given to every row of that time.
   * @example
   * ```ts ignore
   * ret.csMean() // equal-weight market return
   * ```
   */
  csMean(): Factor {
    return this.#with(cs.csCentre("mean", this.#node));
  }

  /**
   * Median across symbols at each end_time, given to every row of that time.
   * @example
   * ```ts ignore
   * ret.csMedian()
   * ```
   */
  csMedian(): Factor {
    return this.#with(cs.csCentre("median", this.#node));
  }

  // ---- element-wise -----------------------------------------------------

  /**
   * x + other.
   * @example
   * ```ts ignore
   * agg.get("high").add(agg.get("low")).div(2)
   * ```
   */
  add(other: FactorOperand): Factor {
    return this.#binary("+", other);
  }

  /**
   * x - other.
   * @example
   * ```ts ignore
   * agg.get("close").sub(agg.get("open"))
   * ```
   */
  sub(other: FactorOperand): Factor {
    return this.#binary("-", other);
  }

  /**
   * x * other.
   * @example
   * ```ts ignore
   * agg.get("close").mul(agg.get("volume"))
   * ```
   */
  mul(other: FactorOperand): Factor {
    return this.#binary("*", other);
  }

  /**
   * x / other; null where other is 0.
   * @example
   * ```ts ignore
   * agg.get("close").div(agg.get("open"))
   * ```
   */
  div(other: FactorOperand): Factor {
    return this.#binary("/", other);
  }

  /**
   * x ^ exponent; null where the result is not a finite real number.
   * @example
   * ```ts ignore
   * agg.get("close").pow(2)
   * ```
   */
  pow(exponent: FactorOperand): Factor {
    return this.#binary("^", exponent);
  }

  /**
   * 1 where x > other, 0 where not.
   * @example
   * ```ts ignore
   * agg.get("close").gt(agg.get("open"))
   * ```
   */
  gt(other: FactorOperand): Factor {
    return this.#binary(">", other);
  }

  /**
   * 1 where x >= other, else 0.
   * @example
   * ```ts ignore
   * agg.get("close").ge(0)
   * ```
   */
  ge(other: FactorOperand): Factor {
    return this.#binary(">=", other);
  }

  /**
   * 1 where x < other, else 0.
   * @example
   * ```ts ignore
   * agg.get("close").lt(agg.get("vwap"))
   * ```
   */
  lt(other: FactorOperand): Factor {
    return this.#binary("<", other);
  }

  /**
   * 1 where x <= other, else 0.
   * @example
   * ```ts ignore
   * agg.get("close").le(agg.get("vwap"))
   * ```
   */
  le(other: FactorOperand): Factor {
    return this.#binary("<=", other);
  }

  /**
   * 1 where x == other, else 0.
   * @example
   * ```ts ignore
   * agg.get("close").eq(agg.get("high"))
   * ```
   */
  eq(other: FactorOperand): Factor {
    return this.#binary("==", other);
  }

  /**
   * 1 where x != other, else 0.
   * @example
   * ```ts ignore
   * agg.get("close").ne(agg.get("open"))
   * ```
   */
  ne(other: FactorOperand): Factor {
    return this.#binary("!=", other);
  }

  /**
   * 1 where both x and other are non-zero, else 0 (null if either is null).
   * @example
   * ```ts ignore
   * up.and(highVolume)
   * ```
   */
  and(other: FactorOperand): Factor {
    return this.#binary("&&", other);
  }

  /**
   * 1 where x or other is non-zero, else 0 (null if either is null).
   * @example
   * ```ts ignore
   * up.or(highVolume)
   * ```
   */
  or(other: FactorOperand): Factor {
    return this.#binary("||", other);
  }

  /**
   * 1 where x is 0, else 0.
   * @example
   * ```ts ignore
   * up.not()
   * ```
   */
  not(): Factor {
    return this.#unary("not");
  }

  /**
   * -x.
   * @example
   * ```ts ignore
   * agg.get("close").tsDelta(5).neg()
   * ```
   */
  neg(): Factor {
    return this.#unary("neg");
  }

  /**
   * |x|.
   * @example
   * ```ts ignore
   * ret.abs()
   * ```
   */
  abs(): Factor {
    return this.#unary("abs");
  }

  /**
   * -1, 0 or 1.
   * @example
   * ```ts ignore
   * agg.get("close").tsDelta(1).sign()
   * ```
   */
  sign(): Factor {
    return this.#unary("sign");
  }

  /**
   * Natural logarithm; null where x <= 0.
   * @example
   * ```ts ignore
   * agg.get("volume").log()
   * ```
   */
  log(): Factor {
    return this.#unary("log");
  }

  /**
   * Square root; null where x < 0 (sqrt(0) = 0).
   * @example
   * ```ts ignore
   * agg.get("high").mul(agg.get("low")).sqrt()
   * ```
   */
  sqrt(): Factor {
    return this.#unary("sqrt");
  }

  /**
   * e ^ x; null on overflow.
   * @example
   * ```ts ignore
   * agg.get("close").log().tsDelta(1).exp()
   * ```
   */
  exp(): Factor {
    return this.#unary("exp");
  }

  /**
   * 1 / x; null where x is 0.
   * @example
   * ```ts ignore
   * agg.get("close").inverse()
   * ```
   */
  inverse(): Factor {
    return this.#unary("inverse");
  }

  /**
   * sign(x) |x| ^ exponent (a number or a factor).
   * @example
   * ```ts ignore
   * ret.signedPow(2)
   * ```
   */
  signedPow(exponent: FactorOperand): Factor {
    return this.#combine([exponent], ([x, p]) => math.signedPow(x, p));
  }

  /**
   * Element-wise minimum with another factor or a number (null if either
   * is null).
   * @example
   * ```ts ignore
   * ret.min(0)
   * ```
   */
  min(other: FactorOperand): Factor {
    return this.#combine([other], ([a, b]) => math.extreme("min", a, b));
  }

  /**
   * Element-wise maximum with another factor or a number.
   * @example
   * ```ts ignore
   * ret.max(0)
   * ```
   */
  max(other: FactorOperand): Factor {
    return this.#combine([other], ([a, b]) => math.extreme("max", a, b));
  }

  /**
   * Clips x into [low, high].
   * @example
   * ```ts ignore
   * signal.clip(-3, 3)
   * ```
   */
  clip(low: number, high: number): Factor {
    finiteNumber("clip", "low", low);
    finiteNumber("clip", "high", high);
    if (low > high) {
      throw new InvalidArgumentError(
        "clip(low, high)",
        [low, high],
        "low <= high",
      );
    }
    return this.#with(math.clip(this.#node, low, high));
  }

  /**
   * x where `condition` is non-zero, `otherwise` (default null) where it is
   * 0, null where it is null.
   * @example
   * ```ts ignore
   * ret.where(agg.get("volume").gt(0))
   * ```
   */
  where(condition: Factor, otherwise?: FactorOperand): Factor {
    const operands = otherwise === undefined
      ? [condition]
      : [condition, otherwise];
    return this.#combine(operands, ([x, c, o]) => math.where(x, c, o));
  }

  /**
   * Treating this factor as a condition: `then` where it is non-zero,
   * `otherwise` where it is 0, null where it is null.
   * @example
   * ```ts ignore
   * agg.get("close").gt(agg.get("open")).ifElse(1, -1)
   * ```
   */
  ifElse(then: FactorOperand, otherwise: FactorOperand): Factor {
    return this.#combine(
      [then, otherwise],
      ([c, a, b]) => math.ifElse(c, a, b),
    );
  }

  // ---- helpers ----------------------------------------------------------

  #with(node: Node): Factor {
    return create(this.#base, node);
  }

  #window(operator: string, window: number, minimum = 1): number {
    return integerAtLeast(operator, "window", window, minimum);
  }

  #extreme(
    statistic: "min" | "max" | "scale",
    operator: string,
    window: number,
  ): Factor {
    return this.#with(
      ts.tsExtreme(statistic, this.#node, this.#window(operator, window)),
    );
  }

  #moment(
    statistic: Parameters<typeof ts.tsMoment>[0],
    operator: string,
    window: number,
    minimum: number,
  ): Factor {
    return this.#with(
      ts.tsMoment(
        statistic,
        this.#node,
        this.#window(operator, window, minimum),
      ),
    );
  }

  #comoment(
    statistic: Parameters<typeof ts.tsComoment>[0],
    operator: string,
    other: Factor,
    window: number,
  ): Factor {
    const w = this.#window(operator, window, 2);
    if (!(other instanceof Factor)) {
      throw new InvalidArgumentError(`${operator}(other)`, other, "a Factor");
    }
    return this.#combine(
      [other],
      ([y, x]) => ts.tsComoment(statistic, y as Node, x as Node, w),
    );
  }

  #unary(fn: math.UnaryFunction): Factor {
    return this.#with(math.unary(fn, this.#node));
  }

  #binary(op: math.BinaryOperator, other: FactorOperand): Factor {
    return binaryOperation(op, this, other);
  }

  #combine(
    others: readonly FactorOperand[],
    build: (operands: Operand[]) => Node,
  ): Factor {
    return combine([this, ...others], build);
  }
}

/**
 * Applies `build` to the operands' nodes on one base (joined when the
 * factors come from different bases). At least one operand is a Factor.
 */
function combine(
  all: readonly FactorOperand[],
  build: (operands: Operand[]) => Node,
): Factor {
  all.forEach((o, i) => {
    if (
      !(o instanceof Factor) && !(typeof o === "number" && Number.isFinite(o))
    ) {
      throw new InvalidArgumentError(
        `operand ${i}`,
        o,
        "a Factor or a finite number",
      );
    }
  });
  const factors = all.filter((o): o is Factor => o instanceof Factor);
  if (factors.length === 0) {
    throw new InvalidArgumentError(
      "operands",
      all,
      "at least one Factor (numbers alone have no bars to give values for)",
    );
  }
  const { base, nodes } = align(factors.map(placed));
  let next = 0;
  return create(
    base,
    build(all.map((o) => typeof o === "number" ? o : nodes[next++])),
  );
}

/** `a op b` where either side may be a number (the formula's `1 - x`). */
export function binaryOperation(
  op: math.BinaryOperator,
  a: FactorOperand,
  b: FactorOperand,
): Factor {
  return combine([a, b], ([x, y]) => math.binary(op, x, y));
}
