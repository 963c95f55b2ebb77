/**
 * The `factorium` command line: `sample` writes the bundled sample tick data,
 * `demo` runs the end-to-end example on it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import type { AggBar } from "./aggbar.ts";
import { ALPHA101 } from "./factor/alphas.ts";
import { DataLoader } from "./data/loader.ts";
import { generateSample } from "./data/sample.ts";
import { FactoriumError } from "./errors.ts";
import { statOrNull } from "./data/cache.ts";

const DEMO_SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];
const USAGE = `usage: factorium <command> [options]

commands:
  sample   write deterministic sample aggTrades (Binance Hive layout)
           --data-dir DIR      (default ./data)
           --symbols A,B,...   (default ${DEMO_SYMBOLS.join(",")})
           --start YYYY-MM-DD  (default 2024-01-01)
           --days N            (default 3)
           --trades-per-day N  (default 20000)
           --market M          (default futures_um)
           --seed N            (default 1)
  demo     generate the sample if missing, load 1-minute bars, print a summary
           and the statistics of a few factors computed in one pass
           --data-dir DIR      (default ./data)
`;

/**
 * Runs the command line with `args`; returns the process exit code (0 ok,
 * 1 failure, 2 bad usage).
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(["demo"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        "data-dir": { type: "string", default: "./data" },
        symbols: { type: "string", default: DEMO_SYMBOLS.join(",") },
        start: { type: "string", default: "2024-01-01" },
        days: { type: "string", default: "3" },
        "trades-per-day": { type: "string", default: "20000" },
        market: { type: "string", default: "futures_um" },
        seed: { type: "string", default: "1" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help || command === undefined || command === "help") {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === "sample") {
      const result = await generateSample({
        dataDir: values["data-dir"],
        symbols: values.symbols.split(","),
        start: values.start,
        days: Number(values.days),
        tradesPerDay: Number(values["trades-per-day"]),
        market: values.market as "futures_um",
        seed: Number(values.seed),
      });
      console.log(
        `wrote ${result.written} file(s), skipped ${result.skipped} existing, ${result.rows} trades in ${
          values["data-dir"]
        }`,
      );
      return 0;
    }
    if (command === "demo") return await demo(values["data-dir"]);
    console.error(
      `factorium: unknown command ${JSON.stringify(command)}\n\n${USAGE}`,
    );
    return 2;
  } catch (error) {
    if (
      error instanceof FactoriumError || error instanceof TypeError ||
      error instanceof RangeError
    ) {
      console.error(`factorium: ${error.message}`);
      return 2;
    }
    console.error(error);
    return 1;
  }
}

async function demo(dataDir: string): Promise<number> {
  const marker =
    `${dataDir}/market=futures_um/data_type=aggTrades/symbol=XRPUSDT/year=2024/month=01/day=03/data.parquet`;
  if (!(await statOrNull(marker))) {
    console.log(`generating sample data in ${dataDir} ...`);
    await generateSample({ dataDir, symbols: DEMO_SYMBOLS, days: 3 });
  }
  const loader = new DataLoader({ dataDir });
  try {
    for (const label of ["cold or cached", "from cache"]) {
      const t0 = performance.now();
      const agg = await loader.loadAggBar({
        symbols: DEMO_SYMBOLS,
        start: "2024-01-01",
        days: 3,
        bar: { type: "time", intervalMs: 60_000 },
        buyerSeller: true,
      });
      const ms = performance.now() - t0;
      console.log(`loadAggBar (${label}): ${ms.toFixed(0)} ms`);
      if (label === "from cache") {
        console.log(agg.toString());
        console.log(agg.info().toString());
        await demoFactors(agg);
      }
    }
    const volume = await loader.loadAggBar({
      symbols: DEMO_SYMBOLS,
      start: "2024-01-01",
      days: 3,
      bar: { type: "dollar", dollars: 500_000 },
    });
    console.log(`dollar bars ($500k): ${volume.toString().split("\n")[0]}`);
  } finally {
    await loader.close();
  }
  return 0;
}

/** Computes a few factors in one pass and prints their summary statistics. */
async function demoFactors(agg: AggBar): Promise<void> {
  const close = agg.get("close");
  const factors = {
    momentum_60: close.tsPctChange(60).csRank(),
    reversal_5: close.tsDelta(5).neg().csZscore(),
    volume_z: agg.factor("ts_zscore(log(volume), 120)"),
    alpha002: ALPHA101.alpha002,
    alpha012: ALPHA101.alpha012,
    alpha101: ALPHA101.alpha101,
  };
  const t0 = performance.now();
  const frame = await agg.compute(factors);
  console.log(
    `${
      Object.keys(factors).length
    } factors in one pass over ${frame.height} rows: ${
      (performance.now() - t0).toFixed(0)
    } ms`,
  );
  const stats = pl.concat(
    Object.keys(factors).map((name) =>
      frame.select(
        pl.lit(name).alias("factor"),
        pl.col(name).count().cast(pl.Int64).alias("values"),
        pl.col(name).nullCount().cast(pl.Int64).alias("nulls"),
        pl.col(name).mean().alias("mean"),
        pl.col(name).std().alias("std"),
        pl.col(name).min().alias("min"),
        pl.col(name).max().alias("max"),
      )
    ),
  );
  console.log(stats.toString());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
