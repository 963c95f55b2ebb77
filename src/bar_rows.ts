/**
 * Bars read by time: the interface chunked evaluation reads bars through,
 * over a frame in memory or over Parquet files on disk (an AggBar opened
 * with `AggBar.scan`, whose rows are read a time span at a time).
 *
 * @module
 */
import pl from "nodejs-polars";
import { DataFileError } from "./errors.ts";
import {
  collectBetweenFiles,
  concatFrames,
  type DataFrame,
  scanParquetFile,
} from "./polars.ts";
import { KEY_COLUMNS } from "./data/metadata.ts";

/** A time span `[from, to)` in epoch ms. */
export interface Span {
  /** First time included. */
  readonly from: number;
  /** First time excluded. */
  readonly to: number;
}

/** First and last `end_time` (both included). */
export interface TimeBounds {
  /** Earliest `end_time`. */
  readonly first: number;
  /** Latest `end_time`. */
  readonly last: number;
}

/**
 * Bars that can be read a span of `end_time` at a time.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { frameRows } from "./bar_rows.ts";
 * const rows = frameRows(pl.DataFrame({ symbol: ["A", "A"], start_time: [0, 60], end_time: [60, 120], close: [1, 2] }));
 * console.log(rows.read({ from: 100, to: 200 }, ["close"]).height); // 1
 * ```
 */
export interface BarRows {
  /** Column names. */
  readonly columns: readonly string[];
  /** Number of rows. */
  readonly numRows: number;
  /** First and last `end_time`, `null` when there are no rows. */
  readonly bounds: TimeBounds | null;
  /** The chunk length evaluations should use, when the bars say. */
  readonly chunkMs?: number;
  /** Per symbol, its first and last `end_time`. */
  symbolBounds(): ReadonlyMap<string, TimeBounds>;
  /**
   * Rows with `end_time` in `span`, sorted by (end_time, symbol) as an
   * AggBar's rows are, with the key columns and `columns`.
   */
  read(span: Span, columns: readonly string[]): DataFrame;
}

/** `columns` after the key columns, each once. */
export function keysAnd(columns: readonly string[]): string[] {
  return [...new Set([...KEY_COLUMNS, ...columns])];
}

/**
 * The first index `i` in `[lo, hi)` with `times[i] >= t`, or `hi` when there
 * is none (binary search; `times` ascending on the range).
 *
 * @example
 * ```ts
 * import { firstAtOrAfter } from "./bar_rows.ts";
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

/**
 * A time-major frame (sorted by end_time, symbol) as {@linkcode BarRows}:
 * reads are zero-copy slices.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { frameRows } from "./bar_rows.ts";
 * const rows = frameRows(pl.DataFrame({ symbol: ["A"], start_time: [0], end_time: [60] }));
 * console.log(rows.bounds); // { first: 60, last: 60 }
 * ```
 */
export function frameRows(frame: pl.DataFrame): BarRows {
  const ends = endTimes(frame);
  let bounds: Map<string, TimeBounds> | undefined;
  return {
    columns: frame.columns,
    numRows: frame.height,
    bounds: frame.height === 0
      ? null
      : { first: ends[0], last: ends[ends.length - 1] },
    symbolBounds() {
      bounds ??= boundsBySymbol(frame.lazy());
      return bounds;
    },
    read(span, columns) {
      const from = firstAtOrAfter(ends, 0, ends.length, span.from);
      const to = firstAtOrAfter(ends, from, ends.length, span.to);
      return frame.slice(from, to - from).select(...keysAnd(columns));
    },
  };
}

/** The `end_time` column as numbers. */
export function endTimes(frame: pl.DataFrame): Float64Array {
  return frame.getColumn("end_time").cast(pl.Float64)
    .toTypedArray() as Float64Array;
}

function boundsBySymbol(frame: pl.LazyDataFrame): Map<string, TimeBounds> {
  const table = frame.groupBy("symbol").agg(
    pl.col("end_time").min().cast(pl.Float64).alias("first"),
    pl.col("end_time").max().cast(pl.Float64).alias("last"),
  ).collectSync();
  const symbols = table.getColumn("symbol").toArray() as string[];
  const first = table.getColumn("first").toArray() as number[];
  const last = table.getColumn("last").toArray() as number[];
  return new Map(
    symbols.map((s, i) => [s, { first: first[i], last: last[i] }]),
  );
}

/** One Parquet file of bars, as indexed by {@linkcode indexBarFiles}. */
export interface BarFile {
  /** The file's path. */
  readonly path: string;
  /** First and last `end_time` of its rows. */
  readonly bounds: TimeBounds;
  /** Its row count. */
  readonly rows: number;
}

