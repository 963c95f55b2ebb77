import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar } from "../mod.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { inverseNormalCdf } from "../src/factor/kernels.ts";
import { rollingMean } from "../src/analysis/charts.ts";
import { random } from "./_factor_data.ts";

const HOUR = 3_600_000;
/** 2024-01-31 12:00 UTC: hourly bars run into February. */
const T0 = Date.UTC(2024, 0, 31, 12);

/** Hourly random-walk bars of `symbols` symbols crossing a month boundary. */
function bars(symbols = 8, count = 120): AggBar {
  const next = random(5);
  const records = [];
  for (let s = 0; s < symbols; s++) {
    let price = 100 + 50 * next();
    for (let i = 0; i < count; i++) {
      price *= 1 + (next() - 0.5) * 0.02;
      records.push({
        symbol: `S${s}`,
        start_time: T0 + i * HOUR,
        end_time: T0 + (i + 1) * HOUR,
        close: price,
      });
    }
  }
  return AggBar.fromRecords(records);
}

const agg = bars();
const factor = agg.get("close").tsDelta(2).csRank();
const analysis = await factor.analyze(agg, { periods: [1, 3], quantiles: 4 });

Deno.test("demeaned quantile returns (the default) are the raw ones minus each slice's cross-sectional mean; the spread is the same", async () => {
  const raw = await factor.analyze(agg, {
    periods: [1, 3],
    quantiles: 4,
    demeaned: false,
  });
  assert.equal(analysis.settings.demeaned, true);
  // Per slice: demeaned quantile means, weighted by the quantile's count,
  // sum to zero; check through factorData with plain loops.
  const rows = analysis.factorData.toRecords();
  const slices = new Map<number, { q: number; r: number }[]>();
  for (const row of rows) {
    if (row.quantile === null || row.fwd_1 === null) continue;
    const list = slices.get(row.end_time as number) ?? [];
    list.push({ q: row.quantile as number, r: row.fwd_1 as number });
    slices.set(row.end_time as number, list);
  }
  const perQuantile = new Map<number, number[]>();
  for (const list of slices.values()) {
    const market = list.reduce((a, b) => a + b.r, 0) / list.length;
    for (let q = 1; q <= 4; q++) {
      const members = list.filter((x) => x.q === q);
      if (members.length === 0) continue;
      const mean = members.reduce((a, b) => a + b.r, 0) / members.length;
      perQuantile.set(q, [...perQuantile.get(q) ?? [], mean - market]);
    }
  }
  const got = analysis.quantileReturns.filter(pl.col("period").eq(1))
    .sort("quantile").getColumn("mean").toArray() as number[];
  for (let q = 1; q <= 4; q++) {
    const values = perQuantile.get(q)!;
    const want = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(
      Math.abs(got[q - 1] - want) < 1e-12,
      `Q${q}: ${got[q - 1]} vs ${want}`,
    );
  }
  const rawMeans = raw.quantileReturns.getColumn("mean").toArray() as number[];
  assert.ok(
    rawMeans.some((v, i) =>
      Math.abs(
        v - (analysis.quantileReturns.getColumn("mean").get(i) as number),
      ) > 1e-6
    ),
  );
  assert.deepEqual(raw.spread.toRecords(), analysis.spread.toRecords());
});

Deno.test("the tearsheet captions every table, says the unit, and opens with a verdict row equal to the summary tables", async () => {
  const html = (await bundleOf(analysis))!["text/html"];
  // Every table sits in a figure right under its caption.
  const tables = html.match(/<table/g)!.length;
  assert.ok(tables >= 7);
  const captioned = html.match(
    /<figure class="factorium-figure"><figcaption>[^<]+<\/figcaption><table/g,
  )!;
  assert.equal(captioned.length, tables);
  const captions = [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)]
    .map((m) => m[1]);
  for (const caption of captions.slice(2)) {
    assert.match(caption, /bps|−1 to 1|0 to 1|time slices/, caption);
  }
  assert.ok(
    html.indexOf("verdict, read first") <
      html.indexOf("coverage: what was used"),
  );
  const verdict = analysis.verdict.toRecords();
  assert.deepEqual(verdict.map((r) => r.period), [1, 3]);
  for (const row of verdict) {
    const k = row.period as number;
    const ic = analysis.icSummary.toRecords().find((r) =>
      r.period === k && r.method === "spearman"
    )!;
    assert.equal(row.ic_ir, ic.ir);
    assert.equal(row.ic_t, ic.t_stat);
    const spread = analysis.spread.toRecords().find((r) => r.period === k)!;
    assert.ok(
      Math.abs((row.spread_bps as number) - (spread.mean as number) * 1e4) <
        1e-9,
    );
    assert.equal(row.spread_t, spread.t_stat);
    const ends = analysis.turnover.toRecords().filter((r) =>
      r.period === k && (r.quantile === 1 || r.quantile === 4)
    ).map((r) => r.mean as number);
    assert.ok(
      Math.abs((row.turnover as number) - (ends[0] + ends[1]) / 2) < 1e-12,
    );
  }
  assert.match(
    analysis.toString(),
    /verdict, 1 bar\(s\): IC IR .*, spread .* bps \(t .*\), turnover /,
  );
});

