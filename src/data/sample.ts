/**
 * Deterministic, seeded generator of realistic Binance tick data, written as
 * Parquet through DuckDB in the hive layout the loaders read, plus writers
 * that turn one generated symbol-day into the files exchanges publish: the
 * zip + `.CHECKSUM` pair of Binance Vision ({@linkcode writeBinanceZip}) and
 * the gzip-compressed trade CSV of public.bybit.com
 * ({@linkcode writeBybitCsvGz}).
 *
 * The whole stream is produced inside DuckDB SQL (`range()`, `hash()` and
 * window functions), so tens of millions of rows take seconds. Every random
 * number is a chained hash of (seed, symbol, day, stream, minute/event/row)
 * turned into a uniform, never a global stream, so:
 *
 * - a symbol-day is identical whatever other symbols or days are requested
 *   alongside it (only the market factor is shared, and it is keyed by
 *   `(seed, day, minute)` alone);
 * - a day does not need the previous day: its opening price is
 *   `level × exp(Σ daily returns between 2024-01-01 and that day)`, each
 *   daily return being a hash of `(seed, symbol, day)`, and the intraday path
 *   is a Brownian bridge that ends exactly at the next day's opening price;
 * - ids are `(days since 2017-01-01 + 1) × 10^9 + row`, so they keep
 *   increasing across days without reading the previous day.
 *
 * Results are reproducible for a given DuckDB version (DuckDB's `hash()` is
 * not promised to be stable across versions).
 *
 * @example
 * ```ts
 * import { generateSample, writeBinanceZip } from "./sample.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateSample({ dataDir, symbols: ["BTCUSDT"], days: 1, tradesPerDay: 1000 });
 * const zip = await writeBinanceZip({
 *   dataDir, market: "futures_um", dataType: "aggTrades", symbol: "BTCUSDT",
 *   day: "2024-01-01", outDir: dataDir,
 * });
 * console.log(zip); // .../BTCUSDT-aggTrades-2024-01-01.zip
 * ```
 *
 * @example Bybit trade dump
 * ```ts
 * import { generateSample, writeBybitCsvGz } from "./sample.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateSample({
 *   dataDir, symbols: ["BTCUSDT"], days: 1, dataType: "trades", tradesPerDay: 1000,
 * });
 * const gz = await writeBybitCsvGz({
 *   dataDir, symbol: "BTCUSDT", day: "2024-01-01", outDir: dataDir,
 * });
 * console.log(gz); // .../BTCUSDT2024-01-01.csv.gz
 * ```
 *
 * @module
 */

import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { basename, dirname, join } from "node:path";
import { temporarySibling, writeAtomic } from "../atomic.ts";
import { hivePath } from "./adapters/adapter.ts";
import { DAY_MS } from "../time.ts";
import { SYMBOL_PATTERN } from "./bar_spec.ts";
import { zipOne } from "./zip.ts";
import { checkOptions, type OptionNames } from "../options.ts";

/**
 * Binance market whose dump layout and timestamp unit are imitated:
 * `spot` (microsecond timestamps, `is_best_match` column), `futures_um`
 * (USDⓈ-M) and `futures_cm` (COIN-M), both in milliseconds.
 *
 * @example
 * ```ts
 * import type { SampleMarket } from "./sample.ts";
 * const market: SampleMarket = "spot";
 * ```
 */
export type SampleMarket = "spot" | "futures_um" | "futures_cm";

/**
 * Kind of dump generated: aggregate trades, individual trades or 1-minute
 * klines (aggregated from the same aggregate-trade stream).
 *
 * @example
 * ```ts
 * import type { SampleDataType } from "./sample.ts";
 * const dataType: SampleDataType = "klines";
 * ```
 */
export type SampleDataType = "aggTrades" | "trades" | "klines";

/**
 * Options of {@linkcode generateSample}.
 *
 * @example
 * ```ts
 * import type { GenerateSampleOptions } from "./sample.ts";
 * const options: GenerateSampleOptions = {
 *   dataDir: "/tmp/factorium-sample",
 *   symbols: ["BTCUSDT", "ETHUSDT"],
 *   start: "2024-03-01",
 *   days: 2,
 *   market: "spot",
 *   dataType: "trades",
 * };
 * ```
 */
export interface GenerateSampleOptions {
  /** Root directory of the hive layout (created if needed). */
  dataDir: string;
  /**
   * Symbols to generate; each must match `^[A-Z0-9][A-Z0-9_.-]{0,31}$`.
   * Known bases (BTC, ETH, SOL, BNB, XRP) get realistic price levels and tick
   * sizes; other names get a level derived from a hash of the name.
   * Duplicates are ignored.
   * @default ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]
   */
  symbols?: string[];
  /**
   * First UTC day: an ISO date (`"2024-01-01"`) or date-time (a missing zone
   * means UTC), epoch milliseconds or a `Date`; it is floored to the UTC day.
   * Must lie between 2017-01-01 and 2099-12-31.
   * @default "2024-01-01"
   */
  start?: string | number | Date;
  /**
   * Number of consecutive UTC days.
   * @default 3
   */
  days?: number;
  /**
   * Market whose layout is imitated.
   * @default "futures_um"
   */
  market?: SampleMarket;
  /**
   * Kind of data written.
   * @default "aggTrades"
   */
  dataType?: SampleDataType;
  /**
   * Mean number of trade rows per symbol-day (aggregate trades for
   * `aggTrades` and `klines`, individual trades for `trades`); at most 10^8.
   * @default 20_000
   */
  tradesPerDay?: number;
  /**
   * Seed; any safe integer.
   * @default 1
   */
  seed?: number;
  /**
   * Replace existing files. When false, existing files are left alone and
   * counted as skipped.
   * @default false
   */
  overwrite?: boolean;
  /**
   * Reports progress in files: called with `(0, total)` before the first
   * file is written, where `total` counts the files to write (existing ones
   * left alone are not counted), then once per file written.
   * @default undefined (no reports)
   */
  onProgress?: (done: number, total: number) => void;
}

