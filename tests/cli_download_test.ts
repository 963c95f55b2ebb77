/**
 * Tests of `factorium download` and `--download`, run as real subprocesses
 * against a real HTTP server on 127.0.0.1 (in this process) serving Binance
 * Vision zips the sample generator wrote.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  binance,
  DataLoader,
  generateSample,
  writeBinanceZip,
} from "../mod.ts";
import { cli, succeeded } from "./_cli.ts";
import { startDumpServer, walk } from "./_dump_server.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const DAYS = ["2024-01-01", "2024-01-02"];
const ROOT = new URL("..", import.meta.url).pathname;

/** Generated ticks, the served tree of zips, and the server, set up once. */
const setup = (async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium-cli-download-" });
  const generated = join(dir, "generated");
  const served = join(dir, "served");
  await generateSample({
    dataDir: generated,
    symbols: SYMBOLS,
    start: DAYS[0],
    days: DAYS.length,
    tradesPerDay: 3_000,
  });
  for (const symbol of SYMBOLS) {
    for (const day of DAYS) {
      const url = new URL(zipUrl(symbol, day));
      await writeBinanceZip({
        dataDir: generated,
        market: "futures_um",
        dataType: "aggTrades",
        symbol,
        day,
        outDir: join(served, url.pathname, ".."),
      });
    }
  }
  const server = await startDumpServer(served);
  globalThis.addEventListener("unload", () => {
    Deno.removeSync(dir, { recursive: true });
  });
  return { dir, generated, server };
})();

/** The zip's address on the public host (only its path is used). */
function zipUrl(symbol: string, day: string): string {
  return binance.downloadUrl(
    "futures_um",
    "aggTrades",
    symbol,
    Date.parse(day),
  );
}

function zipPath(symbol: string, day: string): string {
  return new URL(zipUrl(symbol, day)).pathname;
}

async function freshDataDir(): Promise<string> {
  const { dir } = await setup;
  return await Deno.makeTempDir({ dir, prefix: "data-" });
}

Deno.test("download fetches every symbol-day, lists the unpublished ones, and a second run skips what it has", async () => {
  const { server } = await setup;
  const dataDir = await freshDataDir();
  const args = [
    "download",
    "--data-dir",
    dataDir,
    "--symbols",
    SYMBOLS.join(","),
    "--start",
    DAYS[0],
    "--days",
    "3",
    "--base-url",
    server.url,
  ];
  const first = await cli(...args);
  succeeded(first, "download");
  assert.match(
    first.stdout,
    /^fetched 4, skipped 0, missing 2, failed 0 \([\d.]+ k?B, [\d,]+ rows in [\d.]+ s/,
  );
  for (const symbol of SYMBOLS) {
    assert.match(
      first.stdout,
      new RegExp(
        `missing ${symbol} 2024-01-03: not published at ${server.url}`,
      ),
    );
    for (const day of DAYS) {
      const path = binance.filePath(
        dataDir,
        "futures_um",
        "aggTrades",
        symbol,
        Date.parse(day),
      );
      await Deno.stat(path);
      await Deno.stat(join(path, "..", "download.json"));
    }
  }
  const second = await cli(...args);
  succeeded(second, "download again");
  assert.match(second.stdout, /^fetched 0, skipped 4, missing 2, failed 0/);
});

Deno.test("download exits 1 and names a day whose checksum does not match", async () => {
  const { server } = await setup;
  const dataDir = await freshDataDir();
  const checksum = `${zipPath("ETHUSDT", DAYS[1])}.CHECKSUM`;
  server.fault(checksum, {
    body: new TextEncoder().encode(`${"0".repeat(64)}  x.zip\n`),
  });
  try {
    const run = await cli(
      "download",
      "--data-dir",
      dataDir,
      "--symbols",
      SYMBOLS.join(","),
      "--start",
      DAYS[0],
      "--days",
      "2",
      "--base-url",
      server.url,
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^fetched 3, skipped 0, missing 0, failed 1/);
    assert.match(run.stdout, /failed ETHUSDT 2024-01-02: .*checksum mismatch/);
  } finally {
    server.clearFaults();
  }
});

Deno.test("bars --download fetches the missing days first and writes the same bars as the generated ticks give", async () => {
  const { server, generated } = await setup;
  const dataDir = await freshDataDir();
  const out = join(dataDir, "bars.parquet");
  const run = await cli(
    "bars",
    "--data-dir",
    dataDir,
    "--symbols",
    SYMBOLS.join(","),
    "--start",
    DAYS[0],
    "--days",
    "2",
    "--bar",
    "time:5m",
    "--download",
    "--base-url",
    server.url,
    "--out",
    out,
  );
  succeeded(run, "bars --download");
  const loader = new DataLoader({ dataDir: generated });
  try {
    const expected = await loader.loadAggBar({
      symbols: SYMBOLS,
      start: DAYS[0],
      days: 2,
      bar: { type: "time", intervalMs: 300_000 },
      cache: false,
    });
    const { default: pl } = await import("nodejs-polars");
    assert.deepEqual(
      pl.readParquet(out).toRecords(),
      expected.toPolars().toRecords(),
    );
  } finally {
    await loader.close();
  }
});

Deno.test("download stops on SIGINT with exit 130 and leaves only complete days behind", async () => {
  const { server } = await setup;
  const dataDir = await freshDataDir();
  const stalled = zipPath("BTCUSDT", DAYS[1]);
  server.fault(stalled, { stallAfterBytes: 1_000 });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        "src/cli.ts",
        "download",
        "--data-dir",
        dataDir,
        "--symbols",
        SYMBOLS.join(","),
        "--start",
        DAYS[0],
        "--days",
        "2",
        "--concurrency",
        "1",
        "--base-url",
        server.url,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await server.stalled(stalled);
    child.kill("SIGINT");
    const { code, stderr } = await child.output();
    assert.equal(code, 130);
    assert.match(
      new TextDecoder().decode(stderr),
      /cancelled; partial files removed, run again to resume/,
    );
    // BTCUSDT's first day finished before the stall; nothing else is left.
    const files = await walk(dataDir);
    assert.deepEqual(
      files.filter((f) => f.endsWith(".parquet") || f.endsWith(".json")),
      [
        "market=futures_um/data_type=aggTrades/symbol=BTCUSDT/year=2024/month=01/day=01/data.parquet",
        "market=futures_um/data_type=aggTrades/symbol=BTCUSDT/year=2024/month=01/day=01/download.json",
      ],
    );
    assert.deepEqual(
      files.filter((f) => f.split("/").some((part) => part.startsWith("."))),
      [],
    );
    assert.ok(
      !files.some((f) => f.includes("day=02")),
      `no directory for the cancelled day: ${files.join(", ")}`,
    );
  } finally {
    server.clearFaults();
  }
});

