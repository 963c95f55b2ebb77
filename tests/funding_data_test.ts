/**
 * Funding rates as data: the synthetic generator, Binance Vision's monthly
 * `fundingRate` dumps served by a real HTTP server on 127.0.0.1, the loader's
 * `loadFunding`, and `withFunding` against a plain-loop reference.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import { AggBar } from "../src/aggbar.ts";
import { binance } from "../src/data/adapters/binance.ts";
import { downloadData } from "../src/data/download.ts";
import { withFunding } from "../src/data/funding.ts";
import { DataLoader } from "../src/data/loader.ts";
import {
  fundingIntervalHours,
  generateFundingSample,
  writeBinanceFundingZip,
} from "../src/data/sample_funding.ts";
import {
  DataFileError,
  InvalidArgumentError,
  MissingDataError,
} from "../src/errors.ts";
import { startDumpServer } from "./_dump_server.ts";
import { settlementFrame } from "./_factor_data.ts";

const H = 3_600_000;
const JAN = Date.UTC(2024, 0, 1);
const FEB = Date.UTC(2024, 1, 1);
const MAR = Date.UTC(2024, 2, 1);
/** LINKUSDT settles every 4 hours in the sample; the majors every 8. */
const SYMBOLS = ["BTCUSDT", "ETHUSDT", "LINKUSDT"];

async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "factorium-funding-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** The generated rows of a symbol-month, as plain objects. */
function generatedRows(dataDir: string, symbol: string, month: number) {
  return pl.readParquet(
    binance.filePath(dataDir, "futures_um", "fundingRate", symbol, month),
  ).toRecords().map((r) => ({
    symbol,
    funding_time: Number(r.calc_time),
    funding_interval_hours: Number(r.funding_interval_hours),
    funding_rate: r.last_funding_rate as number,
  }));
}

Deno.test("generateFundingSample() settles the majors at 00/08/16 UTC, some symbols every 4 hours, at rates mostly 1e-4 with regime changes", async () => {
  await using dir = await tempDir();
  const result = await generateFundingSample({
    dataDir: dir.path,
    symbols: SYMBOLS,
    start: "2024-01-15",
    months: 2,
  });
  assert.equal(result.files.length, 6);
  assert.equal(fundingIntervalHours("LINKUSDT"), 4);
  for (const symbol of SYMBOLS) {
    const hours = symbol === "LINKUSDT" ? 4 : 8;
    const rows = [
      ...generatedRows(dir.path, symbol, JAN),
      ...generatedRows(dir.path, symbol, FEB),
    ];
    assert.equal(rows.length, (31 + 29) * 24 / hours, symbol);
    rows.forEach((row, i) => {
      assert.equal(row.funding_time, JAN + i * hours * H);
      assert.equal(row.funding_interval_hours, hours);
      assert.ok(Math.abs(row.funding_rate) <= 0.0075);
      assert.equal(row.funding_rate, Math.round(row.funding_rate * 1e8) / 1e8);
    });
    if (hours === 8) {
      assert.deepEqual(
        [...new Set(rows.map((r) => new Date(r.funding_time).getUTCHours()))],
        [0, 8, 16],
      );
    }
  }
  const rates = SYMBOLS.flatMap((s) =>
    [JAN, FEB].flatMap((m) => generatedRows(dir.path, s, m))
  ).filter((r) => r.funding_interval_hours === 8).map((r) => r.funding_rate);
  const base = rates.filter((r) => r === 1e-4).length / rates.length;
  assert.ok(base > 0.2 && base < 0.7, `share at exactly 1e-4: ${base}`);
  assert.ok(rates.some((r) => r < 0), "a regime where shorts pay");
  assert.ok(rates.some((r) => r > 2.5e-4), "a regime of crowded longs");
  // The same seed gives the same month whether generated alone or not.
  await using again = await tempDir();
  await generateFundingSample({
    dataDir: again.path,
    symbols: "ETHUSDT",
    start: "2024-02-01",
  });
  assert.deepEqual(
    generatedRows(again.path, "ETHUSDT", FEB),
    generatedRows(dir.path, "ETHUSDT", FEB),
  );
});

