import assert from "node:assert/strict";
import { dirname } from "node:path";
import pl from "nodejs-polars";
import { DataLoader, generateSample } from "../mod.ts";
import { BarCache } from "../src/data/cache.ts";

const START = Date.UTC(2024, 0, 1);
const opts = { sanitizeResources: false, sanitizeOps: false };

async function sampleDir(symbols: string[]): Promise<string> {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-cache-" });
  await generateSample({
    dataDir,
    symbols,
    start: START,
    days: 3,
    tradesPerDay: 2_000,
  });
  return dataDir;
}

async function cacheFiles(dir: string): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  async function walk(path: string) {
    for await (const entry of Deno.readDir(path)) {
      const full = `${path}/${entry.name}`;
      if (entry.isDirectory) await walk(full);
      else files.set(full, (await Deno.stat(full)).mtime!.getTime());
    }
  }
  await walk(dir);
  return files;
}

const request = (symbols: string[]) => ({
  symbols,
  start: START,
  days: 3,
  bar: { type: "time", intervalMs: 420_000 } as const,
  buyerSeller: true,
});

Deno.test(
  "loadAggBar() returns bit-for-bit the same bars with the cache on and off, and serves the second load from the cache",
  opts,
  async () => {
    const dataDir = await sampleDir(["BTCUSDT", "ETHUSDT"]);
    const loader = new DataLoader({ dataDir });
    const cold = await loader.loadAggBar(request(["BTCUSDT", "ETHUSDT"]));
    assert.equal(await loader.aggregationCount(), 1);
    const files = await cacheFiles(`${dataDir}/.cache`);
    assert.equal(files.size, 6, "one file per symbol and UTC day");
    const warm = await loader.loadAggBar(request(["BTCUSDT", "ETHUSDT"]));
    assert.equal(
      await loader.aggregationCount(),
      1,
      "a cache hit runs no aggregation",
    );
    const uncached = await loader.loadAggBar({
      ...request(["BTCUSDT", "ETHUSDT"]),
      cache: false,
    });
    await loader.close();
    assert.ok(cold.toPolars().frameEqual(warm.toPolars()));
    assert.ok(cold.toPolars().frameEqual(uncached.toPolars()));
    assert.deepEqual(cold.toRecords(), uncached.toRecords());
  },
);

Deno.test(
  "loadAggBar() rebuilds only the symbol-day whose source file changed",
  opts,
  async () => {
    const dataDir = await sampleDir(["BTCUSDT", "ETHUSDT"]);
    const loader = new DataLoader({ dataDir });
    const before = await loader.loadAggBar(request(["BTCUSDT", "ETHUSDT"]));
    const filesBefore = await cacheFiles(`${dataDir}/.cache`);
    // Rewrite ETHUSDT's second day with other trades (a new seed).
    const day2 =
      `${dataDir}/market=futures_um/data_type=aggTrades/symbol=ETHUSDT/year=2024/month=01/day=02/data.parquet`;
    const other = await Deno.makeTempDir();
    await generateSample({
      dataDir: other,
      symbols: ["ETHUSDT"],
      start: START + 86_400_000,
      days: 1,
      tradesPerDay: 2_000,
      seed: 99,
    });
    await Deno.copyFile(
      `${other}/market=futures_um/data_type=aggTrades/symbol=ETHUSDT/year=2024/month=01/day=02/data.parquet`,
      day2,
    );
    const after = await loader.loadAggBar(request(["BTCUSDT", "ETHUSDT"]));
    assert.equal(await loader.aggregationCount(), 2);
    const filesAfter = await cacheFiles(`${dataDir}/.cache`);
    await loader.close();
    const changed = [...filesAfter.keys()].filter((f) => !filesBefore.has(f));
    // Day 2 changed; day 1's 7-minute bar crossing midnight reads day 2 too.
    assert.deepEqual(
      changed.map((f) =>
        f.split("/").slice(-2).join("/").replace(/\.[0-9a-f]{16}\./, ".")
      ).sort(),
      ["ETHUSDT/2024-01-01.parquet", "ETHUSDT/2024-01-02.parquet"],
    );
    assert.equal(filesAfter.size, 6, "stale files are removed");
    const uncached = new DataLoader({ dataDir });
    const fresh = await uncached.loadAggBar({
      ...request(["BTCUSDT", "ETHUSDT"]),
      cache: false,
    });
    await uncached.close();
    assert.ok(after.toPolars().frameEqual(fresh.toPolars()));
    assert.ok(!after.toPolars().frameEqual(before.toPolars()));
  },
);

