/**
 * Tests of the downloader (`src/data/download.ts`) against a real HTTP server
 * on 127.0.0.1 ({@linkcode startDumpServer}) serving dumps the sample
 * generator wrote in each exchange's exact format: Binance Vision zips with
 * their `.CHECKSUM` files, Bybit `.csv.gz` files. No mocks: faults (error
 * statuses, dropped and stalled connections, corrupt bodies) are injected by
 * the server, per URL path.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join, relative } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { unzipOne } from "../src/data/zip.ts";
import { binance } from "../src/data/adapters/binance.ts";
import { bybit } from "../src/data/adapters/bybit.ts";
import {
  DOWNLOAD_RECORD,
  downloadData,
  type DownloadOptions,
  type DownloadReport,
  formatDownloadReport,
} from "../src/data/download.ts";
import { DataLoader, type LoadAggBarOptions } from "../src/data/loader.ts";
import {
  generateSample,
  type SampleDataType,
  type SampleMarket,
  writeBinanceZip,
  writeBybitCsvGz,
} from "../src/data/sample.ts";
import {
  DownloadError,
  InvalidArgumentError,
  MissingDataError,
} from "../src/errors.ts";
import { type DumpServer, startDumpServer, walk } from "./_dump_server.ts";

// ---------------------------------------------------------------------------
// Shared fixture: generated Parquet (`GEN`) and the dump tree served (`ROOT`)

const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
const DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"];
const START = DAYS[0];
const TRADES = { tradesPerDay: 3_000 };
/** Only used to derive URL paths from the adapter. */
const ANY_BASE = "http://dumps.invalid";

const GEN = await Deno.makeTempDir({ prefix: "factorium-dl-gen-" });
const ROOT = await Deno.makeTempDir({ prefix: "factorium-dl-root-" });
/** Bybit dumps listing the latest trade first (same URL paths as in ROOT). */
const ROOT_DESC = await Deno.makeTempDir({ prefix: "factorium-dl-desc-" });
const TEMPS = [GEN, ROOT, ROOT_DESC];
globalThis.addEventListener("unload", () => {
  for (const dir of TEMPS) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  }
});

/** The URL path of a Binance dump, as the adapter builds it. */
function binancePath(
  market: string,
  dataType: SampleDataType,
  symbol: string,
  day: string,
): string {
  return new URL(
    binance.downloadUrl(market, dataType, symbol, Date.parse(day), ANY_BASE),
  ).pathname;
}

/** The generated Parquet file of a symbol-day. */
function genFile(
  market: SampleMarket,
  dataType: SampleDataType,
  symbol: string,
  day: string,
): string {
  return binance.filePath(GEN, market, dataType, symbol, Date.parse(day));
}

/** Writes the zip + CHECKSUM of one generated symbol-day where the adapter's URL points. */
async function serveBinance(
  market: SampleMarket,
  dataType: SampleDataType,
  symbol: string,
  day: string,
): Promise<void> {
  const path = binancePath(market, dataType, symbol, day);
  const want = join(ROOT, path);
  const zip = await writeBinanceZip({
    dataDir: GEN,
    market,
    dataType,
    symbol,
    day,
    outDir: dirname(want),
  });
  assert.equal(
    zip,
    want,
    "writeBinanceZip names the zip as Binance Vision does",
  );
}

const GENERATED: [SampleMarket, SampleDataType, string[], number][] = [
  ["futures_um", "aggTrades", SYMBOLS, 3],
  ["spot", "aggTrades", ["BTCUSDT"], 2],
  ["futures_um", "trades", ["BTCUSDT", "ETHUSDT"], 2],
  ["futures_um", "klines", ["BTCUSDT"], 2],
];
for (const [market, dataType, symbols, days] of GENERATED) {
  await generateSample({
    dataDir: GEN,
    symbols,
    start: START,
    days,
    market,
    dataType,
    ...TRADES,
  });
}
/** The URL path of a Bybit dump, as the adapter builds it. */
function bybitPath(symbol: string, day: string): string {
  return new URL(
    bybit.downloadUrl(
      "futures_um",
      "trades",
      symbol,
      Date.parse(day),
      ANY_BASE,
    ),
  ).pathname;
}

/** Writes the Bybit `.csv.gz` of one generated futures trades symbol-day. */
async function serveBybit(
  root: string,
  symbol: string,
  day: string,
  descending: boolean,
): Promise<void> {
  const want = join(root, bybitPath(symbol, day));
  const gz = await writeBybitCsvGz({
    dataDir: GEN,
    symbol,
    day,
    outDir: dirname(want),
    descending,
  });
  assert.equal(gz, want, "writeBybitCsvGz names the file as Bybit does");
}

const BYBIT_SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const BYBIT_DAYS = DAYS.slice(0, 2);
await Promise.all(
  GENERATED.flatMap(([market, dataType, symbols, days]) =>
    symbols.flatMap((symbol) =>
      DAYS.slice(0, days).map((day) =>
        serveBinance(market, dataType, symbol, day)
      )
    )
  ),
);
await Promise.all(
  [[ROOT, false], [ROOT_DESC, true]].flatMap(([root, descending]) =>
    BYBIT_SYMBOLS.flatMap((symbol) =>
      BYBIT_DAYS.map((day) =>
        serveBybit(root as string, symbol, day, descending as boolean)
      )
    )
  ),
);

// ---------------------------------------------------------------------------
// Helpers

/** A fresh data directory, removed when disposed. */
async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "factorium-dl-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/**
 * What `walk(dataDir)` must give when exactly `files` (data.parquet paths)
 * were downloaded: their directories, the files and their records.
 */
function tree(dataDir: string, files: string[]): string[] {
  const out = new Set<string>();
  for (const file of files) {
    out.add(relative(dataDir, file));
    out.add(relative(dataDir, join(dirname(file), DOWNLOAD_RECORD)));
    for (let d = dirname(file); d !== dataDir; d = dirname(d)) {
      out.add(`${relative(dataDir, d)}/`);
    }
  }
  return [...out].sort();
}

