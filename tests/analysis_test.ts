/**
 * The analyzer, the backtester and the metrics against the plain-loop
 * reference (`_analysis_reference.ts`) on generated bars with the awkward
 * cases (nulls, NaN, missing bars, a late and a one-bar symbol, constant
 * runs, ties, times crossing UTC midnight), plus the look-ahead proof,
 * cost accounting, display and save.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  AggBar,
  backtest,
  type BacktestOptions,
  computeMetrics,
  type Factor,
  InvalidArgumentError,
} from "../mod.ts";
import {
  referenceAnalysis,
  referenceBacktest,
  referenceMetrics,
  type RefRow,
} from "./_analysis_reference.ts";
import { factorData, random } from "./_factor_data.ts";
import { bundleOf } from "../src/display/jupyter.ts";

const { agg } = factorData({ symbols: 7, bars: 260, seed: 11 });

/** The factor and close of every bar, as the reference reads them. */
async function rowsOf(factor: Factor, bars: AggBar = agg): Promise<RefRow[]> {
  const frame = await bars.compute({ factor, price: bars.get("close") });
  return frame.toRecords().map((r) => ({
    end_time: r.end_time as number,
    symbol: r.symbol as string,
    factor: r.factor as number | null,
    price: r.price as number | null,
  }));
}

function close(actual: unknown, expected: unknown, label: string) {
  if (expected === null || actual === null) {
    assert.deepEqual(actual, expected, label);
    return;
  }
  if (typeof expected === "number" && typeof actual === "number") {
    if (!Number.isFinite(expected)) {
      assert.deepEqual(actual, expected, label);
      return;
    }
    const scale = Math.max(1, Math.abs(expected));
    assert(
      Math.abs(actual - expected) <= 1e-9 * scale,
      `${label}: ${actual} vs ${expected}`,
    );
    return;
  }
  assert.deepEqual(actual, expected, label);
}

/** Asserts a frame equals reference rows (same order, every column). */
function assertTable(
  name: string,
  frame: pl.DataFrame,
  expected: readonly object[],
) {
  const rows = frame.toRecords();
  assert.deepEqual(rows.length, expected.length, `${name}: row count`);
  expected.forEach((want, i) => {
    for (const [key, value] of Object.entries(want)) {
      close(rows[i][key], value, `${name}[${i}].${key}`);
    }
  });
}

const FACTORS: Record<string, () => Factor> = {
  // Continuous, null for the first bars and around missing prices.
  "ts_delta(close,3)": () => agg.get("close").tsDelta(3),
  // Three values only: heavy ties, constant slices.
  "sign(ts_delta(close,3))": () => agg.get("close").tsDelta(3).sign(),
  // Integer volumes: ties within slices.
  volume: () => agg.get("volume"),
};

for (const [name, make] of Object.entries(FACTORS)) {
  for (
    const settings of [
      { periods: [1, 5, 20], quantiles: 5, minSymbols: 3 },
      { periods: [2, 3], quantiles: 3, minSymbols: 5 },
      // 6 quantiles of 7 symbols (one has a single bar, so no slice has 7):
      // slices missing another symbol get no quantiles.
      { periods: [1, 4], quantiles: 6, minSymbols: 2, demeaned: false },
    ]
  ) {
    Deno.test(`analyze() matches the plain-loop reference for ${name} with periods ${settings.periods} and ${settings.quantiles} quantiles`, async () => {
      const factor = make();
      const analysis = await factor.analyze(agg, settings);
      const want = referenceAnalysis(await rowsOf(factor), settings);
      for (
        const table of [
          "ic",
          "icSummary",
          "quantileReturns",
          "quantileCumulative",
          "spread",
          "longShort",
          "turnover",
          "rankAutocorrelation",
          "icDecay",
        ] as const
      ) {
        assertTable(table, analysis[table], want[table]);
      }
      const data = analysis.factorData.toRecords();
      assert.deepEqual(data.length, want.quantile.size);
      for (const row of data) {
        const key = `${row.end_time}|${row.symbol}`;
        assert.deepEqual(
          row.quantile,
          want.quantile.get(key),
          `quantile ${key}`,
        );
        for (const k of settings.periods) {
          close(
            row[`fwd_${k}`],
            want.forward.get(`${k}|${key}`),
            `fwd_${k} ${key}`,
          );
        }
      }
      // The data really hold the awkward cases the comparison covers.
      if (name.startsWith("sign")) {
        assert(want.ic.some((r) => r.spearman === null), "no constant slice");
      }
      if (settings.quantiles === 7) {
        assert(data.some((r) => r.quantile === null && r.factor !== null));
      }
      assert(data.some((r) => r.factor === null), "no null factor");
    });
  }
}

