/**
 * Funding cash flows in the backtester and the money laid out in its
 * metrics: a hand-computed two-symbol case, a no-look-ahead test, and the
 * plain-loop reference (tests/_analysis_reference.ts) on awkward data.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  AggBar,
  backtest,
  type BacktestOptions,
  InvalidArgumentError,
} from "../mod.ts";
import { BACKTEST_DEFAULTS, referenceBacktest } from "./_analysis_reference.ts";
import {
  assertClose,
  factorData,
  referenceRows,
  settlementFrame,
  settlementsFor,
} from "./_factor_data.ts";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Hourly bars of A and B from 00:00 to 16:00, constant prices, A's signal above B's. */
function twoSymbols(): AggBar {
  const records = [];
  for (let i = 0; i < 16; i++) {
    for (const [symbol, sig, close] of [["A", 2, 100], ["B", 1, 7]] as const) {
      records.push({
        symbol,
        start_time: T0 + i * H,
        end_time: T0 + (i + 1) * H,
        close,
        sig,
      });
    }
  }
  return AggBar.fromRecords(records);
}

Deno.test("backtest() with funding charges a long the positive rate and pays a short, at a settlement inside a bar and at a bar edge (hand-computed)", async () => {
  const agg = twoSymbols();
  // Weights: A +0.5, B −0.5 (rank → market-neutral), decided at 01:00
  // (the first bar's end), held from 01:00 on; prices never move.
  const funding = settlementFrame([
    { symbol: "A", funding_time: T0, funding_rate: 0.01 }, // before any holding
    { symbol: "A", funding_time: T0 + 8 * H, funding_rate: 1e-4 }, // a bar edge
    { symbol: "B", funding_time: T0 + 10.5 * H, funding_rate: 3e-4 }, // inside
    { symbol: "B", funding_time: T0 + 12 * H, funding_rate: -2e-4 }, // an edge
    { symbol: "C", funding_time: T0 + 12 * H, funding_rate: 1 }, // not held
    { symbol: "A", funding_time: T0 + 16 * H, funding_rate: 1 }, // after the end
  ]);
  const result = await backtest(agg, agg.get("sig"), { funding });
  const rows = result.returns.toRecords();
  assert.deepEqual(result.returns.columns, [
    "end_time",
    "gross_return",
    "cost",
    "funding",
    "return",
    "turnover",
    "gross_exposure",
    "net_exposure",
    "equity",
    "drawdown",
  ]);
  const flow = new Map(rows.map((r) => [r.end_time as number, r.funding]));
  // 08:00 is the start of the bar held to 09:00: the long A pays 0.5 × 1e-4.
  assert.equal(flow.get(T0 + 9 * H), -0.5 * 1e-4);
  // 10:30 is inside the bar held to 11:00: the short B receives 0.5 × 3e-4.
  assert.equal(flow.get(T0 + 11 * H), 0.5 * 3e-4);
  // 12:00, a negative rate: the short B pays 0.5 × 2e-4 in the bar to 13:00.
  assert.equal(flow.get(T0 + 13 * H), -0.5 * 2e-4);
  for (const [time, value] of flow) {
    if (![9, 11, 13].includes((time - T0) / H)) assert.equal(value, 0);
  }
  const equity = (1 - 0.5e-4) * (1 + 1.5e-4) * (1 - 1e-4);
  assert.ok(Math.abs((rows.at(-1)!.equity as number) - equity) < 1e-15);
  assert.ok(
    Math.abs(result.metrics.totalFunding! - (-0.5e-4 + 1.5e-4 - 1e-4)) <
      1e-18,
  );
  assert.equal(result.metrics.grossReturn, 0);
  assert.equal(result.metrics.totalCost, 0);
  assert.ok(
    Math.abs(result.metrics.totalReturn! - (equity - 1)) < 1e-15,
  );
  assert.match(result.toString(), /funding charged/);
  // Without funding there is no funding column and no total.
  const plain = await backtest(agg, agg.get("sig"));
  assert.ok(!plain.returns.columns.includes("funding"));
  assert.equal(plain.metrics.totalFunding, null);
});

