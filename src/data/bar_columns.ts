/**
 * The columns of a bar frame, in order, and their types.
 *
 * @module
 */
import pl from "nodejs-polars";

/** Columns of every bar frame, in order. */
export const BAR_COLUMNS = [
  "symbol",
  "start_time",
  "end_time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "vwap",
  "trades",
] as const;

/** The optional taker buy/sell columns (buyer = taker bought). */
export const BUYER_SELLER_COLUMNS = [
  "num_buyer",
  "num_seller",
  "num_buyer_volume",
  "num_seller_volume",
] as const;

/** Every column a bar frame is built and cached with, in order. */
export const BAR_FRAME_COLUMNS: readonly string[] = [
  ...BAR_COLUMNS,
  ...BUYER_SELLER_COLUMNS,
];

/** The bar columns of type Int64 (the others but `symbol` are Float64). */
export const INTEGER_COLUMNS: ReadonlySet<string> = new Set([
  "start_time",
  "end_time",
  "trades",
  "num_buyer",
  "num_seller",
]);

/**
 * A bar frame with no rows and every column of {@linkcode BAR_FRAME_COLUMNS}
 * at its proper type.
 */
export function emptyBars(): pl.DataFrame {
  return pl.DataFrame(
    BAR_FRAME_COLUMNS.map((name) =>
      pl.Series(
        name,
        [],
        name === "symbol"
          ? pl.Utf8
          : INTEGER_COLUMNS.has(name)
          ? pl.Int64
          : pl.Float64,
      )
    ),
  );
}
