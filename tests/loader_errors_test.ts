import assert from "node:assert/strict";
import { btcSample, rewrite } from "./_parquet.ts";
import {
  DataFileError,
  DataLoader,
  generateSample,
  InvalidArgumentError,
  type LoadAggBarOptions,
  MissingDataError,
} from "../mod.ts";

const START = Date.UTC(2024, 0, 1);
const RANGE_START = Date.UTC(2024, 0, 1, 13);
const RANGE_END = Date.UTC(2024, 0, 2, 12);
const opts = { sanitizeResources: false, sanitizeOps: false };
const FILE = (dir: string, symbol: string, day: string) =>
  `${dir}/market=futures_um/data_type=aggTrades/symbol=${symbol}/year=2024/month=01/day=${day}/data.parquet`;

const data = (async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-err-" });
  await generateSample({
    dataDir,
    symbols: ["BTCUSDT", "ETHUSDT"],
    start: START,
    days: 2,
    tradesPerDay: 1_000,
  });
  return dataDir;
})();

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) out.push(...await files(p));
      else out.push(p);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

/** Runs a load that must fail; checks the error class and message and that no cache file appeared. */
async function rejects(
  options: Partial<LoadAggBarOptions>,
  errorClass: new (...args: never[]) => Error,
  message: RegExp,
  dataDir?: string,
): Promise<Error> {
  const dir = dataDir ?? await data;
  const cacheDir = await Deno.makeTempDir();
  const loader = new DataLoader({ dataDir: dir, cacheDir });
  try {
    const error = await loader.loadAggBar({
      symbols: ["BTCUSDT"],
      start: START,
      days: 2,
      ...options,
    } as LoadAggBarOptions).then(() => undefined, (e) => e);
    assert.ok(
      error instanceof errorClass,
      `expected ${errorClass.name}, got ${error}`,
    );
    assert.match(error.message, message);
    assert.deepEqual(await files(cacheDir), [], "no cache file is left behind");
    return error;
  } finally {
    await loader.close();
  }
}

const cases: [string, Partial<LoadAggBarOptions>, RegExp][] = [
  [
    "an unknown exchange",
    { exchange: "mtgox" },
    /exchange: expected one of "binance", "bybit", got "mtgox"/,
  ],
  [
    "an unknown market",
    { market: "options" },
    /market: expected one of "spot", "futures_um", "futures_cm", got "options"/,
  ],
  [
    "an unknown data type",
    { dataType: "orderbook" as never },
    /dataType: expected one of .*"klines", "fundingRate", got "orderbook"/,
  ],
  [
    "an unknown bar type",
    { bar: { type: "renko" } as never },
    /bar: expected \{type: "time"/,
  ],
  [
    "an empty symbol list",
    { symbols: [] },
    /symbols: expected a symbol or a non-empty list/,
  ],
  [
    "an SQL-injection symbol",
    { symbols: ["BTC'); DROP TABLE x;--"] },
    /symbols\[0\]: expected an upper-case exchange symbol/,
  ],
  [
    "a path-traversal symbol",
    { symbols: "../etc" },
    /symbols\[0\]: expected an upper-case exchange symbol.*"\.\.\/etc"/,
  ],
  [
    "interval 0",
    { bar: { type: "time", intervalMs: 0 } },
    /bar\.intervalMs: expected a positive integer, got 0/,
  ],
  [
    "a negative interval",
    { bar: { type: "time", intervalMs: -60_000 } },
    /got -60000/,
  ],
  [
    "a fractional interval",
    { bar: { type: "time", intervalMs: 1.5 } },
    /got 1\.5/,
  ],
  ["a NaN interval", { bar: { type: "time", intervalMs: NaN } }, /got NaN/],
  [
    "a zero volume threshold",
    { bar: { type: "volume", volume: 0 } },
    /bar\.volume: expected a positive finite number/,
  ],
  [
    "start equal to end",
    { start: START, end: START, days: undefined },
    /start: expected start before end/,
  ],
  [
    "start after end",
    { start: START + 1, end: START, days: undefined },
    /start before end/,
  ],
  [
    "an unparseable start",
    { start: "yesterday" },
    /start: expected a Date, an ISO 8601 string or integer epoch milliseconds, got "yesterday"/,
  ],
  [
    "days without start or end",
    { start: undefined, days: 2 },
    /start\/end\/days: expected start and end, start and days, or end and days/,
  ],
  ["tick bars from klines", {
    dataType: "klines",
    bar: { type: "tick", ticks: 10 },
  }, /time bars whose intervalMs is a multiple of the kline interval/],
];
for (const [label, options, message] of cases) {
  Deno.test(
    `loadAggBar() rejects ${label} with InvalidArgumentError`,
    opts,
    async () => {
      await rejects(options, InvalidArgumentError, message);
    },
  );
}

Deno.test(
  "loadAggBar() names the missing symbol-days, and allowMissing loads what exists and reports the gaps",
  opts,
  async () => {
    const error = await rejects(
      { symbols: ["BTCUSDT", "DOGEUSDT"], days: 3 },
      MissingDataError,
      /no source file for 4 symbol-day\(s\): BTCUSDT 2024-01-03, DOGEUSDT 2024-01-01, DOGEUSDT 2024-01-02, DOGEUSDT 2024-01-03/,
    ) as MissingDataError;
    assert.equal(error.missing.length, 4);
    const warnings: string[] = [];
    const loader = new DataLoader({
      dataDir: await data,
      onWarning: (m) => warnings.push(m),
    });
    const agg = await loader.loadAggBar({
      symbols: ["BTCUSDT", "DOGEUSDT"],
      start: START,
      days: 3,
      allowMissing: true,
    });
    await loader.close();
    assert.deepEqual(agg.symbols, ["BTCUSDT"]);
    assert.ok(agg.length > 1_000);
    assert.deepEqual(
      agg.metadata.missing?.map((m) => `${m.symbol} ${m.day}`),
      [
        "BTCUSDT 2024-01-03",
        "DOGEUSDT 2024-01-01",
        "DOGEUSDT 2024-01-02",
        "DOGEUSDT 2024-01-03",
      ],
    );
    assert.equal(warnings.length, 1);
  },
);

Deno.test(
  "loadAggBar() rejects a Parquet file lacking a required column, naming file and column",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir();
    await generateSample({
      dataDir,
      symbols: ["BTCUSDT"],
      start: START,
      days: 2,
      tradesPerDay: 500,
    });
    const target = FILE(dataDir, "BTCUSDT", "02");
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    await con.run(
      `COPY (SELECT * EXCLUDE (price) FROM read_parquet('${target}')) TO '${target}.x' (FORMAT parquet)`,
    );
    con.closeSync();
    db.closeSync();
    await Deno.rename(`${target}.x`, target);
    const error = await rejects(
      {},
      DataFileError,
      /lacks required column 'price'/,
      dataDir,
    ) as DataFileError;
    assert.equal(error.file, target);
    assert.equal(error.column, "price");
  },
);

