/**
 * Time bars from tick files, through the per-symbol-day cache: read into
 * memory, or kept in files (compacted to one file per UTC day of all the
 * requested symbols) for histories too large for memory.
 *
 * With the cache, each symbol-day holds the bars starting that day, built
 * from ticks in [ceil(day), ceil(next day)) on the bar grid, so a bar
 * crossing midnight reads the next day's file too (an absent next day is
 * part of the fingerprint). All missing symbol-days are built in one query,
 * partitioned into their files.
 *
 * @module
 */
import { dirname } from "node:path";
import pl from "nodejs-polars";
import { DataFileError } from "../errors.ts";
import {
  concatFrames,
  type DataFrame,
  releaseUnreferenced,
} from "../polars.ts";
import { ceilTo, DAY_MS, daysOverlapping } from "../time.ts";
import {
  BAR_FRAME_COLUMNS,
  type BarAggregator,
  type BarSource,
  emptyBars,
  type SourceRun,
} from "./aggregator.ts";
import { type BarCache, type CacheKey, statOrNull } from "./cache.ts";

/** What a load of time bars needs to know and do, from the loader. */
export interface TimeBarJob {
  /** The aggregator (DuckDB) that builds bars. */
  aggregator: BarAggregator;
  /** The bar cache. */
  cache: BarCache;
  /** Where the ticks come from. */
  source: BarSource;
  /** Requested symbols. */
  symbols: readonly string[];
  /** Requested range `[lo, hi)`, epoch ms. */
  lo: number;
  hi: number;
  /** Bar interval, ms. */
  interval: number;
  /** Whether ticks with a NaN or infinite price or quantity are dropped. */
  dropBadRows: boolean;
  /** Source files that exist. */
  present: ReadonlySet<string>;
  /** The source file of a symbol-day. */
  sourcePath(symbol: string, dayMs: number): string;
  /** The cache key of the bars, but for the symbol. */
  kind: Omit<CacheKey, "symbol">;
  /** Checks source files about to be aggregated; returns them. */
  check(files: string[]): Promise<string[]>;
  /** Adds finished symbol-days to the progress report. */
  progress(finished: number): void;
  /**
   * Removes, once per loader, the scratch directories (prefixed `prefix`
   * in `dir`) that killed cache-off loads left behind a day ago.
   */
  tidyScratch(dir: string, prefix: string): Promise<void>;
}

/** Prefix of the system temp directories cache-off time-bar loads use. */
const UNCACHED_PREFIX = "factorium-bars-";

/**
 * Days of missing symbol-days built by one aggregation when bars are kept
 * in files: DuckDB's partitioned write holds a buffer per symbol-day, so a
 * year of hundreds of symbols at once would not fit in memory.
 */
const BUILD_DAYS = 7;

/** Cache files read (and stacked) at once by an in-memory load. */
const READ_BATCH = 1024;

/** Cache files committed at once (each waits for its fsyncs). */
const COMMIT_WORKERS = 8;

/** One symbol-day's cache file. */
interface DayEntry {
  symbol: string;
  day: number;
  path: string;
}

