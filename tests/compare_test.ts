/**
 * compareFactors against plain loops: every row of the comparison table
 * from the reference analysis of each factor alone, the value correlation
 * matrix from per-time Spearman correlations, the IC correlation from the
 * reference IC series; on generated bars with nulls, NaN, ties, constant
 * runs, missing bars and a one-bar symbol.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  compareFactors,
  type Factor,
  FactorComparison,
  FormulaError,
  InvalidArgumentError,
} from "../mod.ts";
import {
  averageRanks,
  pearson,
  referenceAnalysis,
} from "./_analysis_reference.ts";
import { factorData } from "./_factor_data.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { assertNear, referenceRows } from "./_reference_rows.ts";

const { agg } = factorData({ symbols: 7, bars: 240, seed: 5 });

const FACTORS: Record<string, Factor | string> = {
  delta: agg.get("close").tsDelta(3),
  sign: "sign(ts_delta(close, 3))",
  volume: agg.get("volume"),
  flat: "flat",
  reversal: "-1 * ts_delta(close, 3) / ts_std(close, 10)",
};

function mean(values: number[]): number | null {
  return values.length === 0
    ? null
    : values.reduce((a, b) => a + b, 0) / values.length;
}

const SETTINGS = { periods: [1, 5], quantiles: 3, minSymbols: 3 };

Deno.test("compareFactors() gives each factor's IC, IR, t, hit rate, spread, turnover and coverage as the plain-loop reference of that factor alone", async () => {
  const comparison = await compareFactors(agg, FACTORS, SETTINGS);
  const table = comparison.table.toRecords();
  assert.equal(table.length, Object.keys(FACTORS).length * 2);
  for (const [name, given] of Object.entries(FACTORS)) {
    const factor = typeof given === "string" ? agg.factor(given) : given;
    const rows = await referenceRows(factor, agg);
    const want = referenceAnalysis(rows, SETTINGS);
    for (const k of SETTINGS.periods) {
      const label = `${name}, period ${k}`;
      const got = table.find((r) => r.factor === name && r.period === k);
      assert(got, `${label}: a row`);
      const ic = want.icSummary.find((r) =>
        r.period === k && r.method === "spearman"
      )!;
      assertNear(got.ic_mean, ic.mean, `${label} ic_mean`);
      assertNear(got.ic_std, ic.std, `${label} ic_std`);
      assertNear(got.ic_ir, ic.ir, `${label} ic_ir`);
      assertNear(got.ic_t, ic.t_stat, `${label} ic_t`);
      assertNear(got.hit_rate, ic.hit_rate, `${label} hit_rate`);
      assert.equal(got.ic_n, ic.n, `${label} ic_n`);
      const spread = want.spread.find((r) => r.period === k)!;
      assertNear(
        got.spread_bps,
        spread.mean === null ? null : spread.mean * 1e4,
        `${label} spread_bps`,
      );
      assertNear(got.spread_t, spread.t_stat, `${label} spread_t`);
      const ends = want.turnover.filter((r) =>
        r.period === k &&
        (r.quantile === 1 || r.quantile === SETTINGS.quantiles) &&
        r.mean !== null
      ).map((r) => r.mean as number);
      assertNear(got.turnover, mean(ends), `${label} turnover`);
      let covered = 0;
      for (const row of rows) {
        const forward = want.forward.get(
          `${k}|${row.end_time}|${row.symbol}`,
        );
        if (
          row.factor !== null && Number.isFinite(row.factor) &&
          forward !== null && forward !== undefined
        ) covered++;
      }
      assertNear(got.coverage, covered / rows.length, `${label} coverage`);
    }
  }
});

Deno.test("compareFactors() sorts the table by period, then |IR| descending, and keeps period and ic_n integers", async () => {
  const comparison = await compareFactors(agg, FACTORS, SETTINGS);
  const table = comparison.table;
  assert(table.getColumn("period").dtype.equals(pl.Int32));
  assert(table.getColumn("ic_n").dtype.equals(pl.Int32));
  const rows = table.toRecords();
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1], b = rows[i];
    assert((a.period as number) <= (b.period as number));
    if (a.period === b.period && a.ic_ir !== null && b.ic_ir !== null) {
      assert(
        Math.abs(a.ic_ir as number) >= Math.abs(b.ic_ir as number),
        `row ${i}: |${a.ic_ir}| before |${b.ic_ir}|`,
      );
    }
    if (a.period === b.period && a.ic_ir === null) {
      assert.equal(b.ic_ir, null, "nulls last");
    }
  }
});

Deno.test("compareFactors() correlation matrices equal the mean per-time Spearman correlation of the values and the correlation of the IC series", async () => {
  const comparison = await compareFactors(agg, FACTORS, SETTINGS);
  const names = Object.keys(FACTORS);
  const frame = await agg.compute(FACTORS);
  const records = frame.toRecords();
  const times = [...new Set(records.map((r) => r.end_time as number))];
  const byTime = new Map<number, Record<string, unknown>[]>(
    times.map((t) => [t, []]),
  );
  for (const r of records) byTime.get(r.end_time as number)!.push(r);
  const values = comparison.valueCorrelation.toRecords();
  assert.deepEqual(values.map((r) => r.factor), names);
  const present = (v: unknown): v is number =>
    typeof v === "number" && Number.isFinite(v);
  for (const a of names) {
    for (const b of names) {
      const rhos: number[] = [];
      for (const rows of byTime.values()) {
        const both = rows.filter((r) => present(r[a]) && present(r[b]));
        if (both.length < SETTINGS.minSymbols) continue;
        const rho = pearson(
          averageRanks(both.map((r) => r[a] as number)),
          averageRanks(both.map((r) => r[b] as number)),
        );
        if (rho !== null) rhos.push(rho);
      }
      assertNear(
        values.find((r) => r.factor === a)![b],
        mean(rhos),
        `value correlation ${a} × ${b}`,
      );
    }
  }
  const ics = new Map<string, Map<string, Map<number, number>>>();
  for (const name of names) {
    const given = FACTORS[name];
    const factor = typeof given === "string" ? agg.factor(given) : given;
    const want = referenceAnalysis(await referenceRows(factor, agg), SETTINGS);
    for (const k of SETTINGS.periods) {
      const series = new Map<number, number>();
      for (const r of want.ic) {
        if (r.period === k && r.spearman !== null) {
          series.set(r.end_time, r.spearman);
        }
      }
      ics.set(`${name}|${k}`, new Map([["", series]]));
    }
  }
  const icRows = comparison.icCorrelation.toRecords();
  for (const k of SETTINGS.periods) {
    for (const a of names) {
      for (const b of names) {
        const x: number[] = [], y: number[] = [];
        const sa = ics.get(`${a}|${k}`)!.get("")!;
        const sb = ics.get(`${b}|${k}`)!.get("")!;
        for (const [t, v] of sa) {
          if (sb.has(t)) {
            x.push(v);
            y.push(sb.get(t)!);
          }
        }
        const row = icRows.find((r) => r.period === k && r.factor === a)!;
        assertNear(
          row[b],
          x.length < 2 ? null : pearson(x, y),
          `IC ${k} ${a}×${b}`,
        );
      }
    }
  }
});

Deno.test("agg.compareFactors() equals compareFactors(), displays the sorted table and two heatmaps, and saves its tables", async () => {
  const comparison = await agg.compareFactors(
    { delta: FACTORS.delta, sign: FACTORS.sign },
    { periods: [1] },
  );
  assert(comparison instanceof FactorComparison);
  const direct = await compareFactors(
    agg,
    { delta: FACTORS.delta, sign: FACTORS.sign },
    { periods: [1] },
  );
  assert.deepEqual(comparison.table.toRecords(), direct.table.toRecords());
  const bundle = (await bundleOf(comparison))!;
  const html = bundle["text/html"];
  assert(html.includes("<title>factor correlation</title>"));
  assert(html.includes("<title>IC correlation, 1 bar</title>"));
  assert(bundle["text/plain"].includes("FactorComparison of 2 factors"));
  const dir = await Deno.makeTempDir();
  try {
    const files = await comparison.save(dir);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), [
      "table.parquet",
      "ic.parquet",
      "valueCorrelation.parquet",
      "icCorrelation.parquet",
      "comparison.html",
    ]);
    const read = pl.readParquet(`${dir}/table.parquet`);
    assert.equal(read.height, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compareFactors() refuses no factors, bad formulas, reserved names and non-factors, naming them", async () => {
  await assert.rejects(
    () => compareFactors(agg, {}),
    InvalidArgumentError,
  );
  await assert.rejects(
    () => compareFactors(agg, { a: "ts_mean(close" }),
    FormulaError,
  );
  await assert.rejects(
    () => compareFactors(agg, { period: "close" }),
    (e: Error) => e instanceof InvalidArgumentError && /period/.test(e.message),
  );
  await assert.rejects(
    () => compareFactors(agg, { a: 42 as unknown as string }),
    (e: Error) =>
      e instanceof InvalidArgumentError && /factors\.a/.test(e.message),
  );
  await assert.rejects(
    () => compareFactors(agg, { ok: "close", empty: "ts_mean(close, 5000)" }),
    (e: Error) =>
      e instanceof InvalidArgumentError &&
      e.message.startsWith("factors.empty (ts_mean(close,5000)): "),
  );
  await assert.rejects(
    () =>
      compareFactors(agg, { a: "close" }, {
        sink: "x.parquet",
      } as Record<string, unknown>),
    (e: Error) => e instanceof InvalidArgumentError && /sink/.test(e.message),
  );
  await assert.rejects(
    () => compareFactors(agg, { a: "close" }, { price: "nope" }),
    (e: Error) => e instanceof InvalidArgumentError && /nope/.test(e.message),
  );
});
