/**
 * Peak resident memory (VmHWM) of factor evaluation on the factor bench
 * data (100 symbols × 50,000 one-minute bars = 5M rows, built in memory):
 * before building the data, after building the frame and its AggBar, and
 * after evaluating `close.tsMean(20).tsStd(20).csRank()` once (first
 * evaluation, so it includes the symbol-major layout). Run in its own
 * process: `deno run -A bench/factor_memory.ts`.
 */
import { factorBenchData } from "./_factor_bench_data.ts";

function peakRssMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

const beforeData = peakRssMiB();
const { agg, rows, buildMs } = factorBenchData();
const afterAggBar = peakRssMiB();
const t0 = performance.now();
const result = await agg.get("close").tsMean(20).tsStd(20).csRank().collect();
const seconds = (performance.now() - t0) / 1000;
// start_time, end_time, open, high, low, close, volume, vwap: 8 bytes each;
// the symbol column's strings not counted.
const numericMiB = (rows * 8 * 8) / 2 ** 20;
console.log(
  JSON.stringify({
    rows,
    symbols: agg.symbols.length,
    resultRows: result.height,
    dataAndAggBarSeconds: round(buildMs / 1000, 2),
    evaluationSeconds: round(seconds, 2),
    numericColumnsMiB: round(numericMiB),
    peakRssBeforeDataMiB: round(beforeData),
    peakRssAfterAggBarMiB: round(afterAggBar),
    peakRssAfterEvaluationMiB: round(peakRssMiB()),
  }),
);
