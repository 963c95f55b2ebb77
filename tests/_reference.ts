/**
 * Plain-loop reference for "tick data -> OHLCV bars".
 *
 * This file is test support only. It is deliberately slow and simple: every
 * rule is a loop over arrays with a comment saying which rule it implements,
 * so that it can be read and trusted on its own and then used to check the
 * real implementation (which runs in DuckDB SQL).
 *
 * Polars is used ONLY to read and write Parquet files, never to compute bars.
 *
 * Rules implemented by referenceBars() (the specification):
 *
 * Trade order
 *   R1. Within a bar (and, for tick/volume/dollar bars, within a symbol) trades
 *       are ordered by (id, then time). "First"/"last"/"in trade order" below
 *       always refer to this order.
 *
 * Time bars ({ type: "time", intervalMs })
 *   T1. bucket start = Math.floor(time / intervalMs) * intervalMs (epoch grid,
 *       UTC); end_time = start + intervalMs (exclusive).
 *   T2. Ticks are grouped per (symbol, bucket); symbols never mix. A bar exists
 *       only if it holds at least one tick.
 *   T3. Keep bars whose start_time is in [range.start, range.end). Such a bar
 *       holds ALL its ticks, even those at or after range.end (a bar straddling
 *       the range end, or crossing UTC midnight, is complete).
 *
 * Tick / volume / dollar bars
 *   S1. Only ticks with range.start <= time < range.end are used.
 *   S2. Per symbol, walk the ticks in trade order (R1). Add each trade to the
 *       current bar, then check whether the bar is complete:
 *         tick:   the bar holds `ticks` trades;
 *         volume: running sum of qty >= volume;
 *         dollar: running sum of price*qty >= dollars (price*qty computed per
 *                 trade and added, in trade order, to a sum that starts at 0
 *                 for every new bar: exactly that floating-point order).
 *   S3. A complete bar closes; the next trade starts a new bar from zero (no
 *       carry-over of any excess). Bars run on across day boundaries.
 *   S4. A final incomplete bar at the end of a symbol's ticks is kept.
 *   S5. start_time / end_time = time of the first / last trade of the bar.
 *
 * Every bar
 *   B1. open = price of the first trade, close = price of the last trade.
 *   B2. high / low = max / min price.
 *   B3. volume = sum of qty, added in trade order starting from 0.
 *   B4. vwap = (sum of price*qty, added in trade order starting from 0) / volume.
 *   B5. trades = number of ticks.
 *   B6. buyer = the taker bought = NOT isBuyerMaker. num_buyer = number of
 *       buyer trades, num_seller = number of seller trades;
 *       num_buyer_volume / num_seller_volume = sums of their qty (trade order).
 *   B7. A trade whose isBuyerMaker is null (side unknown) counts in neither
 *       side, so num_buyer + num_seller may be less than trades.
 *
 * Output
 *   O1. Bars are sorted by (end_time, symbol). The sort is stable, so bars that
 *       tie on both keys (possible only for consecutive tick/volume/dollar bars
 *       of one symbol whose last trades share a millisecond) stay in the order
 *       they were built, i.e. in trade order.
 */

import pl from "nodejs-polars";
import { join } from "node:path";

/** One row per trade (Binance aggTrade); any number of symbols, any order. */
export interface Ticks {
  symbol: string[];
  /** trade id (agg_trade_id): the ordering key */
  id: number[];
  /** epoch ms UTC */
  time: number[];
  price: number[];
  qty: number[];
  /** null: side unknown (counted in neither side) */
  isBuyerMaker: (boolean | null)[];
}

export type RefBarSpec =
  | { type: "time"; intervalMs: number }
  | { type: "tick"; ticks: number }
  | { type: "volume"; volume: number }
  | { type: "dollar"; dollars: number };

export interface RefBar {
  symbol: string;
  start_time: number;
  end_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number;
  trades: number;
  num_buyer: number;
  num_seller: number;
  num_buyer_volume: number;
  num_seller_volume: number;
}

/** One trade as a record; easier to sort and read than parallel arrays. */
interface Trade {
  symbol: string;
  id: number;
  time: number;
  price: number;
  qty: number;
  isBuyerMaker: boolean | null;
}

// ---------------------------------------------------------------------------
// Bars
// ---------------------------------------------------------------------------

