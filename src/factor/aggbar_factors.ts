/**
 * The factor engine's methods on {@linkcode AggBar}: `get`, `factor` and
 * `compute`. AggBar lives below the engine (it holds bars and knows nothing
 * of factors); this module attaches the methods, so importing `mod.ts` (or
 * this file) gives every AggBar them without an upward import.
 *
 * @module
 */
import { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import { columnFactor } from "./columns.ts";
import { computeFactors } from "./compute.ts";
import type { Factor } from "./factor.ts";
import { type FormulaOptions, parseFormula } from "./formula.ts";

declare module "../aggbar.ts" {
  interface AggBar {
    /**
     * The factor of a value column (Float64; NaN and infinities read as
     * null). Unknown or non-numeric columns raise an
     * {@linkcode InvalidArgumentError} that lists the columns.
     *
     * @example
     * ```ts
     * import { AggBar } from "../../mod.ts";
     * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 1 }]);
     * console.log(agg.get("close").tsMean(20).name); // ts_mean(close,20)
     * ```
     */
    get(column: string): Factor;

    /**
     * Parses a formula over this AggBar's columns, e.g.
     * `"cs_rank(ts_mean(close, 20)) - 0.5"` or a 101-Alphas expression such
     * as `"-1 * correlation(rank(open), rank(volume), 10)"`. Errors are
     * {@linkcode FormulaError}s showing the position. `options.adv` picks
     * the reading of `adv{d}` (dollar volume by default, or volume units).
     *
     * @example
     * ```ts
     * import { AggBar } from "../../mod.ts";
     * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 1 }]);
     * console.log(agg.factor("rank(delta(close, 5))").name); // cs_rank(ts_delta(close,5))
     * ```
     */
    factor(formula: string, options?: FormulaOptions): Factor;

    /**
     * Evaluates many factors (Factor objects or formulas) in one pass: one
     * frame `start_time, end_time, symbol` plus a Float64 column per name,
     * sorted like the bars. Sub-expressions the factors share are computed
     * once. `options` apply to the formulas (see {@linkcode AggBar.factor}).
     *
     * @example
     * ```ts
     * import { AggBar } from "../../mod.ts";
     * const agg = AggBar.fromRecords([
     *   { symbol: "A", start_time: 0, end_time: 1, close: 1, volume: 5 },
     *   { symbol: "B", start_time: 0, end_time: 1, close: 2, volume: 3 },
     * ]);
     * const frame = await agg.compute({ price: "rank(close)", flow: agg.get("volume").csRank() });
     * console.log(frame.columns); // ["start_time", "end_time", "symbol", "price", "flow"]
     * ```
     */
    compute(
      factors: Record<string, Factor | string>,
      options?: FormulaOptions,
    ): Promise<DataFrame>;
  }
}

AggBar.prototype.get = function (this: AggBar, column: string): Factor {
  return columnFactor(this, column);
};

AggBar.prototype.factor = function (
  this: AggBar,
  formula: string,
  options?: FormulaOptions,
): Factor {
  return parseFormula(formula, this, options);
};

// deno-lint-ignore require-await
AggBar.prototype.compute = async function (
  this: AggBar,
  factors: Record<string, Factor | string>,
  options?: FormulaOptions,
): Promise<DataFrame> {
  if (factors === null || typeof factors !== "object") {
    throw new InvalidArgumentError(
      "factors",
      factors,
      "an object mapping names to Factors or formulas",
    );
  }
  const parsed = Object.fromEntries(
    Object.entries(factors).map((
      [name, f],
    ) => [name, typeof f === "string" ? parseFormula(f, this, options) : f]),
  );
  return computeFactors(parsed);
};