/** What {@linkcode indexBarFiles} learns from one pass over the files. */
export interface BarFileIndex {
  /** The files with rows, in the order given. */
  readonly files: readonly BarFile[];
  /** Column names (those of the first file; every file must have them). */
  readonly columns: readonly string[];
  /** Per symbol: first and last `end_time`, first `start_time` and rows. */
  readonly symbols: ReadonlyMap<
    string,
    TimeBounds & { readonly start: number; readonly rows: number }
  >;
}

/**
 * Reads the key columns of Parquet bar files once: each file's time range
 * and row count, and each symbol's, over the rows `keep` (a filter, such
 * as a slice's) keeps. Files without the key columns, or whose columns
 * differ from the first file's, are a `DataFileError`.
 */
export function indexBarFiles(
  paths: readonly string[],
  keep?: pl.Expr,
): BarFileIndex {
  let columns: string[] | undefined;
  const files: BarFile[] = [];
  const symbols = new Map<
    string,
    { first: number; last: number; start: number; rows: number }
  >();
  for (const [i, path] of paths.entries()) {
    collectBetweenFiles(i);
    let table: pl.DataFrame;
    try {
      const scan = scanParquetFile(path);
      const names = scan.columns;
      columns ??= names;
      const missing = KEY_COLUMNS.filter((c) => !names.includes(c));
      if (missing.length > 0) {
        throw new DataFileError(
          path,
          `expected bar columns ${KEY_COLUMNS.join(", ")} (missing ${
            missing.join(", ")
          }); it has ${names.join(", ")}`,
        );
      }
      if (names.join() !== columns.join()) {
        throw new DataFileError(
          path,
          `expected the columns of the first file (${
            columns.join(", ")
          }); it has ${names.join(", ")}`,
        );
      }
      table = (keep ? scan.filter(keep) : scan).groupBy("symbol").agg(
        pl.col("end_time").min().cast(pl.Float64).alias("first"),
        pl.col("end_time").max().cast(pl.Float64).alias("last"),
        pl.col("start_time").min().cast(pl.Float64).alias("start"),
        pl.len().cast(pl.Float64).alias("rows"),
      ).collectSync();
    } catch (error) {
      if (error instanceof DataFileError) throw error;
      throw new DataFileError(
        path,
        `expected a readable Parquet file of bars: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const names = table.getColumn("symbol").toArray() as string[];
    const first = table.getColumn("first").toArray() as number[];
    const last = table.getColumn("last").toArray() as number[];
    const start = table.getColumn("start").toArray() as number[];
    const rows = table.getColumn("rows").toArray() as number[];
    if (names.length === 0) continue;
    files.push({
      path,
      bounds: { first: Math.min(...first), last: Math.max(...last) },
      rows: rows.reduce((a, b) => a + b, 0),
    });
    names.forEach((symbol, i) => {
      const known = symbols.get(symbol);
      if (!known) {
        symbols.set(symbol, {
          first: first[i],
          last: last[i],
          start: start[i],
          rows: rows[i],
        });
      } else {
        known.first = Math.min(known.first, first[i]);
        known.last = Math.max(known.last, last[i]);
        known.start = Math.min(known.start, start[i]);
        known.rows += rows[i];
      }
    });
  }
  return { files, columns: columns ?? [...KEY_COLUMNS], symbols };
}

/**
 * Bar files as {@linkcode BarRows}: a read opens only the files whose
 * time range meets the span, keeps the rows in it (and in `keep`, a filter
 * on the rows such as a slice's) and sorts them by (end_time, symbol),
 * stably (file order, then row order, breaks ties).
 */
export function fileRows(
  index: BarFileIndex,
  keep?: pl.Expr,
  chunkMs?: number,
): BarRows {
  const firsts = index.files.map((f) => f.bounds.first);
  const lasts = index.files.map((f) => f.bounds.last);
  let numRows = 0;
  for (const f of index.files) numRows += f.rows;
  return {
    columns: index.columns,
    numRows,
    chunkMs,
    bounds: index.files.length === 0 ? null : {
      first: Math.min(...firsts),
      last: Math.max(...lasts),
    },
    symbolBounds() {
      return index.symbols;
    },
    read(span, columns) {
      const wanted = keysAnd(columns);
      let inSpan = pl.col("end_time").gtEq(span.from).and(
        pl.col("end_time").lt(span.to),
      );
      if (keep) inSpan = inSpan.and(keep);
      const frames = index.files
        .filter((f) => f.bounds.last >= span.from && f.bounds.first < span.to)
        // A scan reads only the row groups whose statistics meet the span.
        .map((f) =>
          scanParquetFile(f.path).select(...wanted).filter(inSpan).collectSync()
        );
      if (frames.length === 0) {
        return pl.readParquet(index.files[0].path, { columns: wanted })
          .head(0);
      }
      return concatFrames(frames).sort({
        by: ["end_time", "symbol"],
        maintainOrder: true,
      });
    },
  };
}