/** The Parquet path of a downloaded Binance symbol-day. */
function target(
  dataDir: string,
  symbol: string,
  day: string,
  market = "futures_um",
  dataType: SampleDataType = "aggTrades",
): string {
  return binance.filePath(dataDir, market, dataType, symbol, Date.parse(day));
}

/** `downloadData` against `server` with fast retries. */
function download(
  server: DumpServer,
  dataDir: string,
  options: Partial<DownloadOptions> = {},
): Promise<DownloadReport> {
  return downloadData({
    dataDir,
    symbols: SYMBOLS,
    start: START,
    days: DAYS.length,
    baseUrl: server.url,
    retryDelayMs: 1,
    ...options,
  });
}

/** `symbol day` of each entry, sorted. */
function keys(days: { symbol: string; day: string }[]): string[] {
  return days.map((d) => `${d.symbol} ${d.day}`).sort();
}

function allKeys(symbols = SYMBOLS, days = DAYS): string[] {
  return symbols.flatMap((s) => days.map((d) => `${s} ${d}`)).sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function record(parquet: string): Promise<Record<string, unknown>> {
  return JSON.parse(
    await Deno.readTextFile(join(dirname(parquet), DOWNLOAD_RECORD)),
  );
}

/** Asserts two frames hold the same columns, types and values, in order. */
function assertFramesEqual(
  actual: pl.DataFrame,
  expected: pl.DataFrame,
  label = "",
): void {
  assert.deepEqual(actual.columns, expected.columns, `${label} columns`);
  assert.deepEqual(
    actual.dtypes.map(String),
    expected.dtypes.map(String),
    `${label} column types`,
  );
  assert.equal(actual.height, expected.height, `${label} rows`);
  for (const column of expected.columns) {
    assert.deepEqual(
      actual.getColumn(column).toArray(),
      expected.getColumn(column).toArray(),
      `${label} column ${column}`,
    );
  }
}

/** Runs one DuckDB query in a fresh in-memory database. */
async function duck(
  sql: string,
  params: Record<string, string> = {},
): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** The served bytes of a Binance dump and its URL path. */
async function dump(
  symbol: string,
  day: string,
  market: SampleMarket = "futures_um",
  dataType: SampleDataType = "aggTrades",
): Promise<{ path: string; zip: Uint8Array; checksum: string }> {
  const path = binancePath(market, dataType, symbol, day);
  return {
    path,
    zip: await Deno.readFile(join(ROOT, path)),
    checksum: `${path}.CHECKSUM`,
  };
}

/** Serves `bytes` for a dump with a CHECKSUM that matches them. */
function serveWithChecksum(
  server: DumpServer,
  path: string,
  bytes: Uint8Array,
): void {
  server.fault(path, { body: bytes });
  server.fault(`${path}.CHECKSUM`, {
    body: new TextEncoder().encode(
      `${sha256(bytes)}  ${path.split("/").pop()}\n`,
    ),
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => assert.fail("expected a rejection"),
    (error) => error,
  );
}

// ---------------------------------------------------------------------------
// Happy paths

Deno.test("downloadData() fetches futures aggTrades for several symbols and days into the loader's layout", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const progress: number[] = [];
  const report = await download(server, dir.path, {
    onProgress: (p) => progress.push(p.done),
  });

  assert.deepEqual(keys(report.fetched), allKeys());
  assert.deepEqual(
    [report.skipped, report.missing, report.failed],
    [[], [], []],
  );
  assert.equal(progress.at(-1), SYMBOLS.length * DAYS.length);
  const files = SYMBOLS.flatMap((s) => DAYS.map((d) => target(dir.path, s, d)));
  assert.deepEqual(await walk(dir.path), tree(dir.path, files));

  let rows = 0;
  let bytes = 0;
  for (const fetched of report.fetched) {
    const { path, zip, checksum } = await dump(fetched.symbol, fetched.day);
    assert.equal(fetched.path, target(dir.path, fetched.symbol, fetched.day));
    assert.equal(fetched.url, `${server.url}${path}`);
    assert.equal(fetched.attempts, 1);
    assert.equal(fetched.bytes, zip.length);
    const published = (await Deno.readTextFile(join(ROOT, checksum))).slice(
      0,
      64,
    );
    assert.equal(fetched.sha256, published);
    assert.equal(server.count(path), 1);
    assert.equal(server.count(checksum), 1);

    const rec = await record(fetched.path);
    assert.equal(rec.sha256, published);
    assert.equal(rec.checksumVerified, true);
    assert.equal(rec.exchange, "binance");
    assert.equal(rec.market, "futures_um");
    assert.equal(rec.dataType, "aggTrades");
    assert.equal(rec.symbol, fetched.symbol);
    assert.equal(rec.day, fetched.day);
    assert.equal(rec.url, fetched.url);
    assert.equal(rec.dumpBytes, zip.length);
    assert.equal(rec.rows, fetched.rows);
    assert.equal(rec.parquetBytes, (await Deno.stat(fetched.path)).size);

    const expected = pl.readParquet(
      genFile("futures_um", "aggTrades", fetched.symbol, fetched.day),
    );
    assert.equal(fetched.rows, expected.height);
    assertFramesEqual(pl.readParquet(fetched.path), expected, fetched.day);

    const compression = await duck(
      "SELECT DISTINCT compression FROM parquet_metadata($file)",
      { file: fetched.path },
    );
    assert.deepEqual(compression, [{ compression: "ZSTD" }]);
    rows += fetched.rows;
    bytes += zip.length + 64 + 2 + path.split("/").pop()!.length + 1;
  }
  assert.equal(report.rows, rows);
  assert.equal(report.bytes, bytes, "dumps and checksum files are counted");
  assert.match(
    formatDownloadReport(report),
    /^fetched 9, skipped 0, missing 0, failed 0 \(/,
  );
});

Deno.test("downloadData() converts spot aggTrades (no header, microseconds) to millisecond times and keeps is_best_match", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const days = DAYS.slice(0, 2);
  {
    // The served spot dump really has no header and microsecond times.
    await using scratch = await tempDir();
    const { path } = await dump("BTCUSDT", days[0], "spot");
    await unzipOne(join(ROOT, path), `${scratch.path}/x.csv`);
    const line = (await Deno.readTextFile(`${scratch.path}/x.csv`))
      .split("\n")[0].split(",");
    assert.equal(line.length, 8);
    assert.match(line[0], /^\d+$/, "no header line");
    assert.ok(Number(line[5]) >= 1e15, "microsecond times");
    assert.equal(line[7], "True", "Python-style booleans, as on Binance spot");
  }
  const report = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 2,
    market: "spot",
  });
  assert.deepEqual(keys(report.fetched), allKeys(["BTCUSDT"], days));
  for (const day of days) {
    const generated = pl.readParquet(
      genFile("spot", "aggTrades", "BTCUSDT", day),
    );
    const expected = generated.withColumns(
      pl.col("transact_time").div(1000).floor().cast(pl.Int64),
    );
    const path = target(dir.path, "BTCUSDT", day, "spot");
    const actual = pl.readParquet(path);
    assert.deepEqual(actual.columns, [
      "agg_trade_id",
      "price",
      "quantity",
      "first_trade_id",
      "last_trade_id",
      "transact_time",
      "is_buyer_maker",
      "is_best_match",
    ]);
    assertFramesEqual(actual, expected, `spot ${day}`);
    assert.ok(actual.getColumn("is_best_match").toArray().every((v) => v));
  }
});