Deno.test("backtest() charges no funding rate before the bar in which it settles (no look-ahead)", async () => {
  const { agg } = factorData({ symbols: 5, bars: 120, seed: 3 });
  const signal = agg.get("close").tsDelta(2);
  const base = settlementsFor(agg, { everyMs: 11 * 60_000, seed: 9 });
  const held = base.rows.filter((r) => r.symbol !== "NOTHELD");
  const before = await backtest(agg, signal, { funding: base.frame });
  for (const k of [3, held.length >> 1, held.length - 9]) {
    const changed = base.rows.map((r) =>
      r === held[k] ? { ...r, funding_rate: r.funding_rate + 0.01 } : r
    );
    const after = await backtest(agg, signal, {
      funding: settlementFrame(changed),
    });
    const t = held[k].funding_time;
    const a = before.returns.toRecords(), b = after.returns.toRecords();
    const firstChanged = b.findIndex((row, i) => row.return !== a[i].return);
    for (let i = 0; i < a.length; i++) {
      if ((a[i].end_time as number) <= t) {
        assert.equal(b[i].return, a[i].return, `bar ${i} before ${t}`);
      }
    }
    // The first bar to change is the one whose span holds t (if held then).
    if (firstChanged >= 0) {
      const end = b[firstChanged].end_time as number;
      const previous = firstChanged > 0
        ? (b[firstChanged - 1].end_time as number)
        : -Infinity;
      assert.ok(
        previous <= t && t < end,
        `settlement ${t} in (${previous}, ${end}]`,
      );
    }
  }
});

const CASES: BacktestOptions[] = [
  {},
  { costBps: 7, lag: 2 },
  { rebalance: "15m", costBps: 4 },
  { rebalance: 9, allocate: "top-n", topN: 2, costBps: 2 },
  { normalize: "zscore", allocate: "long-only", maxNet: 0.4 },
];

for (const options of CASES) {
  Deno.test(`backtest() with funding matches the plain-loop reference, its money laid out in the metrics, with ${JSON.stringify(options)}`, async () => {
    // Symbols listed late, with missing bars and a one-bar symbol; settlements
    // on bar edges, inside bars, in gaps, before the start and after the end.
    const { agg } = factorData({ symbols: 7, bars: 260, seed: 11 });
    const signal = agg.get("close").tsDelta(3);
    const { frame, rows: settlements } = settlementsFor(agg);
    const result = await backtest(agg, signal, { ...options, funding: frame });
    const rows = await referenceRows(agg, {
      factor: signal,
      price: agg.get("close"),
    });
    const want = referenceBacktest(rows, {
      normalize: options.normalize ?? "rank",
      allocate: options.allocate ?? "market-neutral",
      topN: options.topN ?? 5,
      gross: 1,
      maxPosition: Infinity,
      maxNet: options.maxNet ?? Infinity,
      costBps: options.costBps ?? 0,
      lag: options.lag ?? 1,
      rebalance: options.rebalance,
      funding: settlements,
    });
    const got = result.returns.toRecords();
    assert.equal(got.length, want.returns.length);
    assert.ok(want.returns.length > 200);
    assert.ok(want.returns.filter((r) => r.funding !== 0).length > 50);
    want.returns.forEach((row, i) => {
      for (const [key, value] of Object.entries(row)) {
        assertClose(got[i][key], value, `returns[${i}].${key}`);
      }
    });
    // The metrics, from the reference rows by their definitions.
    const n = want.returns.length;
    const sum = (key: "cost" | "funding" | "turnover" | "gross_exposure") =>
      want.returns.reduce((a, r) => a + r[key]!, 0);
    const m = result.metrics;
    assertClose(
      m.grossReturn,
      want.returns.reduce((a, r) => a * (1 + r.gross_return), 1) - 1,
      "grossReturn",
    );
    assertClose(m.totalCost, sum("cost"), "totalCost");
    assertClose(m.totalFunding, sum("funding"), "totalFunding");
    assertClose(
      m.annualTurnover,
      sum("turnover") / n * result.settings.periodsPerYear,
      "annualTurnover",
    );
    assert.equal(m.rebalances, want.rebalances);
    assertClose(
      m.averageHoldingBars,
      2 * sum("gross_exposure") / sum("turnover"),
      "averageHoldingBars",
    );
    assertClose(m.averageGrossExposure, sum("gross_exposure") / n, "exposure");
    assertClose(
      want.returns.reduce((a, r) => a + r.return, 0),
      want.returns.reduce((a, r) => a + r.gross_return, 0) - m.totalCost! +
        m.totalFunding!,
      "Σ return = Σ gross − costs + funding",
    );
  });
}