const BACKTESTS: BacktestOptions[] = [
  {},
  { normalize: "raw", allocate: "long-only", costBps: 10 },
  { normalize: "zscore", allocate: "market-neutral", gross: 2, lag: 2 },
  { normalize: "minmax", allocate: "long-only", maxPosition: 0.3 },
  { normalize: "rank", allocate: "top-n", topN: 2, costBps: 5 },
  {
    normalize: "raw",
    allocate: "market-neutral",
    maxPosition: 0.2,
    maxNet: 0.05,
    costBps: 3,
  },
  { normalize: "zscore", allocate: "long-only", maxNet: 0.4 },
  { rebalance: 7 },
  { rebalance: "15m", costBps: 4, lag: 2 },
  { rebalance: "30m", allocate: "top-n", topN: 2, costBps: 2 },
];

for (const options of BACKTESTS) {
  Deno.test(`backtest() matches the plain-loop reference with ${JSON.stringify(options)}`, async () => {
    const signal = agg.get("close").tsDelta(3);
    const result = await backtest(agg, signal, options);
    const want = referenceBacktest(await rowsOf(signal), {
      normalize: options.normalize ?? "rank",
      allocate: options.allocate ?? "market-neutral",
      topN: options.topN ?? 5,
      gross: options.gross ?? 1,
      maxPosition: options.maxPosition ?? Infinity,
      maxNet: options.maxNet ?? Infinity,
      costBps: options.costBps ?? 0,
      lag: options.lag ?? 1,
      rebalance: options.rebalance,
    });
    assert(want.returns.length > 200);
    assertTable("returns", result.returns, want.returns);
    assertTable("weights", result.weights, want.weights);
    const metrics = referenceMetrics(
      want.returns.map((r) => r.return),
      365.25 * 1440,
    );
    assert.deepEqual(result.settings.periodsPerYear, 365.25 * 1440);
    assertMetrics(result.metrics, metrics);
  });
}

const METRIC_NAMES: Record<string, string> = {
  total_return: "totalReturn",
  annual_return: "annualReturn",
  annual_volatility: "annualVolatility",
  sharpe: "sharpe",
  sortino: "sortino",
  max_drawdown: "maxDrawdown",
  max_drawdown_duration: "maxDrawdownBars",
  calmar: "calmar",
  var_95: "var95",
  cvar_95: "cvar95",
  win_rate: "winRate",
  profit_factor: "profitFactor",
  n: "bars",
};

function assertMetrics(
  actual: object,
  expected: Record<string, number | null>,
) {
  for (const [key, name] of Object.entries(METRIC_NAMES)) {
    close((actual as Record<string, unknown>)[name], expected[key], name);
  }
}

Deno.test("computeMetrics() matches the reference on hand-checked series, flat, one-bar, recovering and total-loss cases", () => {
  for (
    const series of [
      [0.1, -0.05, 0.02, -0.1, 0.03],
      [0.05, -0.1, 0.02, 0.2, -0.01],
      [0, 0, 0],
      [0.01],
      [0.02, 0.01, 0.03],
      [0.5, -1, 0.2],
      [],
    ]
  ) {
    assertMetrics(
      computeMetrics(Float64Array.from(series), 252),
      referenceMetrics(series, 252),
    );
  }
  const m = computeMetrics(
    Float64Array.from([0.1, -0.05, 0.02, -0.1, 0.03]),
    252,
  );
  // Hand check: equity 1.1, 1.045, 1.0659, 0.95931, 0.9880893; the deepest
  // drawdown is 0.95931/1.1 - 1 from the peak at bar 1, never recovered.
  close(m.totalReturn, 0.9880893 - 1, "total");
  close(m.maxDrawdown, 0.95931 / 1.1 - 1, "drawdown");
  assert.deepEqual(m.maxDrawdownBars, 4);
  assert.deepEqual(m.profitFactor, 0.15 / 0.15);
});

