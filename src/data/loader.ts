/**
 * DataLoader: the one call that turns tick files into an {@linkcode AggBar}.
 *
 * @module
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";
import { AggBar } from "../aggbar.ts";
import { concatFrames, type DataFrame } from "../polars.ts";
import { removeStaleDirectories } from "../atomic.ts";
import {
  DataFileError,
  describeMissing,
  DownloadError,
  InvalidArgumentError,
  MissingDataError,
  type MissingSymbolDay,
} from "../errors.ts";
import { ceilTo, daysOverlapping } from "../time.ts";
import {
  BAR_COLUMNS,
  BAR_FRAME_COLUMNS,
  BarAggregator,
  type BarSource,
  emptyBars,
} from "./aggregator.ts";
import { type BarSpec, barSpecKey, validateBarSpec } from "./bar_spec.ts";
import { BarCache, type CacheKey } from "./cache.ts";
import {
  cachedTimeBars,
  compactedDays,
  removeIfPresent,
  type TimeBarJob,
  uncachedTimeBars,
} from "./time_bars.ts";
import {
  downloadData,
  downloadOption,
  type LoaderDownloadOptions,
} from "./download.ts";
import {
  type DataSelection,
  type ResolvedSelection,
  resolveSelection,
  SELECTION_OPTIONS,
} from "./selection.ts";
import {
  booleanOption,
  checkOptions,
  functionOption,
  oneOf,
  type OptionNames,
  stringOption,
} from "../options.ts";
import { findSourceFiles } from "./source_files.ts";
import { type LoadFundingOptions, readFunding } from "./funding.ts";

/** Options of {@linkcode DataLoader}. */
export interface DataLoaderOptions {
  /** Root of the Hive-partitioned tick files. */
  dataDir: string;
  /** Where bars are cached. @default `${dataDir}/.cache` */
  cacheDir?: string;
  /** Receives warnings (an unreadable cache file, missing days with `allowMissing`). @default console.warn */
  onWarning?: (message: string) => void;
}

/** Options of {@linkcode DataLoader.loadAggBar}. */
export interface LoadAggBarOptions extends DataSelection {
  /** Bar specification. @default {type: "time", intervalMs: 60_000} */
  bar?: BarSpec;
  /** Add `num_buyer, num_seller, num_buyer_volume, num_seller_volume`. @default false */
  buyerSeller?: boolean;
  /** Read and fill the bar cache. @default true */
  cache?: boolean;
  /** Load what exists when symbol-days are missing (listed in `metadata.missing`) instead of throwing. @default false */
  allowMissing?: boolean;
  /**
   * Reports progress: called with `(0, total)` before the work starts, then
   * once per finished unit with the running count. The unit is a symbol-day
   * with a source file for time bars (read from the cache, or built; the
   * symbol-days one aggregation query builds finish together) and a symbol
   * for tick, volume and dollar bars.
   * @default undefined (no reports)
   */
  onProgress?: (done: number, total: number) => void;
  /**
   * Download the missing symbol-days first (see {@linkcode downloadData});
   * an object sets the download's options. Days the exchange does not have
   * stay missing; days that fail raise {@linkcode DownloadError}.
   * @default false (missing days raise {@linkcode MissingDataError})
   */
  download?: boolean | LoaderDownloadOptions;
  /**
   * What to do with source rows holding a NaN or ±Infinity (a tick's price
   * or quantity; a kline's open, high, low, close or volumes): `"error"` throws a {@linkcode DataFileError} naming the file
   * and how many such rows it has; `"drop"` leaves them out, warns, and
   * counts them in `metadata.droppedRows`.
   * @default "error"
   */
  onBadRows?: "error" | "drop";
  /**
   * Keep the bars in the cache's files instead of memory, for histories too
   * large for it: the AggBar reads them a time chunk at a time (as
   * {@linkcode AggBar.scan}; `agg.streamed` is true). The requested
   * symbols' bars are compacted to one file per UTC day in the cache
   * (built once; a warm load reads no bar). Time bars with the cache only.
   * @default false
   */
  streamed?: boolean;
}

export type { LoaderDownloadOptions };

