/**
 * A bar's dollar volume, `volume × vwap` (Σ price × quantity of its
 * trades): what the impact model and the universe rule compare trades and
 * liquidity with.
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { columnFactor } from "../factor/columns.ts";
import type { Factor } from "../factor/factor.ts";

/**
 * The dollar volume of `agg`'s bars as a Factor; bars without a `volume`
 * or a `vwap` column are an {@linkcode InvalidArgumentError} naming
 * `argument` (the option that needs it) and its `value`.
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { dollarVolume } from "./dollar_volume.ts";
 * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, volume: 2, vwap: 10 }]);
 * console.log((await dollarVolume(agg, "impact", {}).collect()).getColumn("factor").toArray()); // [20]
 * ```
 */
export function dollarVolume(
  agg: AggBar,
  argument: string,
  value: unknown,
): Factor {
  for (const column of ["volume", "vwap"]) {
    if (!agg.cols.includes(column)) {
      throw new InvalidArgumentError(
        argument,
        value,
        `bars with volume and vwap columns (${argument} reads the dollar volume, volume × vwap; '${column}' is missing)`,
      );
    }
  }
  return columnFactor(agg, "volume").mul(columnFactor(agg, "vwap"));
}
