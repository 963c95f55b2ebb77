import assert from "node:assert/strict";
import {
  AggBar,
  DataLoader,
  generateSample,
  InvalidArgumentError,
} from "../mod.ts";
import {
  BarFeed,
  type FeedRunResult,
  parseTimestep,
  type StrategyContext,
} from "../src/feed/mod.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { lastAtOrBefore } from "../src/feed/bars.ts";
import { firstAtOrAfter } from "../src/bar_rows.ts";
import { random } from "./_factor_data.ts";
import {
  compareValues,
  refHistory,
  refLastPrice,
  refResample,
  type RefRow,
  symbolRows,
} from "./_feed_reference.ts";

const M = 60_000;
const H = 3_600_000;
const DAY = 86_400_000;
const opts = { sanitizeResources: false, sanitizeOps: false };

// ---- parity data ------------------------------------------------------------

/** 7-minute bars (they do not divide a day, so some cross UTC midnight). */
const STEP = 7 * M;
/** On the 7-minute grid, 4 hours before 2024-01-02 00:00 UTC. */
const T0 = Math.floor((Date.UTC(2024, 0, 2) - 4 * H) / STEP) * STEP;
const BARS = 700; // ~3.4 days: crosses three midnights
const COARSE = ["14m", "70m", "7h"] as const;

/**
 * Four symbols of 7-minute bars:
 * - AAAUSDT: every bar;
 * - BBBUSDT: ~25% of bars missing (gaps), some null closes and volumes,
 *   num_buyer null on some bars;
 * - CCCUSDT: starts 300 bars late, ends 100 bars early, num_buyer all null;
 * - DDDUSDT: a single bar.
 */