Deno.test("downloadData() fetches monthly fundingRate dumps into one file per symbol-month, and loadFunding() reads exactly the settlements in range", async () => {
  await using gen = await tempDir();
  await using served = await tempDir();
  await using data = await tempDir();
  await generateFundingSample({
    dataDir: gen.path,
    symbols: SYMBOLS,
    start: "2024-01-01",
    months: 2,
  });
  for (const symbol of SYMBOLS) {
    for (const month of [JAN, FEB]) {
      const url = new URL(
        binance.downloadUrl(
          "futures_um",
          "fundingRate",
          symbol,
          month,
          "http://x.invalid",
        ),
      );
      await writeBinanceFundingZip({
        dataDir: gen.path,
        symbol,
        month,
        outDir: join(served.path, dirname(url.pathname)),
      });
    }
  }
  await using server = await startDumpServer(served.path);
  const report = await downloadData({
    dataDir: data.path,
    symbols: SYMBOLS,
    start: "2024-01-31",
    end: "2024-02-02",
    dataType: "fundingRate",
    baseUrl: server.url,
  });
  assert.deepEqual(
    report.fetched.map((f) => `${f.symbol} ${f.day}`),
    SYMBOLS.flatMap((s) => [`${s} 2024-01`, `${s} 2024-02`]),
  );
  assert.equal(report.failed.length, 0);
  assert.equal(
    server.count(
      "/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip.CHECKSUM",
    ),
    1,
  );
  for (const symbol of SYMBOLS) {
    for (const month of [JAN, FEB]) {
      const path = binance.filePath(
        data.path,
        "futures_um",
        "fundingRate",
        symbol,
        month,
      );
      assert.match(path, /month=0[12]\/data\.parquet$/);
      assert.deepEqual(
        generatedRows(data.path, symbol, month),
        generatedRows(gen.path, symbol, month),
      );
    }
  }
  const loader = new DataLoader({ dataDir: data.path });
  const start = Date.UTC(2024, 0, 31, 8); // a settlement time: included
  const end = Date.UTC(2024, 1, 1, 16); // a settlement time: excluded
  const funding = await loader.loadFunding({ symbols: SYMBOLS, start, end });
  const expected = SYMBOLS.flatMap((s) =>
    [JAN, FEB].flatMap((m) => generatedRows(gen.path, s, m))
  ).filter((r) => r.funding_time >= start && r.funding_time < end)
    .sort((a, b) =>
      a.funding_time - b.funding_time || a.symbol.localeCompare(b.symbol)
    );
  assert.deepEqual(funding.columns, [
    "symbol",
    "funding_time",
    "funding_interval_hours",
    "funding_rate",
  ]);
  assert.deepEqual(
    funding.dtypes.map((t) => t.variant),
    ["String", "Int64", "Int64", "Float64"],
  );
  assert.deepEqual(
    funding.toRecords().map((r) => ({
      ...r,
      funding_time: Number(r.funding_time),
      funding_interval_hours: Number(r.funding_interval_hours),
    })),
    expected,
  );
  assert.equal(expected.length, 2 * 4 + 8); // 32 hours: two 8-hour symbols, one 4-hour
  await loader.close();
});

Deno.test("loadFunding() names a missing symbol-month, loads what exists with allowMissing, and downloads it with download", async () => {
  await using gen = await tempDir();
  await using served = await tempDir();
  await generateFundingSample({
    dataDir: gen.path,
    symbols: ["BTCUSDT"],
    start: "2024-02-01",
  });
  const url = new URL(
    binance.downloadUrl(
      "futures_um",
      "fundingRate",
      "BTCUSDT",
      FEB,
      "http://x",
    ),
  );
  await writeBinanceFundingZip({
    dataDir: gen.path,
    symbol: "BTCUSDT",
    month: "2024-02-01",
    outDir: join(served.path, dirname(url.pathname)),
  });
  await using data = await tempDir();
  await generateFundingSample({
    dataDir: data.path,
    symbols: ["BTCUSDT"],
    start: "2024-01-01",
  });
  const warnings: string[] = [];
  const loader = new DataLoader({
    dataDir: data.path,
    onWarning: (m) => warnings.push(m),
  });
  const range = { symbols: "BTCUSDT", start: JAN, end: MAR };
  await assert.rejects(
    () => loader.loadFunding(range),
    (error: unknown) =>
      error instanceof MissingDataError &&
      error.missing.length === 1 && error.missing[0].day === "2024-02" &&
      error.message.includes("BTCUSDT 2024-02"),
  );
  const partial = await loader.loadFunding({ ...range, allowMissing: true });
  assert.equal(partial.height, 93);
  assert.match(warnings[0], /BTCUSDT 2024-02.*allowMissing/);
  await using server = await startDumpServer(served.path);
  const whole = await loader.loadFunding({
    ...range,
    download: { baseUrl: server.url },
  });
  assert.equal(whole.height, 93 + 87);
  await assert.rejects(
    () => loader.loadFunding({ ...range, dataType: "aggTrades" } as never),
    InvalidArgumentError,
  );
  await assert.rejects(
    () =>
      loader.loadAggBar({
        symbols: "BTCUSDT",
        start: JAN,
        days: 1,
        dataType: "fundingRate",
      }),
    (error: unknown) =>
      error instanceof InvalidArgumentError &&
      error.message.includes("loadFunding"),
  );
  await assert.rejects(
    () =>
      loader.loadFunding({
        symbols: "BTCUSDT",
        start: JAN,
        days: 1,
        market: "spot",
      }),
    InvalidArgumentError,
  );
  await loader.close();
});

