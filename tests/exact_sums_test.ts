/**
 * Exact decimal sums: bars compared with a bigint loop over the decimal text
 * each price and quantity was generated from (never over the doubles), on a
 * sub-cent symbol with 12-decimal prices and fractional quantities, a meme
 * coin with 1e11..1e13-unit trades and an ordinary one.
 */
import assert from "node:assert/strict";
import { DataFileError, DataLoader } from "../mod.ts";
import { type Ticks, writeAggTrades } from "./_reference.ts";

const START = Date.UTC(2024, 0, 1);
const opts = { sanitizeResources: false, sanitizeOps: false };

/** One generated trade with the decimal text of its price and quantity. */
interface Trade {
  symbol: string;
  id: number;
  time: number;
  price: string;
  qty: string;
  isBuyerMaker: boolean;
}

/** A decimal string as an integer of 10^-decimals units (exact). */
function units(text: string, decimals: number): bigint {
  const [whole, fraction = ""] = text.split(".");
  assert.ok(fraction.length <= decimals, `${text} has > ${decimals} decimals`);
  return BigInt(whole + fraction.padEnd(decimals, "0"));
}

/** The double nearest to `n × 10^-decimals` (JS parses decimal text exactly). */
function toNumber(n: bigint, decimals: number): number {
  const text = n.toString().padStart(decimals + 1, "0");
  return Number(`${text.slice(0, -decimals)}.${text.slice(-decimals)}`);
}

