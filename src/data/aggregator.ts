/**
 * BarAggregator: turns tick (or kline) Parquet files into bars inside DuckDB.
 * Tick data never becomes JS objects: time bars are one SQL aggregation
 * written straight to Parquet; tick/volume/dollar bars need a sequential pass
 * (each bar restarts from zero), so the ordered prices and quantities stream
 * through typed arrays chunk by chunk.
 *
 * @module
 */
import {
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBVector,
  listValue,
} from "@duckdb/node-api";
import pl from "nodejs-polars";
import {
  type KlineMapping,
  type TickMapping,
  timeToMsSql,
} from "./adapters/adapter.ts";
import type { BarSpec } from "./bar_spec.ts";
import { DataFileError, firstLine } from "../errors.ts";
import { DAY_MS } from "../time.ts";
import {
  addLimbs,
  decimalPartsSql,
  decimalScaleColumnSql,
  decimalUnitsSql,
  limbsAtLeast,
  limbsToNumber,
  PRICE_DECIMALS,
  QUANTITY_DECIMALS,
  thresholdLimbs,
  unitsToDoubleSql,
  VALUE_DECIMALS,
} from "./exact_units.ts";

/** Columns of every bar frame, in order. */
export const BAR_COLUMNS = [
  "symbol",
  "start_time",
  "end_time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "vwap",
  "trades",
] as const;

/** The optional taker buy/sell columns (buyer = taker bought). */
export const BUYER_SELLER_COLUMNS = [
  "num_buyer",
  "num_seller",
  "num_buyer_volume",
  "num_seller_volume",
] as const;

/** Every column a bar frame is built and cached with, in order. */
export const BAR_FRAME_COLUMNS: readonly string[] = [
  ...BAR_COLUMNS,
  ...BUYER_SELLER_COLUMNS,
];

const INTEGER_COLUMNS = new Set([
  "start_time",
  "end_time",
  "trades",
  "num_buyer",
  "num_seller",
]);

/**
 * A bar frame with no rows and every column of {@linkcode BAR_FRAME_COLUMNS}
 * at its proper type.
 */
export function emptyBars(): pl.DataFrame {
  return pl.DataFrame(
    BAR_FRAME_COLUMNS.map((name) =>
      pl.Series(
        name,
        [],
        name === "symbol"
          ? pl.Utf8
          : INTEGER_COLUMNS.has(name)
          ? pl.Int64
          : pl.Float64,
      )
    ),
  );
}

/** What the source files hold and how their columns map. */
export type BarSource =
  | { kind: "ticks"; mapping: TickMapping }
  | { kind: "klines"; mapping: KlineMapping };

/** Source files whose rows with `lo <= time < hi` (epoch ms) are used. */
export interface SourceRun {
  /** Parquet files in the Hive layout (the `symbol=` path segment names the symbol). */
  files: string[];
  /** Inclusive lower time bound, epoch ms. */
  lo: number;
  /** Exclusive upper time bound, epoch ms. */
  hi: number;
}

/** Where {@linkcode BarAggregator.writeTimeBars} puts its result. */
export type BarTarget =
  | { file: string }
  | { partitionedDir: string };

const READ_OPTIONS =
  "hive_partitioning = true, hive_types_autocast = false, union_by_name = true";

/**
 * Runs the bar SQL on one DuckDB connection and counts the aggregation
 * queries it ran (`queries`), which tests use to prove cache hits.
 *
 * @example
 * ```ts ignore
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { BarAggregator } from "./aggregator.ts";
 * const db = await DuckDBInstance.create(":memory:");
 * const aggregator = new BarAggregator(await db.connect());
 * ```
 */
export class BarAggregator {
  #connection: DuckDBConnection;
  /** Number of aggregation queries run so far. */
  queries = 0;