Deno.test("loadFunding() rejects a file with a missing rate, naming the file, the row and the column", async () => {
  await using data = await tempDir();
  const path = binance.filePath(
    data.path,
    "futures_um",
    "fundingRate",
    "BTCUSDT",
    JAN,
  );
  await Deno.mkdir(dirname(path), { recursive: true });
  pl.DataFrame([
    pl.Series(
      "calc_time",
      BigInt64Array.from([BigInt(JAN), BigInt(JAN + 8 * H)]),
      pl.Int64,
    ),
    pl.Series("funding_interval_hours", BigInt64Array.from([8n, 8n]), pl.Int64),
    pl.Series("last_funding_rate", [1e-4, null], pl.Float64),
  ]).writeParquet(path);
  const loader = new DataLoader({ dataDir: data.path });
  await assert.rejects(
    () => loader.loadFunding({ symbols: "BTCUSDT", start: JAN, days: 1 }),
    (error: unknown) =>
      error instanceof DataFileError && error.file === path &&
      error.column === "last_funding_rate" && /row 2/.test(error.message),
  );
});

/**
 * The reference for withFunding: per bar, the sum of its symbol's rates
 * settled in [start_time, end_time) (null when none), and the rate of the
 * latest settlement before end_time (null when none).
 */
function fundingReference(
  bars: { symbol: string; start_time: number; end_time: number }[],
  settlements: { symbol: string; funding_time: number; funding_rate: number }[],
) {
  return bars.map((bar) => {
    let sum: number | null = null;
    let last: { t: number; rate: number } | null = null;
    for (const s of settlements) {
      if (s.symbol !== bar.symbol) continue;
      if (s.funding_time >= bar.start_time && s.funding_time < bar.end_time) {
        sum = (sum ?? 0) + s.funding_rate;
      }
      if (s.funding_time < bar.end_time && (!last || s.funding_time > last.t)) {
        last = { t: s.funding_time, rate: s.funding_rate };
      }
    }
    return { funding_rate: sum, last_funding_rate: last?.rate ?? null };
  });
}

Deno.test("withFunding() puts each settlement in the bar that starts at or before it and ends after it, and the last known rate on every later bar", () => {
  // 3-hour bars: A settles every 4 hours (inside bars and on their edges),
  // B has a gap (no bar 06:00-09:00) holding its 08:00 settlement, C none.
  const bars: {
    symbol: string;
    start_time: number;
    end_time: number;
    close: number;
  }[] = [];
  for (const symbol of ["A", "B", "C"]) {
    for (let i = 0; i < 8; i++) {
      if (symbol === "B" && i === 2) continue;
      bars.push({
        symbol,
        start_time: i * 3 * H,
        end_time: (i + 1) * 3 * H,
        close: 1,
      });
    }
  }
  const settlements = [
    ...[0, 4, 8, 12, 16, 20].map((h, k) => ({
      symbol: "A",
      funding_time: h * H,
      funding_rate: 1e-4 * (k + 1),
    })),
    ...[0, 8, 16].map((h, k) => ({
      symbol: "B",
      funding_time: h * H,
      funding_rate: -2e-4 * (k + 1),
    })),
    // 2 ms after the hour, as some real calc_times are; and a symbol the bars lack.
    { symbol: "B", funding_time: 16 * H + 2, funding_rate: 3e-5 },
    { symbol: "Z", funding_time: 0, funding_rate: 1 },
  ].sort((a, b) => a.funding_time - b.funding_time);
  const funding = settlementFrame(settlements);
  const agg = withFunding(AggBar.fromRecords(bars), funding);
  const got = agg.toRecords();
  const ordered = [...bars].sort((a, b) =>
    a.end_time - b.end_time || a.symbol.localeCompare(b.symbol)
  );
  assert.deepEqual(
    got.map((r) => ({
      funding_rate: r.funding_rate,
      last_funding_rate: r.last_funding_rate,
    })),
    fundingReference(ordered, settlements),
  );
  // The edge case spelled out: A's 12:00 settlement is in the bar 12:00-15:00.
  const a12 = got.find((r) => r.symbol === "A" && r.start_time === 12 * H)!;
  assert.equal(a12.funding_rate, 4e-4);
  assert.ok(got.every((r) => r.symbol !== "C" || r.funding_rate === null));
  // Usable in a factor: the trailing mean of the last known rate.
  assert.ok(agg.cols.includes("last_funding_rate"));
  assert.throws(() => withFunding(agg, funding), InvalidArgumentError);
  assert.throws(
    () => withFunding(AggBar.fromRecords(bars), funding.drop("funding_rate")),
    /missing 'funding_rate'/,
  );
});