/** The job's bars in memory, without the cache (one query, one scratch file). */
export async function uncachedTimeBars(job: TimeBarJob): Promise<DataFrame[]> {
  const scratch = await Deno.makeTempDir({ prefix: UNCACHED_PREFIX });
  // A load killed mid-way leaves its scratch directory behind.
  await job.tidyScratch(dirname(scratch), UNCACHED_PREFIX);
  try {
    const files = await job.check(
      await existing(
        job.symbols.flatMap((s) => sourcesOf(job, s, job.lo, job.hi)),
      ),
    );
    if (files.length === 0) return [];
    const file = `${scratch}/bars.parquet`;
    await job.aggregator.writeTimeBars(
      job.source,
      [{
        files,
        lo: ceilTo(job.lo, job.interval),
        hi: ceilTo(job.hi, job.interval),
        dropBadRows: job.dropBadRows,
      }],
      job.interval,
      { file },
    );
    job.progress(job.present.size);
    return [pl.readParquet(file)];
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/**
 * The job's bars in memory, per symbol-day from the cache (built and
 * cached where missing). When another process removes the cache mid-way,
 * every bar is built again without it.
 */
export async function cachedTimeBars(job: TimeBarJob): Promise<DataFrame[]> {
  const entries = await dayEntries(job);
  const frames: DataFrame[] = [];
  const misses: DayEntry[] = [];
  // Read in batches, each stacked at once and its small frames freed:
  // tens of thousands of one-day frames held together take far more
  // memory than their rows (22,400 took 4.3 GiB for 3.2 M rows).
  for (let first = 0; first < entries.length; first += READ_BATCH) {
    const batch = entries.slice(first, first + READ_BATCH);
    const hits = await Promise.all(
      batch.map((entry) => job.cache.read(entry.path, BAR_FRAME_COLUMNS)),
    );
    const found = hits.filter((hit) => hit !== undefined);
    misses.push(...batch.filter((_, i) => hits[i] === undefined));
    if (found.length > 0) frames.push(concatFrames(found));
    job.progress(found.length);
    if (entries.length > READ_BATCH) await releaseUnreferenced();
  }
  if (misses.length === 0) return frames;
  let reported = 0;
  const built = await buildDays(
    {
      ...job,
      progress: (finished) => {
        reported += finished;
        job.progress(finished);
      },
    },
    misses,
    true,
  );
  if (built === undefined) {
    // The cache was removed mid-way: the hits read so far go with the rest.
    const bars = await uncachedTimeBars({ ...job, progress: () => {} });
    job.progress(misses.length - reported);
    return bars;
  }
  return [...frames, ...built];
}

/**
 * The job's bars kept in files: per UTC day, one Parquet file of the
 * requested symbols' bars starting in the range that day, sorted by
 * (end_time, symbol), with `columns`. A day's file is named after the
 * digest of its symbol-day cache files (whose names carry their sources'
 * fingerprints), so a warm load reads no bar: it finds the files. Missing
 * symbol-days are built first; a day is compacted from its symbol-day
 * files, one day in memory at a time. Returns the day files in time order.
 */
export async function compactedDays(
  job: TimeBarJob,
  columns: readonly string[],
): Promise<string[]> {
  const entries = await dayEntries(job);
  const days = new Map<number, DayEntry[]>();
  for (const entry of entries) {
    const list = days.get(entry.day) ?? [];
    list.push(entry);
    days.set(entry.day, list);
  }
  const files: string[] = [];
  const pending: { path: string; day: number; entries: DayEntry[] }[] = [];
  for (const [day, list] of [...days].sort(([a], [b]) => a - b)) {
    const path = await job.cache.compactedPath(
      job.kind,
      day,
      JSON.stringify([
        list.map((e) => e.path).sort(),
        Math.max(job.lo, day),
        Math.min(job.hi, day + DAY_MS),
        columns,
      ]),
    );
    files.push(path);
    if (await statOrNull(path)) job.progress(list.length);
    else pending.push({ path, day, entries: list });
  }
  for (let first = 0; first < pending.length; first += BUILD_DAYS) {
    const batch = pending.slice(first, first + BUILD_DAYS);
    const absent = await Promise.all(
      batch.flatMap((p) => p.entries).map(async (entry) =>
        (await statOrNull(entry.path)) ? undefined : entry
      ),
    );
    // By symbol, then day: a symbol's consecutive days make one run.
    await buildOrFail(
      job,
      absent.filter((e) => e !== undefined).sort((a, b) =>
        a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.day - b.day
      ),
    );
    for (const day of batch) await compactDay(job, day, columns);
    // The week's frames are native memory V8 does not see: free them now.
    await releaseUnreferenced();
  }
  return files;
}

/** One day's symbol-day files as one file of `columns`, sorted by (end_time, symbol). */
async function compactDay(
  job: TimeBarJob,
  { path, day, entries }: { path: string; day: number; entries: DayEntry[] },
  columns: readonly string[],
): Promise<void> {
  let frames = await Promise.all(
    entries.map((e) => job.cache.read(e.path, BAR_FRAME_COLUMNS)),
  );
  const unreadable = entries.filter((_, i) => frames[i] === undefined);
  if (unreadable.length > 0) {
    // Deleted as unreadable (or by another process): build them again.
    await buildOrFail(job, unreadable);
    frames = await Promise.all(
      entries.map((e) => job.cache.read(e.path, BAR_FRAME_COLUMNS)),
    );
    const lost = entries.find((_, i) => frames[i] === undefined);
    if (lost) {
      throw new DataFileError(
        lost.path,
        "expected the cache file just built for this symbol-day; it is gone or unreadable (is another process cleaning the cache?)",
      );
    }
  }
  const bars = concatFrames(frames as DataFrame[])
    .filter(
      pl.col("start_time").gtEq(Math.max(job.lo, day)).and(
        pl.col("start_time").lt(Math.min(job.hi, day + DAY_MS)),
      ),
    )
    .select(...columns)
    .sort({ by: ["end_time", "symbol"], maintainOrder: true });
  await job.cache.commitFrame(bars, path);
  job.progress(entries.length);
}

/** Builds symbol-days for files kept in the cache, which must stay. */
async function buildOrFail(job: TimeBarJob, misses: DayEntry[]): Promise<void> {
  if (misses.length === 0) return;
  if ((await buildDays(job, misses, false)) === undefined) {
    throw new DataFileError(
      job.cache.dir,
      "expected the cache directory to stay while bars kept in its files were built; it was removed (by another process?)",
    );
  }
}

/**
 * The job's symbol-days with a source file, and their cache paths; the
 * fingerprints are taken a batch at a time, so a year of hundreds of
 * symbols does not hold every source footer at once.
 */
async function dayEntries(job: TimeBarJob): Promise<DayEntry[]> {
  const days = daysOverlapping(job.lo, job.hi);
  const wanted = job.symbols.flatMap((symbol) =>
    days.filter((day) => job.present.has(job.sourcePath(symbol, day)))
      .map((day) => ({ symbol, day }))
  );
  const entries: DayEntry[] = [];
  for (let first = 0; first < wanted.length; first += READ_BATCH) {
    entries.push(
      ...await Promise.all(
        wanted.slice(first, first + READ_BATCH).map(async (
          { symbol, day },
        ) => ({
          symbol,
          day,
          path: job.cache.dayPath(
            { ...job.kind, symbol },
            day,
            await job.cache.fingerprint(
              sourcesOf(job, symbol, day, day + DAY_MS),
            ),
          ),
        })),
      ),
    );
  }
  return entries;
}

/** The source files of a symbol's bars starting in `[lo, hi)`. */
function sourcesOf(
  job: TimeBarJob,
  symbol: string,
  lo: number,
  hi: number,
): string[] {
  return daysOverlapping(ceilTo(lo, job.interval), ceilTo(hi, job.interval))
    .map((d) => job.sourcePath(symbol, d));
}

/**
 * Builds the missing symbol-days in one aggregation and commits each to the
 * cache; returns their bars when `readBack` (else none), or `undefined` when
 * another process removed the cache mid-way (with a warning).
 */
async function buildDays(
  job: TimeBarJob,
  misses: DayEntry[],
  readBack: boolean,
): Promise<DataFrame[] | undefined> {
  const { interval } = job;
  // Consecutive missing days of a symbol form one run; runs with the same
  // time bounds (usually all symbols) share one read of their files.
  const runs = new Map<string, SourceRun>();
  for (let first = 0, last = 0; first < misses.length; first = ++last) {
    const { symbol } = misses[first];
    while (
      misses[last + 1]?.symbol === symbol &&
      misses[last + 1].day === misses[last].day + DAY_MS
    ) last++;
    const lo = ceilTo(misses[first].day, interval);
    const hi = ceilTo(misses[last].day + DAY_MS, interval);
    const run = runs.get(`${lo}-${hi}`) ??
      { files: [], lo, hi, dropBadRows: job.dropBadRows };
    run.files.push(
      ...await existing(
        sourcesOf(job, symbol, misses[first].day, misses[last].day + DAY_MS),
      ),
    );
    runs.set(`${lo}-${hi}`, run);
  }
  // A day in which no bar starts (bars longer than a day) reads no file.
  const reads = [...runs.values()].filter((run) => run.files.length > 0);
  await job.check(reads.flatMap((r) => r.files));
  let scratch: string | undefined;
  try {
    scratch = await job.cache.scratchDir();
    if (reads.length > 0) {
      await job.aggregator.writeTimeBars(
        job.source,
        reads,
        interval,
        { partitionedDir: scratch },
      );
    }
    // Files are committed by a few workers at once: each commit waits for
    // its fsyncs, which the file system batches when they overlap. Each
    // day's bars are read before its commit: once committed, another
    // process may replace (and delete) the file at any moment.
    const built: DataFrame[] = [];
    let next = 0;
    const commit = async () => {
      while (next < misses.length) {
        const index = next++;
        const miss = misses[index];
        const part = `${scratch!}/part=${miss.symbol}/day=${miss.day / DAY_MS}`;
        const pieces = await listFiles(part);
        let finished = pieces[0];
        // DuckDB writes one file per partition; rewrite only the unusual
        // cases (no bars that day, or a split partition).
        if (pieces.length !== 1) {
          finished = `${scratch!}/${miss.symbol}-${miss.day}.parquet`;
          const bars = pieces.length === 0
            ? emptyBars()
            : pl.concat(pieces.map((p) => pl.readParquet(p)), {
              how: "vertical",
            });
          bars.writeParquet(finished, { compression: "zstd" });
        }
        if (readBack) built[index] = pl.readParquet(finished);
        await job.cache.commit(finished, miss.path);
        if (readBack) job.progress(1);
      }
    };
    await Promise.all(Array.from({ length: COMMIT_WORKERS }, commit));
    return built;
  } catch (error) {
    if (!(await job.cache.removedDuring(scratch))) throw error;
    return undefined;
  } finally {
    if (scratch) await removeIfPresent(scratch);
  }
}

/** Removes a directory tree that another process may have removed already. */
export async function removeIfPresent(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The paths that exist. */
async function existing(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) if (await statOrNull(path)) found.push(path);
  return found;
}

async function listFiles(dir: string): Promise<string[]> {
  if (!(await statOrNull(dir))) return [];
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) names.push(`${dir}/${entry.name}`);
  }
  return names.sort();
}
