/**
 * walkForward: no leakage (on bars built so that the best parameter in
 * sample is the worst out of sample, the training window's best is still
 * the one traded), the choice and the stitched out-of-sample returns
 * against plain-loop reference backtests of each window, and the refusals.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  AggBar,
  backtest,
  InvalidArgumentError,
  walkForward,
  WalkForwardResult,
} from "../mod.ts";
import {
  BACKTEST_DEFAULTS,
  referenceAnalysis,
  referenceBacktest,
  referenceMetrics,
  type RefRow,
} from "./_analysis_reference.ts";
import { factorData, random } from "./_factor_data.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { assertNear, referenceRows } from "./_reference_rows.ts";

const HOUR = 3_600_000, DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/**
 * 4 symbols × 5 days of hourly bars with a column `x` that predicts the
 * next bar's return: with the sign of x on days 0 to 2, against it on
 * days 3 and 4.
 */
function regimeBars(): AggBar {
  const rand = random(9);
  const symbols = ["AUSDT", "BUSDT", "CUSDT", "DUSDT"];
  const price = symbols.map(() => 100);
  const records = [];
  for (let t = 0; t < 120; t++) {
    const x = symbols.map(() => rand());
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const regime = t * HOUR < 3 * DAY ? 1 : -1;
    for (const [s, symbol] of symbols.entries()) {
      records.push({
        symbol,
        start_time: T0 + t * HOUR,
        end_time: T0 + (t + 1) * HOUR,
        close: price[s],
        x: x[s],
      });
      price[s] *= 1 + 0.004 * (x[s] - mean) * regime +
        0.0005 * (rand() - 0.5);
    }
  }
  return new AggBar(AggBar.fromRecords(records).toPolars(), {
    bar: { type: "time", intervalMs: HOUR },
  });
}

Deno.test("walkForward() picks on the training window only: built so the in-sample best is the out-of-sample worst, it still trades the in-sample best and loses", async () => {
  const agg = regimeBars();
  const result = await walkForward(agg, "{sign} * x", { sign: [1, -1] }, {
    train: "3d",
    test: "1d",
  });
  assert(result instanceof WalkForwardResult);
  const folds = result.folds.toRecords();
  assert.equal(folds.length, 2);
  for (const fold of folds) {
    assert.equal(fold.sign, 1, `fold ${fold.fold} chose the in-sample best`);
    assert((fold.is_sharpe as number) > 0, "in sample it earns");
    assert((fold.oos_sharpe as number) < 0, "out of sample it loses");
    // The other parameter, on the same test window, would have earned:
    // a choice that peeked at the test window would have taken it.
    const window = agg.slice({
      start: fold.test_start_time as number,
      end: fold.test_end_time as number,
    });
    const other = await backtest(window, window.factor("-1 * x"));
    const chosen = await backtest(window, window.factor("1 * x"));
    assert((other.metrics.sharpe as number) > (fold.oos_sharpe as number));
    assert.equal(chosen.metrics.sharpe, fold.oos_sharpe);
  }
  assert((result.metrics.sharpe as number) < 0);
  const summary = result.summary.toRecords();
  const sharpe = summary.find((r) => r.metric === "sharpe")!;
  assert(
    (sharpe.in_sample as number) > 0 && (sharpe.out_of_sample as number) < 0,
  );
  assert.equal(sharpe.stitched, result.metrics.sharpe);
  assertNear(
    sharpe.out_of_sample,
    folds.reduce((a, f) => a + (f.oos_sharpe as number), 0) / folds.length,
    "mean out-of-sample Sharpe",
  );
});

const { agg: awkward } = factorData({ symbols: 6, bars: 300, seed: 21 });
const START = awkward.metadata.minTime!;

function reference(rows: RefRow[], costBps: number) {
  return referenceBacktest(rows, { ...BACKTEST_DEFAULTS, costBps });
}