Deno.test("downloadData() reads dumps with or without a header line", async () => {
  await using server = await startDumpServer(ROOT);
  await using scratch = await tempDir();
  // Old futures dumps had no header; give spot one for good measure.
  for (
    const [market, header] of [["futures_um", false], ["spot", true]] as const
  ) {
    await using dir = await tempDir();
    const zip = await writeBinanceZip({
      dataDir: GEN,
      market,
      dataType: "aggTrades",
      symbol: "BTCUSDT",
      day: DAYS[0],
      outDir: join(scratch.path, market),
      header,
    });
    serveWithChecksum(
      server,
      binancePath(market, "aggTrades", "BTCUSDT", DAYS[0]),
      await Deno.readFile(zip),
    );
    const report = await download(server, dir.path, {
      symbols: "BTCUSDT",
      days: 1,
      market,
    });
    assert.equal(report.fetched.length, 1, `${market} header ${header}`);
    let expected = pl.readParquet(
      genFile(market, "aggTrades", "BTCUSDT", DAYS[0]),
    );
    if (market === "spot") {
      expected = expected.withColumns(
        pl.col("transact_time").div(1000).floor().cast(pl.Int64),
      );
    }
    assertFramesEqual(
      pl.readParquet(report.fetched[0].path),
      expected,
      `${market} header ${header}`,
    );
  }
});

Deno.test("downloadData() converts futures trades and klines dumps column for column", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const days = DAYS.slice(0, 2);
  const trades = await download(server, dir.path, {
    symbols: ["BTCUSDT", "ETHUSDT"],
    days: 2,
    dataType: "trades",
  });
  assert.deepEqual(
    keys(trades.fetched),
    allKeys(["BTCUSDT", "ETHUSDT"], days),
  );
  const klines = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 2,
    dataType: "klines",
  });
  assert.deepEqual(keys(klines.fetched), allKeys(["BTCUSDT"], days));
  assert.equal(
    server.count(binancePath("futures_um", "klines", "BTCUSDT", days[0])),
    1,
  );
  for (
    const [dataType, symbols] of [["trades", ["BTCUSDT", "ETHUSDT"]], [
      "klines",
      ["BTCUSDT"],
    ]] as const
  ) {
    for (const symbol of symbols) {
      for (const day of days) {
        assertFramesEqual(
          pl.readParquet(
            target(dir.path, symbol, day, "futures_um", dataType),
          ),
          pl.readParquet(genFile("futures_um", dataType, symbol, day)),
          `${dataType} ${symbol} ${day}`,
        );
      }
    }
  }
  assert.deepEqual(
    await walk(dir.path),
    tree(dir.path, [
      ...["BTCUSDT", "ETHUSDT"].flatMap((s) =>
        days.map((d) => target(dir.path, s, d, "futures_um", "trades"))
      ),
      ...days.map((d) =>
        target(dir.path, "BTCUSDT", d, "futures_um", "klines")
      ),
    ]),
  );
});

// ---------------------------------------------------------------------------
// Integrity and HTTP failures

Deno.test("downloadData() fails a day whose checksum does not match and writes nothing for it", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const bad = await dump("ETHUSDT", DAYS[1]);
  server.fault(bad.checksum, {
    body: new TextEncoder().encode(
      `${"0".repeat(64)}  ETHUSDT-aggTrades-${DAYS[1]}.zip\n`,
    ),
  });
  const report = await download(server, dir.path);

  assert.deepEqual(keys(report.failed), [`ETHUSDT ${DAYS[1]}`]);
  assert.match(report.failed[0].error.message, /checksum/i);
  assert.match(report.failed[0].error.message, new RegExp(sha256(bad.zip)));
  assert.equal(
    server.count(bad.path),
    1,
    "an integrity failure is not retried",
  );
  const good = allKeys().filter((k) => k !== `ETHUSDT ${DAYS[1]}`);
  assert.deepEqual(keys(report.fetched), good);
  assert.deepEqual(
    await walk(dir.path),
    tree(
      dir.path,
      good.map((k) => target(dir.path, ...(k.split(" ") as [string, string]))),
    ),
    "no file, record, directory or staging leftover for the failed day",
  );
  assert.match(
    formatDownloadReport(report),
    new RegExp(`failed ETHUSDT ${DAYS[1]}: .*checksum`),
  );
});

