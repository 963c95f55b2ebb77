/**
 * The downloader: fetches an exchange's daily dumps (symbols × UTC days),
 * verifies them, and converts each to the Hive-partitioned Parquet file the
 * loader reads.
 *
 * @module
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { removeStaleDirectories, writeAtomic } from "../atomic.ts";
import { writeAll } from "../write_all.ts";
import {
  DataFileError,
  type FailedDownload,
  firstLine,
  InvalidArgumentError,
} from "../errors.ts";
import { daysOverlapping, monthsOverlapping, utcDay } from "../time.ts";
import {
  type DataType,
  type DumpFormat,
  dumpPeriod,
  type ExchangeAdapter,
} from "./adapters/mod.ts";
import { sqlString } from "./aggregator.ts";
import {
  type DataSelection,
  resolveSelection,
  SELECTION_OPTIONS,
} from "./selection.ts";
import { unzipOne } from "./zip.ts";
import {
  booleanOption,
  checkOptions,
  type OptionNames,
  positiveInteger,
} from "../options.ts";

/** Staging directories are `{dataDir}/.download-<uuid>`. */
const STAGING_PREFIX = ".download-";

/** Name of the record written next to each downloaded `data.parquet`. */
export const DOWNLOAD_RECORD = "download.json";

/** Options of {@linkcode downloadData}. */
export interface DownloadOptions extends DataSelection {
  /** Root of the tick files (the loader's `dataDir`). */
  dataDir: string;
  /** Where the dumps are served from. @default the adapter's public address */
  baseUrl?: string;
  /** Symbol-days fetched at once (each holds at most one request open). @default 4 */
  concurrency?: number;
  /** Further attempts after a network error, a stall or a 408/429/5xx answer. @default 4 */
  retries?: number;
  /** Wait before the first retry; it doubles on each further one. @default 500 */
  retryDelayMs?: number;
  /** A request that receives nothing for this long is abandoned (and retried). @default 30000 */
  stallTimeoutMs?: number;
  /** Download again even days whose files are present and verified. @default false */
  force?: boolean;
  /** Cancels the download; partial files are removed before the promise rejects. */
  signal?: AbortSignal;
  /** Receives progress after each chunk and each finished symbol-day. */
  onProgress?: (progress: DownloadProgress) => void;
}

/** Options of the download a load (`{ download }`) runs first. */
export type LoaderDownloadOptions = Pick<
  DownloadOptions,
  | "baseUrl"
  | "concurrency"
  | "retries"
  | "retryDelayMs"
  | "stallTimeoutMs"
  | "signal"
  | "onProgress"
>;

/**
 * A load's `download` option checked: a boolean or the download's options.
 *
 * @example
 * ```ts
 * import { downloadOption } from "./download.ts";
 * console.log(downloadOption(undefined), downloadOption({ retries: 1 })); // false { retries: 1 }
 * ```
 */
export function downloadOption(
  value: unknown,
): boolean | LoaderDownloadOptions {
  if (value === undefined || typeof value === "boolean") return value ?? false;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as LoaderDownloadOptions;
  }
  throw new InvalidArgumentError(
    "download",
    value,
    "a boolean or a download options object",
  );
}

/** Progress of a {@linkcode downloadData} call. */
export interface DownloadProgress {
  /** Symbol-days finished: fetched, skipped, missing or failed. */
  done: number;
  /** Symbol-days requested. */
  total: number;
  /** Bytes received so far (checksums and dumps, retries included). */
  bytes: number;
  /** Milliseconds since the call started. */
  elapsedMs: number;
}

/** One requested symbol-day (or symbol-month, for a monthly data type). */
export interface DownloadDay {
  /** Symbol. */
  symbol: string;
  /** UTC day, `YYYY-MM-DD`; the UTC month, `YYYY-MM`, for `fundingRate`. */
  day: string;
  /** The Parquet file for it. */
  path: string;
  /** The dump's address. */
  url: string;
}

