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
import type pl from "nodejs-polars";
import {
  type KlineMapping,
  type TickMapping,
  timeToMsSql,
} from "./adapters/adapter.ts";
import type { BarSpec } from "./bar_spec.ts";
import { DataFileError, firstLine } from "../errors.ts";
import {
  BOOLEAN,
  checkSourceFiles,
  type ColumnType,
  EPOCH_TIME,
  INTEGER,
  NUMBER,
  type SourceColumns,
} from "./source_check.ts";
import { DAY_MS, MAX_EPOCH_MS } from "../time.ts";
import {
  decimalUnitsSql,
  PRICE_DECIMALS,
  QUANTITY_DECIMALS,
  tickPartsSql,
  unitsToDoubleSql,
} from "./exact_units.ts";
import { SequentialBars } from "./sequential_bars.ts";

export {
  BAR_COLUMNS,
  BAR_FRAME_COLUMNS,
  BUYER_SELLER_COLUMNS,
  emptyBars,
} from "./bar_columns.ts";

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
  /**
   * Leave out rows whose price or quantity is NaN or ±Infinity; otherwise
   * such a row fails the aggregation with a {@linkcode DataFileError}
   * naming the file and the number of such rows. @default false
   */
  dropBadRows?: boolean;
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
   * Checks every file's footer before it is aggregated: readable Parquet,
   * the `required` columns at types the mapping can read, and times within
   * the file's own Hive day (see {@linkcode checkSourceFiles}).
   */
  async checkFiles(
    source: BarSource,
    files: string[],
    required: readonly string[],
  ): Promise<void> {
    await checkSourceFiles(
      this.#connection,
      files,
      sourceColumns(source, required),
    );
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
        selectSource(source, `$files${i}`, run.dropBadRows)
      }) WHERE ts >= $lo${i} AND ts < $hi${i}`;
    }).join("\nUNION ALL\n");
    // NaN in a kline passes through the aggregation: refuse it first.
    if (source.kind === "klines") {
      for (const run of runs.filter((r) => !r.dropBadRows)) {
        if ((await this.countBadRows(source, run)) > 0) {
          throw await this.#failure(source, run.files, undefined);
        }
      }
    }
    const copy = (tiedIds: boolean) => {
      const bars = timeBarSql(source, union, tiedIds);
      return "file" in target
        ? `COPY (${bars}) TO ${
          sqlString(target.file)
        } (FORMAT parquet, COMPRESSION zstd)`
        : `COPY (SELECT *, symbol AS part, start_time // ${DAY_MS} AS day FROM (${bars})) TO ${
          sqlString(target.partitionedDir)
        } (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part, day))`;
    };
    this.queries++;
    try {
      try {
        await this.#connection.run(copy(false), params);
      } catch (error) {
        if (!String(error).includes(TIED_IDS)) throw error;
        await clearTarget(target);
        this.queries++;
        await this.#connection.run(copy(true), params);
      }
    } catch (error) {
      throw await this.#failure(
        source,
        runs.flatMap((run) => run.files),
        error,
      );
    }
  }

  /**
   * How many rows of `files` with `lo <= time < hi` have a number that is
   * NaN or ±Infinity: a tick's price or quantity, a kline's prices or
   * volumes.
   */
  async countBadRows(source: BarSource, run: SourceRun): Promise<number> {
    if (run.files.length === 0) return 0;
    const reader = await this.#connection.runAndReadAll(
      `SELECT count(*)::DOUBLE FROM (${
        selectSource(source, "$files")
      }) WHERE ts >= $lo AND ts < $hi AND NOT (${finiteSql(source)})`,
      { files: listValue(run.files), lo: run.lo, hi: run.hi },
    );
    return Number(reader.getRows()[0][0]);
  }

  /**
   * The error for an aggregation of `files` that failed: the first file
   * with NaN or infinite prices or quantities (how many), else the first
   * file DuckDB cannot read through, else DuckDB's message.
   */
  async #failure(
    source: BarSource,
    files: string[],
    error: unknown,
  ): Promise<DataFileError> {
    for (const file of files) {
      let problem: string | undefined;
      try {
        const bad = await this.countBadRows(source, {
          files: [file],
          lo: -MAX_EPOCH_MS,
          hi: MAX_EPOCH_MS,
        });
        if (bad > 0) {
          problem = badRowsProblem(source, bad);
        } else {
          await this.#connection.run(
            `SELECT * FROM (${selectSource(source, "$files")})`,
            { files: listValue([file]) },
          );
        }
      } catch (fileError) {
        problem = `cannot be read (${firstLine(fileError)})`;
      }
      if (problem) return new DataFileError(file, problem, { cause: error });
    }
    return new DataFileError(
      files[0],
      `could not be aggregated (with ${files.length - 1} other file(s)): ${
        firstLine(error)
      }`,
      { cause: error },
    );
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
    const source: BarSource = { kind: "ticks", mapping };
    const select = `SELECT CAST(id AS DOUBLE), CAST(ts AS DOUBLE), price, qty,
        coalesce(CAST(ibm AS UTINYINT), 2)
      FROM (${selectSource(source, "$files", run.dropBadRows)})
      WHERE ts >= $lo AND ts < $hi`;
    // Exchanges write each day's file in trade order and the files come in
    // day order, so a plain scan (DuckDB keeps file order) usually is in
    // trade order already: stream it, and sort only if the order breaks.
    // Ties (a repeated trade id and time) keep file and row order.
    try {
      return await this.#streamBars(select, run, symbol, spec, true) ??
        (await this.#streamBars(
          `${select} ORDER BY id, ts, seq`,
          run,
          symbol,
          spec,
          false,
        ))!;
    } catch (error) {
      if (error instanceof DataFileError) throw error;
      throw await this.#failure(source, run.files, error);
    }
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
      const inOrder = bars.add(
        vectorItems(chunk.getColumnVector(0), Float64Array),
        vectorItems(chunk.getColumnVector(1), Float64Array),
        vectorItems(chunk.getColumnVector(2), Float64Array),
        vectorItems(chunk.getColumnVector(3), Float64Array),
        vectorItems(chunk.getColumnVector(4), Uint8Array),
      );
      if (checkOrder && !inOrder) return undefined;
    }
    return bars.toFrame(symbol);
  }
}

/** The column types a source's mapping reads (bare column names only). */
function sourceColumns(
  source: BarSource,
  required: readonly string[],
): SourceColumns {
  const m = source.mapping;
  const expected: [string, ColumnType][] = source.kind === "ticks"
    ? [
      [source.mapping.id, INTEGER],
      [source.mapping.time, EPOCH_TIME],
      [source.mapping.price, NUMBER],
      [source.mapping.quantity, NUMBER],
      [source.mapping.isBuyerMaker, BOOLEAN],
    ]
    : [
      [source.mapping.openTime, EPOCH_TIME],
      ...[
        source.mapping.open,
        source.mapping.high,
        source.mapping.low,
        source.mapping.close,
        source.mapping.volume,
        source.mapping.quoteVolume,
        source.mapping.trades,
        source.mapping.takerBuyVolume,
      ].map((column): [string, ColumnType] => [column, NUMBER]),
    ];
  const time = source.kind === "ticks"
    ? source.mapping.time
    : source.mapping.openTime;
  const bare = (column: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(column);
  return {
    required,
    types: new Map(expected.filter(([column]) => bare(column))),
    ...(bare(time) ? { time: { column: time, unit: m.timeUnit } } : {}),
  };
}

/**
 * Normalised rows of one source: ticks `symbol, id, ts (ms), price, qty,
 * ibm, seq`, klines `symbol, ts, open, …, taker_buy_volume, seq` (`seq`:
 * file index × 2^40 + row in the file, where a row was read, to order ties
 * of repeated trade ids or kline open times).
 */
function selectSource(
  source: BarSource,
  filesParam: string,
  dropBadRows = false,
): string {
  const from = `read_parquet(${filesParam}, ${READ_OPTIONS})`;
  if (source.kind === "ticks") {
    const m = source.mapping;
    const finite = dropBadRows
      ? ` AND isfinite(CAST(${m.price} AS DOUBLE)) AND isfinite(CAST(${m.quantity} AS DOUBLE))`
      : "";
    return `SELECT symbol, CAST(${m.id} AS BIGINT) AS id, ${
      timeToMsSql(m.time, m.timeUnit)
    } AS ts, CAST(${m.price} AS DOUBLE) AS price, CAST(${m.quantity} AS DOUBLE) AS qty, CAST(${m.isBuyerMaker} AS BOOLEAN) AS ibm,
      CAST(file_index AS BIGINT) * ${2 ** 40} + file_row_number AS seq
      FROM ${from} WHERE ${m.price} IS NOT NULL AND ${m.quantity} IS NOT NULL${finite}`;
  }
  const m = source.mapping;
  const klines = `SELECT symbol, ${
    timeToMsSql(m.openTime, m.timeUnit)
  } AS ts, CAST(${m.open} AS DOUBLE) AS open, CAST(${m.high} AS DOUBLE) AS high,
    CAST(${m.low} AS DOUBLE) AS low, CAST(${m.close} AS DOUBLE) AS close, CAST(${m.volume} AS DOUBLE) AS volume,
    CAST(${m.quoteVolume} AS DOUBLE) AS quote_volume, CAST(${m.trades} AS BIGINT) AS trades,
    CAST(${m.takerBuyVolume} AS DOUBLE) AS taker_buy_volume,
    CAST(file_index AS BIGINT) * ${
    2 ** 40
  } + file_row_number AS seq FROM ${from}`;
  return dropBadRows
    ? `SELECT * FROM (${klines}) WHERE ${finiteSql(source)} IS NOT FALSE`
    : klines;
}

/**
 * The message of a time-bar query that met a bar whose first or last
 * trade id is repeated (see `timeBarSql`).
 */
const TIED_IDS = "a bar's first or last trade id is repeated";

/** Removes what a failed time-bar query may have written to `target`. */
async function clearTarget(target: BarTarget): Promise<void> {
  if ("file" in target) {
    await Deno.remove(target.file).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  } else {
    await Deno.remove(target.partitionedDir, { recursive: true });
    await Deno.mkdir(target.partitionedDir);
  }
}

/** SQL true when a normalised row's numbers are all finite (null when one is null). */
function finiteSql(source: BarSource): string {
  const columns = source.kind === "ticks"
    ? ["price", "qty"]
    : KLINE_NUMBERS.map(([column]) => column);
  return columns.map((c) => `isfinite(${c})`).join(" AND ");
}

/** A kline's numbers: normalised column and the mapping field it reads. */
const KLINE_NUMBERS = [
  ["open", "open"],
  ["high", "high"],
  ["low", "low"],
  ["close", "close"],
  ["volume", "volume"],
  ["quote_volume", "quoteVolume"],
  ["taker_buy_volume", "takerBuyVolume"],
] as const;

/**
 * What is wrong with a file holding `bad` rows with a NaN or infinite
 * number, naming the source's columns, and the two ways out.
 */
function badRowsProblem(source: BarSource, bad: number): string {
  const names = source.kind === "ticks"
    ? [source.mapping.price, source.mapping.quantity]
    : KLINE_NUMBERS.map(([, field]) => source.mapping[field]);
  return `${bad} row(s) have a NaN or infinite ${
    names.map((n) => `'${n}'`).join(" or ")
  }; fix the file, or pass onBadRows: "drop" to leave such rows out (counted in metadata.droppedRows)`;
}

/**
 * Time bars with exact sums, deterministic whatever DuckDB's thread order.
 * Open and close are `arg_min/arg_max(price, id)`, which pick any one of
 * several trades sharing a bar's first or last id: unless `tiedIds`, a
 * bar whose two first or two last ids are equal fails the query with
 * {@linkcode TIED_IDS}, and the caller runs it again with `tiedIds`, which
 * orders trades by (id, time, file, row) as tick bars do. (That key made
 * every load 2-4 times slower in DuckDB, so only files with repeated ids
 * pay for it.) Klines are always ordered by (open time, file, row): a
 * day holds 1,440 of them, so the key costs nothing there.
 * Quantities are summed as integers of 1e-8 units (whole part and fraction
 * units apart) and the traded value p·q (1e-20 units) as five BIGINT (one
 * HUGEINT) product sums of the parts: with price = pw + pu·1e-12 (pu split
 * as ph·1e6 + pl) and quantity = qw + qu·1e-8,
 * p·q·1e20 = pw·qw·1e20 + pw·qu·1e12 + pu·qw·1e8 + ph·qu·1e6 + pl·qu.
 * Each sum becomes the double nearest to its decimal value; vwap is their
 * ratio (within a few ulps of the exact one). A bar whose quantity reaches
 * 1e26 (where pu·qw could pass HUGEINT) fails the query rather than wrap.
 */
function timeBarSql(
  source: BarSource,
  rows: string,
  tiedIds: boolean,
): string {
  const bucket =
    "(ts // CAST($interval AS BIGINT)) * CAST($interval AS BIGINT)";
  const quantity = (units: string) =>
    unitsToDoubleSql(units, QUANTITY_DECIMALS);
  const unit = 10 ** QUANTITY_DECIMALS;
  if (source.kind === "ticks") {
    const units = (filter: string) =>
      `coalesce(sum(qwi) ${filter} * ${unit} + sum(qui) ${filter}, 0)`;
    const order = tiedIds ? "{'id': id, 'ts': ts, 'seq': seq}" : "id";
    const open = tiedIds
      ? "open"
      : `CASE WHEN first_ids[1] = first_ids[2] OR last_ids[1] = last_ids[2] THEN error(${
        sqlString(TIED_IDS)
      }) ELSE open END`;
    return `SELECT symbol, start_time, end_time, ${open} AS open, high, low, close,
      ${quantity("q")} AS volume,
      CASE WHEN whole >= 1e26 THEN error('the ' || symbol || ' bar starting at ' || start_time || ' ms trades 1e26 or more, too much to sum exactly')
      ELSE (CAST(t1 AS DOUBLE) * 1e20 + CAST(t2 AS DOUBLE) * 1e12 + CAST(t3 AS DOUBLE) * 1e8
        + CAST(t4 AS DOUBLE) * 1e6 + CAST(t5 AS DOUBLE)) / nullif(CAST(q AS DOUBLE) * 1e${PRICE_DECIMALS}, 0) END AS vwap,
      trades, num_buyer, num_seller, ${quantity("buy")} AS num_buyer_volume,
      ${quantity("sell")} AS num_seller_volume
    FROM (
      SELECT symbol, ${bucket} AS start_time, ${bucket} + CAST($interval AS BIGINT) AS end_time,
        arg_min(price, ${order}) AS open, max(price) AS high, min(price) AS low,
        arg_max(price, ${order}) AS close,${
      tiedIds ? "" : " min(id, 2) AS first_ids, max(id, 2) AS last_ids,"
    }
        ${units("")} AS q, sum(qwi) AS whole,
        sum(pwi * qwi) AS t1, sum(pwi * qui) AS t2, sum(CAST(pu AS HUGEINT) * qwi) AS t3,
        sum(CAST(floor(pu / 1e6) * qu AS BIGINT)) AS t4,
        sum(CAST((pu - floor(pu / 1e6) * 1e6) * qu AS BIGINT)) AS t5,
        count(*) AS trades,
        count(*) FILTER (WHERE s = 0) AS num_buyer, count(*) FILTER (WHERE s = 1) AS num_seller,
        ${units("FILTER (WHERE s = 0)")} AS buy, ${
      units("FILTER (WHERE s = 1)")
    } AS sell
      FROM (SELECT *, CAST(qw AS BIGINT) AS qwi, CAST(qu AS BIGINT) AS qui, CAST(pw AS BIGINT) AS pwi
        FROM (${
      tickPartsSql(
        `SELECT symbol, id, ts, price, qty, CAST(ibm AS BIGINT) AS s${
          tiedIds ? ", seq" : ""
        } FROM (${rows})`,
      )
    })) GROUP BY symbol, start_time)`;
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
        arg_min(open, {'ts': ts, 'seq': seq}) AS open, max(high) AS high, min(low) AS low,
        arg_max(close, {'ts': ts, 'seq': seq}) AS close,
        ${units("volume")} AS v, ${units("quote_volume")} AS qv,
        CAST(sum(trades) AS BIGINT) AS trades, ${
    units("taker_buy_volume")
  } AS buy
      FROM (${rows}) GROUP BY symbol, start_time)`;
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