Deno.test("bad download options exit 2 naming the flag", async () => {
  const { server } = await setup;
  const base = ["--symbols", "BTCUSDT", "--start", DAYS[0], "--days", "1"];
  const cases: [string[], RegExp][] = [
    [
      ["download", ...base, "--concurrency", "0"],
      /--concurrency: expected a positive integer, got "0"/,
    ],
    [
      ["download", ...base, "--retries=-1"],
      /--retries: expected an integer ≥ 0/,
    ],
    [
      ["download", ...base, "--base-url", "ftp://x"],
      /--base-url: expected an http:\/\/ or https:\/\/ address/,
    ],
    [
      ["download", ...base, "--exchange", "bybit", "--data-type", "aggTrades"],
      /--data-type: expected one of "trades"/,
    ],
    [["download", "--start", DAYS[0], "--days", "1"], /missing --symbols/],
    [
      ["bars", ...base, "--base-url", server.url, "--out", "x.csv"],
      /--base-url needs --download/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await cli(...args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(" "));
  }
});

Deno.test("a download that cannot connect names the cause (not 'fetch failed') and lists the failed days in order", async () => {
  const dataDir = await freshDataDir();
  // A port nothing listens on: every request is refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const run = await cli(
    "download",
    "--data-dir",
    dataDir,
    "--symbols",
    "ETHUSDT,BTCUSDT",
    "--start",
    DAYS[0],
    "--days",
    "2",
    "--retries",
    "0",
    "--concurrency",
    "4",
    "--base-url",
    `http://127.0.0.1:${port}`,
  );
  assert.equal(run.code, 1, run.stderr);
  assert.doesNotMatch(run.stdout, /fetch failed/);
  const failed = run.stdout.split("\n").filter((l) => l.startsWith("  failed"));
  assert.deepEqual(
    failed.map((l) => l.split(":")[0]),
    [
      "  failed BTCUSDT 2024-01-01",
      "  failed BTCUSDT 2024-01-02",
      "  failed ETHUSDT 2024-01-01",
      "  failed ETHUSDT 2024-01-02",
    ],
  );
  for (const line of failed) {
    assert.match(
      line,
      new RegExp(`http://127\\.0\\.0\\.1:${port}/.*: .*[Cc]onnect`),
    );
  }
});
