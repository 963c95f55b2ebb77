/**
 * Peak resident memory of a bar per trade (`tick: 1`) for one symbol-day of
 * N ticks (default 3,000,000, a busy BTCUSDT futures day), cache off, against
 * the size of the bars. Run in its own process:
 * `deno run -A bench/tick_bars_memory.ts [ticks]`.
 */
import { DataLoader, generateSample } from "../mod.ts";

function status(field: "VmHWM" | "VmRSS"): number {
  const text = Deno.readTextFileSync("/proc/self/status");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]) / 1024;
}

const ticks = Number(Deno.args[0] ?? 3_000_000);
const start = Date.UTC(2024, 0, 1);
const dataDir = `${
  Deno.env.get("TMPDIR") ?? "/tmp"
}/factorium-bench-tick1-${ticks}`;
try {
  await Deno.stat(dataDir);
} catch {
  await generateSample({
    dataDir,
    symbols: ["BTCUSDT"],
    start,
    days: 1,
    tradesPerDay: ticks,
  });
}
const before = status("VmHWM");
const loader = new DataLoader({ dataDir });
const t0 = performance.now();
const agg = await loader.loadAggBar({
  symbols: "BTCUSDT",
  start,
  days: 1,
  bar: { type: "tick", ticks: 1 },
  buyerSeller: true,
  cache: false,
});
const seconds = (performance.now() - t0) / 1000;
await loader.close();
// 13 eight-byte columns per bar, plus the symbol.
const barsMiB = (agg.length * 13 * 8) / 2 ** 20;
console.log(
  JSON.stringify({
    ticks,
    bars: agg.length,
    seconds: Number(seconds.toFixed(2)),
    barsMiB: Number(barsMiB.toFixed(1)),
    peakRssBeforeLoadMiB: Number(before.toFixed(1)),
    peakRssMiB: Number(status("VmHWM").toFixed(1)),
    v8HeapUsedMiB: Number((Deno.memoryUsage().heapUsed / 2 ** 20).toFixed(1)),
  }),
);
