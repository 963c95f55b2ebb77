/**
 * The exchange adapter interface: everything factorium needs to know about one
 * exchange's tick files. Adding an exchange is one new file implementing
 * {@linkcode ExchangeAdapter}, listed in `adapters/mod.ts`.
 *
 * @module
 */

/**
 * Kinds of source data. `klines` are ready-made bars; `fundingRate` holds
 * perpetual-futures funding settlements (published monthly, read with
 * `DataLoader.loadFunding`); the others are ticks.
 */
export type DataType = "aggTrades" | "trades" | "klines" | "fundingRate";

/** The tick data types (what tick, volume and dollar bars are built from). */
export type TickDataType = Exclude<DataType, "klines" | "fundingRate">;

/**
 * How long one dump covers: a UTC day, or a UTC month (`fundingRate`, which
 * Binance Vision publishes monthly). Files are stored one per period.
 *
 * @example
 * ```ts
 * import { dumpPeriod } from "./adapter.ts";
 * console.log(dumpPeriod("aggTrades"), dumpPeriod("fundingRate")); // day month
 * ```
 */
export function dumpPeriod(dataType: DataType): "day" | "month" {
  return dataType === "fundingRate" ? "month" : "day";
}

/**
 * Unit of a raw timestamp column; `auto` decides per value: seconds below
 * 1e11 (before 5138 AD in seconds, before 1973 in ms), milliseconds below
 * 1e14, microseconds below 1e17, nanoseconds from there (see
 * {@linkcode AUTO_UNIT_LIMITS}).
 */
export type TimestampUnit = "s" | "ms" | "us" | "auto";

/**
 * SQL expressions over a source file's raw columns giving the normalised
 * tick columns.
 */
export interface TickMapping {
  /** Orders trades within a symbol (the trade id). */
  id: string;
  /** The raw timestamp; its unit is {@linkcode TickMapping.timeUnit}. */
  time: string;
  /** Unit of {@linkcode TickMapping.time}. */
  timeUnit: TimestampUnit;
  /** Trade price. */
  price: string;
  /** Traded quantity (base asset). */
  quantity: string;
  /** True when the taker sold (the buyer was the maker). */
  isBuyerMaker: string;
}

/** SQL expressions over a kline file's raw columns giving bar columns. */
export interface KlineMapping {
  /** Bar open time (raw unit, see `timeUnit`). */
  openTime: string;
  /** Unit of `openTime`. */
  timeUnit: TimestampUnit;
  /** Bar length in milliseconds. */
  intervalMs: number;
  /** First price. */
  open: string;
  /** Highest price. */
  high: string;
  /** Lowest price. */
  low: string;
  /** Last price. */
  close: string;
  /** Base volume. */
  volume: string;
  /** Quote volume (sum of price × quantity). */
  quoteVolume: string;
  /** Number of trades. */
  trades: string;
  /** Base volume bought by takers. */
  takerBuyVolume: string;
}

/** One column of an exchange's raw CSV dump. */
export interface CsvColumn {
  /** Column name (the header's, where the dump has a header). */
  name: string;
  /** DuckDB type the column is read as, e.g. `"BIGINT"`, `"DOUBLE"`. */
  type: string;
}

/**
 * How one symbol-day is published and how it becomes the stored Parquet file.
 *
 * @example
 * ```ts
 * import { binance } from "./binance.ts";
 * const format = binance.dumpFormat("spot", "aggTrades");
 * console.log(format.compression, format.columns.length); // zip 8
 * ```
 */
export interface DumpFormat {
  /** `zip`: a ZIP archive holding one CSV; `gzip`: a gzip-compressed CSV. */
  compression: "zip" | "gzip";
  /**
   * Suffix of the file next to the dump that holds its SHA-256 in hex
   * (`".CHECKSUM"` on Binance Vision), or `null` when none is published.
   */
  checksumSuffix: string | null;
  /** The CSV's columns in file order. */
  columns: readonly CsvColumn[];
  /**
   * Whether the CSV starts with a header line; `"auto"`: it does when its
   * first field does not start with a digit or a minus sign.
   */
  header: boolean | "auto";
  /**
   * DuckDB query giving the stored Parquet rows from the relation `dump`,
   * which holds {@linkcode DumpFormat.columns} in file order, or from
   * `numbered_dump`, the same plus `file_row`, the 1-based position of the
   * row in the file (numbering costs a pass; use it only where needed). This
   * is where timestamps are normalised and missing trade ids assigned.
   */
  query: string;
}

/**
 * One exchange's file layout, columns and download addresses.
 *
 * @example
 * ```ts
 * import { binance } from "./binance.ts";
 * console.log(binance.filePath("/data", "futures_um", "aggTrades", "BTCUSDT", Date.UTC(2024, 0, 1)));
 * // /data/market=futures_um/data_type=aggTrades/symbol=BTCUSDT/year=2024/month=01/day=01/data.parquet
 * ```
 */
