/**
 * Tests of the seeded Binance sample generator, the Binance Vision zip
 * writer and the Bybit trade-dump writer in `src/data/sample.ts`. Every DuckDB instance and connection is
 * closed with `closeSync()`, so Deno's resource and op sanitizers stay on.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  generateSample,
  type SampleDataType,
  type SampleMarket,
  writeBinanceZip,
  writeBybitCsvGz,
} from "../src/data/sample.ts";

const DAY_MS = 86_400_000;
const DAY1 = Date.UTC(2024, 0, 1);
const FAST = { tradesPerDay: 3_000 };

function filePath(
  dataDir: string,
  market: SampleMarket,
  dataType: SampleDataType,
  symbol: string,
  day: string,
): string {
  const [y, m, d] = day.split("-");
  return join(
    dataDir,
    `market=${market}`,
    `data_type=${dataType}`,
    `symbol=${symbol}`,
    `year=${y}`,
    `month=${m}`,
    `day=${d}`,
    "data.parquet",
  );
}

/** Column names and DuckDB types of a Parquet file, and its compression. */
async function schemaOf(
  file: string,
): Promise<{ columns: string[]; compression: string[] }> {
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    try {
      const described = await connection.runAndReadAll(
        "DESCRIBE SELECT * FROM read_parquet($file, hive_partitioning = false)",
        { file },
      );
      const meta = await connection.runAndReadAll(
        "SELECT DISTINCT compression FROM parquet_metadata($file)",
        { file },
      );
      return {
        columns: described.getRowObjectsJS().map((r) =>
          `${r.column_name} ${r.column_type}`
        ),
        compression: meta.getRowObjectsJS().map((r) => String(r.compression)),
      };
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

type Row = Record<string, number | boolean>;

function readRows(file: string): Row[] {
  return pl.readParquet(file).toRecords() as Row[];
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await listFiles(path));
    else out.push(path);
  }
  return out.sort();
}

const AGG_COLUMNS = [
  "agg_trade_id BIGINT",
  "price DOUBLE",
  "quantity DOUBLE",
  "first_trade_id BIGINT",
  "last_trade_id BIGINT",
  "transact_time BIGINT",
  "is_buyer_maker BOOLEAN",
];
const TRADE_COLUMNS = [
  "id BIGINT",
  "price DOUBLE",
  "qty DOUBLE",
  "quote_qty DOUBLE",
  "time BIGINT",
  "is_buyer_maker BOOLEAN",
];
const KLINE_COLUMNS = [
  "open_time BIGINT",
  "open DOUBLE",
  "high DOUBLE",
  "low DOUBLE",
  "close DOUBLE",
  "volume DOUBLE",
  "close_time BIGINT",
  "quote_volume DOUBLE",
  "count BIGINT",
  "taker_buy_volume DOUBLE",
  "taker_buy_quote_volume DOUBLE",
  "ignore BIGINT",
];

