/**
 * Speed of the tick-to-bar pipeline on 20 million generated ticks.
 *
 * - cold `loadAggBar` (1-minute bars, cache filled) vs the same aggregation
 *   as one hand-written DuckDB query whose result reaches Polars the fastest
 *   way (COPY to Parquet, `pl.readParquet`): the cost of our layers;
 * - warm (cache hit) vs cold on the same request;
 * - dollar and volume bars (sequential pass) for ticks/s.
 *
 * The baseline computes the same columns the way loadAggBar did before its
 * sums became exact (each p·q and q cast to BIGINT units of 1e-8, plus the
 * buyer/seller columns): it fails on trades above 9.2e10 units and rounds
 * sub-cent values, so the ratio includes the cost of exactness (recovering
 * each decimal, HUGEINT sums). A second row shows the plainest query for
 * scale.
 *
 * Run: `deno bench -A bench/aggregate_bench.ts`. Ticks/s = 20M / median.
 * Peak memory of a cold load: `deno run -A bench/cold_load_memory.ts`.
 */
import { dirname } from "node:path";
import { DuckDBInstance, listValue } from "@duckdb/node-api";
import pl from "nodejs-polars";
import { type BarSpec, DataLoader } from "../mod.ts";
import {
  BENCH_DAYS,
  BENCH_START,
  BENCH_SYMBOLS,
  benchData,
} from "./_bench_data.ts";

const { dataDir, rows } = await benchData();
console.log(`bench data: ${rows} ticks in ${dataDir}`);
const request = {
  symbols: BENCH_SYMBOLS,
  start: BENCH_START,
  days: BENCH_DAYS,
  bar: { type: "time", intervalMs: 60_000 },
} as const;
const files = BENCH_SYMBOLS.flatMap((s) =>
  Array.from({ length: BENCH_DAYS }, (_, d) => {
    const day = new Date(BENCH_START + d * 86_400_000).toISOString().slice(
      0,
      10,
    );
    const [y, m, dd] = day.split("-");
    return `${dataDir}/market=futures_um/data_type=aggTrades/symbol=${s}/year=${y}/month=${m}/day=${dd}/data.parquet`;
  })
);

async function freshCacheDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "factorium-bench-cache-" });
}

/** One cold load into an empty cache directory (only the load is timed). */
async function coldLoad(b: Deno.BenchContext): Promise<void> {
  const loader = new DataLoader({ dataDir, cacheDir: await freshCacheDir() });
  b.start();
  await loader.loadAggBar(request);
  b.end();
  await Deno.remove(loader.cacheDir, { recursive: true });
  await loader.close();
}

const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
const out = `${await Deno.makeTempDir()}/bars.parquet`;

/** One hand-written query, COPY to Parquet, read into Polars, sorted like an AggBar. */
async function handWritten(aggregates: string): Promise<void> {
  await con.run(
    `COPY (
      SELECT symbol, transact_time // 60000 * 60000 AS start_time,
        transact_time // 60000 * 60000 + 60000 AS end_time, ${aggregates}
      FROM read_parquet($files, hive_partitioning = true)
      GROUP BY ALL
    ) TO '${out}' (FORMAT parquet)`,
    { files: listValue(files) },
  );
  pl.readParquet(out).sort(["end_time", "symbol"]);
}

Deno.bench({
  name:
    "hand-written query, same columns with BIGINT 1e-8 sums (not exact, overflows)",
  group: "cold 1-minute bars, 20M ticks",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn() {
    await handWritten(
      `arg_min(price, agg_trade_id) AS open, max(price) AS high, min(price) AS low,
      arg_max(price, agg_trade_id) AS close, sum(CAST(quantity * 1e8 AS BIGINT)) / 1e8 AS volume,
      sum(CAST(price * quantity * 1e8 AS BIGINT)) / sum(CAST(quantity * 1e8 AS BIGINT)) AS vwap,
      count(*) AS trades, count(*) FILTER (WHERE NOT is_buyer_maker) AS num_buyer,
      count(*) FILTER (WHERE is_buyer_maker) AS num_seller,
      sum(CAST(quantity * 1e8 AS BIGINT)) FILTER (WHERE NOT is_buyer_maker) / 1e8 AS num_buyer_volume,
      sum(CAST(quantity * 1e8 AS BIGINT)) FILTER (WHERE is_buyer_maker) / 1e8 AS num_seller_volume`,
    );
  },
});

Deno.bench({
  name: "hand-written query, float sums and no buyer/seller (not reproducible)",
  group: "cold 1-minute bars, 20M ticks",
  n: 5,
  warmup: 1,
  async fn() {
    await handWritten(
      `arg_min(price, agg_trade_id) AS open, max(price) AS high, min(price) AS low,
      arg_max(price, agg_trade_id) AS close, sum(quantity) AS volume,
      sum(price * quantity) / sum(quantity) AS vwap, count(*) AS trades`,
    );
  },
});

Deno.bench({
  name: "loadAggBar cold (cache filled: 100 symbol-day files)",
  group: "cold 1-minute bars, 20M ticks",
  n: 5,
  warmup: 1,
  fn: coldLoad,
});

Deno.bench({
  name: "loadAggBar cold, cache off",
  group: "cold 1-minute bars, 20M ticks",
  n: 5,
  warmup: 1,
  async fn(b) {
    const loader = new DataLoader({ dataDir, cacheDir: await freshCacheDir() });
    b.start();
    await loader.loadAggBar({ ...request, cache: false });
    b.end();
    await Deno.remove(loader.cacheDir, { recursive: true });
    await loader.close();
  },
});

const warmLoader = new DataLoader({ dataDir, cacheDir: await freshCacheDir() });
await warmLoader.loadAggBar(request);
// The bench runner gives no teardown hook: remove scratch folders on exit.
globalThis.addEventListener("unload", () => {
  for (const dir of [warmLoader.cacheDir, dirname(out)]) {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.bench({
  name: "loadAggBar cold (cache filled)",
  group: "warm vs cold",
  baseline: true,
  n: 5,
  warmup: 1,
  fn: coldLoad,
});

Deno.bench({
  name: "loadAggBar warm (cache hit)",
  group: "warm vs cold",
  n: 20,
  warmup: 2,
  async fn() {
    await warmLoader.loadAggBar(request);
  },
});

/** `SELECT <total> / bars` over the bench files, bars = 2,000 per symbol-day. */
async function perBar(total: string): Promise<number> {
  const reader = await con.runAndReadAll(
    `SELECT ${total} / $bars FROM read_parquet($files)`,
    {
      files: listValue(files),
      bars: BENCH_SYMBOLS.length * BENCH_DAYS * 2_000,
    },
  );
  return Number(reader.getRows()[0][0]);
}

/** A sequential-pass bench: one load of `bar` bars with the cache off. */
function sequentialBench(kind: string, bar: BarSpec): void {
  Deno.bench({
    name: `loadAggBar ${kind} bars, cache off (sequential pass)`,
    group: "dollar bars, 20M ticks",
    n: 3,
    warmup: 1,
    async fn(b) {
      const loader = new DataLoader({ dataDir });
      b.start();
      await loader.loadAggBar({ ...request, bar, cache: false });
      b.end();
      await loader.close();
    },
  });
}

// About 2,000 bars per symbol-day on average; the volume threshold has 3
// decimals, as a user would type it.
sequentialBench("dollar", {
  type: "dollar",
  dollars: await perBar("sum(price * quantity)"),
});
sequentialBench("volume", {
  type: "volume",
  volume: Math.round(await perBar("sum(quantity)") * 1000) / 1000,
});