Deno.test("downloadData() reports a day the server does not have (404) as missing and does not retry it", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  // 2024-01-04 was never generated: its CHECKSUM (fetched first) is a 404.
  const report = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 4,
  });
  const absent = binancePath(
    "futures_um",
    "aggTrades",
    "BTCUSDT",
    "2024-01-04",
  );
  assert.deepEqual(keys(report.missing), ["BTCUSDT 2024-01-04"]);
  assert.deepEqual(keys(report.fetched), allKeys(["BTCUSDT"]));
  assert.equal(report.failed.length, 0);
  assert.equal(server.count(`${absent}.CHECKSUM`), 1);
  assert.equal(server.count(absent), 0);
  assert.equal(report.missing[0].url, `${server.url}${absent}`);

  // A dump that 404s (or 410s) after its checksum was found is missing too.
  await using dir2 = await tempDir();
  const gone = await dump("BTCUSDT", DAYS[0]);
  const gone410 = await dump("BTCUSDT", DAYS[1]);
  server.reset();
  server.fault(gone.path, { status: 404 });
  server.fault(gone410.path, { status: 410 });
  const again = await download(server, dir2.path, { symbols: "BTCUSDT" });
  assert.deepEqual(keys(again.missing), allKeys(["BTCUSDT"], DAYS.slice(0, 2)));
  assert.equal(server.count(gone.path), 1);
  assert.equal(server.count(gone410.path), 1);
  assert.deepEqual(
    await walk(dir2.path),
    tree(dir2.path, [target(dir2.path, "BTCUSDT", DAYS[2])]),
  );
  assert.match(
    formatDownloadReport(again),
    new RegExp(`missing BTCUSDT ${DAYS[0]}: not published at`),
  );
});

Deno.test("downloadData() retries a 500 and then succeeds", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const zip500 = await dump("BTCUSDT", DAYS[0]);
  const sum503 = await dump("BTCUSDT", DAYS[1]);
  const zip429 = await dump("BTCUSDT", DAYS[2]);
  server.fault(zip500.path, { status: 500, times: 2 });
  server.fault(sum503.checksum, { status: 503, times: 1 });
  server.fault(zip429.path, { status: 429, times: 1 });
  const report = await download(server, dir.path, { symbols: "BTCUSDT" });

  assert.deepEqual(keys(report.fetched), allKeys(["BTCUSDT"]));
  const attempts = Object.fromEntries(
    report.fetched.map((f) => [f.day, f.attempts]),
  );
  assert.deepEqual(attempts, { [DAYS[0]]: 3, [DAYS[1]]: 1, [DAYS[2]]: 2 });
  assert.equal(server.count(zip500.path), 3);
  assert.equal(server.count(zip500.checksum), 1);
  assert.equal(server.count(sum503.checksum), 2);
  assert.equal(server.count(sum503.path), 1);
  assert.equal(server.count(zip429.path), 2);
  for (const day of DAYS) {
    assertFramesEqual(
      pl.readParquet(target(dir.path, "BTCUSDT", day)),
      pl.readParquet(genFile("futures_um", "aggTrades", "BTCUSDT", day)),
    );
  }
  assert.deepEqual(
    await walk(dir.path),
    tree(dir.path, DAYS.map((d) => target(dir.path, "BTCUSDT", d))),
  );
});

Deno.test("downloadData() reports a day as failed once its retries are used up", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const broken = await dump("BTCUSDT", DAYS[0]);
  server.fault(broken.path, { status: 500 });
  const report = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 1,
    retries: 2,
  });
  assert.deepEqual(keys(report.failed), [`BTCUSDT ${DAYS[0]}`]);
  assert.match(report.failed[0].error.message, /HTTP 500/);
  assert.equal(server.count(broken.path), 3, "1 attempt + 2 retries");
  assert.deepEqual(await walk(dir.path), []);

  // retries: 0 makes one attempt only.
  server.reset();
  const once = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 1,
    retries: 0,
  });
  assert.equal(once.failed.length, 1);
  assert.equal(server.count(broken.path), 1);
});

Deno.test("downloadData() retries a connection dropped mid-body and writes the same file as a clean download", async () => {
  await using server = await startDumpServer(ROOT);
  await using clean = await tempDir();
  await using dir = await tempDir();
  const cut = await dump("SOLUSDT", DAYS[1]);
  const cleanReport = await download(server, clean.path, {
    symbols: "SOLUSDT",
    days: 1,
    start: DAYS[1],
  });
  assert.equal(cleanReport.fetched.length, 1);

  server.reset();
  server.fault(cut.path, { dropAfterBytes: 1000, times: 1 });
  const report = await download(server, dir.path, {
    symbols: "SOLUSDT",
    days: 1,
    start: DAYS[1],
  });
  assert.equal(report.failed.length, 0);
  assert.equal(report.fetched.length, 1);
  assert.equal(report.fetched[0].attempts, 2);
  assert.equal(server.count(cut.path), 2);
  assert.equal(report.fetched[0].sha256, sha256(cut.zip));
  assert.equal(report.bytes, cleanReport.bytes + 1000);

  const path = target(dir.path, "SOLUSDT", DAYS[1]);
  const cleanPath = target(clean.path, "SOLUSDT", DAYS[1]);
  assert.deepEqual(await Deno.readFile(path), await Deno.readFile(cleanPath));
  const { fetchedAt: _a, ...rec } = await record(path);
  const { fetchedAt: _b, ...cleanRec } = await record(cleanPath);
  assert.deepEqual(rec, { ...cleanRec, url: rec.url });
  assert.deepEqual(await walk(dir.path), tree(dir.path, [path]));
});