Deno.test("backtest() rejects a funding frame without rates or with a missing rate, naming the option", async () => {
  const agg = twoSymbols();
  await assert.rejects(
    () =>
      backtest(agg, agg.get("sig"), {
        funding: pl.DataFrame({ symbol: ["A"], funding_time: [T0] }),
      }),
    (error: unknown) =>
      error instanceof InvalidArgumentError &&
      /funding_rate/.test(error.message),
  );
  await assert.rejects(
    () =>
      backtest(agg, agg.get("sig"), {
        funding: pl.DataFrame({
          symbol: ["A"],
          funding_time: [T0],
          funding_rate: [null as unknown as number],
        }, {
          schema: {
            symbol: pl.Utf8,
            funding_time: pl.Int64,
            funding_rate: pl.Float64,
          },
        }),
      }),
    (error: unknown) =>
      error instanceof InvalidArgumentError && /finite/.test(error.message),
  );
});

Deno.test("a backtest's display lays the money out: gross and net equity, where the money went, and a line of gross, costs and funding", async () => {
  const agg = twoSymbols();
  const funding = settlementFrame([
    { symbol: "A", funding_time: T0 + 8 * H, funding_rate: 1e-4 },
  ]);
  const result = await backtest(agg, agg.get("sig"), {
    funding,
    costBps: 10,
  });
  const equity = result.plot("equity").toSVG();
  assert.match(equity, />net</);
  assert.match(equity, />gross</);
  const money = result.plot("costs").toSVG();
  for (const label of ["gross", "costs", "funding", "net"]) {
    assert.match(money, new RegExp(`>${label}<`), label);
  }
  assert.match(
    result.toString(),
    /gross 0\.00%, costs 0\.10%, funding -0\.01% \(of equity\); turnover 584\.4×\/year over 15 rebalances, held 30 bars/,
  );
  const html = result.toHTML();
  assert.match(html, /totalFunding/);
  assert.match(html, /averageGrossExposure/);
  assert.match(html, /where the money went/);
  const plain = await backtest(agg, agg.get("sig"));
  assert.match(plain.toString(), /funding not charged/);
  assert.doesNotMatch(plain.plot("costs").toSVG(), />funding</);
  assert.throws(
    () => result.plot("pnl" as never),
    (error: unknown) =>
      error instanceof InvalidArgumentError && /"costs"/.test(error.message),
  );
});

