import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  AggBar,
  ALPHA101,
  backtest,
  type BacktestOptions,
  DataFileError,
  InvalidArgumentError,
} from "../mod.ts";
import { factorData, settlementsFor } from "./_factor_data.ts";

const HOUR = 3_600_000;

/**
 * The awkward factor data written as one Parquet file per UTC hour (all
 * symbols in each), in a temporary directory; and the in-memory AggBar.
 */
async function filesOfHours(): Promise<{ dir: string; agg: AggBar }> {
  const { agg } = factorData({ bars: 400, seed: 4 });
  const dir = await Deno.makeTempDir();
  const hours = agg.toPolars().withColumns(
    pl.col("start_time").div(HOUR).floor().alias("hour"),
  ).partitionBy("hour");
  hours.forEach((frame, i) =>
    frame.drop("hour").writeParquet(
      `${dir}/hour-${String(i).padStart(3, "0")}.parquet`,
    )
  );
  return { dir, agg };
}

const FACTORS = {
  chain: "cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,20),60)),5))",
  a001: ALPHA101.alpha001,
  group: "group_neutralize(ts_delta(close, 3), sector)",
};

Deno.test("AggBar.scan opens a directory of bar files with the metadata, info and first rows of the same bars in memory", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir);
    assert.equal(scanned.streamed, true);
    assert.equal(agg.streamed, false);
    assert.deepEqual(scanned.metadata, agg.metadata);
    assert.equal(scanned.length, agg.length);
    assert.deepEqual(scanned.cols, agg.cols);
    assert.ok(scanned.info().frameEqual(agg.info(), true));
    assert.ok(scanned.head(7).frameEqual(agg.toPolars().head(7), true));
    assert.match(scanned.toString(), /in 8 Parquet file\(s\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("factors of scanned bars equal those of the same bars in memory, computed in chunks", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir);
    const whole = await agg.compute(FACTORS);
    assert.ok((await scanned.compute(FACTORS)).frameEqual(whole, true));
    assert.ok(
      (await scanned.compute(FACTORS, { chunk: "25m" })).frameEqual(
        whole,
        true,
      ),
    );
    const one = await scanned.get("close").tsRank(9).csRank().collect();
    assert.ok(
      one.frameEqual(await agg.get("close").tsRank(9).csRank().collect(), true),
    );
    const path = `${dir}/out/values.parquet`;
    await Deno.mkdir(`${dir}/out`);
    const written = await scanned.compute(FACTORS, { sink: path, chunk: "1h" });
    assert.equal(written.rows, agg.length);
    assert.ok(pl.readParquet(path).frameEqual(whole, true));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a slice of scanned bars equals the same slice in memory", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const options = {
      start: Date.UTC(2024, 0, 2, 1, 30),
      end: Date.UTC(2024, 0, 2, 4),
      symbols: ["S0USDT", "S2USDT", "S3USDT"],
    };
    const inMemory = agg.slice(options);
    const scanned = AggBar.scan(dir).slice(options);
    assert.equal(scanned.streamed, true);
    assert.deepEqual(scanned.metadata, inMemory.metadata);
    assert.ok(scanned.info().frameEqual(inMemory.info(), true));
    assert.ok(
      (await scanned.compute(FACTORS)).frameEqual(
        await inMemory.compute(FACTORS),
        true,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("toPolars of scanned bars reads them all and warns with the row count", async () => {
  const { dir, agg } = await filesOfHours();
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (message: string) => warnings.push(message);
  try {
    const frame = AggBar.scan(dir).toPolars();
    assert.ok(frame.frameEqual(agg.toPolars(), true));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`all ${agg.length} rows`));
  } finally {
    console.warn = warn;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AggBar.scan refuses an empty directory, a file without bar columns and a file that is not Parquet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(() => AggBar.scan(dir), InvalidArgumentError);
    assert.throws(() => AggBar.scan(`${dir}/absent`), InvalidArgumentError);
    pl.DataFrame({ symbol: ["A"], close: [1] }).writeParquet(
      `${dir}/a.parquet`,
    );
    assert.throws(
      () => AggBar.scan(dir),
      (error: Error) =>
        error instanceof DataFileError && /a\.parquet/.test(error.message) &&
        /missing start_time, end_time/.test(error.message),
    );
    await Deno.writeTextFile(`${dir}/a.parquet`, "not parquet");
    assert.throws(
      () => AggBar.scan([`${dir}/a.parquet`]),
      (error: Error) =>
        error instanceof DataFileError && /a\.parquet/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a backtest of scanned bars run in 20-minute chunks equals the one-pass backtest, with every-bar and hourly rebalancing, and with funding, impact and a universe", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir, { chunk: "20m" });
    const signal = "cs_rank(-ts_delta(close, 5))";
    const funding = settlementsFor(agg).frame;
    const cases: BacktestOptions[] = [
      { costBps: 3 },
      { rebalance: "1h", costBps: 5, lag: 2 },
      { rebalance: 7, allocate: "top-n", topN: 2 },
      { rebalance: "1h", costBps: 2, funding },
      { costBps: 1, funding, impact: { coefficient: 30, capital: 1e5 } },
      { universe: { top: 3, window: "30m", minHistory: "20m" }, costBps: 1 },
    ];
    for (const options of cases) {
      const whole = await backtest(agg, signal, options);
      const chunked = await backtest(scanned, signal, options);
      const label = JSON.stringify({ ...options, funding: !!options.funding });
      assert.ok(chunked.returns.frameEqual(whole.returns, true), label);
      assert.ok(chunked.weights.frameEqual(whole.weights, true), label);
      assert.deepEqual(chunked.metrics, whole.metrics, label);
      assert.ok(whole.returns.height > 300, label);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AggBar.scan checks its options", async () => {
  const { dir } = await filesOfHours();
  try {
    assert.throws(
      () => AggBar.scan(dir, { chunk: "soon" }),
      (error: Error) =>
        error instanceof InvalidArgumentError && /chunk/.test(error.message),
    );
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => AggBar.scan(dir, { chunks: "1h" } as any),
      InvalidArgumentError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