Deno.test("the IC chart adds a thick rolling mean per period; the monthly heatmap shows each month's mean IC", () => {
  const svg = analysis.plot("ic").toSVG();
  assert.match(svg, /1 bar, mean of 6/); // 118 slices / 20, at least 5
  assert.match(svg, /stroke-width="2.4"/);
  const heat = analysis.plot("ic-heatmap").toSVG();
  const texts = [...heat.matchAll(/<text[^>]*>(-?\d\.\d{3})<\/text>/g)].map((
    m,
  ) => Number(m[1]));
  const want: number[] = [];
  for (const k of [1, 3]) {
    for (const month of [0, 1]) {
      const values = analysis.ic.toRecords().filter((r) =>
        r.period === k && r.spearman !== null &&
        new Date(r.end_time as number).getUTCMonth() === month
      ).map((r) => r.spearman as number);
      want.push(
        Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)),
      );
    }
  }
  assert.deepEqual(texts, want);
  assert.match(heat, /2024-01/);
  assert.match(heat, /2024-02/);
});

Deno.test("the IC Q-Q plot draws each present IC against the normal quantile of its rank", () => {
  const svg = analysis.plot("ic-qq").toSVG();
  const dots = [...svg.matchAll(/<circle [^>]*cy="([\d.]+)" cx="([\d.]+)"/g)]
    .map((m) => [m[0], m[2], m[1]]);
  const ics = analysis.ic.filter(pl.col("period").eq(1)).getColumn("spearman")
    .toArray().filter((v) => v !== null && !Number.isNaN(v));
  assert.equal(dots.length, ics.length);
  // x follows the normal quantiles (increasing), y the sorted ICs (pixel y falls as IC rises).
  const xs = dots.map((d) => Number(d[1])), ys = dots.map((d) => Number(d[2]));
  for (let i = 1; i < xs.length; i++) {
    assert.ok(xs[i] > xs[i - 1]);
    assert.ok(ys[i] <= ys[i - 1] + 1e-9);
  }
  const n = ics.length;
  const span = inverseNormalCdf((n - 0.5) / n) - inverseNormalCdf(0.5 / n);
  const middle = inverseNormalCdf(0.5);
  assert.equal(middle, 0);
  assert.ok(span > 4, `${span}`);
});

Deno.test("cumulative returns by quantile chart a line per quantile from the quantileCumulative table", () => {
  const svg = analysis.plot("quantile-cumulative", { period: 3 }).toSVG();
  assert.match(svg, /cumulative return by quantile, 3 bars/);
  for (const q of ["Q1", "Q2", "Q3", "Q4"]) {
    assert.match(svg, new RegExp(`>${q}<`));
  }
  const table = analysis.quantileCumulative.filter(pl.col("period").eq(3));
  // Growth of 1 by compounding each step's return, a missing step flat.
  for (let q = 1; q <= 4; q++) {
    const rows = table.filter(pl.col("quantile").eq(q)).toRecords();
    let growth = 1;
    for (const row of rows) {
      if (row.return !== null) growth *= 1 + (row.return as number);
      assert.ok(Math.abs(growth - (row.cumulative as number)) < 1e-12);
    }
  }
});

Deno.test("rollingMean averages the last `window` present values, skipping gaps, like a plain loop", () => {
  const next = random(9);
  const values = Float64Array.from(
    { length: 200 },
    () => next() < 0.2 ? NaN : next() - 0.5,
  );
  for (const window of [1, 5, 17]) {
    const got = rollingMean(values, window);
    values.forEach((v, i) => {
      const present = Array.from(values.subarray(0, i + 1)).filter((x) =>
        !Number.isNaN(x)
      );
      if (Number.isNaN(v) || present.length < window) {
        assert.ok(Number.isNaN(got[i]), `${window}@${i}`);
      } else {
        const last = present.slice(-window);
        const want = last.reduce((a, b) => a + b, 0) / window;
        assert.ok(Math.abs(got[i] - want) < 1e-12, `${window}@${i}`);
      }
    });
  }
});