Deno.test("downloadData() abandons a body that stalls for stallTimeoutMs and retries it", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const slow = await dump("BTCUSDT", DAYS[0]);
  server.fault(slow.path, { stallAfterBytes: 500, times: 1 });
  const report = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 1,
    stallTimeoutMs: 200,
  });
  assert.equal(report.fetched.length, 1);
  assert.equal(report.fetched[0].attempts, 2);
  assert.equal(server.count(slow.path), 2);
  assert.deepEqual(
    await walk(dir.path),
    tree(dir.path, [target(dir.path, "BTCUSDT", DAYS[0])]),
  );

  // With no retry left, the stall fails the day and names the timeout.
  await using dir2 = await tempDir();
  server.fault(slow.path, { stallAfterBytes: 500, times: 1 });
  const failed = await download(server, dir2.path, {
    symbols: "BTCUSDT",
    days: 1,
    stallTimeoutMs: 200,
    retries: 0,
  });
  assert.equal(failed.failed.length, 1);
  assert.match(failed.failed[0].error.message, /nothing received for 200 ms/);
  assert.deepEqual(await walk(dir2.path), []);
});

Deno.test("downloadData() fails a truncated zip whose checksum matches it, and writes nothing", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const whole = await dump("ETHUSDT", DAYS[0]);
  const truncated = whole.zip.slice(0, Math.floor(whole.zip.length * 0.6));
  serveWithChecksum(server, whole.path, truncated);
  const report = await download(server, dir.path, {
    symbols: ["ETHUSDT", "BTCUSDT"],
    days: 1,
  });
  assert.deepEqual(keys(report.fetched), [`BTCUSDT ${DAYS[0]}`]);
  assert.deepEqual(keys(report.failed), [`ETHUSDT ${DAYS[0]}`]);
  assert.match(report.failed[0].error.message, /corrupt zip/);
  assert.equal(report.failed[0].error.name, "IntegrityError");
  assert.equal(server.count(whole.path), 1, "a corrupt dump is not retried");
  assert.deepEqual(
    await walk(dir.path),
    tree(dir.path, [target(dir.path, "BTCUSDT", DAYS[0])]),
  );
});

Deno.test("downloadData() fails a zip whose entry does not match its CRC-32, and writes nothing", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const whole = await dump("ETHUSDT", DAYS[0]);
  // Stored sizes and CRC stay; one byte of the deflated data changes.
  const flipped = whole.zip.slice();
  flipped[flipped.length >> 1] ^= 0x20;
  serveWithChecksum(server, whole.path, flipped);
  const report = await download(server, dir.path, {
    symbols: "ETHUSDT",
    days: 1,
  });
  assert.deepEqual(keys(report.failed), [`ETHUSDT ${DAYS[0]}`]);
  assert.match(report.failed[0].error.message, /corrupt zip/);
  assert.deepEqual(await walk(dir.path), []);
});

Deno.test("downloadData() fails a dump whose CSV lacks the expected columns, and writes nothing", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  // A trades dump served where the aggTrades dump belongs.
  const trades = await dump("BTCUSDT", DAYS[0], "futures_um", "trades");
  const agg = await dump("BTCUSDT", DAYS[0]);
  serveWithChecksum(server, agg.path, trades.zip);
  const report = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 1,
  });
  assert.deepEqual(keys(report.failed), [`BTCUSDT ${DAYS[0]}`]);
  assert.match(report.failed[0].error.message, /expected columns/);
  assert.deepEqual(await walk(dir.path), []);
});

// ---------------------------------------------------------------------------
// Resume, verification, force

Deno.test("downloadData() rejects when aborted mid-download, leaves no partial file, and a second run fetches only the rest", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  server.delayMs = 20;
  const stalled = await dump("ETHUSDT", DAYS[1]);
  server.fault(stalled.path, { stallAfterBytes: 2000, times: 1 });
  const controller = new AbortController();
  const reason = new Error("user cancelled");
  server.stalled(stalled.path).then(() => controller.abort(reason));
  const error = await rejection(
    download(server, dir.path, { signal: controller.signal }),
  );
  assert.equal(error, reason);

  // Only complete days, each with its record; no staging or partial files.
  const entries = await walk(dir.path);
  const done = allKeys().filter((k) =>
    entries.includes(
      relative(
        dir.path,
        target(dir.path, ...(k.split(" ") as [string, string])),
      ),
    )
  );
  assert.ok(!done.includes(`ETHUSDT ${DAYS[1]}`));
  assert.ok(done.length >= 1 && done.length < 9, `done: ${done}`);
  assert.deepEqual(
    entries,
    tree(
      dir.path,
      done.map((k) => target(dir.path, ...(k.split(" ") as [string, string]))),
    ),
  );
  for (const key of done) {
    const [symbol, day] = key.split(" ");
    assertFramesEqual(
      pl.readParquet(target(dir.path, symbol, day)),
      pl.readParquet(genFile("futures_um", "aggTrades", symbol, day)),
    );
  }

  // The second run fetches exactly the days not completed, once each.
  server.reset();
  server.delayMs = 0;
  const report = await download(server, dir.path);
  const rest = allKeys().filter((k) => !done.includes(k));
  assert.deepEqual(keys(report.skipped), done);
  assert.deepEqual(keys(report.fetched), rest);
  for (const key of allKeys()) {
    const [symbol, day] = key.split(" ");
    const { path, checksum } = await dump(symbol, day);
    const n = done.includes(key) ? 0 : 1;
    assert.equal(server.count(path), n, `${key} zip`);
    assert.equal(server.count(checksum), n, `${key} checksum`);
  }
  assert.equal(server.total(), 2 * rest.length);
  assert.deepEqual(
    await walk(dir.path),
    tree(
      dir.path,
      SYMBOLS.flatMap((s) => DAYS.map((d) => target(dir.path, s, d))),
    ),
  );
});