/** A symbol-day fetched and converted by {@linkcode downloadData}. */
export interface FetchedDay extends DownloadDay {
  /** Size of the dump. */
  bytes: number;
  /** Rows written to the Parquet file. */
  rows: number;
  /** SHA-256 of the dump, hex. */
  sha256: string;
  /** Requests made for the dump (1 without retries). */
  attempts: number;
}

/** A symbol-day {@linkcode downloadData} could not fetch; nothing was written for it. */
export interface FailedDay extends DownloadDay, FailedDownload {}

/** What {@linkcode downloadData} did, day by day. */
export interface DownloadReport {
  /** Days fetched, verified and converted. */
  fetched: FetchedDay[];
  /** Days already present and verified (not fetched again). */
  skipped: DownloadDay[];
  /** Days the server does not have (404/410): not published. */
  missing: DownloadDay[];
  /** Days that failed (checksum mismatch, corrupt dump, retries exhausted...). */
  failed: FailedDay[];
  /** Bytes received, checksums and retries included. */
  bytes: number;
  /** Rows written. */
  rows: number;
  /** Wall time of the call. */
  elapsedMs: number;
}

/** The record kept next to each downloaded Parquet file. */
interface DownloadRecord {
  exchange: string;
  market: string;
  dataType: string;
  symbol: string;
  day: string;
  url: string;
  sha256: string;
  checksumVerified: boolean;
  dumpBytes: number;
  csvBytes: number;
  rows: number;
  parquetBytes: number;
  fetchedAt: string;
}

/** An HTTP answer that is not a success. */
class HttpStatusError extends Error {
  constructor(readonly url: string, readonly status: number) {
    super(`${url}: HTTP ${status}`);
  }
}

/** An integrity failure: never retried, reported as failed. */
class IntegrityError extends DataFileError {}

interface Settings {
  adapter: ExchangeAdapter;
  market: string;
  dataType: DataType;
  format: DumpFormat;
  retries: number;
  retryDelayMs: number;
  stallTimeoutMs: number;
  signal: AbortSignal;
  received: (bytes: number) => void;
}

const DOWNLOAD_OPTIONS: OptionNames<DownloadOptions> = {
  ...SELECTION_OPTIONS,
  dataDir: true,
  baseUrl: true,
  concurrency: true,
  retries: true,
  retryDelayMs: true,
  stallTimeoutMs: true,
  force: true,
  signal: true,
  onProgress: true,
};

/**
 * Downloads the daily dumps of `symbols` over the UTC days overlapping the
 * range (the monthly dumps over the months overlapping it, for
 * `dataType: "fundingRate"`) into `dataDir`, in the layout {@linkcode DataLoader} reads. For each
 * symbol-day it fetches the dump from the adapter's address (and its
 * checksum where the exchange publishes one), verifies the SHA-256,
 * decompresses it, converts the CSV to zstd Parquet through DuckDB (with or
 * without a header line, normalising timestamps as the adapter says), moves
 * the file into place in one rename and records the fetch in a
 * `download.json` next to it.
 *
 * - Days already present are skipped when verified: a complete Parquet file
 *   (magic bytes at both ends) whose size matches its `download.json`, if it
 *   has one. Half-written files never carry the final name, so a resumed
 *   download fetches only what is missing.
 * - Network errors, stalls and 408/429/5xx answers are retried `retries`
 *   times after `retryDelayMs`, 2×, 4×... that; a 404 or 410 marks the day
 *   missing (not published); a checksum mismatch or a corrupt dump fails the
 *   day. Nothing is written for a day that does not succeed.
 * - Work runs `concurrency` symbol-days at a time in a staging directory
 *   under `dataDir`, removed at the end; aborting `signal` stops it and
 *   removes every partial file before the promise rejects. (A staging
 *   directory left by a killed process is removed by the first run a day
 *   later.)
 *
 * @example
 * ```ts ignore
 * import { downloadData } from "./download.ts";
 * const report = await downloadData({
 *   dataDir: "./data",
 *   symbols: ["BTCUSDT", "ETHUSDT"],
 *   start: "2024-01-01",
 *   days: 3,
 *   market: "futures_um",
 *   dataType: "aggTrades",
 * });
 * console.log(report.fetched.length, report.missing.length, report.failed.length);
 * ```
 *
 * @throws {InvalidArgumentError} an option is invalid.
 * @throws the abort reason when `signal` is aborted, or what `onProgress`
 * threw; in both cases only after all work has stopped and partial files
 * are removed.
 */