const BINANCE_ZIP_OPTIONS: OptionNames<BinanceZipOptions> = {
  dataDir: true,
  market: true,
  dataType: true,
  symbol: true,
  day: true,
  outDir: true,
  header: true,
};

const BYBIT_CSV_OPTIONS: OptionNames<BybitCsvOptions> = {
  dataDir: true,
  symbol: true,
  day: true,
  outDir: true,
  descending: true,
};

const GENERATE_SAMPLE_OPTIONS: OptionNames<GenerateSampleOptions> = {
  dataDir: true,
  symbols: true,
  start: true,
  days: true,
  market: true,
  dataType: true,
  tradesPerDay: true,
  seed: true,
  overwrite: true,
  onProgress: true,
};

/**
 * What {@linkcode generateSample} did.
 *
 * @example
 * ```ts
 * import type { SampleResult } from "./sample.ts";
 * const r: SampleResult = { files: [], written: 0, skipped: 0, rows: 0 };
 * ```
 */
export interface SampleResult {
  /** Every target file (written or skipped), symbol-major then by day. */
  files: string[];
  /** Number of files written. */
  written: number;
  /** Number of files that already existed and were left alone. */
  skipped: number;
  /** Rows in the files written (skipped files are not counted). */
  rows: number;
}

/**
 * Options of {@linkcode writeBinanceZip}.
 *
 * @example
 * ```ts
 * import type { BinanceZipOptions } from "./sample.ts";
 * const options: BinanceZipOptions = {
 *   dataDir: "/tmp/factorium-sample",
 *   market: "spot",
 *   dataType: "aggTrades",
 *   symbol: "BTCUSDT",
 *   day: "2024-01-01",
 *   outDir: "/tmp/vision",
 * };
 * ```
 */
export interface BinanceZipOptions {
  /** Root directory {@linkcode generateSample} wrote into. */
  dataDir: string;
  /** Market of the generated file. */
  market: SampleMarket;
  /** Kind of the generated file. */
  dataType: SampleDataType;
  /** Symbol of the generated file. */
  symbol: string;
  /** UTC day as `"YYYY-MM-DD"`. */
  day: string;
  /** Directory receiving the zip and its checksum (created if needed). */
  outDir: string;
  /**
   * Whether the CSV starts with a header line.
   * @default true for futures, false for spot (as Binance Vision publishes)
   */
  header?: boolean;
}

/**
 * Options of {@linkcode writeBybitCsvGz}.
 *
 * @example
 * ```ts
 * import type { BybitCsvOptions } from "./sample.ts";
 * const options: BybitCsvOptions = {
 *   dataDir: "/tmp/factorium-sample",
 *   symbol: "BTCUSDT",
 *   day: "2024-01-01",
 *   outDir: "/tmp/bybit/trading/BTCUSDT",
 *   descending: true,
 * };
 * ```
 */
export interface BybitCsvOptions {
  /**
   * Root directory {@linkcode generateSample} wrote into, with
   * `market: "futures_um"` and `dataType: "trades"`.
   */
  dataDir: string;
  /** Symbol of the generated file. */
  symbol: string;
  /** UTC day as `"YYYY-MM-DD"`. */
  day: string;
  /** Directory receiving the `.csv.gz` file (created if needed). */
  outDir: string;
  /**
   * List the latest trade first (the exact reverse of time order), as some
   * of Bybit's older dumps do.
   * @default false (the earliest trade first, the latest trade last)
   */
  descending?: boolean;
}

// ---------------------------------------------------------------------------
// Constants

const MARKETS: readonly SampleMarket[] = ["spot", "futures_um", "futures_cm"];
const DATA_TYPES: readonly SampleDataType[] = ["aggTrades", "trades", "klines"];
const DEFAULT_SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];
/** Ids are `(day - ID_EPOCH_DAY + 1) * 10^9 + row`. */
const ID_EPOCH_DAY = Date.UTC(2017, 0, 1) / DAY_MS;
/** Day at which a symbol's opening price equals its nominal level. */
const ANCHOR_DAY = Date.UTC(2024, 0, 1) / DAY_MS;
const LAST_DAY = Date.UTC(2100, 0, 1) / DAY_MS - 1;
const MAX_TRADES_PER_DAY = 100_000_000;
/** Probability that a sweep continues to one more price level. */
const SWEEP_CONTINUE = 0.15;
/** Mean aggregate trades per arrival event (sweep), sizes capped at 8. */
const MEAN_SWEEP = (1 - SWEEP_CONTINUE ** 8) / (1 - SWEEP_CONTINUE);
/** Mean individual trades per aggregate trade (1: .55, 2: .2, 3: .12, 4: .08, 5: .05). */
const MEAN_FILLS = 0.55 + 2 * 0.2 + 3 * 0.12 + 4 * 0.08 + 5 * 0.05;

interface SymbolProfile {
  level: number;
  dailyVol: number;
  /** Price decimals: the tick size is 10^-decimals. */
  decimals: number;
}

const KNOWN_BASES: Record<string, SymbolProfile> = {
  BTC: { level: 42_000, dailyVol: 0.025, decimals: 1 },
  ETH: { level: 2_300, dailyVol: 0.03, decimals: 2 },
  SOL: { level: 100, dailyVol: 0.05, decimals: 2 },
  BNB: { level: 310, dailyVol: 0.03, decimals: 2 },
  XRP: { level: 0.6, dailyVol: 0.04, decimals: 4 },
};

// ---------------------------------------------------------------------------
// Validation helpers

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null || typeof value !== "object") return String(value);
  return "an object";
}

function fail(
  kind: "type" | "range",
  fn: string,
  name: string,
  expected: string,
  value: unknown,
): never {
  const message = `${fn}: ${name} must be ${expected}, got ${describe(value)}`;
  throw kind === "type" ? new TypeError(message) : new RangeError(message);
}

function checkString(fn: string, name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    fail("type", fn, name, "a non-empty string", value);
  }
  return value;
}

function checkSymbol(fn: string, name: string, value: unknown): string {
  if (typeof value !== "string") fail("type", fn, name, "a string", value);
  if (!SYMBOL_PATTERN.test(value)) {
    fail("range", fn, name, `a symbol matching ${SYMBOL_PATTERN}`, value);
  }
  return value;
}

