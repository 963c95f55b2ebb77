/**
 * AggBar: multi-symbol bars in long format (one row per symbol and bar),
 * held as a Polars DataFrame sorted by (end_time, symbol).
 *
 * @module
 */
import pl from "nodejs-polars";
import { type DataFrame, isDataFrame } from "./polars.ts";
import { writeAtomic } from "./atomic.ts";
import { InvalidArgumentError } from "./errors.ts";
import { type AggBarMetadata, computeMetadata } from "./data/metadata.ts";
import { type TimeInput, toEpochMs } from "./time.ts";
import { columnFactor, computeFactors, type Factor } from "./factor/factor.ts";
import { type FormulaOptions, parseFormula } from "./factor/formula.ts";
import { KEY_COLUMNS, valueColumns } from "./factor/base.ts";
import { type BarChartOptions, type Chart, plotBars } from "./display/plot.ts";
import { aggBarBundle, type MimeBundle } from "./display/jupyter.ts";
import { displayFrame, frameText } from "./display/frame.ts";
import { formatBarSpec } from "./data/bar_spec.ts";
import { checkOptions, type OptionNames } from "./options.ts";

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

  /** Distinct symbols, sorted. */
  get symbols(): string[] {
    return [...this.#metadata.symbols];
  }

  /** Column names, in frame order. */
  get cols(): string[] {
    return this.#df.columns;
  }

  /** Symbols, time range, row count and how the bars were built. */
  get metadata(): AggBarMetadata {
    return structuredClone(this.#metadata);
  }

  /** Number of rows (symbol × bar). */
  get length(): number {
    return this.#df.height;
  }

  /** Distinct `end_time` values (epoch ms), ascending. */
  get timestamps(): number[] {
    return this.#df.getColumn("end_time").unique().sort().toArray() as number[];
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
    return new AggBar(this.#df.filter(predicate), this.#descriptive());
  }

  /**
   * The factor of a value column (Float64; NaN and infinities read as
   * null). Unknown or non-numeric columns raise an
   * {@linkcode InvalidArgumentError} that lists the columns.
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 1 }]);
   * console.log(agg.get("close").tsMean(20).name); // ts_mean(close,20)
   * ```
   */
  get(column: string): Factor {
    return columnFactor(this, column);
  }

  /**
   * Parses a formula over this AggBar's columns, e.g.
   * `"cs_rank(ts_mean(close, 20)) - 0.5"` or a 101-Alphas expression such
   * as `"-1 * correlation(rank(open), rank(volume), 10)"`. Errors are
   * {@linkcode FormulaError}s showing the position. `options.adv` picks
   * the reading of `adv{d}` (dollar volume by default, or volume units).
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 1, close: 1 }]);
   * console.log(agg.factor("rank(delta(close, 5))").name); // cs_rank(ts_delta(close,5))
   * ```
   */
  factor(formula: string, options?: FormulaOptions): Factor {
    return parseFormula(formula, this, options);
  }

  /**
   * Evaluates many factors (Factor objects or formulas) in one pass: one
   * frame `start_time, end_time, symbol` plus a Float64 column per name,
   * sorted like the bars. Sub-expressions the factors share are computed
   * once. `options` apply to the formulas (see {@linkcode AggBar.factor}).
   *
   * @example
   * ```ts
   * import { AggBar } from "./aggbar.ts";
   * const agg = AggBar.fromRecords([
   *   { symbol: "A", start_time: 0, end_time: 1, close: 1, volume: 5 },
   *   { symbol: "B", start_time: 0, end_time: 1, close: 2, volume: 3 },
   * ]);
   * const frame = await agg.compute({ price: "rank(close)", flow: agg.get("volume").csRank() });
   * console.log(frame.columns); // ["start_time", "end_time", "symbol", "price", "flow"]
   * ```
   */
  // deno-lint-ignore require-await
  async compute(
    factors: Record<string, Factor | string>,
    options?: FormulaOptions,
  ): Promise<DataFrame> {
    if (factors === null || typeof factors !== "object") {
      throw new InvalidArgumentError(
        "factors",
        factors,
        "an object mapping names to Factors or formulas",
      );
    }
    const parsed = Object.fromEntries(
      Object.entries(factors).map((
        [name, f],
      ) => [name, typeof f === "string" ? this.factor(f, options) : f]),
    );
    return displayFrame(computeFactors(parsed));
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
    const values = valueColumns(this.#df.columns);
    const bad = values.map((c) => {
      const col = pl.col(c);
      return this.#df.getColumn(c).isNumeric()
        ? col.isNull().or(col.isNan())
        : col.isNull();
    });
    const anyBad = bad.reduce((a, b) => a.or(b), pl.lit(false));
    return displayFrame(
      this.#df.lazy()
        .groupBy("symbol")
        .agg(
          pl.len().cast(pl.Int64).alias("num_kbar"),
          pl.col("start_time").min().alias("start_time"),
          pl.col("end_time").max().alias("end_time"),
          anyBad.cast(pl.Int64).sum().alias("num_nan"),
        )
        .sort("symbol")
        .collectSync(),
    );
  }

  /** The underlying DataFrame (sorted by end_time, symbol). */
  toPolars(): DataFrame {
    return this.#df;
  }

  /** Row objects with times as epoch-ms numbers (for small frames). */
  toRecords(): Record<string, unknown>[] {
    return this.#df.toRecords();
  }

  /**
   * Writes the bars to a Parquet file atomically (temporary file, then
   * rename).
   */
  async writeParquet(path: string): Promise<void> {
    await writeAtomic(
      path,
      (tmp) => this.#df.writeParquet(tmp, { compression: "zstd" }),
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
    return `AggBar ${this.length} rows × ${this.cols.length} cols, ${m.symbols.length} symbol(s) [${shown}], ${range} UTC${bar}\n${
      frameText(this.#df.head(5))
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
    return plotBars(this.#df, this.symbols, options);
  }

  /** Deno's console shows the summary. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Jupyter shows shape, symbols, time range, bar spec and the info table. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return aggBarBundle(this);
  }

  #descriptive(): Partial<AggBarMetadata> {
    const { bar, exchange, market, dataType } = this.#metadata;
    return { bar, exchange, market, dataType };
  }
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
