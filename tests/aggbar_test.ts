import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar, InvalidArgumentError } from "../mod.ts";

const T0 = Date.UTC(2024, 0, 1);
const M = 60_000;

function sampleBars(): AggBar {
  return AggBar.fromRecords([
    {
      symbol: "ETHUSDT",
      start_time: T0 + M,
      end_time: T0 + 2 * M,
      close: 2,
      volume: null,
    },
    {
      symbol: "BTCUSDT",
      start_time: T0,
      end_time: T0 + M,
      close: 40,
      volume: 1,
    },
    {
      symbol: "ETHUSDT",
      start_time: T0,
      end_time: T0 + M,
      close: 1,
      volume: 3,
    },
    {
      symbol: "BTCUSDT",
      start_time: T0 + M,
      end_time: T0 + 2 * M,
      close: NaN,
      volume: 2,
    },
    {
      symbol: "BTCUSDT",
      start_time: T0 + 2 * M,
      end_time: T0 + 3 * M,
      close: 42,
      volume: 4,
    },
  ]);
}

Deno.test("AggBar sorts rows by (end_time, symbol) and derives its metadata from the data", () => {
  const agg = sampleBars();
  const rows = agg.toRecords();
  assert.deepEqual(rows.map((r) => [r.end_time, r.symbol]), [
    [T0 + M, "BTCUSDT"],
    [T0 + M, "ETHUSDT"],
    [T0 + 2 * M, "BTCUSDT"],
    [T0 + 2 * M, "ETHUSDT"],
    [T0 + 3 * M, "BTCUSDT"],
  ]);
  assert.equal(typeof rows[0].start_time, "number");
  assert.deepEqual(agg.symbols, ["BTCUSDT", "ETHUSDT"]);
  assert.deepEqual(agg.cols, [
    "symbol",
    "start_time",
    "end_time",
    "close",
    "volume",
  ]);
  assert.equal(agg.length, 5);
  assert.deepEqual(agg.metadata, {
    symbols: ["BTCUSDT", "ETHUSDT"],
    minTime: T0,
    maxTime: T0 + 3 * M,
    numRows: 5,
  });
  assert.deepEqual(agg.timestamps, [T0 + M, T0 + 2 * M, T0 + 3 * M]);
  assert.equal(agg.toPolars().getColumn("start_time").dtype.variant, "Int64");
});

Deno.test("AggBar.info() counts bars and bars holding a null or NaN per symbol", () => {
  const info = sampleBars().info();
  assert.deepEqual(info.toRecords(), [
    {
      symbol: "BTCUSDT",
      num_kbar: 3,
      start_time: T0,
      end_time: T0 + 3 * M,
      num_nan: 1,
    },
    {
      symbol: "ETHUSDT",
      num_kbar: 2,
      start_time: T0,
      end_time: T0 + 2 * M,
      num_nan: 1,
    },
  ]);
});

Deno.test("AggBar.slice() keeps bars starting in [start, end) for the given symbols", () => {
  const agg = sampleBars();
  const sliced = agg.slice({
    start: T0 + M,
    end: new Date(T0 + 3 * M),
    symbols: "BTCUSDT",
  });
  assert.deepEqual(sliced.toRecords().map((r) => r.start_time), [
    T0 + M,
    T0 + 2 * M,
  ]);
  assert.deepEqual(sliced.symbols, ["BTCUSDT"]);
  assert.equal(agg.slice({ start: "2024-01-01T00:01Z" }).length, 3);
  assert.equal(agg.slice({ symbols: ["XRPUSDT"] }).length, 0);
});

Deno.test("AggBar accepts a Polars frame with Datetime times and a frame built from typed arrays", () => {
  const df = pl.DataFrame({
    symbol: ["A", "B"],
    start_time: [new Date(T0), new Date(T0)],
    end_time: [new Date(T0 + M), new Date(T0 + M)],
    close: [1, 2],
  });
  const agg = new AggBar(df, { bar: { type: "time", intervalMs: M } });
  assert.deepEqual(agg.toRecords().map((r) => r.end_time), [T0 + M, T0 + M]);
  assert.deepEqual(agg.metadata.bar, { type: "time", intervalMs: M });
  assert.match(
    agg.toString(),
    /^AggBar 2 rows × 4 cols, 2 symbol\(s\) \[A, B\], 2024-01-01 00:00 → 2024-01-01 00:01 UTC/,
  );
});

Deno.test("AggBar.writeParquet() writes a file that reads back equal, leaving no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  const agg = sampleBars();
  await agg.writeParquet(`${dir}/bars.parquet`);
  const back = new AggBar(pl.readParquet(`${dir}/bars.parquet`));
  assert.ok(back.toPolars().frameEqual(agg.toPolars(), true));
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
    "bars.parquet",
  ]);
});

Deno.test("AggBar rejects a frame without the key columns and records with bad times", () => {
  assert.throws(
    () => new AggBar(pl.DataFrame({ symbol: ["A"], close: [1] })),
    (e) =>
      e instanceof InvalidArgumentError &&
      /missing 'start_time'/.test(e.message),
  );
  assert.throws(
    () =>
      AggBar.fromRecords([{ symbol: "A", start_time: "soon", end_time: 1 }]),
    (e) =>
      e instanceof InvalidArgumentError &&
      /records\[0\]\.start_time/.test(e.message),
  );
  assert.throws(() => AggBar.fromRecords([]), InvalidArgumentError);
  assert.throws(
    () => new AggBar({} as never),
    /expected a nodejs-polars DataFrame, got \{\}/,
  );
});
