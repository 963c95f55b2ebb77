/**
 * Binance: spot, USDⓈ-M and COIN-M futures; aggTrades, trades and 1-minute
 * klines, as published daily on Binance Vision, and the futures' funding
 * rates, published monthly.
 *
 * @module
 */
import {
  type CsvColumn,
  type DataType,
  type DumpFormat,
  type ExchangeAdapter,
  hivePath,
  type KlineMapping,
  type TickMapping,
} from "./adapter.ts";

const VISION_URL = "https://data.binance.vision";
const MARKET_PATHS: Record<string, string> = {
  spot: "spot",
  futures_um: "futures/um",
  futures_cm: "futures/cm",
};
const DATA_TYPES: readonly DataType[] = ["aggTrades", "trades", "klines"];
const FUTURES_DATA_TYPES: readonly DataType[] = [...DATA_TYPES, "fundingRate"];
/** Every column of each dump in file order, with its DuckDB type. */
const DUMP_COLUMNS: Record<DataType, readonly CsvColumn[]> = {
  aggTrades: columns(
    "agg_trade_id BIGINT, price DOUBLE, quantity DOUBLE, first_trade_id BIGINT, last_trade_id BIGINT, transact_time BIGINT, is_buyer_maker BOOLEAN",
  ),
  trades: columns(
    "id BIGINT, price DOUBLE, qty DOUBLE, quote_qty DOUBLE, time BIGINT, is_buyer_maker BOOLEAN",
  ),
  klines: columns(
    "open_time BIGINT, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, close_time BIGINT, quote_volume DOUBLE, count BIGINT, taker_buy_volume DOUBLE, taker_buy_quote_volume DOUBLE, ignore BIGINT",
  ),
  fundingRate: columns(
    "calc_time BIGINT, funding_interval_hours BIGINT, last_funding_rate DOUBLE",
  ),
};
/** Spot trade dumps carry one more column than futures. */
const BEST_MATCH: CsvColumn = { name: "is_best_match", type: "BOOLEAN" };
const TIME_COLUMNS: Record<DataType, readonly string[]> = {
  aggTrades: ["transact_time"],
  trades: ["time"],
  klines: ["open_time", "close_time"],
  fundingRate: ["calc_time"],
};

function columns(spec: string): CsvColumn[] {
  return spec.split(", ").map((column) => {
    const [name, type] = column.split(" ");
    return { name, type };
  });
}

function dumpColumns(market: string, dataType: DataType): CsvColumn[] {
  const base = [...DUMP_COLUMNS[dataType]];
  return market === "spot" && dataType !== "klines"
    ? [...base, BEST_MATCH]
    : base;
}

/**
 * The Binance adapter. Spot switched its timestamps to microseconds in 2025,
 * so times are detected per value (µs from 1e14 on) and normalised to
 * milliseconds in every market and data type (when read, and when a
 * downloaded dump is converted). Spot trade dumps have a
 * trailing `is_best_match` column, which is kept; dumps may or may not start
 * with a header line.
 *
 * @example
 * ```ts
 * import { binance } from "./binance.ts";
 * console.log(binance.downloadUrl("futures_um", "aggTrades", "BTCUSDT", Date.UTC(2024, 0, 1)));
 * // https://data.binance.vision/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-01.zip
 * console.log(binance.downloadUrl("futures_um", "fundingRate", "BTCUSDT", Date.UTC(2024, 0, 1)));
 * // https://data.binance.vision/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip
 * ```
 */
export const binance: ExchangeAdapter = {
  name: "binance",
  markets: Object.keys(MARKET_PATHS),
  dataTypes: (market) => market === "spot" ? DATA_TYPES : FUTURES_DATA_TYPES,
  requiredColumns: (_market, dataType) =>
    DUMP_COLUMNS[dataType].map((c) => c.name),
  tickMapping(_market, dataType): TickMapping {
    const timeUnit = "auto";
    return dataType === "aggTrades"
      ? {
        id: "agg_trade_id",
        time: "transact_time",
        timeUnit,
        price: "price",
        quantity: "quantity",
        isBuyerMaker: "is_buyer_maker",
      }
      : {
        id: "id",
        time: "time",
        timeUnit,
        price: "price",
        quantity: "qty",
        isBuyerMaker: "is_buyer_maker",
      };
  },
  klineMapping(): KlineMapping {
    return {
      openTime: "open_time",
      timeUnit: "auto",
      intervalMs: 60_000,
      open: "open",
      high: "high",
      low: "low",
      close: "close",
      volume: "volume",
      quoteVolume: "quote_volume",
      trades: "count",
      takerBuyVolume: "taker_buy_volume",
    };
  },
  filePath: hivePath,
  downloadUrl(market, dataType, symbol, dayMs, baseUrl = VISION_URL) {
    const day = new Date(dayMs).toISOString().slice(0, 10);
    if (dataType === "fundingRate") {
      return `${baseUrl}/data/${
        MARKET_PATHS[market]
      }/monthly/fundingRate/${symbol}/${symbol}-fundingRate-${
        day.slice(0, 7)
      }.zip`;
    }
    const kind = dataType === "klines"
      ? `klines/${symbol}/1m`
      : `${dataType}/${symbol}`;
    const file = dataType === "klines"
      ? `${symbol}-1m-${day}`
      : `${symbol}-${dataType}-${day}`;
    return `${baseUrl}/data/${MARKET_PATHS[market]}/daily/${kind}/${file}.zip`;
  },
  dumpFormat(market, dataType): DumpFormat {
    const columns = dumpColumns(market, dataType);
    // Spot times turned to microseconds in 2025 (and any market may follow);
    // stored files hold ms.
    const select = columns.map(({ name }) =>
      TIME_COLUMNS[dataType].includes(name)
        ? `CASE WHEN ${name} >= 100000000000000 THEN ${name} // 1000 ELSE ${name} END AS ${name}`
        : name
    );
    return {
      compression: "zip",
      checksumSuffix: ".CHECKSUM",
      columns,
      header: "auto",
      query: `SELECT ${select.join(", ")} FROM dump`,
    };
  },
};
