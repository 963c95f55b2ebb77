/**
 * Rewrites Parquet files in place through DuckDB, for tests that turn good
 * sample files into hostile ones.
 *
 * @module
 */
import { DuckDBInstance } from "@duckdb/node-api";

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