  /** Wraps an open DuckDB connection. */
  constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  /**
   * Checks that every file is readable Parquet holding the `required`
   * columns; throws {@linkcode DataFileError} naming the first bad file.
   */
  async checkFiles(
    files: string[],
    required: readonly string[],
  ): Promise<void> {
    if (files.length === 0) return;
    let rows: Record<string, DuckDBValue>[];
    try {
      const reader = await this.#connection.runAndReadAll(
        "SELECT file_name, list(name) AS names FROM parquet_schema($files) GROUP BY file_name",
        { files: listValue(files) },
      );
      rows = reader.getRowObjectsJS() as Record<string, DuckDBValue>[];
    } catch (error) {
      throw await this.#unreadableFile(files, error);
    }
    const columns = new Map(
      rows.map((
        r,
      ) => [String(r.file_name), new Set(r.names as unknown as string[])]),
    );
    for (const file of files) {
      const have = columns.get(file) ?? new Set<string>();
      const missing = required.find((c) => !have.has(c));
      if (missing !== undefined) {
        throw new DataFileError(
          file,
          `lacks required column '${missing}' (expected columns: ${
            required.join(", ")
          })`,
          { column: missing },
        );
      }
    }
  }

  async #unreadableFile(
    files: string[],
    error: unknown,
  ): Promise<DataFileError> {
    for (const file of files) {
      try {
        await this.#connection.run("SELECT 1 FROM parquet_schema($file)", {
          file,
        });
      } catch (fileError) {
        return new DataFileError(
          file,
          `is not a readable Parquet file (${firstLine(fileError)})`,
          { cause: fileError },
        );
      }
    }
    return new DataFileError(files[0], firstLine(error), { cause: error });
  }

  /**
   * How many rows `files` hold and the first and last of their times (epoch
   * ms, as the source's timestamp unit reads them); for error messages.
   */
  async timeSpan(
    source: BarSource,
    files: string[],
  ): Promise<{ rows: number; min: number; max: number }> {
    const reader = await this.#connection.runAndReadAll(
      `SELECT count(*)::DOUBLE, coalesce(min(ts), 0)::DOUBLE, coalesce(max(ts), 0)::DOUBLE FROM (${
        selectSource(source, "$files")
      })`,
      { files: listValue(files) },
    );
    const [rows, min, max] = reader.getRows()[0].map(Number);
    return { rows, min, max };
  }

  /**
   * Aggregates time bars of `intervalMs` over the runs and writes them as
   * Parquet: to one file, or partitioned by symbol and UTC day of
   * `start_time` under a directory (`part=S/day=N/*.parquet`, N = days
   * since the epoch; the files hold exactly the bar columns), which is how
   * the cache is filled in one query.
   */
  async writeTimeBars(
    source: BarSource,
    runs: SourceRun[],
    intervalMs: number,
    target: BarTarget,
  ): Promise<void> {
    const params: Record<string, DuckDBValue> = { interval: intervalMs };
    const union = runs.map((run, i) => {
      params[`files${i}`] = listValue(run.files);
      params[`lo${i}`] = run.lo;
      params[`hi${i}`] = run.hi;
      return `SELECT * FROM (${
        selectSource(source, `$files${i}`)
      }) WHERE ts >= $lo${i} AND ts < $hi${i}`;
    }).join("\nUNION ALL\n");
    const bars = timeBarSql(source, union);
    const sql = "file" in target
      ? `COPY (${bars}) TO ${
        sqlString(target.file)
      } (FORMAT parquet, COMPRESSION zstd)`
      : `COPY (SELECT *, symbol AS part, start_time // ${DAY_MS} AS day FROM (${bars})) TO ${
        sqlString(target.partitionedDir)
      } (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part, day))`;
    this.queries++;
    try {
      await this.#connection.run(sql, params);
    } catch (error) {
      const files = runs.flatMap((run) => run.files);
      throw new DataFileError(
        files[0],
        `could not be aggregated (with ${files.length - 1} other file(s)): ${
          firstLine(error)
        }`,
        { cause: error },
      );
    }
  }

  /**
   * Tick, volume or dollar bars of one symbol: the ticks of `run` in trade
   * order (id, then time) stream through typed arrays; a bar closes on the
   * trade that reaches the threshold and the next starts from zero. A final
   * incomplete bar is kept. `start_time`/`end_time` are the first and last
   * trade times.
   */
  async sequentialBars(
    mapping: TickMapping,
    run: SourceRun,
    symbol: string,
    spec: Exclude<BarSpec, { type: "time" }>,
  ): Promise<pl.DataFrame> {
    // Quantities (1e-8 units) and traded values (1e-20 units) arrive as
    // base-1e10 limbs, exact integers in doubles (see exact_units.ts).
    const limbs = (x: string) =>
      `CAST(${x} // 100000000000000000000 AS DOUBLE), CAST((${x} // 10000000000) % 10000000000 AS DOUBLE), CAST(${x} % 10000000000 AS DOUBLE)`;
    const select = `SELECT CAST(id AS DOUBLE), CAST(ts AS DOUBLE), price,
        coalesce(CAST(ibm AS UTINYINT), 2),
        CAST(q_whole // 1000000000000 AS DOUBLE), CAST((q_whole // 100) % 10000000000 AS DOUBLE),
        CAST((q_whole % 100) * 100000000 + q_units AS DOUBLE),
        ${limbs("p * (CAST(q_whole AS HUGEINT) * 100000000 + q_units)")}
      FROM (${
      tickUnitsSql(
        `SELECT * FROM (${
          selectSource({ kind: "ticks", mapping }, "$files")
        }) WHERE ts >= $lo AND ts < $hi`,
      )
    })`;
    // Exchanges write each day's file in trade order and the files come in
    // day order, so a plain scan (DuckDB keeps file order) usually is in
    // trade order already: stream it, and sort only if the order breaks.
    return await this.#streamBars(select, run, symbol, spec, true) ??
      (await this.#streamBars(
        `${select} ORDER BY id, ts`,
        run,
        symbol,
        spec,
        false,
      ))!;
  }

  async #streamBars(
    sql: string,
    run: SourceRun,
    symbol: string,
    spec: Exclude<BarSpec, { type: "time" }>,
    checkOrder: boolean,
  ): Promise<pl.DataFrame | undefined> {
    this.queries++;
    const result = await this.#connection.stream(sql, {
      files: listValue(run.files),
      lo: run.lo,
      hi: run.hi,
    });
    const bars = new SequentialBars(spec, symbol, run.files);
    for (
      let chunk = await result.fetchChunk();
      chunk !== null && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      const column = (i: number) =>
        vectorItems(chunk.getColumnVector(i), Float64Array);
      const inOrder = bars.add(
        column(0),
        column(1),
        column(2),
        vectorItems(chunk.getColumnVector(3), Uint8Array),
        [column(4), column(5), column(6)],
        [column(7), column(8), column(9)],
      );
      if (checkOrder && !inOrder) return undefined;
    }
    return bars.toFrame(symbol);
  }
}

