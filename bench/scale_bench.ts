/**
 * Speed of the streamed path against the one-pass path on the same bars:
 * 400 symbols × 2 days of one-minute bars (1.15M rows, one Parquet file
 * per day, from `_scale_data.ts`), with the 5-operator factor
 * `cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,20),60)),5))`.
 *
 * In each group the baseline is the one-pass computation on the bars in
 * memory (`AggBar` of the files read whole), and the other bench is the
 * same computation on `AggBar.scan` of the files in 6-hour chunks (eight
 * chunks, each evaluated on a region with the factor's 84-bar warm-up),
 * so the ratio is what streaming costs per row:
 *
 * - "factor": `agg.compute({ f })` (one pass) vs `compute(..., { sink })`
 *   (chunks written to Parquet);
 * - "analyze": `analyze(agg, { periods: [1, 5, 60] })` vs the same on the
 *   scanned bars (chunks, carrying 60 slices; per-bar rows not kept);
 * - "backtest": `backtest(agg, f, { rebalance: "1h", costBps: 2 })` vs the
 *   same on the scanned bars.
 *
 * Peak memory at 10 M to 210 M rows is measured by `scale_memory.ts`
 * (each phase in its own process); this suite guards the per-row speed.
 *
 * Run: `deno bench -A bench/scale_bench.ts` (about 3 minutes).
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar, backtest } from "../mod.ts";
import { generateScalePanel } from "./_scale_data.ts";

const FACTOR =
  "cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,20),60)),5))";
const DIR = "/tmp/factorium-scale-bench/400x2";
await generateScalePanel(DIR, 400, 2);
const files = [0, 1].map((d) => `${DIR}/day-000${d}.parquet`);
const inMemory = new AggBar(
  pl.concat(files.map((f) => pl.readParquet(f)), { how: "vertical" }),
);
const scanned = AggBar.scan(files, { chunk: "6h" });
const out = await Deno.makeTempDir({ prefix: "factorium-scale-bench-" });
const ANALYZE = { periods: [1, 5, 60] };
const BACKTEST = { rebalance: "1h", costBps: 2 } as const;

Deno.bench({
  name: "factor, one pass in memory",
  group: "factor",
  baseline: true,
  async fn() {
    await inMemory.compute({ f: FACTOR });
  },
});
Deno.bench({
  name: "factor, scanned files in 6-hour chunks, written to Parquet",
  group: "factor",
  async fn() {
    await scanned.compute({ f: FACTOR }, { sink: `${out}/f.parquet` });
  },
});
Deno.bench({
  name: "analyze, one pass in memory",
  group: "analyze",
  baseline: true,
  async fn() {
    await inMemory.factor(FACTOR).analyze(inMemory, ANALYZE);
  },
});
Deno.bench({
  name: "analyze, scanned files in 6-hour chunks",
  group: "analyze",
  async fn() {
    await scanned.factor(FACTOR).analyze(scanned, ANALYZE);
  },
});
Deno.bench({
  name: "backtest, one pass in memory",
  group: "backtest",
  baseline: true,
  async fn() {
    await backtest(inMemory, FACTOR, BACKTEST);
  },
});
Deno.bench({
  name: "backtest, scanned files in 6-hour chunks",
  group: "backtest",
  async fn() {
    await backtest(scanned, FACTOR, BACKTEST);
  },
});