/** Bars for [start, end) (epoch ms), sorted by (end_time, symbol). */
export function referenceBars(
  ticks: Ticks,
  spec: RefBarSpec,
  range: { start: number; end: number },
): RefBar[] {
  checkSpec(spec);
  const trades = toTrades(ticks);
  const bars = spec.type === "time"
    ? timeBars(trades, spec.intervalMs, range)
    : sequentialBars(trades, spec, range);
  return sortBars(bars);
}

/** Rules T1-T3. */
function timeBars(
  trades: Trade[],
  intervalMs: number,
  range: { start: number; end: number },
): RefBar[] {
  // T1 + T2: put every tick into its (symbol, bucket) group.
  const groups = new Map<
    string,
    { symbol: string; start: number; trades: Trade[] }
  >();
  for (const t of trades) {
    const start = Math.floor(t.time / intervalMs) * intervalMs; // T1
    const key = JSON.stringify([t.symbol, start]); // T2: never mix symbols
    let group = groups.get(key);
    if (group === undefined) {
      group = { symbol: t.symbol, start, trades: [] };
      groups.set(key, group);
    }
    group.trades.push(t);
  }

  const bars: RefBar[] = [];
  for (const group of groups.values()) {
    // T3: keep the bar if its start is in [range.start, range.end), with all
    // of its ticks (no filtering of the ticks themselves).
    if (group.start < range.start || group.start >= range.end) continue;
    const ordered = [...group.trades].sort(compareTradeOrder); // R1
    bars.push(
      makeBar(group.symbol, ordered, group.start, group.start + intervalMs),
    );
  }
  return bars;
}

/** Rules S1-S5 for tick, volume and dollar bars. */
function sequentialBars(
  trades: Trade[],
  spec: Exclude<RefBarSpec, { type: "time" }>,
  range: { start: number; end: number },
): RefBar[] {
  // S1: only ticks inside [range.start, range.end); then group per symbol.
  const perSymbol = new Map<string, Trade[]>();
  for (const t of trades) {
    if (t.time < range.start || t.time >= range.end) continue;
    let list = perSymbol.get(t.symbol);
    if (list === undefined) {
      list = [];
      perSymbol.set(t.symbol, list);
    }
    list.push(t);
  }

  const bars: RefBar[] = [];
  for (const [symbol, list] of perSymbol) {
    const ordered = [...list].sort(compareTradeOrder); // R1

    // S2: walk the trades one by one.
    let current: Trade[] = [];
    let runningQty = 0; // volume bars: sum of qty in this bar
    let runningDollars = 0; // dollar bars: sum of price*qty in this bar
    for (const t of ordered) {
      current.push(t);
      runningQty += t.qty;
      runningDollars += t.price * t.qty;

      let complete: boolean;
      if (spec.type === "tick") complete = current.length === spec.ticks;
      else if (spec.type === "volume") complete = runningQty >= spec.volume;
      else complete = runningDollars >= spec.dollars;

      if (complete) {
        // S5: start/end = time of first/last trade of the bar.
        bars.push(
          makeBar(symbol, current, current[0].time, current.at(-1)!.time),
        );
        // S3: the next trade starts a new bar from zero (no carry-over).
        current = [];
        runningQty = 0;
        runningDollars = 0;
      }
    }
    // S4: keep the final incomplete bar.
    if (current.length > 0) {
      bars.push(
        makeBar(symbol, current, current[0].time, current.at(-1)!.time),
      );
    }
  }
  return bars;
}

/** Rules B1-B7. `trades` must already be in trade order (R1) and non-empty. */
function makeBar(
  symbol: string,
  trades: Trade[],
  start_time: number,
  end_time: number,
): RefBar {
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let dollars = 0;
  let num_buyer = 0;
  let num_seller = 0;
  let num_buyer_volume = 0;
  let num_seller_volume = 0;
  for (const t of trades) {
    if (t.price > high) high = t.price; // B2
    if (t.price < low) low = t.price; // B2
    volume += t.qty; // B3
    dollars += t.price * t.qty; // B4
    if (t.isBuyerMaker === false) {
      // B6: the buyer was NOT the maker, so the taker bought.
      num_buyer += 1;
      num_buyer_volume += t.qty;
    } else if (t.isBuyerMaker === true) {
      num_seller += 1;
      num_seller_volume += t.qty;
    } // B7: an unknown side (null) counts in neither side.
  }
  return {
    symbol,
    start_time,
    end_time,
    open: trades[0].price, // B1
    high,
    low,
    close: trades[trades.length - 1].price, // B1
    volume,
    vwap: dollars / volume, // B4 (NaN if volume is 0)
    trades: trades.length, // B5
    num_buyer,
    num_seller,
    num_buyer_volume,
    num_seller_volume,
  };
}