function checkEnum<T extends string>(
  fn: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  const expected = `one of ${allowed.map((a) => `"${a}"`).join(", ")}`;
  if (typeof value !== "string") fail("type", fn, name, expected, value);
  if (!allowed.includes(value as T)) fail("range", fn, name, expected, value);
  return value as T;
}

function checkInteger(
  fn: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  const expected = min === 1
    ? `a positive integer (at most ${max})`
    : `an integer between ${min} and ${max}`;
  if (typeof value !== "number") fail("type", fn, name, expected, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail("range", fn, name, expected, value);
  }
  return value;
}

/** Parses `start` into a day number (days since 1970-01-01 UTC). */
function parseStartDay(fn: string, value: unknown): number {
  const expected =
    'an ISO date such as "2024-01-01", epoch milliseconds or a valid Date';
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string") {
    const m =
      /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/
        .exec(value);
    if (!m) fail("range", fn, "start", expected, value);
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const dayMs = Date.UTC(y, mo - 1, d);
    const back = new Date(dayMs);
    if (
      back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 ||
      back.getUTCDate() !== d
    ) {
      fail("range", fn, "start", `${expected} (no such date)`, value);
    }
    ms = m[4] === undefined
      ? dayMs
      : Date.parse(m[7] === undefined ? `${value}Z` : value);
  } else {
    fail("type", fn, "start", expected, value);
  }
  if (!Number.isFinite(ms)) fail("range", fn, "start", expected, value);
  const day = Math.floor(ms / DAY_MS);
  if (day < ID_EPOCH_DAY || day > LAST_DAY) {
    fail(
      "range",
      fn,
      "start",
      "a day between 2017-01-01 and 2099-12-31",
      value,
    );
  }
  return day;
}

/** Parses a `"YYYY-MM-DD"` day into a day number. */
function parseDay(fn: string, value: unknown): number {
  const expected = 'a UTC day "YYYY-MM-DD" between 2017-01-01 and 2099-12-31';
  if (typeof value !== "string") fail("type", fn, "day", expected, value);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) fail("range", fn, "day", expected, value);
  const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
  if (formatDay(day) !== value || day < ID_EPOCH_DAY || day > LAST_DAY) {
    fail("range", fn, "day", expected, value);
  }
  return day;
}

function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// Paths and symbol profiles

/**
 * 32-bit FNV-1a of a string, as an unsigned integer.
 *
 * @example
 * ```ts
 * import { fnv1a } from "./sample.ts";
 * console.log(fnv1a("")); // 2166136261
 * ```
 */
export function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

function symbolProfile(symbol: string): SymbolProfile {
  const base = /^(BTC|ETH|SOL|BNB|XRP)(USDT|USDC|FDUSD|BUSD|USD)(_.*)?$/
    .exec(symbol)?.[1];
  if (base) return KNOWN_BASES[base];
  const u1 = (fnv1a(symbol) + 0.5) / 2 ** 32;
  const u2 = (fnv1a(symbol, 0x9747b28c) + 0.5) / 2 ** 32;
  const level = Number((10 ** (-2 + 5 * u1)).toPrecision(4)); // 0.01 … 1000
  const decimals = Math.min(8, Math.max(0, 5 - Math.floor(Math.log10(level))));
  return { level, dailyVol: 0.02 + 0.03 * u2, decimals };
}

// ---------------------------------------------------------------------------
// SQL

/**
 * Random numbers from DuckDB's 64-bit `hash()` (a MurmurHash64 finaliser on
 * one value): `fs_h(key, salt, index)` is the hash of stream `salt` of `key`
 * at `index`; `fs_hi`/`fs_lo` turn its halves into uniforms in (0, 1) and
 * `fs_nrm` into a standard normal (Box–Muller).
 */
const MACROS = `
CREATE OR REPLACE MACRO fs_h(key, salt, idx) AS
  hash(xor(hash(xor(key, salt::UBIGINT)), idx::UBIGINT));
CREATE OR REPLACE MACRO fs_hi(h) AS ((h >> 32)::DOUBLE + 0.5) / 4294967296.0;
CREATE OR REPLACE MACRO fs_lo(h) AS ((h & 4294967295)::DOUBLE + 0.5) / 4294967296.0;
CREATE OR REPLACE MACRO fs_nrm(h) AS sqrt(-2.0 * ln(fs_hi(h))) * cos(2.0 * pi() * fs_lo(h));
`;

/**
 * SQL fragments for the parameters bound on every generation query:
 * $seed, $sym, $day (days since 1970-01-01), $events (expected arrival
 * events), $level, $vol, $inv_tick (10^decimals), $id_base, $tmul
 * (1 for ms, 1000 for µs). Keys are chained single-value hashes (DuckDB's
 * multi-argument `hash(a, b, …)` combines per-argument hashes too weakly:
 * streams sharing an argument come out correlated).
 */
const DAY = "$day::BIGINT";
/** Key of the seed. */
const SEED_KEY = "hash($seed::BIGINT)";
/** Key of the symbol (all days): string hash chained with the seed key. */
const SYM_KEY = `hash(xor(hash($sym::VARCHAR), ${SEED_KEY}))`;
/** Key of the market-wide factor (no symbol in it). */
const MARKET_KEY = `hash(xor(${SEED_KEY}, 6148914691236517205::UBIGINT))`;
/** Key of the symbol-day. */
const SYM_DAY_KEY = `hash(xor(${SYM_KEY}, $day::UBIGINT))`;
/** Key of the market factor of the day. */
const MARKET_DAY_KEY = `hash(xor(${MARKET_KEY}, $day::UBIGINT))`;

