/**
 * AggBar: multi-symbol bars in long format (one row per symbol and bar),
 * held as a Polars DataFrame sorted by (end_time, symbol).
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  collectBetweenFiles,
  type DataFrame,
  isDataFrame,
  scanParquetFile,
} from "./polars.ts";
import { writeAtomic } from "./atomic.ts";
import { InvalidArgumentError } from "./errors.ts";
import {
  type AggBarMetadata,
  computeMetadata,
  KEY_COLUMNS,
  valueColumns,
} from "./data/metadata.ts";
import { parseTimestep, type TimeInput, toEpochMs } from "./time.ts";
import {
  type BarFileIndex,
  type BarRows,
  fileRows,
  frameRows,
  indexBarFiles,
} from "./bar_rows.ts";
import { type BarChartOptions, type Chart, plotBars } from "./display/plot.ts";
import { aggBarBundle, type MimeBundle } from "./display/jupyter.ts";
import { displayFrame, frameText } from "./display/frame.ts";
import { formatBarSpec } from "./data/bar_spec.ts";
import { checkOptions, type OptionNames } from "./options.ts";

/** Options of {@linkcode AggBar.scan}. */
export interface ScanOptions {
  /**
   * The time chunk factors of these bars are computed in (`"1d"`, `"7d"`,
   * or milliseconds of `end_time`).
   *
   * @default about 1 million rows a chunk, in whole hours
   */
  chunk?: string | number;
  /** Descriptive metadata (bar spec, exchange, ...). @default none */
  metadata?: Partial<AggBarMetadata>;
}

/** Parquet files of bars, the filter of a slice of them and their chunk. */
interface BarFiles {
  readonly paths: readonly string[];
  readonly keep?: pl.Expr;
  readonly index: BarFileIndex;
  readonly chunkMs?: number;
}

let fromFiles: (
  files: BarFiles,
  metadata: Partial<AggBarMetadata>,
) => AggBar;

const TIME_COLUMNS = new Set(["start_time", "end_time"]);

/** Options of {@linkcode AggBar.slice}; every field is optional. */
export interface SliceOptions {
  /** Keep bars with `start_time >= start`. @default no lower bound */
  start?: TimeInput;
  /** Keep bars with `start_time < end`. @default no upper bound */
  end?: TimeInput;
  /** Keep only these symbols. @default all symbols */
  symbols?: string | readonly string[];
}

const SLICE_OPTIONS: OptionNames<SliceOptions> = {
  start: true,
  end: true,
  symbols: true,
};

/**
 * Bars of many symbols. Times are Int64 epoch milliseconds, UTC; `end_time`
 * is exclusive for time bars.
 *
 * @example
 * ```ts
 * import { AggBar } from "./aggbar.ts";
 * const agg = AggBar.fromRecords([
 *   { symbol: "BTCUSDT", start_time: 0, end_time: 60_000, close: 42_000 },
 *   { symbol: "ETHUSDT", start_time: 0, end_time: 60_000, close: 2_300 },
 * ]);
 * console.log(agg.symbols, agg.length); // ["BTCUSDT", "ETHUSDT"] 2
 * ```
 */
export class AggBar {
  #df: pl.DataFrame;
  #metadata: AggBarMetadata;
  /** Set when the bars stay in Parquet files (see {@linkcode AggBar.scan}). */
  #files?: BarFiles;

  /**
   * Wraps a DataFrame holding at least `start_time`, `end_time` (integer
   * epoch ms or Datetime) and `symbol`; rows are sorted by (end_time,
   * symbol), stably. Descriptive metadata (bar spec, exchange, ...) may be passed;
   * symbols, times and row count are always computed from the data.
   */
  constructor(df: DataFrame, metadata: Partial<AggBarMetadata> = {}) {
    if (!isDataFrame(df)) {
      throw new InvalidArgumentError("df", df, "a nodejs-polars DataFrame");
    }
    for (const column of KEY_COLUMNS) {
      if (!df.columns.includes(column)) {
        throw new InvalidArgumentError(
          "df",
          df.columns,
          `a frame with columns ${
            KEY_COLUMNS.join(", ")
          } (missing '${column}')`,
        );
      }
    }
    // Stable: tick/volume bars of one symbol may share an end_time and must
    // stay in trade order. One chunk first: sorting a frame concatenated
    // from many files is 2-3x slower otherwise.
    const frame = normaliseKeys(df).rechunk().sort({
      by: ["end_time", "symbol"],
      maintainOrder: true,
    });
    this.#df = frame;
    this.#metadata = { ...metadata, ...computeMetadata(frame) };
  }

