import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { PanelAnalyzer } from "../src/analysis/panel_analyzer.ts";
import { Float64Buffer } from "../src/analysis/float64_buffer.ts";
import { moments, RunningMoments } from "../src/analysis/stats.ts";

/** A reproducible stream of numbers with NaN, ±Infinity, ties and zeros. */
function awkwardValues(n: number): number[] {
  let seed = 7;
  const next = () =>
    (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => {
    if (i % 97 === 0) return NaN;
    if (i % 331 === 0) return i % 2 ? Infinity : -Infinity;
    if (i % 13 === 0) return 0;
    if (i % 7 === 0) return 0.25; // ties
    return (next() - 0.45) * 1e-2 + 1e3; // large mean, small spread
  });
}

Deno.test("Float64Buffer keeps every pushed value, in order, across its growing blocks", () => {
  for (const n of [0, 1, 1_023, 1_024, 1_025, 70_000, 300_001]) {
    const values = awkwardValues(n);
    const buffer = new Float64Buffer();
    for (const v of values) buffer.push(v);
    assert.deepEqual(buffer.length, n);
    const out = buffer.toArray();
    assert.deepEqual(out.length, n);
    for (let i = 0; i < n; i++) {
      assert(Object.is(out[i], values[i]), `value ${i} of ${n}`);
    }
    const placed = new Float64Array(n + 3).fill(-1);
    buffer.copyTo(placed, 2);
    assert.deepEqual([placed[0], placed[1], placed[n + 2]], [-1, -1, -1]);
    for (let i = 0; i < n; i++) assert(Object.is(placed[i + 2], values[i]));
    buffer.clear();
    assert.deepEqual(buffer.length, 0);
    assert.deepEqual(buffer.toArray().length, 0);
    buffer.push(5);
    assert.deepEqual([...buffer.toArray()], [5]);
  }
});

Deno.test("RunningMoments gives moments()'s count and mean exactly and its std within 1e-12 of the values' size, skipping non-finite values", () => {
  for (const n of [0, 1, 2, 3, 1_000, 200_000]) {
    const values = awkwardValues(n);
    const running = new RunningMoments();
    for (const v of values) running.add(v);
    const want = moments(values);
    const got = running.moments();
    assert.deepEqual(got.n, want.n);
    assert(Object.is(got.mean, want.mean), `mean of ${n}`);
    if (Number.isNaN(want.std)) assert(Number.isNaN(got.std));
    else {
      // Both sums round at the values' size, not the deviation's.
      const size = values.reduce(
        (m, v) => Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m,
        0,
      );
      assert(Math.abs(got.std - want.std) <= 1e-12 * size, `std of ${n}`);
    }
    assert.deepEqual(
      running.positive,
      values.filter((v) => Number.isFinite(v) && v > 0).length,
    );
  }
  const same = new RunningMoments();
  for (let i = 0; i < 10; i++) same.add(0.1);
  assert.deepEqual(same.moments().std, 0);
});

Deno.test("PanelAnalyzer gives the same tables when its per-time series move into frames every few values, over many chunks, as in one pass", () => {
  const symbols = Array.from(
    { length: 30 },
    (_, s) => `S${String(s).padStart(2, "0")}`,
  );
  const T = 400;
  let seed = 3;
  const next = () =>
    (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const end_time: number[] = [], symbol: string[] = [];
  const factor: (number | null)[] = [], price: number[] = [];
  const last = symbols.map(() => 100);
  for (let t = 0; t < T; t++) {
    symbols.forEach((name, s) => {
      last[s] *= 1 + (next() - 0.5) * 0.02;
      if (next() < 0.05) return; // a missing bar
      end_time.push((t + 1) * 60_000);
      symbol.push(name);
      factor.push(next() < 0.05 ? null : Math.round(next() * 20)); // ties
      price.push(last[s]);
    });
  }
  const rows = pl.DataFrame({ end_time, symbol, factor, price });
  const settings = {
    periods: [1, 3, 10],
    quantiles: 5,
    minSymbols: 5,
    demeaned: true,
  };
  const once = new PanelAnalyzer(symbols, settings);
  once.push(rows, true);
  const want = once.finish().tables;
  const chunked = new PanelAnalyzer(symbols, { ...settings, frameRows: 7 });
  for (let t = 0; t < T; t += 37) {
    chunked.push(
      rows.filter(
        pl.col("end_time").gt(t * 60_000).and(
          pl.col("end_time").ltEq((t + 37) * 60_000),
        ),
      ),
    );
  }
  const got = chunked.finish().tables;
  for (const [name, table] of Object.entries(want)) {
    const other = got[name as keyof typeof got];
    assert.ok(table.height > 0 || name === "turnover", name);
    assert.deepEqual(other.dtypes.map(String), table.dtypes.map(String), name);
    assert.deepEqual(other.toRecords(), table.toRecords(), name);
  }
  assert.equal(want.quantileCumulative.height, 5 * (399 + 133 + 39));
});
