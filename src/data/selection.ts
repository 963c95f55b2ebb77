/**
 * Which tick data a call is about: exchange, market, data type, symbols and
 * a UTC range. Shared by the loader and the downloader.
 *
 * @module
 */
import { type RangeOptions, resolveRange } from "../time.ts";
import {
  type DataType,
  type ExchangeAdapter,
  getAdapter,
} from "./adapters/mod.ts";
import { validateSymbols } from "./bar_spec.ts";
import { oneOf } from "../options.ts";
import type { OptionNames } from "../options.ts";

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

/** The option names of {@linkcode DataSelection}. */
export const SELECTION_OPTIONS: OptionNames<DataSelection> = {
  symbols: true,
  start: true,
  end: true,
  days: true,
  exchange: true,
  market: true,
  dataType: true,
};

/** A {@linkcode DataSelection} checked, with its defaults filled in. */
export interface ResolvedSelection {
  /** The exchange's adapter. */
  adapter: ExchangeAdapter;
  /** One of the adapter's markets. */
  market: string;
  /** One of the market's data types. */
  dataType: DataType;
  /** Valid symbols, without duplicates. */
  symbols: string[];
  /** Inclusive start, epoch ms. */
  lo: number;
  /** Exclusive end, epoch ms. */
  hi: number;
}

/**
 * Checks a selection and fills in its defaults.
 *
 * @example
 * ```ts
 * import { resolveSelection } from "./selection.ts";
 * const { adapter, market, lo, hi } = resolveSelection({ symbols: "BTCUSDT", start: "2024-01-01", days: 1 });
 * console.log(adapter.name, market, hi - lo); // binance futures_um 86400000
 * ```
 *
 * @throws {InvalidArgumentError} an unknown exchange, market or data type, a
 * bad symbol, or an invalid range.
 */
export function resolveSelection(selection: DataSelection): ResolvedSelection {
  const adapter = getAdapter(selection.exchange ?? "binance");
  const market = oneOf(
    "market",
    selection.market ?? "futures_um",
    adapter.markets,
  );
  const dataType = oneOf(
    "dataType",
    selection.dataType ?? "aggTrades",
    adapter.dataTypes(market),
  );
  const symbols = validateSymbols(selection.symbols);
  const [lo, hi] = resolveRange(selection);
  return { adapter, market, dataType, symbols, lo, hi };
}
