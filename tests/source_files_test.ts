import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  DataFileError,
  DataLoader,
  generateSample,
  type LoadAggBarOptions,
} from "../mod.ts";
import { btcSample, rewrite } from "./_parquet.ts";
import {
  listParquet,
  readAggTrades,
  type RefBar,
  referenceBars,
  type Ticks,
} from "./_reference.ts";

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const opts = { sanitizeResources: false, sanitizeOps: false };
type DataType = "aggTrades" | "trades" | "klines";

/** Loads BTCUSDT over the two sample days; warnings are collected. */
async function load(
  dataDir: string,
  options: Partial<LoadAggBarOptions> = {},
): Promise<
  { records: Record<string, unknown>[]; warnings: string[] } & {
    metadata: Record<string, unknown>;
  }
> {
  const warnings: string[] = [];
  const loader = new DataLoader({
    dataDir,
    cacheDir: await Deno.makeTempDir(),
    onWarning: (m) => warnings.push(m),
  });
  try {
    const agg = await loader.loadAggBar({
      symbols: "BTCUSDT",
      start: START,
      days: 2,
      buyerSeller: options.dataType !== "klines",
      ...options,
    } as LoadAggBarOptions);
    return {
      records: agg.toRecords(),
      warnings,
      metadata: agg.metadata as unknown as Record<string, unknown>,
    };
  } finally {
    await loader.close();
  }
}

