import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar, ALPHA101, type Factor, InvalidArgumentError } from "../mod.ts";
import { factorData } from "./_factor_data.ts";
import { cases } from "./_factor_cases.ts";

const MINUTE = 60_000;

/**
 * The awkward factor data (starts 23:00 UTC, crosses midnight, nulls, NaN,
 * a late listing, missing bars, a one-bar symbol) with a 45-minute hole in
 * every symbol from 00:50, so the chunk boundary at 01:00 falls in a gap.
 */
function gappedData(): AggBar {
  const { agg } = factorData({ bars: 400, seed: 4 });
  const from = Date.UTC(2024, 0, 2, 0, 50), to = from + 45 * MINUTE;
  const frame = agg.toPolars().filter(
    pl.col("end_time").lt(from).or(pl.col("end_time").gtEq(to)),
  );
  return new AggBar(frame);
}

/**
 * Asserts every column of `chunked` equals `whole`'s bit for bit (nulls
 * and row order too); columns in `close` may differ by `tolerance`
 * relative (ts_ema's cut-off reach).
 */
function assertSameFrames(
  whole: pl.DataFrame,
  chunked: pl.DataFrame,
  label: string,
  close: ReadonlySet<string> = new Set(),
  tolerance = 1e-12,
): void {
  assert.deepEqual(chunked.columns, whole.columns, label);
  assert.equal(chunked.height, whole.height, label);
  const problems: string[] = [];
  for (const column of whole.columns) {
    const a = whole.getColumn(column).toArray();
    const b = chunked.getColumn(column).toArray();
    for (let i = 0; i < a.length; i++) {
      const x = a[i], y = b[i];
      if (Object.is(x, y)) continue;
      const near = close.has(column) && typeof x === "number" &&
        typeof y === "number" &&
        Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x));
      if (!near) {
        problems.push(`${column} row ${i}: ${x} (one pass) vs ${y} (chunked)`);
        break;
      }
    }
  }
  assert.deepEqual(problems, [], `${label}\n${problems.join("\n")}`);
}

const data = factorData({ bars: 400, seed: 4 });
const all = cases();

function operatorFactors(agg: AggBar): Record<string, Factor> {
  return Object.fromEntries(all.map((c, i) => [`f${i}`, c.ours(agg)]));
}

function emaColumns(): Set<string> {
  return new Set(
    all.flatMap((c, i) => c.name.startsWith("tsEma") ? [`f${i}`] : []),
  );
}

Deno.test("every operator gives the same values in time chunks as in one pass: boundaries inside every window, at UTC midnight and in a gap", async () => {
  for (
    const [label, agg] of [["awkward", data.agg], [
      "gapped",
      gappedData(),
    ]] as const
  ) {
    const factors = operatorFactors(agg);
    const whole = await agg.compute(factors);
    // 7 minutes: a boundary inside every window; 60 minutes: boundaries on
    // the hour, one at UTC midnight; 30 minutes: boundaries inside the gap.
    for (const chunk of ["7m", "30m", "1h"]) {
      const chunked = await agg.compute(factors, { chunk });
      assertSameFrames(
        whole,
        chunked,
        `${label}, chunks of ${chunk}`,
        emaColumns(),
      );
    }
  }
});

Deno.test("every bundled alpha gives the same values in time chunks as in one pass", async () => {
  const { agg } = factorData({ bars: 600, seed: 11 });
  const whole = await agg.compute(ALPHA101);
  // Two hours (120 bars) is shorter than the alphas' longest reach
  // (hundreds of bars), so warm-ups span several chunks.
  const chunked = await agg.compute(ALPHA101, { chunk: "2h" });
  assertSameFrames(whole, chunked, "ALPHA101, chunks of 2 hours");
});

Deno.test("look-ahead operators (a negative ts_shift) read past the chunk's end", async () => {
  const close = data.agg.get("close");
  const factors = {
    lead: close.tsShift(-5),
    mixed: close.tsShift(-3).tsMean(4).csRank().tsDelta(2),
  };
  const whole = await data.agg.compute(factors);
  const chunked = await data.agg.compute(factors, { chunk: 4 * MINUTE });
  assertSameFrames(whole, chunked, "negative shifts, chunks of 4 minutes");
});

Deno.test("ts_step counts rows from each symbol's first bar across chunks", async () => {
  const step = data.agg.get("close").tsStep();
  const chunked = await data.agg.compute({ step }, { chunk: "10m" });
  const whole = await data.agg.compute({ step });
  assertSameFrames(whole, chunked, "ts_step");
  const last = chunked.filter(pl.col("symbol").eq(pl.lit("S0USDT")))
    .getColumn("step").toArray().at(-1);
  assert.equal(last, 400);
});

Deno.test("compute with a sink writes the one-pass values to one Parquet file and leaves no part files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const close = data.agg.get("close");
    const factors = {
      mom: close.tsPctChange(20).tsZscore(60).csRank().tsMean(5).csZscore(),
      a001: ALPHA101.alpha001,
    };
    const path = `${dir}/values.parquet`;
    const written = await data.agg.compute(factors, {
      chunk: "20m",
      sink: path,
    });
    const whole = await data.agg.compute(factors);
    assertSameFrames(whole, pl.readParquet(path), "sink, chunks of 20 minutes");
    assert.equal(written.path, path);
    assert.equal(written.rows, whole.height);
    assert.ok(written.chunks >= 20, `${written.chunks} chunks`);
    // A chunk's region holds its warm-up (85 bars back) and the chunk, far
    // from all of the history.
    assert.ok(
      written.largestRegion < whole.height / 3,
      `largest region ${written.largestRegion} of ${whole.height} rows`,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "values.parquet",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compute rejects a chunk that is not a duration and a sink that is not a path", async () => {
  const factors = { c: data.agg.get("close") };
  await assert.rejects(
    () => data.agg.compute(factors, { chunk: "0m" }),
    (error: Error) =>
      error instanceof InvalidArgumentError && /chunk/.test(error.message),
  );
  await assert.rejects(
    () => data.agg.compute(factors, { chunk: "a month" }),
    InvalidArgumentError,
  );
  await assert.rejects(
    () => data.agg.compute(factors, { sink: "" }),
    (error: Error) =>
      error instanceof InvalidArgumentError && /sink/.test(error.message),
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => data.agg.compute(factors, { chunks: "1d" } as any),
    (error: Error) =>
      error instanceof InvalidArgumentError && /chunk/.test(error.message),
  );
});
