/**
 * The bench data set: 20 symbols × 5 days × 200,000 aggTrades (20 million
 * ticks), generated once into the system temp directory and reused.
 *
 * @module
 */
import { generateSample } from "../src/data/sample.ts";

/** Symbols of the bench data set. */
export const BENCH_SYMBOLS = Array.from(
  { length: 20 },
  (_, i) => `SYM${String(i).padStart(2, "0")}USDT`,
);
/** First day and number of days of the bench data set. */
export const BENCH_START = Date.UTC(2024, 0, 1);
/** Number of UTC days in the bench data set. */
export const BENCH_DAYS = 5;
/** Ticks per symbol-day. */
export const BENCH_TRADES_PER_DAY = 200_000;

/** Generates the bench data (once) and returns its directory and tick count. */
export async function benchData(): Promise<
  { dataDir: string; rows: number; bytes: number }
> {
  const dataDir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/factorium-bench-20m`;
  const result = await generateSample({
    dataDir,
    symbols: BENCH_SYMBOLS,
    start: BENCH_START,
    days: BENCH_DAYS,
    tradesPerDay: BENCH_TRADES_PER_DAY,
    seed: 3,
  });
  let rows = 0, bytes = 0;
  const { DuckDBInstance, listValue } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  const reader = await con.runAndReadAll(
    "SELECT sum(num_rows) FROM parquet_file_metadata($files)",
    { files: listValue(result.files) },
  );
  rows = Number(reader.getRows()[0][0]);
  con.closeSync();
  db.closeSync();
  for (const file of result.files) bytes += (await Deno.stat(file)).size;
  return { dataDir, rows, bytes };
}
