/**
 * Generated bars for factor tests, with the awkward cases built in: nulls,
 * NaN, constant runs, ties, a symbol that starts late, one with missing
 * bars (so cross-sections differ in size), a one-bar symbol, times crossing
 * UTC midnight, and a string `sector` column with a null.
 *
 * Returns the AggBar and the same rows as a reference Panel (in the
 * AggBar's row order, so row i of both is the same bar).
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar, type Factor } from "../mod.ts";
import type { RefRow } from "./_analysis_reference.ts";
import type { Panel } from "./_factor_reference.ts";

export interface FactorData {
  agg: AggBar;
  panel: Panel;
}

/** A small deterministic PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `symbols` symbols × up to `bars` one-minute bars starting 23:00 UTC
 * (so they cross midnight).
 */
export function factorData(
  { symbols = 6, bars = 320, seed = 1 } = {},
): FactorData {
  const rand = random(seed);
  const start = Date.UTC(2024, 0, 1, 23, 0);
  const rows = {
    symbol: [] as string[],
    start_time: [] as number[],
    open: [] as (number | null)[],
    high: [] as (number | null)[],
    low: [] as (number | null)[],
    close: [] as (number | null)[],
    volume: [] as (number | null)[],
    vwap: [] as (number | null)[],
    flat: [] as (number | null)[],
    sector: [] as (string | null)[],
    industry: [] as string[],
  };
  for (let s = 0; s < symbols; s++) {
    const symbol = `S${s}USDT`;
    let price = 50 + 400 * rand();
    const first = s === 1 ? 40 : 0; // starts late
    const count = s === symbols - 1 && symbols > 2 ? 1 : bars; // one bar only
    for (let t = first; t < count; t++) {
      if (s === 2 && t % 17 === 5) continue; // missing bars
      price *= 1 + (rand() - 0.5) * 0.01;
      // A constant stretch: 30 equal closes.
      const close = s === 3 && t >= 100 && t < 130 ? 123.25 : price;
      const open = close * (1 + (rand() - 0.5) * 0.004);
      const high = Math.max(open, close) * (1 + rand() * 0.003);
      const low = Math.min(open, close) * (1 - rand() * 0.003);
      const r = rand();
      rows.symbol.push(symbol);
      rows.start_time.push(start + t * 60_000);
      rows.close.push(
        r < 0.015 ? null : r < 0.03 ? NaN : close,
      );
      rows.open.push(open);
      rows.high.push(high);
      rows.low.push(low);
      rows.volume.push(rand() < 0.01 ? null : Math.floor(rand() * 12));
      rows.vwap.push((open + high + low + close) / 4);
      // Runs of 8 equal values, shared by all symbols: constant windows and ties.
      rows.flat.push(Math.floor(t / 8) % 3);
      rows.sector.push(s === 0 ? null : s % 2 === 0 ? "L1" : "DEFI");
      rows.industry.push(s % 3 === 0 ? "A" : "B");
    }
  }
  const n = rows.symbol.length;
  const startTimes = BigInt64Array.from(rows.start_time, (v) => BigInt(v));
  const endTimes = BigInt64Array.from(
    rows.start_time,
    (v) => BigInt(v + 60_000),
  );
  const frame = pl.DataFrame([
    pl.Series("symbol", rows.symbol, pl.Utf8),
    pl.Series("start_time", startTimes, pl.Int64),
    pl.Series("end_time", endTimes, pl.Int64),
    ...(["open", "high", "low", "close", "volume", "vwap", "flat"] as const)
      .map((c) => pl.Series(c, rows[c], pl.Float64)),
    pl.Series("sector", rows.sector, pl.Utf8),
    pl.Series("industry", rows.industry, pl.Utf8),
  ]);
  if (frame.height !== n) throw new Error("generator bug");
  const agg = new AggBar(frame);
  return { agg, panel: panelOf(agg) };
}

/** The AggBar's rows as a reference Panel (same order). */
export function panelOf(agg: AggBar): Panel {
  const df = agg.toPolars();
  const columns: Panel["columns"] = {};
  for (const name of df.columns) {
    if (name === "symbol" || name === "end_time" || name === "start_time") {
      continue;
    }
    columns[name] = df.getColumn(name).toArray() as (number | string | null)[];
  }
  return {
    symbol: df.getColumn("symbol").toArray() as string[],
    end_time: df.getColumn("end_time").toArray() as number[],
    columns,
  };
}

/** Values of a frame column as numbers or nulls. */
export function valuesOf(
  frame: pl.DataFrame,
  column: string,
): (number | null)[] {
  return frame.getColumn(column).toArray() as (number | null)[];
}

/**
 * Asserts `actual` matches the reference: null exactly where it is null,
 * elsewhere within 1e-9 relative (absolute below 1).
 */