const LOAD_AGG_BAR_OPTIONS: OptionNames<LoadAggBarOptions> = {
  ...SELECTION_OPTIONS,
  bar: true,
  buyerSeller: true,
  cache: true,
  allowMissing: true,
  onProgress: true,
  download: true,
  onBadRows: true,
  streamed: true,
};

/** Rejects a path that exists but is not a directory. */
function notAFile(argument: string, path: string): void {
  let isDirectory = true;
  try {
    isDirectory = Deno.statSync(path).isDirectory;
  } catch {
    return; // not there yet: created when first written, or missing data
  }
  if (!isDirectory) {
    throw new InvalidArgumentError(argument, path, "a directory, not a file");
  }
}

interface Request extends ResolvedSelection {
  bar: BarSpec;
  source: BarSource;
  allowMissing: boolean;
  buyerSeller: boolean;
  cache: boolean;
  download: boolean | LoaderDownloadOptions;
  dropBadRows: boolean;
  streamed: boolean;
}

/**
 * Loads bars from tick files through DuckDB, with a per-symbol-day cache.
 *
 * @example
 * ```ts ignore
 * import { DataLoader } from "./loader.ts";
 * const loader = new DataLoader({ dataDir: "./data" });
 * const agg = await loader.loadAggBar({
 *   symbols: ["BTCUSDT", "ETHUSDT"],
 *   start: "2024-01-01",
 *   days: 3,
 *   bar: { type: "time", intervalMs: 60_000 },
 * });
 * console.log(agg.toString());
 * loader.close();
 * ```
 */
export class DataLoader {
  /** Root of the tick files. */
  readonly dataDir: string;
  /** Root of the bar cache. */
  readonly cacheDir: string;
  #warn: (message: string) => void;
  #cache: BarCache;
  #tidiedTemp?: Promise<void>;
  #db?: Promise<
    {
      instance: DuckDBInstance;
      connection: DuckDBConnection;
      aggregator: BarAggregator;
    }
  >;

