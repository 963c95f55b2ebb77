/**
 * Speed of the factor analyzer and the backtester on 100 symbols × 50,000
 * one-minute bars (5M rows, built in memory by `_factor_bench_data.ts`),
 * with a signal column (the 5-bar return) so factor evaluation is a column
 * read and the benches time the analysis itself.
 *
 * - "analyze": `agg.get("signal").analyze(agg, { periods: [1, 5, 20] })`,
 *   everything (forward returns, Spearman and Pearson IC, summaries,
 *   quantiles, spread, long-short, turnover, rank autocorrelation, the
 *   factor-data table), against the hand-written Polars computation of the
 *   Spearman IC alone for the same three periods (baseline: forward returns
 *   by `shift(-k).over("symbol")`, then per period a filter and
 *   `groupBy("end_time").agg(spearmanRankCorr)`, the three collected
 *   concurrently).
 * - "backtest": `backtest(agg, signal)` (rank → market-neutral, 4 bps)
 *   against a hand-written Polars market-neutral rank portfolio (rank per
 *   end_time, demean, scale to gross 1, weight × next-bar return summed
 *   per end_time; no drift, no costs, no metrics).
 *
 * - "backtest, perps": the same backtest with funding (a settlement every
 *   8 hours for every symbol), a universe rule (top 20 by trailing 1-day
 *   dollar volume, 1 day of history) and hourly rebalancing, timed in the
 *   same loop as the every-bar backtest; the ratio of the two is printed.
 *
 * Before the benches, our IC is checked against the hand-written one and
 * both are timed alternately 5 times; medians and ratios are printed
 * (deno bench itself reports averages).
 *
 * Run: `deno bench -A bench/analysis_bench.ts` (about 2 minutes).
 */
import pl from "nodejs-polars";
import { AggBar, backtest } from "../mod.ts";
import { buildFactorBenchFrame } from "./_factor_bench_data.ts";

const PERIODS = [1, 5, 20];
const EIGHT_HOURS = 8 * 3_600_000;

const built = performance.now();
const df = buildFactorBenchFrame().withColumns(
  pl.col("close").div(pl.col("close").shift(5).over("symbol")).sub(1)
    .alias("signal"),
);
const agg = new AggBar(df);
const frame = agg.toPolars();
const signal = agg.get("signal");
console.log(
  `bench data: ${agg.length} rows (${agg.symbols.length} symbols) in ${
    ((performance.now() - built) / 1000).toFixed(1)
  } s`,
);

/** A settlement every 8 hours for every symbol, rates around 1e-4. */
function benchFunding(bars: AggBar): pl.DataFrame {
  const { minTime, maxTime } = bars.metadata;
  const symbols: string[] = [], times: bigint[] = [], rates: number[] = [];
  for (const [s, symbol] of bars.symbols.entries()) {
    for (
      let t = Math.ceil(minTime! / EIGHT_HOURS) * EIGHT_HOURS, k = 0;
      t <= maxTime!;
      t += EIGHT_HOURS, k++
    ) {
      symbols.push(symbol);
      times.push(BigInt(t));
      rates.push(1e-4 * (1 + Math.sin(s + k)));
    }
  }
  return pl.DataFrame([
    pl.Series("symbol", symbols, pl.Utf8),
    pl.Series("funding_time", BigInt64Array.from(times), pl.Int64),
    pl.Series("funding_rate", rates, pl.Float64),
  ]);
}
const PERPS = {
  costBps: 4,
  rebalance: "1h",
  funding: benchFunding(agg),
  universe: { top: 20, window: "1d", minHistory: "1d" },
};

function handIc(bars: pl.DataFrame): Promise<pl.DataFrame[]> {
  const forward = bars.lazy()
    .select("end_time", "symbol", "signal", "close")
    .withColumns(
      ...PERIODS.map((k) =>
        pl.col("close").shift(-k).over("symbol").div(pl.col("close")).sub(1)
          .alias(`fwd_${k}`)
      ),
    );
  return Promise.all(PERIODS.map((k) =>
    forward
      .filter(pl.col("signal").isNotNull().and(pl.col(`fwd_${k}`).isNotNull()))
      .groupBy("end_time")
      .agg(pl.spearmanRankCorr("signal", `fwd_${k}`).alias("ic"))
      .sort("end_time")
      .collect()
  ));
}

