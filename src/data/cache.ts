/**
 * BarCache: bars on disk as Parquet, one file per (exchange, market, data
 * type, bar spec, symbol, UTC day) for time bars and one per (..., symbol,
 * requested range) for tick/volume/dollar bars. A file's name carries the
 * fingerprint (path, size, mtime and a hash of the Parquet footer) of the
 * source files it was built from, so a changed source simply stops matching
 * and is rebuilt, even one rewritten at the same size with its mtime
 * restored (the footer holds the row counts, offsets and column statistics). Files appear only by
 * atomic rename; an unreadable one is reported, deleted and rebuilt.
 *
 * Several processes may share one cache: any file may vanish at any moment
 * (another process committing a newer fingerprint of the same day deletes
 * it), so a file that is gone is a miss, never an error or a warning, and a
 * load returns the bars it built from memory rather than from the file it
 * committed.
 *
 * @module
 */
import pl from "nodejs-polars";
import { removeStaleDirectories, renameDurably } from "../atomic.ts";
import { firstLine } from "../errors.ts";
import { parquetFooter } from "../parquet_footer.ts";
import { utcDay } from "../time.ts";

/** What a cache entry describes, apart from its day or range. */
export interface CacheKey {
  /** Exchange name, e.g. `binance`. */
  exchange: string;
  /** Market, e.g. `futures_um`. */
  market: string;
  /** Source data type, e.g. `aggTrades`. */
  dataType: string;
  /** Bar spec key from `barSpecKey`, e.g. `time-60000`. */
  bar: string;
  /** Exchange symbol. */
  symbol: string;
}

/**
 * Version of how bars are computed, part of every cache fingerprint: bumped
 * when bar values change (2: exact decimal sums; 3: tick, volume and
 * dollar bars order repeated trade ids by time, then file and row), so
 * files cached by an older version
 * are rebuilt rather than mixed with new ones.
 */
export const BAR_FORMAT_VERSION = 3;

/**
 * The on-disk bar cache rooted at `dir`.
 *
 * @example
 * ```ts ignore
 * import { BarCache } from "./cache.ts";
 * const cache = new BarCache("./data/.cache", console.warn);
 * const fp = await cache.fingerprint(["./data/x.parquet"]);
 * ```
 */
export class BarCache {
  /** Root directory of the cache. */
  readonly dir: string;
  #warn: (message: string) => void;
  #tidied?: Promise<void>;

  /** Opens (lazily creates) the cache under `dir`; problems go to `warn`. */
  constructor(dir: string, warn: (message: string) => void) {
    this.dir = dir;
    this.#warn = warn;
  }

  /**
   * A 16-hex-digit digest of the bar format version
   * ({@linkcode BAR_FORMAT_VERSION}) and each file's path, size,
   * modification time and Parquet footer (or absence), in the given order.
   */
  async fingerprint(files: string[]): Promise<string> {
    // Footers are read synchronously: a handful of small reads per file,
    // where async file operations cost more than the reads themselves.
    const sources = files.map(readFooter);
    const head = new TextEncoder().encode(JSON.stringify([
      BAR_FORMAT_VERSION,
      files.map((file, i) => {
        const source = sources[i];
        return source
          ? [file, source.size, source.mtime, source.footer.length]
          : [file, null, null, null];
      }),
    ]));
    const bytes = new Uint8Array(
      head.length +
        sources.reduce((n, source) => n + (source?.footer.length ?? 0), 0),
    );
    bytes.set(head);
    let at = head.length;
    for (const source of sources) {
      if (!source) continue;
      bytes.set(source.footer, at);
      at += source.footer.length;
    }
    return (await hex(bytes)).slice(0, 16);
  }

  /** Path of the time-bar file of one UTC day (`dayMs` = its start). */
  dayPath(key: CacheKey, dayMs: number, fingerprint: string): string {
    return `${this.#folder(key)}/${utcDay(dayMs)}.${fingerprint}.parquet`;
  }

  /** Path of the file holding one symbol's bars of a whole request `[lo, hi)`. */
  rangePath(
    key: CacheKey,
    lo: number,
    hi: number,
    fingerprint: string,
  ): string {
    return `${this.#folder(key)}/${lo}-${hi}.${fingerprint}.parquet`;
  }

