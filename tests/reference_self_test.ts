/**
 * Self-test of the plain-loop reference in tests/_reference.ts.
 * Every expected bar below is computed by hand from the rules in that file.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  listParquet,
  readAggTrades,
  type RefBar,
  referenceBars,
  type Ticks,
  writeAggTrades,
} from "./_reference.ts";

/** One trade as a tuple: [symbol, id, time, price, qty, isBuyerMaker]. */
type Row = [string, number, number, number, number, boolean];

function ticksOf(rows: Row[]): Ticks {
  return {
    symbol: rows.map((r) => r[0]),
    id: rows.map((r) => r[1]),
    time: rows.map((r) => r[2]),
    price: rows.map((r) => r[3]),
    qty: rows.map((r) => r[4]),
    isBuyerMaker: rows.map((r) => r[5]),
  };
}

/** A bar where every trade has the same price (saves typing o/h/l/c/vwap). */
function flatBar(
  symbol: string,
  start_time: number,
  end_time: number,
  price: number,
  buyerQty: number[],
  sellerQty: number[],
): RefBar {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const volume = sum([...buyerQty, ...sellerQty]);
  return {
    symbol,
    start_time,
    end_time,
    open: price,
    high: price,
    low: price,
    close: price,
    volume,
    vwap: price,
    trades: buyerQty.length + sellerQty.length,
    num_buyer: buyerQty.length,
    num_seller: sellerQty.length,
    num_buyer_volume: sum(buyerQty),
    num_seller_volume: sum(sellerQty),
  };
}

const MIN = 60_000;
const DAY = 86_400_000;
/** 2024-01-02T00:00:00Z */
const MIDNIGHT = Date.UTC(2024, 0, 2);

// ---------------------------------------------------------------------------
// Time bars
// ---------------------------------------------------------------------------

Deno.test("referenceBars() puts a trade exactly on a boundary into the later bar", () => {
  // 6 trades, 2 symbols, given out of order. isBuyerMaker=false => buyer.
  const ticks = ticksOf([
    ["ETH", 11, 70_000, 11, 1, false],
    ["BTC", 4, 60_000, 103, 0.5, false], // exactly on the boundary
    ["BTC", 2, 30_000, 102, 2, true],
    ["ETH", 10, 10_000, 10, 3, true],
    ["BTC", 1, 1_000, 100, 1, false],
    ["BTC", 3, 59_999, 101, 1, false],
  ]);
  const bars = referenceBars(ticks, { type: "time", intervalMs: MIN }, {
    start: 0,
    end: 2 * MIN,
  });
  assert.deepStrictEqual(bars, [
    {
      symbol: "BTC",
      start_time: 0,
      end_time: 60_000,
      open: 100, // id 1
      high: 102,
      low: 100,
      close: 101, // id 3
      volume: 4, // 1 + 2 + 1
      vwap: 405 / 4, // (100*1 + 102*2 + 101*1) / 4
      trades: 3,
      num_buyer: 2, // ids 1, 3
      num_seller: 1, // id 2
      num_buyer_volume: 2,
      num_seller_volume: 2,
    },
    flatBar("ETH", 0, 60_000, 10, [], [3]),
    flatBar("BTC", 60_000, 120_000, 103, [0.5], []),
    flatBar("ETH", 60_000, 120_000, 11, [1], []),
  ]);
});

Deno.test("referenceBars() takes open and close by trade id, not by input position or time ties", () => {
  // Three trades in the same millisecond, given in the order 7, 5, 6.
  const ticks = ticksOf([
    ["BTC", 7, 1_000, 3, 1, true],
    ["BTC", 5, 1_000, 1, 1, true],
    ["BTC", 6, 1_000, 2, 1, true],
  ]);
  const bars = referenceBars(ticks, { type: "time", intervalMs: MIN }, {
    start: 0,
    end: MIN,
  });
  assert.deepStrictEqual(bars, [{
    symbol: "BTC",
    start_time: 0,
    end_time: MIN,
    open: 1, // id 5
    high: 3,
    low: 1,
    close: 3, // id 7
    volume: 3,
    vwap: 2, // (1 + 2 + 3) / 3
    trades: 3,
    num_buyer: 0,
    num_seller: 3,
    num_buyer_volume: 0,
    num_seller_volume: 3,
  }]);
});