/** `a / b` to 30 significant digits, then the nearest double. */
function ratio(a: bigint, b: bigint): number {
  return toNumber(a * 10n ** 30n / b, 30);
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `digits` random decimal digits after `whole`, e.g. decimal(r, "0", 3). */
function decimal(r: () => number, whole: string, digits: number): string {
  let text = "";
  for (let i = 0; i < digits; i++) text += Math.floor(r() * 10);
  return digits === 0 ? whole : `${whole}.${text}`;
}

/** Trades of three symbols over one day; the awkward cases of the issue. */
function generate(perSymbol: number): Trade[] {
  const r = random(13);
  const trades: Trade[] = [];
  const symbols = {
    // ~0.0123, 12 decimals, 0.001-unit trades and 8-decimal quantities.
    SUBCENTUSDT: () => ({
      price: decimal(r, "0", 12).replace(/^0\.\d\d/, "0.01"),
      qty: r() < 0.5
        ? decimal(r, "0", 3)
        : decimal(r, String(Math.floor(r() * 50)), 8),
    }),
    // ~1e-5, 8 decimals, 1e11..1e13-unit trades with 0..2 decimals.
    PEPEUSDT: () => ({
      price: `0.0000${Math.floor(1000 + r() * 9000)}`,
      qty: decimal(
        r,
        String(Math.floor(10 ** (11 + 2 * r()))),
        Math.floor(r() * 3),
      ),
    }),
    BTCUSDT: () => ({
      price: decimal(r, String(40_000 + Math.floor(r() * 5000)), 2),
      qty: decimal(r, "0", 8),
    }),
  };
  for (const [symbol, draw] of Object.entries(symbols)) {
    let time = START;
    for (let id = 1; id <= perSymbol; id++) {
      // Several trades in the same millisecond now and then.
      if (r() < 0.9) time += Math.floor(r() * (86_400_000 / perSymbol) * 1.5);
      if (time >= START + 86_400_000) break;
      const { price, qty } = draw();
      trades.push({ symbol, id, time, price, qty, isBuyerMaker: r() < 0.5 });
    }
  }
  return trades;
}

function write(dataDir: string, trades: Trade[]): void {
  const ticks: Ticks = {
    symbol: trades.map((t) => t.symbol),
    id: trades.map((t) => t.id),
    time: trades.map((t) => t.time),
    price: trades.map((t) => Number(t.price)),
    qty: trades.map((t) => Number(t.qty)),
    isBuyerMaker: trades.map((t) => t.isBuyerMaker),
  };
  writeAggTrades(dataDir, ticks);
}

interface ExactBar {
  symbol: string;
  trades: number;
  volume: number;
  vwap: number;
  buy: number;
  sell: number;
}

/** Bigint sums of one group of trades. */
function exactBar(symbol: string, trades: Trade[]): ExactBar {
  let q = 0n, v = 0n, buy = 0n, sell = 0n;
  for (const t of trades) {
    const qu = units(t.qty, 8);
    q += qu;
    v += units(t.price, 12) * qu;
    if (t.isBuyerMaker) sell += qu;
    else buy += qu;
  }
  return {
    symbol,
    trades: trades.length,
    volume: toNumber(q, 8),
    vwap: ratio(v, q * 10n ** 12n),
    buy: toNumber(buy, 8),
    sell: toNumber(sell, 8),
  };
}

/** Checks bars against the exact reference: sums to the last bit, vwap to 1e-12. */
function assertExact(
  actual: Record<string, unknown>[],
  expected: ExactBar[],
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: bar count`);
  for (let i = 0; i < expected.length; i++) {
    const got = actual[i], want = expected[i];
    const where = `${label}: bar ${i} of ${want.symbol}`;
    assert.equal(got.symbol, want.symbol, where);
    assert.equal(got.trades, want.trades, `${where}: trades`);
    assert.equal(got.volume, want.volume, `${where}: volume`);
    assert.equal(got.num_buyer_volume, want.buy, `${where}: buyer volume`);
    assert.equal(got.num_seller_volume, want.sell, `${where}: seller volume`);
    const vwap = got.vwap as number;
    assert.ok(
      Math.abs(vwap - want.vwap) <= 1e-12 * want.vwap,
      `${where}: vwap ${vwap}, exact ${want.vwap}`,
    );
  }
}

const sample = (async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-exact-" });
  const trades = generate(3_000);
  write(dataDir, trades);
  return { dataDir, trades };
})();

async function load(
  dataDir: string,
  symbols: string[],
  bar: Record<string, unknown>,
  cache: boolean,
): Promise<Record<string, unknown>[]> {
  const loader = new DataLoader({ dataDir });
  try {
    const agg = await loader.loadAggBar({
      symbols,
      start: START,
      days: 1,
      bar: bar as never,
      buyerSeller: true,
      cache,
    });
    return agg.toPolars().sort(["symbol", "start_time"]).toRecords();
  } finally {
    await loader.close();
  }
}

const TIME_CASES: [string, string][] = [
  [
    "SUBCENTUSDT",
    "a sub-cent symbol with 12-decimal prices and fractional quantities",
  ],
  ["PEPEUSDT", "1e11..1e13-unit trades"],
  ["BTCUSDT", "8-decimal quantities"],
];
for (const [symbol, label] of TIME_CASES) {
  for (const cache of [true, false]) {
    Deno.test(
      `loadAggBar() sums 1-minute bars exactly on ${label} (cache ${
        cache ? "on" : "off"
      })`,
      opts,
      async () => {
        const { dataDir, trades } = await sample;
        const groups = new Map<number, Trade[]>();
        for (const t of trades.filter((t) => t.symbol === symbol)) {
          const minute = Math.floor(t.time / 60_000);
          groups.set(minute, [...(groups.get(minute) ?? []), t]);
        }
        const expected = [...groups.keys()].sort((a, b) => a - b).map((
          minute,
        ) => exactBar(symbol, groups.get(minute)!));
        const actual = await load(
          dataDir,
          [symbol],
          { type: "time", intervalMs: 60_000 },
          cache,
        );
        assertExact(actual, expected, "time bars");
      },
    );
  }
}

Deno.test(
  "loadAggBar() gives bit-identical exact time bars with the cache on and off",
  opts,
  async () => {
    const { dataDir } = await sample;
    const symbols = ["BTCUSDT", "PEPEUSDT", "SUBCENTUSDT"];
    const bar = { type: "time", intervalMs: 300_000 };
    const off = await load(dataDir, symbols, bar, false);
    const on = await load(dataDir, symbols, bar, true);
    assert.deepEqual(on, off);
  },
);

/** Sequential bars by a bigint loop: close when the decimal sum reaches the threshold. */
function exactSequential(
  trades: Trade[],
  kind: "volume" | "dollar",
  threshold: string,
): ExactBar[] {
  const limit = units(threshold, kind === "volume" ? 8 : 20);
  const bars: ExactBar[] = [];
  let open: Trade[] = [], sum = 0n;
  for (const t of trades) {
    open.push(t);
    const q = units(t.qty, 8);
    sum += kind === "volume" ? q : units(t.price, 12) * q;
    if (sum >= limit) {
      bars.push(exactBar(t.symbol, open));
      open = [];
      sum = 0n;
    }
  }
  if (open.length > 0) bars.push(exactBar(open[0].symbol, open));
  return bars;
}

Deno.test(
  "loadAggBar() closes a 0.1 volume bar on the tenth 0.01 trade, not one trade late",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-exact-" });
    const trades = Array.from({ length: 11 }, (_, i): Trade => ({
      symbol: "BTCUSDT",
      id: i + 1,
      time: START + i * 1000,
      price: "42000.5",
      qty: "0.01",
      isBuyerMaker: i % 2 === 0,
    }));
    write(dataDir, trades);
    const bars = await load(
      dataDir,
      ["BTCUSDT"],
      { type: "volume", volume: 0.1 },
      false,
    );
    assert.deepEqual(bars.map((b) => b.trades), [10, 1]);
    assert.deepEqual(bars.map((b) => b.volume), [0.1, 0.01]);
  },
);

const THRESHOLDS: Record<
  string,
  { kind: "volume" | "dollar"; values: string[] }
> = {
  BTCUSDT: {
    kind: "volume",
    values: ["0.1", "1.1", "0.3", "0.07", "2.5", "0.123", "0.00000001", "3"],
  },
  SUBCENTUSDT: {
    kind: "volume",
    values: ["0.1", "7.7", "25.001", "100", "0.003"],
  },
  PEPEUSDT: {
    kind: "volume",
    values: ["100000000000", "2500000000000.5", "10000000000000"],
  },
};

for (const [symbol, { kind, values }] of Object.entries(THRESHOLDS)) {
  Deno.test(
    `loadAggBar() closes ${symbol} ${kind} bars exactly where a bigint loop does, for decimal thresholds ${
      values.join(", ")
    }`,
    opts,
    async () => {
      const { dataDir, trades } = await sample;
      const mine = trades.filter((t) => t.symbol === symbol);
      for (const value of values) {
        const bars = await load(
          dataDir,
          [symbol],
          {
            type: kind,
            [kind === "volume" ? "volume" : "dollars"]: Number(value),
          },
          false,
        );
        assertExact(
          bars,
          exactSequential(mine, kind, value),
          `${kind} ${value}`,
        );
      }
    },
  );
}

Deno.test(
  "loadAggBar() closes dollar bars exactly where a bigint loop does on sub-cent and meme-coin trades",
  opts,
  async () => {
    const { dataDir, trades } = await sample;
    const cases: [string, string[]][] = [
      ["SUBCENTUSDT", ["0.1", "0.37", "1.000000000001", "12.5"]],
      ["PEPEUSDT", ["1000000.01", "25000000", "123456.789"]],
      ["BTCUSDT", ["1000.01", "42000.5", "7777.77"]],
    ];
    for (const [symbol, values] of cases) {
      const mine = trades.filter((t) => t.symbol === symbol);
      for (const value of values) {
        const bars = await load(
          dataDir,
          [symbol],
          { type: "dollar", dollars: Number(value) },
          false,
        );
        assertExact(
          bars,
          exactSequential(mine, "dollar", value),
          `${symbol} dollar ${value}`,
        );
      }
    }
  },
);

Deno.test(
  "loadAggBar() sums exactly across many random decimal volume thresholds",
  opts,
  async () => {
    const { dataDir, trades } = await sample;
    const mine = trades.filter((t) => t.symbol === "SUBCENTUSDT");
    const r = random(99);
    for (let i = 0; i < 12; i++) {
      const value = decimal(
        r,
        String(Math.floor(r() * 30)),
        1 + Math.floor(r() * 4),
      );
      const bars = await load(
        dataDir,
        ["SUBCENTUSDT"],
        { type: "volume", volume: Number(value) },
        false,
      );
      assertExact(
        bars,
        exactSequential(mine, "volume", String(Number(value))),
        `volume ${value}`,
      );
    }
  },
);

Deno.test(
  "loadAggBar() sums trades of 1e15 units exactly in time bars and volume bars",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-exact-" });
    const sizes = [
      "1000000000000000",
      "123456789012345",
      "5000000000000.25",
      "0.00000001",
      "999999999999999",
    ];
    const trades = sizes.flatMap((qty, i) =>
      [0, 1].map((j): Trade => ({
        symbol: "BTTCUSDT",
        id: 2 * i + j + 1,
        time: START + (2 * i + j) * 20_000,
        price: j === 0 ? "0.00000123" : "0.000000999999",
        qty,
        isBuyerMaker: j === 1,
      }))
    );
    write(dataDir, trades);
    const minutes = new Map<number, Trade[]>();
    for (const t of trades) {
      const minute = Math.floor(t.time / 60_000);
      minutes.set(minute, [...(minutes.get(minute) ?? []), t]);
    }
    for (const cache of [true, false]) {
      assertExact(
        await load(
          dataDir,
          ["BTTCUSDT"],
          { type: "time", intervalMs: 60_000 },
          cache,
        ),
        [...minutes.values()].map((group) => exactBar("BTTCUSDT", group)),
        `time bars (cache ${cache})`,
      );
    }
    assertExact(
      await load(
        dataDir,
        ["BTTCUSDT"],
        { type: "volume", volume: 2e15 },
        false,
      ),
      exactSequential(trades, "volume", "2000000000000000"),
      "volume bars",
    );
  },
);

Deno.test(
  "loadAggBar() refuses with a DataFileError a volume bar whose exact sum passes 9e15 units, and sums a single 1e16-unit trade as the integer it is",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-exact-" });
    const trades = ["5000000000000000", "5000000000000000"].map((
      qty,
      i,
    ): Trade => ({
      symbol: "BTTCUSDT",
      id: i + 1,
      time: START + i * 20_000,
      price: "0.00000123",
      qty,
      isBuyerMaker: false,
    }));
    write(dataDir, trades);
    await assert.rejects(
      load(dataDir, ["BTTCUSDT"], { type: "volume", volume: 2e16 }, false),
      DataFileError,
    );
    // One trade above 2^53 units: the double holds an integer, summed as is.
    const hugeDir = await Deno.makeTempDir({ prefix: "factorium-exact-" });
    write(hugeDir, [{ ...trades[0], qty: "10000000000000000" }]);
    for (const cache of [true, false]) {
      const bars = await load(
        hugeDir,
        ["BTTCUSDT"],
        { type: "time", intervalMs: 60_000 },
        cache,
      );
      assert.deepEqual(bars.map((b) => [b.volume, b.vwap]), [[
        1e16,
        0.00000123,
      ]]);
    }
  },
);
