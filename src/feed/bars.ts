/**
 * Bars: a window of one symbol's bars as a {@linkcode BarFeed} hands it out,
 * a view into the feed's columns (no copy), converted to Polars or to row
 * objects only when asked, and then once.
 *
 * Also the feed's storage, `BarTable` (internal): the bars of one timestep
 * sorted by (symbol, end_time), with each symbol's rows contiguous, the
 * times as `Float64Array`s and value columns extracted on first use.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars.ts";
import { InvalidArgumentError } from "../errors.ts";
import { formatInterval } from "../time.ts";
import { formatUtc } from "../display/html.ts";

/** Symbols named in an "unknown symbol" error before the list is cut. */
const SHOWN_SYMBOLS = 8;

/**
 * The bars of one timestep, symbol-major: symbol `k` holds rows
 * `starts[k] .. starts[k + 1] - 1` of {@linkcode BarTable.frame}, in
 * `end_time` order (ties keep the AggBar's order). Times are
 * `Float64Array`s (epoch ms are exact in a double); a value column becomes
 * a `Float64Array` (null → NaN) the first time it is read and is kept.
 *
 * Internal to the feed; not part of the public API.
 */
export class BarTable {
  /** Bars sorted by (symbol, end_time). */
  readonly frame: DataFrame;
  /** Bar interval in ms for time bars, `null` otherwise. */
  readonly timestep: number | null;
  /** Symbols in row order (sorted). */
  readonly symbols: readonly string[];
  /** Row ranges per symbol: `symbols.length + 1` offsets. */
  readonly starts: Int32Array;
  /** `end_time` of every row. */
  readonly endTime: Float64Array;
  /** `start_time` of every row. */
  readonly startTime: Float64Array;
  /** Numeric (and boolean) columns a window can read, in frame order. */
  readonly columnNames: readonly string[];
  #index = new Map<string, number>();
  #columns = new Map<string, Float64Array>();
  #frames: (DataFrame | undefined)[];

  /**
   * Sorts `df` (columns `symbol`, `start_time`, `end_time` as Int64, ...)
   * by (symbol, end_time), stably, and indexes it.
   */
  constructor(df: DataFrame, timestep: number | null) {
    const frame = df.sort({ by: ["symbol", "end_time"], maintainOrder: true })
      .rechunk();
    this.frame = frame;
    this.timestep = timestep;
    const counts = frame.lazy()
      .groupBy("symbol", { maintainOrder: true })
      .agg(pl.len().cast(pl.Int32).alias("n"))
      .collectSync();
    this.symbols = counts.getColumn("symbol").toArray() as string[];
    const n = counts.getColumn("n").toArray() as number[];
    this.starts = new Int32Array(n.length + 1);
    for (let k = 0; k < n.length; k++) {
      this.starts[k + 1] = this.starts[k] + n[k];
      this.#index.set(this.symbols[k], k);
    }
    this.#frames = new Array(n.length);
    this.columnNames = frame.columns.filter((name) =>
      name !== "symbol" &&
      (frame.getColumn(name).isNumeric() ||
        frame.getColumn(name).dtype.equals(pl.Bool))
    );
    this.endTime = this.column("end_time");
    this.startTime = this.column("start_time");
  }

  /** Number of rows. */
  get length(): number {
    return this.endTime.length;
  }

  /**
   * The position of `symbol` in {@linkcode BarTable.symbols}; an unknown
   * symbol raises an {@linkcode InvalidArgumentError} naming it and a few
   * known ones.
   */
  symbolIndex(symbol: string, argument = "symbol"): number {
    const k = this.#index.get(symbol);
    if (k === undefined) throw unknownSymbol(symbol, this.symbols, argument);
    return k;
  }