/**
 * The aggregate-trade stream of one symbol-day, as CTEs ending in `agg`.
 * Ids come from an order-preserving streaming window over the sorted rows,
 * so the queries must run on a single DuckDB thread (as generateSample
 * does): rows then flow, and are written, in id order without a re-sort.
 *
 * Structure: 1440 minutes carry correlated shocks (60 % market factor keyed
 * by seed/day/minute only) whose cumulative sum is bridged to the day's
 * close; trade intensity = intraday seasonality × bursts × market shock²;
 * each minute holds a random number of arrival events at random
 * milliseconds, an event being a sweep of 1–8 aggregate trades in the same
 * millisecond walking the book one tick per level; taker side leans with
 * the minute's move; prices sit on the bid/ask around a mid that moves in
 * 10-second steps (hence ties); notionals are log-logistic (heavy tail).
 */
const AGG_CTES = `
dret AS (
  SELECT k, $vol::DOUBLE * (sqrt(0.6) * fs_nrm(fs_h(${MARKET_KEY}, 1, k))
                          + sqrt(0.4) * fs_nrm(fs_h(${SYM_KEY}, 2, k))) AS r
  FROM range(least(${DAY}, ${ANCHOR_DAY}), greatest(${DAY}, ${ANCHOR_DAY}) + 1) t(k)
),
dsum AS (
  SELECT
    sum(CASE WHEN k >= ${ANCHOR_DAY} AND k < ${DAY} THEN r
             WHEN k >= ${DAY} AND k < ${ANCHOR_DAY} THEN -r ELSE 0 END) AS drift,
    sum(CASE WHEN k = ${DAY} THEN r ELSE 0 END) AS r_d
  FROM dret
),
mins AS (
  SELECT m,
    fs_nrm(fs_h(${MARKET_DAY_KEY}, 10, m)) AS zm,
    fs_nrm(fs_h(${SYM_DAY_KEY}, 11, m)) AS zi,
    fs_h(${SYM_DAY_KEY}, 12, m) AS hb,
    fs_h(${MARKET_DAY_KEY}, 13, m) AS hmb,
    fs_h(${SYM_DAY_KEY}, 14, m) AS hg,
    fs_h(${SYM_DAY_KEY}, 15, m) AS hr,
    1.0 + 0.5 * cos(2.0 * pi() * (m - 870) / 1440.0) AS seas
  FROM range(1440) t(m)
),
mins2 AS (
  SELECT m, hr, $vol::DOUBLE / sqrt(1440.0) * sqrt(seas) AS msig,
    $vol::DOUBLE / sqrt(1440.0) * sqrt(seas) * (sqrt(0.6) * zm + sqrt(0.4) * zi) AS shock,
    seas
      * (CASE WHEN fs_hi(hb) < 0.03 THEN 3.0 + 7.0 * fs_lo(hb) ELSE 1.0 END)
      * (CASE WHEN fs_hi(hmb) < 0.01 THEN 2.0 + 4.0 * fs_lo(hmb) ELSE 1.0 END)
      * (0.6 + 0.4 * zm * zm) * exp(0.35 * fs_nrm(hg) - 0.06125) AS w
  FROM mins
),
path AS (
  SELECT *,
    sum(shock) OVER (ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cs,
    sum(shock) OVER () AS tot,
    sum(w) OVER () AS wsum
  FROM mins2
),
mp AS (
  SELECT m,
    -- mid price of each 10-second step of the minute (bridge + noise)
    [exp(lp0 + (lp1 - lp0) * b / 6.0
        + 0.25 * msig * fs_nrm(fs_h(${SYM_DAY_KEY}, 22, m * 8 + b)))
      for b in range(6)] AS mids,
    0.5 + 0.3 * tanh((lp1 - lp0) / msig) AS p_taker_buy,
    CASE WHEN m = 0 OR m = 1439
      THEN greatest(1, floor($events::DOUBLE * w / wsum + fs_lo(hr)))
      ELSE least(1048575, floor($events::DOUBLE * w / wsum + fs_lo(hr))) END::BIGINT AS cnt
  FROM (
    SELECT *,
      ln($level::DOUBLE) + drift + cs - shock - m / 1440.0 * (tot - r_d) AS lp0,
      ln($level::DOUBLE) + drift + cs - (m + 1) / 1440.0 * (tot - r_d) AS lp1
    FROM path, dsum
  )
),
ev AS (
  SELECT m, mids, p_taker_buy, unnest(range(cnt)) AS k FROM mp
),
ev2 AS (
  SELECT m, k, mids, p_taker_buy,
    fs_h(${SYM_DAY_KEY}, 20, m * 1048576 + k) AS h1,
    fs_h(${SYM_DAY_KEY}, 21, m * 1048576 + k) AS h2,
    CASE WHEN m = 0 AND k = 0 THEN 0 WHEN m = 1439 AND k = 0 THEN 59999
      ELSE floor(fs_hi(h1) * 60000.0)::BIGINT END AS off,
    CASE WHEN m = 0 AND k = 0 THEN 0 WHEN m = 1439 AND k = 0 THEN 999
      ELSE floor(fs_lo(h1) * 1000.0)::BIGINT END AS sub
  FROM ev
),
ev3 AS (
  SELECT m, k, off, sub,
    least(8, 1 + floor(ln(fs_hi(h2)) / ln(${SWEEP_CONTINUE})))::BIGINT AS size,
    fs_lo(h2) < p_taker_buy AS taker_buy,
    mids[off // 10000 + 1] AS mid
  FROM ev2
),
rw AS (
  -- the book levels of each sweep (most sweeps have one)
  SELECT m, k, off, sub, taker_buy, mid, 0 AS j FROM ev3
  UNION ALL
  SELECT m, k, off, sub, taker_buy, mid, unnest(range(1, size)) AS j
  FROM ev3 WHERE size > 1
),
rw2 AS (
  SELECT m, k, j, off, sub, taker_buy, mid,
    fs_h(${SYM_DAY_KEY}, 30, (m * 1048576 + k) * 8 + j) AS h3
  FROM rw
),
rw3 AS (
  -- notional: log-logistic (median 200, Pareto tail index 1.5), capped
  SELECT m, k, j, off, sub, taker_buy, fs_lo(h3) AS u_fills,
    greatest(1, CASE WHEN taker_buy THEN ceil(mid * $inv_tick::DOUBLE) + j
                     ELSE floor(mid * $inv_tick::DOUBLE) - j END)::BIGINT AS ticks,
    greatest(1, round(least(5e6, 200.0 * pow(fs_hi(h3) / (1.0 - fs_hi(h3)), 1.0 / 1.5))
      / mid * 1000.0))::BIGINT AS lots
  FROM rw2
),
rw4 AS (
  SELECT m, ticks, lots, NOT taker_buy AS is_buyer_maker,
    least(lots, CASE WHEN u_fills < 0.55 THEN 1 WHEN u_fills < 0.75 THEN 2
      WHEN u_fills < 0.87 THEN 3 WHEN u_fills < 0.95 THEN 4 ELSE 5 END)::BIGINT AS ntr,
    (${DAY} * ${DAY_MS} + m * 60000 + off) * $tmul::BIGINT
      + CASE WHEN $tmul::BIGINT = 1 THEN 0 ELSE sub END AS t,
    (((m * 60000 + off) * 1000 + sub) * 1048576 + k) * 8 + j AS ord
  FROM rw3
),
sorted AS (
  SELECT * FROM rw4 ORDER BY ord
),
agg AS (
  SELECT m, ticks, lots, ntr, is_buyer_maker, t, ticks * lots AS quote_units,
    $id_base::BIGINT + row_number() OVER () - 1 AS agg_trade_id,
    $id_base::BIGINT - ntr
      + (sum(ntr) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))::BIGINT AS first_trade_id
  FROM sorted
)`;