Deno.test("referenceBars() keeps a 7-minute bar crossing midnight whole, even past the range end", () => {
  // The 7-minute epoch grid is not aligned to midnight:
  // floor(MIDNIGHT / 420_000) * 420_000 = MIDNIGHT - 4 min (23:56:00).
  const barStart = MIDNIGHT - 4 * MIN;
  const barEnd = MIDNIGHT + 3 * MIN;
  assert.equal(barStart % (7 * MIN), 0);
  const ticks = ticksOf([
    ["BTC", 1, barStart - 1, 40, 1, false], // previous bar: starts before range
    ["BTC", 2, MIDNIGHT - 2 * MIN, 50, 2, false], // 23:58
    ["BTC", 3, MIDNIGHT + 1 * MIN, 52, 1, true], // 00:01, after range.end
    ["BTC", 4, barEnd, 60, 1, false], // next bar: starts at range.end
  ]);
  const bars = referenceBars(ticks, { type: "time", intervalMs: 7 * MIN }, {
    start: barStart,
    end: MIDNIGHT,
  });
  assert.deepStrictEqual(bars, [{
    symbol: "BTC",
    start_time: barStart,
    end_time: barEnd,
    open: 50,
    high: 52,
    low: 50,
    close: 52,
    volume: 3,
    vwap: 152 / 3, // (50*2 + 52*1) / 3
    trades: 2,
    num_buyer: 1,
    num_seller: 1,
    num_buyer_volume: 2,
    num_seller_volume: 1,
  }]);
});

// ---------------------------------------------------------------------------
// Tick / volume / dollar bars
// ---------------------------------------------------------------------------

Deno.test("referenceBars() closes a volume bar when the threshold is hit exactly or overshot, without carry-over", () => {
  const ticks = ticksOf([
    ["BTC", 0, 500, 9, 5, false], // before range.start: ignored
    ["BTC", 1, 1_000, 10, 1, false],
    ["BTC", 2, 2_000, 11, 1, true], // sum 2: exactly the threshold
    ["BTC", 3, 3_000, 12, 0.5, false],
    ["BTC", 4, 4_000, 13, 1, true],
    ["BTC", 5, 5_000, 14, 1, false], // sum 2.5: overshoot, no carry-over
    // Had the 0.5 excess been carried over, id 6 alone would close a bar.
    ["BTC", 6, 6_000, 15, 1.75, true],
    ["BTC", 7, 6_500, 16, 0.5, false], // sum 1.75 + 0.5 = 2.25: closes
    ["BTC", 8, 6_800, 17, 0.25, true], // leftover bar
    ["BTC", 9, 7_000, 18, 9, true], // at range.end: ignored
  ]);
  const bars = referenceBars(ticks, { type: "volume", volume: 2 }, {
    start: 1_000,
    end: 7_000,
  });
  assert.deepStrictEqual(bars, [
    {
      symbol: "BTC",
      start_time: 1_000,
      end_time: 2_000,
      open: 10,
      high: 11,
      low: 10,
      close: 11,
      volume: 2,
      vwap: 10.5, // (10 + 11) / 2
      trades: 2,
      num_buyer: 1,
      num_seller: 1,
      num_buyer_volume: 1,
      num_seller_volume: 1,
    },
    {
      symbol: "BTC",
      start_time: 3_000,
      end_time: 5_000,
      open: 12,
      high: 14,
      low: 12,
      close: 14,
      volume: 2.5,
      vwap: 33 / 2.5, // (12*0.5 + 13*1 + 14*1) / 2.5
      trades: 3,
      num_buyer: 2, // ids 3, 5
      num_seller: 1, // id 4
      num_buyer_volume: 1.5,
      num_seller_volume: 1,
    },
    {
      symbol: "BTC",
      start_time: 6_000,
      end_time: 6_500,
      open: 15,
      high: 16,
      low: 15,
      close: 16,
      volume: 2.25,
      vwap: 34.25 / 2.25, // (15*1.75 + 16*0.5) / 2.25
      trades: 2,
      num_buyer: 1,
      num_seller: 1,
      num_buyer_volume: 0.5,
      num_seller_volume: 1.75,
    },
    flatBar("BTC", 6_800, 6_800, 17, [], [0.25]),
  ]);
});

Deno.test("referenceBars() builds dollar bars per symbol, with exact hits, overshoots and a leftover", () => {
  const ticks = ticksOf([
    ["BTC", 1, 1_000, 100, 5, false], //   500
    ["ETH", 1, 1_500, 10, 60, false], //   600
    ["BTC", 2, 2_000, 100, 5, true], //  1000: exact -> BTC bar 1
    ["BTC", 3, 3_000, 200, 10, false], // 2000: overshoot -> BTC bar 2
    ["ETH", 2, 3_500, 10, 50, false], // 1100 -> ETH bar 1
    // No carry-over: had the 1000 excess of id 3 been carried, id 4 alone
    // would close a bar.
    ["BTC", 4, 4_000, 50, 1, true], //     50
    ["BTC", 5, 4_500, 50, 1, false], //   100: leftover BTC bar 3
  ]);
  const bars = referenceBars(ticks, { type: "dollar", dollars: 1000 }, {
    start: 0,
    end: DAY,
  });
  assert.deepStrictEqual(bars, [
    flatBar("BTC", 1_000, 2_000, 100, [5], [5]),
    flatBar("BTC", 3_000, 3_000, 200, [10], []),
    flatBar("ETH", 1_500, 3_500, 10, [60, 50], []),
    flatBar("BTC", 4_000, 4_500, 50, [1], [1]),
  ]);
});