  /**
   * The whole column as a `Float64Array` in row order (null → NaN), built
   * on first use. Unknown or non-numeric columns raise an
   * {@linkcode InvalidArgumentError} listing the readable ones.
   */
  column(name: string): Float64Array {
    const cached = this.#columns.get(name);
    if (cached !== undefined) return cached;
    if (!this.columnNames.includes(name)) {
      throw new InvalidArgumentError(
        "column",
        name,
        `a numeric bar column (${this.columnNames.join(", ")})`,
      );
    }
    const values = this.frame.select(
      pl.col(name).cast(pl.Float64).fillNull(pl.lit(NaN)).alias(name),
    ).getColumn(name).toTypedArray() as Float64Array;
    this.#columns.set(name, values);
    return values;
  }

  /** The rows of symbol `k` as a Polars frame (a zero-copy slice, cached). */
  frameOf(k: number): DataFrame {
    let frame = this.#frames[k];
    if (frame === undefined) {
      const start = this.starts[k];
      frame = this.frame.slice(start, this.starts[k + 1] - start);
      this.#frames[k] = frame;
    }
    return frame;
  }
}

/**
 * The last index `i` in `[lo, hi)` with `times[i] <= t`, or `lo - 1` when
 * there is none (binary search; `times` ascending on the range).
 *
 * @example
 * ```ts
 * import { lastAtOrBefore } from "./bars.ts";
 * const times = new Float64Array([60, 120, 180]);
 * console.log(lastAtOrBefore(times, 0, 3, 130), lastAtOrBefore(times, 0, 3, 10)); // 1 -1
 * ```
 */