function selectSql(market: SampleMarket, dataType: SampleDataType): string {
  const bestMatch = market === "spot" ? ", true AS is_best_match" : "";
  if (dataType === "aggTrades") {
    return `WITH ${AGG_CTES}
SELECT agg_trade_id, ticks / $inv_tick::DOUBLE AS price,
  lots / 1000.0::DOUBLE AS quantity, first_trade_id,
  first_trade_id + ntr - 1 AS last_trade_id, t AS transact_time,
  is_buyer_maker${bestMatch}
FROM agg`;
  }
  if (dataType === "trades") {
    return `WITH ${AGG_CTES},
fills AS (SELECT *, unnest(range(ntr)) AS i FROM agg),
fills2 AS (
  -- fill i gets 1 lot plus its share of the rest, cut at jittered points
  SELECT first_trade_id + i AS id, ticks, t, is_buyer_maker,
    1 + floor((lots - ntr) * CASE WHEN i + 1 = ntr THEN 1.0
        ELSE (i + 1 + 0.9 * (fs_lo(fs_h(${SYM_DAY_KEY}, 40, agg_trade_id * 8 + i + 1)) - 0.5)) / ntr END)::BIGINT
      - floor((lots - ntr) * CASE WHEN i = 0 THEN 0.0
        ELSE (i + 0.9 * (fs_lo(fs_h(${SYM_DAY_KEY}, 40, agg_trade_id * 8 + i)) - 0.5)) / ntr END)::BIGINT
      AS fill_lots
  FROM fills
)
SELECT id, ticks / $inv_tick::DOUBLE AS price, fill_lots / 1000.0::DOUBLE AS qty,
  (ticks * fill_lots) / ($inv_tick::DOUBLE * 1000.0) AS quote_qty, t AS time,
  is_buyer_maker${bestMatch}
FROM fills2`;
  }
  return `WITH ${AGG_CTES}
SELECT (${DAY} * ${DAY_MS} + m * 60000) * $tmul::BIGINT AS open_time,
  arg_min(ticks, agg_trade_id) / $inv_tick::DOUBLE AS open,
  max(ticks) / $inv_tick::DOUBLE AS high,
  min(ticks) / $inv_tick::DOUBLE AS low,
  arg_max(ticks, agg_trade_id) / $inv_tick::DOUBLE AS close,
  sum(lots)::DOUBLE / 1000.0 AS volume,
  (${DAY} * ${DAY_MS} + m * 60000 + 60000) * $tmul::BIGINT - 1 AS close_time,
  sum(quote_units)::DOUBLE / ($inv_tick::DOUBLE * 1000.0) AS quote_volume,
  count(*)::BIGINT AS count,
  coalesce(sum(lots) FILTER (WHERE NOT is_buyer_maker), 0)::DOUBLE / 1000.0
    AS taker_buy_volume,
  coalesce(sum(quote_units) FILTER (WHERE NOT is_buyer_maker), 0)::DOUBLE
    / ($inv_tick::DOUBLE * 1000.0) AS taker_buy_quote_volume,
  0::BIGINT AS ignore
FROM agg GROUP BY m ORDER BY open_time`;
}

// ---------------------------------------------------------------------------
// generateSample

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // already gone
  }
}

/**
 * Generates deterministic, realistic Binance tick data and writes one
 * zstd-compressed Parquet file per symbol and UTC day under
 * `{dataDir}/market={market}/data_type={dataType}/symbol={SYMBOL}/year=YYYY/month=MM/day=DD/data.parquet`,
 * each written to a temporary name and renamed into place.
 *
 * Columns (futures timestamps in epoch ms, spot in epoch µs):
 * - `aggTrades`: `agg_trade_id, price, quantity, first_trade_id,
 *   last_trade_id, transact_time, is_buyer_maker` (+ `is_best_match` on spot);
 * - `trades`: `id, price, qty, quote_qty, time, is_buyer_maker`
 *   (+ `is_best_match` on spot) — the individual fills of an aggregate
 *   stream scaled so that the mean row count is still `tradesPerDay`;
 * - `klines`: 1-minute bars of the very aggregate-trade stream the same
 *   options would write as `aggTrades` (only minutes with trades).
 *
 * The same seed, symbol, day, market, data type and `tradesPerDay` always
 * give the same rows, whatever else is requested alongside.
 *
 * @example
 * ```ts
 * import { generateSample } from "./sample.ts";
 * const dataDir = await Deno.makeTempDir();
 * const result = await generateSample({
 *   dataDir,
 *   symbols: ["BTCUSDT", "ETHUSDT"],
 *   start: "2024-01-01",
 *   days: 2,
 *   tradesPerDay: 5_000,
 * });
 * console.log(result.written, result.rows); // 4 ≈20000
 * ```
 *
 * @throws {TypeError} an option has the wrong type.
 * @throws {RangeError} an option has an invalid value.
 */