/** i.i.d. returns for `symbols` × `bars` one-minute bars. */
function randomWalk(symbols: number, bars: number, seed: number) {
  const rand = random(seed);
  const records: Record<string, unknown>[] = [];
  const returns: number[][] = [];
  for (let s = 0; s < symbols; s++) {
    let price = 100;
    returns.push([]);
    for (let t = 0; t < bars; t++) {
      const r = (rand() - 0.5) * 0.02;
      price *= 1 + r;
      returns[s].push(r);
      records.push({
        symbol: `S${String(s).padStart(2, "0")}`,
        start_time: t * 60_000,
        end_time: (t + 1) * 60_000,
        close: price,
        last_return: t === 0 ? null : r,
        next_return: null,
      });
    }
  }
  // next_return at bar t is bar t+1's return: perfect foresight.
  for (let s = 0; s < symbols; s++) {
    for (let t = 0; t + 1 < bars; t++) {
      records[s * bars + t].next_return = returns[s][t + 1];
    }
  }
  return new AggBar(
    pl.DataFrame(records).withColumns(
      pl.col("start_time").cast(pl.Int64),
      pl.col("end_time").cast(pl.Int64),
      pl.col("last_return").cast(pl.Float64),
      pl.col("next_return").cast(pl.Float64),
    ),
  );
}

Deno.test("computeMetrics() and backtest() take periodsPerYear from 1 to one bar a millisecond and refuse the rest naming the range", async () => {
  const returns = new Float64Array([0.01, -0.02, 0.03]);
  for (const bad of [0, -252, NaN, Infinity, 0.5, 4e10]) {
    assert.throws(
      () => computeMetrics(returns, bad),
      (e) =>
        e instanceof InvalidArgumentError &&
        e.argument === "periodsPerYear" &&
        e.message.includes("from 1 (one bar a year) to 31557600000"),
    );
    await assert.rejects(
      () => backtest(agg, agg.get("close"), { periodsPerYear: bad }),
      (e) =>
        e instanceof InvalidArgumentError && e.argument === "periodsPerYear",
    );
  }
  // 1e10 a year is tick bars ~3 ms apart: accepted, and annualised with it.
  const busy = computeMetrics(returns, 1e10);
  assert.equal(busy.periodsPerYear, 1e10);
  assert.equal(computeMetrics(returns, 1).periodsPerYear, 1);
});

Deno.test("backtest() trades the signal at t on bar t+1: perfect foresight earns every bar, the same signal one bar late earns nothing", async () => {
  const bars = randomWalk(20, 1500, 5);
  const foresight = await backtest(bars, bars.get("next_return"), {
    normalize: "raw",
  });
  const late = await backtest(bars, bars.get("last_return"), {
    normalize: "raw",
  });
  // Foresight: weights ∝ demeaned next returns, so every bar's gross return
  // is Σ|d|·(dispersion) > 0.
  const gains = foresight.returns.getColumn("gross_return")
    .toArray() as number[];
  assert(gains.every((g) => g > 0), "foresight loses a bar");
  // Late: the same information one bar later has no edge on i.i.d. returns:
  // the mean return is within 3 standard errors of 0 and tiny next to the
  // foresight mean.
  const lateReturns = late.returns.getColumn("gross_return")
    .toArray() as number[];
  const mean = lateReturns.reduce((a, b) => a + b, 0) / lateReturns.length;
  const sd = Math.sqrt(
    lateReturns.reduce((a, b) => a + (b - mean) ** 2, 0) /
      (lateReturns.length - 1),
  );
  assert(Math.abs(mean) < 3 * sd / Math.sqrt(lateReturns.length));
  const foresightMean = gains.reduce((a, b) => a + b, 0) / gains.length;
  assert(Math.abs(mean) < foresightMean / 50, `${mean} vs ${foresightMean}`);
});