function parityRows(seed = 11): RefRow[] {
  const rand = random(seed);
  const rows: RefRow[] = [];
  const add = (symbol: string, i: number, price: number, nulls: boolean) => {
    const close = price * (1 + (rand() - 0.5) * 0.01);
    const volume = 1 + rand() * 10;
    const row: RefRow = {
      symbol,
      start_time: T0 + i * STEP,
      end_time: T0 + (i + 1) * STEP,
      open: price,
      high: Math.max(price, close) * 1.001,
      low: Math.min(price, close) * 0.999,
      close: nulls && rand() < 0.03 ? null : close,
      volume: nulls && rand() < 0.03 ? null : volume,
      vwap: (price + close) / 2,
      trades: Math.floor(1 + rand() * 50),
      num_buyer: symbol === "CCCUSDT" || (nulls && rand() < 0.3)
        ? null
        : Math.floor(rand() * 20),
    };
    rows.push(row);
    return close;
  };
  let a = 100, b = 2_000, c = 5;
  for (let i = 0; i < BARS; i++) {
    a = add("AAAUSDT", i, a, false);
    if (rand() < 0.75) b = add("BBBUSDT", i, b, true);
    if (i >= 300 && i < BARS - 100) c = add("CCCUSDT", i, c, false);
  }
  add("DDDUSDT", 420, 42, false);
  // Shuffle: the feed must not rely on the input order.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

function aggOf(rows: RefRow[], bar = true): AggBar {
  return AggBar.fromRecords(
    rows,
    bar ? { bar: { type: "time", intervalMs: STEP } } : {},
  );
}

const SYMBOLS = ["AAAUSDT", "BBBUSDT", "CCCUSDT", "DDDUSDT"];

/** A random query time of one of the interesting kinds. */
function queryTime(rand: () => number, rows: RefRow[]): number {
  const bar = rows[Math.floor(rand() * rows.length)];
  switch (Math.floor(rand() * 7)) {
    case 0:
      return T0 - Math.floor(rand() * DAY); // before the first bar
    case 1:
    case 2:
      return bar.end_time; // exactly on an end_time
    case 3:
      return bar.end_time - 1; // just before it
    case 4:
      return bar.end_time + 1 + Math.floor(rand() * (STEP - 2)); // between
    case 5:
      return T0 + (BARS + 1) * STEP + Math.floor(rand() * DAY); // after the last
    default:
      return T0 + Math.floor(rand() * (BARS + 2) * STEP);
  }
}

function assertRowsEqual(
  got: Record<string, unknown>[],
  want: RefRow[],
  label: string,
  relative = 0,
): void {
  assert.equal(got.length, want.length, `${label}: number of bars`);
  for (let i = 0; i < want.length; i++) {
    for (const [key, value] of Object.entries(want[i])) {
      const problem = compareValues(got[i][key], value, relative);
      assert.equal(problem, "", `${label}: bar ${i} ${key}: ${problem}`);
    }
  }
}

// ---- lastPrice / history parity ---------------------------------------------

Deno.test("lastPrice and history agree with the naive reference on 2,000 random queries", () => {
  const rows = parityRows();
  const feed = new BarFeed(aggOf(rows), { resample: [...COARSE] });
  const coarse = new Map<string, RefRow[]>(
    COARSE.map((step) => [step, refResample(rows, parseTimestep(step))]),
  );
  const rand = random(5);
  const kinds = { before: 0, onEnd: 0, empty: 0, partial: 0, nullValue: 0 };
  for (let q = 0; q < 2_000; q++) {
    const symbol = SYMBOLS[Math.floor(rand() * SYMBOLS.length)];
    const at = queryTime(rand, rows);
    const label = `query ${q}: ${symbol} at ${new Date(at).toISOString()}`;
    // Times as Date and ISO string give the same answers as epoch ms.
    const form = q % 10 === 0
      ? new Date(at)
      : q % 10 === 1
      ? new Date(at).toISOString()
      : at;

    for (const column of ["close", "volume", "num_buyer", "trades"]) {
      const want = refLastPrice(rows, symbol, at, column);
      const got = column === "close"
        ? feed.lastPrice(symbol, form)
        : feed.lastPrice(symbol, form, { column });
      assert.ok(
        Object.is(got, want),
        `${label}: lastPrice ${column}: got ${got}, want ${want}`,
      );
      if (Number.isNaN(want)) kinds.nullValue++;
    }

    const length = [1, 2, 5, 50, 1_000][Math.floor(rand() * 5)];
    const want = refHistory(rows, symbol, length, at);
    const bars = feed.history(symbol, length, form);
    assert.equal(bars.symbol, symbol);
    assert.equal(bars.timestep, STEP);
    assert.equal(bars.length, want.length, `${label}: history length`);
    assert.deepEqual(
      [...bars.endTimes],
      want.map((r) => r.end_time),
      `${label}: end times`,
    );
    assert.deepEqual(
      [...bars.startTimes],
      want.map((r) => r.start_time),
      `${label}: start times`,
    );
    assert.deepEqual(
      [...bars.close],
      want.map((r) => r.close ?? NaN),
      `${label}: close`,
    );
    assert.deepEqual(
      [...bars.column("num_buyer")],
      want.map((r) => r.num_buyer ?? NaN),
      `${label}: num_buyer`,
    );
    assertRowsEqual(bars.toRecords(), want, `${label}: records`);
    if (want.length === 0) kinds.empty++;
    else if (want.length < length) kinds.partial++;
    if (at < T0) kinds.before++;
    if (want.length > 0 && want[want.length - 1].end_time === at) {
      kinds.onEnd++;
    }

    // The same query at a coarser timestep, against the naive resample.
    const step = COARSE[Math.floor(rand() * COARSE.length)];
    const wantCoarse = refHistory(coarse.get(step)!, symbol, length, at);
    const coarseBars = feed.history(symbol, length, form, { timestep: step });
    assert.equal(coarseBars.timestep, parseTimestep(step));
    assertRowsEqual(
      coarseBars.toRecords(),
      wantCoarse,
      `${label}: history at ${step}`,
      1e-12,
    );
  }
  // The random queries did reach every case.
  for (const [kind, count] of Object.entries(kinds)) {
    assert.ok(count > 20, `${kind} queries: ${count}`);
  }
});

Deno.test("history at a coarser timestep shows only complete coarse bars (no look-ahead)", () => {
  const rows = parityRows();
  const feed = new BarFeed(aggOf(rows), { resample: ["70m", "7h"] });
  for (const step of [70 * M, 7 * H]) {
    // The end of the second complete bucket.
    const first = Math.ceil(T0 / step) * step + 2 * step;
    for (const at of [first - 1, first, first + 1, first + step - 1]) {
      const bars = feed.history("AAAUSDT", 10_000, at, { timestep: step });
      const ends = [...bars.endTimes];
      assert.ok(ends.every((end) => end <= at), `every end_time <= ${at}`);
      // The bucket in progress at `at` is not visible, the one before is.
      assert.equal(ends[ends.length - 1], Math.floor(at / step) * step);
    }
  }
});

Deno.test("answers at a time do not change when the bars after it change", () => {
  const rows = parityRows();
  const cut = T0 + 400 * STEP + 3 * M; // inside a 7-minute bar
  // After the cut: other prices, volumes, and extra bars.
  const changed = rows.map((r) =>
    r.end_time <= cut ? r : {
      ...r,
      open: Number(r.open) * 3,
      high: Number(r.high) * 3,
      low: Number(r.low) * 3,
      close: Number(r.close ?? 1) * 3,
      volume: 99,
      vwap: 1,
    }
  );
  changed.push({
    symbol: "BBBUSDT",
    start_time: T0 + (BARS + 5) * STEP,
    end_time: T0 + (BARS + 6) * STEP,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 1,
    vwap: 1,
    trades: 1,
    num_buyer: 1,
  });
  const a = new BarFeed(aggOf(rows), { resample: [...COARSE] });
  const b = new BarFeed(aggOf(changed), { resample: [...COARSE] });
  const rand = random(9);
  for (let q = 0; q < 300; q++) {
    const at = cut - Math.floor(rand() * 2 * DAY);
    const symbol = SYMBOLS[q % SYMBOLS.length];
    assert.ok(Object.is(a.lastPrice(symbol, at), b.lastPrice(symbol, at)));
    for (const timestep of [undefined, ...COARSE]) {
      assert.deepEqual(
        a.history(symbol, 30, at, { timestep }).toRecords(),
        b.history(symbol, 30, at, { timestep }).toRecords(),
        `${symbol} at ${at}, timestep ${timestep}`,
      );
    }
  }
});

Deno.test("Bars are views on the feed's columns and convert to Polars and records once", () => {
  const feed = new BarFeed(aggOf(parityRows()));
  const at = T0 + 100 * STEP;
  const bars = feed.history("AAAUSDT", 20, at);
  const again = feed.history("AAAUSDT", 20, at);
  assert.equal(bars.close.buffer, again.close.buffer, "no copy of the column");
  assert.equal(bars.close.length, 20);
  assert.equal(bars.toRecords(), bars.toRecords());
  assert.equal(bars.toPolars(), bars.toPolars());
  assert.equal(bars.toPolars().height, 20);
  assert.deepEqual(
    bars.toPolars().getColumn("close").toArray(),
    [...bars.close],
  );
  assert.deepEqual(bars.columns.slice(0, 2), ["start_time", "end_time"]);
  assert.match(String(bars), /^Bars AAAUSDT: 20 × 7m bars, end_time /);
  const empty = feed.history("CCCUSDT", 5, T0);
  assert.equal(empty.length, 0);
  assert.equal(empty.toPolars().height, 0);
  assert.deepEqual(empty.toRecords(), []);
  assert.equal(feed.lastPrice("CCCUSDT", T0), null);
});

Deno.test("tick bars sharing an end_time are all visible at that time, in their original order", () => {
  const agg = AggBar.fromRecords([
    { symbol: "A", start_time: 0, end_time: 10, close: 1 },
    { symbol: "A", start_time: 10, end_time: 10, close: 2 },
    { symbol: "A", start_time: 10, end_time: 25, close: 3 },
  ], { bar: { type: "tick", ticks: 2 } });
  const feed = new BarFeed(agg);
  assert.equal(feed.interval, null);
  assert.equal(feed.lastPrice("A", 10), 2);
  assert.deepEqual([...feed.history("A", 5, 24).close], [1, 2]);
  assert.deepEqual([...feed.history("A", 5, 25).close], [1, 2, 3]);
});

// ---- resampling -------------------------------------------------------------

Deno.test("resampled bars equal the naive resample, and feed.bars() returns them as an AggBar", () => {
  const rows = parityRows();
  const agg = aggOf(rows);
  const feed = new BarFeed(agg, { resample: ["70m"] });
  assert.equal(feed.bars(), agg);
  assert.equal(feed.bars(STEP), agg);
  assert.deepEqual(feed.timesteps, [STEP, 70 * M]);
  const coarse = feed.bars("70m");
  assert.equal(feed.bars(70 * M), coarse, "built once, cached");
  assert.deepEqual(coarse.metadata.bar, { type: "time", intervalMs: 70 * M });
  const want = refResample(rows, 70 * M);
  const got = SYMBOLS.flatMap((s) =>
    symbolRows(coarse.toRecords() as RefRow[], s)
  );
  assertRowsEqual(got, want, "70m", 1e-12);
  // A timestep not listed in `resample` is built on first use, then kept.
  feed.history("AAAUSDT", 1, T0 + DAY, { timestep: "7h" });
  assert.deepEqual(feed.timesteps, [STEP, 70 * M, 7 * H]);
});

Deno.test("the base interval is detected from bars without a bar spec", () => {
  const rows = parityRows();
  const feed = new BarFeed(aggOf(rows, false), { resample: ["14m"] });
  assert.equal(feed.interval, STEP);
  assert.equal(
    feed.history("AAAUSDT", 3, T0 + DAY, { timestep: "14m" }).length,
    3,
  );
});

/** Loads `intervalMs` time bars of the sample; loader closed afterwards. */
async function loadBars(
  dataDir: string,
  symbols: string[],
  intervalMs: number,
): Promise<AggBar> {
  const loader = new DataLoader({ dataDir });
  try {
    return await loader.loadAggBar({
      symbols,
      start: Date.UTC(2024, 0, 1),
      days: 2,
      bar: { type: "time", intervalMs },
      buyerSeller: true,
    });
  } finally {
    await loader.close();
  }
}

Deno.test(
  "resampled bars equal loadAggBar's coarser time bars built from the same ticks",
  opts,
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "factorium-feed-" });
    try {
      const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
      await generateSample({
        dataDir,
        symbols,
        start: "2024-01-01",
        days: 2,
        tradesPerDay: 5_000,
        seed: 4,
      });
      const loaded = new Map<number, AggBar>();
      for (const interval of [M, 5 * M, H, 7 * M, DAY]) {
        loaded.set(interval, await loadBars(dataDir, symbols, interval));
      }
      const cases = [
        [M, 5 * M],
        [M, H],
        [M, 7 * M],
        [M, DAY],
        [5 * M, H],
      ] as const;
      for (const [base, step] of cases) {
        const feed = new BarFeed(loaded.get(base)!, { resample: [step] });
        const got = feed.bars(step).toRecords();
        const want = loaded.get(step)!.toRecords();
        assert.ok(want.length >= 6, "the test needs bars");
        assert.deepEqual(
          Object.keys(got[0]),
          Object.keys(want[0]),
          "same columns, same order",
        );
        assert.equal(got.length, want.length, `${base} → ${step}: bar count`);
        for (let i = 0; i < want.length; i++) {
          for (const [key, value] of Object.entries(want[i])) {
            const problem = compareValues(
              got[i][key],
              value as number | string | null,
              1e-12,
            );
            assert.equal(
              problem,
              "",
              `${base} → ${step}: bar ${i} (${
                want[i].symbol
              }) ${key}: ${problem}`,
            );
          }
        }
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);

// ---- the event loop ---------------------------------------------------------

const T = Date.UTC(2024, 0, 1);

/** 2 symbols × 5 one-minute bars with round prices. */
function tinyFeed(): BarFeed {
  const rows = [];
  for (let i = 0; i < 5; i++) {
    rows.push({
      symbol: "AUSDT",
      start_time: T + i * M,
      end_time: T + (i + 1) * M,
      open: 10 + i,
      close: 10.5 + i,
    });
    rows.push({
      symbol: "BUSDT",
      start_time: T + i * M,
      end_time: T + (i + 1) * M,
      open: 100 + 2 * i,
      close: 101 + 2 * i,
    });
  }
  return new BarFeed(
    AggBar.fromRecords(rows, { bar: { type: "time", intervalMs: M } }),
  );
}

function near(actual: number, expected: number, label: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${label}: got ${actual}, want ${expected}`,
  );
}

Deno.test("run() fills orders at the next bar's open, charges costs and marks equity at each step", async () => {
  const seen: [number, number, number][] = [];
  const result: FeedRunResult = await tinyFeed().run((ctx) => {
    seen.push([ctx.at, ctx.cash, ctx.equity]);
    if (ctx.index === 0) {
      ctx.order("AUSDT", 100);
      ctx.order("BUSDT", -10);
      assert.equal(ctx.pending("AUSDT"), 100);
      assert.equal(ctx.position("AUSDT"), 0);
    }
    if (ctx.index === 1) assert.equal(ctx.position("BUSDT"), -10);
    if (ctx.index === 2) ctx.order("AUSDT", -100);
    if (ctx.index === 4) ctx.order("BUSDT", 10); // no bar left to fill it
  }, { capital: 10_000, costBps: 10 });

  // Step 1: A 100 @ 11 (cost 1.1), B -10 @ 102 (cost 1.02).
  const cash1 = 10_000 - 1_100 - 1.1 + 1_020 - 1.02;
  // Step 3: A -100 @ 13 (cost 1.3).
  const cash3 = cash1 + 1_300 - 1.3;
  const equity = [
    10_000,
    cash1 + 100 * 11.5 - 10 * 103,
    cash1 + 100 * 12.5 - 10 * 105,
    cash3 - 10 * 107,
    cash3 - 10 * 109,
  ];
  const cash = [10_000, cash1, cash1, cash3, cash3];
  assert.equal(result.steps, 5);
  assert.equal(result.start, T + M);
  assert.equal(result.end, T + 5 * M);
  const r = result.returns;
  assert.deepEqual(r.columns, [
    "end_time",
    "return",
    "equity",
    "drawdown",
    "cash",
    "gross_exposure",
  ]);
  assert.deepEqual(
    r.getColumn("end_time").toArray(),
    [1, 2, 3, 4, 5].map((i) => T + i * M),
  );
  const got = (c: string) => r.getColumn(c).toArray() as number[];
  equity.forEach((e, i) => {
    near(got("equity")[i], e, `equity ${i}`);
    near(got("cash")[i], cash[i], `cash ${i}`);
    near(
      got("return")[i],
      e / (i === 0 ? 10_000 : equity[i - 1]) - 1,
      `ret ${i}`,
    );
    near(seen[i][1], cash[i], `ctx.cash ${i}`);
    near(seen[i][2], e, `ctx.equity ${i}`);
    assert.equal(seen[i][0], T + (i + 1) * M);
  });
  near(got("gross_exposure")[1], (1_150 + 1_030) / equity[1], "exposure");
  near(got("drawdown")[4], equity[4] / Math.max(...equity) - 1, "drawdown");
  assert.equal(got("drawdown")[3], 0);

  assert.deepEqual(result.trades.columns, [
    "time",
    "symbol",
    "quantity",
    "price",
    "cost",
    "order_time",
  ]);
  const trades = result.trades.toRecords();
  assert.deepEqual(
    trades.map((t) => [t.time, t.symbol, t.quantity, t.price, t.order_time]),
    [
      [T + M, "AUSDT", 100, 11, T + M],
      [T + M, "BUSDT", -10, 102, T + M],
      [T + 3 * M, "AUSDT", -100, 13, T + 3 * M],
    ],
  );
  trades.forEach((t, i) => near(t.cost as number, [1.1, 1.02, 1.3][i], "cost"));
  assert.deepEqual(result.unfilled, [
    { time: T + 5 * M, symbol: "BUSDT", quantity: 10 },
  ]);
  assert.deepEqual(result.positions, { BUSDT: -10 });
  near(result.equity, equity[4], "final equity");
  near(result.cash, cash3, "final cash");
  near(result.metrics.totalReturn!, equity[4] / 10_000 - 1, "total return");
  assert.equal(result.metrics.bars, 5);
  assert.equal(result.metrics.periodsPerYear, 365.25 * 24 * 60);
  assert.ok(result.barsPerSecond > 0);
  assert.match(String(result), /BarFeed run: 2 symbol\(s\), step 1m/);
});

Deno.test("orderTarget sizes orders from equity and the last close, counting pending orders", async () => {
  const ordered: number[] = [];
  const result = await tinyFeed().run((ctx) => {
    // Asked twice in a step: the second sees the first as pending.
    ordered.push(ctx.orderTarget("AUSDT", 0.5));
    ordered.push(ctx.orderTarget("AUSDT", 0.5));
  }, { capital: 1_000, end: T + 2 * M });
  near(ordered[0], 0.5 * 1_000 / 10.5, "first target");
  assert.equal(ordered[1], 0);
  assert.equal(result.trades.height, 1);
  // Step 2: equity after the fill at 11, target at the close 11.5.
  const q = 500 / 10.5;
  const equity2 = 1_000 - q * 11 + q * 11.5;
  near(ordered[2], 0.5 * equity2 / 11.5 - q, "rebalance");
  assert.equal(result.unfilled.length, 1);
});

Deno.test("a strategy reads history, sync or async, and sees only bars ended by ctx.at", async () => {
  const feed = tinyFeed();
  const agg = feed.bars();
  const coarse = new BarFeed(agg, { resample: ["2m"] });
  for (const asynchronous of [false, true]) {
    const lengths: number[] = [];
    const strategy = (ctx: StrategyContext) => {
      const bars = ctx.history("BUSDT", 3);
      assert.deepEqual(
        bars.toRecords(),
        coarse.history("BUSDT", 3, ctx.at).toRecords(),
      );
      assert.ok([...bars.endTimes].every((t) => t <= ctx.at));
      const two = ctx.history("BUSDT", 10, { timestep: "2m" });
      assert.ok([...two.endTimes].every((t) => t <= ctx.at));
      lengths.push(bars.length * 10 + two.length);
      assert.equal(ctx.lastPrice("AUSDT"), feed.lastPrice("AUSDT", ctx.at));
      assert.equal(ctx.lastPrice("AUSDT", "open"), 9 + lengths.length);
      // Momentum: long when the last close is above the first of the window.
      const close = bars.close;
      if (close.length === 3 && close[2] > close[0]) {
        ctx.orderTarget("BUSDT", 0.2);
      }
      return asynchronous ? Promise.resolve() : undefined;
    };
    const result = await coarse.run(strategy);
    // Step i sees min(i + 1, 3) one-minute bars and floor((i + 1) / 2)
    // complete two-minute bars.
    assert.deepEqual(lengths, [10, 21, 31, 32, 32]);
    assert.equal(result.trades.height, 2);
  }
});

Deno.test("run() steps from start to end by step, filling orders placed between bars at the next open", async () => {
  const feed = tinyFeed();
  const times: number[] = [];
  const positions: number[] = [];
  const result = await feed.run((ctx) => {
    times.push(ctx.at);
    positions.push(ctx.position("AUSDT"));
    if (times.length === 1) ctx.order("AUSDT", 1);
  }, { start: T + 90_000, end: "2024-01-01T00:05:00Z", step: "30s" });
  assert.deepEqual(times, [3, 4, 5, 6, 7, 8, 9, 10].map((k) => T + k * 30_000));
  // Placed at 00:01:30: the next bar starts at 00:02 (open 12). At the
  // 00:02:00 step its first trade may not have happened yet; the order
  // fills at the first step after the bar began (00:02:30).
  assert.deepEqual(positions, [0, 0, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(
    result.trades.toRecords().map((t) => [t.time, t.price]),
    [[T + 2 * M, 12]],
  );
  assert.equal(result.returns.height, 8);
});

// ---- bad inputs -------------------------------------------------------------

function assertInvalid(
  fn: () => unknown,
  argument: string,
  pattern?: RegExp,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, String(e));
    assert.equal(e.argument, argument);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("bad inputs raise InvalidArgumentError naming the value and what was expected", async () => {
  const feed = new BarFeed(aggOf(parityRows()), { resample: ["14m"] });
  assertInvalid(
    () => feed.lastPrice("XRPUSDT", T0),
    "symbol",
    /AAAUSDT, BBBUSDT.*got "XRPUSDT"/,
  );
  assertInvalid(() => feed.history("nope", 5, T0), "symbol");
  assertInvalid(
    () =>
      feed.history("AAAUSDT", 5, T0, { timestep: "14m" }) &&
      feed.history("ZZZ", 5, T0, { timestep: "14m" }),
    "symbol",
  );
  for (const length of [0, -1, 1.5, NaN, "5" as unknown as number]) {
    assertInvalid(() => feed.history("AAAUSDT", length, T0), "length");
  }
  assertInvalid(() => feed.lastPrice("AAAUSDT", NaN), "at");
  assertInvalid(() => feed.lastPrice("AAAUSDT", "yesterday"), "at");
  assertInvalid(
    () => feed.lastPrice("AAAUSDT", T0, { column: "nope" }),
    "column",
    /close/,
  );
  for (const timestep of ["5x", "1M", "", 0, -STEP, 1.5, "1.5h"]) {
    assertInvalid(
      () => feed.history("AAAUSDT", 5, T0, { timestep }),
      "timestep",
      /"5m", "1h", "1d"/,
    );
  }
  assertInvalid(
    () => feed.history("AAAUSDT", 5, T0, { timestep: "10m" }),
    "timestep",
    /multiple of the base interval 7m/,
  );
  assertInvalid(
    () => new BarFeed(aggOf(parityRows()), { resample: ["1h"] }),
    "resample[0]",
    /multiple of the base interval/,
  );
  assertInvalid(
    () => new BarFeed(null as unknown as AggBar),
    "agg",
  );

  // Resampling needs time bars.
  const ticks = AggBar.fromRecords([
    { symbol: "A", start_time: 0, end_time: 10, close: 1 },
    { symbol: "A", start_time: 10, end_time: 25, close: 2 },
  ], { bar: { type: "tick", ticks: 100 } });
  assertInvalid(
    () => new BarFeed(ticks, { resample: ["1m"] }),
    "resample[0]",
    /tick bars/,
  );
  const irregular = AggBar.fromRecords([
    { symbol: "A", start_time: 0, end_time: 10, close: 1 },
    { symbol: "A", start_time: 10, end_time: 25, close: 2 },
  ]);
  assertInvalid(
    () => new BarFeed(irregular).history("A", 1, 30, { timestep: "1m" }),
    "timestep",
    /varying length/,
  );
  const offGrid = AggBar.fromRecords([
    { symbol: "A", start_time: 5, end_time: M + 5, close: 1 },
  ]);
  assertInvalid(
    () => new BarFeed(offGrid, { resample: ["2m"] }),
    "resample[0]",
  );

  // The event loop.
  const tiny = tinyFeed();
  const rejects = async (
    fn: () => Promise<unknown>,
    argument: string,
  ) => {
    await assert.rejects(fn, (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError, String(e));
      assert.equal(e.argument, argument);
      return true;
    });
  };
  await rejects(() => tiny.run(() => {}, { capital: 0 }), "capital");
  await rejects(() => tiny.run(() => {}, { costBps: -1 }), "costBps");
  await rejects(() => tiny.run(() => {}, { start: T + 5 * M, end: T }), "end");
  await rejects(() => tiny.run(() => {}, { step: "soon" }), "step");
  await rejects(() => tiny.run(null as unknown as () => void), "strategy");
  await rejects(() => new BarFeed(ticks).run(() => {}), "step");
  await rejects(
    () => tiny.run((ctx) => ctx.order("CUSDT", 1)),
    "symbol",
  );
  await rejects(
    () => tiny.run((ctx) => ctx.order("AUSDT", Infinity)),
    "quantity",
  );
  await rejects(
    () => tiny.run((ctx) => void ctx.orderTarget("AUSDT", NaN)),
    "weight",
  );
  await rejects(
    () => tiny.run((ctx) => void ctx.orderTarget("AUSDT", 1), { start: T }),
    "symbol",
  );
});

Deno.test("parseTimestep reads compact intervals and milliseconds", () => {
  assert.equal(parseTimestep("500ms"), 500);
  assert.equal(parseTimestep("30s"), 30_000);
  assert.equal(parseTimestep("5m"), 300_000);
  assert.equal(parseTimestep("1h"), H);
  assert.equal(parseTimestep("1d"), DAY);
  assert.equal(parseTimestep(90_000), 90_000);
});

Deno.test("a BarFeed prints a summary and its run result displays in Jupyter", async () => {
  const feed = new BarFeed(aggOf(parityRows()), { resample: ["70m"] });
  assert.match(
    String(feed),
    /^BarFeed 4 symbol\(s\), \d+ 7m bars, end_time .* UTC, resampled: 70m$/,
  );
  const result = await tinyFeed().run((ctx) => {
    if (ctx.index === 0) ctx.orderTarget("AUSDT", 1);
  });
  const bundle = (await bundleOf(result))!;
  assert.ok(bundle["text/html"].includes("<svg"));
  assert.match(bundle["text/plain"], /BarFeed run/);
  assert.ok(result.plot("drawdown").toSVG().startsWith("<svg"));
});

Deno.test("the interpolating search finds the last time <= t on uneven, gapped and tied times", () => {
  const rand = random(3);
  for (let trial = 0; trial < 5_000; trial++) {
    const n = Math.floor(rand() * 40);
    const times: number[] = [];
    let t = Math.floor(rand() * 100);
    for (let i = 0; i < n; i++) {
      // Ties, small steps and rare large gaps.
      t += rand() < 0.3 ? 0 : Math.floor(rand() * (rand() < 0.1 ? 1_000 : 10));
      times.push(t);
    }
    const pad = Math.floor(rand() * 3);
    const array = new Float64Array([
      ...Array(pad).fill(-5),
      ...times,
      1e9,
      1e9,
    ]);
    for (let q = 0; q < 10; q++) {
      const x = Math.floor(rand() * (t + 40)) - 20;
      let want = pad - 1;
      for (let i = 0; i < n; i++) if (times[i] <= x) want = pad + i;
      assert.equal(lastAtOrBefore(array, pad, pad + n, x), want);
      let after = pad + n;
      for (let i = n - 1; i >= 0; i--) if (times[i] >= x) after = pad + i;
      assert.equal(firstAtOrAfter(array, pad, pad + n, x), after);
    }
  }
});

Deno.test("lastPrice and history refuse a time that is not a valid date (1e300, ±Infinity, past ±8.64e15), and run() a step over a year", async () => {
  const feed = new BarFeed(aggOf(parityRows()));
  for (const at of [1e300, -1e300, Infinity, -Infinity, 8.64e15 + 1]) {
    assertInvalid(
      () => feed.lastPrice("AAAUSDT", at),
      "at",
      /integer epoch milliseconds|a valid date/,
    );
    assertInvalid(
      () => feed.history("AAAUSDT", 3, at),
      "at",
      /integer epoch milliseconds|a valid date/,
    );
  }
  assertInvalid(
    () => feed.lastPrice("AAAUSDT", 8.64e15 + 1),
    "at",
    /a valid date: epoch milliseconds within ±8640000000000000/,
  );
  // The latest valid date still answers: the last close.
  const last = feed.history("AAAUSDT", 1, 8.64e15).close[0];
  assert.equal(feed.lastPrice("AAAUSDT", 8.64e15), last);
  // A run's metrics annualise with 365.25 days / step: a step is at most a year.
  await assert.rejects(
    () => feed.run(() => {}, { step: "400d" }),
    (e) =>
      e instanceof InvalidArgumentError && e.argument === "step" &&
      e.message.includes("at most a year"),
  );
});