export async function generateSample(
  options: GenerateSampleOptions,
): Promise<SampleResult> {
  const fn = "generateSample";
  if (typeof options !== "object" || options === null) {
    fail("type", fn, "options", "an object", options);
  }
  checkOptions(fn, options, GENERATE_SAMPLE_OPTIONS);
  const dataDir = checkString(fn, "dataDir", options.dataDir);
  const rawSymbols = options.symbols ?? DEFAULT_SYMBOLS;
  if (!Array.isArray(rawSymbols)) {
    fail("type", fn, "symbols", "an array of symbol strings", rawSymbols);
  }
  if (rawSymbols.length === 0) {
    fail("range", fn, "symbols", "a non-empty array", rawSymbols);
  }
  const symbols = [
    ...new Set(
      rawSymbols.map((s, i) => checkSymbol(fn, `symbols[${i}]`, s)),
    ),
  ];
  const startDay = parseStartDay(fn, options.start ?? "2024-01-01");
  const days = checkInteger(fn, "days", options.days ?? 3, 1, 36_600);
  if (startDay + days - 1 > LAST_DAY) {
    fail("range", fn, "days", "small enough to end before 2100-01-01", days);
  }
  const market = checkEnum(
    fn,
    "market",
    options.market ?? "futures_um",
    MARKETS,
  );
  const dataType = checkEnum(
    fn,
    "dataType",
    options.dataType ?? "aggTrades",
    DATA_TYPES,
  );
  const tradesPerDay = checkInteger(
    fn,
    "tradesPerDay",
    options.tradesPerDay ?? 20_000,
    1,
    MAX_TRADES_PER_DAY,
  );
  const seed = checkInteger(
    fn,
    "seed",
    options.seed ?? 1,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  const overwrite = options.overwrite ?? false;
  if (typeof overwrite !== "boolean") {
    fail("type", fn, "overwrite", "a boolean", overwrite);
  }
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    fail("type", fn, "onProgress", "a function", onProgress);
  }

  const jobs: { symbol: string; day: number; path: string }[] = [];
  for (const symbol of symbols) {
    for (let day = startDay; day < startDay + days; day++) {
      jobs.push({
        symbol,
        day,
        path: hivePath(dataDir, market, dataType, symbol, day * DAY_MS),
      });
    }
  }
  const result: SampleResult = {
    files: jobs.map((j) => j.path),
    written: 0,
    skipped: 0,
    rows: 0,
  };
  const todo: typeof jobs = [];
  for (const job of jobs) {
    if (!overwrite && await exists(job.path)) result.skipped++;
    else todo.push(job);
  }
  if (todo.length === 0) return result;
  onProgress?.(0, todo.length);

  const sql = selectSql(market, dataType);
  const events = tradesPerDay /
    (MEAN_SWEEP * (dataType === "trades" ? MEAN_FILLS : 1));
  const tmul = market === "spot" ? 1000 : 1;
  // One DuckDB thread per query (small queries run faster unparallelised,
  // and single-threaded execution keeps the ordered window deterministic);
  // parallelism comes from one connection per core, each writing its own files.
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connections: DuckDBConnection[] = [];
  try {
    const setup = await instance.connect();
    connections.push(setup);
    await setup.run(MACROS);
    const parallel = Math.min(
      todo.length,
      Math.max(1, Math.min(16, navigator.hardwareConcurrency || 1)),
    );
    for (let i = 1; i < parallel; i++) {
      connections.push(await instance.connect());
    }
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async (connection: DuckDBConnection) => {
      while (next < todo.length && !failure) {
        const job = todo[next++];
        const profile = symbolProfile(job.symbol);
        await Deno.mkdir(dirname(job.path), { recursive: true });
        const tmp = temporarySibling(job.path);
        try {
          const copied = await connection.run(
            `COPY (${sql}) TO $path (FORMAT parquet, COMPRESSION zstd)`,
            {
              path: tmp,
              seed: BigInt(seed),
              sym: job.symbol,
              day: BigInt(job.day),
              events,
              level: profile.level,
              vol: profile.dailyVol,
              inv_tick: 10 ** profile.decimals,
              id_base: BigInt(job.day - ID_EPOCH_DAY + 1) * 1_000_000_000n,
              tmul: BigInt(tmul),
            },
          );
          await Deno.rename(tmp, job.path);
          result.rows += copied.rowsChanged;
          result.written++;
          onProgress?.(result.written, todo.length);
        } catch (error) {
          await removeQuietly(tmp);
          // Stop the other workers, but let their current query finish
          // before the connections are closed.
          failure ??= { error };
        }
      }
    };
    await Promise.all(connections.map(worker));
    if (failure) throw failure.error;
  } finally {
    for (const c of connections) c.closeSync();
    instance.closeSync();
  }
  return result;
}

// ---------------------------------------------------------------------------
// Binance Vision zip

/** A DuckDB identifier, double-quoted. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Writes the Parquet file {@linkcode generateSample} wrote for one
 * symbol-day as Binance Vision publishes its daily dumps:
 *
 * - `{outDir}/{SYMBOL}-{dataType}-{YYYY-MM-DD}.zip` for `aggTrades` and
 *   `trades`, `{outDir}/{SYMBOL}-1m-{YYYY-MM-DD}.zip` for `klines` (Binance
 *   names kline dumps by their interval), holding one CSV named like the zip
 *   without `.zip`;
 * - `{zip}.CHECKSUM`: `"<sha256 hex>  <zip file name>\n"`.
 *
 * The CSV has the Parquet's columns in order; booleans are written
 * `True`/`False` for `spot` (Python style, as Binance's spot dumps have
 * them) and `true`/`false` for futures. Returns the zip path.
 *
 * @example
 * ```ts
 * import { generateSample, writeBinanceZip } from "./sample.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateSample({ dataDir, symbols: ["ETHUSDT"], days: 1, market: "spot" });
 * const zip = await writeBinanceZip({
 *   dataDir,
 *   market: "spot",
 *   dataType: "aggTrades",
 *   symbol: "ETHUSDT",
 *   day: "2024-01-01",
 *   outDir: `${dataDir}/vision`,
 * });
 * console.log(await Deno.readTextFile(`${zip}.CHECKSUM`)); // "<sha256>  ETHUSDT-aggTrades-2024-01-01.zip\n"
 * ```
 *
 * @example Klines are named by their interval
 * ```ts
 * import { generateSample, writeBinanceZip } from "./sample.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateSample({ dataDir, symbols: ["BTCUSDT"], days: 1, dataType: "klines" });
 * const zip = await writeBinanceZip({
 *   dataDir,
 *   market: "futures_um",
 *   dataType: "klines",
 *   symbol: "BTCUSDT",
 *   day: "2024-01-01",
 *   outDir: dataDir,
 * });
 * console.log(zip); // .../BTCUSDT-1m-2024-01-01.zip
 * ```
 *
 * @throws {TypeError} an option has the wrong type.
 * @throws {RangeError} an option has an invalid value.
 * @throws {Deno.errors.NotFound} the Parquet file for that symbol-day does not exist.
 */
