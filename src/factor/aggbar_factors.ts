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
import { displayFrame } from "../display/frame.ts";
import type { DataFrame } from "../polars.ts";
import { checkOptions, type OptionNames, stringOption } from "../options.ts";
import { parseTimestep } from "../time.ts";
import { columnFactor } from "./columns.ts";
import { computeFactors, type FactorSink, sinkFactors } from "./compute.ts";
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
     * once. `options` apply to the formulas (see {@linkcode AggBar.factor})
     * and say how to evaluate: `chunk` evaluates in time chunks (memory
     * bounded by a chunk, same values), `sink` writes the values to a
     * Parquet file chunk by chunk instead of returning them, and resolves
     * to a {@linkcode FactorSink}.
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
      options?: ComputeOptions & { sink?: undefined },
    ): Promise<DataFrame>;
    /**
     * {@linkcode AggBar.compute} writing to `options.sink` (a Parquet file).
     *
     * @example
     * ```ts ignore
     * const written = await agg.compute({ mom: "cs_rank(ts_delta(close, 60))" }, { sink: "out/mom.parquet" });
     * console.log(written.rows, written.chunks);
     * ```
     */
    compute(
      factors: Record<string, Factor | string>,
      options: ComputeOptions & { sink: string },
    ): Promise<FactorSink>;
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

/** Options of {@linkcode AggBar.compute}. */
export interface ComputeOptions extends FormulaOptions {
  /**
   * Evaluate in time chunks of this much `end_time` (`"1d"`, `"30d"`, or
   * milliseconds), aligned to multiples of it since the epoch: each chunk
   * reads the history its windows reach back to, so memory is bounded by a
   * chunk and the values are those of one pass (see `FactorSink`).
   *
   * @default one pass over all bars; chunks of about 1 million rows with `sink` or for bars kept in files (`AggBar.scan`)
   */
  chunk?: string | number;
  /**
   * Write the values to this Parquet file (atomically) instead of returning
   * them; `compute` then resolves to a {@linkcode FactorSink}.
   *
   * @default undefined (return a frame)
   */
  sink?: string;
}

const COMPUTE_OPTIONS: OptionNames<ComputeOptions> = {
  adv: true,
  chunk: true,
  sink: true,
};

async function compute(
  this: AggBar,
  factors: Record<string, Factor | string>,
  options: ComputeOptions = {},
): Promise<DataFrame | FactorSink> {
  const { adv, chunk, sink } = checkOptions(
    "compute",
    options,
    COMPUTE_OPTIONS,
  );
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
    ) => [name, typeof f === "string" ? parseFormula(f, this, { adv }) : f]),
  );
  const chunkMs = chunk === undefined
    ? undefined
    : parseTimestep(chunk, "chunk");
  const path = stringOption("sink", sink);
  if (path !== undefined) return await sinkFactors(parsed, path, chunkMs);
  return displayFrame(await computeFactors(parsed, chunkMs));
}

// One implementation of both overloads: the result is a frame exactly when
// there is no sink.
AggBar.prototype.compute = compute as AggBar["compute"];