export function lastAtOrBefore(
  times: Float64Array,
  lo: number,
  hi: number,
  t: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The first index `i` in `[lo, hi)` with `times[i] >= t`, or `hi` when there
 * is none (binary search; `times` ascending on the range).
 *
 * @example
 * ```ts
 * import { firstAtOrAfter } from "./bars.ts";
 * const times = new Float64Array([0, 60, 120]);
 * console.log(firstAtOrAfter(times, 0, 3, 60), firstAtOrAfter(times, 0, 3, 121)); // 1 3
 * ```
 */
export function firstAtOrAfter(
  times: Float64Array,
  lo: number,
  hi: number,
  t: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The error for a symbol the feed does not hold. */
export function unknownSymbol(
  symbol: unknown,
  symbols: readonly string[],
  argument = "symbol",
): InvalidArgumentError {
  const shown = symbols.slice(0, SHOWN_SYMBOLS).join(", ");
  const more = symbols.length > SHOWN_SYMBOLS
    ? `, … (${symbols.length} in all)`
    : "";
  return new InvalidArgumentError(
    argument,
    symbol,
    symbols.length === 0
      ? "a symbol of the feed (it holds none)"
      : `a symbol of the feed (${shown}${more})`,
  );
}

let newBars: (
  table: BarTable,
  k: number,
  offset: number,
  length: number,
) => Bars;

/**
 * Creates the window of `length` rows of symbol `k` starting at row
 * `offset` of `table` (internal to the feed).
 */
export function barsOf(
  table: BarTable,
  k: number,
  offset: number,
  length: number,
): Bars {
  return newBars(table, k, offset, length);
}

/**
 * A window of consecutive bars of one symbol, oldest first, as returned by
 * {@linkcode BarFeed.history}. It holds no data of its own: columns are
 * `Float64Array` views (`subarray`) into the feed's columns, null values
 * read as NaN. Treat them as read-only; writing into a view writes into the
 * feed. `toPolars()` and `toRecords()` convert on first call and cache.
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { BarFeed } from "./feed.ts";
 * const agg = AggBar.fromRecords([1, 2, 3].map((close, i) => ({
 *   symbol: "BTCUSDT", start_time: i * 60_000, end_time: (i + 1) * 60_000, close,
 * })));
 * const bars = new BarFeed(agg).history("BTCUSDT", 2, 180_000);
 * console.log(bars.length, bars.close, bars.endTimes); // 2 Float64Array(2) [ 2, 3 ] Float64Array(2) [ 120000, 180000 ]
 * ```
 */
export class Bars {
  #table: BarTable;
  #k: number;
  #offset: number;
  #length: number;
  #frame: DataFrame | undefined;
  #records: Record<string, unknown>[] | undefined;

  private constructor(
    table: BarTable,
    k: number,
    offset: number,
    length: number,
  ) {
    this.#table = table;
    this.#k = k;
    this.#offset = offset;
    this.#length = length;
  }

  static {
    newBars = (table, k, offset, length) => new Bars(table, k, offset, length);
  }

  /** Number of bars in the window (at most the length asked for). */
  get length(): number {
    return this.#length;
  }

  /** The symbol. */
  get symbol(): string {
    return this.#table.symbols[this.#k];
  }

  /**
   * Bar interval in ms (the feed's base interval or a resampled timestep),
   * `null` for bars that are not time bars.
   */
  get timestep(): number | null {
    return this.#table.timestep;
  }

  /** Names of the columns {@linkcode Bars.column} can read. */
  get columns(): string[] {
    return [...this.#table.columnNames];
  }

  /**
   * One column over the window as a `Float64Array` view (null → NaN).
   * Unknown or non-numeric columns raise an {@linkcode InvalidArgumentError}
   * listing the readable ones.
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, close: 1, trades: 7 }]);
   * console.log(new BarFeed(agg).history("A", 5, 60_000).column("trades")); // Float64Array(1) [ 7 ]
   * ```
   */
  column(name: string): Float64Array {
    const start = this.#offset;
    return this.#table.column(name).subarray(start, start + this.#length);
  }

  /** `open` over the window. */
  get open(): Float64Array {
    return this.column("open");
  }

  /** `high` over the window. */
  get high(): Float64Array {
    return this.column("high");
  }

  /** `low` over the window. */
  get low(): Float64Array {
    return this.column("low");
  }

  /** `close` over the window. */
  get close(): Float64Array {
    return this.column("close");
  }

  /** `volume` over the window. */
  get volume(): Float64Array {
    return this.column("volume");
  }

  /** `vwap` over the window. */
  get vwap(): Float64Array {
    return this.column("vwap");
  }

  /** `start_time` of each bar (epoch ms). */
  get startTimes(): Float64Array {
    const start = this.#offset;
    return this.#table.startTime.subarray(start, start + this.#length);
  }

  /** `end_time` of each bar (epoch ms); the last one is `<= at`. */
  get endTimes(): Float64Array {
    const start = this.#offset;
    return this.#table.endTime.subarray(start, start + this.#length);
  }

  /**
   * The window as a Polars frame with every column of the bars (a slice of
   * the feed's frame, no copy), built on first call.
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, close: 1 }]);
   * console.log(new BarFeed(agg).history("A", 5, 60_000).toPolars().height); // 1
   * ```
   */
  toPolars(): DataFrame {
    this.#frame ??= this.#table.frameOf(this.#k).slice(
      this.#offset - this.#table.starts[this.#k],
      this.#length,
    );
    return this.#frame;
  }

  /**
   * The window as row objects (times as epoch-ms numbers), built on first
   * call. The same array is returned each time.
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, close: 1 }]);
   * console.log(new BarFeed(agg).history("A", 5, 60_000).toRecords()[0].close); // 1
   * ```
   */
  toRecords(): Record<string, unknown>[] {
    this.#records ??= this.toPolars().toRecords();
    return this.#records;
  }

  /** A one-line summary: symbol, count, timestep and time range. */
  toString(): string {
    const step = this.timestep === null
      ? ""
      : ` × ${formatInterval(this.timestep)}`;
    const times = this.endTimes;
    const range = times.length === 0
      ? "no bars"
      : `end_time ${formatUtc(times[0])} → ${
        formatUtc(times[times.length - 1])
      } UTC`;
    return `Bars ${this.symbol}: ${this.#length}${step} bars, ${range}`;
  }

  /** Deno's console shows the summary. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}