export async function downloadData(
  options: DownloadOptions,
): Promise<DownloadReport> {
  const started = performance.now();
  checkOptions("downloadData", options, DOWNLOAD_OPTIONS);
  if (typeof options.dataDir !== "string" || options.dataDir === "") {
    throw new InvalidArgumentError(
      "dataDir",
      options.dataDir,
      "a directory path",
    );
  }
  const dataDir = options.dataDir.replace(/\/+$/, "");
  const { adapter, market, dataType, symbols, lo, hi } = resolveSelection(
    options,
  );
  const baseUrl = options.baseUrl?.replace(/\/+$/, "");
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) {
    throw new InvalidArgumentError(
      "baseUrl",
      options.baseUrl,
      "an http:// or https:// address",
    );
  }
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
  const retries = options.retries ?? 4;
  if (!Number.isSafeInteger(retries) || retries < 0) {
    throw new InvalidArgumentError("retries", retries, "an integer ≥ 0");
  }
  const retryDelayMs = options.retryDelayMs ?? 500;
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    throw new InvalidArgumentError(
      "retryDelayMs",
      retryDelayMs,
      "a finite number ≥ 0",
    );
  }
  const stallTimeoutMs = positiveInteger(
    "stallTimeoutMs",
    options.stallTimeoutMs ?? 30_000,
  );
  booleanOption("force", options.force, false);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new InvalidArgumentError(
      "onProgress",
      onProgress,
      "a function (progress) => void",
    );
  }
  options.signal?.throwIfAborted();
  // Stops every worker on cancellation or on an error that ends the call
  // (a throwing onProgress); `failure` holds that error.
  const stop = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, stop.signal])
    : stop.signal;
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    stop.abort(error);
  };

  const jobs: DownloadDay[] = [];
  const monthly = dumpPeriod(dataType) === "month";
  for (const symbol of symbols) {
    for (
      const dayMs of monthly
        ? monthsOverlapping(lo, hi)
        : daysOverlapping(lo, hi)
    ) {
      jobs.push({
        symbol,
        day: monthly ? utcDay(dayMs).slice(0, 7) : utcDay(dayMs),
        path: adapter.filePath(dataDir, market, dataType, symbol, dayMs),
        url: adapter.downloadUrl(market, dataType, symbol, dayMs, baseUrl),
      });
    }
  }
  const report: DownloadReport = {
    fetched: [],
    skipped: [],
    missing: [],
    failed: [],
    bytes: 0,
    rows: 0,
    elapsedMs: 0,
  };
  const progress = () => {
    try {
      onProgress?.({
        done: report.fetched.length + report.skipped.length +
          report.missing.length + report.failed.length,
        total: jobs.length,
        bytes: report.bytes,
        elapsedMs: performance.now() - started,
      });
    } catch (error) {
      fail(error);
    }
  };
  const todo: DownloadDay[] = [];
  for (const job of jobs) {
    if (!options.force && await isVerified(job.path)) {
      report.skipped.push(job);
    } else todo.push(job);
  }
  progress();
  if (todo.length > 0 && !signal.aborted) {
    const settings: Settings = {
      adapter,
      market,
      dataType,
      format: adapter.dumpFormat(market, dataType),
      retries,
      retryDelayMs,
      stallTimeoutMs,
      signal,
      received: (bytes) => {
        report.bytes += bytes;
        progress();
      },
    };
    // Staging directories a killed run left behind (a day untouched).
    await removeStaleDirectories(dataDir, STAGING_PREFIX);
    const staging = join(dataDir, `${STAGING_PREFIX}${crypto.randomUUID()}`);
    await Deno.mkdir(staging, { recursive: true });
    const instance = await DuckDBInstance.create(":memory:");
    const connections: DuckDBConnection[] = [];
    const interrupt = () => connections.forEach((c) => c.interrupt());
    signal.addEventListener("abort", interrupt);
    try {
      for (let i = 0; i < Math.min(concurrency, todo.length); i++) {
        connections.push(await instance.connect());
      }
      let next = 0;
      const worker = async (connection: DuckDBConnection) => {
        while (next < todo.length && !signal.aborted) {
          const job = todo[next++];
          try {
            const fetched = await fetchDay(job, settings, staging, connection);
            report.fetched.push(fetched);
            report.rows += fetched.rows;
          } catch (error) {
            if (signal.aborted) break;
            if (
              error instanceof HttpStatusError &&
              (error.status === 404 || error.status === 410)
            ) {
              report.missing.push(job);
            } else {
              report.failed.push({
                ...job,
                error: error instanceof Error
                  ? error
                  : new Error(String(error)),
              });
            }
          }
          progress();
        }
      };
      await Promise.all(connections.map((c) => worker(c).catch(fail)));
    } finally {
      signal.removeEventListener("abort", interrupt);
      for (const c of connections) c.closeSync();
      instance.closeSync();
      await Deno.remove(staging, { recursive: true }).catch(() => {});
    }
  }
  if (failure) throw failure.error;
  options.signal?.throwIfAborted();
  // Workers finish in any order; a report lists days by symbol, then day.
  const order = (a: DownloadDay, b: DownloadDay) =>
    a.symbol.localeCompare(b.symbol) || a.day.localeCompare(b.day);
  report.fetched.sort(order);
  report.missing.sort(order);
  report.failed.sort(order);
  report.elapsedMs = performance.now() - started;
  return report;
}