/** R1: order by id, then time. */
function compareTradeOrder(a: Trade, b: Trade): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return 0;
}

/** O1: stable sort by (end_time, symbol); symbols by plain code-unit order. */
function sortBars(bars: RefBar[]): RefBar[] {
  return [...bars].sort((a, b) => {
    if (a.end_time !== b.end_time) return a.end_time < b.end_time ? -1 : 1;
    if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
    return 0;
  });
}

function checkSpec(spec: RefBarSpec): void {
  const positive = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`${name} must be a positive number, got ${v}`);
    }
  };
  if (spec.type === "time") positive("intervalMs", spec.intervalMs);
  else if (spec.type === "tick") {
    positive("ticks", spec.ticks);
    if (!Number.isInteger(spec.ticks)) {
      throw new RangeError(`ticks must be an integer, got ${spec.ticks}`);
    }
  } else if (spec.type === "volume") positive("volume", spec.volume);
  else if (spec.type === "dollar") positive("dollars", spec.dollars);
  else throw new TypeError(`unknown bar type: ${JSON.stringify(spec)}`);
}

/** Parallel arrays -> records, checking that all arrays have one length. */
function toTrades(ticks: Ticks): Trade[] {
  const n = ticks.symbol.length;
  for (
    const [name, arr] of [
      ["id", ticks.id],
      ["time", ticks.time],
      ["price", ticks.price],
      ["qty", ticks.qty],
      ["isBuyerMaker", ticks.isBuyerMaker],
    ] as const
  ) {
    if (arr.length !== n) {
      throw new RangeError(
        `Ticks.${name} has ${arr.length} values but Ticks.symbol has ${n}`,
      );
    }
  }
  const trades: Trade[] = [];
  for (let i = 0; i < n; i++) {
    trades.push({
      symbol: ticks.symbol[i],
      id: ticks.id[i],
      time: ticks.time[i],
      price: ticks.price[i],
      qty: ticks.qty[i],
      isBuyerMaker: ticks.isBuyerMaker[i],
    });
  }
  return trades;
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/** Spot aggTrades files hold MICROsecond times; any value above this is µs. */
const MICROSECOND_THRESHOLD = 1e14;

/**
 * Reads Binance aggTrades Parquet files (Hive layout
 * .../symbol=XYZ/year=..../data.parquet) into Ticks, file after file, rows in
 * file order. The symbol comes from the `symbol=` path segment. Times above
 * 1e14 are microseconds (spot) and become ms with Math.floor(t / 1000).
 */
export function readAggTrades(files: string[]): Ticks {
  const out: Ticks = {
    symbol: [],
    id: [],
    time: [],
    price: [],
    qty: [],
    isBuyerMaker: [],
  };
  for (const file of files) {
    const symbol = symbolFromPath(file);
    const df = pl.readParquet(file, {
      columns: [
        "agg_trade_id",
        "price",
        "quantity",
        "transact_time",
        "is_buyer_maker",
      ],
    });
    const ids = numberColumn(df, "agg_trade_id", file);
    const prices = numberColumn(df, "price", file);
    const qtys = numberColumn(df, "quantity", file);
    const times = numberColumn(df, "transact_time", file);
    const makers = booleanColumn(df, "is_buyer_maker", file);
    for (let i = 0; i < df.height; i++) {
      const t = times[i];
      out.symbol.push(symbol);
      out.id.push(ids[i]);
      out.time.push(t > MICROSECOND_THRESHOLD ? Math.floor(t / 1000) : t);
      out.price.push(prices[i]);
      out.qty.push(qtys[i]);
      out.isBuyerMaker.push(makers[i]);
    }
  }
  return out;
}

/** All data.parquet files under a directory (recursive), sorted. */
export function listParquet(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of Deno.readDirSync(d)) {
      const path = join(d, entry.name);
      // Follow symlinks by asking stat() what they point to.
      const info = entry.isSymlink ? Deno.statSync(path) : entry;
      if (info.isDirectory) walk(path);
      else if (info.isFile && entry.name === "data.parquet") found.push(path);
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * Writes Ticks in the Hive layout
 * {dataDir}/market={market}/data_type=aggTrades/symbol={S}/year=YYYY/month=MM/day=DD/data.parquet,
 * one file per symbol and UTC day (of time), rows sorted by (id, time).
 * An existing file at the same path is overwritten. Returns the files written,
 * sorted.
 */
export function writeAggTrades(
  dataDir: string,
  ticks: Ticks,
  market: string = "futures_um",
): string[] {
  // One group per (symbol, UTC day).
  const groups = new Map<string, { dir: string; trades: Trade[] }>();
  for (const t of toTrades(ticks)) {
    if (!Number.isSafeInteger(t.id) || !Number.isSafeInteger(t.time)) {
      throw new RangeError(
        `id and time must be safe integers, got id=${t.id} time=${t.time}`,
      );
    }
    const [yyyy, mm, dd] = new Date(t.time).toISOString().slice(0, 10)
      .split("-");
    const dir = join(
      dataDir,
      `market=${market}`,
      "data_type=aggTrades",
      `symbol=${t.symbol}`,
      `year=${yyyy}`,
      `month=${mm}`,
      `day=${dd}`,
    );
    let group = groups.get(dir);
    if (group === undefined) {
      group = { dir, trades: [] };
      groups.set(dir, group);
    }
    group.trades.push(t);
  }

  const files: string[] = [];
  for (const { dir, trades } of groups.values()) {
    const rows = [...trades].sort(compareTradeOrder);
    // Int64 columns MUST come from a BigInt64Array: nodejs-polars turns a
    // plain JS bigint[] into UInt64 (and a number[] into Float64).
    const ids = BigInt64Array.from(rows, (r) => BigInt(r.id));
    const df = pl.DataFrame([
      pl.Series("agg_trade_id", ids),
      pl.Series("price", Float64Array.from(rows, (r) => r.price)),
      pl.Series("quantity", Float64Array.from(rows, (r) => r.qty)),
      pl.Series("first_trade_id", ids),
      pl.Series("last_trade_id", ids),
      pl.Series(
        "transact_time",
        BigInt64Array.from(rows, (r) => BigInt(r.time)),
      ),
      pl.Series("is_buyer_maker", rows.map((r) => r.isBuyerMaker), pl.Bool),
    ]);
    Deno.mkdirSync(dir, { recursive: true });
    const file = join(dir, "data.parquet");
    df.writeParquet(file);
    files.push(file);
  }
  return files.sort();
}

/** The value of the `symbol=` segment of a Hive path. */
function symbolFromPath(file: string): string {
  for (const segment of file.split(/[\\/]/)) {
    if (segment.startsWith("symbol=")) return segment.slice("symbol=".length);
  }
  throw new Error(`no symbol=... segment in path: ${file}`);
}

/**
 * A numeric column as plain numbers.
 * Series.toArray() silently rounds Int64 values above 2^53 to the nearest
 * double, so integer columns are read through toTypedArray() (a
 * BigInt64Array for Int64) and converted with a range check.
 */
function numberColumn(df: pl.DataFrame, name: string, file: string): number[] {
  const series = df.getColumn(name);
  if (!series.isNumeric()) {
    throw new TypeError(`${file}: column ${name} is ${series.dtype}`);
  }
  if (series.nullCount() > 0) {
    throw new Error(`${file}: column ${name} has null values`);
  }
  const raw = series.toTypedArray() as ArrayLike<number | bigint>;
  const values: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v === "bigint") {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) {
        throw new RangeError(`${file}: ${name}=${v} is not a safe integer`);
      }
      values.push(n);
    } else {
      values.push(v);
    }
  }
  return values;
}

function booleanColumn(
  df: pl.DataFrame,
  name: string,
  file: string,
): (boolean | null)[] {
  const series = df.getColumn(name);
  if (series.dtype.variant !== "Bool") {
    throw new TypeError(`${file}: column ${name} is ${series.dtype}`);
  }
  return series.toArray().map((v) => v === null ? null : v === true);
}
