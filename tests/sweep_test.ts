/**
 * sweep: every row's metrics equal those of the single backtest of the
 * same variant and options (and the plain-loop reference backtest), the
 * IC columns equal the single analysis, the best row per metric is the
 * plain-loop argmax, and bad grids are refused naming the key.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  backtest,
  type BacktestOptions,
  InvalidArgumentError,
  sweep,
  SweepResult,
} from "../mod.ts";
import { referenceBacktest, referenceMetrics } from "./_analysis_reference.ts";
import { factorData } from "./_factor_data.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { assertNear, referenceRows } from "./_reference_rows.ts";

const { agg } = factorData({ symbols: 7, bars: 200, seed: 3 });

const METRICS: Record<
  string,
  keyof Awaited<ReturnType<typeof backtest>>["metrics"]
> = {
  sharpe: "sharpe",
  annual_return: "annualReturn",
  total_return: "totalReturn",
  annual_volatility: "annualVolatility",
  max_drawdown: "maxDrawdown",
  sortino: "sortino",
  calmar: "calmar",
  bars: "bars",
};

Deno.test("sweep() gives every variant × option combination the metrics of its single backtest", async () => {
  const template = "cs_rank(-ts_delta(close, {n}))";
  const grid = { n: [2, 3, 5], costBps: [0, 4], rebalance: [1, "15m"] };
  const result = await sweep(agg, template, grid, {
    allocate: "top-n",
    topN: 2,
  });
  const rows = result.table.toRecords();
  assert.equal(rows.length, 12);
  assert.deepEqual(result.params, ["n", "costBps", "rebalance"]);
  assert(result.table.getColumn("n").dtype.equals(pl.Int32));
  assert(result.table.getColumn("rebalance").dtype.equals(pl.String));
  let i = 0;
  for (const n of grid.n) {
    for (const costBps of grid.costBps) {
      for (const rebalance of grid.rebalance) {
        const row = rows[i++];
        const label = `n=${n} costBps=${costBps} rebalance=${rebalance}`;
        assert.deepEqual(
          [row.n, row.costBps, row.rebalance],
          [n, costBps, String(rebalance)],
          label,
        );
        const single = await backtest(agg, template.replace("{n}", String(n)), {
          allocate: "top-n",
          topN: 2,
          costBps,
          rebalance,
        });
        assert.equal(row.factor, single.name, label);
        for (const [column, key] of Object.entries(METRICS)) {
          assertNear(row[column], single.metrics[key], `${label} ${column}`);
        }
        assertNear(
          row.turnover,
          single.returns.getColumn("turnover").mean() as number,
          `${label} turnover`,
        );
      }
    }
  }
});

Deno.test("sweep() passes a point-in-time universe to every run: each row equals its single backtest with that universe", async () => {
  const universe = { top: 3, window: "10m", minHistory: "30m" };
  const template = "cs_rank(-ts_delta(close, {n}))";
  const result = await sweep(agg, template, { n: [2, 5] }, { universe });
  const rows = result.table.toRecords();
  for (const [i, n] of [2, 5].entries()) {
    const single = await backtest(agg, template.replace("{n}", String(n)), {
      universe,
    });
    const everyone = await backtest(
      agg,
      template.replace("{n}", String(n)),
    );
    for (const [column, key] of Object.entries(METRICS)) {
      assertNear(rows[i][column], single.metrics[key], `n=${n} ${column}`);
    }
    // The universe changes the result, so the equality is not vacuous.
    assert.notEqual(single.metrics.sharpe, everyone.metrics.sharpe);
  }
});

Deno.test("sweep() metrics equal the plain-loop reference backtest of the chosen variant", async () => {
  const result = await sweep(agg, "ts_delta(close, {n})", {
    n: [3],
    costBps: [5],
  }, { normalize: "zscore", rebalance: 4 });
  const rows = await referenceRows(agg.get("close").tsDelta(3), agg);
  const options: Required<
    Omit<
      BacktestOptions,
      "price" | "periodsPerYear" | "funding" | "universe" | "impact" | "sink"
    >
  > = {
    normalize: "zscore",
    allocate: "market-neutral",
    topN: 5,
    gross: 1,
    maxPosition: Infinity,
    maxNet: Infinity,
    costBps: 5,
    lag: 1,
    rebalance: 4,
  };
  const want = referenceBacktest(rows, options);
  const metrics = referenceMetrics(
    want.returns.map((r) => r.return),
    365.25 * 1440,
  );
  const row = result.table.toRecords()[0];
  assertNear(row.sharpe, metrics.sharpe, "sharpe");
  assertNear(row.total_return, metrics.total_return, "total_return");
  assertNear(row.max_drawdown, metrics.max_drawdown, "max_drawdown");
  assertNear(row.bars, metrics.n, "bars");
  const turnovers = want.returns.map((r) => r.turnover);
  assertNear(
    row.turnover,
    turnovers.reduce((a, b) => a + b, 0) / turnovers.length,
    "turnover",
  );
});

Deno.test("sweep() with a function template and the ic option adds the IC of each variant's single analysis", async () => {
  const result = await sweep(
    agg,
    ({ w }) => agg.get("close").tsMean(w as number).csRank(),
    { w: [3, 8], topN: [1, 2] },
    { allocate: "top-n", ic: { periods: [2], quantiles: 3 } },
  );
  const rows = result.table.toRecords();
  assert.deepEqual(result.params, ["w", "topN"]);
  assert.equal(rows.length, 4);
  for (const row of rows) {
    const factor = agg.get("close").tsMean(row.w as number).csRank();
    const verdict = (await factor.analyze(agg, { periods: [2], quantiles: 3 }))
      .verdict.toRecords()[0];
    assertNear(row.ic_mean, verdict.ic_mean as number, `w=${row.w} ic_mean`);
    assertNear(row.ic_ir, verdict.ic_ir as number, `w=${row.w} ic_ir`);
    assertNear(row.ic_t, verdict.ic_t as number, `w=${row.w} ic_t`);
    const single = await factor.backtest(agg, {
      allocate: "top-n",
      topN: row.topN as number,
    });
    assertNear(
      row.sharpe,
      single.metrics.sharpe,
      `w=${row.w} topN=${row.topN}`,
    );
  }
});

Deno.test("SweepResult.best holds the plain-loop best row per metric, with the in-sample warning shown", async () => {
  const result = await sweep(agg, "cs_rank(ts_delta(close, {n}))", {
    n: [1, 2, 4, 8],
    costBps: [0, 10],
  });
  assert(result instanceof SweepResult);
  const rows = result.table.toRecords();
  const best = result.best.toRecords();
  for (const metric of result.metrics) {
    const lower = metric === "annual_volatility" || metric === "turnover";
    let want: Record<string, unknown> | undefined;
    for (const row of rows) {
      const v = row[metric];
      if (typeof v !== "number") continue;
      const w = want?.[metric] as number | undefined;
      if (w === undefined || (lower ? v < w : v > w)) want = row;
    }
    const got = best.find((r) => r.metric === metric);
    assert(got && want, metric);
    assert.deepEqual(
      [got.value, got.n, got.costBps],
      [want[metric], want.n, want.costBps],
      metric,
    );
  }
  const bundle = (await bundleOf(result))!;
  assert(bundle["text/html"].includes("optimistic"));
  assert(bundle["text/html"].includes("<title>sweep: sharpe</title>"));
  assert(bundle["text/plain"].includes("optimistic"));
  const svg = result.plot("total_return", { x: "costBps", y: "n" }).toSVG();
  assert(svg.includes("total_return by costBps and n"));
});

Deno.test("sweep() refuses unknown grid keys, missing placeholders, empty values and reserved names, naming them", async () => {
  await assert.rejects(
    () => sweep(agg, "ts_delta(close, {n})", { n: [1], costBp: [1] }),
    (e: Error) =>
      e instanceof InvalidArgumentError && /costBp/.test(e.message) &&
      /did you mean "costBps"/.test(e.message),
  );
  await assert.rejects(
    () => sweep(agg, "ts_delta(close, {n})", { costBps: [1] }),
    (e: Error) => e instanceof InvalidArgumentError && /\{n\}/.test(e.message),
  );
  await assert.rejects(
    () => sweep(agg, "ts_delta(close, {n})", { n: [] }),
    (e: Error) =>
      e instanceof InvalidArgumentError && /grid\.n/.test(e.message),
  );
  await assert.rejects(
    () => sweep(agg, () => "close", { sharpe: [1] }),
    (e: Error) => e instanceof InvalidArgumentError && /sharpe/.test(e.message),
  );
  await assert.rejects(
    () => sweep(agg, "ts_delta(close, {n})", { n: [1], costBps: [-1] }),
    (e: Error) =>
      e instanceof InvalidArgumentError && /costBps/.test(e.message),
  );
});
