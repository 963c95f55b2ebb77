/**
 * Speed of a parameter sweep on 20 symbols × 50,000 one-minute bars (1M
 * rows, built in memory by `_factor_bench_data.ts`): the template
 * `cs_rank(-ts_delta(close, {n}) / ts_std(close, 20))` over
 * n ∈ {5, 10, 20, 60} × costBps ∈ {0, 2, 5} × rebalance ∈ {1, 15, 60}
 * = 36 runs.
 *
 * - baseline "one by one": the 36 `backtest(agg, formula, options)` calls
 *   a researcher would write, each evaluating its formula;
 * - "sweep": `sweep(agg, template, grid)`: the 4 variants evaluated in one
 *   pass (`ts_std(close, 20)` once for all), then 36 backtests of columns.
 *
 * Before the benches, the sweep's Sharpe ratios are checked against the
 * one-by-one runs, and both are timed alternately 3 times; medians and the
 * ratio are printed (deno bench itself reports averages).
 *
 * Run: `deno bench -A bench/research_bench.ts` (about 4 minutes).
 */
import { AggBar, backtest, sweep } from "../mod.ts";
import { buildFactorBenchFrame } from "./_factor_bench_data.ts";

const TEMPLATE = "cs_rank(-ts_delta(close, {n}) / ts_std(close, 20))";
const GRID = { n: [5, 10, 20, 60], costBps: [0, 2, 5], rebalance: [1, 15, 60] };

const built = performance.now();
const df = buildFactorBenchFrame({ symbols: 20, bars: 50_000 });
const agg = new AggBar(df, { bar: { type: "time", intervalMs: 60_000 } });
console.log(
  `bench data: ${agg.length} rows (${agg.symbols.length} symbols) in ${
    ((performance.now() - built) / 1000).toFixed(1)
  } s`,
);

async function oneByOne(): Promise<number[]> {
  const sharpes: number[] = [];
  for (const n of GRID.n) {
    for (const costBps of GRID.costBps) {
      for (const rebalance of GRID.rebalance) {
        const result = await backtest(
          agg,
          TEMPLATE.replace("{n}", String(n)),
          { costBps, rebalance },
        );
        sharpes.push(result.metrics.sharpe ?? NaN);
      }
    }
  }
  return sharpes;
}

async function swept(): Promise<number[]> {
  const result = await sweep(agg, TEMPLATE, GRID);
  return result.table.getColumn("sharpe").toArray() as number[];
}

async function timed(run: () => Promise<unknown>, into: number[]) {
  const t = performance.now();
  await run();
  into.push(performance.now() - t);
}

function mid(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

const expected = await oneByOne();
const got = await swept();
if (
  got.length !== 36 ||
  got.some((v, i) => !(Math.abs(v - expected[i]) <= 1e-9 * Math.abs(v)))
) {
  throw new Error(
    `sweep Sharpe ratios differ from one by one: ${got} vs ${expected}`,
  );
}
const timing = { sweep: [] as number[], single: [] as number[] };
for (let i = 0; i < 3; i++) {
  await timed(swept, timing.sweep);
  await timed(oneByOne, timing.single);
}
console.log(
  `medians of 3: sweep ${(mid(timing.sweep) / 1000).toFixed(2)} s, ` +
    `one by one ${(mid(timing.single) / 1000).toFixed(2)} s ` +
    `(ratio ${(mid(timing.sweep) / mid(timing.single)).toFixed(2)})`,
);

Deno.bench({
  name: "36 backtests one by one",
  group: "sweep 4 × 3 × 3, 20 symbols × 50,000 bars",
  baseline: true,
  n: 2,
  warmup: 0,
  async fn() {
    await oneByOne();
  },
});

Deno.bench({
  name: "sweep (4 variants in one pass, 36 backtests of columns)",
  group: "sweep 4 × 3 × 3, 20 symbols × 50,000 bars",
  n: 2,
  warmup: 0,
  async fn() {
    await swept();
  },
});
