/**
 * Naive reference for the bar feed (test support only). Every query scans
 * the full row arrays: no index, no binary search, no caching, no Polars.
 * Slow and obviously right, to check `BarFeed` against.
 *
 * Rules (the specification):
 *
 * - F1. A bar is visible at `at` when its `end_time <= at`.
 * - F2. A symbol's bars are in `end_time` order; bars with equal `end_time`
 *   keep their input order.
 * - F3. lastPrice(symbol, at, column) = the column of the symbol's last
 *   visible bar, `null` when none is visible; a null value reads as NaN.
 * - F4. history(symbol, length, at) = the symbol's last `length` visible
 *   bars, oldest first (fewer when fewer are visible).
 * - F5. resample(step): per symbol, bars grouped by
 *   bucket = floor(start_time / step) · step; start_time = bucket,
 *   end_time = bucket + step; open = first open, high = max, low = min,
 *   close = last close (in time order); volume, trades and the buyer/seller
 *   columns summed, null when every part is null; vwap = Σ(vwap·volume) /
 *   Σ volume over the parts that have a vwap, null when that volume is 0.
 *   A bucket starting before the first bar of all symbols is incomplete and
 *   dropped.
 *
 * @module
 */

/** A bar as plain data: times in epoch ms, values number or null. */
export type RefRow = Record<string, string | number | null> & {
  symbol: string;
  start_time: number;
  end_time: number;
};

/** Rows of one symbol in time order (F2): a stable sort on end_time. */
export function symbolRows(rows: readonly RefRow[], symbol: string): RefRow[] {
  return rows.filter((r) => r.symbol === symbol)
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.end_time - b.r.end_time || a.i - b.i)
    .map(({ r }) => r);
}

/** F3: the column of the last bar with end_time <= at, or null. */
export function refLastPrice(
  rows: readonly RefRow[],
  symbol: string,
  at: number,
  column = "close",
): number | null {
  const visible = symbolRows(rows, symbol).filter((r) => r.end_time <= at);
  if (visible.length === 0) return null;
  const value = visible[visible.length - 1][column];
  return value === null ? NaN : Number(value);
}

/** F4: the last `length` bars with end_time <= at, oldest first. */
export function refHistory(
  rows: readonly RefRow[],
  symbol: string,
  length: number,
  at: number,
): RefRow[] {
  const visible = symbolRows(rows, symbol).filter((r) => r.end_time <= at);
  return visible.slice(Math.max(0, visible.length - length));
}

const SUMMED = [
  "volume",
  "trades",
  "num_buyer",
  "num_seller",
  "num_buyer_volume",
  "num_seller_volume",
];

/** F5: bars resampled to `step` ms, sorted by (symbol, end_time). */
export function refResample(rows: readonly RefRow[], step: number): RefRow[] {
  const columns = new Set(rows.flatMap((r) => Object.keys(r)));
  const symbols = [...new Set(rows.map((r) => r.symbol))].sort();
  const first = Math.min(...rows.map((r) => r.start_time));
  const out: RefRow[] = [];
  for (const symbol of symbols) {
    const groups = new Map<number, RefRow[]>();
    for (const r of symbolRows(rows, symbol)) {
      const bucket = Math.floor(r.start_time / step) * step;
      if (!groups.has(bucket)) groups.set(bucket, []);
      groups.get(bucket)!.push(r);
    }
    for (const [bucket, parts] of [...groups].sort((a, b) => a[0] - b[0])) {
      if (bucket < first) continue;
      const bar: RefRow = {
        symbol,
        start_time: bucket,
        end_time: bucket + step,
      };
      const values = (c: string) =>
        parts.map((p) => p[c]).filter((v) => v !== null) as number[];
      if (columns.has("open")) bar.open = parts[0].open;
      if (columns.has("high")) {
        bar.high = values("high").length ? Math.max(...values("high")) : null;
      }
      if (columns.has("low")) {
        bar.low = values("low").length ? Math.min(...values("low")) : null;
      }
      if (columns.has("close")) bar.close = parts[parts.length - 1].close;
      for (const c of SUMMED) {
        if (!columns.has(c)) continue;
        const v = values(c);
        bar[c] = v.length ? v.reduce((a, b) => a + b, 0) : null;
      }
      if (columns.has("vwap") && columns.has("volume")) {
        let num = 0, den = 0;
        for (const p of parts) {
          if (p.vwap === null || p.volume === null) continue;
          num += Number(p.vwap) * Number(p.volume);
          den += Number(p.volume);
        }
        bar.vwap = den > 0 ? num / den : null;
      }
      out.push(bar);
    }
  }
  return out;
}

/**
 * Asserts two numbers (or nulls) are equal within `relative` tolerance
 * (NaN equals NaN, null equals null); returns an error text or "".
 */
export function compareValues(
  got: unknown,
  want: unknown,
  relative = 1e-12,
): string {
  if (want === null || got === null) {
    return got === want ? "" : `got ${got}, want ${want}`;
  }
  if (typeof want === "string") {
    return got === want ? "" : `got ${got}, want ${want}`;
  }
  const a = Number(got), b = Number(want);
  if (Number.isNaN(a) && Number.isNaN(b)) return "";
  const ok = Math.abs(a - b) <= relative * Math.max(1, Math.abs(b));
  return ok ? "" : `got ${a}, want ${b}`;
}
