/**
 * Panel: long (end_time, symbol, value…) rows laid out as dense time ×
 * symbol matrices of Float64 (NaN = absent), the shape the analyzer and the
 * backtester loop over.
 *
 * @module
 */
import pl from "nodejs-polars";
import { InvalidArgumentError } from "../errors.ts";
import { type DataFrame, symbolCodes } from "../polars.ts";

/** Dense time × symbol matrices, row-major: cell (i, s) is `i * symbols.length + s`. */
export interface Panel {
  /** The grid: sorted distinct end_times (epoch ms). */
  times: Float64Array;
  /** Symbols, sorted. */
  symbols: string[];
  /** One matrix per requested column; NaN where absent or not finite. */
  values: Record<string, Float64Array>;
  /** Cell of each input row (in the frame's end_time, symbol order). */
  cells: Uint32Array;
  /** The input rows, sorted by end_time, symbol (the order of `cells`). */
  rows: DataFrame;
}

/**
 * Lays out `frame` (with `end_time`, `symbol` and the given numeric
 * columns; one row per end_time and symbol) as a {@linkcode Panel}. Its
 * symbols are the frame's, or `symbols` (sorted, holding every symbol of
 * the frame) so that the panels of successive time chunks share columns.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { densePanel } from "./panel.ts";
 * const frame = pl.DataFrame({ end_time: [1, 1, 2], symbol: ["B", "A", "A"], x: [3, 1, 2] });
 * const panel = densePanel(frame, ["x"]);
 * console.log([...panel.values.x]); // [1, 3, 2, NaN]
 * ```
 */
export function densePanel(
  frame: DataFrame,
  columns: string[],
  symbols?: readonly string[],
): Panel {
  const panel = layout(frame, columns, symbols) ??
    layout(frame.sort(["end_time", "symbol"]), columns, symbols);
  if (!panel) {
    throw new InvalidArgumentError(
      "bars",
      "rows repeating an (end_time, symbol) pair",
      "at most one row per end_time and symbol",
    );
  }
  return panel;
}

/** The panel of `rows`, or undefined when they are not sorted by end_time, symbol. */
function layout(
  rows: DataFrame,
  columns: string[],
  given?: readonly string[],
): Panel | undefined {
  const keyed = rows.select(
    pl.col("end_time").cast(pl.Float64),
    ...columns.map((c) => pl.col(c).cast(pl.Float64).fillNull(NaN)),
  );
  const times = keyed.getColumn("end_time").toTypedArray() as Float64Array;
  const { codes, firstRows } = symbolCodes(rows);
  // Codes follow first appearance: map each to its symbol's sorted position.
  const symbolColumn = rows.getColumn("symbol");
  const named = firstRows.map((r, code) => ({
    code,
    symbol: symbolColumn.get(r) as string,
  })).sort((a, b) => a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);
  const index = new Uint32Array(named.length);
  const symbols = given ? [...given] : named.map(({ symbol }) => symbol);
  const position = new Map(symbols.map((symbol, s) => [symbol, s]));
  named.forEach(({ code, symbol }) => index[code] = position.get(symbol)!);
  const n = symbols.length;
  const grid: number[] = [];
  const cells = new Uint32Array(times.length);
  for (let r = 0; r < times.length; r++) {
    if (r === 0 || times[r] !== times[r - 1]) {
      if (r > 0 && times[r] < times[r - 1]) return undefined;
      grid.push(times[r]);
    } else if (index[codes[r]] <= index[codes[r - 1]]) {
      return undefined;
    }
    cells[r] = (grid.length - 1) * n + index[codes[r]];
  }
  const values: Record<string, Float64Array> = {};
  for (const column of columns) {
    const source = keyed.getColumn(column).toTypedArray() as Float64Array;
    const matrix = new Float64Array(grid.length * n).fill(NaN);
    for (let r = 0; r < source.length; r++) {
      const v = source[r];
      if (Number.isFinite(v)) matrix[cells[r]] = v;
    }
    values[column] = matrix;
  }
  return { times: Float64Array.from(grid), symbols, values, cells, rows };
}

/**
 * A matrix's values at the panel's rows (in `panel.rows` order).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { atRows, densePanel } from "./panel.ts";
 * const panel = densePanel(pl.DataFrame({ end_time: [1], symbol: ["A"], x: [2] }), ["x"]);
 * console.log([...atRows(panel, panel.values.x)]); // [2]
 * ```
 */
export function atRows(panel: Panel, matrix: Float64Array): Float64Array {
  const out = new Float64Array(panel.cells.length);
  for (let r = 0; r < out.length; r++) out[r] = matrix[panel.cells[r]];
  return out;
}

/**
 * A frame from typed-array and plain columns, with every Float64 NaN made
 * null (the panel's "absent").
 *
 * @example
 * ```ts
 * import { frameOf } from "./panel.ts";
 * console.log(frameOf({ x: new Float64Array([1, NaN]) }).getColumn("x").toArray()); // [1, null]
 * ```
 */
export function frameOf(
  columns: Record<string, ArrayLike<unknown> | pl.Series>,
): DataFrame {
  return pl.DataFrame(columns).withColumns(pl.col(pl.Float64).fillNan(null));
}