const corruptions: [string, (file: string) => Promise<void>, RegExp][] = [
  ["a truncated", async (file) => {
    const bytes = await Deno.readFile(file);
    await Deno.writeFile(file, bytes.slice(0, bytes.length >> 1));
  }, /unreadable and will be rebuilt/],
  ["a column-dropped", (file) => {
    pl.readParquet(file).drop("vwap").writeParquet(file);
    return Promise.resolve();
  }, /unreadable and will be rebuilt \(columns symbol, start_time/],
];
for (const [label, corrupt, message] of corruptions) {
  Deno.test(
    `loadAggBar() rebuilds ${label} cache file with a warning`,
    opts,
    async () => {
      const dataDir = await sampleDir(["BTCUSDT"]);
      const warnings: string[] = [];
      const loader = new DataLoader({
        dataDir,
        onWarning: (m) => warnings.push(m),
      });
      const first = await loader.loadAggBar(request(["BTCUSDT"]));
      const [victim] = [...(await cacheFiles(`${dataDir}/.cache`)).keys()];
      await corrupt(victim);
      const second = await loader.loadAggBar(request(["BTCUSDT"]));
      assert.equal(await loader.aggregationCount(), 2);
      await loader.close();
      assert.ok(first.toPolars().frameEqual(second.toPolars()));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], message);
      assert.ok(warnings[0].includes(victim));
    },
  );
}