Deno.test("backtest() with impact charges coefficient × √(traded notional / bar dollar volume) bps, capped at full participation (hand-computed)", async () => {
  // Constant prices. A trades against 2e6 of dollar volume a bar, B against
  // 1.25e5; the signal flips at the bar ending 06:00 (index 5).
  const records: Record<string, number | string>[] = [];
  for (let i = 0; i < 10; i++) {
    for (const symbol of ["A", "B"]) {
      const sig = (symbol === "A") === (i < 5) ? 2 : 1;
      records.push({
        symbol,
        start_time: T0 + i * H,
        end_time: T0 + (i + 1) * H,
        close: 50,
        vwap: 50,
        volume: symbol === "A" ? 4e4 : 2.5e3,
        sig,
      });
    }
  }
  const agg = AggBar.fromRecords(records);
  const impact = { coefficient: 20, capital: 1e6 };
  const result = await backtest(agg, agg.get("sig"), { costBps: 3, impact });
  const cost = result.returns.getColumn("cost").toArray() as number[];
  // Entry at 01:00: A +0.5 (participation 0.5e6 / 2e6 = 0.25 → √ 0.5),
  // B −0.5 (0.5e6 / 1.25e5 = 4 → capped at 1), 3 bps on turnover 1.
  const entry = 0.5 * 20 * 0.5 / 1e4 + 0.5 * 20 * 1 / 1e4 + 1 * 3 / 1e4;
  assert.ok(Math.abs(cost[0] - entry) < 1e-18, `${cost[0]} vs ${entry}`);
  // The flip, traded at 06:00 with equity 1 − entry: A −1 (participation
  // (1 − entry) / 2), B +1 (capped), 3 bps on turnover 2.
  const equity = 1 - entry;
  const flip = 1 * 20 * Math.sqrt(equity * 1e6 / 2e6) / 1e4 +
    1 * 20 / 1e4 + 2 * 3 / 1e4;
  assert.ok(Math.abs(cost[5] - flip) < 1e-17, `${cost[5]} vs ${flip}`);
  cost.forEach((c, i) => {
    if (i !== 0 && i !== 5) assert.equal(c, 0, `bar ${i}`);
  });
  assert.equal(result.metrics.impactCappedTrades, 2);
  assert.deepEqual(result.settings.impact, {
    ...impact,
    participation: "dollar_volume",
  });
  assert.match(result.toString(), /impact 20 bps × √participation/);
  assert.equal(
    (await backtest(agg, agg.get("sig"))).metrics.impactCappedTrades,
    null,
  );
  await assert.rejects(
    () =>
      backtest(agg, agg.get("sig"), { impact: { coefficient: 20 } as never }),
    (error: unknown) =>
      error instanceof InvalidArgumentError &&
      /impact\.capital/.test(error.message),
  );
  await assert.rejects(
    () =>
      backtest(
        AggBar.fromRecords(records.map(({ vwap: _, ...r }) => r)),
        "sig",
        {
          impact,
        },
      ),
    (error: unknown) =>
      error instanceof InvalidArgumentError &&
      /'vwap' is missing/.test(error.message),
  );
});

for (
  const options of [
    { impact: { coefficient: 30, capital: 2e5 } },
    {
      impact: { coefficient: 50, capital: 5e4 },
      rebalance: "10m",
      lag: 2,
      costBps: 1,
    },
  ] as BacktestOptions[]
) {
  Deno.test(`backtest() with impact matches the plain-loop reference (zero and missing volumes included) with ${JSON.stringify(options)}`, async () => {
    const { agg } = factorData({ symbols: 7, bars: 260, seed: 11 });
    const signal = agg.get("close").tsDelta(3);
    const rows = await referenceRows(agg, {
      factor: signal,
      price: agg.get("close"),
      dollar_volume: agg.get("volume").mul(agg.get("vwap")),
    });
    assert.ok(rows.some((r) => r.dollar_volume === 0), "a bar without volume");
    assert.ok(rows.some((r) => r.dollar_volume === null), "a missing volume");
    const result = await backtest(agg, signal, options);
    const want = referenceBacktest(rows, {
      ...BACKTEST_DEFAULTS,
      costBps: options.costBps ?? BACKTEST_DEFAULTS.costBps,
      lag: options.lag ?? BACKTEST_DEFAULTS.lag,
      rebalance: options.rebalance,
      impact: options.impact,
    });
    const got = result.returns.toRecords();
    assert.equal(got.length, want.returns.length);
    want.returns.forEach((row, i) => {
      for (const [key, value] of Object.entries(row)) {
        assertClose(got[i][key], value, `returns[${i}].${key}`);
      }
    });
    assert.ok(result.metrics.totalCost! > 0);
    assert.ok(result.metrics.impactCappedTrades! > 0);
  });
}