Deno.test("backtest() charges costBps per side on drift-adjusted turnover, in the bar the new weights are held", async () => {
  const bars = randomWalk(6, 300, 9);
  const signal = bars.get("last_return");
  const free = await backtest(bars, signal, { allocate: "top-n", topN: 2 });
  const paid = await backtest(bars, signal, {
    allocate: "top-n",
    topN: 2,
    costBps: 7.5,
  });
  const turnover = paid.returns.getColumn("turnover").toArray() as number[];
  const cost = paid.returns.getColumn("cost").toArray() as number[];
  const net = paid.returns.getColumn("return").toArray() as number[];
  const gross = free.returns.getColumn("return").toArray() as number[];
  // The first bar buys the whole book: turnover = gross exposure = 1.
  close(turnover[0], 1, "opening turnover");
  turnover.forEach((t, i) => {
    close(cost[i], t * 7.5e-4, `cost ${i}`);
    close(net[i], gross[i] - cost[i], `net ${i}`);
  });
  assert.deepEqual(free.returns.getColumn("cost").sum(), 0);
});

Deno.test("analyze() and backtest() reject bad options with InvalidArgumentError naming them", async () => {
  const f = agg.get("close");
  for (
    const options of [
      { periods: [] },
      { periods: [0] },
      { periods: [1.5] },
      { quantiles: 1 },
      { minSymbols: 1 },
      { price: "nope" },
    ]
  ) {
    await assert.rejects(
      () => f.analyze(agg, options as never),
      (e) =>
        e instanceof InvalidArgumentError &&
        e.message.includes(Object.keys(options)[0]),
    );
  }
  for (
    const options of [
      { normalize: "median" },
      { allocate: "short-only" },
      { topN: 0 },
      { gross: 0 },
      { maxPosition: -1 },
      { maxNet: -0.1 },
      { costBps: NaN },
      { lag: 0 },
      { periodsPerYear: 0 },
    ]
  ) {
    await assert.rejects(
      () => backtest(agg, f, options as never),
      (e) =>
        e instanceof InvalidArgumentError &&
        e.message.includes(Object.keys(options)[0]),
    );
  }
  await assert.rejects(
    () => backtest(agg, 42 as never),
    InvalidArgumentError,
  );
});

Deno.test("backtest() of one symbol reports no positions, and analyze() refuses it naming the symbol count", async () => {
  const one = AggBar.fromRecords([
    { symbol: "A", start_time: 0, end_time: 60_000, close: 1 },
    { symbol: "A", start_time: 60_000, end_time: 120_000, close: 2 },
  ]);
  const result = await backtest(one, one.get("close"));
  assert.deepEqual(result.returns.height, 0);
  assert.deepEqual(result.metrics.sharpe, null);
  assert(result.toString().includes("no positions"));
  await assert.rejects(
    () => one.get("close").analyze(one),
    (e) =>
      e instanceof InvalidArgumentError &&
      e.message.includes("at least 2 symbols") &&
      e.message.includes("1 symbol(s) (A)"),
  );
});

