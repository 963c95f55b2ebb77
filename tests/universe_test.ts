/**
 * Point-in-time universes in the backtester (and analyze): a rule of the
 * most liquid symbols from trailing data only, or a boolean Factor,
 * against the plain-loop reference; no look-ahead; exclusion lists.
 */
import assert from "node:assert/strict";
import {
  AggBar,
  analyzeFactor,
  backtest,
  type BacktestOptions,
  InvalidArgumentError,
  LEVERAGED_TOKENS,
  STABLECOINS,
  universeFactor,
} from "../mod.ts";
import {
  BACKTEST_DEFAULTS,
  referenceBacktest,
  type RefUniverseRule,
} from "./_analysis_reference.ts";
import { assertClose, factorData, referenceRows } from "./_factor_data.ts";

const MINUTE = 60_000;

const RULES: [BacktestOptions, RefUniverseRule | "factor"][] = [
  [
    {
      universe: {
        top: 3,
        window: "10m",
        minHistory: "30m",
        exclude: ["S4USDT"],
      },
    },
    {
      top: 3,
      windowMs: 10 * MINUTE,
      minHistoryMs: 30 * MINUTE,
      exclude: ["S4USDT"],
    },
  ],
  [
    {
      universe: { top: 4, window: "1h" },
      rebalance: "15m",
      costBps: 3,
      allocate: "top-n",
      topN: 1,
    },
    { top: 4, windowMs: 60 * MINUTE, minHistoryMs: 0, exclude: [] },
  ],
  [{ costBps: 2 }, "factor"],
];

for (const [options, rule] of RULES) {
  Deno.test(`backtest() with a universe matches the plain-loop reference (a symbol listed mid-range, missing bars and volumes) with ${JSON.stringify(options)}`, async () => {
    const { agg } = factorData({ symbols: 7, bars: 260, seed: 11 });
    const signal = agg.get("close").tsDelta(3);
    const universe = agg.get("volume").gt(4);
    const rows = await referenceRows(agg, {
      factor: signal,
      price: agg.get("close"),
      dollar_volume: agg.get("volume").mul(agg.get("vwap")),
      universe,
    });
    const result = await backtest(agg, signal, {
      ...options,
      ...(rule === "factor" ? { universe } : {}),
    });
    const want = referenceBacktest(rows, {
      ...BACKTEST_DEFAULTS,
      allocate: options.allocate ?? BACKTEST_DEFAULTS.allocate,
      topN: options.topN ?? BACKTEST_DEFAULTS.topN,
      costBps: options.costBps ?? BACKTEST_DEFAULTS.costBps,
      rebalance: options.rebalance,
      universe: rule,
    });
    const got = result.returns.toRecords();
    assert.equal(got.length, want.returns.length);
    want.returns.forEach((row, i) => {
      for (const [key, value] of Object.entries(row)) {
        assertClose(got[i][key], value, `returns[${i}].${key}`);
      }
    });
    const weights = result.weights.toRecords();
    assert.equal(weights.length, want.weights.length);
    want.weights.forEach((row, i) => {
      for (const [key, value] of Object.entries(row)) {
        assertClose(weights[i][key], value, `weights[${i}].${key}`);
      }
    });
    // Fewer symbols than without the universe, at every decision time.
    const perTime = new Map<number, number>();
    for (const w of want.weights) {
      perTime.set(w.end_time, (perTime.get(w.end_time) ?? 0) + 1);
    }
    if (rule !== "factor") {
      assert.ok([...perTime.values()].every((n) => n <= rule.top));
      assert.ok(
        !weights.some((w) => rule.exclude.includes(w.symbol as string)),
      );
    }
    if (rule !== "factor" && rule.minHistoryMs > 0) {
      // Empty before any symbol has 30 minutes of history; S1 (listed at
      // bar 40) only from bar 70 on.
      const first = agg.metadata.minTime! + MINUTE;
      assert.ok((weights[0].end_time as number) >= first + 30 * MINUTE);
      const s1 = weights.find((w) => w.symbol === "S1USDT")!;
      assert.ok((s1.end_time as number) >= first + 70 * MINUTE);
    }
  });
}

Deno.test("a universe rule never admits a symbol before the bar whose volume lifts it (no look-ahead)", async () => {
  // Four symbols with steady volumes; Z trades little until its volume
  // explodes at bar 100.
  const records = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 160; i++) {
    for (
      const [symbol, volume] of [["A", 50], ["B", 40], ["C", 30], [
        "Z",
        1,
      ]] as const
    ) {
      const boom = symbol === "Z" && i >= 100 ? 10_000 : volume;
      records.push({
        symbol,
        start_time: t0 + i * MINUTE,
        end_time: t0 + (i + 1) * MINUTE,
        close: 10 + Math.sin(i + symbol.charCodeAt(0)),
        vwap: 10,
        volume: boom,
      });
    }
  }
  const quiet = records.map((r) => ({
    ...r,
    volume: r.symbol === "Z" ? 1 : r.volume,
  }));
  const universe = { top: 2, window: "5m" };
  const signal = "ts_delta(close, 2)";
  const loud = await backtest(AggBar.fromRecords(records), signal, {
    universe,
  });
  const calm = await backtest(AggBar.fromRecords(quiet), signal, { universe });
  const boomEnd = t0 + 101 * MINUTE; // the end_time of bar 100
  const zIn = loud.weights.toRecords().filter((w) => w.symbol === "Z")
    .map((w) => w.end_time as number);
  assert.equal(
    Math.min(...zIn),
    boomEnd,
    "Z decided in at the bar of the boom, not before",
  );
  assert.ok(!calm.weights.toRecords().some((w) => w.symbol === "Z"));
  // Everything before the boom bar is the same whether or not Z booms.
  const before = (frame: typeof loud.weights) =>
    frame.toRecords().filter((r) => (r.end_time as number) < boomEnd);
  assert.deepEqual(before(loud.weights), before(calm.weights));
  // Held from the next bar on: returns up to the boom bar's end are equal.
  assert.deepEqual(
    before(loud.returns).concat(),
    calm.returns.toRecords().filter((r) => (r.end_time as number) < boomEnd),
  );
  const inUniverse = await universeFactor(AggBar.fromRecords(records), universe)
    .collect();
  const zRows = inUniverse.toRecords().filter((r) => r.symbol === "Z");
  assert.equal(zRows.find((r) => r.end_time === boomEnd)!.factor, 1);
  assert.equal(zRows.find((r) => r.end_time === boomEnd - MINUTE)!.factor, 0);
});