Deno.test("walkForward() chooses the plain-loop best on each training window and its stitched returns equal plain-loop backtests of each test window", async () => {
  const template = "cs_rank(ts_delta(close, {n}))";
  const grid = { n: [2, 5, 9], costBps: [0, 3] };
  const result = await walkForward(awkward, template, grid, {
    train: "60m",
    test: "40m",
    step: "50m",
  });
  const folds = result.folds.toRecords();
  // 300 one-minute bars: folds while f·50 + 100 <= 300.
  assert.equal(folds.length, 5);
  const perYear = 365.25 * 1440;
  const stitched: number[] = [];
  for (const fold of folds) {
    const f = fold.fold as number;
    assert.equal(fold.train_start_time, START + f * 50 * 60_000);
    assert.equal(fold.test_start_time, fold.train_end_time);
    // In sample: the plain-loop Sharpe of every run on the training bars.
    let best: { n: number; costBps: number; sharpe: number } | undefined;
    for (const n of grid.n) {
      const rows = await referenceRows(
        template.replace("{n}", String(n)),
        awkward,
        fold.train_start_time as number,
        fold.train_end_time as number,
      );
      for (const costBps of grid.costBps) {
        const r = reference(rows, costBps).returns.map((x) => x.return);
        const sharpe = referenceMetrics(r, perYear).sharpe;
        if (sharpe !== null && (best === undefined || sharpe > best.sharpe)) {
          best = { n, costBps, sharpe };
        }
      }
    }
    assert.deepEqual([fold.n, fold.costBps], [best!.n, best!.costBps]);
    assertNear(fold.is_sharpe, best!.sharpe, `fold ${f} is_sharpe`);
    // Out of sample: the chosen run on the test bars alone.
    const want = reference(
      await referenceRows(
        template.replace("{n}", String(fold.n)),
        awkward,
        fold.test_start_time as number,
        fold.test_end_time as number,
      ),
      fold.costBps as number,
    ).returns;
    const got = result.returns.filter(pl.col("fold").eq(pl.lit(f)))
      .toRecords();
    assert.equal(got.length, want.length, `fold ${f} rows`);
    want.forEach((w, i) => {
      assert.equal(got[i].end_time, w.end_time);
      for (
        const key of ["return", "cost", "turnover", "gross_return"] as const
      ) {
        assertNear(got[i][key], w[key], `fold ${f} row ${i} ${key}`);
      }
      stitched.push(w.return);
    });
    assertNear(
      fold.oos_sharpe,
      referenceMetrics(want.map((w) => w.return), perYear).sharpe,
      `fold ${f} oos_sharpe`,
    );
  }
  const equity = result.returns.getColumn("equity").toArray() as number[];
  let value = 1;
  stitched.forEach((r, i) => {
    value *= 1 + r;
    assertNear(equity[i], value, `equity ${i}`);
  });
  const metrics = referenceMetrics(stitched, perYear);
  assertNear(result.metrics.sharpe, metrics.sharpe, "stitched sharpe");
  assertNear(
    result.metrics.totalReturn,
    metrics.total_return,
    "stitched total",
  );
  assertNear(
    result.metrics.maxDrawdown,
    metrics.max_drawdown,
    "stitched drawdown",
  );
});

Deno.test("walkForward() with select: ic_ir chooses by the plain-loop IC IR of the training window", async () => {
  const template = "ts_delta(close, {n})";
  const grid = { n: [1, 3, 6] };
  const ic = { periods: [1], quantiles: 3 };
  const result = await walkForward(awkward, template, grid, {
    train: "90m",
    test: "60m",
    select: "ic_ir",
    ic,
  });
  for (const fold of result.folds.toRecords()) {
    let best: { n: number; ir: number } | undefined;
    for (const n of grid.n) {
      const rows = await referenceRows(
        template.replace("{n}", String(n)),
        awkward,
        fold.train_start_time as number,
        fold.train_end_time as number,
      );
      const ir = referenceAnalysis(rows, { ...ic, minSymbols: 3 }).icSummary
        .find((r) => r.method === "spearman")!.ir;
      if (ir !== null && (best === undefined || ir > best.ir)) {
        best = { n, ir };
      }
    }
    assert.equal(fold.n, best!.n, `fold ${fold.fold}`);
    assertNear(fold.is_ic_ir, best!.ir, `fold ${fold.fold} is_ic_ir`);
    assert.equal(typeof fold.oos_ic_ir, "number");
  }
  const bundle = (await bundleOf(result))!;
  assert(bundle["text/html"].includes("Out of sample (stitched)"));
  assert(bundle["text/html"].includes("<svg"));
});

Deno.test("walkForward() refuses overlapping test windows, windows longer than the bars and unknown metrics, naming them", async () => {
  const grid = { n: [2] };
  const template = "ts_delta(close, {n})";
  await assert.rejects(
    () =>
      walkForward(awkward, template, grid, {
        train: "1h",
        test: "30m",
        step: "10m",
      }),
    (e: Error) => e instanceof InvalidArgumentError && /step/.test(e.message),
  );
  await assert.rejects(
    () => walkForward(awkward, template, grid, { train: "30d", test: "7d" }),
    (e: Error) => e instanceof InvalidArgumentError && /span/.test(e.message),
  );
  await assert.rejects(
    () =>
      walkForward(awkward, template, grid, {
        train: "1h",
        test: "30m",
        select: "profit" as "sharpe",
      }),
    (e: Error) => e instanceof InvalidArgumentError && /select/.test(e.message),
  );
  await assert.rejects(
    () =>
      walkForward(awkward, template, grid, {
        train: "1h",
        test: "30m",
        select: "ic_ir",
        ic: { quantiles: 7 },
      }),
    (e: Error) =>
      e instanceof InvalidArgumentError &&
      /^fold 0 \(training from .*\): ts_delta\(close,2\) \{"n":2\}: quantiles/
        .test(e.message),
  );
  await assert.rejects(
    () =>
      walkForward(
        awkward,
        template,
        grid,
        undefined as unknown as { train: string; test: string },
      ),
    (e: Error) => e instanceof InvalidArgumentError && /train/.test(e.message),
  );
});
