/**
 * The Polars types that appear in factorium's public API.
 *
 * @module
 */
import type pl from "nodejs-polars";

/** A nodejs-polars DataFrame (`import pl from "nodejs-polars"`). */
export type DataFrame = pl.DataFrame;
