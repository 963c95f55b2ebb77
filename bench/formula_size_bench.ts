/**
 * Speed of formulas by size: a weighted sum of n `ts_mean` terms (the way
 * signals are combined), `w1 * ts_mean(close, k1) + ... + wn * ts_mean(close,
 * kn)` with 50 distinct windows, parsed and evaluated
 * (`await agg.factor(text).collect()`) on 20 symbols × 5,000 bars (100k
 * rows), for n = 10, 100 and 1,000. Each size is its own group whose
 * baseline is the best hand-written nodejs-polars query for the same sum:
 * the distinct rolling means in one `withColumns` (each `over("symbol")`),
 * then one `sumHorizontal` of the weighted columns (null until the longest
 * window is full). Linear growth shows as
 * time per term staying flat across sizes (printed before the benches);
 * before this bench existed a 16-term sum took 50 s to plan.
 *
 * Run: `deno bench -A bench/formula_size_bench.ts` (about a minute).
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar } from "../mod.ts";
import { buildFactorBenchFrame } from "./_factor_bench_data.ts";

const SIZES = [10, 100, 1000];
const agg = new AggBar(buildFactorBenchFrame({ symbols: 20, bars: 5_000 }));
const frame = agg.toPolars();

interface Term {
  weight: number;
  window: number;
}

function terms(n: number): Term[] {
  return Array.from({ length: n }, (_, i) => ({
    weight: ((i % 9) - 4) / 8 || 0.25,
    window: (i % 50) + 1,
  }));
}

function formula(n: number): string {
  return terms(n).map((t) => `${t.weight} * ts_mean(close, ${t.window})`)
    .join(" + ");
}

async function ours(n: number): Promise<pl.DataFrame> {
  return await agg.factor(formula(n)).collect();
}

/** The same sum hand-written: distinct rolling means, one horizontal sum. */
function handWritten(n: number): pl.DataFrame {
  const windows = [...new Set(terms(n).map((t) => t.window))];
  return frame.lazy()
    .withColumns(
      ...windows.map((w) =>
        pl.col("close").rollingMean(w).over("symbol").alias(`m${w}`)
      ),
    )
    .select(
      "start_time",
      "end_time",
      "symbol",
      // sumHorizontal skips nulls; the sum is null until the longest
      // window is full, as the formula's is (the bench data has no nulls).
      pl.when(pl.col(`m${Math.max(...windows)}`).isNotNull())
        .then(
          pl.sumHorizontal(
            terms(n).map((t) => pl.col(`m${t.window}`).mul(t.weight)),
          ),
        )
        .otherwise(pl.lit(null))
        .alias("factor"),
    )
    .collectSync();
}

// Same values (up to summation order) before timing anything.
for (const n of [10, 100]) {
  const a = (await ours(n)).getColumn("factor").toArray() as (number | null)[];
  const b = handWritten(n).getColumn("factor").toArray() as (number | null)[];
  const differ = a.filter((v, i) =>
    (v === null) !== (b[i] === null) ||
    (v !== null && Math.abs(v - b[i]!) > 1e-9 * Math.max(1, Math.abs(v)))
  ).length;
  if (differ > 0) throw new Error(`size ${n}: ${differ} rows differ`);
}
for (const n of SIZES) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await ours(n);
    times.push(performance.now() - started);
  }
  const median = times.sort((a, b) => a - b)[2];
  console.log(
    `size ${n}: median ${median.toFixed(0)} ms, ${
      (median / n).toFixed(2)
    } ms per term`,
  );
}

for (const n of SIZES) {
  const group = `formula of ${n} terms, 100k rows`;
  Deno.bench({
    name: "hand-written nodejs-polars (rolling means, sumHorizontal)",
    group,
    baseline: true,
    n: n === 1000 ? 5 : 10,
    warmup: 1,
    fn() {
      handWritten(n);
    },
  });
  Deno.bench({
    name: `agg.factor(${n}-term sum).collect()`,
    group,
    n: n === 1000 ? 5 : 10,
    warmup: 1,
    async fn() {
      await ours(n);
    },
  });
}
