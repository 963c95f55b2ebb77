/**
 * Binance: spot, USDⓈ-M and COIN-M futures; aggTrades, trades and 1-minute
 * klines, as published daily on Binance Vision.
 *
 * @module
 */
import {
  type DataType,
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
const COLUMNS: Record<DataType, readonly string[]> = {
  aggTrades: [
    "agg_trade_id",
    "price",
    "quantity",
    "first_trade_id",
    "last_trade_id",
    "transact_time",
    "is_buyer_maker",
  ],
  trades: ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker"],
  klines: [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
  ],
};

/**
 * The Binance adapter. Spot switched its timestamps to microseconds in 2025,
 * so spot times are detected per value and normalised to milliseconds.
 *
 * @example
 * ```ts
 * import { binance } from "./binance.ts";
 * console.log(binance.downloadUrl("futures_um", "aggTrades", "BTCUSDT", Date.UTC(2024, 0, 1)));
 * // https://data.binance.vision/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-01.zip
 * ```
 */
export const binance: ExchangeAdapter = {
  name: "binance",
  markets: Object.keys(MARKET_PATHS),
  dataTypes: () => DATA_TYPES,
  requiredColumns: (_market, dataType) => COLUMNS[dataType],
  tickMapping(market, dataType): TickMapping {
    const timeUnit = market === "spot" ? "auto" : "ms";
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
  klineMapping(market): KlineMapping {
    return {
      openTime: "open_time",
      timeUnit: market === "spot" ? "auto" : "ms",
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
    const kind = dataType === "klines"
      ? `klines/${symbol}/1m`
      : `${dataType}/${symbol}`;
    const file = dataType === "klines"
      ? `${symbol}-1m-${day}`
      : `${symbol}-${dataType}-${day}`;
    return `${baseUrl}/data/${MARKET_PATHS[market]}/daily/${kind}/${file}.zip`;
  },
};
