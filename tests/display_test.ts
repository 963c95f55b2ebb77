import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import pl from "nodejs-polars";
import { AggBar, type Chart, InvalidArgumentError, Report } from "../mod.ts";
import { bundleOf, factorSummary } from "../src/display/jupyter.ts";
import { random } from "./_factor_data.ts";

const MINUTE = 60_000;
/** 2024-01-01 23:00 UTC, so 1-minute bars cross midnight after 60 bars. */
const T0 = Date.UTC(2024, 0, 1, 23);

/** OHLCV bars of a random walk per symbol; `gaps` drops every k-th close. */
function ohlc(symbols: string[], bars: number, seed = 1, gaps = 0): AggBar {
  const next = random(seed);
  const columns: Record<string, (number | string | null)[]> = {
    symbol: [],
    start_time: [],
    end_time: [],
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
  };
  for (const symbol of symbols) {
    let price = 100 + next() * 50;
    for (let i = 0; i < bars; i++) {
      const open = price;
      price *= 1 + (next() - 0.5) * 0.01;
      const row = {
        symbol,
        start_time: T0 + i * MINUTE,
        end_time: T0 + (i + 1) * MINUTE,
        open,
        high: Math.max(open, price) * (1 + next() * 0.002),
        low: Math.min(open, price) * (1 - next() * 0.002),
        close: gaps > 0 && i % gaps === gaps - 1 ? null : price,
        volume: Math.round(next() * 100),
      };
      for (const [k, v] of Object.entries(row)) columns[k].push(v);
    }
  }
  return new AggBar(
    pl.DataFrame({
      ...columns,
      start_time: pl.Series("start_time", columns.start_time, pl.Int64),
      end_time: pl.Series("end_time", columns.end_time, pl.Int64),
    }),
  );
}

function parseSvg(chart: Chart): Element {
  const svg = chart.toSVG();
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  const root = doc.documentElement as unknown as Element;
  assert.equal(root.tagName.toLowerCase(), "svg");
  return root;
}

/** Elements drawn by the Plot mark with this aria-label (e.g. "rect"). */
function markElements(root: Element, mark: string): Element[] {
  const group = root.querySelector(`g[aria-label="${mark}"]`);
  return group ? [...group.children] as Element[] : [];
}

function legendLabels(root: Element): string[] {
  return [...root.querySelectorAll("g.legend text")].map((t) =>
    t.textContent ?? ""
  );
}

Deno.test("AggBar display bundle has plain text without ANSI codes and escaped HTML", async () => {
  const agg = AggBar.fromRecords([
    {
      symbol: "<script>alert(1)</script>",
      start_time: 0,
      end_time: MINUTE,
      close: 1,
      "<b>x</b>": 2,
    },
    {
      symbol: "BTCUSDT",
      start_time: 0,
      end_time: MINUTE,
      close: null,
      "<b>x</b>": 3,
    },
  ]);
  const bundle = (await bundleOf(agg))!;
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  const html = bundle["text/html"];
  assert.ok(!html.includes("<script>"), "a raw <script> tag reached the HTML");
  assert.ok(!html.includes("<b>x</b>"));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(html.includes("&lt;b&gt;x&lt;/b&gt;"));
  assert.ok(html.includes("2 rows × 5 columns"));
  assert.ok(html.includes("1970-01-01 00:00 → 1970-01-01 00:01 UTC"));
  // The info table: one row per symbol, num_nan 1 for BTCUSDT.
  assert.match(
    html,
    /<td>BTCUSDT<\/td><td class="num">1<\/td><td>1970-01-01 00:00<\/td><td>1970-01-01 00:01<\/td><td class="num">1<\/td>/,
  );
  assert.ok(!bundle["text/plain"].includes("\x1b"));
  assert.ok(bundle["text/plain"].startsWith("AggBar 2 rows × 5 cols"));
});