  /**
   * Builds an AggBar from row objects (small data, tests, hand-made bars).
   * Times may be epoch ms, `Date`s or ISO strings.
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([
   *   { symbol: "BTCUSDT", start_time: "2024-01-01T00:00Z", end_time: "2024-01-01T00:01Z", close: 1 },
   * ]);
   * console.log(agg.metadata.minTime); // 1704067200000
   * ```
   */
  static fromRecords(
    records: Record<string, unknown>[],
    metadata: Partial<AggBarMetadata> = {},
  ): AggBar {
    if (!Array.isArray(records) || records.length === 0) {
      throw new InvalidArgumentError(
        "records",
        records,
        "a non-empty array of row objects",
      );
    }
    const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
    const columns = names.map((name) => {
      const values = records.map((r) => r[name] ?? null);
      if (TIME_COLUMNS.has(name)) {
        const ms = new BigInt64Array(values.length);
        values.forEach((v, i) => {
          ms[i] = BigInt(toEpochMs(v as TimeInput, `records[${i}].${name}`));
        });
        return pl.Series(name, ms, pl.Int64);
      }
      if (name === "symbol") return pl.Series(name, values, pl.Utf8);
      const numeric = values.every((v) => v === null || typeof v === "number");
      return numeric
        ? pl.Series(name, values, pl.Float64)
        : pl.Series(name, values);
    });
    return new AggBar(pl.DataFrame(columns), metadata);
  }

  /**
   * Opens bars kept in Parquet files without reading them into memory: a
   * directory (every `*.parquet` below it), one file or a list of files,
   * each with
   * `start_time`, `end_time` (integer epoch ms), `symbol` and the same
   * columns. One pass over the key columns indexes each file's time range;
   * factors are then computed a time chunk at a time (`agg.compute`
   * chunks automatically), so memory is bounded by a chunk, not by the
   * history. `toPolars()` reads every row (and warns with the size).
   *
   * @example
   * ```ts ignore
   * const agg = AggBar.scan("bars/"); // e.g. one file per day, all symbols
   * await agg.compute({ mom: "cs_rank(ts_delta(close, 60))" }, { sink: "out/mom.parquet" });
   * ```
   */
  static scan(
    source: string | readonly string[],
    options: ScanOptions = {},
  ): AggBar {
    const { chunk, metadata = {} } = checkOptions("scan", options, {
      chunk: true,
      metadata: true,
    });
    const chunkMs = chunk === undefined
      ? undefined
      : parseTimestep(chunk, "chunk");
    const paths = typeof source === "string"
      ? parquetFiles(source)
      : [...source];
    if (paths.length === 0) {
      throw new InvalidArgumentError(
        "source",
        source,
        "a directory holding *.parquet bar files, a file, or a non-empty list of them",
      );
    }
    return fromFiles(
      { paths, index: indexBarFiles(paths), chunkMs },
      metadata,
    );
  }

