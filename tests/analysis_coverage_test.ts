/**
 * What analyze() says it used and what it refuses: the coverage table
 * against counts by plain loops, `maxLoss`, and InvalidArgumentErrors for
 * analyses whose tables could not hold a single value (the README's
 * 2-symbol case among them).
 */
import assert from "node:assert/strict";
import {
  AggBar,
  DataLoader,
  generateSample,
  InvalidArgumentError,
} from "../mod.ts";
import { factorData } from "./_factor_data.ts";

const { agg } = factorData({ symbols: 7, bars: 120, seed: 5 });

async function rejectsWith(
  run: () => Promise<unknown>,
  argument: string,
  ...phrases: string[]
) {
  await assert.rejects(run, (e) => {
    assert(e instanceof InvalidArgumentError, String(e));
    assert.equal(e.argument, argument, e.message);
    for (const phrase of phrases) {
      assert(e.message.includes(phrase), `${e.message} lacks "${phrase}"`);
    }
    return true;
  });
}

Deno.test("the README's case, minSymbols 3 on an AggBar of BTCUSDT and ETHUSDT, is refused naming both counts", async () => {
  const dataDir = await Deno.makeTempDir();
  const loader = new DataLoader({ dataDir });
  try {
    await generateSample({
      dataDir,
      symbols: ["BTCUSDT", "ETHUSDT"],
      days: 1,
      tradesPerDay: 2_000,
    });
    const two = await loader.loadAggBar({
      symbols: ["BTCUSDT", "ETHUSDT"],
      start: "2024-01-01",
      days: 1,
      bar: { type: "time", intervalMs: 60_000 },
    });
    const reversal = two.factor("cs_rank(-ts_delta(close, 5))");
    await rejectsWith(
      () => reversal.analyze(two, { minSymbols: 3 }),
      "minSymbols",
      "from 2 to 2",
      "the AggBar has 2 symbols: BTCUSDT, ETHUSDT",
      "got 3",
    );
    // What the README now does with two symbols works and says so.
    const analysis = await reversal.analyze(two, {
      minSymbols: 2,
      quantiles: 2,
    });
    assert(
      analysis.icSummary.getColumn("n").toArray().every((n) => Number(n) > 0),
    );
  } finally {
    await loader.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("quantiles above the symbol count are refused at once, even 1e9", async () => {
  const three = agg.slice({ symbols: ["S0USDT", "S2USDT", "S3USDT"] });
  await rejectsWith(
    () => three.get("close").analyze(three, { quantiles: 10 }),
    "quantiles",
    "from 2 to 3",
  );
  const started = performance.now();
  await rejectsWith(
    () => agg.get("close").analyze(agg, { quantiles: 1e9 }),
    "quantiles",
    "from 2 to 7",
  );
  assert(performance.now() - started < 1000);
});

Deno.test("a 1-minute factor against 30-minute bars is refused, naming both bar spans and whether any end_time is shared", async () => {
  const coarse = (offset: number) =>
    AggBar.fromRecords(
      agg.toRecords().filter((r) => (r.start_time as number) % 1_800_000 === 0)
        .map((r) => ({
          ...r,
          start_time: (r.start_time as number) + offset,
          end_time: (r.start_time as number) + offset + 1_800_000,
        })),
    );
  const factor = agg.get("close").tsDelta(1);
  await rejectsWith(
    () => factor.analyze(coarse(0), { periods: [1] }),
    "factor",
    "bars of 1m",
    "bars of 30m",
    "never with the same start_time",
  );
  await rejectsWith(
    () => factor.analyze(coarse(30_000), { periods: [1] }),
    "factor",
    "share no end_time",
  );
});

Deno.test("a period longer than the time grid, and minSymbols no slice reaches, are refused with what would work", async () => {
  await rejectsWith(
    () => agg.get("close").analyze(agg, { periods: [1, 500] }),
    "periods",
    "it has 120 time(s)",
  );
  // Symbol 6 has one bar and symbol 1 starts late: 7 symbols never share a slice.
  await rejectsWith(
    () => agg.get("close").analyze(agg, { minSymbols: 7 }),
    "minSymbols",
    "at most 6",
  );
  const nulls = agg.get("close").where(agg.get("close").gt(1e12));
  await rejectsWith(() => nulls.analyze(agg), "factor", "all null");
});

Deno.test("coverage counts every step against plain loops, and maxLoss throws above its share", async () => {
  const factor = agg.get("close").tsDelta(10);
  const periods = [1, 5];
  const analysis = await factor.analyze(agg, { periods, quantiles: 3 });
  // Plain loops over the bars.
  const records = agg.toRecords();
  const values = (await factor.toRecords()).map((r) => r.factor);
  const times = [...new Set(records.map((r) => r.end_time as number))].sort((
    a,
    b,
  ) => a - b);
  const at = new Map(records.map((r, i) => [`${r.symbol}|${r.end_time}`, i]));
  const usable = (p: unknown) =>
    typeof p === "number" && Number.isFinite(p) && p > 0;
  let withFactor = 0, withPrice = 0;
  const forward = periods.map(() => 0), icTimes = periods.map(() => 0);
  let bucketed = 0;
  const perTime = new Map<number, number>();
  records.forEach((r, i) => {
    if (values[i] === null) return;
    withFactor++;
    const t = r.end_time as number;
    perTime.set(t, (perTime.get(t) ?? 0) + 1);
    if (usable(r.close)) withPrice++;
  });
  for (const n of perTime.values()) if (n >= 3) bucketed++;
  periods.forEach((k, p) => {
    const pairs = new Map<number, number>();
    records.forEach((r, i) => {
      const ti = times.indexOf(r.end_time as number);
      const later = at.get(`${r.symbol}|${times[ti + k]}`);
      if (
        values[i] !== null && usable(r.close) && later !== undefined &&
        usable(records[later].close)
      ) {
        forward[p]++;
        pairs.set(ti, (pairs.get(ti) ?? 0) + 1);
      }
    });
    for (const n of pairs.values()) if (n >= 3) icTimes[p]++;
  });
  const rows = analysis.coverage.toRecords();
  const kept = rows.map((r) => Number(r.kept));
  assert.deepEqual(kept, [
    records.length,
    records.length,
    withFactor,
    withPrice,
    ...forward,
    ...icTimes,
    bucketed,
  ]);
  assert.deepEqual(rows.map((r) => r.period), [
    null,
    null,
    null,
    null,
    1,
    5,
    1,
    5,
    null,
  ]);
  for (const r of rows) {
    assert.equal(Number(r.dropped), Number(r.of) - Number(r.kept));
    assert.equal(r.reason === null, r.dropped === 0n || r.dropped === 0);
  }
  assert(analysis.toString().includes("dropped"));
  const loss5 = 1 - forward[1] / records.length;
  await rejectsWith(
    () => factor.analyze(agg, { periods, quantiles: 3, maxLoss: loss5 - 0.01 }),
    "maxLoss",
    `have no 5 bars forward return`,
  );
  await factor.analyze(agg, { periods, quantiles: 3, maxLoss: loss5 });
  for (const bad of [-0.1, 1.5, NaN]) {
    await rejectsWith(() => factor.analyze(agg, { maxLoss: bad }), "maxLoss");
  }
});