/** Normalised rows `symbol, id, ts (ms), price, qty, ibm` of one source. */
function selectSource(source: BarSource, filesParam: string): string {
  const from = `read_parquet(${filesParam}, ${READ_OPTIONS})`;
  if (source.kind === "ticks") {
    const m = source.mapping;
    return `SELECT symbol, CAST(${m.id} AS BIGINT) AS id, ${
      timeToMsSql(m.time, m.timeUnit)
    } AS ts, CAST(${m.price} AS DOUBLE) AS price, CAST(${m.quantity} AS DOUBLE) AS qty, CAST(${m.isBuyerMaker} AS BOOLEAN) AS ibm
      FROM ${from} WHERE ${m.price} IS NOT NULL AND ${m.quantity} IS NOT NULL`;
  }
  const m = source.mapping;
  return `SELECT symbol, ${
    timeToMsSql(m.openTime, m.timeUnit)
  } AS ts, CAST(${m.open} AS DOUBLE) AS open, CAST(${m.high} AS DOUBLE) AS high,
    CAST(${m.low} AS DOUBLE) AS low, CAST(${m.close} AS DOUBLE) AS close, CAST(${m.volume} AS DOUBLE) AS volume,
    CAST(${m.quoteVolume} AS DOUBLE) AS quote_volume, CAST(${m.trades} AS BIGINT) AS trades,
    CAST(${m.takerBuyVolume} AS DOUBLE) AS taker_buy_volume FROM ${from}`;
}

