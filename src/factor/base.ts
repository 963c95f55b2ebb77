/**
 * The frame factors are computed on, and its symbol-major layout.
 *
 * Bars are kept time-major (sorted by end_time, symbol). Time-series
 * operators are cheapest symbol-major: each symbol's rows are contiguous, so
 * a rolling window is one pass over the whole column masked where it would
 * reach into the previous symbol, with no per-symbol grouping. The
 * permutation between the two orders is computed once per base (a counting
 * sort over symbol codes) and reused by every evaluation.
 *
 * @module
 */
import pl from "nodejs-polars";

/** The permutation between time-major and symbol-major row order. */
export interface Layout {
  /** Symbol-major row -> time-major row. */
  readonly order: pl.Series;
  /** Time-major row -> symbol-major row. */
  readonly inverse: pl.Series;
  /** Per symbol-major row: 0-based row number within its symbol. */
  readonly position: pl.Series;
  /** Per symbol-major row: rows of the same symbol after it. */
  readonly remaining: pl.Series;
  /** First symbol-major row of each symbol, then the row count. */
  readonly segments: Int32Array;
}

/** Names of the layout columns added to the symbol-major frame. */
export const POSITION = "__position";
/** See {@linkcode POSITION}. */
export const REMAINING = "__remaining";

/**
 * A time-major frame with `start_time, end_time, symbol` and value columns,
 * computed on first use (a join of other factors is only built when one of
 * its factors is evaluated).
 */
export class Base {
  /** Column names, known without building the frame. */
  readonly columns: readonly string[];
  /** What the frame is: bars, or a join of factors (shown by `explain()`). */
  readonly description: string;
  #load: () => pl.DataFrame;
  #frame?: pl.DataFrame;
  #layout?: Layout;

  constructor(
    columns: readonly string[],
    description: string,
    load: () => pl.DataFrame,
  ) {
    this.columns = columns;
    this.description = description;
    this.#load = load;
  }

  /** The time-major frame. */
  frame(): pl.DataFrame {
    this.#frame ??= this.#load();
    return this.#frame;
  }

  /** The symbol-major layout, computed once. */
  layout(): Layout {
    this.#layout ??= symbolMajorLayout(this.frame());
    return this.#layout;
  }
}

function symbolMajorLayout(frame: pl.DataFrame): Layout {
  const n = frame.height;
  const codes = frame.select(
    pl.col("symbol").rank("dense").cast(pl.UInt32).alias("code"),
  ).getColumn("code").toTypedArray() as Uint32Array;
  let symbols = 0;
  for (let i = 0; i < n; i++) if (codes[i] > symbols) symbols = codes[i];
  // Code c (1-based) counted at index c; the prefix sum then makes
  // segments[k] the first row of the k-th symbol (0-based).
  const segments = new Int32Array(symbols + 1);
  for (let i = 0; i < n; i++) segments[codes[i]]++;
  for (let c = 1; c <= symbols; c++) segments[c] += segments[c - 1];
  const next = segments.slice(0, symbols);
  const order = new Uint32Array(n);
  const inverse = new Uint32Array(n);
  const position = new Int32Array(n);
  const remaining = new Int32Array(n);
  // Stable: a symbol's rows keep their time-major (end_time) order.
  for (let row = 0; row < n; row++) {
    const c = codes[row] - 1;
    const target = next[c]++;
    order[target] = row;
    inverse[row] = target;
    position[target] = target - segments[c];
    remaining[target] = segments[c + 1] - target - 1;
  }
  return {
    order: pl.Series("order", order),
    inverse: pl.Series("inverse", inverse),
    position: pl.Series(POSITION, position, pl.Int32),
    remaining: pl.Series(REMAINING, remaining, pl.Int32),
    segments,
  };
}