Deno.test("generateSample writes one zstd Parquet file per symbol-day in the hive layout with Binance's columns", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const cases: [SampleMarket, SampleDataType, string[]][] = [
      ["futures_um", "aggTrades", AGG_COLUMNS],
      ["spot", "aggTrades", [...AGG_COLUMNS, "is_best_match BOOLEAN"]],
      ["futures_um", "trades", TRADE_COLUMNS],
      ["spot", "trades", [...TRADE_COLUMNS, "is_best_match BOOLEAN"]],
      ["futures_um", "klines", KLINE_COLUMNS],
      ["spot", "klines", KLINE_COLUMNS],
      ["futures_cm", "aggTrades", AGG_COLUMNS],
    ];
    for (const [market, dataType, columns] of cases) {
      const result = await generateSample({
        dataDir,
        symbols: ["BTCUSDT", "XRPUSDT"],
        days: 2,
        market,
        dataType,
        ...FAST,
      });
      const expected = ["BTCUSDT", "XRPUSDT"].flatMap((s) =>
        ["2024-01-01", "2024-01-02"].map((d) =>
          filePath(dataDir, market, dataType, s, d)
        )
      );
      assert.deepEqual(result.files, expected);
      assert.equal(result.written, 4);
      assert.equal(result.skipped, 0);
      for (const file of expected) {
        const schema = await schemaOf(file);
        assert.deepEqual(schema.columns, columns, `${market}/${dataType}`);
        assert.deepEqual(schema.compression, ["ZSTD"]);
      }
      const rows = expected.reduce((n, f) => n + readRows(f).length, 0);
      assert.equal(result.rows, rows);
    }
    const all = await listFiles(dataDir);
    assert.ok(all.every((f) => f.endsWith("/data.parquet")), "no temp files");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("generateSample leaves existing files alone unless overwrite is true", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const options = { dataDir, symbols: ["ETHUSDT"], days: 2, ...FAST };
    const first = await generateSample(options);
    assert.equal(first.written, 2);
    const bytes = await Deno.readFile(first.files[0]);
    await Deno.writeTextFile(first.files[1], "not parquet");
    const second = await generateSample(options);
    assert.deepEqual(
      { written: second.written, skipped: second.skipped, rows: second.rows },
      { written: 0, skipped: 2, rows: 0 },
    );
    assert.equal(await Deno.readTextFile(first.files[1]), "not parquet");
    const third = await generateSample({ ...options, overwrite: true });
    assert.equal(third.written, 2);
    assert.deepEqual(await Deno.readFile(third.files[0]), bytes);
    assert.equal(
      readRows(third.files[1]).length,
      third.rows - readRows(third.files[0]).length,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a failed write leaves neither a partial file nor a temporary file behind", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const target = filePath(
      dataDir,
      "futures_um",
      "aggTrades",
      "BTCUSDT",
      "2024-01-02",
    );
    // Renaming the finished temporary file onto a non-empty directory fails.
    await Deno.mkdir(join(target, "blocker"), { recursive: true });
    await assert.rejects(
      generateSample({
        dataDir,
        symbols: ["BTCUSDT"],
        days: 2,
        overwrite: true,
        ...FAST,
      }),
    );
    const files = await listFiles(dataDir);
    assert.ok(!files.some((f) => f.endsWith(".tmp")), files.join("\n"));
    assert.equal((await Deno.stat(target)).isDirectory, true);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("the same seed gives the same data and a symbol's data does not depend on the other symbols or days requested", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  const c = await Deno.makeTempDir();
  try {
    await generateSample({
      dataDir: a,
      symbols: ["BTCUSDT"],
      start: "2024-01-02",
      days: 1,
      ...FAST,
    });
    await generateSample({
      dataDir: b,
      symbols: ["SOLUSDT", "BTCUSDT", "NEWCOIN"],
      start: Date.UTC(2024, 0, 1, 13, 30),
      days: 3,
      ...FAST,
    });
    await generateSample({
      dataDir: c,
      symbols: ["BTCUSDT"],
      start: "2024-01-02",
      days: 1,
      seed: 2,
      ...FAST,
    });
    const file = (dir: string) =>
      filePath(dir, "futures_um", "aggTrades", "BTCUSDT", "2024-01-02");
    const ra = readRows(file(a));
    const rb = readRows(file(b));
    assert.ok(ra.length > 1000);
    assert.deepEqual(rb, ra);
    assert.notDeepEqual(readRows(file(c)).slice(0, 50), ra.slice(0, 50));

    // Same seed, separate run into another directory: identical rows again.
    const again = await Deno.makeTempDir();
    try {
      await generateSample({
        dataDir: again,
        symbols: ["BTCUSDT"],
        start: new Date("2024-01-02"),
        days: 1,
        ...FAST,
      });
      assert.deepEqual(readRows(file(again)), ra);
    } finally {
      await Deno.remove(again, { recursive: true });
    }
  } finally {
    for (const d of [a, b, c]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("aggregate trade ids increase across days, trade-id ranges are consecutive and times stay inside the UTC day", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    for (const market of ["futures_um", "spot"] as const) {
      await generateSample({
        dataDir,
        market,
        symbols: ["BTCUSDT", "XRPUSDT"],
        days: 2,
        ...FAST,
      });
      const unit = market === "spot" ? 1000 : 1;
      for (const symbol of ["BTCUSDT", "XRPUSDT"]) {
        let lastId = -1;
        let lastTradeId = -1;
        for (const [i, day] of ["2024-01-01", "2024-01-02"].entries()) {
          const rows = readRows(
            filePath(dataDir, market, "aggTrades", symbol, day),
          );
          const start = (DAY1 + i * DAY_MS) * unit;
          const end = start + DAY_MS * unit;
          let sameMs = 0;
          let ties = 0;
          let onMinute = 0;
          let buyerMaker = 0;
          let prevTime = start;
          for (const [n, r] of rows.entries()) {
            const id = r.agg_trade_id as number;
            const t = r.transact_time as number;
            assert.ok(
              id > lastId,
              `${symbol} ${day}: id ${id} after ${lastId}`,
            );
            assert.ok(t >= prevTime && t < end, `${symbol} ${day}: time ${t}`);
            const first = r.first_trade_id as number;
            const last = r.last_trade_id as number;
            assert.ok(last >= first && last - first < 5);
            if (n > 0) assert.equal(first, lastTradeId + 1);
            assert.ok((r.quantity as number) > 0);
            assert.ok((r.price as number) > 0);
            if (n > 0 && t === prevTime) sameMs++;
            if (n > 0 && r.price === rows[n - 1].price) ties++;
            if (t % (60_000 * unit) === 0) onMinute++;
            if (r.is_buyer_maker) buyerMaker++;
            if (market === "spot") assert.equal(r.is_best_match, true);
            lastId = id;
            lastTradeId = last;
            prevTime = t;
          }
          assert.ok(onMinute >= 1, "a trade exactly on a minute boundary");
          assert.ok(
            rows.at(-1)!.transact_time as number >= end - unit,
            "a trade in the day's last millisecond",
          );
          assert.ok(
            sameMs > rows.length * 0.05,
            "several trades share a millisecond",
          );
          assert.ok(ties > rows.length * 0.05, "prices tie on the tick grid");
          const share = buyerMaker / rows.length;
          assert.ok(share > 0.4 && share < 0.6, `buyer-maker share ${share}`);
          if (market === "spot") {
            assert.ok(
              rows.some((r) => (r.transact_time as number) % 1000 !== 0),
              "µs resolution",
            );
            assert.ok((rows[0].transact_time as number) >= 1e15);
          } else {
            assert.ok((rows[0].transact_time as number) < 1e13);
          }
        }
        // Price continues across the day boundary (within ~1 %).
        const d1 = readRows(
          filePath(dataDir, market, "aggTrades", symbol, "2024-01-01"),
        );
        const d2 = readRows(
          filePath(dataDir, market, "aggTrades", symbol, "2024-01-02"),
        );
        const jump = Math.abs(
          Math.log((d2[0].price as number) / (d1.at(-1)!.price as number)),
        );
        assert.ok(jump < 0.01, `overnight jump ${jump}`);
      }
      // Ticks: BTC on a 0.1 grid, XRP on 0.0001.
      for (
        const [symbol, tick] of [["BTCUSDT", 0.1], ["XRPUSDT", 0.0001]] as const
      ) {
        const rows = readRows(
          filePath(dataDir, market, "aggTrades", symbol, "2024-01-01"),
        );
        for (const r of rows.slice(0, 500)) {
          const k = (r.price as number) / tick;
          assert.ok(
            Math.abs(k - Math.round(k)) < 1e-6,
            `${symbol} price ${r.price}`,
          );
        }
      }
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("trades are consecutive ids whose quantities and quote quantities are consistent", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await generateSample({
      dataDir,
      dataType: "trades",
      market: "spot",
      symbols: ["SOLUSDT"],
      days: 2,
      ...FAST,
    });
    let lastId = -1;
    for (const day of ["2024-01-01", "2024-01-02"]) {
      const rows = readRows(
        filePath(dataDir, "spot", "trades", "SOLUSDT", day),
      );
      assert.ok(
        rows.length > 1500 && rows.length < 4500,
        `${rows.length} rows`,
      );
      for (const [n, r] of rows.entries()) {
        const id = r.id as number;
        if (n > 0) assert.equal(id, lastId + 1);
        else assert.ok(id > lastId);
        lastId = id;
        const qty = r.qty as number;
        assert.ok(qty >= 0.001);
        const quote = (r.price as number) * qty;
        assert.ok(Math.abs((r.quote_qty as number) - quote) <= 1e-9 * quote);
      }
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("klines equal a one-minute aggregation of the aggregate trades generated with the same seed", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    for (const market of ["futures_um", "spot"] as const) {
      const common = {
        dataDir,
        market,
        symbols: ["ETHUSDT"],
        days: 1,
        seed: 7,
        ...FAST,
      };
      await generateSample({ ...common, dataType: "aggTrades" });
      await generateSample({ ...common, dataType: "klines" });
      const trades = readRows(
        filePath(dataDir, market, "aggTrades", "ETHUSDT", "2024-01-01"),
      );
      const klines = readRows(
        filePath(dataDir, market, "klines", "ETHUSDT", "2024-01-01"),
      );
      const minute = market === "spot" ? 60_000_000 : 60_000;

      type Bar = {
        open_time: number;
        open: number;
        high: number;
        low: number;
        close: number;
        lots: number;
        close_time: number;
        quote_volume: number;
        count: number;
        buyLots: number;
        taker_buy_quote_volume: number;
      };
      const bars: Bar[] = [];
      for (const r of trades) {
        const price = r.price as number;
        const qty = r.quantity as number;
        const openTime = Math.floor((r.transact_time as number) / minute) *
          minute;
        let bar = bars.at(-1);
        if (!bar || bar.open_time !== openTime) {
          bar = {
            open_time: openTime,
            open: price,
            high: price,
            low: price,
            close: price,
            lots: 0,
            close_time: openTime + minute - 1,
            quote_volume: 0,
            count: 0,
            buyLots: 0,
            taker_buy_quote_volume: 0,
          };
          bars.push(bar);
        }
        bar.high = Math.max(bar.high, price);
        bar.low = Math.min(bar.low, price);
        bar.close = price;
        bar.lots += Math.round(qty * 1000);
        bar.quote_volume += price * qty;
        bar.count++;
        if (!r.is_buyer_maker) {
          bar.buyLots += Math.round(qty * 1000);
          bar.taker_buy_quote_volume += price * qty;
        }
      }
      assert.equal(klines.length, bars.length);
      const close = (a: number, b: number) =>
        Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      for (const [i, k] of klines.entries()) {
        const b = bars[i];
        assert.deepEqual(
          [
            k.open_time,
            k.open,
            k.high,
            k.low,
            k.close,
            k.volume,
            k.close_time,
            k.count,
            k.taker_buy_volume,
            k.ignore,
          ],
          [
            b.open_time,
            b.open,
            b.high,
            b.low,
            b.close,
            b.lots / 1000,
            b.close_time,
            b.count,
            b.buyLots / 1000,
            0,
          ],
        );
        assert.ok(
          close(k.quote_volume as number, b.quote_volume),
          `quote volume at ${b.open_time}`,
        );
        assert.ok(
          close(k.taker_buy_quote_volume as number, b.taker_buy_quote_volume),
        );
      }
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** The single entry of a zip, through the system unzip or Python. */
async function unzipText(zip: string): Promise<string> {
  const run = async (cmd: string, args: string[]) => {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  };
  try {
    return await run("unzip", ["-p", zip]);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return await run("python3", [
      "-c",
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; sys.stdout.write(z.read(z.namelist()[0]).decode())",
      zip,
    ]);
  }
}

/** Base name of a Binance Vision daily dump (klines are named by interval). */
function visionName(dataType: SampleDataType, symbol: string, day: string) {
  return `${symbol}-${dataType === "klines" ? "1m" : dataType}-${day}`;
}

Deno.test("writeBinanceZip publishes a zip holding the day's CSV and a matching sha256 CHECKSUM", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const outDir = join(dataDir, "vision");
    for (
      const [market, dataType, header] of [
        ["futures_um", "aggTrades", true],
        ["spot", "aggTrades", false],
        ["futures_um", "klines", true],
      ] as const
    ) {
      await generateSample({
        dataDir,
        market,
        dataType,
        symbols: ["BNBUSDT"],
        days: 1,
        ...FAST,
      });
      const zip = await writeBinanceZip({
        dataDir,
        market,
        dataType,
        symbol: "BNBUSDT",
        day: "2024-01-01",
        outDir,
      });
      const name = visionName(dataType, "BNBUSDT", "2024-01-01");
      assert.equal(zip, join(outDir, `${name}.zip`));

      const listing = await new Deno.Command("python3", {
        args: [
          "-c",
          "import sys, zipfile; print(*zipfile.ZipFile(sys.argv[1]).namelist())",
          zip,
        ],
        stdout: "piped",
      }).output();
      if (listing.success) {
        assert.equal(
          new TextDecoder().decode(listing.stdout).trim(),
          `${name}.csv`,
        );
      }

      const parquet = pl.readParquet(
        filePath(dataDir, market, dataType, "BNBUSDT", "2024-01-01"),
      );
      const rows = parquet.toRecords() as Row[];
      const lines = (await unzipText(zip)).split("\n");
      assert.equal(lines.pop(), "", "CSV ends with a newline");
      if (header) assert.equal(lines.shift(), parquet.columns.join(","));
      assert.equal(lines.length, rows.length);
      const [yes, no] = market === "spot" ? ["True", "False"] : [
        "true",
        "false",
      ];
      for (const [i, line] of lines.entries()) {
        const fields = line.split(",");
        const expected = parquet.columns.map((c) => rows[i][c]);
        const parsed = fields.map((f, j) =>
          typeof expected[j] === "boolean"
            ? (f === yes ? true : f === no ? false : f)
            : Number(f)
        );
        assert.deepEqual(parsed, expected, `row ${i}: ${line}`);
      }

      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", await Deno.readFile(zip)),
      );
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0"))
        .join("");
      assert.equal(
        await Deno.readTextFile(`${zip}.CHECKSUM`),
        `${hex}  ${name}.zip\n`,
      );
    }
    assert.deepEqual(
      (await listFiles(outDir)).map((f) => f.slice(outDir.length + 1)),
      [
        "BNBUSDT-1m-2024-01-01.zip",
        "BNBUSDT-1m-2024-01-01.zip.CHECKSUM",
        "BNBUSDT-aggTrades-2024-01-01.zip",
        "BNBUSDT-aggTrades-2024-01-01.zip.CHECKSUM",
      ],
    );
    await assert.rejects(
      writeBinanceZip({
        dataDir,
        market: "spot",
        dataType: "trades",
        symbol: "BNBUSDT",
        day: "2024-01-01",
        outDir,
      }),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("writeBinanceZip writes spot booleans as True/False and futures booleans as true/false, as Binance does", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    for (
      const [market, yes, no] of [
        ["spot", "True", "False"],
        ["futures_um", "true", "false"],
      ] as const
    ) {
      await generateSample({
        dataDir,
        market,
        dataType: "trades",
        symbols: ["XRPUSDT"],
        days: 1,
        tradesPerDay: 1_000,
      });
      const zip = await writeBinanceZip({
        dataDir,
        market,
        dataType: "trades",
        symbol: "XRPUSDT",
        day: "2024-01-01",
        outDir: join(dataDir, market),
        header: false,
      });
      const lines = (await unzipText(zip)).trimEnd().split("\n");
      const makers = new Set(lines.map((l) => l.split(",")[5]));
      assert.deepEqual([...makers].sort(), [no, yes].sort(), market);
      if (market === "spot") {
        const bestMatch = new Set(lines.map((l) => l.split(",")[6]));
        assert.deepEqual([...bestMatch], ["True"]);
      }
      const other = market === "spot" ? /true|false/ : /True|False/;
      assert.ok(!lines.some((l) => other.test(l)), market);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

const BYBIT_HEADER =
  "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional";

interface BybitRow {
  /** `round(timestamp * 1000)` of the timestamp read as a DOUBLE. */
  ms: number;
  symbol: string;
  side: string;
  size: number;
  price: number;
  tickDirection: string;
  trdMatchID: string;
  grossValue: number;
  homeNotional: number;
  foreignNotional: number;
}

/** The rows of a Bybit `.csv.gz`, in file order, read by DuckDB's read_csv. */
async function readBybit(file: string): Promise<BybitRow[]> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT round(timestamp * 1000)::BIGINT AS ms, * EXCLUDE (timestamp)
        FROM read_csv($file, header = true, auto_detect = false, columns = {
          'timestamp': 'DOUBLE', 'symbol': 'VARCHAR', 'side': 'VARCHAR',
          'size': 'DOUBLE', 'price': 'DOUBLE', 'tickDirection': 'VARCHAR',
          'trdMatchID': 'VARCHAR', 'grossValue': 'DOUBLE',
          'homeNotional': 'DOUBLE', 'foreignNotional': 'DOUBLE'})`,
        { file },
      );
      return reader.getRowObjectsJS().map((r) => ({
        ...r,
        ms: Number(r.ms),
      })) as unknown as BybitRow[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function gunzipText(file: string): Promise<string> {
  const stream = new Blob([await Deno.readFile(file)]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/** Generated futures_um trades of one symbol-day, in trade-id order. */
function tradesOf(dataDir: string, symbol: string): Row[] {
  return readRows(
    filePath(dataDir, "futures_um", "trades", symbol, "2024-01-01"),
  ).sort((a, b) => (a.id as number) - (b.id as number));
}

Deno.test("writeBybitCsvGz() writes Bybit's header and one row per generated trade", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const symbols = ["BTCUSDT", "XRPUSDT"];
    await generateSample({
      dataDir,
      market: "futures_um",
      dataType: "trades",
      symbols,
      days: 1,
      ...FAST,
    });
    const outDir = join(dataDir, "bybit");
    for (const symbol of symbols) {
      const gz = await writeBybitCsvGz({
        dataDir,
        symbol,
        day: "2024-01-01",
        outDir,
      });
      assert.equal(gz, join(outDir, `${symbol}2024-01-01.csv.gz`));
      const trades = tradesOf(dataDir, symbol);

      const text = await gunzipText(gz);
      const lines = text.split("\n");
      assert.equal(lines.shift(), BYBIT_HEADER);
      assert.equal(lines.pop(), "", "CSV ends with a newline");
      assert.equal(lines.length, trades.length);
      assert.ok(
        lines.every((l) => /^\d{10}\.\d{3},/.test(l)),
        "timestamps are seconds with three decimals",
      );

      const rows = await readBybit(gz);
      assert.equal(rows.length, trades.length);
      for (const [i, row] of rows.entries()) {
        const t = trades[i];
        const [price, qty] = [t.price as number, t.qty as number];
        const at = `${symbol} row ${i}`;
        assert.equal(row.ms, t.time, at);
        assert.equal(row.symbol, symbol, at);
        assert.equal(row.side, t.is_buyer_maker ? "Sell" : "Buy", at);
        assert.equal(row.size, qty, at);
        assert.equal(row.price, price, at);
        assert.equal(row.homeNotional, qty, at);
        assert.ok(
          Math.abs(row.foreignNotional - price * qty) <= 1e-12 * price * qty,
          at,
        );
        assert.equal(row.grossValue, Math.round(price * qty * 1e8), at);
      }
      assert.deepEqual(
        [...new Set(rows.map((r) => r.side))].sort(),
        ["Buy", "Sell"],
      );
      const ids = rows.map((r) => r.trdMatchID);
      assert.ok(
        ids.every((id) =>
          /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
            .test(id)
        ),
        "trdMatchID is a UUID",
      );
      assert.equal(new Set(ids).size, ids.length, "trdMatchIDs are unique");

      // Writing again replaces the file with the very same content.
      await writeBybitCsvGz({ dataDir, symbol, day: "2024-01-01", outDir });
      assert.equal(await gunzipText(gz), text);
    }
    assert.deepEqual(
      (await listFiles(outDir)).map((f) => f.slice(outDir.length + 1)),
      ["BTCUSDT2024-01-01.csv.gz", "XRPUSDT2024-01-01.csv.gz"],
      "no temporary files are left behind",
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("writeBybitCsvGz() with descending: true writes the exact reverse of the time-ordered rows", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await generateSample({
      dataDir,
      market: "futures_um",
      dataType: "trades",
      symbols: ["ETHUSDT"],
      days: 1,
      tradesPerDay: 1_000,
    });
    const day = "2024-01-01";
    const ascending = await writeBybitCsvGz({
      dataDir,
      symbol: "ETHUSDT",
      day,
      outDir: join(dataDir, "asc"),
    });
    const descending = await writeBybitCsvGz({
      dataDir,
      symbol: "ETHUSDT",
      day,
      outDir: join(dataDir, "desc"),
      descending: true,
    });
    assert.equal(descending, join(dataDir, "desc", "ETHUSDT2024-01-01.csv.gz"));
    const up = (await gunzipText(ascending)).trimEnd().split("\n");
    const down = (await gunzipText(descending)).trimEnd().split("\n");
    assert.equal(up.shift(), BYBIT_HEADER);
    assert.equal(down.shift(), BYBIT_HEADER);
    assert.ok(up.length > 500, `${up.length} rows`);
    assert.deepEqual(down, up.toReversed());

    const times = (await readBybit(ascending)).map((r) => r.ms);
    assert.ok(times.every((t, i) => i === 0 || times[i - 1] <= t));
    assert.ok(times[0] < times[times.length - 1], "the latest trade is last");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("writeBybitCsvGz() tick directions match a plain loop over the prices in time order", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await generateSample({
      dataDir,
      market: "futures_um",
      dataType: "trades",
      symbols: ["SOLUSDT"],
      days: 1,
      tradesPerDay: 600,
    });
    for (const descending of [false, true]) {
      const gz = await writeBybitCsvGz({
        dataDir,
        symbol: "SOLUSDT",
        day: "2024-01-01",
        outDir: join(dataDir, String(descending)),
        descending,
      });
      const trades = tradesOf(dataDir, "SOLUSDT");
      const expected: string[] = [];
      let lastMove = 1;
      for (const [i, t] of trades.entries()) {
        const price = t.price as number;
        const previous = i === 0 ? price : trades[i - 1].price as number;
        if (price > previous) {
          expected.push("PlusTick");
          lastMove = 1;
        } else if (price < previous) {
          expected.push("MinusTick");
          lastMove = -1;
        } else {
          expected.push(lastMove > 0 ? "ZeroPlusTick" : "ZeroMinusTick");
        }
      }
      if (descending) expected.reverse();
      const got = (await readBybit(gz)).map((r) => r.tickDirection);
      assert.ok(got.length > 300, `${got.length} rows`);
      assert.deepEqual(got, expected);
      assert.deepEqual(
        [...new Set(got)].sort(),
        ["MinusTick", "PlusTick", "ZeroMinusTick", "ZeroPlusTick"],
        "all four directions occur",
      );
      assert.equal(got[descending ? got.length - 1 : 0], "ZeroPlusTick");
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("writeBybitCsvGz() reports a symbol-day that was not generated as futures_um trades", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await generateSample({
      dataDir,
      market: "spot",
      dataType: "trades",
      symbols: ["BTCUSDT"],
      days: 1,
      tradesPerDay: 500,
    });
    const outDir = join(dataDir, "bybit");
    await assert.rejects(
      writeBybitCsvGz({
        dataDir,
        symbol: "BTCUSDT",
        day: "2024-01-01",
        outDir,
      }),
      (e: unknown) =>
        e instanceof Deno.errors.NotFound &&
        /BTCUSDT 2024-01-01 \(futures_um\/trades\).*generateSample/.test(
          e.message,
        ),
    );
    assert.equal(await Deno.stat(outDir).catch(() => null), null);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("bad options are rejected with an error naming the value and what was expected", async () => {
  const dataDir = "/nonexistent/never-written";
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { symbols: ["btcusdt"] },
      "RangeError",
      /symbols\[0\].*\^\[A-Z0-9\].*"btcusdt"/,
    ],
    [{ symbols: ["BTC'; DROP TABLE x; --"] }, "RangeError", /symbols\[0\]/],
    [{ symbols: [42] }, "TypeError", /symbols\[0\] must be a string, got 42/],
    [{ symbols: "BTCUSDT" }, "TypeError", /symbols must be an array/],
    [{ symbols: [] }, "RangeError", /symbols must be a non-empty array/],
    [{ days: 0 }, "RangeError", /days must be a positive integer.*got 0/],
    [{ days: 1.5 }, "RangeError", /days must be a positive integer.*got 1\.5/],
    [{ days: "3" }, "TypeError", /days must be a positive integer.*got "3"/],
    [
      { tradesPerDay: -5 },
      "RangeError",
      /tradesPerDay must be a positive integer.*got -5/,
    ],
    [
      { market: "futures" },
      "RangeError",
      /market must be one of "spot", "futures_um", "futures_cm", got "futures"/,
    ],
    [
      { dataType: "bookTicker" },
      "RangeError",
      /dataType must be one of .*got "bookTicker"/,
    ],
    [{ start: "2024-02-30" }, "RangeError", /start must be .*got "2024-02-30"/],
    [{ start: "yesterday" }, "RangeError", /start must be .*got "yesterday"/],
    [
      { start: "2010-01-01" },
      "RangeError",
      /start must be a day between 2017-01-01/,
    ],
    [{ start: new Date(NaN) }, "RangeError", /start must be/],
    [{ seed: 0.5 }, "RangeError", /seed must be an integer/],
    [{ overwrite: "yes" }, "TypeError", /overwrite must be a boolean/],
    [{ dataDir: "" }, "TypeError", /dataDir must be a non-empty string/],
  ];
  for (const [override, name, message] of cases) {
    await assert.rejects(
      generateSample({ dataDir, ...override } as never),
      { name, message },
      JSON.stringify(override),
    );
  }
  const zipBase = {
    dataDir,
    market: "spot",
    dataType: "aggTrades",
    symbol: "BTCUSDT",
    day: "2024-01-01",
    outDir: dataDir,
  };
  const zipCases: [Record<string, unknown>, string, RegExp][] = [
    [
      { day: "2024-1-1" },
      "RangeError",
      /day must be a UTC day "YYYY-MM-DD".*got "2024-1-1"/,
    ],
    [{ symbol: "../etc" }, "RangeError", /symbol must be a symbol matching/],
    [{ market: "options" }, "RangeError", /market must be one of/],
    [{ header: 1 }, "TypeError", /header must be a boolean, got 1/],
  ];
  for (const [override, name, message] of zipCases) {
    await assert.rejects(
      writeBinanceZip({ ...zipBase, ...override } as never),
      { name, message },
      JSON.stringify(override),
    );
  }
  const bybitBase = {
    dataDir,
    symbol: "BTCUSDT",
    day: "2024-01-01",
    outDir: dataDir,
  };
  const bybitCases: [Record<string, unknown>, string, RegExp][] = [
    [
      { day: "2024-02-30" },
      "RangeError",
      /writeBybitCsvGz: day must be a UTC day "YYYY-MM-DD".*got "2024-02-30"/,
    ],
    [
      { symbol: "BTC/USDT" },
      "RangeError",
      /writeBybitCsvGz: symbol must be a symbol matching/,
    ],
    [
      { descending: "yes" },
      "TypeError",
      /writeBybitCsvGz: descending must be a boolean, got "yes"/,
    ],
    [{ outDir: "" }, "TypeError", /outDir must be a non-empty string/],
  ];
  for (const [override, name, message] of bybitCases) {
    await assert.rejects(
      writeBybitCsvGz({ ...bybitBase, ...override } as never),
      { name, message },
      JSON.stringify(override),
    );
  }
  await assert.rejects(writeBybitCsvGz(null as never), {
    name: "TypeError",
    message: /writeBybitCsvGz: options must be an object, got null/,
  });
  assert.equal(
    await Deno.stat(dataDir).catch(() => null),
    null,
    "nothing written",
  );
});