Deno.test("Factor display bundle shows the escaped name, null share, statistics, per-symbol table and a chart", async () => {
  const agg = AggBar.fromRecords([
    { symbol: "<script>", start_time: 0, end_time: MINUTE, "<i>": 1 },
    { symbol: "B", start_time: 0, end_time: MINUTE, "<i>": NaN },
    { symbol: "<script>", start_time: MINUTE, end_time: 2 * MINUTE, "<i>": 3 },
    { symbol: "B", start_time: MINUTE, end_time: 2 * MINUTE, "<i>": 5 },
  ]);
  const factor = agg.get("<i>");
  const bundle = (await bundleOf(factor))!;
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  const html = bundle["text/html"];
  assert.ok(!html.includes("<script>") && !html.includes("<i>"));
  assert.ok(html.includes("Factor <code>&lt;i&gt;</code>"));
  assert.ok(
    html.includes("4 rows · 2 symbol(s) × 2 time(s) · null share 25.00%"),
  );
  assert.ok(html.includes("&lt;script&gt;</td>"));
  assert.ok(html.includes("<svg"), "no inline chart");
  // mean of 1, 3, 5 is 3; std (ddof 1) is 2.
  assert.match(bundle["text/plain"], /mean 3, std 2, min 1, median 3, max 5/);
});

Deno.test("factorSummary() matches plain loops, counting null and NaN as missing", () => {
  const values = [3, null, NaN, -1, 7, 7, 0.5, null, 2];
  const summary = factorSummary(
    pl.DataFrame({ factor: pl.Series("factor", values, pl.Float64) }),
  );
  const present = values.filter((v): v is number =>
    v !== null && !Number.isNaN(v)
  ).sort((a, b) => a - b);
  const mean = present.reduce((a, b) => a + b, 0) / present.length;
  const variance = present.reduce((a, b) => a + (b - mean) ** 2, 0) /
    (present.length - 1);
  const row = summary.toRecords()[0] as Record<string, number>;
  assert.equal(row.rows, values.length);
  assert.equal(row.present, present.length);
  assert.equal(row.null_share, 3 / 9);
  assert.ok(Math.abs(row.mean - mean) < 1e-12);
  assert.ok(Math.abs(row.std - Math.sqrt(variance)) < 1e-12);
  assert.equal(row.min, present[0]);
  assert.equal(row.max, present[present.length - 1]);
  const middle = present.length / 2;
  assert.equal(row.median, (present[middle - 1] + present[middle]) / 2);
});

Deno.test("agg.plot() draws one candle and one wick per bar with up/down colours", () => {
  const agg = ohlc(["BTCUSDT", "ETHUSDT"], 90);
  const chart = agg.plot({ kind: "candles", symbol: "ETHUSDT" });
  const root = parseSvg(chart);
  const bodies = markElements(root, "rect");
  assert.equal(bodies.length, 90);
  assert.equal(markElements(root, "rule").length, 90);
  const rows = agg.slice({ symbols: "ETHUSDT" }).toPolars();
  const open = rows.getColumn("open").toArray() as number[];
  const close = rows.getColumn("close").toArray() as number[];
  const ups = open.filter((o, i) => close[i] >= o).length;
  const fills = bodies.map((b) => b.getAttribute("fill"));
  assert.equal(fills.filter((f) => f === "#26a69a").length, ups);
  assert.equal(fills.filter((f) => f === "#ef5350").length, 90 - ups);
  assert.equal(chart.title, "ETHUSDT candles, 1m bars");
  assert.ok(root.textContent!.includes("time (UTC)"));
  assert.ok(root.textContent!.includes("price"));
});

Deno.test("agg.plot() downsamples long series to at most maxPoints OHLC candles and says so", () => {
  const agg = ohlc(["BTCUSDT"], 3000, 7);
  const chart = agg.plot({ kind: "candles", maxPoints: 100 });
  const root = parseSvg(chart);
  const candles = markElements(root, "rect").length;
  assert.ok(candles <= 100 && candles >= 25, `${candles} candles`);
  assert.match(
    root.textContent!,
    /downsampled to \d+ candles of 1 h \(OHLC of 3000 bars\)/,
  );
  // A 1-hour bucket (by bar start) spans the min low and max high of its bars.
  const frame = agg.toPolars();
  const start = frame.getColumn("start_time").toArray() as number[];
  const high = frame.getColumn("high").toArray() as number[];
  const low = frame.getColumn("low").toArray() as number[];
  const highs = new Map<number, number>();
  const lows = new Map<number, number>();
  start.forEach((t, i) => {
    const bucket = t - (t % (60 * MINUTE));
    highs.set(bucket, Math.max(highs.get(bucket) ?? -Infinity, high[i]));
    lows.set(bucket, Math.min(lows.get(bucket) ?? Infinity, low[i]));
  });
  assert.equal(candles, highs.size);
  const wicks = markElements(root, "rule").map((r) =>
    Number(r.getAttribute("y1")) - Number(r.getAttribute("y2"))
  );
  const spans = [...highs.keys()].sort((a, b) => a - b).map((k) =>
    highs.get(k)! - lows.get(k)!
  );
  // Pixel lengths are proportional to price spans (one linear y scale).
  const ratio = wicks[0] / spans[0];
  wicks.forEach((w, i) =>
    assert.ok(Math.abs(Math.abs(w) - Math.abs(ratio) * spans[i]) < 0.05)
  );
});

