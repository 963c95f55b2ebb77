/**
 * Speed of the historical bar feed on 50 symbols × 100,000 one-minute bars
 * (5M rows) built in memory from typed arrays (`_factor_bench_data.ts`).
 *
 * - "lastPrice": a batch of {@linkcode BATCH} calls `feed.lastPrice(s, at)`
 *   against the same batch answered the naive way, one Polars query per
 *   call: `df.filter(symbol == s && end_time <= at).tail(1)` (the
 *   baseline). Per-call time = iteration time / BATCH.
 * - "history 100": likewise for `feed.history(s, 100, at).close` against
 *   `df.filter(symbol == s && end_time <= at).tail(100)`.
 * - "event loop": `feed.run(strategy)` stepping every bar (100,000 steps)
 *   over the 50 symbols; the strategy rebalances hourly to a cross-sectional
 *   20-minute momentum sign (history + orderTarget on every symbol).
 *   bars/s = steps × symbols / s.
 *
 * The queries (symbol, at) are drawn once (seeded): `at` uniform over the
 * data's span plus a margin before the first bar; each iteration takes the
 * next BATCH of a pool of 10,000, so no iteration reuses a hot set.
 *
 * deno bench reports means; before the benches, ours and the baseline are
 * timed alternately and the medians per call, calls/s and their ratio are
 * printed (the baseline over a smaller batch: it takes ~10 ms a call).
 *
 * Run: `deno bench -A bench/feed_bench.ts` (about a minute).
 */
import pl from "nodejs-polars";
import { AggBar } from "../mod.ts";
import { BarFeed, type StrategyContext } from "../src/feed/mod.ts";
import {
  buildFactorBenchFrame,
  FACTOR_BENCH_START,
} from "./_factor_bench_data.ts";
import { random } from "../tests/_factor_data.ts";

const SYMBOLS = 50;
const BARS = 100_000;
const M = 60_000;
/** Calls per bench iteration, the same for ours and the baseline. */
const BATCH = 100;
/** Distinct precomputed queries. */
const POOL = 10_000;

const t0 = performance.now();
const df = buildFactorBenchFrame({ symbols: SYMBOLS, bars: BARS });
const agg = new AggBar(df, { bar: { type: "time", intervalMs: M } });
const t1 = performance.now();
const feed = new BarFeed(agg, { resample: ["5m", "1h"] });
const t2 = performance.now();
const frame = agg.toPolars();
console.log(
  `bench data: ${frame.height} rows (${SYMBOLS} symbols × ${BARS} bars) built in ${
    ((t1 - t0) / 1000).toFixed(1)
  } s; new BarFeed (split + 5m, 1h resampled) ${
    ((t2 - t1) / 1000).toFixed(2)
  } s`,
);

const symbols = feed.symbols;
const rand = random(17);
const querySymbol: string[] = [];
const queryAt = new Float64Array(POOL);
const first = FACTOR_BENCH_START + M;
const span = BARS * M;
for (let i = 0; i < POOL; i++) {
  querySymbol.push(symbols[Math.floor(rand() * symbols.length)]);
  queryAt[i] = Math.floor(first - span * 0.01 + rand() * span * 1.02);
}

let sink = 0;

function oursLastPrice(offset: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const q = (offset + i) % POOL;
    sink += feed.lastPrice(querySymbol[q], queryAt[q]) ?? 0;
  }
}

function naiveLastPrice(offset: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const q = (offset + i) % POOL;
    const row = frame.filter(
      pl.col("symbol").eq(pl.lit(querySymbol[q]))
        .and(pl.col("end_time").ltEq(queryAt[q])),
    ).tail(1);
    sink += row.height ? row.getColumn("close").toArray()[0] as number : 0;
  }
}

function oursHistory(offset: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const q = (offset + i) % POOL;
    const close = feed.history(querySymbol[q], 100, queryAt[q]).close;
    sink += close.length;
  }
}

function naiveHistory(offset: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const q = (offset + i) % POOL;
    sink += frame.filter(
      pl.col("symbol").eq(pl.lit(querySymbol[q]))
        .and(pl.col("end_time").ltEq(queryAt[q])),
    ).tail(100).height;
  }
}

