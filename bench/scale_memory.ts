/**
 * Peak memory and wall time of the research pipeline at scale: 400
 * symbols of 1-minute bars written straight to Parquet (one file per UTC
 * day, all symbols; no ticks), then each phase in its own process so each
 * phase's peak resident memory (VmHWM) is its own:
 *
 * - `scan`: `AggBar.scan(dir)` (one pass over the key columns) and `info()`;
 * - `factor`: the 5-operator factor
 *   `cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,20),60)),5))`
 *   written to Parquet with `compute(..., { sink })`, a chunk at a time;
 * - `analyze`: that factor analysed with periods [1, 5, 60], a chunk at a
 *   time (per-bar rows not kept); `analyze-sink`: the same, its per-bar
 *   rows written to Parquet (`sink`);
 * - `backtest`: that factor backtested with hourly rebalancing (`{
 *   rebalance: "1h", costBps: 2 }`), a chunk at a time; `backtest-sink`:
 *   the same, its weights written to Parquet (`sink`).
 *
 * ```sh
 * deno run -A bench/scale_memory.ts --days 17 [--days 87 ...] [--symbols 400] [--chunk 1d] [--dir /tmp/scale]
 * ```
 *
 * Prints one JSON line per size and phase: rows, seconds, peak MiB, and
 * ns per row. Generated panels are kept in `--dir` (per size) and reused.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { generateScalePanel as generate } from "./_scale_data.ts";

const FACTOR =
  "cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,20),60)),5))";
function peakMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** One phase in this process (called with `--phase`). */
async function phase(
  name: string,
  dir: string,
  chunk: string | undefined,
): Promise<void> {
  const { AggBar, backtest } = await import("../mod.ts");
  // Sinks write here; removed inside the timed phase, as each phase did.
  const out = await Deno.makeTempDir({ prefix: "factorium-scale-" });
  const t0 = performance.now();
  const agg = AggBar.scan(dir, chunk ? { chunk } : {});
  let rows = agg.length;
  try {
    if (name === "scan") {
      agg.info();
    } else if (name === "factor") {
      const written = await agg.compute({ f: FACTOR }, {
        sink: `${out}/f.parquet`,
      });
      rows = written.rows;
    } else if (name === "analyze" || name === "analyze-sink") {
      const analysis = await agg.factor(FACTOR).analyze(agg, {
        periods: [1, 5, 60],
        ...(name === "analyze-sink" ? { sink: `${out}/rows.parquet` } : {}),
      });
      rows = analysis.factorRows.rows;
      if (analysis.ic.height === 0) throw new Error("an empty analysis");
    } else if (name === "backtest" || name === "backtest-sink") {
      const result = await backtest(agg, FACTOR, {
        rebalance: "1h",
        costBps: 2,
        ...(name === "backtest-sink" ? { sink: `${out}/weights.parquet` } : {}),
      });
      if (result.returns.height === 0) throw new Error("an empty backtest");
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({ phase: name, rows, seconds, peakMiB: peakMiB() }),
  );
}

const { values } = parseArgs({
  options: {
    days: { type: "string", multiple: true, default: ["17"] },
    symbols: { type: "string", default: "400" },
    dir: { type: "string", default: "/tmp/factorium-scale" },
    phase: { type: "string" },
    phases: { type: "string", default: "scan,factor,analyze,backtest" },
    chunk: { type: "string" },
  },
});

if (values.phase) {
  await phase(values.phase, values.dir!, values.chunk);
} else {
  const symbols = Number(values.symbols);
  for (const days of values.days!.map(Number)) {
    const dir = `${values.dir}/${symbols}x${days}`;
    const g0 = performance.now();
    await generate(dir, symbols, days);
    const generated = (performance.now() - g0) / 1000;
    for (const name of values.phases!.split(",")) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL(import.meta.url).pathname,
          "--phase",
          name,
          "--dir",
          dir,
          ...(values.chunk ? ["--chunk", values.chunk] : []),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).outputSync();
      const text = new TextDecoder().decode(child.stdout).trim();
      const result = JSON.parse(text.split("\n").at(-1)!);
      console.log(JSON.stringify({
        symbols,
        days,
        generatedSeconds: Math.round(generated),
        ...result,
        nsPerRow: Math.round(result.seconds * 1e9 / result.rows),
      }));
    }
  }
}
