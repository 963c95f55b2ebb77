/**
 * Peak resident memory of one cold `loadAggBar` (1-minute bars, 20M ticks),
 * compared with the size of the tick data. Run in its own process:
 * `deno run -A bench/cold_load_memory.ts`.
 */
import { DataLoader } from "../mod.ts";
import {
  BENCH_DAYS,
  BENCH_START,
  BENCH_SYMBOLS,
  benchData,
} from "./_bench_data.ts";

function peakRssMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const { dataDir, rows, bytes } = await benchData();
const before = peakRssMiB();
const loader = new DataLoader({
  dataDir,
  cacheDir: await Deno.makeTempDir({ prefix: "factorium-mem-" }),
});
const t0 = performance.now();
const agg = await loader.loadAggBar({
  symbols: BENCH_SYMBOLS,
  start: BENCH_START,
  days: BENCH_DAYS,
  bar: { type: "time", intervalMs: 60_000 },
});
const seconds = (performance.now() - t0) / 1000;
await Deno.remove(loader.cacheDir, { recursive: true });
await loader.close();
// 8-byte id, time, price, quantity, first/last trade id + 1-byte flag.
const rawMiB = (rows * 49) / 2 ** 20;
console.log(
  JSON.stringify({
    ticks: rows,
    bars: agg.length,
    seconds: Number(seconds.toFixed(2)),
    ticksPerSecond: Math.round(rows / seconds),
    parquetMiB: Number((bytes / 2 ** 20).toFixed(1)),
    ticksInMemoryMiB: Number(rawMiB.toFixed(1)),
    peakRssBeforeLoadMiB: Number(before.toFixed(1)),
    peakRssMiB: Number(peakRssMiB().toFixed(1)),
  }),
);