  /** Creates a loader; DuckDB starts on first use. */
  constructor(options: DataLoaderOptions) {
    const { dataDir, cacheDir, onWarning } = checkOptions(
      "DataLoader",
      options,
      { dataDir: true, cacheDir: true, onWarning: true },
    );
    if (typeof dataDir !== "string" || dataDir === "") {
      throw new InvalidArgumentError("dataDir", dataDir, "a directory path");
    }
    notAFile("dataDir", dataDir);
    this.dataDir = dataDir.replace(/\/+$/, "");
    this.cacheDir = stringOption("cacheDir", cacheDir) ??
      `${this.dataDir}/.cache`;
    notAFile("cacheDir", this.cacheDir);
    this.#warn = functionOption<(message: string) => void>(
      "onWarning",
      onWarning,
    ) ?? ((m) => console.warn(m));
    this.#cache = new BarCache(this.cacheDir, this.#warn);
  }

  /** Number of aggregation queries run so far (cache hits run none). */
  async aggregationCount(): Promise<number> {
    return this.#db ? (await this.#db).aggregator.queries : 0;
  }

  /** Closes the DuckDB connection; the loader reopens it if used again. */
  async close(): Promise<void> {
    if (!this.#db) return;
    const { instance, connection } = await this.#db;
    this.#db = undefined;
    connection.closeSync();
    instance.closeSync();
  }

  /**
   * Loads bars for symbols over the half-open UTC range `[start, end)`.
   * Time bars are those whose `start_time` lies in the range (a bar straddling
   * `end` or UTC midnight holds all its ticks); tick, volume and dollar bars
   * are built from the ticks in the range, per symbol, running across days.
   */
  async loadAggBar(options: LoadAggBarOptions): Promise<AggBar> {
    const request = this.#validate(options);
    if (request.download) await this.#download(request, request.download);
    const files = await this.#sourceFiles(request);
    const useCache = request.cache;
    // Progress units: symbol-days with a file (time bars), else symbols with one.
    const days = daysOverlapping(request.lo, request.hi);
    const hasData = (symbol: string) =>
      days.some((day) => files.present.has(this.#path(request, symbol, day)));
    const progress = progressReporter(
      options.onProgress,
      request.bar.type === "time"
        ? files.present.size
        : request.symbols.filter(hasData).length,
    );
    const kind = {
      exchange: request.adapter.name,
      market: request.market,
      dataType: request.dataType,
      bar: barSpecKey(request.bar),
    };
    const key = (symbol: string): CacheKey => ({ ...kind, symbol });
    const columns = request.buyerSeller ? BAR_FRAME_COLUMNS : [...BAR_COLUMNS];
    const job: TimeBarJob | undefined = request.bar.type === "time"
      ? {
        aggregator: (await this.#database()).aggregator,
        cache: this.#cache,
        source: request.source,
        symbols: request.symbols,
        lo: request.lo,
        hi: request.hi,
        interval: request.bar.intervalMs,
        dropBadRows: request.dropBadRows,
        present: files.present,
        sourcePath: (symbol, day) => this.#path(request, symbol, day),
        kind,
        check: (paths) => this.#checked(request, paths),
        progress,
        tidyScratch: (dir, prefix) =>
          this.#tidiedTemp ??= removeStaleDirectories(dir, prefix),
      }
      : undefined;
    const metadata = async () => {
      const droppedRows = request.dropBadRows
        ? await this.#droppedRows(request, [...files.present])
        : 0;
      return {
        bar: request.bar,
        exchange: request.adapter.name,
        market: request.market,
        dataType: request.dataType,
        ...(files.missing.length > 0
          ? {
            missing: files.missing.map(({ symbol, day, path }) => ({
              symbol,
              day,
              path,
            })),
          }
          : {}),
        ...(droppedRows > 0 ? { droppedRows } : {}),
      };
    };
    if (request.streamed) {
      const agg = AggBar.scan(await compactedDays(job!, columns), {
        metadata: await metadata(),
      });
      if (agg.length === 0) {
        throw await this.#noBars(request, [...files.present]);
      }
      return agg;
    }
    const frames = job === undefined
      ? await this.#sequentialBars(
        request,
        request.bar as Exclude<BarSpec, { type: "time" }>,
        files.present,
        useCache,
        key,
        progress,
      )
      : useCache
      ? await cachedTimeBars(job)
      : await uncachedTimeBars(job);
    let df = frames.length > 0 ? concatFrames(frames) : emptyBars();
    // Cached days of time bars may hold bars outside a partial-day range;
    // sequential bars come from the range's ticks only (no copy needed).
    if (request.bar.type === "time") {
      df = df.filter(
        pl.col("start_time").gtEq(request.lo).and(
          pl.col("start_time").lt(request.hi),
        ),
      );
    }
    if (df.height === 0) throw await this.#noBars(request, [...files.present]);
    return new AggBar(df.select(...columns), await metadata());
  }

  /**
   * Loads the funding settlements of perpetual futures over the half-open
   * UTC range `[start, end)`: a frame `symbol, funding_time` (epoch ms),
   * `funding_interval_hours`, `funding_rate`, sorted by (funding_time,
   * symbol), from the monthly `fundingRate` files (see {@linkcode readFunding};
   * `download: true` fetches missing months from Binance Vision first).
   * Pass it to `backtest(..., { funding })`, or attach it to bars with
   * `withFunding(agg, funding)`.
   *
   * @example
   * ```ts ignore
   * const funding = await loader.loadFunding({ symbols: ["BTCUSDT", "ETHUSDT"], start: "2024-01-01", days: 30 });
   * ```
   */
  loadFunding(options: LoadFundingOptions): Promise<DataFrame> {
    return readFunding(this.dataDir, options, this.#warn);
  }

  /** Counts (and reports) the rows `onBadRows: "drop"` left out. */
  async #droppedRows(request: Request, files: string[]): Promise<number> {
    const { aggregator } = await this.#database();
    const dropped = await aggregator.countBadRows(request.source, {
      files,
      lo: request.lo,
      hi: request.hi,
    });
    if (dropped > 0) {
      this.#warn(
        `dropped ${dropped} source row(s) with a NaN or infinite number (onBadRows: "drop"), from ${files.length} file(s) of ${
          request.symbols.join(", ")
        }`,
      );
    }
    return dropped;
  }

  #validate(options: LoadAggBarOptions): Request {
    checkOptions("loadAggBar", options, LOAD_AGG_BAR_OPTIONS);
    const selection = resolveSelection(options);
    const { adapter, market, dataType } = selection;
    if (
      options.onProgress !== undefined &&
      typeof options.onProgress !== "function"
    ) {
      throw new InvalidArgumentError(
        "onProgress",
        options.onProgress,
        "a function (done, total) => void",
      );
    }
    const bar = validateBarSpec(
      options.bar ?? { type: "time", intervalMs: 60_000 },
    );
    if (
      bar.type === "time" &&
      ceilTo(selection.lo, bar.intervalMs) >= selection.hi
    ) {
      const first = new Date(ceilTo(selection.lo, bar.intervalMs));
      throw new InvalidArgumentError(
        "bar.intervalMs",
        bar.intervalMs,
        `an interval with a bar starting in [${
          new Date(selection.lo).toISOString()
        }, ${
          new Date(selection.hi).toISOString()
        }) (time bars start at multiples of the interval since the epoch; the first one from start is at ${first.toISOString()}): widen the range or shorten the interval`,
      );
    }
    let source: BarSource;
    if (dataType === "fundingRate") {
      throw new InvalidArgumentError(
        "dataType",
        dataType,
        'a bar source ("aggTrades", "trades" or "klines"); funding rates are read with loadFunding()',
      );
    } else if (dataType === "klines") {
      const mapping = adapter.klineMapping(market);
      if (bar.type !== "time" || bar.intervalMs % mapping.intervalMs !== 0) {
        throw new InvalidArgumentError(
          "bar",
          bar,
          `time bars whose intervalMs is a multiple of the kline interval (${mapping.intervalMs} ms) when dataType is "klines"`,
        );
      }
      source = { kind: "klines", mapping };
    } else {
      source = {
        kind: "ticks",
        mapping: adapter.tickMapping(market, dataType),
      };
    }
    const resolved: Request = {
      ...selection,
      bar,
      source,
      allowMissing: booleanOption(
        "allowMissing",
        options.allowMissing,
        false,
      ),
      buyerSeller: booleanOption("buyerSeller", options.buyerSeller, false),
      cache: booleanOption("cache", options.cache, true),
      download: downloadOption(options.download),
      streamed: booleanOption("streamed", options.streamed, false),
      dropBadRows: oneOf(
        "onBadRows",
        options.onBadRows ?? "error",
        ["error", "drop"],
      ) === "drop",
    };
    if (resolved.streamed && (bar.type !== "time" || !resolved.cache)) {
      throw new InvalidArgumentError(
        "streamed",
        true,
        `time bars with the cache on (bars kept in files stay in the cache's day files); got ${
          bar.type === "time" ? "cache: false" : `${bar.type} bars`
        }`,
      );
    }
    return resolved;
  }

  /**
   * Checks the files about to be aggregated (cache hits need no check: their
   * sources were checked when the cache file was built and are unchanged).
   */
  async #checked(request: Request, files: string[]): Promise<string[]> {
    const { aggregator } = await this.#database();
    await aggregator.checkFiles(
      request.source,
      files,
      request.adapter.requiredColumns(request.market, request.dataType),
    );
    return files;
  }

  /**
   * The error for a load whose source files yield no bar in the range: it
   * names the files and the times they do hold, since an empty AggBar would
   * hide a wrong range or a misread timestamp unit.
   */
  async #noBars(request: Request, files: string[]): Promise<DataFileError> {
    const { aggregator } = await this.#database();
    const span = await aggregator.timeSpan(request.source, files);
    const iso = (ms: number) => new Date(ms).toISOString();
    const held = span.rows === 0
      ? "they hold no rows"
      : `their ${span.rows} row(s) have times from ${iso(span.min)} to ${
        iso(span.max)
      } (read as epoch ms)`;
    const shown = files.slice(0, 5).join(", ") +
      (files.length > 5 ? ` and ${files.length - 5} more` : "");
    return new DataFileError(
      files[0],
      `no bars for ${request.symbols.join(", ")} in [${iso(request.lo)}, ${
        iso(request.hi)
      }): ${held}; source files: ${shown}`,
    );
  }

  #path(request: Request, symbol: string, dayMs: number): string {
    return request.adapter.filePath(
      this.dataDir,
      request.market,
      request.dataType,
      symbol,
      dayMs,
    );
  }

  /** Fetches the requested symbol-days that are not present and verified. */
  async #download(
    request: Request,
    download: true | LoaderDownloadOptions,
  ): Promise<void> {
    const report = await downloadData({
      ...(download === true ? {} : download),
      dataDir: this.dataDir,
      symbols: request.symbols,
      start: request.lo,
      end: request.hi,
      exchange: request.adapter.name,
      market: request.market,
      dataType: request.dataType,
    });
    if (report.failed.length > 0) throw new DownloadError(report.failed);
    for (const { symbol, day, url } of report.missing) {
      this.#warn(`${symbol} ${day} is not published (not found at ${url})`);
    }
  }

  /**
   * The source files of the requested symbol-days that exist; missing ones
   * throw unless `allowMissing`.
   */
  async #sourceFiles(
    request: Request,
  ): Promise<{ present: Set<string>; missing: MissingSymbolDay[] }> {
    const { present, missing } = await findSourceFiles(
      request.symbols,
      daysOverlapping(request.lo, request.hi),
      (symbol, day) => this.#path(request, symbol, day),
    );
    if (missing.length > 0) {
      if (!request.allowMissing || present.size === 0) {
        throw new MissingDataError(missing);
      }
      this.#warn(
        `${describeMissing(missing)}; loaded what exists (allowMissing: true)`,
      );
    }
    return { present, missing };
  }

  /**
   * Tick, volume and dollar bars: one sequential pass per symbol over the
   * whole range; cached per (symbol, range) under the fingerprint of its
   * source files.
   */
  async #sequentialBars(
    request: Request,
    bar: Exclude<BarSpec, { type: "time" }>,
    present: Set<string>,
    useCache: boolean,
    key: (symbol: string) => CacheKey,
    progress: (finished: number) => void,
  ): Promise<pl.DataFrame[]> {
    if (request.source.kind !== "ticks") throw new Error("unreachable");
    const { aggregator } = await this.#database();
    const frames: pl.DataFrame[] = [];
    let cacheRemoved = false;
    for (const symbol of request.symbols) {
      const files = daysOverlapping(request.lo, request.hi)
        .map((d) => this.#path(request, symbol, d))
        .filter((path) => present.has(path));
      if (files.length === 0) continue;
      const path = useCache
        ? this.#cache.rangePath(
          key(symbol),
          request.lo,
          request.hi,
          await this.#cache.fingerprint(files),
        )
        : undefined;
      const hit = path
        ? await this.#cache.read(path, BAR_FRAME_COLUMNS)
        : undefined;
      if (hit) {
        frames.push(hit);
        progress(1);
        continue;
      }
      const bars = await aggregator.sequentialBars(
        request.source.mapping,
        {
          files: await this.#checked(request, files),
          lo: request.lo,
          hi: request.hi,
          dropBadRows: request.dropBadRows,
        },
        symbol,
        bar,
      );
      if (path && !cacheRemoved) {
        let scratch: string | undefined;
        try {
          scratch = await this.#cache.scratchDir();
          bars.writeParquet(`${scratch}/bars.parquet`, { compression: "zstd" });
          await this.#cache.commit(`${scratch}/bars.parquet`, path);
        } catch (error) {
          // The bars are in memory: a removed cache only goes unfilled.
          if (!(cacheRemoved = await this.#cache.removedDuring(scratch))) {
            throw error;
          }
        } finally {
          if (scratch) await removeIfPresent(scratch);
        }
      }
      frames.push(bars);
      progress(1);
    }
    return frames;
  }

  #database() {
    this.#db ??= (async () => {
      const instance = await DuckDBInstance.create(":memory:");
      const connection = await instance.connect();
      return {
        instance,
        connection,
        aggregator: new BarAggregator(connection),
      };
    })();
    return this.#db;
  }
}

/**
 * A `progress(finished)` that adds `finished` units to the count and reports
 * `(done, total)` to `onProgress`; reports `(0, total)` at once.
 */
function progressReporter(
  onProgress: ((done: number, total: number) => void) | undefined,
  total: number,
): (finished: number) => void {
  if (!onProgress) return () => {};
  let done = 0;
  onProgress(done, total);
  return (finished) => {
    if (finished > 0) onProgress(done += finished, total);
  };
}
