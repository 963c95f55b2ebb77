/**
 * combine and orthogonalize against plain loops on generated bars with
 * nulls, NaN, ties, constant runs and missing bars: equal (mean cs_rank),
 * zscore_sum, ic_weighted (trailing ICs realised before t), and proof that
 * changing future prices leaves the IC-weighted composite up to t
 * unchanged; multi-factor residuals against a normal-equations solve and,
 * with one regressor, against csNeutralize.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  AggBar,
  combine,
  type Factor,
  InvalidArgumentError,
  orthogonalize,
} from "../mod.ts";
import { averageRanks, EPS, pearson } from "./_analysis_reference.ts";
import { assertMatches, factorData } from "./_factor_data.ts";

const { agg } = factorData({ symbols: 6, bars: 200, seed: 8 });
const FACTORS = {
  delta: agg.get("close").tsDelta(3),
  volume: agg.get("volume"),
  // Small integers: many ties within a slice.
  flatVolume: agg.get("flat").add(agg.get("volume").gt(5)),
};

type Row = Record<string, unknown>;
const present = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v);

/** Rows of the factors (and close), grouped by end_time in time order. */
async function slices(factors: Record<string, Factor>, bars: AggBar = agg) {
  const frame = await bars.compute({ ...factors, close: bars.get("close") });
  const rows = frame.toRecords();
  const byTime = new Map<number, Row[]>();
  for (const row of rows) {
    const t = row.end_time as number;
    if (!byTime.has(t)) byTime.set(t, []);
    byTime.get(t)!.push(row);
  }
  return { rows, times: [...byTime.keys()], byTime };
}

/** cs_rank (rank(min)/count) or cs_zscore (ddof 1, null when std <= EPS) of one slice. */
function crossSection(slice: Row[], name: string, how: "rank" | "zscore") {
  const values = slice.filter((r) => present(r[name])).map((r) =>
    r[name] as number
  );
  const out = new Map<string, number | null>();
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  for (const r of slice) {
    const v = r[name];
    if (!present(v)) out.set(r.symbol as string, null);
    else if (how === "rank") {
      out.set(r.symbol as string, (1 + values.filter((u) => u < v).length) / n);
    } else out.set(r.symbol as string, std > EPS ? (v - mean) / std : null);
  }
  return out;
}

async function valuesOn(factor: Factor, rows: Row[]) {
  // The composite may live on another AggBar: read it by key.
  const frame = await factor.collect();
  const byKey = new Map(
    frame.toRecords().map((r) => [`${r.end_time}|${r.symbol}`, r.factor]),
  );
  return rows.map((r) =>
    (byKey.get(`${r.end_time}|${r.symbol}`) ?? null) as number | null
  );
}

for (const method of ["equal", "zscore_sum"] as const) {
  Deno.test(`combine() with method ${method} equals the plain-loop ${method === "equal" ? "mean of cross-sectional ranks" : "sum of cross-sectional z-scores"}, null where any factor is`, async () => {
    const composite = await combine(FACTORS, { method });
    const { rows, byTime } = await slices(FACTORS);
    const expected = new Map<string, number | null>();
    for (const [t, slice] of byTime) {
      const parts = Object.keys(FACTORS).map((name) =>
        crossSection(slice, name, method === "equal" ? "rank" : "zscore")
      );
      for (const r of slice) {
        const values = parts.map((p) => p.get(r.symbol as string)!);
        expected.set(
          `${t}|${r.symbol}`,
          values.some((v) => v === null)
            ? null
            : method === "equal"
            ? values.reduce((a, b) => a! + b!, 0)! / values.length
            : values.reduce((a, b) => a! + b!, 0),
        );
      }
    }
    const got = await valuesOn(composite, rows);
    assertMatches(
      method,
      got,
      rows.map((r) => expected.get(`${r.end_time}|${r.symbol}`)!),
    );
    assert(got.some((v) => v !== null) && got.some((v) => v === null));
  });
}

/** The plain-loop IC-weighted composite of `bars`, keyed end_time|symbol. */
async function referenceIcWeighted(
  bars: AggBar,
  factors: Record<string, Factor>,
  lookback: number,
  period: number,
) {
  const { times, byTime } = await slices(factors, bars);
  const names = Object.keys(factors);
  const z = times.map((t) =>
    names.map((name) => crossSection(byTime.get(t)!, name, "zscore"))
  );
  const close = times.map((t) =>
    new Map(byTime.get(t)!.map((r) => [r.symbol as string, r.close]))
  );
  // IC of slice u: Spearman of z and the return from u to u + period.
  const ic = names.map((_, i) =>
    times.map((_, u) => {
      if (u + period >= times.length) return null;
      const x: number[] = [], y: number[] = [];
      for (const [symbol, zv] of z[u][i]) {
        const p0 = close[u].get(symbol), p1 = close[u + period].get(symbol);
        if (zv === null || !present(p0) || !present(p1) || !(p0 > 0)) continue;
        const r = p1 / p0 - 1;
        if (!Number.isFinite(r)) continue;
        x.push(zv);
        y.push(r);
      }
      return x.length < 3 ? null : pearson(averageRanks(x), averageRanks(y));
    })
  );
  const out = new Map<string, number | null>();
  times.forEach((t, ti) => {
    const w = names.map((_, i) => {
      const window: number[] = [];
      for (let u = ti - period - lookback + 1; u <= ti - period; u++) {
        const v = u >= 0 ? ic[i][u] : null;
        if (v !== null) window.push(v);
      }
      return window.length === 0
        ? NaN
        : window.reduce((a, b) => a + b, 0) / window.length;
    });
    const scale = w.reduce((a, b) => a + Math.abs(b), 0);
    for (const r of byTime.get(t)!) {
      const zs = names.map((_, i) => z[ti][i].get(r.symbol as string)!);
      out.set(
        `${t}|${r.symbol}`,
        !(scale > EPS) || zs.some((v) => v === null)
          ? null
          : zs.reduce((a, v, i) => a + (w[i] / scale) * v!, 0),
      );
    }
  });
  return out;
}