/**
 * Rows of `rows` (which has `price`, `qty`) with the exact decimal parts of
 * each: `q_whole`, `q_units` (quantity = q_whole + q_units × 1e-8) and `p`,
 * the price in 1e-12 units (HUGEINT). See `exact_units.ts`.
 */
function tickUnitsSql(rows: string): string {
  return `SELECT *, CAST(p_whole AS HUGEINT) * ${
    10n ** BigInt(PRICE_DECIMALS)
  } + p_units AS p FROM (
    SELECT *, ${decimalPartsSql("qty", "q", QUANTITY_DECIMALS)}, ${
    decimalPartsSql("price", "p", PRICE_DECIMALS)
  } FROM (
      SELECT *, ${decimalScaleColumnSql("qty", "q", QUANTITY_DECIMALS)}, ${
    decimalScaleColumnSql("price", "p", PRICE_DECIMALS)
  } FROM (${rows})))`;
}

/**
 * Time bars with exact sums, deterministic whatever DuckDB's thread order:
 * quantities and traded values are summed as integers (HUGEINT) of 1e-8
 * quantity units and 1e-20 value units (price in 1e-12 units times quantity
 * in 1e-8 units, split as `price × whole quantity` and `price × fraction`
 * so that neither sum can pass HUGEINT's 1.7e38 within the bounds below),
 * and each sum becomes the double nearest to its decimal value. A bar whose
 * sums could pass those bounds (trades × (high + 1) × (largest quantity + 1)
 * ≥ 1e26, or trades × (high + 1) ≥ 1e17, or trades × (largest quantity + 1)
 * ≥ 1e29) fails the query rather than wrap around.
 */
function timeBarSql(source: BarSource, rows: string): string {
  const bucket =
    "(ts // CAST($interval AS BIGINT)) * CAST($interval AS BIGINT)";
  const quantity = (units: string) =>
    unitsToDoubleSql(units, QUANTITY_DECIMALS);
  const unit = 10n ** BigInt(QUANTITY_DECIMALS);
  if (source.kind === "ticks") {
    const units = (filter: string) =>
      `coalesce(sum(q_whole) ${filter} * ${unit} + sum(q_units) ${filter}, 0)`;
    return `SELECT symbol, start_time, end_time, open, high, low, close,
      ${quantity("q")} AS volume,
      CASE WHEN trades * (high + 1) * (max_qty + 1) >= 1e26 OR trades * (high + 1) >= 1e17
        OR trades * (max_qty + 1) >= 1e29
      THEN error('the ' || symbol || ' bar starting at ' || start_time || ' ms trades too much to sum exactly (more than 1e26 in value or 1e29 in quantity)')
      ELSE (CAST(a AS DOUBLE) * ${unit} + CAST(b AS DOUBLE)) / nullif(CAST(q AS DOUBLE) * ${
      10n ** BigInt(PRICE_DECIMALS)
    }, 0) END AS vwap,
      trades, num_buyer, num_seller, ${quantity("buy")} AS num_buyer_volume,
      ${quantity("sell")} AS num_seller_volume
    FROM (
      SELECT symbol, ${bucket} AS start_time, ${bucket} + CAST($interval AS BIGINT) AS end_time,
        arg_min(price, id) AS open, max(price) AS high, min(price) AS low, arg_max(price, id) AS close,
        ${units("")} AS q, sum(p * q_whole) AS a, sum(p * q_units) AS b,
        count(*) AS trades, max(qty) AS max_qty,
        count(*) FILTER (WHERE s = 0) AS num_buyer, count(*) FILTER (WHERE s = 1) AS num_seller,
        ${units("FILTER (WHERE s = 0)")} AS buy, ${
      units("FILTER (WHERE s = 1)")
    } AS sell
      FROM (${
      tickUnitsSql(
        `SELECT symbol, id, ts, price, qty, CAST(ibm AS BIGINT) AS s FROM (${rows})`,
      )
    }) GROUP BY symbol, start_time)`;
  }
  const units = (column: string) =>
    `sum(${decimalUnitsSql(column, QUANTITY_DECIMALS)})`;
  return `SELECT symbol, start_time, end_time, open, high, low, close,
      ${
    quantity("v")
  } AS volume, CAST(qv AS DOUBLE) / nullif(CAST(v AS DOUBLE), 0) AS vwap,
      trades, CAST(NULL AS BIGINT) AS num_buyer, CAST(NULL AS BIGINT) AS num_seller,
      ${quantity("buy")} AS num_buyer_volume, ${
    quantity("v - buy")
  } AS num_seller_volume
    FROM (
      SELECT symbol, ${bucket} AS start_time, ${bucket} + CAST($interval AS BIGINT) AS end_time,
        arg_min(open, ts) AS open, max(high) AS high, min(low) AS low, arg_max(close, ts) AS close,
        ${units("volume")} AS v, ${units("quote_volume")} AS qv,
        CAST(sum(trades) AS BIGINT) AS trades, ${
    units("taker_buy_volume")
  } AS buy
      FROM (${rows}) GROUP BY symbol, start_time)`;
}

