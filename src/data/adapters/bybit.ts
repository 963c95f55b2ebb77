/**
 * Bybit: the daily trade dumps of its derivatives (linear USDT/USDC and
 * inverse contracts) published on public.bybit.com.
 *
 * @module
 */
import { InvalidArgumentError } from "../../errors.ts";
import type {
  CsvColumn,
  DataType,
  DumpFormat,
  ExchangeAdapter,
  KlineMapping,
  TickMapping,
} from "./adapter.ts";
import { hivePath } from "./adapter.ts";

const PUBLIC_URL = "https://public.bybit.com";
const DATA_TYPES: readonly DataType[] = ["trades"];
const DUMP_COLUMNS: readonly CsvColumn[] = [
  { name: "timestamp", type: "DOUBLE" },
  { name: "symbol", type: "VARCHAR" },
  { name: "side", type: "VARCHAR" },
  { name: "size", type: "DOUBLE" },
  { name: "price", type: "DOUBLE" },
  { name: "tickDirection", type: "VARCHAR" },
  { name: "trdMatchID", type: "VARCHAR" },
  { name: "grossValue", type: "DOUBLE" },
  { name: "homeNotional", type: "DOUBLE" },
  { name: "foreignNotional", type: "DOUBLE" },
];
/** Trade ids are `(days since the epoch) × 10^10 + position in the day`. */
const IDS_PER_DAY = 10_000_000_000;

/**
 * The Bybit adapter, for `dataType: "trades"` in `futures_um` (linear) and
 * `futures_cm` (inverse) markets, both served from `/trading/`.
 *
 * The dumps have no trade id, so conversion assigns `trade_id`: the day
 * (`floor(first timestamp / 86400)`) × 10^10 plus the trade's position in time
 * order, ties kept in file order (read backwards when the file lists the
 * latest trade first). Ids therefore keep increasing across days. Times stay
 * the dump's seconds with fraction (`timestamp`), read as milliseconds
 * rounded to the nearest one. `size` is the quantity as published (the base
 * asset on linear contracts, contracts on inverse ones); `side` is the
 * taker's side, so `side = 'Sell'` means the buyer was the maker.
 *
 * @example
 * ```ts
 * import { bybit } from "./bybit.ts";
 * console.log(bybit.downloadUrl("futures_um", "trades", "BTCUSDT", Date.UTC(2024, 0, 1)));
 * // https://public.bybit.com/trading/BTCUSDT/BTCUSDT2024-01-01.csv.gz
 * ```
 */
export const bybit: ExchangeAdapter = {
  name: "bybit",
  markets: ["futures_um", "futures_cm"],
  dataTypes: () => DATA_TYPES,
  requiredColumns: () => ["trade_id", "timestamp", "side", "size", "price"],
  tickMapping(): TickMapping {
    return {
      id: "trade_id",
      time: "timestamp",
      timeUnit: "s",
      price: "price",
      quantity: "size",
      isBuyerMaker: "side = 'Sell'",
    };
  },
  klineMapping(market): KlineMapping {
    throw new InvalidArgumentError(
      "dataType",
      "klines",
      `one of "trades" (Bybit ${market} publishes no klines dump)`,
    );
  },
  filePath: hivePath,
  downloadUrl(_market, _dataType, symbol, dayMs, baseUrl = PUBLIC_URL) {
    const day = new Date(dayMs).toISOString().slice(0, 10);
    return `${baseUrl}/trading/${symbol}/${symbol}${day}.csv.gz`;
  },
  dumpFormat(): DumpFormat {
    return {
      compression: "gzip",
      checksumSuffix: null,
      columns: DUMP_COLUMNS,
      header: true,
      query: `WITH ordered AS (
  SELECT *,
    floor(min(timestamp) OVER () / 86400)::BIGINT AS day,
    CASE WHEN arg_min(timestamp, file_row) OVER ()
      > arg_max(timestamp, file_row) OVER () THEN -file_row ELSE file_row END
      AS seq
  FROM numbered_dump
)
SELECT day * ${IDS_PER_DAY} + row_number() OVER (ORDER BY timestamp, seq)
    AS trade_id,
  ${DUMP_COLUMNS.map((c) => c.name).join(", ")}
FROM ordered ORDER BY trade_id`,
    };
  },
};