Deno.test(
  "loadAggBar() reuses B's cache files when loading {A,B} and then {B,C}",
  opts,
  async () => {
    const dataDir = await sampleDir(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    const loader = new DataLoader({ dataDir });
    await loader.loadAggBar(request(["BTCUSDT", "ETHUSDT"]));
    const afterAB = await cacheFiles(`${dataDir}/.cache`);
    const bc = await loader.loadAggBar(request(["ETHUSDT", "SOLUSDT"]));
    const afterBC = await cacheFiles(`${dataDir}/.cache`);
    await loader.close();
    for (const [file, mtime] of afterAB) {
      assert.equal(afterBC.get(file), mtime, file);
    }
    assert.equal(afterBC.size, 9);
    const added = [...afterBC.keys()].filter((f) => !afterAB.has(f));
    assert.ok(added.every((f) => f.includes("/SOLUSDT/")), added.join());
    const fresh = new DataLoader({
      dataDir,
      cacheDir: await Deno.makeTempDir(),
    });
    const direct = await fresh.loadAggBar({
      ...request(["ETHUSDT", "SOLUSDT"]),
      cache: false,
    });
    await fresh.close();
    assert.ok(bc.toPolars().frameEqual(direct.toPolars()));
  },
);

Deno.test(
  "loadAggBar() caches volume bars per symbol and request and rebuilds them when a source changes",
  opts,
  async () => {
    const dataDir = await sampleDir(["BTCUSDT", "ETHUSDT"]);
    const loader = new DataLoader({ dataDir });
    const req = {
      ...request(["BTCUSDT", "ETHUSDT"]),
      bar: { type: "volume", volume: 5 } as const,
    };
    const cold = await loader.loadAggBar(req);
    assert.equal(await loader.aggregationCount(), 2);
    const warm = await loader.loadAggBar(req);
    assert.equal(await loader.aggregationCount(), 2);
    assert.ok(cold.toPolars().frameEqual(warm.toPolars()));
    const file =
      `${dataDir}/market=futures_um/data_type=aggTrades/symbol=BTCUSDT/year=2024/month=01/day=03/data.parquet`;
    await Deno.utime(file, new Date(), new Date(Date.now() + 5_000));
    await loader.loadAggBar(req);
    assert.equal(await loader.aggregationCount(), 3, "only BTCUSDT is rebuilt");
    await loader.close();
  },
);

Deno.test(
  "loadAggBar() in four processes sharing one cache succeeds every time, bar for bar as with the cache off, while the sources' mtimes change every few ms",
  opts,
  async () => {
    const symbols = ["BTCUSDT", "ETHUSDT"];
    const dataDir = await sampleDir(symbols);
    const cacheDir = await Deno.makeTempDir({ prefix: "factorium-cache-" });
    const out = await Deno.makeTempDir({ prefix: "factorium-race-" });
    const sources: string[] = [];
    for (const symbol of symbols) {
      for (const day of ["01", "02", "03"]) {
        sources.push(
          `${dataDir}/market=futures_um/data_type=aggTrades/symbol=${symbol}/year=2024/month=01/day=${day}/data.parquet`,
        );
      }
    }
    const direct = new DataLoader({ dataDir, cacheDir });
    const expected = {
      time: (await direct.loadAggBar({ ...request(symbols), cache: false }))
        .toPolars(),
      volume: (await direct.loadAggBar({
        ...request(symbols),
        bar: { type: "volume", volume: 5 },
        cache: false,
      })).toPolars(),
    };
    await direct.close();
    // Touch one source file every few ms, each with a new mtime, so that the
    // processes keep computing different fingerprints for the same days.
    let touching = true;
    const toucher = (async () => {
      for (let i = 0; touching; i++) {
        const when = new Date(START + i * 1_000);
        await Deno.utime(sources[i % sources.length], when, when);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();
    const WORKERS = 4;
    const LOADS = 6;
    // Three load time bars (each commits a file per symbol-day), one volume
    // bars (a file per symbol and request).
    const TIME_WORKERS = 3;
    const worker = (id: number, bar: "time" | "volume") =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-q",
          "-A",
          new URL("./_load_worker.ts", import.meta.url).pathname,
          dataDir,
          cacheDir,
          out,
          `${bar}${id}`,
          String(LOADS),
          JSON.stringify(
            bar === "time"
              ? request(symbols)
              : { ...request(symbols), bar: { type: "volume", volume: 5 } },
          ),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const runs = await Promise.all(
      Array.from(
        { length: WORKERS },
        (_, id) => worker(id, id < TIME_WORKERS ? "time" : "volume"),
      ),
    );
    touching = false;
    await toucher;
    const stderr = runs.map((r) => new TextDecoder().decode(r.stderr)).join("");
    assert.equal(stderr, "", "no load fails and none warns");
    for (let id = 0; id < WORKERS; id++) {
      assert.equal(runs[id].code, 0);
      const bar = id < TIME_WORKERS ? "time" : "volume";
      for (let i = 0; i < LOADS; i++) {
        const got = pl.readParquet(`${out}/${bar}${id}-${i}.parquet`);
        assert.ok(got.frameEqual(expected[bar]), `${bar}${id} load ${i}`);
      }
    }
  },
);

Deno.test(
  "loadAggBar() removes scratch directories a killed load left in the cache a day ago and keeps younger ones",
  opts,
  async () => {
    const dataDir = await sampleDir(["BTCUSDT"]);
    const cache = `${dataDir}/.cache`;
    await Deno.mkdir(`${cache}/.tmp-killed/part=BTCUSDT/day=19723`, {
      recursive: true,
    });
    await Deno.writeFile(
      `${cache}/.tmp-killed/part=BTCUSDT/day=19723/data_0.parquet`,
      new Uint8Array(1_000),
    );
    const dayAndAMinuteAgo = new Date(Date.now() - 24 * 3_600_000 - 60_000);
    await Deno.utime(
      `${cache}/.tmp-killed`,
      dayAndAMinuteAgo,
      dayAndAMinuteAgo,
    );
    await Deno.mkdir(`${cache}/.tmp-live`);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await Deno.utime(`${cache}/.tmp-live`, hourAgo, hourAgo);
    const loader = new DataLoader({ dataDir });
    await loader.loadAggBar(request(["BTCUSDT"]));
    await loader.close();
    const left = [...Deno.readDirSync(cache)].map((e) => e.name).sort();
    assert.deepEqual(left, [".tmp-live", "binance"]);
  },
);

Deno.test(
  "a cache-off load removes the system temp scratch directories a killed cache-off load left a day ago",
  opts,
  async () => {
    const dataDir = await sampleDir(["BTCUSDT"]);
    const probe = await Deno.makeTempDir({ prefix: "factorium-bars-probe-" });
    const temp = dirname(probe);
    await Deno.remove(probe);
    const killed = `${temp}/factorium-bars-killed-${crypto.randomUUID()}`;
    const live = `${temp}/factorium-bars-live-${crypto.randomUUID()}`;
    await Deno.mkdir(killed);
    await Deno.writeFile(`${killed}/bars.parquet`, new Uint8Array(1_000));
    await Deno.mkdir(live);
    const dayAndAMinuteAgo = new Date(Date.now() - 24 * 3_600_000 - 60_000);
    await Deno.utime(killed, dayAndAMinuteAgo, dayAndAMinuteAgo);
    const loader = new DataLoader({ dataDir });
    await loader.loadAggBar({ ...request(["BTCUSDT"]), cache: false });
    await loader.close();
    await assert.rejects(Deno.stat(killed), Deno.errors.NotFound);
    await Deno.stat(live);
    await Deno.remove(live);
  },
);

Deno.test(
  "BarCache.read() answers a file deleted while it is read (by another process tidying the cache) as a miss, without a warning",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "factorium-cache-" });
    const warnings: string[] = [];
    const cache = new BarCache(dir, (m) => warnings.push(m));
    const bars = pl.DataFrame({ close: [1.5, null, 3] });
    let misses = 0;
    for (let i = 0; i < 50; i++) {
      const path = `${dir}/${i}.parquet`;
      bars.writeParquet(path);
      // The removal lands between read()'s existence check and its read
      // most of the time, before the check the rest.
      const [got] = await Promise.all([
        cache.read(path, ["close"]),
        Deno.remove(path),
      ]);
      if (got) assert.ok(got.frameEqual(bars, true), `read ${i}`);
      else misses++;
    }
    assert.deepEqual(warnings, []);
    assert.ok(misses > 0, "the removal raced some reads");
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test(
  "a streamed load keeps the bars in one cache file per UTC day, equals the in-memory load, and a warm one builds and compacts nothing",
  opts,
  async () => {
    const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
    const dataDir = await sampleDir(symbols);
    const loader = new DataLoader({ dataDir });
    // 7-minute bars cross UTC midnight; the range starts and ends mid-day.
    const partial = {
      ...request(symbols),
      start: START + 5 * 3_600_000,
      end: START + 2 * 86_400_000 + 13 * 3_600_000,
      days: undefined,
    };
    for (const options of [request(symbols), partial]) {
      const inMemory = await loader.loadAggBar(options);
      const streamed = await loader.loadAggBar({ ...options, streamed: true });
      assert.equal(streamed.streamed, true);
      assert.deepEqual(streamed.metadata, inMemory.metadata);
      assert.deepEqual(streamed.symbols, symbols.toSorted());
      assert.ok(
        streamed.toPolars().frameEqual(inMemory.toPolars(), true),
        "same rows, columns and order",
      );
      const factor = "cs_rank(ts_delta(close, 3))";
      assert.ok(
        (await streamed.compute({ f: factor })).frameEqual(
          await inMemory.compute({ f: factor }),
          true,
        ),
      );
    }
    const dayFiles = [...(await cacheFiles(`${dataDir}/.cache`)).keys()]
      .filter((path) => path.includes("/_days/"));
    assert.equal(dayFiles.length, 3, "one file per UTC day (the latest kept)");
    const before = await cacheFiles(`${dataDir}/.cache`);
    const queries = await loader.aggregationCount();
    const warm = await loader.loadAggBar({ ...partial, streamed: true });
    assert.equal(await loader.aggregationCount(), queries);
    assert.deepEqual(await cacheFiles(`${dataDir}/.cache`), before);
    assert.equal(warm.streamed, true);
    await assert.rejects(
      () =>
        loader.loadAggBar({
          ...request(symbols),
          streamed: true,
          cache: false,
        }),
      /streamed: expected time bars with the cache on/,
    );
    await assert.rejects(
      () =>
        loader.loadAggBar({
          ...request(symbols),
          bar: { type: "tick", ticks: 100 },
          streamed: true,
        }),
      /tick bars/,
    );
    await loader.close();
    await Deno.remove(dataDir, { recursive: true });
  },
);
