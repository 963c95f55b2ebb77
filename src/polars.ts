/**
 * The Polars types that appear in factorium's public API.
 *
 * @module
 */
import pl from "nodejs-polars";

/** A nodejs-polars DataFrame (`import pl from "nodejs-polars"`). */
export type DataFrame = pl.DataFrame;

/** nodejs-polars' `DataFrame` is a factory, not a class: check the shape. */
export function isDataFrame(value: unknown): value is pl.DataFrame {
  const df = value as pl.DataFrame | null;
  return typeof df?.lazy === "function" && Array.isArray(df.columns) &&
    typeof df.height === "number";
}

/** The `symbol` column as dense integer codes. */
export interface SymbolCodes {
  /** Per row, its symbol's code: 0, 1, ... in order of first appearance. */
  codes: Uint32Array;
  /** Per code, the first row holding that symbol. */
  firstRows: number[];
}

/**
 * Numbers the symbols of `frame` densely in order of first appearance.
 * Categorical codes are cheap (a string-cache lookup) but neither dense nor
 * ordered, so they are renumbered here.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { symbolCodes } from "./polars.ts";
 * const { codes, firstRows } = symbolCodes(pl.DataFrame({ symbol: ["B", "A", "B"] }));
 * console.log([...codes], firstRows); // [0, 1, 0] [0, 1]
 * ```
 */
export function symbolCodes(frame: pl.DataFrame): SymbolCodes {
  const raw = frame.select(
    pl.col("symbol").cast(pl.Categorical).toPhysical().cast(pl.UInt32)
      .alias("code"),
  ).getColumn("code").toTypedArray() as Uint32Array;
  let maxRaw = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] > maxRaw) maxRaw = raw[i];
  const dense = new Int32Array(maxRaw + 1).fill(-1);
  const codes = new Uint32Array(raw.length);
  const firstRows: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (dense[raw[i]] < 0) {
      dense[raw[i]] = firstRows.length;
      firstRows.push(i);
    }
    codes[i] = dense[raw[i]];
  }
  return { codes, firstRows };
}