Deno.test("referenceBars() adds dollar values in trade order with plain floating-point addition", () => {
  // (0.1 + 0.2) + 0.3 === 0.6000000000000001 but (0.3 + 0.2) + 0.1 === 0.6.
  const threshold = 0.6000000000000001;
  assert.equal(0.1 + 0.2 + 0.3, threshold);
  assert.equal(0.3 + 0.2 + 0.1, 0.6);
  const spec = { type: "dollar", dollars: threshold } as const;
  const range = { start: 0, end: DAY };

  // Ids 1..4 carry prices 0.1, 0.2, 0.3, 1: the third trade reaches the
  // threshold, the fourth is a leftover bar.
  const up = referenceBars(
    ticksOf([
      ["X", 4, 4, 1, 1, false],
      ["X", 3, 3, 0.3, 1, false],
      ["X", 2, 2, 0.2, 1, false],
      ["X", 1, 1, 0.1, 1, false],
    ]),
    spec,
    range,
  );
  assert.deepStrictEqual(up.map((b) => b.trades), [3, 1]);

  // Same prices in the other id order: 0.6 < threshold, so all four trades
  // end up in one bar.
  const down = referenceBars(
    ticksOf([
      ["X", 1, 1, 0.3, 1, false],
      ["X", 2, 2, 0.2, 1, false],
      ["X", 3, 3, 0.1, 1, false],
      ["X", 4, 4, 1, 1, false],
    ]),
    spec,
    range,
  );
  assert.deepStrictEqual(down.map((b) => b.trades), [4]);
});

Deno.test("referenceBars() keeps a leftover tick bar and runs tick bars across midnight", () => {
  const ticks = ticksOf([
    ["BTC", 105, MIDNIGHT + 2_000, 5, 1, false],
    ["BTC", 101, MIDNIGHT - 3_000, 1, 1, false],
    ["BTC", 103, MIDNIGHT - 1_000, 3, 1, false],
    ["BTC", 102, MIDNIGHT - 2_000, 2, 1, true],
    ["BTC", 104, MIDNIGHT + 1_000, 4, 1, true],
  ]);
  const bars = referenceBars(ticks, { type: "tick", ticks: 2 }, {
    start: MIDNIGHT - DAY,
    end: MIDNIGHT + DAY,
  });
  const bar = (
    start_time: number,
    end_time: number,
    open: number,
    close: number,
    num_buyer: number,
  ): RefBar => ({
    symbol: "BTC",
    start_time,
    end_time,
    open,
    high: close,
    low: open,
    close,
    volume: 2,
    vwap: (open + close) / 2,
    trades: 2,
    num_buyer,
    num_seller: 2 - num_buyer,
    num_buyer_volume: num_buyer,
    num_seller_volume: 2 - num_buyer,
  });
  assert.deepStrictEqual(bars, [
    bar(MIDNIGHT - 3_000, MIDNIGHT - 2_000, 1, 2, 1), // ids 101, 102
    bar(MIDNIGHT - 1_000, MIDNIGHT + 1_000, 3, 4, 1), // ids 103, 104: crosses midnight
    flatBar("BTC", MIDNIGHT + 2_000, MIDNIGHT + 2_000, 5, [1], []), // id 105: leftover
  ]);
});

Deno.test("referenceBars() returns no bars for no ticks and rejects a non-positive threshold", () => {
  const empty = ticksOf([]);
  const range = { start: 0, end: DAY };
  assert.deepStrictEqual(
    referenceBars(empty, { type: "time", intervalMs: MIN }, range),
    [],
  );
  assert.deepStrictEqual(
    referenceBars(empty, { type: "tick", ticks: 3 }, range),
    [],
  );
  assert.throws(
    () => referenceBars(empty, { type: "volume", volume: 0 }, range),
    RangeError,
  );
});

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