Deno.test("downloadData() fetches again a data.parquet that is truncated or whose size disagrees with its download.json", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  await download(server, dir.path, { symbols: "BTCUSDT" });
  const [truncated, resized, intact] = DAYS.map((d) =>
    target(dir.path, "BTCUSDT", d)
  );
  const bytes = await Deno.readFile(truncated);
  await Deno.writeFile(truncated, bytes.subarray(0, bytes.length - 100));
  // Still a complete-looking Parquet file (magic at both ends), wrong size.
  const other = await Deno.readFile(resized);
  await Deno.writeFile(
    resized,
    new Uint8Array([...other.subarray(0, 4), 0, ...other.subarray(4)]),
  );

  server.reset();
  const report = await download(server, dir.path, { symbols: "BTCUSDT" });
  assert.deepEqual(
    keys(report.fetched),
    allKeys(["BTCUSDT"], DAYS.slice(0, 2)),
  );
  assert.deepEqual(keys(report.skipped), [`BTCUSDT ${DAYS[2]}`]);
  assert.equal(server.count((await dump("BTCUSDT", DAYS[2])).path), 0);
  for (const [i, path] of [truncated, resized, intact].entries()) {
    assertFramesEqual(
      pl.readParquet(path),
      pl.readParquet(genFile("futures_um", "aggTrades", "BTCUSDT", DAYS[i])),
    );
    assert.equal(
      (await record(path)).parquetBytes,
      (await Deno.stat(path)).size,
    );
  }

  // A Parquet file without a record (e.g. copied in) is trusted if complete.
  await Deno.remove(join(dirname(intact), DOWNLOAD_RECORD));
  server.reset();
  const third = await download(server, dir.path, { symbols: "BTCUSDT" });
  assert.equal(third.skipped.length, 3);
  assert.equal(server.total(), 0);
});

Deno.test("downloadData() with force: true fetches every day again", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const first = await download(server, dir.path);
  assert.equal(first.fetched.length, 9);
  const skipped = await download(server, dir.path);
  assert.equal(skipped.skipped.length, 9);
  assert.equal(skipped.bytes, 0);
  assert.equal(server.total(), 18, "a verified day is not requested again");

  server.reset();
  const forced = await download(server, dir.path, { force: true });
  assert.deepEqual(keys(forced.fetched), allKeys());
  assert.equal(forced.skipped.length, 0);
  assert.equal(server.total(), 18);
  assert.deepEqual(
    await walk(dir.path),
    tree(
      dir.path,
      SYMBOLS.flatMap((s) => DAYS.map((d) => target(dir.path, s, d))),
    ),
  );
});

// ---------------------------------------------------------------------------
// Concurrency

Deno.test("downloadData() keeps at most `concurrency` requests in flight (4 by default)", async () => {
  await using server = await startDumpServer(ROOT);
  server.delayMs = 100;
  {
    await using dir = await tempDir();
    const report = await download(server, dir.path, { concurrency: 3 });
    assert.equal(report.fetched.length, 9);
    assert.equal(server.maxParallel, 3);
  }
  server.reset();
  {
    await using dir = await tempDir();
    const report = await download(server, dir.path);
    assert.equal(report.fetched.length, 9);
    assert.equal(server.maxParallel, 4);
  }
  server.reset();
  {
    await using dir = await tempDir();
    await download(server, dir.path, { concurrency: 1, symbols: "BTCUSDT" });
    assert.equal(server.maxParallel, 1);
  }
});

// ---------------------------------------------------------------------------
// Downloaded data through the loader

/** Bars from `dataDir` (no cache), as a Polars frame. */
async function bars(
  dataDir: string,
  options: Partial<LoadAggBarOptions>,
): Promise<pl.DataFrame> {
  const loader = new DataLoader({ dataDir });
  try {
    const agg = await loader.loadAggBar({
      symbols: SYMBOLS,
      start: START,
      days: DAYS.length,
      cache: false,
      ...options,
    });
    return agg.toPolars();
  } finally {
    await loader.close();
  }
}

Deno.test("downloaded aggTrades aggregate to the same bars as the generated files", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  await download(server, dir.path);
  for (
    const spec of [
      { bar: { type: "time", intervalMs: 300_000 }, buyerSeller: true },
      { bar: { type: "tick", ticks: 250 } },
    ] as Partial<LoadAggBarOptions>[]
  ) {
    const actual = await bars(dir.path, spec);
    const expected = await bars(GEN, spec);
    assert.ok(expected.height > 0);
    assertFramesEqual(actual, expected, JSON.stringify(spec.bar));
  }
  // Spot: microsecond dumps give the bars of the generated µs files.
  await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 2,
    market: "spot",
  });
  const spot = { symbols: "BTCUSDT", days: 2, market: "spot" } as const;
  assertFramesEqual(
    await bars(dir.path, spot),
    await bars(GEN, spot),
    "spot",
  );
});

// ---------------------------------------------------------------------------
// Bybit

