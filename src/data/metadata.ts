/**
 * AggBarMetadata: what a bar frame holds, computed from the data.
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { MissingSymbolDay } from "../errors.ts";
import type { BarSpec } from "./bar_spec.ts";

/** The columns that identify a bar; every other column holds values. */
export const KEY_COLUMNS: readonly string[] = [
  "start_time",
  "end_time",
  "symbol",
];

/** `columns` without the key columns. */
export function valueColumns(columns: readonly string[]): string[] {
  return columns.filter((c) => !KEY_COLUMNS.includes(c));
}

/** Describes the bars an {@linkcode AggBar} holds. */
export interface AggBarMetadata {
  /** Distinct symbols, sorted. */
  symbols: string[];
  /** Earliest `start_time` (epoch ms), `null` when there are no rows. */
  minTime: number | null;
  /** Latest `end_time` (epoch ms), `null` when there are no rows. */
  maxTime: number | null;
  /** Number of rows. */
  numRows: number;
  /** How the bars were built, when known. */
  bar?: BarSpec;
  /** Exchange the bars came from, when known. */
  exchange?: string;
  /** Market the bars came from, when known. */
  market?: string;
  /** Source data type, when known. */
  dataType?: string;
  /** Symbol-days that had no source file (only with `allowMissing`). */
  missing?: MissingSymbolDay[];
  /**
   * Source rows left out because their price or quantity is NaN or
   * ±Infinity (only with `onBadRows: "drop"`, and only when there were any).
   */
  droppedRows?: number;
}

/**
 * Computes the data-derived fields of {@linkcode AggBarMetadata} from a frame
 * with `symbol`, `start_time` and `end_time` columns.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { computeMetadata } from "./metadata.ts";
 * const df = pl.DataFrame({ symbol: ["A"], start_time: [0], end_time: [60000] });
 * console.log(computeMetadata(df).maxTime); // 60000
 * ```
 */
export function computeMetadata(
  df: pl.DataFrame,
): Pick<AggBarMetadata, "symbols" | "minTime" | "maxTime" | "numRows"> {
  const symbols = df.getColumn("symbol").unique().sort().toArray() as string[];
  const numRows = df.height;
  if (numRows === 0) return { symbols, minTime: null, maxTime: null, numRows };
  return {
    symbols,
    minTime: Number(df.getColumn("start_time").min()),
    maxTime: Number(df.getColumn("end_time").max()),
    numRows,
  };
}
