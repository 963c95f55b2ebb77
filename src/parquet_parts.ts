/**
 * ParquetParts: one Parquet file written a frame at a time, never holding
 * more than one frame: each frame is a part file in a hidden scratch
 * directory, and at the end the parts' row groups are joined into the
 * target atomically (a complete file or none), byte for byte.
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { temporarySibling, writeAtomic } from "./atomic.ts";
import { DataFileError } from "./errors.ts";
import { concatParquet } from "./parquet_concat.ts";
import { type DataFrame, scanParquetFile } from "./polars.ts";

/**
 * Collects frames of one schema into the Parquet file `path`.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { ParquetParts } from "./parquet_parts.ts";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * const parts = await ParquetParts.open(path);
 * parts.write(pl.DataFrame({ x: [1, 2] }));
 * parts.write(pl.DataFrame({ x: [3] }));
 * console.log(await parts.finish()); // 3
 * ```
 */
export class ParquetParts {
  /** The Parquet file written by `finish`. */
  readonly path: string;
  /** Rows written so far. */
  rows = 0;
  #scratch: string;
  #parts = 0;

  private constructor(path: string, scratch: string) {
    this.path = path;
    this.#scratch = scratch;
  }

  /** Opens a collection of parts for `path` (its directory must exist). */
  static async open(path: string): Promise<ParquetParts> {
    // The parts are read back through a glob: next to the target unless its
    // path holds glob characters, else in the system's temp directory.
    const scratch = /[[\]*?{}]/.test(path)
      ? await Deno.makeTempDir({ prefix: "factorium-parts-" })
      : temporarySibling(path);
    await Deno.mkdir(scratch, { recursive: true });
    return new ParquetParts(path, scratch);
  }

  /**
   * Writes `frame` as the next part. Empty frames are skipped once a part
   * exists (the first one is kept: it carries the schema).
   */
  write(frame: DataFrame): void {
    if (frame.height === 0 && this.#parts > 0) return;
    frame.writeParquet(this.#part(this.#parts++), { compression: "zstd" });
    this.rows += frame.height;
  }

  #part(index: number): string {
    return join(
      this.#scratch,
      `part-${String(index).padStart(8, "0")}.parquet`,
    );
  }

  /**
   * Joins the parts into `path` (zstd, atomically) and removes them;
   * returns the rows written. The parts' row groups are copied as they are
   * (the memory of their footers, no decoding), unless their schemas
   * differ: then Polars streams them into one.
   */
  async finish(): Promise<number> {
    try {
      const parts = Array.from(
        { length: this.#parts },
        (_, i) => this.#part(i),
      );
      await writeAtomic(this.path, async (temporary) => {
        if (concatParquet(parts, temporary)) return;
        await pl.scanParquet(join(this.#scratch, "*.parquet"))
          .sinkParquet(temporary, { compression: "zstd" }).collect();
      });
      return this.rows;
    } finally {
      await this.discard();
    }
  }

  /** Removes the parts without writing `path` (after a failure). */
  async discard(): Promise<void> {
    await Deno.remove(this.#scratch, { recursive: true }).catch(() => {});
  }
}

/**
 * Reads back a Parquet file a {@linkcode ParquetParts} wrote (a result's
 * `sink`), its path taken literally; a file since moved, deleted or
 * replaced by something unreadable is a `DataFileError` naming it.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { readSink } from "./parquet_parts.ts";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * pl.DataFrame({ x: [1] }).writeParquet(path);
 * console.log(readSink(path).height); // 1
 * ```
 */
export function readSink(path: string): DataFrame {
  try {
    return scanParquetFile(path).collectSync();
  } catch (error) {
    throw new DataFileError(
      path,
      `expected the Parquet file this result's sink wrote (moved or deleted since?): ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}