Deno.test("downloadData() converts Bybit trade dumps, oldest or latest trade first, into the ticks they came from", async () => {
  const parquets: Record<string, pl.DataFrame> = {};
  for (
    const [order, root] of [["ascending", ROOT], ["descending", ROOT_DESC]]
  ) {
    await using server = await startDumpServer(root);
    await using dir = await tempDir();
    const report = await download(server, dir.path, {
      exchange: "bybit",
      market: "futures_um",
      dataType: "trades",
      symbols: BYBIT_SYMBOLS,
      days: BYBIT_DAYS.length,
    });
    assert.deepEqual(keys(report.fetched), allKeys(BYBIT_SYMBOLS, BYBIT_DAYS));
    assert.equal(report.failed.length, 0);
    assert.equal(server.total(), 4, "no checksum file is requested");
    const files = BYBIT_SYMBOLS.flatMap((symbol) =>
      BYBIT_DAYS.map((day) =>
        bybit.filePath(
          dir.path,
          "futures_um",
          "trades",
          symbol,
          Date.parse(day),
        )
      )
    );
    assert.deepEqual(await walk(dir.path), tree(dir.path, files));
    for (const fetched of report.fetched) {
      const served = await Deno.readFile(
        join(root, bybitPath(fetched.symbol, fetched.day)),
      );
      assert.equal(fetched.sha256, sha256(served));
      const rec = await record(fetched.path);
      assert.equal(rec.checksumVerified, false);
      assert.equal(rec.exchange, "bybit");
      assert.equal(rec.sha256, sha256(served));

      // Same trades as the generated Binance file, in the same order.
      const actual = pl.readParquet(fetched.path);
      assert.deepEqual(actual.columns, [
        "trade_id",
        "timestamp",
        "symbol",
        "side",
        "size",
        "price",
        "tickDirection",
        "trdMatchID",
        "grossValue",
        "homeNotional",
        "foreignNotional",
      ]);
      const generated = pl.readParquet(
        genFile("futures_um", "trades", fetched.symbol, fetched.day),
      );
      const ticks = actual.select(
        pl.col("timestamp").mul(1000).round(0).cast(pl.Int64).alias("time"),
        pl.col("price"),
        pl.col("size").alias("qty"),
        pl.col("side").eq(pl.lit("Sell")).alias("is_buyer_maker"),
      );
      assertFramesEqual(
        ticks,
        generated.select("time", "price", "qty", "is_buyer_maker"),
        `${order} ${fetched.symbol} ${fetched.day}`,
      );
      const ids = actual.getColumn("trade_id").toArray().map(Number);
      const dayNumber = Date.parse(fetched.day) / 86_400_000;
      assert.deepEqual(
        ids,
        ids.map((_, i) => dayNumber * 1e10 + i + 1),
        "trade ids are day × 10^10 + position in time order",
      );
      parquets[`${order} ${fetched.symbol} ${fetched.day}`] = actual;
    }

    // Bars from the Bybit download equal Binance bars from the same ticks.
    for (
      const spec of [
        { bar: { type: "time", intervalMs: 300_000 }, buyerSeller: true },
        { bar: { type: "tick", ticks: 200 } },
      ] as Partial<LoadAggBarOptions>[]
    ) {
      const common = {
        symbols: BYBIT_SYMBOLS,
        days: BYBIT_DAYS.length,
        market: "futures_um",
        dataType: "trades",
        ...spec,
      } as const;
      const expected = await bars(GEN, common);
      assert.ok(expected.height > 0);
      assertFramesEqual(
        await bars(dir.path, { ...common, exchange: "bybit" }),
        expected,
        `${order} ${JSON.stringify(spec.bar)}`,
      );
    }
  }
  for (const symbol of BYBIT_SYMBOLS) {
    for (const day of BYBIT_DAYS) {
      assertFramesEqual(
        parquets[`descending ${symbol} ${day}`],
        parquets[`ascending ${symbol} ${day}`],
        `descending vs ascending ${symbol} ${day}`,
      );
    }
  }
});

Deno.test("downloadData() fails a Bybit gzip dump cut short, and writes nothing", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const path = bybitPath("ETHUSDT", BYBIT_DAYS[0]);
  const whole = await Deno.readFile(join(ROOT, path));
  server.fault(path, { body: whole.slice(0, Math.floor(whole.length * 0.7)) });
  const report = await download(server, dir.path, {
    exchange: "bybit",
    dataType: "trades",
    symbols: ["ETHUSDT", "BTCUSDT"],
    days: 1,
  });
  assert.deepEqual(keys(report.fetched), [`BTCUSDT ${BYBIT_DAYS[0]}`]);
  assert.deepEqual(keys(report.failed), [`ETHUSDT ${BYBIT_DAYS[0]}`]);
  assert.match(report.failed[0].error.message, /corrupt gzip/);
  assert.equal(server.count(path), 1, "a corrupt dump is not retried");
  assert.deepEqual(
    await walk(dir.path),
    tree(dir.path, [
      bybit.filePath(
        dir.path,
        "futures_um",
        "trades",
        "BTCUSDT",
        Date.parse(BYBIT_DAYS[0]),
      ),
    ]),
  );

  // A dump missing only its 8-byte trailer (CRC-32 and size) is corrupt too.
  await using dir2 = await tempDir();
  server.fault(path, { body: whole.slice(0, whole.length - 8) });
  const cut = await download(server, dir2.path, {
    exchange: "bybit",
    dataType: "trades",
    symbols: "ETHUSDT",
    days: 1,
  });
  assert.equal(cut.failed.length, 1);
  assert.deepEqual(await walk(dir2.path), []);
});

// ---------------------------------------------------------------------------
// Options

Deno.test("downloadData() rejects bad options with InvalidArgumentError naming the option", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const cases: [string, Partial<DownloadOptions>][] = [
    ["concurrency", { concurrency: 0 }],
    ["concurrency", { concurrency: 1.5 }],
    ["baseUrl", { baseUrl: "ftp://x" }],
    ["baseUrl", { baseUrl: "http://" }],
    ["market", { market: "options" }],
    ["exchange", { exchange: "mtgox" }],
    ["dataType", { dataType: "bookTicker" as "trades" }],
    ["dataType", { exchange: "bybit", dataType: "aggTrades" }],
    ["retries", { retries: -1 }],
    ["retries", { retries: 0.5 }],
    ["retryDelayMs", { retryDelayMs: Number.NaN }],
    ["retryDelayMs", { retryDelayMs: -1 }],
    ["stallTimeoutMs", { stallTimeoutMs: 0 }],
    ["force", { force: "yes" as unknown as boolean }],
    ["onProgress", { onProgress: 5 as unknown as () => void }],
    ["dataDir", { dataDir: "" }],
    ["symbols[0]", { symbols: "btc usdt" }],
    ["symbols", { symbols: [] }],
    ["days", { days: 0 }],
    ["start", { start: "2024-01-03", end: "2024-01-01", days: undefined }],
  ];
  for (const [argument, options] of cases) {
    const error = await rejection(download(server, dir.path, options));
    assert.ok(
      error instanceof InvalidArgumentError,
      `${JSON.stringify(options)}: expected InvalidArgumentError, got ${error}`,
    );
    assert.equal(error.argument, argument, JSON.stringify(options));
    assert.match(
      error.message,
      new RegExp(`^${argument.replace(/[[\]]/g, "\\$&")}: expected`),
    );
  }
  assert.equal(server.total(), 0, "nothing is requested");
  assert.deepEqual(await walk(dir.path), [], "nothing is written");
});