export function assertMatches(
  label: string,
  actual: readonly (number | null)[],
  expected: readonly (number | null)[],
  tolerance = 1e-9,
): void {
  if (actual.length !== expected.length) {
    throw new Error(
      `${label}: ${actual.length} rows, expected ${expected.length}`,
    );
  }
  const problems: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = e === null
      ? a === null
      : a !== null && Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e));
    if (!ok) problems.push(`row ${i}: got ${a}, expected ${e}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${label}: ${problems.length} of ${expected.length} rows differ; ${
        problems.slice(0, 5).join("; ")
      }`,
    );
  }
}

/**
 * Smooth OHLCV time bars on a regular grid: `count` bars per symbol from
 * `start`, every `step` ms, a sine close of a different period per symbol;
 * the AggBar records its time bar spec.
 */
export function sineBars(
  symbols: string[],
  count: number,
  { step = 60_000, start = Date.UTC(2024, 0, 1) } = {},
): AggBar {
  const records = [];
  for (let i = 0; i < count; i++) {
    for (const [k, symbol] of symbols.entries()) {
      const price = 100 + k + Math.sin(i / (9 + k));
      records.push({
        symbol,
        start_time: start + i * step,
        end_time: start + (i + 1) * step,
        open: price,
        high: price + 1,
        low: price - 1,
        close: price + 0.25,
        volume: 1 + i,
      });
    }
  }
  return new AggBar(
    AggBar.fromRecords(records).toPolars(),
    { bar: { type: "time", intervalMs: step } },
  );
}

/** Funding settlements for test bars, as a frame and as reference rows. */
export interface TestSettlements {
  /** `symbol, funding_time` (Int64), `funding_interval_hours`, `funding_rate`. */
  frame: pl.DataFrame;
  /** The same rows as objects. */
  rows: { symbol: string; funding_time: number; funding_rate: number }[];
}

/**
 * Settlements for every symbol of `agg` (and one it lacks) about every
 * `everyMs` from 5 minutes before its first bar to after its last:
 * half exactly on a minute (a bar edge of 1-minute bars), half inside a
 * minute; rates around 1e-4 of either sign, some 0.
 */
export function settlementsFor(
  agg: AggBar,
  { everyMs = 7 * 60_000, seed = 5 } = {},
): TestSettlements {
  const rand = random(seed);
  const { minTime, maxTime } = agg.metadata;
  const rows: TestSettlements["rows"] = [];
  for (const symbol of [...agg.symbols, "NOTHELD"]) {
    for (let t = minTime! - 5 * 60_000; t < maxTime! + 5 * 60_000;) {
      t += Math.floor(everyMs * (0.5 + rand()) / 60_000) * 60_000 +
        (rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 59_998));
      const u = rand();
      rows.push({
        symbol,
        funding_time: t,
        funding_rate: u < 0.1 ? 0 : Math.round((u - 0.3) * 5e-4 * 1e8) / 1e8,
      });
    }
  }
  rows.sort((a, b) => a.funding_time - b.funding_time);
  return { frame: settlementFrame(rows), rows };
}

/** Settlement rows as a funding frame (every interval 8 hours). */
export function settlementFrame(
  rows: readonly {
    symbol: string;
    funding_time: number;
    funding_rate: number;
  }[],
): pl.DataFrame {
  return pl.DataFrame([
    pl.Series("symbol", rows.map((r) => r.symbol), pl.Utf8),
    pl.Series(
      "funding_time",
      BigInt64Array.from(rows, (r) => BigInt(r.funding_time)),
      pl.Int64,
    ),
    pl.Series(
      "funding_interval_hours",
      BigInt64Array.from(rows, () => 8n),
      pl.Int64,
    ),
    pl.Series("funding_rate", rows.map((r) => r.funding_rate), pl.Float64),
  ]);
}

/**
 * The rows the reference backtester reads: `agg`'s bars with the given
 * factors computed (`factor` and `price` at least; `dollar_volume`,
 * `universe` when given), times as numbers.
 */
export async function referenceRows(
  agg: AggBar,
  factors: { factor: Factor; price: Factor } & Record<string, Factor>,
): Promise<RefRow[]> {
  const frame = await agg.compute(factors);
  return frame.toRecords().map((r) => {
    const row: RefRow = {
      end_time: r.end_time as number,
      symbol: r.symbol as string,
      factor: r.factor as number | null,
      price: r.price as number | null,
    };
    if ("dollar_volume" in factors) {
      row.dollar_volume = r.dollar_volume as number | null;
    }
    if ("universe" in factors) row.universe = r.universe as number | null;
    return row;
  });
}

/** Asserts numbers equal to 1e-12 (relative above 1), anything else deep-equal. */
export function assertClose(actual: unknown, expected: unknown, label: string) {
  if (typeof expected === "number" && typeof actual === "number") {
    assert.ok(
      Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
      `${label}: ${actual} vs ${expected}`,
    );
  } else assert.deepEqual(actual, expected, label);
}
