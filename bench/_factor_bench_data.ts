/**
 * The factor bench data set, built in memory (no files): 100 symbols ×
 * 50,000 one-minute bars = 5,000,000 rows, sorted by (end_time, symbol).
 * Deterministic random-walk prices at symbol-specific levels (10 to 50,000,
 * log-spaced), OHLC consistent with them, volumes log-normal with a
 * symbol-specific scale and occasional bursts. Built from typed arrays in
 * one `pl.DataFrame` call (times as Int64 from BigInt64Array; the symbol
 * column is the sorted names repeated once per bar).
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar } from "../mod.ts";
import { random } from "../tests/_factor_data.ts";

/** Symbols of the factor bench data (`S000USDT` ... `S099USDT`, sorted). */
export const FACTOR_BENCH_SYMBOLS = 100;
/** One-minute bars per symbol. */
export const FACTOR_BENCH_BARS = 50_000;
/** First bar's start_time (epoch ms). */
export const FACTOR_BENCH_START = Date.UTC(2024, 0, 1);

/** The bench bars: the raw frame and the AggBar wrapping it. */
export interface FactorBenchData {
  /** The generated frame (already in AggBar order). */
  df: pl.DataFrame;
  /** `new AggBar(df)`. */
  agg: AggBar;
  /** Rows (symbols × bars). */
  rows: number;
  /** Milliseconds spent building `df` and `agg`. */
  buildMs: number;
}

const UINT32 = 4294967296;

/**
 * Builds the bars frame for `symbols` × `bars` (deterministic for a given
 * size and seed), sorted by (end_time, symbol).
 */
export function buildFactorBenchFrame(
  { symbols = FACTOR_BENCH_SYMBOLS, bars = FACTOR_BENCH_BARS, seed = 7 } = {},
): pl.DataFrame {
  const rand = random(seed);
  const next = () => rand() * UINT32; // the uint32 draw behind rand()
  // Standard normal draws from a table of 65,536 Box-Muller values indexed
  // by one uint32 draw: 4x faster than Box-Muller per draw, and plenty of
  // resolution for bench prices.
  const table = new Float64Array(65_536);
  for (let i = 0; i < table.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const angle = 2 * Math.PI * rand();
    table[i] = r * Math.cos(angle);
    table[i + 1] = r * Math.sin(angle);
  }
  const normal = () => table[next() >>> 16];
  const n = symbols * bars;
  const startTime = new BigInt64Array(n);
  const endTime = new BigInt64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const vwap = new Float64Array(n);

  // Symbol s: level 10 .. 50,000 (log-spaced, shuffled by a stride so levels
  // do not follow the names), its own volatility and volume scale.
  const price = new Float64Array(symbols);
  const sigma = new Float64Array(symbols);
  const volumeScale = new Float64Array(symbols);
  for (let s = 0; s < symbols; s++) {
    const k = (s * 37) % symbols;
    price[s] = 10 * 5000 ** (symbols > 1 ? k / (symbols - 1) : 0);
    sigma[s] = 0.0005 + 0.0015 * rand();
    volumeScale[s] = 1e6 / price[s] * (0.2 + 2 * rand());
  }
  for (let t = 0; t < bars; t++) {
    const row0 = t * symbols;
    const start = FACTOR_BENCH_START + t * 60_000;
    startTime.fill(BigInt(start), row0, row0 + symbols);
    endTime.fill(BigInt(start + 60_000), row0, row0 + symbols);
    // A market-wide move shared by all symbols plus an idiosyncratic one.
    const market = normal() * 0.0004;
    for (let s = 0; s < symbols; s++) {
      const i = row0 + s;
      const o = price[s];
      const c = o * Math.exp(market + sigma[s] * normal());
      const h = Math.max(o, c) * (1 + sigma[s] * Math.abs(normal()) * 0.5);
      const l = Math.min(o, c) * (1 - sigma[s] * Math.abs(normal()) * 0.5);
      open[i] = o;
      close[i] = c;
      high[i] = h;
      low[i] = l;
      // Typical price pulled towards the close, inside [low, high].
      vwap[i] = Math.min(h, Math.max(l, (h + l + 2 * c) / 4));
      const burst = rand() < 0.01 ? 5 + 20 * rand() : 1;
      volume[i] = volumeScale[s] * Math.exp(0.8 * normal()) * burst;
      price[s] = c;
    }
  }
  // Row t * symbols + s is symbol s: the names repeated, by doubling.
  let symbol = pl.Series(
    "symbol",
    Array.from(
      { length: symbols },
      (_, s) => `S${String(s).padStart(3, "0")}USDT`,
    ),
    pl.Utf8,
  );
  while (symbol.len() < n) symbol = symbol.concat(symbol);
  return pl.DataFrame([
    pl.Series("start_time", startTime, pl.Int64),
    pl.Series("end_time", endTime, pl.Int64),
    symbol.slice(0, n).rechunk(),
    pl.Series("open", open, pl.Float64),
    pl.Series("high", high, pl.Float64),
    pl.Series("low", low, pl.Float64),
    pl.Series("close", close, pl.Float64),
    pl.Series("volume", volume, pl.Float64),
    pl.Series("vwap", vwap, pl.Float64),
  ]);
}

const cache = new Map<string, FactorBenchData>();

/**
 * The bench bars for `symbols` × `bars` (default 100 × 50,000), built once
 * per process and size.
 */
export function factorBenchData(
  { symbols = FACTOR_BENCH_SYMBOLS, bars = FACTOR_BENCH_BARS } = {},
): FactorBenchData {
  const key = `${symbols}x${bars}`;
  let data = cache.get(key);
  if (!data) {
    const t0 = performance.now();
    const df = buildFactorBenchFrame({ symbols, bars });
    const agg = new AggBar(df);
    data = { df, agg, rows: df.height, buildMs: performance.now() - t0 };
    cache.set(key, data);
  }
  return data;
}