Deno.test("downloadData() rejects with the reason at once when its signal is already aborted", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const reason = new Error("never mind");
  const error = await rejection(
    download(server, dir.path, { signal: AbortSignal.abort(reason) }),
  );
  assert.equal(error, reason);
  assert.equal(server.total(), 0);
  assert.deepEqual(await walk(dir.path), []);
});

Deno.test("downloadData() reports progress after each chunk and each finished day, up to the total", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const seen: { done: number; total: number; bytes: number }[] = [];
  const report = await download(server, dir.path, {
    symbols: "BTCUSDT",
    days: 4, // the fourth day is missing
    onProgress: ({ done, total, bytes }) => seen.push({ done, total, bytes }),
  });
  assert.ok(seen.every((p) => p.total === 4));
  assert.deepEqual(seen[0], { done: 0, total: 4, bytes: 0 });
  assert.deepEqual(seen.at(-1), { done: 4, total: 4, bytes: report.bytes });
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i].done >= seen[i - 1].done);
    assert.ok(seen[i].bytes >= seen[i - 1].bytes);
  }
  assert.ok(seen.length > 5, "progress comes per chunk too");
});

// ---------------------------------------------------------------------------
// DataLoader.loadAggBar({ download })

Deno.test("DataLoader.loadAggBar() without download throws MissingDataError naming the missing day", async () => {
  await using dir = await tempDir();
  const loader = new DataLoader({ dataDir: dir.path });
  try {
    const error = await rejection(
      loader.loadAggBar({ symbols: "BTCUSDT", start: START, days: 1 }),
    );
    assert.ok(error instanceof MissingDataError, String(error));
    assert.deepEqual(
      error.missing.map((m) => `${m.symbol} ${m.day}`),
      [`BTCUSDT ${START}`],
    );
    assert.match(error.message, new RegExp(`BTCUSDT ${START}`));
  } finally {
    await loader.close();
  }
});

Deno.test("DataLoader.loadAggBar() with download fetches the missing symbol-days first, then loads them", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  // One day is already there: only the others are fetched.
  await download(server, dir.path, { symbols: "BTCUSDT", days: 1 });
  server.reset();
  const loader = new DataLoader({ dataDir: dir.path });
  const request: LoadAggBarOptions = {
    symbols: ["BTCUSDT", "ETHUSDT"],
    start: START,
    days: 2,
    bar: { type: "time", intervalMs: 300_000 },
    buyerSeller: true,
  };
  try {
    const agg = await loader.loadAggBar({
      ...request,
      download: { baseUrl: server.url, retryDelayMs: 1 },
    });
    assert.equal(server.total(), 6, "3 symbol-days × (CHECKSUM + zip)");
    assert.equal(
      server.count((await dump("BTCUSDT", DAYS[0])).path),
      0,
      "the day present is not fetched again",
    );
    assertFramesEqual(
      agg.toPolars(),
      await bars(GEN, { ...request, cache: false }),
    );
    // Everything is present now: a second load requests nothing.
    server.reset();
    await loader.loadAggBar({
      ...request,
      download: { baseUrl: server.url, retryDelayMs: 1 },
    });
    assert.equal(server.total(), 0);
  } finally {
    await loader.close();
  }
});

Deno.test("DataLoader.loadAggBar() with download still throws MissingDataError for a day the server does not have, unless allowMissing", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const warnings: string[] = [];
  const loader = new DataLoader({
    dataDir: dir.path,
    onWarning: (m) => warnings.push(m),
  });
  const request: LoadAggBarOptions = {
    symbols: "BTCUSDT",
    start: DAYS[2],
    days: 2, // 2024-01-04 was never published
    download: { baseUrl: server.url, retryDelayMs: 1 },
  };
  try {
    const error = await rejection(loader.loadAggBar(request));
    assert.ok(error instanceof MissingDataError, String(error));
    assert.deepEqual(
      error.missing.map((m) => `${m.symbol} ${m.day}`),
      ["BTCUSDT 2024-01-04"],
    );
    const absent = binancePath(
      "futures_um",
      "aggTrades",
      "BTCUSDT",
      "2024-01-04",
    );
    assert.equal(server.count(`${absent}.CHECKSUM`), 1, "404 is not retried");

    const agg = await loader.loadAggBar({ ...request, allowMissing: true });
    assert.deepEqual(
      (agg.metadata as { missing?: { day: string }[] }).missing?.map((m) =>
        m.day
      ),
      ["2024-01-04"],
    );
    assert.ok(agg.length > 0);
    assert.ok(warnings.some((w) => w.includes("2024-01-04")));
  } finally {
    await loader.close();
  }
});

Deno.test("DataLoader.loadAggBar() with download throws DownloadError naming a day that fails", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  const bad = await dump("BTCUSDT", DAYS[0]);
  server.fault(bad.checksum, {
    body: new TextEncoder().encode(`${"f".repeat(64)}  x.zip\n`),
  });
  const loader = new DataLoader({ dataDir: dir.path });
  try {
    const error = await rejection(
      loader.loadAggBar({
        symbols: "BTCUSDT",
        start: START,
        days: 2,
        download: { baseUrl: server.url, retryDelayMs: 1 },
      }),
    );
    assert.ok(error instanceof DownloadError, String(error));
    assert.deepEqual(keys(error.failed), [`BTCUSDT ${DAYS[0]}`]);
    assert.match(error.message, /checksum/);
  } finally {
    await loader.close();
  }
});

Deno.test("downloadData() stops all its work before it rejects, even when onProgress throws", async () => {
  await using server = await startDumpServer(ROOT);
  await using dir = await tempDir();
  server.delayMs = 50;
  let thrown = false;
  const error = await rejection(download(server, dir.path, {
    onProgress: ({ done }) => {
      if (done === 1 && !thrown) {
        thrown = true;
        throw new Error("progress bar broke");
      }
    },
  }));
  assert.equal((error as Error).message, "progress bar broke");
  const atRejection = server.total();
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(
    server.total(),
    atRejection,
    "requests made after downloadData() rejected",
  );
  assert.deepEqual(
    (await walk(dir.path)).filter((p) => p.includes(".download-")),
    [],
  );
});
