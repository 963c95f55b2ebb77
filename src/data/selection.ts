/**
 * Which tick data a call is about: exchange, market, data type, symbols and
 * a UTC range. Shared by the loader and the downloader.
 *
 * @module
 */
import type { RangeOptions } from "../time.ts";
import type { DataType } from "./adapters/adapter.ts";

/**
 * Symbols × a UTC range (`start` with `end` or `days`, or `end` with
 * `days`) of one exchange's market and data type.
 *
 * @example
 * ```ts
 * import type { DataSelection } from "./selection.ts";
 * const selection: DataSelection = { symbols: ["BTCUSDT"], start: "2024-01-01", days: 2 };
 * ```
 */
export interface DataSelection extends RangeOptions {
  /** One symbol or a list. */
  symbols: string | readonly string[];
  /** Exchange adapter name. @default "binance" */
  exchange?: string;
  /** Market: `spot`, `futures_um` or `futures_cm`. @default "futures_um" */
  market?: string;
  /** Source data type: `aggTrades`, `trades` or `klines`. @default "aggTrades" */
  dataType?: DataType;
}
