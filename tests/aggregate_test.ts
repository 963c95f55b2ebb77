import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DataLoader, generateSample } from "../mod.ts";
import {
  listParquet,
  readAggTrades,
  type RefBar,
  type RefBarSpec,
  referenceBars,
  type Ticks,
  writeAggTrades,
} from "./_reference.ts";

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
const opts = { sanitizeResources: false, sanitizeOps: false };

/** Generated sample ticks (3 symbols × 2 days) shared by the tests below. */
const sample = (async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-agg-" });
  await generateSample({
    dataDir,
    symbols: SYMBOLS,
    start: START,
    days: 2,
    tradesPerDay: 4_000,
    seed: 7,
  });
  return { dataDir, ticks: readAggTrades(listParquet(dataDir)) };
})();

const EXACT = new Set([
  "symbol",
  "start_time",
  "end_time",
  "trades",
  "num_buyer",
  "num_seller",
]);

/** Asserts bars equal the reference: exact keys and counts, 1e-9 relative on floats. */
function assertBarsEqual(
  actual: Record<string, unknown>[],
  expected: RefBar[],
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: bar count`);
  for (let i = 0; i < expected.length; i++) {
    for (const [key, want] of Object.entries(expected[i])) {
      const got = actual[i][key];
      if (!EXACT.has(key)) {
        const tolerance = 1e-9 * Math.max(1, Math.abs(want));
        assert.ok(
          typeof got === "number" && Math.abs(got - want) <= tolerance,
          `${label}: bar ${i} ${key}: got ${got}, want ${want}`,
        );
      } else {
        assert.equal(
          got,
          want,
          `${label}: bar ${i} (${expected[i].symbol}) ${key}`,
        );
      }
    }
  }
}

async function load(
  dataDir: string,
  bar: RefBarSpec,
  extra: Record<string, unknown> = {},
) {
  const loader = new DataLoader({ dataDir });
  try {
    const agg = await loader.loadAggBar({
      symbols: SYMBOLS,
      start: START,
      end: START + 2 * DAY,
      bar,
      buyerSeller: true,
      ...extra,
    });
    return agg.toRecords();
  } finally {
    await loader.close();
  }
}

function thresholds(ticks: Ticks) {
  const total = ticks.qty.reduce((a, b) => a + b, 0);
  const value = ticks.qty.reduce((a, q, i) => a + q * ticks.price[i], 0);
  return { volume: total / 600, dollars: value / 600 };
}

for (
  const [label, spec] of [
    ["1-minute time bars", { type: "time", intervalMs: 60_000 }],
    ["7-minute time bars (crossing UTC midnight)", {
      type: "time",
      intervalMs: 420_000,
    }],
    ["tick bars", { type: "tick", ticks: 37 }],
    ["volume bars", "volume"],
    ["dollar bars", "dollar"],
  ] as const
) {
  for (const cache of [true, false]) {
    Deno.test(
      `loadAggBar() builds ${label} equal to the plain-loop reference for several symbols (cache ${
        cache ? "on" : "off"
      })`,
      opts,
      async () => {
        const { dataDir, ticks } = await sample;
        const { volume, dollars } = thresholds(ticks);
        const bar: RefBarSpec = spec === "volume"
          ? { type: "volume", volume }
          : spec === "dollar"
          ? { type: "dollar", dollars }
          : spec;
        const expected = referenceBars(ticks, bar, {
          start: START,
          end: START + 2 * DAY,
        });
        assert.ok(expected.length > 100, "the test needs many bars");
        assert.deepEqual(
          [...new Set(expected.map((b) => b.symbol))].sort(),
          SYMBOLS,
        );
        assertBarsEqual(await load(dataDir, bar, { cache }), expected, label);
      },
    );
  }
}

Deno.test(
  "loadAggBar() puts a trade exactly on a bar boundary into the later bar and keeps a bar crossing midnight whole",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-edge-" });
    const midnight = START + DAY;
    // 7-minute grid: the bar holding midnight starts 4 minutes before it.
    const straddle = Math.floor(midnight / 420_000) * 420_000;
    const ticks: Ticks = {
      symbol: ["AAA", "AAA", "AAA", "AAA", "BBB", "BBB", "AAA", "AAA"],
      id: [1, 2, 3, 4, 1, 2, 5, 6],
      time: [
        START + 60_000 - 1,
        START + 60_000, // exactly on a 1-minute boundary
        START + 60_000, // same millisecond, next id
        straddle + 1_000,
        straddle + 2_000,
        midnight + 5_000, // BBB's tick after midnight, same 7-minute bar
        midnight, // exactly midnight
        midnight + 60_000,
      ],
      price: [10, 11, 12, 13, 100, 101, 14, 15],
      qty: [1, 2, 3, 4, 5, 6, 7, 8],
      isBuyerMaker: [true, false, true, false, true, false, true, false],
    };
    writeAggTrades(dataDir, ticks);
    const range = { start: START, end: START + 2 * DAY };
    for (const intervalMs of [60_000, 420_000]) {
      for (const cache of [true, false]) {
        const loader = new DataLoader({ dataDir, onWarning: () => {} });
        const agg = await loader.loadAggBar({
          symbols: ["AAA", "BBB"],
          ...range,
          bar: { type: "time", intervalMs },
          buyerSeller: true,
          cache,
        });
        await loader.close();
        const expected = referenceBars(
          ticks,
          { type: "time", intervalMs },
          range,
        );
        assertBarsEqual(
          agg.toRecords(),
          expected,
          `${intervalMs} ms, cache ${cache}`,
        );
      }
    }
    const loader = new DataLoader({ dataDir });
    const minute = (await loader.loadAggBar({
      symbols: "AAA",
      ...range,
      bar: { type: "time", intervalMs: 60_000 },
    })).toRecords();
    await loader.close();
    assert.deepEqual(
      minute.slice(0, 2).map((b) => [b.start_time, b.open, b.close, b.trades]),
      [
        [START, 10, 10, 1],
        [START + 60_000, 11, 12, 2],
      ],
    );
  },
);

Deno.test(
  "loadAggBar() gives the same bars from spot microsecond timestamps as from milliseconds",
  opts,
  async () => {
    const spotDir = await Deno.makeTempDir({ prefix: "factorium-spot-" });
    await generateSample({
      dataDir: spotDir,
      market: "spot",
      symbols: ["BTCUSDT", "ETHUSDT"],
      start: START,
      days: 2,
      tradesPerDay: 2_000,
    });
    const ticks = readAggTrades(listParquet(spotDir));
    const msDir = await Deno.makeTempDir({ prefix: "factorium-ms-" });
    writeAggTrades(msDir, ticks, "spot");
    const request = {
      symbols: ["BTCUSDT", "ETHUSDT"],
      start: START,
      days: 2,
      market: "spot",
      bar: { type: "time", intervalMs: 300_000 },
      buyerSeller: true,
    } as const;
    const loaderUs = new DataLoader({ dataDir: spotDir });
    const loaderMs = new DataLoader({ dataDir: msDir });
    const fromUs = await loaderUs.loadAggBar(request);
    const fromMs = await loaderMs.loadAggBar(request);
    await loaderUs.close();
    await loaderMs.close();
    assert.ok(fromUs.length > 100);
    assert.ok(fromUs.toPolars().frameEqual(fromMs.toPolars()));
    assertBarsEqual(
      fromUs.toRecords(),
      referenceBars(ticks, request.bar, { start: START, end: START + 2 * DAY }),
      "spot",
    );
  },
);

Deno.test(
  "loadAggBar() builds volume bars in trade order from files whose rows are not sorted by id",
  opts,
  async () => {
    const { ticks } = await sample;
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-shuffled-" });
    const files = writeAggTrades(dataDir, ticks);
    for (const file of files) {
      pl.readParquet(file).sample({ frac: 1, withReplacement: false, seed: 5 })
        .writeParquet(file);
    }
    const { volume } = thresholds(ticks);
    const bar = { type: "volume", volume } as const;
    const range = { start: START, end: START + 2 * DAY };
    assertBarsEqual(
      await load(dataDir, bar, { cache: false }),
      referenceBars(ticks, bar, range),
      "shuffled files",
    );
  },
);
