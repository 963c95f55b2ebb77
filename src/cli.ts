/**
 * The `factorium` command line: `sample` writes the bundled sample tick data,
 * `demo` runs the end-to-end example on it.
 *
 * @module
 */
import { parseArgs } from "node:util";
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

if (import.meta.main) Deno.exit(await main(Deno.args));