Deno.test("the exclusion lists keep stablecoins and leveraged tokens out however liquid they are", async () => {
  const records = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 40; i++) {
    for (
      const [symbol, volume] of [
        ["BTCUSDT", 5],
        ["ETHUSDT", 4],
        ["SOLUSDT", 3],
        ["USDCUSDT", 1e6],
        ["BTCUPUSDT", 1e6],
      ] as const
    ) {
      records.push({
        symbol,
        start_time: t0 + i * MINUTE,
        end_time: t0 + (i + 1) * MINUTE,
        close: 1 + 0.01 * Math.cos(i * 0.7 + symbol.charCodeAt(0) + volume),
        vwap: 1,
        volume,
      });
    }
  }
  const agg = AggBar.fromRecords(records);
  const result = await backtest(agg, "ts_delta(close, 1)", {
    universe: { top: 2, exclude: [...STABLECOINS, ...LEVERAGED_TOKENS] },
  });
  const held = new Set(result.weights.toRecords().map((w) => w.symbol));
  assert.deepEqual([...held].sort(), ["BTCUSDT", "ETHUSDT"]);
  const open = await backtest(agg, "ts_delta(close, 1)", {
    universe: { top: 2 },
  });
  assert.deepEqual(
    [...new Set(open.weights.toRecords().map((w) => w.symbol))].sort(),
    ["BTCUPUSDT", "USDCUSDT"],
  );
  assert.match(result.toString(), /universe top 2 by 7d dollar volume/);
  await assert.rejects(
    () => backtest(agg, "close", { universe: { top: 0 } }),
    (e: unknown) =>
      e instanceof InvalidArgumentError && /universe\.top/.test(e.message),
  );
  await assert.rejects(
    () => backtest(agg, "close", { universe: { top: 2, window: "soon" } }),
    (e: unknown) =>
      e instanceof InvalidArgumentError && /universe\.window/.test(e.message),
  );
  await assert.rejects(
    () => backtest(agg, "close", { universe: "top20" as never }),
    InvalidArgumentError,
  );
});

Deno.test("analyze() with a universe gives symbols outside it no quantile and counts the factor values it hid in the coverage table", async () => {
  const { agg } = factorData({ symbols: 7, bars: 260, seed: 11 });
  const factor = agg.get("close").tsDelta(3);
  const universe = { top: 3, window: "10m", minHistory: "30m" };
  const analysis = await analyzeFactor(factor, agg, {
    periods: [1],
    quantiles: 3,
    universe,
  });
  const member = await universeFactor(agg, universe).collect();
  const inside = new Set(
    member.toRecords().filter((r) => r.factor === 1).map((r) =>
      `${r.end_time}|${r.symbol}`
    ),
  );
  const data = analysis.factorData.toRecords();
  assert.ok(data.length > 0);
  for (const row of data) {
    if (row.quantile !== null) {
      assert.ok(
        inside.has(`${row.end_time}|${row.symbol}`),
        JSON.stringify(row),
      );
    }
  }
  assert.ok(data.some((r) => r.quantile !== null));
  // Outside the universe the factor reads as null, and the coverage table
  // counts the values the universe hid (plain count over the factor's rows).
  const values = await factor.collect();
  let hidden = 0, present = 0;
  values.toRecords().forEach((r) => {
    if (r.factor === null || Number.isNaN(r.factor)) return;
    present++;
    if (!inside.has(`${r.end_time}|${r.symbol}`)) hidden++;
  });
  for (const row of data) {
    if (!inside.has(`${row.end_time}|${row.symbol}`)) {
      assert.equal(row.factor, null, JSON.stringify(row));
    }
  }
  const step = (name: string) =>
    analysis.coverage.toRecords().find((r) => r.step === name)!;
  assert.ok(hidden > 100);
  assert.deepEqual(
    [step("with a factor value").kept, step("in the universe").kept],
    [present, present - hidden],
  );
  assert.equal(step("in the universe").dropped, hidden);
  // The same analysis in chunks counts the same.
  const chunked = await analyzeFactor(factor, agg, {
    periods: [1],
    quantiles: 3,
    universe,
    chunk: "45m",
  });
  assert.ok(chunked.coverage.frameEqual(analysis.coverage, true));
  assert.ok(chunked.ic.frameEqual(analysis.ic, true));
});