  /**
   * Path of the file of one UTC day's bars of many symbols compacted from
   * their symbol-day files, named after the digest of `identity` (what the
   * content depends on: those files' paths, which carry their sources'
   * fingerprints, the range kept and the columns).
   */
  async compactedPath(
    kind: Omit<CacheKey, "symbol">,
    dayMs: number,
    identity: string,
  ): Promise<string> {
    const digest = (await hex(new TextEncoder().encode(identity))).slice(0, 16);
    // "_days" cannot be a symbol (symbols start with a letter or digit).
    return `${this.#folder({ ...kind, symbol: "_days" })}/${
      utcDay(dayMs)
    }.${digest}.parquet`;
  }

  /** Writes `frame` (zstd) and commits it to `path` (see `commit`). */
  async commitFrame(frame: pl.DataFrame, path: string): Promise<void> {
    const scratch = await this.scratchDir();
    try {
      frame.writeParquet(`${scratch}/bars.parquet`, { compression: "zstd" });
      await this.commit(`${scratch}/bars.parquet`, path);
    } finally {
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
  }

  /**
   * Whether the cache directory (or a load's scratch directory in it) was
   * removed, by another process cleaning the cache; warns when so. The
   * cache is best effort: such a load goes on without it.
   */
  async removedDuring(scratch: string | undefined): Promise<boolean> {
    if (await statOrNull(scratch ?? this.dir)) return false;
    this.#warn(
      `the cache directory ${this.dir} was removed while bars were being cached (another process cleaning it?); these bars were built without the cache`,
    );
    return true;
  }

  #folder(key: CacheKey): string {
    return [
      this.dir,
      key.exchange,
      key.market,
      key.dataType,
      key.bar,
      key.symbol,
    ].join("/");
  }

  /**
   * Reads a cache file into Polars; `undefined` when it does not exist (or
   * another process deletes it before it is read), or cannot be read or
   * lacks exactly `columns` (then it is deleted, with a warning, so it gets
   * rebuilt).
   */
  async read(
    path: string,
    columns: readonly string[],
  ): Promise<pl.DataFrame | undefined> {
    if (!(await statOrNull(path))) return undefined;
    let problem: string;
    try {
      const df = pl.readParquet(path);
      if (df.columns.join() === columns.join()) return df;
      problem = `columns ${df.columns.join(", ")}`;
    } catch (error) {
      // Deleted by another process since the stat: an ordinary miss.
      if (!(await statOrNull(path))) return undefined;
      problem = firstLine(error);
    }
    this.#warn(
      `cache file ${path} is unreadable and will be rebuilt (${problem})`,
    );
    await Deno.remove(path).catch(() => {});
    return undefined;
  }

  /**
   * A fresh scratch directory inside the cache (same file system, so renames
   * are atomic). The first call also removes the scratch directories that
   * killed processes left behind (untouched for a day).
   */
  async scratchDir(): Promise<string> {
    await Deno.mkdir(this.dir, { recursive: true });
    await (this.#tidied ??= removeStaleDirectories(this.dir, SCRATCH_PREFIX));
    return await Deno.makeTempDir({ dir: this.dir, prefix: SCRATCH_PREFIX });
  }

  /**
   * Moves a finished file into place atomically and deletes the entries it
   * replaces (same day or range, another fingerprint).
   */
  async commit(finished: string, path: string): Promise<void> {
    const slash = path.lastIndexOf("/");
    const folder = path.slice(0, slash);
    const name = path.slice(slash + 1);
    const stem = name.slice(0, name.indexOf(".") + 1);
    await Deno.mkdir(folder, { recursive: true });
    await renameDurably(finished, path);
    for await (const entry of Deno.readDir(folder)) {
      if (entry.name.startsWith(stem) && entry.name !== name) {
        await Deno.remove(`${folder}/${entry.name}`).catch(() => {});
      }
    }
  }
}

/** The SHA-256 of `bytes` in hex. */
async function hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A file's size, mtime and Parquet footer (empty when the file is not
 * Parquet, or its footer is too long to read: then only size and mtime are
 * hashed), or `null` when it does not exist.
 */
function readFooter(
  file: string,
): { size: number; mtime: number | null; footer: Uint8Array } | null {
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const info = handle.statSync();
    const size = info.size, mtime = info.mtime?.getTime() ?? null;
    return {
      size,
      mtime,
      footer: parquetFooter(handle, size) ?? new Uint8Array(0),
    };
  } finally {
    handle.close();
  }
}

/** Scratch directories are `{cache dir}/.tmp-<random>`. */
const SCRATCH_PREFIX = ".tmp-";

/** `Deno.stat` that answers `null` for a path that does not exist. */
export async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
