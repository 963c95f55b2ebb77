/**
 * The research loop's methods on {@linkcode AggBar}: `compareFactors`.
 * AggBar lives below the analysis layer; this module attaches the method,
 * so importing `mod.ts` (or this file) gives every AggBar it without an
 * upward import.
 *
 * @module
 */
import { AggBar } from "../aggbar.ts";
import type { Factor } from "../factor/factor.ts";
import { compareFactors, type CompareOptions } from "./compare.ts";
import type { FactorComparison } from "./factor_comparison.ts";

declare module "../aggbar.ts" {
  interface AggBar {
    /**
     * Compares factors (Factor objects or formulas) on this AggBar's
     * forward returns, evaluated in one pass: see
     * {@linkcode compareFactors}.
     *
     * @example
     * ```ts ignore
     * const comparison = await agg.compareFactors({ mom: "cs_rank(ts_delta(close, 20))", rev: "cs_rank(-ts_delta(close, 5))" });
     * console.log(comparison.table.toString());
     * ```
     */
    compareFactors(
      factors: Record<string, Factor | string>,
      options?: CompareOptions,
    ): Promise<FactorComparison>;
  }
}

AggBar.prototype.compareFactors = function (
  this: AggBar,
  factors: Record<string, Factor | string>,
  options: CompareOptions = {},
): Promise<FactorComparison> {
  return compareFactors(this, factors, options);
};