Deno.test(
  "loadAggBar() rejects a truncated Parquet file, naming the file",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir();
    await generateSample({
      dataDir,
      symbols: ["BTCUSDT"],
      start: START,
      days: 2,
      tradesPerDay: 500,
    });
    const target = FILE(dataDir, "BTCUSDT", "01");
    const bytes = await Deno.readFile(target);
    await Deno.writeFile(target, bytes.slice(0, 300));
    const error = await rejects(
      {},
      DataFileError,
      /is not a readable Parquet file/,
      dataDir,
    ) as DataFileError;
    assert.equal(error.file, target);
  },
);

async function loadRecords(
  dataDir: string,
  options: Partial<LoadAggBarOptions>,
  cacheDir?: string,
): Promise<Record<string, unknown>[]> {
  const loader = new DataLoader({
    dataDir,
    cacheDir: cacheDir ?? await Deno.makeTempDir(),
    onWarning: (m) => {
      throw new Error(`unexpected warning: ${m}`);
    },
  });
  try {
    const agg = await loader.loadAggBar({
      symbols: ["BTCUSDT"],
      start: START,
      days: 2,
      market: "futures_um",
      ...options,
    } as LoadAggBarOptions);
    return agg.toRecords();
  } finally {
    await loader.close();
  }
}

const MICROSECOND_CASES = [
  [
    "klines",
    "open_time * 1000 AS open_time, close_time * 1000 + 999 AS close_time",
  ],
  ["aggTrades", "transact_time * 1000 + 123 AS transact_time"],
  ["trades", "time * 1000 + 123 AS time"],
] as const;
for (const [dataType, times] of MICROSECOND_CASES) {
  Deno.test(
    `loadAggBar() reads futures ${dataType} with microsecond timestamps like the same rows in milliseconds`,
    opts,
    async () => {
      const { dataDir, files } = await btcSample(dataType, "futures_um", 2_000);
      const options = {
        dataType,
        bar: { type: "time", intervalMs: 300_000 },
      } as const;
      const millis = await loadRecords(dataDir, options);
      assert.ok(millis.length > 100);
      const columns = times.split(", ").map((c) => c.split(" AS ")[1]);
      await rewrite(
        files,
        `* EXCLUDE (${columns.join(", ")}), ${times}`,
      );
      assert.deepEqual(await loadRecords(dataDir, options), millis);
    },
  );
}

Deno.test(
  "loadAggBar() throws DataFileError naming the files and the times they hold when they yield no bars in the range",
  opts,
  async () => {
    const { dataDir, files } = await btcSample("aggTrades", "futures_um", 500);
    // Each day's trades all between 12:00 and 13:00; the range asks for
    // 13:00 to 12:00 the next day.
    await rewrite(
      files,
      "* EXCLUDE (transact_time), transact_time // 86400000 * 86400000 + 43200000 + transact_time % 3600000 AS transact_time",
    );
    for (
      const bar of [{ type: "time", intervalMs: 60_000 }, {
        type: "tick",
        ticks: 10,
      }] as const
    ) {
      const error = await rejects(
        {
          bar,
          cache: false,
          start: RANGE_START,
          end: RANGE_END,
          days: undefined,
        },
        DataFileError,
        /no bars for BTCUSDT in \[2024-01-01T13:00:00.000Z, 2024-01-02T12:00:00.000Z\): their 1\d\d\d row\(s\) have times from 2024-01-01T12:\S+ to 2024-01-02T12:\S+ \(read as epoch ms\); source files: .*day=01\/data.parquet, .*day=02\/data.parquet/,
        dataDir,
      ) as DataFileError;
      assert.equal(error.file, files[0]);
      // With the cache the same: the (empty) days cached do not hide it.
      const cacheDir = await Deno.makeTempDir();
      for (let i = 0; i < 2; i++) {
        await assert.rejects(
          () =>
            loadRecords(
              dataDir,
              { bar, start: RANGE_START, end: RANGE_END, days: undefined },
              cacheDir,
            ),
          (e) => e instanceof DataFileError && e.message === error.message,
        );
      }
    }
  },
);
