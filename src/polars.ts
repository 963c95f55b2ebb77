/**
 * The Polars types that appear in factorium's public API.
 *
 * @module
 */
import type pl from "nodejs-polars";

/** A nodejs-polars DataFrame (`import pl from "nodejs-polars"`). */
export type DataFrame = pl.DataFrame;

/** nodejs-polars' `DataFrame` is a factory, not a class: check the shape. */
export function isDataFrame(value: unknown): value is pl.DataFrame {
  const df = value as pl.DataFrame | null;
  return typeof df?.lazy === "function" && Array.isArray(df.columns) &&
    typeof df.height === "number";
}