Deno.test("agg.plot() draws a line per symbol with a legend, normalised when there are several", () => {
  const agg = ohlc(["A", "B", "C"], 120, 3, 10);
  const root = parseSvg(agg.plot({ kind: "line" }));
  assert.equal(markElements(root, "line").length, 3);
  assert.deepEqual(legendLabels(root), ["A", "B", "C"]);
  assert.ok(root.textContent!.startsWith("close ÷ first value"));
  const single = parseSvg(
    agg.plot({ kind: "line", symbol: "B", column: "volume" }),
  );
  assert.equal(markElements(single, "line").length, 1);
  assert.deepEqual(legendLabels(single), [], "no legend for one series");
});

Deno.test("agg.plot() stacks volume bars of several symbols", () => {
  const agg = ohlc(["A", "B"], 50);
  const root = parseSvg(agg.plot({ kind: "volume", symbol: ["A", "B"] }));
  assert.equal(markElements(root, "rect").length, 100);
  assert.deepEqual(legendLabels(root), ["A", "B"]);
  assert.ok(root.textContent!.includes("volume (base units)"));
});

Deno.test("agg.plot() rejects unknown kinds, symbols, columns and sizes with InvalidArgumentError", () => {
  const agg = ohlc(["A", "B"], 5);
  for (
    const options of [
      { kind: "pie" as "line" },
      { symbol: "ZZZ" },
      { kind: "candles" as const, symbol: ["A", "B"] },
      { kind: "line" as const, column: "nope" },
      { width: 10 },
      { maxPoints: 1.5 },
    ]
  ) {
    assert.throws(() => agg.plot(options), InvalidArgumentError);
  }
});

Deno.test("charts of a single bar, an empty frame and an all-null factor render without throwing", async () => {
  const one = ohlc(["A"], 1);
  for (const kind of ["candles", "line", "volume"] as const) {
    parseSvg(one.plot({ kind }));
  }
  const close = one.get("close");
  for (const kind of ["timeseries", "heatmap", "distribution"] as const) {
    parseSvg(await close.plot(kind));
    parseSvg(await close.tsMean(5).plot(kind)); // all null
  }
  const empty = new AggBar(one.toPolars().filter(pl.lit(false)));
  assert.equal(empty.length, 0);
  for (const kind of ["candles", "line", "volume"] as const) {
    parseSvg(empty.plot({ kind, symbol: [] }));
  }
  for (const kind of ["timeseries", "heatmap", "distribution"] as const) {
    parseSvg(await empty.get("close").plot(kind));
  }
});

Deno.test("factor.plot('timeseries') draws a line per symbol, or a mean and band above 12 symbols", async () => {
  const few = ohlc(["A", "B", "C", "D"], 60, 5);
  const root = parseSvg(await few.get("close").tsDelta(1).plot());
  assert.equal(markElements(root, "line").length, 4);
  assert.deepEqual(legendLabels(root), ["A", "B", "C", "D"]);
  const symbols = Array.from({ length: 15 }, (_, i) => `S${i}`);
  const many = ohlc(symbols, 40, 6);
  const band = parseSvg(await many.get("close").csRank().plot("timeseries"));
  assert.equal(markElements(band, "line").length, 1);
  assert.equal(markElements(band, "area").length, 1);
  assert.match(
    band.textContent!,
    /cross-section of 15 symbols: mean and 10–90% band/,
  );
});

Deno.test("factor.plot('heatmap') draws one cell per present (symbol, time) with a colour ramp", async () => {
  const agg = ohlc(["A", "B", "C"], 30, 2, 7);
  const factor = agg.get("close");
  const root = parseSvg(await factor.plot("heatmap"));
  const present = (await factor.collect()).getColumn("factor").dropNulls()
    .len();
  assert.equal(markElements(root, "bar").length, present);
  assert.ok(root.querySelector("linearGradient"), "no colour ramp legend");
});

