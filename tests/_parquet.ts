/**
 * Rewrites Parquet files in place through DuckDB, for tests that turn good
 * sample files into hostile ones.
 *
 * @module
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { generateSample } from "../mod.ts";

/** The first day of {@linkcode btcSample}'s data. */
export const SAMPLE_START: number = Date.UTC(2024, 0, 1);

/**
 * Two days (from {@linkcode SAMPLE_START}) of generated BTCUSDT data of
 * one kind in a new folder: its path and the files written.
 */
export async function btcSample(
  dataType: "aggTrades" | "trades" | "klines" = "aggTrades",
  market: "spot" | "futures_um" = "futures_um",
  tradesPerDay = 800,
): Promise<{ dataDir: string; files: string[] }> {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-hostile-" });
  const { files } = await generateSample({
    dataDir,
    symbols: ["BTCUSDT"],
    start: SAMPLE_START,
    days: 2,
    tradesPerDay,
    dataType,
    market,
  });
  return { dataDir, files };
}

/**
 * Rewrites each Parquet file with `SELECT <select> FROM file WHERE <where>`,
 * written with DuckDB's COPY options `copy`.
 */
export async function rewrite(
  paths: string[],
  select: string,
  where = "true",
  copy = "FORMAT parquet",
): Promise<void> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  for (const path of paths) {
    await con.run(
      `COPY (SELECT ${select} FROM read_parquet('${path}') WHERE ${where}) TO '${path}.x' (${copy})`,
    );
    await Deno.rename(`${path}.x`, path);
  }
  con.closeSync();
  db.closeSync();
}