export interface ExchangeAdapter {
  /** Lower-case exchange name used in options, e.g. `"binance"`. */
  readonly name: string;
  /** Markets the exchange publishes, e.g. `["spot", "futures_um"]`. */
  readonly markets: readonly string[];
  /** Data types available for `market`. */
  dataTypes(market: string): readonly DataType[];
  /** Columns a source file of this kind must have. */
  requiredColumns(market: string, dataType: DataType): readonly string[];
  /** How raw tick columns map onto factorium's tick columns. */
  tickMapping(market: string, dataType: TickDataType): TickMapping;
  /** How raw kline columns map onto bar columns. */
  klineMapping(market: string): KlineMapping;
  /**
   * Path of the Parquet file holding one symbol and UTC day (or UTC month,
   * `dayMs` its first day, for a monthly {@linkcode dumpPeriod}).
   */
  filePath(
    root: string,
    market: string,
    dataType: DataType,
    symbol: string,
    dayMs: number,
  ): string;
  /** Address of the exchange's dump for one symbol-day (or symbol-month). */
  downloadUrl(
    market: string,
    dataType: DataType,
    symbol: string,
    dayMs: number,
    baseUrl?: string,
  ): string;
  /** How the dump at {@linkcode ExchangeAdapter.downloadUrl} is read and converted. */
  dumpFormat(market: string, dataType: DataType): DumpFormat;
}

/**
 * The Hive-partitioned path shared by every adapter:
 * `{root}/market=M/data_type=T/symbol=S/year=YYYY/month=MM/day=DD/data.parquet`
 * (without the `day=DD` level for monthly data types, see
 * {@linkcode dumpPeriod}).
 *
 * @example
 * ```ts
 * import { hivePath } from "./adapter.ts";
 * console.log(hivePath("/d", "spot", "trades", "ETHUSDT", 0));
 * // /d/market=spot/data_type=trades/symbol=ETHUSDT/year=1970/month=01/day=01/data.parquet
 * ```
 */
export function hivePath(
  root: string,
  market: string,
  dataType: string,
  symbol: string,
  dayMs: number,
): string {
  const [y, m, d] = new Date(dayMs).toISOString().slice(0, 10).split("-");
  const day = dumpPeriod(dataType as DataType) === "month" ? "" : `/day=${d}`;
  return `${root}/market=${market}/data_type=${dataType}/symbol=${symbol}/year=${y}/month=${m}${day}/data.parquet`;
}

/**
 * Where `auto` timestamps change unit: a value below `s` is seconds, below
 * `ms` milliseconds, below `us` microseconds, else nanoseconds. Each unit
 * covers 1973 to 5138 AD.
 */
export const AUTO_UNIT_LIMITS = { s: 1e11, ms: 1e14, us: 1e17 } as const;

/**
 * SQL turning a raw timestamp expression into epoch milliseconds.
 *
 * @example
 * ```ts
 * import { timeToMsSql } from "./adapter.ts";
 * console.log(timeToMsSql("t", "us")); // (CAST(t AS BIGINT) // 1000)
 * ```
 */
export function timeToMsSql(expr: string, unit: TimestampUnit): string {
  const { s, ms, us } = AUTO_UNIT_LIMITS;
  switch (unit) {
    case "ms":
      return `CAST(${expr} AS BIGINT)`;
    case "us":
      return `(CAST(${expr} AS BIGINT) // 1000)`;
    case "s":
      return `CAST(round(${expr} * 1000) AS BIGINT)`;
    case "auto":
      return `(CASE WHEN ${expr} < ${s} THEN CAST(round(${expr} * 1000) AS BIGINT)
        WHEN ${expr} < ${ms} THEN CAST(${expr} AS BIGINT)
        WHEN ${expr} < ${us} THEN CAST(${expr} AS BIGINT) // 1000
        ELSE CAST(${expr} AS BIGINT) // 1000000 END)`;
  }
}

/**
 * The JavaScript twin of {@linkcode timeToMsSql}, for one raw value (as
 * a number; nanosecond values lose their last digits, not their day).
 *
 * @example
 * ```ts
 * import { timeToMs } from "./adapter.ts";
 * console.log(timeToMs(1704067200, "auto"), timeToMs(1704067200000000, "auto")); // 1704067200000 1704067200000
 * ```
 */
export function timeToMs(value: number, unit: TimestampUnit): number {
  const { s, ms, us } = AUTO_UNIT_LIMITS;
  if (unit === "auto") {
    unit = value < s ? "s" : value < ms ? "ms" : value < us ? "us" : "auto";
    if (unit === "auto") return Math.floor(value / 1e6);
  }
  return unit === "s"
    ? Math.round(value * 1000)
    : unit === "us"
    ? Math.floor(value / 1000)
    : Math.trunc(value);
}