Deno.test("FactorAnalysis and BacktestResult display as tearsheets with tables and SVG charts, and save every table and the page", async () => {
  const factor = agg.get("close").tsDelta(3).csRank();
  const analysis = await factor.analyze(agg, { periods: [1, 5] });
  const bundle = (await bundleOf(analysis))!;
  assert(bundle["text/plain"].includes("IC mean"));
  assert.deepEqual(bundle["text/html"].match(/<svg xmlns/g)?.length, 8);
  for (const html of [bundle["text/html"], analysis.toHTML()]) {
    const coverage = html.indexOf("coverage: what was used");
    assert(coverage > 0 && coverage < html.indexOf("IC summary"));
    assert(html.includes("time slices in quantiles"));
  }
  assert(bundle["text/html"].includes("factorium-table"));
  for (
    const kind of [
      "ic",
      "ic-histogram",
      "ic-qq",
      "ic-heatmap",
      "quantile-returns",
      "quantile-cumulative",
      "long-short",
      "ic-decay",
    ] as const
  ) {
    assert(analysis.plot(kind).toSVG().startsWith("<svg"));
  }
  assert.throws(
    () => analysis.plot("ic-histogram", { period: 7 }),
    InvalidArgumentError,
  );
  const dir = await Deno.makeTempDir();
  try {
    const files = await analysis.save(dir, { format: "csv" });
    assert.deepEqual(files.length, 12);
    const ic = pl.readCSV(await Deno.readTextFile(`${dir}/ic.csv`));
    assert.deepEqual(ic.height, analysis.ic.height);
    const result = await factor.backtest(agg, { costBps: 2 });
    const shown = (await bundleOf(result))!;
    // Equity (gross and net), drawdown, where the money went.
    assert.deepEqual(shown["text/html"].match(/<svg xmlns/g)?.length, 3);
    assert(shown["text/plain"].includes("Sharpe"));
    assert(shown["text/plain"].includes("costs"));
    assert.throws(() => result.plot("returns" as never), InvalidArgumentError);
    const saved = await result.save(`${dir}/bt`);
    assert.deepEqual(saved.map((p) => p.split("/").pop()), [
      "returns.parquet",
      "weights.parquet",
      "metrics.parquet",
      "backtest.html",
    ]);
    assert.deepEqual(
      pl.readParquet(`${dir}/bt/returns.parquet`).height,
      result.returns.height,
    );
    const leftovers = [...Deno.readDirSync(dir)].filter((e) =>
      e.name.includes(".tmp")
    );
    assert.deepEqual(leftovers, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analyze() with a returns Factor compounds forward returns from the bars after t, matching the plain-loop reference", async () => {
  // Per-bar returns with nulls (warm-up, missing closes) and gaps in the
  // grid: a forward return needs every one of the k returns after t.
  const returns = agg.get("close").tsPctChange(1);
  const factor = agg.get("close").tsDelta(3);
  const settings = { periods: [1, 4], quantiles: 3, minSymbols: 3 };
  const analysis = await factor.analyze(agg, { ...settings, returns });
  const frame = await agg.compute({ factor, price: returns });
  const rows: RefRow[] = frame.toRecords().map((r) => ({
    end_time: r.end_time as number,
    symbol: r.symbol as string,
    factor: r.factor as number | null,
    price: r.price as number | null,
  }));
  const want = referenceAnalysis(rows, { ...settings, returns: true });
  for (
    const table of ["ic", "icSummary", "quantileReturns", "turnover"] as const
  ) {
    assertTable(table, analysis[table], want[table]);
  }
  let compounded = 0;
  for (const row of analysis.factorData.toRecords()) {
    const key = `${row.end_time}|${row.symbol}`;
    for (const k of settings.periods) {
      const expected = want.forward.get(`${k}|${key}`) ?? null;
      close(row[`fwd_${k}`], expected, `fwd_${k} ${key}`);
      if (k === 4 && expected !== null) compounded++;
    }
  }
  assert.ok(compounded > 100);
  // The returns are not a price: no "with a price" step; the same returns
  // as a formula give the same tables; price and returns together are refused.
  assert.ok(
    !(analysis.coverage.getColumn("step").toArray() as string[]).includes(
      "with a price",
    ),
  );
  const parsed = await factor.analyze(agg, {
    ...settings,
    returns: "ts_pct_change(close, 1)",
  });
  assert.ok(parsed.ic.frameEqual(analysis.ic, true));
  await assert.rejects(
    () => factor.analyze(agg, { returns, price: "close" }),
    InvalidArgumentError,
  );
});
