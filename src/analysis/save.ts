/**
 * Writes a result's tables and its HTML page into a directory, each file
 * atomically.
 *
 * @module
 */
import { join } from "node:path";
import { writeAtomic } from "../atomic.ts";
import { InvalidArgumentError } from "../errors.ts";
import type pl from "nodejs-polars";
import type { DataFrame } from "../polars.ts";
import { checkOptions } from "../options.ts";

/** Options of a result's `save(dir)`. */
export interface SaveOptions {
  /** Table file format. @default "parquet" */
  format?: "parquet" | "csv";
}

/**
 * Writes `<name>.parquet` (zstd) or `<name>.csv` per table (a lazy one
 * streamed), then `page` as
 * `pageName`, into `dir` (created if needed); returns the paths written.
 *
 * @example
 * ```ts ignore
 * await saveTables("out/x", { ic: frame }, "<html></html>", "tearsheet.html");
 * ```
 */
export async function saveTables(
  dir: string,
  tables: Record<string, DataFrame | pl.LazyDataFrame>,
  page: string,
  pageName: string,
  options: SaveOptions = {},
): Promise<string[]> {
  const format = checkOptions("save", options, { format: true }).format ??
    "parquet";
  if (format !== "parquet" && format !== "csv") {
    throw new InvalidArgumentError(
      "options.format",
      format,
      '"parquet" or "csv"',
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, frame] of Object.entries(tables)) {
    const path = join(dir, `${name}.${format}`);
    await writeAtomic(path, async (tmp) => {
      if ("collect" in frame) {
        const sunk = format === "csv"
          ? frame.sinkCSV(tmp)
          : frame.sinkParquet(tmp, { compression: "zstd" });
        await sunk.collect();
      } else if (format === "csv") frame.writeCSV(tmp);
      else frame.writeParquet(tmp, { compression: "zstd" });
    });
    written.push(path);
  }
  const pagePath = join(dir, pageName);
  await writeAtomic(pagePath, (tmp) => Deno.writeTextFile(tmp, page));
  written.push(pagePath);
  return written;
}