Deno.test("factor.plot('distribution') bins the present values; counts match a loop", async () => {
  const agg = ohlc(["A", "B"], 200, 9, 4);
  const factor = agg.get("close").tsPctChange(1);
  const root = parseSvg(await factor.plot("distribution"));
  const values = ((await factor.collect()).getColumn("factor")
    .toArray() as (number | null)[])
    .filter((v): v is number => v !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const counts = new Array(50).fill(0);
  for (const v of values) {
    counts[Math.min(49, Math.floor((v - lo) / ((hi - lo) / 50)))]++;
  }
  const bars = markElements(root, "rect");
  assert.equal(bars.length, 50);
  const heights = bars.map((b) => Number(b.getAttribute("height")));
  const scale = heights[counts.indexOf(Math.max(...counts))] /
    Math.max(...counts);
  heights.forEach((h, i) => assert.ok(Math.abs(h - counts[i] * scale) < 0.01));
  const nullShare = (400 - values.length) / 400;
  assert.ok(
    root.textContent!.includes(`null share ${(nullShare * 100).toFixed(1)}%`),
  );
});

Deno.test("Chart.save() writes SVG or an HTML page and refuses other extensions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const chart = ohlc(["A"], 10).plot();
    await chart.save(`${dir}/c.svg`);
    assert.equal(await Deno.readTextFile(`${dir}/c.svg`), chart.toSVG());
    await chart.save(`${dir}/c.html`);
    const page = await Deno.readTextFile(`${dir}/c.html`);
    assert.ok(
      page.startsWith("<!DOCTYPE html>") && page.includes(chart.toSVG()),
    );
    await assert.rejects(
      () => chart.save(`${dir}/c.png`),
      InvalidArgumentError,
    );
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["c.html", "c.svg"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Report.save() writes one page with escaped headings, display HTML, charts and frames", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const agg = ohlc(["A", "B"], 20);
    await new Report("<Report>")
      .add("bars <1>", agg)
      .add("prices", agg.plot({ kind: "line" }))
      .add("momentum", agg.get("close").tsDelta(3).csRank())
      .add("info", agg.info())
      .add("note", "a < b")
      .save(`${dir}/nested/report.html`);
    const page = await Deno.readTextFile(`${dir}/nested/report.html`);
    assert.ok(page.includes("<title>&lt;Report&gt;</title>"));
    assert.ok(page.includes("<h2>bars &lt;1&gt;</h2>"));
    assert.equal(page.match(/<svg xmlns/g)?.length, 2);
    assert.ok(page.includes("<p>a &lt; b</p>"));
    assert.ok(page.includes("<th>num_kbar</th>"));
    assert.ok(!page.includes("<script"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Asserts a chart is the one-line "no data" card: no axes, no marks. */
function assertNoData(chart: Chart, reason: RegExp) {
  const root = parseSvg(chart);
  const svg = chart.toSVG();
  assert.equal(root.querySelectorAll("rect").length, 1, "only the background");
  assert.equal(
    root.querySelectorAll("path").length,
    0,
    `${chart.title}: a path`,
  );
  assert.equal(
    root.querySelectorAll("line").length,
    0,
    `${chart.title}: a line`,
  );
  assert.equal(root.querySelectorAll("g[aria-label]").length, 0, "axes");
  assert.match(
    root.querySelector("text.no-data")?.textContent ?? "",
    /^no data: /,
  );
  assert.match(svg, reason);
}

/** Analysis tables with the given quantile means and IC decay, everything else null. */
function analysisTables(
  quantileMeans: (number | null)[],
  decay: (number | null)[],
) {
  const nulls = (n: number) =>
    pl.Series("x", new Array(n).fill(null), pl.Float64);
  const times = pl.Series(
    "end_time",
    [T0, T0 + MINUTE, T0 + 2 * MINUTE],
    pl.Int64,
  );
  return {
    ic: pl.DataFrame({
      end_time: times,
      period: [1, 1, 1],
      spearman: nulls(3),
    }),
    quantileReturns: pl.DataFrame({
      period: quantileMeans.map((_, i) => i < 3 ? 1 : 5),
      quantile: quantileMeans.map((_, i) => (i % 3) + 1),
      mean: pl.Series("mean", quantileMeans, pl.Float64),
    }),
    quantileCumulative: pl.DataFrame({
      end_time: times,
      period: [1, 1, 1],
      quantile: [1, 1, 1],
      return: nulls(3),
      cumulative: [1, 1, 1],
    }),
    longShort: pl.DataFrame({
      end_time: times,
      period: [1, 1, 1],
      spread: nulls(3),
      cumulative: [1, 1, 1],
    }),
    icDecay: pl.DataFrame({
      period: decay.map((_, i) => [1, 5][i]),
      spearman: pl.Series("spearman", decay, pl.Float64),
    }),
  };
}

Deno.test("every chart kind shows one 'no data: <reason>' line instead of axes when it has no value at all", async () => {
  const all = ohlc(["A", "B"], 30, 3);
  const nullBars = new AggBar(
    all.toPolars().withColumns(
      ...["open", "high", "low", "close", "volume"].map((c) =>
        pl.lit(null).cast(pl.Float64).alias(c)
      ),
    ),
  );
  assertNoData(
    nullBars.plot({ kind: "candles", symbol: "A" }),
    /no open, close, low or high value in 30 bars/,
  );
  assertNoData(nullBars.plot({ kind: "line" }), /no close value in 60 rows/);
  assertNoData(nullBars.plot({ kind: "volume" }), /no volume value in 30 bars/);
  const nullFactor = nullBars.get("close");
  assertNoData(
    await nullFactor.plot("timeseries"),
    /no factor value in 60 rows/,
  );
  assertNoData(await nullFactor.plot("heatmap"), /no factor value in 60 rows/);
  assertNoData(
    await nullFactor.plot("distribution"),
    /no factor value in 60 rows/,
  );
  const many = ohlc(Array.from({ length: 13 }, (_, i) => `S${i}`), 5, 4);
  assertNoData(
    await many.get("close").gt(1e12).where(many.get("close").lt(0)).plot(),
    /no factor value in 65 rows/,
  );
  const { plotAnalysis, plotPerformance } = await import(
    "../src/analysis/charts.ts"
  );
  const tables = analysisTables(new Array(6).fill(null), [null, null]);
  for (
    const [kind, reason] of [
      ["ic", /no time slice has a Spearman IC \(3 rows\)/],
      ["ic-histogram", /no time slice has a Spearman IC for 1 bar/],
      ["ic-qq", /0 IC value\(s\) for 1 bar; a Q-Q plot needs 3 that differ/],
      ["ic-heatmap", /no time slice has a Spearman IC/],
      ["quantile-cumulative", /no step has a quantile return/],
      ["quantile-returns", /no quantile has a mean forward return/],
      ["long-short", /no long-short step/],
      ["ic-decay", /no period has a mean Spearman IC/],
    ] as const
  ) {
    assertNoData(plotAnalysis(tables, [1, 5], "f", kind), reason);
  }
  const returns = pl.DataFrame({
    end_time: pl.Series("end_time", [T0, T0 + MINUTE], pl.Int64),
    equity: pl.Series("equity", [null, null], pl.Float64),
    drawdown: pl.Series("drawdown", [null, null], pl.Float64),
  });
  assertNoData(plotPerformance(returns, "bt", "equity"), /no equity value/);
  assertNoData(plotPerformance(returns, "bt", "drawdown"), /no drawdown value/);
});

Deno.test("a missing value is drawn as absent: no bar for a null mean, a break in a line, no candle body for a null close", async () => {
  const { plotAnalysis } = await import("../src/analysis/charts.ts");
  const tables = analysisTables([0.001, null, -0.002, null, null, 0.003], [
    0.05,
    null,
  ]);
  const quantiles = parseSvg(
    plotAnalysis(tables, [1, 5], "f", "quantile-returns"),
  );
  const bars = markElements(quantiles, "bar").flatMap((g) =>
    g.tagName.toLowerCase() === "rect" ? [g] : [...g.querySelectorAll("rect")]
  );
  assert.equal(bars.length, 3);
  for (const bar of bars) {
    const h = Number(bar.getAttribute("height"));
    assert(Number.isFinite(h) && h > 0, `bar height ${h}`);
  }
  const decay = parseSvg(plotAnalysis(tables, [1, 5], "f", "ic-decay"));
  assert.equal(markElements(decay, "bar").length, 1);
  // A line with a null in the middle is drawn as two pieces.
  const gapped = ohlc(["A"], 10, 8, 5); // close null at bars 4 and 9
  const line = parseSvg(gapped.plot({ kind: "line" }));
  const d = markElements(line, "line")[0].getAttribute("d") ?? "";
  assert.equal(d.match(/M/g)?.length, 2, d);
  assert(!/NaN/.test(d));
  // A candle without a close has no body; its wick stays (low and high are there).
  const candles = parseSvg(gapped.plot({ kind: "candles" }));
  assert.equal(markElements(candles, "rect").length, 8);
  assert.equal(markElements(candles, "rule").length, 10);
});
