/**
 * The Polars types that appear in factorium's public API.
 *
 * @module
 */
import pl from "nodejs-polars";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A nodejs-polars DataFrame (`import pl from "nodejs-polars"`). */
export type DataFrame = pl.DataFrame;

/** nodejs-polars' `DataFrame` is a factory, not a class: check the shape. */
export function isDataFrame(value: unknown): value is pl.DataFrame {
  const df = value as pl.DataFrame | null;
  return typeof df?.lazy === "function" && Array.isArray(df.columns) &&
    typeof df.height === "number";
}

/** The `symbol` column as dense integer codes. */
export interface SymbolCodes {
  /** Per row, its symbol's code: 0, 1, ... in order of first appearance. */
  codes: Uint32Array;
  /** Per code, the first row holding that symbol. */
  firstRows: number[];
}

/**
 * Numbers the symbols of `frame` densely in order of first appearance.
 * Categorical codes are cheap (a string-cache lookup) but neither dense nor
 * ordered, so they are renumbered here.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
 * import { symbolCodes } from "./polars.ts";
 * const { codes, firstRows } = symbolCodes(pl.DataFrame({ symbol: ["B", "A", "B"] }));
 * console.log([...codes], firstRows); // [0, 1, 0] [0, 1]
 * ```
 */
export function symbolCodes(frame: pl.DataFrame): SymbolCodes {
  const raw = frame.select(
    pl.col("symbol").cast(pl.Categorical).toPhysical().cast(pl.UInt32)
      .alias("code"),
  ).getColumn("code").toTypedArray() as Uint32Array;
  let maxRaw = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] > maxRaw) maxRaw = raw[i];
  const dense = new Int32Array(maxRaw + 1).fill(-1);
  const codes = new Uint32Array(raw.length);
  const firstRows: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (dense[raw[i]] < 0) {
      dense[raw[i]] = firstRows.length;
      firstRows.push(i);
    }
    codes[i] = dense[raw[i]];
  }
  return { codes, firstRows };
}

let collect: (() => void) | undefined;

/** Files a per-file loop reads between garbage collections. */
const FILES_PER_COLLECTION = 16;

/**
 * Called before each file of a synchronous per-file loop (`file` its
 * index): runs {@linkcode collectGarbage} every 16 files, as each file's
 * query leaves native garbage V8 does not count.
 *
 * @example
 * ```ts
 * import { collectBetweenFiles } from "./polars.ts";
 * for (const [i, path] of ["a.parquet", "b.parquet"].entries()) {
 *   collectBetweenFiles(i);
 *   console.log(path);
 * }
 * ```
 */
export function collectBetweenFiles(file: number): void {
  if (file > 0 && file % FILES_PER_COLLECTION === 0) collectGarbage();
}

/**
 * Runs V8's garbage collector now, so unreferenced frames' native memory
 * can be freed (V8 does not count it; see {@linkcode releaseUnreferenced}).
 * Synchronous code calls this: some finalizers then wait for the event
 * loop, but `AggBar.scan` of 365 daily bar files (400 symbols) peaked at
 * 256 MiB instead of 302–331, and its `info()` at 377 instead of 466–536.
 */
function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString("--expose_gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
}

/**
 * Frees the native memory of frames no longer referenced: runs V8's
 * garbage collector, then yields to the event loop, where the native
 * finalizers of the collected frames run. nodejs-polars' buffers live
 * outside V8's heap and V8 does not count them, so without this a loop
 * that makes a frame per time chunk keeps every chunk's buffers (measured:
 * a 60-day, 400-symbol factor sink peaked at 8.3 GiB in 1-day chunks, and
 * at 0.54 GiB with this after each chunk). V8's `gc` is reached the way
 * Node allows at run time (`--expose_gc` set, then read from a new
 * context).
 *
 * @example
 * ```ts
 * import { releaseUnreferenced } from "./polars.ts";
 * await releaseUnreferenced();
 * ```
 */
export async function releaseUnreferenced(): Promise<void> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A lazy scan of one Parquet file, its path taken literally: no glob
 * expansion (`[`, `*` and `?` are ordinary characters in users' paths) and
 * no hive columns from `key=value` folders.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { scanParquetFile } from "./polars.ts";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * pl.DataFrame({ x: [1, 2] }).writeParquet(path);
 * console.log(scanParquetFile(path).collectSync().height); // 2
 * ```
 */
export function scanParquetFile(path: string): pl.LazyDataFrame {
  return pl.scanParquet(path, { glob: false, hivePartitioning: false });
}

/** Options of {@linkcode concatFrames}. */
export interface ConcatOptions {
  /**
   * Copy the result into one chunk per column.
   * @default true
   */
  rechunk?: boolean;
}

/**
 * Frames (at least one, of one schema) stacked vertically, concatenated in
 * groups of 64: one concat of thousands of frames is far slower, and of
 * tens of thousands of small ones ran out of memory (22,400 one-day cache
 * frames of 144 rows took over 22 GiB). With `rechunk: false` the result
 * keeps the frames' buffers as its chunks instead of copying them into one
 * (for a large result built from a few hundred parts: no second copy).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { concatFrames } from "./polars.ts";
 * const frames = Array.from({ length: 1000 }, (_, i) => pl.DataFrame({ x: [i] }));
 * console.log(concatFrames(frames).height); // 1000
 * ```
 */
export function concatFrames(
  frames: readonly pl.DataFrame[],
  options: ConcatOptions = {},
): pl.DataFrame {
  const rechunk = options.rechunk ?? true;
  let level = [...frames];
  while (level.length > 1) {
    const groups: pl.DataFrame[] = [];
    for (let i = 0; i < level.length; i += 64) {
      const group = level.slice(i, i + 64);
      groups.push(
        group.length === 1
          ? group[0]
          : pl.concat(group, { how: "vertical", rechunk }),
      );
    }
    level = groups;
  }
  return level[0];
}