Deno.test("writeAggTrades() and readAggTrades() round-trip ticks, split per symbol and UTC day, with ids above 2^31", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium_ref_" });
  try {
    const big = 2 ** 40 + 7; // > 2^31, still a safe integer
    const ticks = ticksOf([
      ["ETHUSDT", 3_000_000_001, MIDNIGHT - 1, 2000.5, 0.001, true],
      ["BTCUSDT", big + 1, MIDNIGHT, 42000.25, 0.5, false], // next UTC day
      ["BTCUSDT", big, MIDNIGHT - 1, 42000, 1.5, true],
      ["ETHUSDT", 3_000_000_000, MIDNIGHT - DAY, 1999, 2, false],
      ["BTCUSDT", big - 1, MIDNIGHT - 60_000, 41999.75, 0.25, false],
    ]);
    const files = writeAggTrades(dir, ticks);
    const base = join(dir, "market=futures_um", "data_type=aggTrades");
    assert.deepStrictEqual(files, [
      join(base, "symbol=BTCUSDT/year=2024/month=01/day=01/data.parquet"),
      join(base, "symbol=BTCUSDT/year=2024/month=01/day=02/data.parquet"),
      join(base, "symbol=ETHUSDT/year=2024/month=01/day=01/data.parquet"),
    ]);
    assert.deepStrictEqual(listParquet(dir), files);

    // The raw file: exact column names and types, rows sorted by id,
    // first_trade_id = last_trade_id = agg_trade_id.
    const raw = pl.readParquet(files[0]);
    assert.deepStrictEqual(raw.columns, [
      "agg_trade_id",
      "price",
      "quantity",
      "first_trade_id",
      "last_trade_id",
      "transact_time",
      "is_buyer_maker",
    ]);
    assert.deepStrictEqual(raw.dtypes.map((d) => d.variant), [
      "Int64",
      "Float64",
      "Float64",
      "Int64",
      "Int64",
      "Int64",
      "Bool",
    ]);
    assert.deepStrictEqual(raw.getColumn("agg_trade_id").toArray(), [
      big - 1,
      big,
    ]);
    assert.deepStrictEqual(
      raw.getColumn("first_trade_id").toArray(),
      [big - 1, big],
    );
    assert.deepStrictEqual(
      raw.getColumn("last_trade_id").toArray(),
      [big - 1, big],
    );

    // Read back: files in sorted order, rows sorted by id within each file.
    assert.deepStrictEqual(
      readAggTrades(files),
      ticksOf([
        ["BTCUSDT", big - 1, MIDNIGHT - 60_000, 41999.75, 0.25, false],
        ["BTCUSDT", big, MIDNIGHT - 1, 42000, 1.5, true],
        ["BTCUSDT", big + 1, MIDNIGHT, 42000.25, 0.5, false],
        ["ETHUSDT", 3_000_000_000, MIDNIGHT - DAY, 1999, 2, false],
        ["ETHUSDT", 3_000_000_001, MIDNIGHT - 1, 2000.5, 0.001, true],
      ]),
    );

    // A different market goes to its own directory.
    const spotFiles = writeAggTrades(
      dir,
      ticksOf([["X", 1, 0, 1, 1, true]]),
      "spot",
    );
    assert.deepStrictEqual(spotFiles, [
      join(
        dir,
        "market=spot/data_type=aggTrades/symbol=X/year=1970/month=01/day=01/data.parquet",
      ),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readAggTrades() converts spot microsecond times to milliseconds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium_ref_" });
  try {
    const fileDir = join(
      dir,
      "market=spot/data_type=aggTrades/symbol=ETHUSDT/year=2024/month=01/day=02",
    );
    await Deno.mkdir(fileDir, { recursive: true });
    const file = join(fileDir, "data.parquet");
    // Hand-written spot-style file: transact_time in MICROseconds.
    pl.DataFrame([
      pl.Series("agg_trade_id", new BigInt64Array([10n, 11n])),
      pl.Series("price", new Float64Array([2300.5, 2301])),
      pl.Series("quantity", new Float64Array([0.1, 0.2])),
      pl.Series("first_trade_id", new BigInt64Array([100n, 102n])),
      pl.Series("last_trade_id", new BigInt64Array([101n, 102n])),
      pl.Series(
        "transact_time",
        new BigInt64Array([
          BigInt(MIDNIGHT) * 1000n + 123_456n,
          BigInt(MIDNIGHT) * 1000n + 999_999n,
        ]),
      ),
      pl.Series("is_buyer_maker", [false, true]),
    ]).writeParquet(file);
    // Files that are not data.parquet are not listed.
    await Deno.writeTextFile(join(fileDir, "notes.txt"), "not data");
    await Deno.writeTextFile(join(dir, "other.parquet"), "not data");

    assert.deepStrictEqual(listParquet(dir), [file]);
    assert.deepStrictEqual(
      readAggTrades([file]),
      ticksOf([
        ["ETHUSDT", 10, MIDNIGHT + 123, 2300.5, 0.1, false], // floor(…123.456)
        ["ETHUSDT", 11, MIDNIGHT + 999, 2301, 0.2, true], // floor(…999.999)
      ]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