export async function writeBinanceZip(
  options: BinanceZipOptions,
): Promise<string> {
  const fn = "writeBinanceZip";
  if (typeof options !== "object" || options === null) {
    fail("type", fn, "options", "an object", options);
  }
  checkOptions(fn, options, BINANCE_ZIP_OPTIONS);
  const dataDir = checkString(fn, "dataDir", options.dataDir);
  const outDir = checkString(fn, "outDir", options.outDir);
  const market = checkEnum(fn, "market", options.market, MARKETS);
  const dataType = checkEnum(fn, "dataType", options.dataType, DATA_TYPES);
  const symbol = checkSymbol(fn, "symbol", options.symbol);
  const day = parseDay(fn, options.day);
  const header = options.header ?? market !== "spot";
  if (typeof header !== "boolean") {
    fail("type", fn, "header", "a boolean", header);
  }

  const source = hivePath(dataDir, market, dataType, symbol, day * DAY_MS);
  if (!(await exists(source))) {
    throw new Deno.errors.NotFound(
      `${fn}: no generated file for ${symbol} ${formatDay(day)} ` +
        `(${market}/${dataType}) at ${source}; run generateSample first`,
    );
  }
  const baseName = `${symbol}-${dataType === "klines" ? "1m" : dataType}-${
    formatDay(day)
  }`;
  const zipPath = join(outDir, `${baseName}.zip`);
  await Deno.mkdir(outDir, { recursive: true });

  const csvTmp = temporarySibling(join(outDir, `${baseName}.csv`));
  let csv: Uint8Array;
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    try {
      const from = "read_parquet($source, hive_partitioning = false)";
      const described = await connection.runAndReadAll(
        `DESCRIBE SELECT * FROM ${from}`,
        { source },
      );
      const [names, types] = [0, 1].map((c) =>
        described.getColumns()[c].map(String)
      );
      const columns = names.map((name, i) => {
        const id = quoteIdentifier(name);
        return market === "spot" && types[i] === "BOOLEAN"
          ? `CASE ${id} WHEN true THEN 'True' WHEN false THEN 'False' END AS ${id}`
          : id;
      });
      await connection.run(
        `COPY (SELECT ${columns.join(", ")} FROM ${from})
          TO $target (FORMAT csv, HEADER ${header})`,
        { source, target: csvTmp },
      );
    } finally {
      connection.closeSync();
    }
    csv = await Deno.readFile(csvTmp);
  } finally {
    instance.closeSync();
    await removeQuietly(csvTmp);
  }

  await writeVisionZip(zipPath, csv, day * DAY_MS);
  return zipPath;
}

/**
 * Writes `csv` as Binance Vision publishes a dump: the zip at `zipPath`
 * holding one CSV named like it without `.zip`, and `{zip}.CHECKSUM`,
 * `"<sha256 hex>  <zip file name>\n"` (both atomically).
 *
 * @example
 * ```ts
 * import { writeVisionZip } from "./sample.ts";
 * const dir = await Deno.makeTempDir();
 * await writeVisionZip(`${dir}/A-fundingRate-2024-01.zip`, new TextEncoder().encode("1,8,0.0001\n"), 0);
 * ```
 */
export async function writeVisionZip(
  zipPath: string,
  csv: Uint8Array,
  modifiedMs: number,
): Promise<void> {
  const name = basename(zipPath);
  const zip = await zipOne(name.replace(/\.zip$/, ".csv"), csv, modifiedMs);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", zip as Uint8Array<ArrayBuffer>),
  );
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  for (
    const [path, bytes] of [
      [zipPath, zip],
      [`${zipPath}.CHECKSUM`, new TextEncoder().encode(`${hex}  ${name}\n`)],
    ] as const
  ) {
    await writeAtomic(path, (tmp) => Deno.writeFile(tmp, bytes));
  }
}

// ---------------------------------------------------------------------------
// Bybit trade dump

/** Header of Bybit's public trade dumps (public.bybit.com/trading/). */
const BYBIT_COLUMNS = [
  "timestamp",
  "symbol",
  "side",
  "size",
  "price",
  "tickDirection",
  "trdMatchID",
  "grossValue",
  "homeNotional",
  "foreignNotional",
] as const;

/**
 * The Bybit rows of one generated `futures_um` trades file, in trade-id
 * order (`order` is `ASC` or `DESC`, spliced in, never user text). Binds
 * `$source` (the Parquet path) and `$symbol`.
 *
 * - `timestamp`: seconds with exactly three decimals, built as text from the
 *   integer milliseconds, so `round(timestamp * 1000)` of the DOUBLE gives
 *   them back exactly.
 * - `tickDirection`: the sign of the price change from the previous trade;
 *   an unchanged price carries the last non-zero sign (`ZeroPlusTick` when
 *   there is none yet).
 * - `trdMatchID`: md5 of `"{symbol}-{id}"` laid out as a version-3 UUID
 *   (version nibble 3, RFC 4122 variant bits).
 * - `grossValue`: price × size in units of 10^-8, rounded; `foreignNotional`
 *   is the trade's quote quantity (price × size, rounded once).
 */