/**
 * A one-paragraph summary of a {@linkcode DownloadReport}: counts, bytes,
 * rows and rate, then one line per missing or failed day.
 *
 * @example
 * ```ts
 * import { formatDownloadReport } from "./download.ts";
 * console.log(formatDownloadReport({
 *   fetched: [], skipped: [], missing: [], failed: [], bytes: 0, rows: 0, elapsedMs: 5,
 * }));
 * // fetched 0, skipped 0, missing 0, failed 0 (0 B, 0 rows in 0.0 s)
 * ```
 */
export function formatDownloadReport(report: DownloadReport): string {
  const seconds = report.elapsedMs / 1000;
  const rate = seconds > 0 && report.bytes > 0
    ? `, ${formatBytes(report.bytes / seconds)}/s`
    : "";
  const lines = [
    `fetched ${report.fetched.length}, skipped ${report.skipped.length}, ` +
    `missing ${report.missing.length}, failed ${report.failed.length} ` +
    `(${formatBytes(report.bytes)}, ${
      report.rows.toLocaleString("en-US")
    } rows in ${seconds.toFixed(1)} s${rate})`,
  ];
  for (const m of report.missing) {
    lines.push(`  missing ${m.symbol} ${m.day}: not published at ${m.url}`);
  }
  for (const f of report.failed) {
    lines.push(`  failed ${f.symbol} ${f.day}: ${f.error.message}`);
  }
  return lines.join("\n");
}

/**
 * `1.5 MB`-style size with decimal units.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./download.ts";
 * console.log(formatBytes(1_500_000)); // 1.5 MB
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * Whether `path` is a complete Parquet file (magic at both ends) whose size
 * matches its download record, when it has one.
 */
