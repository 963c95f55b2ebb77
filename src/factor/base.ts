/**
 * The frame factors are computed on, and where each symbol's rows are.
 *
 * Bars stay time-major (sorted by end_time, symbol), where Polars' windows
 * over `end_time` take their sorted fast path. Time-series kernels need each
 * symbol's rows contiguous: the permutation to that order is computed once
 * per base (a counting sort over symbol codes) and reused by every
 * evaluation.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { type BarRows, frameRows } from "../bar_rows.ts";
import { symbolCodes } from "../polars.ts";

export { KEY_COLUMNS, valueColumns } from "../data/metadata.ts";

/** Where each symbol's rows are, for the time-series kernels. */
export interface Layout {
  /** Symbol-major position -> time-major row (stable: time order kept). */
  readonly order: Uint32Array;
  /** First symbol-major position of each symbol, then the row count. */
  readonly segments: Int32Array;
  /** Per symbol (segment), its first time-major row. */
  readonly firstRows: readonly number[];
  /**
   * Per symbol (segment), rows of it that precede this frame: none for a
   * whole history, the rows before a time chunk's region otherwise.
   */
  readonly rowsBefore?: Float64Array;
}

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
  /**
   * The bars stay in files: evaluations run a time chunk at a time (see
   * {@linkcode Base.rows}) rather than on one frame.
   */
  readonly streamed: boolean;
  #load: () => pl.DataFrame;
  #frame?: pl.DataFrame;
  #layout?: Layout;
  #rows?: () => BarRows;

  /**
   * `layout`, when given, is the frame's (a chunk's, with `rowsBefore`);
   * `source`, when given, reads the bars by time (else the frame is read).
   */
  constructor(
    columns: readonly string[],
    description: string,
    load: () => pl.DataFrame,
    { layout, rows, streamed = false }: {
      layout?: Layout;
      rows?: () => BarRows;
      streamed?: boolean;
    } = {},
  ) {
    this.columns = columns;
    this.description = description;
    this.#load = load;
    this.#layout = layout;
    this.#rows = rows;
    this.streamed = streamed;
  }

  /** The bars as a reader of `end_time` spans, for chunked evaluation. */
  rows(): BarRows {
    return this.#rows?.() ?? frameRows(this.frame());
  }

  /** The time-major frame. */
  frame(): pl.DataFrame {
    this.#frame ??= this.#load();
    return this.#frame;
  }

  /** Where each symbol's rows are, computed once. */
  layout(): Layout {
    this.#layout ??= symbolMajorLayout(this.frame());
    return this.#layout;
  }
}

/** Where each symbol's rows of `frame` are (a counting sort). */
export function symbolMajorLayout(frame: pl.DataFrame): Layout {
  const n = frame.height;
  const { codes, firstRows } = symbolCodes(frame);
  const symbols = firstRows.length;
  // Counting sort: segments[k + 1] counts symbol k, then prefix sums make
  // segments[k] its first position.
  const segments = new Int32Array(symbols + 1);
  for (let i = 0; i < n; i++) segments[codes[i] + 1]++;
  for (let k = 1; k <= symbols; k++) segments[k] += segments[k - 1];
  const next = segments.slice(0, symbols);
  const order = new Uint32Array(n);
  for (let row = 0; row < n; row++) order[next[codes[row]]++] = row;
  return { order, segments, firstRows };
}