Deno.test("combine() with method ic_weighted equals the plain-loop composite weighted by trailing ICs realised before t", async () => {
  for (const [lookback, period] of [[10, 1], [25, 3]]) {
    const composite = await combine(FACTORS, {
      method: "ic_weighted",
      lookback,
      period,
      agg,
    });
    const { rows } = await slices(FACTORS);
    const expected = await referenceIcWeighted(agg, FACTORS, lookback, period);
    const got = await valuesOn(composite, rows);
    assertMatches(
      `lookback ${lookback}, period ${period}`,
      got,
      rows.map((r) => expected.get(`${r.end_time}|${r.symbol}`)!),
    );
    assert(got.filter((v) => v !== null).length > 100);
  }
});

Deno.test("combine() ic_weighted at t does not change when the prices after t do", async () => {
  const frame = agg.toPolars();
  const times = [...new Set(frame.getColumn("end_time").toArray() as number[])]
    .sort((a, b) => a - b);
  const cut = times[120];
  const changed = new AggBar(
    frame.withColumns(
      pl.when(pl.col("end_time").gt(cut))
        .then(pl.col("close").mul(pl.col("volume").add(2)))
        .otherwise(pl.col("close")).alias("close"),
    ),
  );
  const make = (bars: AggBar) => ({
    delta: bars.get("close").tsDelta(3),
    volume: bars.get("volume"),
  });
  const before = await (await combine(make(agg), {
    method: "ic_weighted",
    lookback: 15,
    agg,
  })).collect();
  const after = await (await combine(make(changed), {
    method: "ic_weighted",
    lookback: 15,
    agg: changed,
  })).collect();
  const upTo = (f: pl.DataFrame) =>
    f.filter(pl.col("end_time").ltEq(cut)).getColumn("factor").toArray();
  assert.deepEqual(upTo(after), upTo(before));
  assert.notDeepEqual(
    after.getColumn("factor").toArray(),
    before.getColumn("factor").toArray(),
    "later values do change",
  );
});

/** Solves the small system A x = b by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) {
      if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    }
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

Deno.test("orthogonalize() equals the plain-loop least-squares residual on [1, x1, x2] per time slice", async () => {
  const y = agg.get("close").tsDelta(3);
  const x1 = agg.get("volume");
  const x2 = agg.get("high").sub(agg.get("low"));
  const residual = await orthogonalize(agg, y, [x1, x2]);
  const { rows, byTime } = await slices({ y, x1, x2 });
  const expected = new Map<string, number | null>();
  for (const [t, slice] of byTime) {
    const used = slice.filter((r) =>
      present(r.y) && present(r.x1) && present(r.x2)
    );
    const X = used.map((r) => [1, r.x1 as number, r.x2 as number]);
    const Y = used.map((r) => r.y as number);
    const xtx = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) => X.reduce((a, row) => a + row[i] * row[j], 0))
    );
    const xty = [0, 1, 2].map((i) =>
      X.reduce((a, row, k) => a + row[i] * Y[k], 0)
    );
    const beta = used.length > 3 ? solve(xtx, xty) : undefined;
    for (const r of slice) expected.set(`${t}|${r.symbol}`, null);
    if (!beta) continue;
    used.forEach((r, k) =>
      expected.set(
        `${t}|${r.symbol}`,
        Y[k] - X[k].reduce((a, v, i) => a + v * beta[i], 0),
      )
    );
  }
  const got = await valuesOn(residual, rows);
  const want = rows.map((r) => expected.get(`${r.end_time}|${r.symbol}`)!);
  // Slices of 3 or fewer symbols fit exactly (residual 0); compare the rest.
  const keep = want.map((v) => v !== null);
  assertMatches(
    "residual",
    got.filter((_, i) => keep[i]),
    want.filter((_, i) => keep[i]),
    1e-7,
  );
  assert(keep.filter(Boolean).length > 500);
});

Deno.test("orthogonalize() against one factor, or against it and a multiple of it, is csNeutralize", async () => {
  const y = agg.get("close").tsDelta(3);
  const x = agg.get("volume");
  const want = await y.csNeutralize(x).collect();
  const rows = want.toRecords();
  for (const against of [[x], [x, x.mul(2)]]) {
    const got = await valuesOn(await orthogonalize(agg, y, against), rows);
    assertMatches(
      `against ${against.length}`,
      got,
      rows.map((r) => r.factor as number | null),
      1e-9,
    );
  }
});

Deno.test("combine() and orthogonalize() refuse bad input naming it", async () => {
  await assert.rejects(
    () => combine({}, { method: "equal" }),
    InvalidArgumentError,
  );
  await assert.rejects(
    () => combine(FACTORS, { method: "ic_weighted" }),
    (e: Error) => e instanceof InvalidArgumentError && /agg/.test(e.message),
  );
  await assert.rejects(
    () => combine(FACTORS, { method: "mean" as "equal" }),
    (e: Error) => e instanceof InvalidArgumentError && /method/.test(e.message),
  );
  await assert.rejects(
    () => combine(FACTORS, { method: "ic_weighted", agg, lookback: 0 }),
    (e: Error) =>
      e instanceof InvalidArgumentError && /lookback/.test(e.message),
  );
  await assert.rejects(
    () => orthogonalize(agg, FACTORS.delta, []),
    (e: Error) =>
      e instanceof InvalidArgumentError && /against/.test(e.message),
  );
});