function bybitSql(order: "ASC" | "DESC"): string {
  const [ts, sym, side, size, price, tick, match, gross, home, foreign] =
    BYBIT_COLUMNS.map(quoteIdentifier);
  return `WITH moves AS (
  SELECT id, "time" AS ms, price, qty, quote_qty, is_buyer_maker,
    sign(price - lag(price) OVER (ORDER BY id)) AS move
  FROM read_parquet($source, hive_partitioning = false)
),
carried AS (
  SELECT *,
    coalesce(last_value(nullif(move, 0) IGNORE NULLS) OVER (
      ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), 1)
      AS last_move,
    md5($symbol::VARCHAR || '-' || id::VARCHAR) AS hx
  FROM moves
)
SELECT
  (ms // 1000)::VARCHAR || '.' || lpad((ms % 1000)::VARCHAR, 3, '0') AS ${ts},
  $symbol::VARCHAR AS ${sym},
  CASE WHEN is_buyer_maker THEN 'Sell' ELSE 'Buy' END AS ${side},
  qty AS ${size},
  price AS ${price},
  CASE WHEN move > 0 THEN 'PlusTick' WHEN move < 0 THEN 'MinusTick'
    WHEN last_move > 0 THEN 'ZeroPlusTick' ELSE 'ZeroMinusTick' END AS ${tick},
  substr(hx, 1, 8) || '-' || substr(hx, 9, 4) || '-3' || substr(hx, 14, 3)
    || '-' || substr('89ab89ab89ab89ab', strpos('0123456789abcdef', substr(hx, 17, 1)), 1)
    || substr(hx, 18, 3) || '-' || substr(hx, 21, 12) AS ${match},
  round(quote_qty * 1e8)::BIGINT AS ${gross},
  qty AS ${home},
  quote_qty AS ${foreign}
FROM carried
ORDER BY id ${order}`;
}

/**
 * Writes `{outDir}/{SYMBOL}{YYYY-MM-DD}.csv.gz` (no separator between symbol
 * and date, e.g. `BTCUSDT2024-01-01.csv.gz`), in the format of Bybit's daily
 * trade dumps on public.bybit.com/trading/, from the Parquet file
 * {@linkcode generateSample} wrote for that symbol-day with
 * `market: "futures_um"` and `dataType: "trades"`. Returns its path.
 *
 * The file is a gzip-compressed CSV with the header line
 * `timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional`
 * and one row per trade:
 *
 * - `timestamp`: the trade time in seconds with three decimals
 *   (`1704067200.123`); read as a DOUBLE, `round(timestamp * 1000)` is the
 *   exact epoch millisecond;
 * - `side`: the taker's side, `Sell` when the buyer was the maker, else `Buy`;
 * - `size` and `homeNotional`: the quantity; `price`: the price;
 * - `tickDirection`: `PlusTick`/`MinusTick` when the price rose/fell from
 *   the previous trade (in time order), `ZeroPlusTick`/`ZeroMinusTick` when
 *   it is unchanged, after the last move up/down (the first trade is
 *   `ZeroPlusTick`);
 * - `trdMatchID`: a UUID-formatted id derived from md5 of the symbol and
 *   trade id, so the same trade always gets the same id;
 * - `grossValue`: `round(price × size × 10^8)`; `foreignNotional`:
 *   `price × size`.
 *
 * Rows are in trade-id (= time) order, or the exact reverse with
 * `descending: true`. DuckDB writes the CSV and compresses it; no row passes
 * through JavaScript. The file is written under a temporary name and renamed
 * into place.
 *
 * @example
 * ```ts
 * import { generateSample, writeBybitCsvGz } from "./sample.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateSample({
 *   dataDir,
 *   symbols: ["ETHUSDT"],
 *   days: 1,
 *   market: "futures_um",
 *   dataType: "trades",
 *   tradesPerDay: 2_000,
 * });
 * const gz = await writeBybitCsvGz({
 *   dataDir,
 *   symbol: "ETHUSDT",
 *   day: "2024-01-01",
 *   outDir: `${dataDir}/bybit/trading/ETHUSDT`,
 * });
 * console.log(gz); // .../bybit/trading/ETHUSDT/ETHUSDT2024-01-01.csv.gz
 * ```
 *
 * @throws {TypeError} an option has the wrong type.
 * @throws {RangeError} an option has an invalid value.
 * @throws {Deno.errors.NotFound} no `futures_um` trades file was generated for that symbol-day.
 */
export async function writeBybitCsvGz(
  options: BybitCsvOptions,
): Promise<string> {
  const fn = "writeBybitCsvGz";
  if (typeof options !== "object" || options === null) {
    fail("type", fn, "options", "an object", options);
  }
  checkOptions(fn, options, BYBIT_CSV_OPTIONS);
  const dataDir = checkString(fn, "dataDir", options.dataDir);
  const outDir = checkString(fn, "outDir", options.outDir);
  const symbol = checkSymbol(fn, "symbol", options.symbol);
  const day = parseDay(fn, options.day);
  const descending = options.descending ?? false;
  if (typeof descending !== "boolean") {
    fail("type", fn, "descending", "a boolean", descending);
  }

  const source = hivePath(
    dataDir,
    "futures_um",
    "trades",
    symbol,
    day * DAY_MS,
  );
  if (!(await exists(source))) {
    throw new Deno.errors.NotFound(
      `${fn}: no generated file for ${symbol} ${formatDay(day)} ` +
        `(futures_um/trades) at ${source}; run generateSample with ` +
        `market "futures_um" and dataType "trades" first`,
    );
  }
  const target = join(outDir, `${symbol}${formatDay(day)}.csv.gz`);
  await Deno.mkdir(outDir, { recursive: true });
  const sql = bybitSql(descending ? "DESC" : "ASC");
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    try {
      await writeAtomic(target, (tmp) =>
        connection.run(
          `COPY (${sql}) TO $tmp (FORMAT csv, HEADER true, COMPRESSION gzip)`,
          { source, symbol, tmp },
        ));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  return target;
}