async function isVerified(path: string): Promise<boolean> {
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch {
    return false;
  }
  if (size < 12) return false;
  using file = await Deno.open(path);
  const magic = new Uint8Array(4);
  for (const offset of [0, size - 4]) {
    await file.seek(offset, Deno.SeekMode.Start);
    if (await file.read(magic) !== 4) return false;
    if (new TextDecoder().decode(magic) !== "PAR1") return false;
  }
  try {
    const record: DownloadRecord = JSON.parse(
      await Deno.readTextFile(join(dirname(path), DOWNLOAD_RECORD)),
    );
    return record.parquetBytes === size;
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
}

/** Fetches, verifies and converts one symbol-day; throws on any failure. */
async function fetchDay(
  job: DownloadDay,
  settings: Settings,
  staging: string,
  connection: DuckDBConnection,
): Promise<FetchedDay> {
  const { format } = settings;
  const stem = join(staging, `${job.symbol}-${job.day}`);
  const dumpPath = `${stem}.${format.compression}`;
  const csvPath = `${stem}.csv`;
  const parquetPath = `${stem}.parquet`;
  try {
    const expected = format.checksumSuffix === null ? null : parseChecksum(
      job.url + format.checksumSuffix,
      await withRetries(
        settings,
        () => fetchText(job.url + format.checksumSuffix, settings),
      ),
    );
    let attempts = 0;
    const { bytes, sha256 } = await withRetries(settings, () => {
      attempts++;
      return fetchToFile(job.url, dumpPath, settings);
    });
    if (expected !== null && sha256 !== expected) {
      throw new IntegrityError(
        job.url,
        `checksum mismatch: SHA-256 is ${sha256}, the published checksum is ${expected}`,
      );
    }
    const csvBytes = await decompress(format, dumpPath, csvPath, job.url);
    await Deno.remove(dumpPath);
    const rows = await convert(
      format,
      csvPath,
      parquetPath,
      job.url,
      connection,
    );
    await Deno.remove(csvPath);
    await Deno.mkdir(dirname(job.path), { recursive: true });
    const parquetBytes = (await Deno.stat(parquetPath)).size;
    await Deno.rename(parquetPath, job.path);
    const record: DownloadRecord = {
      exchange: settings.adapter.name,
      market: settings.market,
      dataType: settings.dataType,
      symbol: job.symbol,
      day: job.day,
      url: job.url,
      sha256,
      checksumVerified: expected !== null,
      dumpBytes: bytes,
      csvBytes,
      rows,
      parquetBytes,
      fetchedAt: new Date().toISOString(),
    };
    await writeAtomic(
      join(dirname(job.path), DOWNLOAD_RECORD),
      (tmp) => Deno.writeTextFile(tmp, JSON.stringify(record, null, 2) + "\n"),
    );
    return { ...job, bytes, rows, sha256, attempts };
  } finally {
    for (const path of [dumpPath, csvPath, parquetPath]) {
      await Deno.remove(path).catch(() => {});
    }
  }
}

function parseChecksum(url: string, text: string): string {
  const match = /^\s*([0-9a-fA-F]{64})\b/.exec(text);
  if (!match) {
    throw new IntegrityError(
      url,
      `expected "<64 hex digits>  <file name>", got ${
        JSON.stringify(text.slice(0, 80))
      }`,
    );
  }
  return match[1].toLowerCase();
}

/** Whether an error is worth another attempt. */
function isTransient(error: unknown): boolean {
  if (error instanceof HttpStatusError) {
    return error.status >= 500 || error.status === 408 || error.status === 429;
  }
  return !(error instanceof IntegrityError);
}

/** Runs `attempt` until it succeeds, retrying transient errors with backoff. */
async function withRetries<T>(
  settings: Settings,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let retry = 0;; retry++) {
    try {
      return await attempt();
    } catch (error) {
      settings.signal.throwIfAborted();
      if (retry >= settings.retries || !isTransient(error)) throw error;
      await sleep(settings.retryDelayMs * 2 ** retry, settings.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Fetches `url` and hands its body to `consume` chunk by chunk; the request
 * is abandoned when no chunk arrives for `stallTimeoutMs`, and a body shorter
 * than its Content-Length is an error.
 */
async function fetchBody(
  url: string,
  settings: Settings,
  consume: (chunk: Uint8Array) => Promise<void> | void,
): Promise<number> {
  const stall = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        stall.abort(
          new Error(
            `${url}: nothing received for ${settings.stallTimeoutMs} ms`,
          ),
        ),
      settings.stallTimeoutMs,
    );
  };
  arm();
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any([settings.signal, stall.signal]),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new HttpStatusError(url, response.status);
    }
    const declared = response.headers.get("content-length");
    let received = 0;
    for await (const chunk of response.body!) {
      arm();
      received += chunk.length;
      settings.received(chunk.length);
      await consume(chunk);
    }
    if (declared !== null && received !== Number(declared)) {
      throw new Error(
        `${url}: connection closed after ${received} of ${declared} bytes`,
      );
    }
    return received;
  } catch (error) {
    throw stall.signal.aborted && !settings.signal.aborted
      ? stall.signal.reason
      : withCause(url, error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A failed `fetch` as an error naming the address and the real cause: Deno
 * throws `TypeError: fetch failed` and keeps the DNS or connection error in
 * `cause`. Other errors pass through.
 */
function withCause(url: string, error: unknown): unknown {
  if (!(error instanceof TypeError)) return error;
  let inner: Error = error;
  while (inner.cause instanceof Error) inner = inner.cause;
  const reason = inner.message.replace(
    /^error sending request for url \([^)]*\): /,
    "",
  );
  return new Error(`${url}: ${reason}`, { cause: error });
}

async function fetchText(url: string, settings: Settings): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  await fetchBody(url, settings, (chunk) => {
    text += decoder.decode(chunk, { stream: true });
  });
  return text + decoder.decode();
}

async function fetchToFile(
  url: string,
  path: string,
  settings: Settings,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  const bytes = await fetchBody(url, settings, async (chunk) => {
    hash.update(chunk);
    await writeAll(file, chunk);
  });
  return { bytes, sha256: hash.digest("hex") };
}

/** Decompresses the dump to `csvPath`; returns the CSV's size. */
async function decompress(
  format: DumpFormat,
  dumpPath: string,
  csvPath: string,
  url: string,
): Promise<number> {
  try {
    if (format.compression === "zip") {
      return (await unzipOne(dumpPath, csvPath)).bytes;
    }
    using input = await Deno.open(dumpPath);
    using output = await Deno.open(csvPath, {
      write: true,
      create: true,
      truncate: true,
    });
    let bytes = 0;
    const stream = input.readable.pipeThrough(new DecompressionStream("gzip"));
    for await (const chunk of stream) {
      bytes += chunk.length;
      await writeAll(output, chunk);
    }
    return bytes;
  } catch (error) {
    throw new IntegrityError(
      url,
      `corrupt ${format.compression} dump: ${
        error instanceof DataFileError ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}

/** Whether the CSV's first line is a header, per the format. */
async function hasHeader(
  format: DumpFormat,
  csvPath: string,
): Promise<boolean> {
  if (format.header !== "auto") return format.header;
  using file = await Deno.open(csvPath);
  const first = new Uint8Array(1);
  const n = await file.read(first);
  return n === 1 && !/[0-9-]/.test(String.fromCharCode(first[0]));
}

/** Converts the CSV to zstd Parquet through the format's query; returns rows. */
async function convert(
  format: DumpFormat,
  csvPath: string,
  parquetPath: string,
  url: string,
  connection: DuckDBConnection,
): Promise<number> {
  const columns = format.columns.map((c) =>
    `${sqlString(c.name)}: ${sqlString(c.type)}`
  ).join(", ");
  const header = await hasHeader(format, csvPath);
  try {
    const result = await connection.run(
      `COPY (
        WITH dump AS (
          SELECT * FROM read_csv($csv, header = ${header},
            columns = {${columns}}, auto_detect = false, delim = ',', quote = '"')
        ),
        numbered_dump AS (SELECT *, row_number() OVER () AS file_row FROM dump)
        SELECT * FROM (${format.query})
      ) TO $parquet (FORMAT parquet, COMPRESSION zstd)`,
      { csv: csvPath, parquet: parquetPath },
    );
    return result.rowsChanged;
  } catch (error) {
    throw new IntegrityError(
      url,
      `the CSV does not have the expected columns (${
        format.columns.map((c) => c.name).join(", ")
      }): ${firstLine(error)}`,
      { cause: error },
    );
  }
}