  /** Distinct symbols, sorted. */
  get symbols(): string[] {
    return [...this.#metadata.symbols];
  }

  /** Column names, in frame order. */
  get cols(): string[] {
    return this.#files ? [...this.#files.index.columns] : this.#df.columns;
  }

  /**
   * True when the bars stay in Parquet files ({@linkcode AggBar.scan}):
   * factors are computed a time chunk at a time.
   */
  get streamed(): boolean {
    return this.#files !== undefined;
  }

  /**
   * The bars as a reader of `end_time` spans (what chunked evaluation
   * reads).
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, close: 1 }]);
   * console.log(agg.rows().read({ from: 0, to: 60_001 }, ["close"]).height); // 1
   * ```
   */
  rows(): BarRows {
    return this.#files
      ? fileRows(this.#files.index, this.#files.keep, this.#files.chunkMs)
      : frameRows(this.#df);
  }

  /**
   * The first `n` rows (of the earliest times), read without reading the
   * rest when the bars stay in files.
   */
  head(n = 5): DataFrame {
    if (!this.#files) return this.#df.head(n);
    const rows = this.rows();
    if (rows.bounds === null) return this.#df.head(0);
    let span = 60_000;
    for (;;) {
      const from = rows.bounds.first;
      const frame = rows.read({ from, to: from + span }, this.cols);
      if (frame.height >= n || from + span > rows.bounds.last) {
        return frame.head(n).select(...this.cols);
      }
      span *= 4;
    }
  }

  /** Symbols, time range, row count and how the bars were built. */
  get metadata(): AggBarMetadata {
    return structuredClone(this.#metadata);
  }

  /** Number of rows (symbol × bar). */
  get length(): number {
    return this.#metadata.numRows;
  }

  /** Distinct `end_time` values (epoch ms), ascending. */
  get timestamps(): number[] {
    return this.#frame().getColumn("end_time").unique().sort()
      .toArray() as number[];
  }

  /**
   * Bars with `start_time` in `[start, end)` for the given symbols.
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([
   *   { symbol: "A", start_time: 0, end_time: 60_000, close: 1 },
   *   { symbol: "A", start_time: 60_000, end_time: 120_000, close: 2 },
   * ]);
   * console.log(agg.slice({ start: 60_000 }).length); // 1
   * ```
   */
  slice(options: SliceOptions = {}): AggBar {
    options = checkOptions("slice", options, SLICE_OPTIONS);
    let predicate = pl.lit(true);
    if (options.start !== undefined) {
      predicate = predicate.and(
        pl.col("start_time").gtEq(toEpochMs(options.start, "start")),
      );
    }
    if (options.end !== undefined) {
      predicate = predicate.and(
        pl.col("start_time").lt(toEpochMs(options.end, "end")),
      );
    }
    if (options.symbols !== undefined) {
      const wanted = typeof options.symbols === "string"
        ? [options.symbols]
        : options.symbols;
      if (
        !Array.isArray(wanted) || !wanted.every((s) => typeof s === "string")
      ) {
        throw new InvalidArgumentError(
          "symbols",
          options.symbols,
          "a symbol or an array of symbols",
        );
      }
      predicate = predicate.and(pl.col("symbol").isIn(wanted));
    }
    if (this.#files) {
      const keep = this.#files.keep
        ? this.#files.keep.and(predicate)
        : predicate;
      const { paths, chunkMs } = this.#files;
      return fromFiles(
        { paths, keep, index: indexBarFiles(paths, keep), chunkMs },
        this.#descriptive(),
      );
    }
    return new AggBar(this.#df.filter(predicate), this.#descriptive());
  }

  /**
   * One row per symbol: `symbol, num_kbar, start_time, end_time, num_nan`,
   * where `num_nan` counts bars with a null or NaN in any value column.
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: NaN }]);
   * console.log(agg.info().getColumn("num_nan").toArray()); // [1]
   * ```
   */
  info(): DataFrame {
    const summary = (frame: pl.LazyDataFrame, schema: pl.DataFrame) => {
      const bad = valueColumns(schema.columns).map((c) => {
        const col = pl.col(c);
        return schema.getColumn(c).isNumeric()
          ? col.isNull().or(col.isNan())
          : col.isNull();
      });
      const anyBad = bad.reduce((a, b) => a.or(b), pl.lit(false));
      return frame.groupBy("symbol").agg(
        pl.len().cast(pl.Int64).alias("num_kbar"),
        pl.col("start_time").min().alias("start_time"),
        pl.col("end_time").max().alias("end_time"),
        anyBad.cast(pl.Int64).sum().alias("num_nan"),
      );
    };
    if (!this.#files) {
      return displayFrame(
        summary(this.#df.lazy(), this.#df).sort("symbol").collectSync(),
      );
    }
    // File by file, then combined: never more than one file in memory.
    const { paths, keep } = this.#files;
    const schema = this.head(0);
    const parts = paths.map((path, i) => {
      collectBetweenFiles(i);
      const scan = scanParquetFile(path);
      return summary(keep ? scan.filter(keep) : scan, schema).collectSync();
    });
    return displayFrame(
      pl.concat(parts, { how: "vertical" }).lazy().groupBy("symbol").agg(
        pl.col("num_kbar").sum(),
        pl.col("start_time").min(),
        pl.col("end_time").max(),
        pl.col("num_nan").sum(),
      ).sort("symbol").collectSync(),
    );
  }

  /**
   * The underlying DataFrame (sorted by end_time, symbol). Bars kept in
   * files ({@linkcode AggBar.scan}) are read whole, with a warning that
   * says how many rows.
   */
  toPolars(): DataFrame {
    return this.#frame();
  }

  /** Row objects with times as epoch-ms numbers (for small frames). */
  toRecords(): Record<string, unknown>[] {
    return this.#frame().toRecords();
  }

  /**
   * Writes the bars to a Parquet file atomically (temporary file, then
   * rename).
   */
  async writeParquet(path: string): Promise<void> {
    await writeAtomic(
      path,
      (tmp) => this.#frame().writeParquet(tmp, { compression: "zstd" }),
    );
  }

  /** A readable summary: shape, symbols, time range, bar spec and the first rows. */
  toString(): string {
    const m = this.#metadata;
    const range = m.minTime === null
      ? "no bars"
      : `${isoMinute(m.minTime)} → ${isoMinute(m.maxTime!)}`;
    const shown = m.symbols.slice(0, 8).join(", ") +
      (m.symbols.length > 8 ? `, … (${m.symbols.length})` : "");
    const bar = m.bar ? `, bar ${formatBarSpec(m.bar)}` : "";
    const kept = this.#files
      ? `, in ${this.#files.index.files.length} Parquet file(s)`
      : "";
    return `AggBar ${this.length} rows × ${this.cols.length} cols, ${m.symbols.length} symbol(s) [${shown}], ${range} UTC${bar}${kept}\n${
      frameText(this.head(5))
    }`;
  }

  /**
   * A chart of the bars: `candles` of one symbol, a `line` per symbol
   * (normalised to the first value when there are several), or `volume`.
   * Large frames are bucketed along time to `maxPoints` and the subtitle
   * says so. Displays inline in Jupyter; `.save("x.svg" | "x.html")`.
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([
   *   { symbol: "A", start_time: 0, end_time: 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 },
   * ]);
   * console.log(agg.plot({ kind: "candles" }).toSVG().startsWith("<svg")); // true
   * ```
   */
  plot(options: BarChartOptions = {}): Chart {
    return plotBars(this.#frame(), this.symbols, options);
  }

  /** Deno's console shows the summary. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Jupyter shows shape, symbols, time range, bar spec and the info table. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return aggBarBundle(this);
  }

  /** The bars as one frame: read from the files when they stay there. */
  #frame(): pl.DataFrame {
    if (!this.#files) return this.#df;
    const rows = this.rows();
    console.warn(
      `factorium: reading all ${rows.numRows} rows of an AggBar kept in ${this.#files.index.files.length} Parquet file(s) into memory (about ${
        Math.ceil(rows.numRows * rows.columns.length * 8 / 2 ** 20)
      } MiB)`,
    );
    return rows.read({ from: -Infinity, to: Infinity }, rows.columns)
      .select(...rows.columns);
  }

  static {
    fromFiles = (files, metadata) => {
      const { index } = files;
      // No rows, the files' own schema: what `head(0)` gives when no span
      // holds a row.
      const schema = scanParquetFile(files.paths[0]).head(0).collectSync();
      const agg = new AggBar(schema, metadata);
      agg.#files = files;
      let minTime = Infinity, maxTime = -Infinity, numRows = 0;
      for (const bounds of index.symbols.values()) {
        minTime = Math.min(minTime, bounds.start);
        maxTime = Math.max(maxTime, bounds.last);
        numRows += bounds.rows;
      }
      agg.#metadata = {
        ...agg.#metadata,
        symbols: [...index.symbols.keys()].sort(),
        minTime: numRows === 0 ? null : minTime,
        maxTime: numRows === 0 ? null : maxTime,
        numRows,
      };
      return agg;
    };
  }

  #descriptive(): Partial<AggBarMetadata> {
    const { bar, exchange, market, dataType } = this.#metadata;
    return { bar, exchange, market, dataType };
  }
}

/**
 * Every `*.parquet` file below `dir` (hidden files skipped), sorted; a
 * path that is a file is itself.
 */
function parquetFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of Deno.readDirSync(at)) {
      if (entry.name.startsWith(".")) continue;
      const path = `${at}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && entry.name.endsWith(".parquet")) {
        found.push(path);
      }
    }
  };
  try {
    if (Deno.statSync(dir).isFile) return [dir];
    walk(dir.replace(/\/+$/, ""));
  } catch (error) {
    throw new InvalidArgumentError(
      "source",
      dir,
      `a readable directory of *.parquet bar files, or one such file (${
        (error as Error).message
      })`,
    );
  }
  return found.sort();
}

function normaliseKeys(df: pl.DataFrame): pl.DataFrame {
  const casts = [...TIME_COLUMNS].map((name) => {
    const dtype = df.getColumn(name).dtype;
    if (dtype.equals(pl.Int64)) return pl.col(name);
    if (dtype.variant === "Datetime") {
      return pl.col(name).cast(pl.Datetime("ms")).cast(pl.Int64).alias(name);
    }
    if (!df.getColumn(name).isNumeric()) {
      throw new InvalidArgumentError(
        name,
        String(dtype),
        "integer epoch milliseconds or a Datetime column",
      );
    }
    return pl.col(name).cast(pl.Int64);
  });
  const symbol = df.getColumn("symbol").dtype.equals(pl.Utf8)
    ? pl.col("symbol")
    : pl.col("symbol").cast(pl.Utf8);
  return df.withColumns(...casts, symbol);
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