// Once, outside timing: ours and the naive query agree on a sample.
for (let q = 0; q < 200; q++) {
  const s = querySymbol[q], at = queryAt[q];
  const row = frame.filter(
    pl.col("symbol").eq(pl.lit(s)).and(pl.col("end_time").ltEq(at)),
  ).tail(100);
  const want = row.getColumn("close").toArray() as number[];
  const got = [...feed.history(s, 100, at).close];
  const last = feed.lastPrice(s, at);
  if (
    got.join() !== want.join() ||
    last !== (want.length ? want[want.length - 1] : null)
  ) {
    throw new Error(`feed check FAILED: ${s} at ${at}`);
  }
}
console.log("feed check: 200 queries agree with the naive Polars filter");

// Medians of alternating timings, per call.
{
  const median = (values: number[]) =>
    values.sort((x, y) => x - y)[values.length >> 1];
  const rate = (
    fn: (o: number, c: number) => void,
    calls: number,
    k: number,
  ) => {
    const t = performance.now();
    fn(k * calls, calls);
    return (performance.now() - t) / calls;
  };
  for (
    const [label, ours, naive] of [
      ["lastPrice", oursLastPrice, naiveLastPrice],
      ["history 100", oursHistory, naiveHistory],
    ] as const
  ) {
    ours(0, POOL); // warm-up
    const a: number[] = [], b: number[] = [];
    for (let k = 0; k < 7; k++) {
      b.push(rate(naive, 20, k));
      a.push(rate(ours, POOL, 0));
    }
    const [x, y] = [median(a), median(b)];
    console.log(
      `${label}: medians of 7 alternating runs: ours ${
        Math.round(1000 / x).toLocaleString("en-US")
      } calls/s (${
        (x * 1e6).toFixed(0)
      } ns/call over ${POOL} calls), naive Polars filter ${
        Math.round(1000 / y).toLocaleString("en-US")
      } calls/s (${(y * 1000).toFixed(0)} µs/call over 20 calls), ratio ${
        Math.round(y / x).toLocaleString("en-US")
      }x`,
    );
  }
}

let offset = 0;

Deno.bench({
  name: `naive Polars filter per call, ${BATCH} calls`,
  group: `lastPrice, ${BATCH} calls (50 symbols × 100,000 bars)`,
  baseline: true,
  n: 3,
  warmup: 1,
  fn() {
    naiveLastPrice(offset, BATCH);
    offset = (offset + BATCH) % POOL;
  },
});

Deno.bench({
  name: `feed.lastPrice, ${BATCH} calls`,
  group: `lastPrice, ${BATCH} calls (50 symbols × 100,000 bars)`,
  fn() {
    oursLastPrice(offset, BATCH);
    offset = (offset + BATCH) % POOL;
  },
});

Deno.bench({
  name: `naive Polars filter + tail(100) per call, ${BATCH} calls`,
  group: `history 100, ${BATCH} calls (50 symbols × 100,000 bars)`,
  baseline: true,
  n: 3,
  warmup: 1,
  fn() {
    naiveHistory(offset, BATCH);
    offset = (offset + BATCH) % POOL;
  },
});

Deno.bench({
  name: `feed.history(s, 100, at).close, ${BATCH} calls`,
  group: `history 100, ${BATCH} calls (50 symbols × 100,000 bars)`,
  fn() {
    oursHistory(offset, BATCH);
    offset = (offset + BATCH) % POOL;
  },
});

/**
 * Hourly, for every symbol: the sign of the 20-minute momentum, equal
 * weights long/short (a typical cross-sectional toy).
 */
function momentum(ctx: StrategyContext): void {
  if (ctx.index % 60 !== 59) return;
  const weight = 1 / ctx.symbols.length;
  for (const symbol of ctx.symbols) {
    const close = ctx.history(symbol, 20).close;
    if (close.length < 20) continue;
    ctx.orderTarget(symbol, close[19] > close[0] ? weight : -weight);
  }
}

// The loop's own speed report (bars/s), median of 3 runs.
{
  const rates: number[] = [];
  let fills = 0;
  for (let k = 0; k < 3; k++) {
    const result = await feed.run(momentum, { costBps: 2 });
    rates.push(result.barsPerSecond);
    fills = result.trades.height;
  }
  rates.sort((x, y) => x - y);
  console.log(
    `event loop: ${BARS} steps × ${SYMBOLS} symbols, ${fills} fills, median of 3 runs ${
      Math.round(rates[1]).toLocaleString("en-US")
    } bars/s (checksum ${sink.toFixed(0)})`,
  );
}

Deno.bench({
  name: "feed.run: every 1-minute step, 50 symbols, hourly momentum",
  group: "event loop (100,000 steps × 50 symbols)",
  n: 3,
  warmup: 1,
  async fn() {
    await feed.run(momentum, { costBps: 2 });
  },
});