function handBacktest(bars: pl.DataFrame): Promise<pl.DataFrame> {
  const rank = pl.col("signal").rank("average").over("end_time")
    .div(pl.col("signal").count().over("end_time"));
  const centred = rank.sub(rank.mean().over("end_time"));
  return bars.lazy()
    .select("end_time", "symbol", "signal", "close")
    .withColumns(
      pl.col("close").shift(-1).over("symbol").div(pl.col("close")).sub(1)
        .alias("next"),
      centred.div(centred.abs().sum().over("end_time")).alias("weight"),
    )
    .groupBy("end_time")
    .agg(pl.col("weight").mul(pl.col("next")).sum().alias("return"))
    .sort("end_time")
    .collect();
}

async function median(run: () => Promise<unknown>, times: number[]) {
  const t = performance.now();
  await run();
  times.push(performance.now() - t);
}

function mid(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

// Our 1-bar Spearman IC equals the hand-written one (no gaps in these bars).
const ours = await signal.analyze(agg, { periods: PERIODS });
const hand = await handIc(frame);
const ic1 = ours.ic.filter(pl.col("period").eq(pl.lit(1)));
const diff = ic1.getColumn("spearman").sub(hand[0].getColumn("ic")).abs()
  .max() as number;
if (ic1.height !== hand[0].height || !(diff < 1e-9)) {
  throw new Error(
    `IC mismatch: ${ic1.height} vs ${hand[0].height} rows, max diff ${diff}`,
  );
}
const timing = {
  analyze: [] as number[],
  ic: [] as number[],
  backtest: [] as number[],
  perps: [] as number[],
  portfolio: [] as number[],
};
for (let i = 0; i < 5; i++) {
  await median(() => signal.analyze(agg, { periods: PERIODS }), timing.analyze);
  await median(() => handIc(frame), timing.ic);
  await median(() => backtest(agg, signal, { costBps: 4 }), timing.backtest);
  await median(() => backtest(agg, signal, PERPS), timing.perps);
  await median(() => handBacktest(frame), timing.portfolio);
}
console.log(
  `medians of 5: analyze ${(mid(timing.analyze) / 1000).toFixed(2)} s, ` +
    `hand-written Polars IC ${(mid(timing.ic) / 1000).toFixed(2)} s ` +
    `(ratio ${(mid(timing.analyze) / mid(timing.ic)).toFixed(2)}); ` +
    `backtest ${(mid(timing.backtest) / 1000).toFixed(2)} s, ` +
    `hand-written Polars portfolio ${
      (mid(timing.portfolio) / 1000).toFixed(2)
    } s (ratio ${
      (mid(timing.backtest) / mid(timing.portfolio)).toFixed(2)
    }); ` +
    `backtest with funding + universe + hourly rebalance ${
      (mid(timing.perps) / 1000).toFixed(2)
    } s (${
      (mid(timing.perps) / mid(timing.backtest)).toFixed(2)
    }× the every-bar backtest)`,
);

Deno.bench({
  name: "hand-written Polars Spearman IC, 3 periods",
  group: "analyze",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    await handIc(frame);
  },
});

Deno.bench({
  name: "analyze, 3 periods (everything)",
  group: "analyze",
  n: 3,
  warmup: 1,
  async fn() {
    await signal.analyze(agg, { periods: PERIODS });
  },
});

Deno.bench({
  name: "hand-written Polars rank portfolio",
  group: "backtest",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    await handBacktest(frame);
  },
});

Deno.bench({
  name: "backtest (rank, market-neutral, 4 bps)",
  group: "backtest",
  n: 3,
  warmup: 1,
  async fn() {
    await backtest(agg, signal, { costBps: 4 });
  },
});

Deno.bench({
  name: "backtest with funding, a top-20 universe and hourly rebalancing",
  group: "backtest",
  n: 3,
  warmup: 1,
  async fn() {
    await backtest(agg, signal, PERPS);
  },
});