/** Offsets of the exact sums in {@linkcode SequentialBars}' limbs. */
const VOLUME = 0, VALUE = 3, BUY_VOLUME = 6, SELL_VOLUME = 9;

/**
 * Accumulates sequential bars from ordered tick chunks. Quantities and
 * traded values are summed exactly (base-1e10 limbs of 1e-8 and 1e-20
 * units), and volume and dollar thresholds are compared in the same units,
 * so a bar closes on exactly the trade whose decimal sum reaches the
 * threshold.
 */
class SequentialBars {
  #spec: Exclude<BarSpec, { type: "time" }>;
  #symbol: string;
  #files: string[];
  #threshold: Float64Array;
  #out = Object.fromEntries(
    BAR_FRAME_COLUMNS.filter((c) => c !== "symbol")
      .map((c) => [c, [] as number[]]),
  ) as Record<string, number[]>;
  // State of the open bar; `count === 0` means no bar is open.
  #count = 0;
  #lastId = -Infinity;
  #start = 0;
  #end = 0;
  #open = 0;
  #high = 0;
  #low = 0;
  #close = 0;
  #sums = new Float64Array(12);
  #buyers = 0;
  #sellers = 0;

  constructor(
    spec: Exclude<BarSpec, { type: "time" }>,
    symbol: string,
    files: string[],
  ) {
    this.#spec = spec;
    this.#symbol = symbol;
    this.#files = files;
    this.#threshold = spec.type === "volume"
      ? thresholdLimbs(spec.volume, QUANTITY_DECIMALS)
      : spec.type === "dollar"
      ? thresholdLimbs(spec.dollars, VALUE_DECIMALS)
      : new Float64Array(3);
  }

  /**
   * Adds a chunk of ticks, quantities and traded values as limbs (high,
   * middle, low); returns false (and stops) at the first tick that comes
   * before its predecessor in (id, time) order.
   */
  add(
    id: Float64Array,
    time: Float64Array,
    price: Float64Array,
    isBuyerMaker: Uint8Array,
    [qh, qm, ql]: Float64Array[],
    [vh, vm, vl]: Float64Array[],
  ): boolean {
    const spec = this.#spec, sums = this.#sums, threshold = this.#threshold;
    for (let i = 0; i < time.length; i++) {
      if (
        id[i] < this.#lastId || (id[i] === this.#lastId && time[i] < this.#end)
      ) return false;
      this.#lastId = id[i];
      const p = price[i];
      if (this.#count === 0) {
        this.#start = time[i];
        this.#open = this.#high = this.#low = p;
        sums.fill(0);
        this.#buyers = this.#sellers = 0;
      }
      this.#count++;
      this.#end = time[i];
      this.#close = p;
      if (p > this.#high) this.#high = p;
      if (p < this.#low) this.#low = p;
      addLimbs(sums, VOLUME, qh[i], qm[i], ql[i]);
      addLimbs(sums, VALUE, vh[i], vm[i], vl[i]);
      if (isBuyerMaker[i] === 0) {
        this.#buyers++;
        addLimbs(sums, BUY_VOLUME, qh[i], qm[i], ql[i]);
      } else if (isBuyerMaker[i] === 1) {
        this.#sellers++;
        addLimbs(sums, SELL_VOLUME, qh[i], qm[i], ql[i]);
      }
      const full = spec.type === "tick"
        ? this.#count >= spec.ticks
        : limbsAtLeast(
          sums,
          spec.type === "volume" ? VOLUME : VALUE,
          threshold,
          0,
        );
      if (full) this.#flush();
    }
    return true;
  }

  #quantity(at: number): number {
    const value = limbsToNumber(this.#sums, at, QUANTITY_DECIMALS);
    if (value === undefined) throw this.#tooLarge();
    return value;
  }

  #tooLarge(): DataFileError {
    return new DataFileError(
      this.#files[0],
      `the ${this.#symbol} bar starting at ${
        new Date(this.#start).toISOString()
      } trades too much to sum exactly (9e15 in value or 9e27 in quantity; files: ${
        this.#files.join(", ")
      })`,
    );
  }

  #flush(): void {
    const o = this.#out;
    const volume = this.#quantity(VOLUME);
    const value = limbsToNumber(this.#sums, VALUE, VALUE_DECIMALS);
    if (value === undefined) throw this.#tooLarge();
    o.start_time.push(this.#start);
    o.end_time.push(this.#end);
    o.open.push(this.#open);
    o.high.push(this.#high);
    o.low.push(this.#low);
    o.close.push(this.#close);
    o.volume.push(volume);
    o.vwap.push(volume > 0 ? value / volume : NaN);
    o.trades.push(this.#count);
    o.num_buyer.push(this.#buyers);
    o.num_seller.push(this.#sellers);
    o.num_buyer_volume.push(this.#quantity(BUY_VOLUME));
    o.num_seller_volume.push(this.#quantity(SELL_VOLUME));
    this.#count = 0;
  }

  toFrame(symbol: string): pl.DataFrame {
    if (this.#count > 0) this.#flush();
    const columns = Object.entries(this.#out).map(([name, values]) => {
      const series = pl.Series(name, Float64Array.from(values));
      return INTEGER_COLUMNS.has(name) ? series.cast(pl.Int64) : series;
    });
    const n = this.#out.start_time.length;
    return pl.DataFrame([
      pl.Series("symbol", new Array<string>(n).fill(symbol), pl.Utf8),
      ...columns,
    ]).withColumn(
      pl.when(pl.col("vwap").isNan()).then(pl.lit(null)).otherwise(
        pl.col("vwap"),
      ).alias("vwap"),
    );
  }
}

/**
 * The typed array a DuckDB vector wraps, without copying. The node client
 * keeps it in a private `items` field (no public accessor in 1.5.5), so check
 * its type rather than trust it.
 */
function vectorItems<T extends Float64Array | Uint8Array>(
  vector: DuckDBVector,
  type: { new (length: number): T; name: string },
): T {
  const items = (vector as unknown as { items?: unknown }).items;
  if (!(items instanceof type)) {
    throw new TypeError(`DuckDB vector does not hold a ${type.name}`);
  }
  return items;
}

/**
 * A single-quoted SQL string literal, for text we built ourselves (paths,
 * adapter column names); user values are bound as parameters instead.
 *
 * @example
 * ```ts
 * import { sqlString } from "./aggregator.ts";
 * console.log(sqlString("it's")); // 'it''s'
 * ```
 */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