/** A new data folder holding copies of `files` (of `dataDir`) at their places. */
async function copyOf(dataDir: string, files: string[]): Promise<string> {
  const clean = await Deno.makeTempDir();
  for (const file of files) {
    const copy = file.replace(dataDir, clean);
    await Deno.mkdir(copy.slice(0, copy.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(file, copy);
  }
  return clean;
}

/** The error a load raises (asserting it raises one). */
async function failure(
  dataDir: string,
  options: Partial<LoadAggBarOptions> = {},
): Promise<Error> {
  const error = await load(dataDir, options).then(() => undefined, (e) => e);
  assert.ok(error instanceof Error, "the load must fail");
  return error;
}

const BARS = [
  { type: "time", intervalMs: 60_000 },
  { type: "tick", ticks: 10 },
] as const;

const TYPE_CASES: [string, string, string, RegExp][] = [
  [
    "a VARCHAR price holding 'abc'",
    "price",
    "CASE WHEN agg_trade_id % 97 = 3 THEN 'abc' ELSE CAST(price AS VARCHAR) END",
    /column 'price' is TEXT; expected a number/,
  ],
  [
    "a text trade id 'id123'",
    "agg_trade_id",
    "CASE WHEN agg_trade_id % 97 = 3 THEN 'id123' ELSE CAST(agg_trade_id AS VARCHAR) END",
    /column 'agg_trade_id' is TEXT; expected an integer/,
  ],
  [
    "an is_buyer_maker of text 'maybe'",
    "is_buyer_maker",
    "CASE WHEN agg_trade_id % 97 = 3 THEN 'maybe' ELSE CAST(is_buyer_maker AS VARCHAR) END",
    /column 'is_buyer_maker' is TEXT; expected BOOLEAN/,
  ],
  [
    "a LIST price",
    "price",
    "[price]",
    /column 'price' is LIST; expected a number/,
  ],
  [
    "a STRUCT price",
    "price",
    "{'value': price}",
    /column 'price' is STRUCT; expected a number/,
  ],
  [
    "a TIMESTAMP transact_time",
    "transact_time",
    "make_timestamp(transact_time * 1000)",
    /column 'transact_time' is TIMESTAMP; expected epoch time as a number/,
  ],
  [
    "an ISO-text transact_time",
    "transact_time",
    "strftime(make_timestamp(transact_time * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')",
    /column 'transact_time' is TEXT; expected epoch time as a number/,
  ],
  [
    "a BOOLEAN quantity",
    "quantity",
    "quantity > 1",
    /column 'quantity' is BOOLEAN; expected a number/,
  ],
];
for (const [label, column, expression, message] of TYPE_CASES) {
  Deno.test(
    `loadAggBar() rejects a source file with ${label} as DataFileError naming the file, the column, the type found and the type expected`,
    opts,
    async () => {
      const { dataDir, files } = await btcSample();
      // Only the second day's file is bad: the error must name it.
      await rewrite([files[1]], `* REPLACE (${expression} AS ${column})`);
      for (const bar of BARS) {
        for (const cache of [true, false]) {
          const error = await failure(dataDir, { bar, cache });
          assert.ok(error instanceof DataFileError, String(error));
          assert.equal(error.file, files[1]);
          assert.equal(error.column, column);
          assert.match(error.message, message);
        }
      }
    },
  );
}

Deno.test(
  "loadAggBar() rejects a Parquet file with a zeroed data page as DataFileError naming that file",
  opts,
  async () => {
    const { dataDir, files } = await btcSample(
      "aggTrades",
      "futures_um",
      5_000,
    );
    const bytes = await Deno.readFile(files[1]);
    bytes.fill(
      0,
      Math.floor(bytes.length * 0.3),
      Math.floor(bytes.length * 0.6),
    );
    await Deno.writeFile(files[1], bytes);
    for (const bar of BARS) {
      const error = await failure(dataDir, { bar });
      assert.ok(error instanceof DataFileError, String(error));
      assert.equal(error.file, files[1]);
      assert.match(error.message, /cannot be read \(.*Failed to read file/);
    }
  },
);

/** Bars of the reference for the ticks of `files`. */
function reference(
  ticks: Ticks,
  bar: (typeof BARS)[number],
): RefBar[] {
  return referenceBars(ticks, bar, { start: START, end: START + 2 * DAY });
}

/** The integer columns of bars, to compare exactly. */
function counts(bars: Record<string, unknown>[]) {
  return bars.map((b) => [
    b.start_time,
    b.trades,
    b.num_buyer,
    b.num_seller,
  ]);
}

Deno.test(
  "loadAggBar() counts a trade whose is_buyer_maker is NULL in neither side: num_buyer and num_seller stay integers and add up to the trades with a known side",
  opts,
  async () => {
    const { dataDir, files } = await btcSample();
    await rewrite(
      files,
      "* REPLACE (CASE WHEN agg_trade_id % 5 = 2 THEN NULL ELSE is_buyer_maker END AS is_buyer_maker)",
    );
    const ticks = readAggTrades(listParquet(dataDir));
    const unknown = ticks.isBuyerMaker.filter((s) => s === null).length;
    assert.ok(unknown > 100, "the test needs trades of unknown side");
    for (const bar of BARS) {
      const expected = reference(ticks, bar);
      for (const cache of [true, false]) {
        const { records } = await load(dataDir, { bar, cache });
        assert.deepEqual(counts(records), counts(expected as never));
        for (const b of records) {
          assert.ok(
            Number.isInteger(b.num_buyer) && Number.isInteger(b.num_seller),
          );
        }
        const sides = records.reduce(
          (n, b) => n + (b.num_buyer as number) + (b.num_seller as number),
          0,
        );
        assert.equal(sides, ticks.id.length - unknown);
      }
    }
  },
);

for (
  const [label, expression] of [["NaN prices", "price"], [
    "infinite quantities",
    "quantity",
  ]]
) {
  Deno.test(
    `loadAggBar() rejects ${label} as DataFileError naming the file and the row count, and onBadRows: "drop" leaves them out with one warning and metadata.droppedRows`,
    opts,
    async () => {
      const { dataDir, files } = await btcSample();
      const bad = expression === "price" ? "'nan'::DOUBLE" : "'-inf'::DOUBLE";
      const isBad = "agg_trade_id % 100 = 7";
      const dropped = readAggTrades([files[1]]).id.filter((id) =>
        id % 100 === 7
      )
        .length;
      // The same files without the bad rows: what "drop" must give.
      const clean = await copyOf(dataDir, files);
      await rewrite([files[1].replace(dataDir, clean)], "*", `NOT (${isBad})`);
      await rewrite(
        [files[1]],
        `* REPLACE (CASE WHEN ${isBad} THEN ${bad} ELSE ${expression} END AS ${expression})`,
      );
      assert.ok(dropped > 3);
      for (const bar of BARS) {
        for (const cache of [true, false]) {
          const error = await failure(dataDir, { bar, cache });
          assert.ok(error instanceof DataFileError, String(error));
          assert.equal(error.file, files[1]);
          assert.match(
            error.message,
            new RegExp(
              `${dropped} row\\(s\\) have a NaN or infinite 'price' or 'quantity'.*onBadRows: "drop"`,
            ),
          );
          const kept = await load(dataDir, { bar, cache, onBadRows: "drop" });
          const want = await load(clean, { bar, cache });
          assert.deepEqual(kept.records, want.records);
          assert.equal(kept.metadata.droppedRows, dropped);
          assert.equal(kept.warnings.length, 1);
          assert.match(
            kept.warnings[0],
            new RegExp(`dropped ${dropped} source row`),
          );
          assert.equal(want.metadata.droppedRows, undefined);
        }
      }
    },
  );
}

const TIME_COLUMNS: Record<DataType, string[]> = {
  aggTrades: ["transact_time"],
  trades: ["time"],
  klines: ["open_time", "close_time"],
};
const UNIT_CASES = [
  ["aggTrades", "futures_um"],
  ["aggTrades", "spot"],
  ["trades", "futures_um"],
  ["trades", "spot"],
  ["klines", "futures_um"],
] as const;
for (const [dataType, market] of UNIT_CASES) {
  Deno.test(
    `loadAggBar() reads ${market} ${dataType} with timestamps in seconds, microseconds or nanoseconds like the same times in milliseconds`,
    opts,
    async () => {
      const { dataDir, files } = await btcSample(dataType, market);
      const columns = TIME_COLUMNS[dataType];
      const retime = (expression: string) =>
        rewrite(
          files,
          `* REPLACE (${
            columns.map((c) => `${expression.replaceAll("t", c)} AS ${c}`)
              .join(", ")
          })`,
        );
      // Whole seconds in ms (spot samples are in µs), so that every unit
      // holds the same instants.
      await retime(
        "(CASE WHEN t >= 1e14 THEN t // 1000 ELSE t END) // 1000 * 1000",
      );
      const options = {
        market,
        dataType,
        bar: { type: "time", intervalMs: 300_000 },
      } as const;
      const millis = (await load(dataDir, options)).records;
      assert.ok(millis.length > 100);
      for (
        const [unit, expression] of [["s", "t // 1000"], ["µs", "t * 1000"], [
          "ns",
          "t * 1000",
        ]]
      ) {
        await retime(expression);
        assert.deepEqual(
          (await load(dataDir, options)).records,
          millis,
          `times in ${unit}`,
        );
        if (unit === "s") await retime("t * 1000");
      }
    },
  );
}

Deno.test(
  "loadAggBar() rejects a file whose times leave its own Hive day as DataFileError instead of dropping the rows outside the range",
  opts,
  async () => {
    const { dataDir, files } = await btcSample();
    // Day 2's trades shifted by 12 hours: half of them fall on day 3.
    await rewrite(
      [files[1]],
      "* REPLACE (transact_time + 43200000 AS transact_time)",
    );
    for (const bar of BARS) {
      for (const cache of [true, false]) {
        const error = await failure(dataDir, { bar, cache });
        assert.ok(error instanceof DataFileError, String(error));
        assert.equal(error.file, files[1]);
        assert.equal(error.column, "transact_time");
        assert.match(
          error.message,
          /holds times from 2024-01-02T12:\S+ to 2024-01-03T\S+ .* outside the file's own day 2024-01-02/,
        );
      }
    }
  },
);

Deno.test(
  "loadAggBar() gives the same bars on every load of files with repeated trade ids, ordering ties by time, then file and row, for tick and time bars",
  opts,
  async () => {
    const { dataDir, files } = await btcSample(
      "aggTrades",
      "futures_um",
      3_000,
    );
    // Every trade id twice, the copy at another price; a third of the
    // times cut to the second, so (id, time) order breaks and ties remain.
    await rewrite(
      files,
      "agg_trade_id // 2 AS agg_trade_id, * EXCLUDE (agg_trade_id) REPLACE (CASE WHEN agg_trade_id % 3 = 0 THEN transact_time // 1000 * 1000 ELSE transact_time END AS transact_time)",
    );
    const ticks = readAggTrades(listParquet(dataDir));
    assert.ok(new Set(ticks.id).size < ticks.id.length * 0.6);
    for (const bar of BARS) {
      const expected = reference(ticks, bar);
      for (const cache of [false, true]) {
        const loads = [];
        for (let i = 0; i < 6; i++) {
          loads.push((await load(dataDir, { bar, cache })).records);
        }
        const exact = (bars: Record<string, unknown>[]) =>
          bars.map((b) => [b.start_time, b.trades, b.high, b.low, b.num_buyer]);
        for (const records of loads) {
          assert.deepEqual(exact(records), exact(expected as never));
        }
        const ends = (bars: Record<string, unknown>[]) =>
          bars.map((b) => [b.open, b.close, b.volume, b.vwap]);
        for (const records of loads) {
          assert.deepEqual(
            ends(records),
            ends(loads[0]),
            "six loads, one result",
          );
        }
        assert.deepEqual(
          loads[0].map((b) => [b.open, b.close]),
          expected.map((b) => [b.open, b.close]),
        );
      }
    }
  },
);

Deno.test(
  "loadAggBar() orders klines that repeat an open time by file and row: a bar opens on the first copy and closes on the last, on every load",
  opts,
  async () => {
    const { dataDir, files } = await btcSample("klines");
    const clean = await copyOf(dataDir, files);
    // Every kline followed by a copy 1 higher at open and close.
    for (const file of files) {
      await rewrite(
        [file],
        "*",
        `true UNION ALL SELECT * REPLACE (open + 1 AS open, close + 1 AS close) FROM read_parquet('${file}')`,
      );
    }
    for (const intervalMs of [60_000, 300_000]) {
      const bar = { type: "time", intervalMs } as const;
      for (const cache of [true, false]) {
        const options = { bar, cache, dataType: "klines" } as const;
        const want = (await load(clean, options)).records;
        for (let i = 0; i < 3; i++) {
          const { records } = await load(dataDir, options);
          assert.deepEqual(
            records.map((b) => [b.start_time, b.open, b.close]),
            want.map((b) => [
              b.start_time,
              b.open,
              (b.close as number) + 1,
            ]),
          );
        }
      }
    }
  },
);

Deno.test(
  "loadAggBar() rebuilds cached bars when a source file is rewritten at the same size with its mtime restored",
  opts,
  async () => {
    const { dataDir, files } = await btcSample();
    const cacheDir = await Deno.makeTempDir();
    const loadCached = async () => {
      const loader = new DataLoader({ dataDir, cacheDir });
      try {
        return (await loader.loadAggBar({
          symbols: "BTCUSDT",
          start: START,
          days: 2,
        }))
          .toRecords();
      } finally {
        await loader.close();
      }
    };
    // Uncompressed, prices scaled by 2 keep every encoded width: the same
    // file size.
    const uncompressed = "FORMAT parquet, COMPRESSION uncompressed";
    await rewrite([files[1]], "*", "true", uncompressed);
    const before = await loadCached();
    const { size, mtime } = await Deno.stat(files[1]);
    await rewrite(
      [files[1]],
      "* REPLACE (price * 2 AS price)",
      "true",
      uncompressed,
    );
    await Deno.utime(files[1], mtime!, mtime!);
    const after = await Deno.stat(files[1]);
    assert.equal(after.size, size, "the rewrite must keep the size");
    assert.equal(after.mtime!.getTime(), mtime!.getTime());
    const reloaded = await loadCached();
    assert.notDeepEqual(reloaded, before);
    assert.deepEqual(
      reloaded,
      (await load(dataDir)).records.map((b) => {
        const {
          num_buyer: _,
          num_seller: __,
          num_buyer_volume: ___,
          num_seller_volume: ____,
          ...rest
        } = b;
        return rest;
      }),
    );
  },
);

Deno.test(
  "a bar per trade (tick: 1) loads in a process whose V8 heap is 48 MiB: finished bars go to Polars in chunks",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-tick1-" });
    const { files } = await generateSample({
      dataDir,
      symbols: ["BTCUSDT"],
      start: START,
      days: 1,
      tradesPerDay: 400_000,
    });
    const out = await Deno.makeTempDir();
    const request = {
      symbols: "BTCUSDT",
      start: START,
      days: 1,
      bar: { type: "tick", ticks: 1 },
      buyerSeller: true,
      cache: false,
    };
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        "--v8-flags=--max-old-space-size=48",
        new URL("./_load_worker.ts", import.meta.url).pathname,
        dataDir,
        await Deno.makeTempDir(),
        out,
        "0",
        "1",
        JSON.stringify(request),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr.slice(-2_000));
    assert.equal(stderr, "");
    const { default: pl } = await import("nodejs-polars");
    const bars = pl.readParquet(`${out}/0-0.parquet`);
    const ticks = readAggTrades(files);
    const expected = referenceBars(ticks, { type: "tick", ticks: 1 }, {
      start: START,
      end: START + DAY,
    });
    assert.equal(bars.height, ticks.id.length);
    const column = (name: string) =>
      [...bars.getColumn(name).toArray()].map(Number);
    for (
      const name of ["start_time", "close", "volume", "num_buyer"] as const
    ) {
      assert.deepEqual(column(name), expected.map((b) => b[name]), name);
    }
  },
);

Deno.test(
  'loadAggBar() rejects klines with a NaN close or an infinite volume as DataFileError naming the file and the row count, and onBadRows: "drop" leaves those klines out',
  opts,
  async () => {
    const { dataDir, files } = await btcSample("klines");
    // The 8th and 301st klines of the second day: a NaN close, an infinite
    // volume (the sample's klines skip minutes without trades).
    const times = pl.readParquet(files[1]).getColumn("open_time").toArray();
    const nanClose = `open_time = ${times[7]}`;
    const infVolume = `open_time = ${times[300]}`;
    const clean = await copyOf(dataDir, files);
    await rewrite(
      [files[1].replace(dataDir, clean)],
      "*",
      `NOT (${nanClose} OR ${infVolume})`,
    );
    await rewrite(
      [files[1]],
      `* REPLACE (CASE WHEN ${nanClose} THEN 'nan'::DOUBLE ELSE close END AS close, CASE WHEN ${infVolume} THEN 'inf'::DOUBLE ELSE volume END AS volume)`,
    );
    for (const intervalMs of [60_000, 300_000]) {
      const bar = { type: "time", intervalMs } as const;
      for (const cache of [true, false]) {
        const options = { bar, cache, dataType: "klines" } as const;
        const error = await failure(dataDir, options);
        assert.ok(error instanceof DataFileError, String(error));
        assert.equal(error.file, files[1]);
        assert.match(
          error.message,
          /2 row\(s\) have a NaN or infinite 'open' or .*'close'.*onBadRows: "drop"/,
        );
        const kept = await load(dataDir, { ...options, onBadRows: "drop" });
        const want = await load(clean, options);
        assert.deepEqual(kept.records, want.records);
        assert.equal(kept.metadata.droppedRows, 2);
        assert.ok(
          kept.records.every((b) => Number.isFinite(b.close as number)),
        );
      }
    }
  },
);
