import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { type AggBar, BarFeed, withDatetimes } from "../mod.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { sineBars } from "./_factor_data.ts";
import { formatColumn, formatNumber, htmlTable } from "../src/display/html.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

function bars(symbols: string[], count: number, step = MINUTE): AggBar {
  return sineBars(symbols, count, { step, start: T0 });
}

/** The tick labels of a chart's x axis. */
function xTicks(svg: string): string[] {
  const axis = svg.match(
    /<g [^>]*aria-label="x-axis tick label"[^>]*>(.*?)<\/g>/s,
  );
  assert.ok(axis, "no x-axis tick labels");
  return [...axis[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

Deno.test("time axes tick in 24-hour UTC (13:00, not 1 PM) and name the day at midnight", async () => {
  const agg = bars(["BTCUSDT"], 36, 3_600_000); // 36 hourly bars: midnight, noon, midnight
  const charts = [
    agg.plot({ kind: "candles" }),
    agg.plot({ kind: "line" }),
    agg.plot({ kind: "volume" }),
    await agg.get("close").plot("timeseries"),
    await agg.get("close").plot("heatmap"),
  ];
  for (const chart of charts) {
    const ticks = xTicks(chart.toSVG());
    assert.ok(ticks.length >= 3, `${chart.title}: ${ticks}`);
    for (const tick of ticks) {
      assert.doesNotMatch(tick, /AM|PM/, `${chart.title}: ${ticks}`);
      assert.match(tick, /^(\d\d:\d\d|[A-Z][a-z]{2} \d{1,2}|\d{4})$/);
    }
    assert.ok(ticks.includes("Jan 2"), `${chart.title}: ${ticks}`);
    assert.ok(ticks.some((t) => /^1[2-9]:00$/.test(t)), `${chart.title}`);
  }
});

Deno.test("the AggBar display shows a compact bar spec and UTC date-times, never JSON or epoch ms", async () => {
  const agg = bars(["BTCUSDT", "ETHUSDT"], 10);
  const bundle = (await bundleOf(agg))!;
  for (const text of [bundle["text/plain"], bundle["text/html"]]) {
    assert.ok(text.includes("time:1m"), text.slice(0, 300));
    assert.ok(!text.includes("intervalMs"), "bar spec shown as JSON");
    assert.ok(!text.includes(String(T0)), "epoch ms shown");
  }
  assert.match(bundle["text/plain"], /2024-01-01 00:01 /);
  assert.match(bundle["text/html"], /<td>2024-01-01 00:01<\/td>/);
});

Deno.test("withDatetimes turns every *_time column into Datetime(ms, UTC) and keeps the instants and nulls", () => {
  const frame = pl.DataFrame({
    start_time: pl.Series("start_time", [T0, null], pl.Int64),
    last_time: pl.Series("last_time", [T0 + 1, T0 + MINUTE], pl.Int64),
    value: [1.5, 2.5],
  });
  const out = withDatetimes(frame);
  assert.equal(
    String(out.getColumn("start_time").dtype),
    "DataType(Datetime(ms,UTC))",
  );
  assert.equal(
    String(out.getColumn("last_time").dtype),
    "DataType(Datetime(ms,UTC))",
  );
  assert.equal(String(out.getColumn("value").dtype), "DataType(Float64)");
  const starts = out.getColumn("start_time")
    .toArray() as unknown as (Date | null)[];
  assert.equal(starts[0]!.getTime(), T0);
  assert.equal(starts[1], null);
  const lasts = out.getColumn("last_time").toArray() as unknown as Date[];
  assert.deepEqual(lasts.map((d) => d.getTime()), [T0 + 1, T0 + MINUTE]);
  // Already converted: unchanged.
  assert.equal(
    String(withDatetimes(out).getColumn("start_time").dtype),
    "DataType(Datetime(ms,UTC))",
  );
});

Deno.test("factor.collect() displays its shape, head, tail and first rows with a value, times as UTC date-times", async () => {
  const agg = bars(["A", "B"], 30);
  const values = await agg.get("close").tsMean(10).collect();
  const bundle = (await bundleOf(values))!;
  assert.ok(bundle, "a collected factor frame has no display");
  const plain = bundle["text/plain"];
  // 9 warm-up bars per symbol are null.
  assert.match(
    plain,
    /^shape: 60 rows × 4 columns · factor null in 18 row\(s\)/,
  );
  assert.match(plain, /first 5 rows with a factor value/);
  assert.match(plain, /2024-01-01 00:10 /); // the first value's end_time
  assert.match(plain, /last 5 rows/);
  assert.ok(!plain.includes(String(T0 + MINUTE)), "epoch ms in the display");
  const html = bundle["text/html"];
  assert.match(html, /<td>2024-01-01 00:30<\/td>/); // the last end_time
  assert.equal((html.match(/<table/g) ?? []).length, 3);
  // The frame is otherwise a normal frame.
  assert.equal(values.height, 60);
  // agg.info() and agg.compute() frames display the same way.
  assert.match((await bundleOf(agg.info()))!["text/plain"], /^shape: 2 rows/);
  const computed = await agg.compute({ c: agg.get("close") });
  assert.match((await bundleOf(computed))!["text/plain"], /^shape: 60 rows/);
});

Deno.test("tables show enough digits to tell values apart (1440.996 is not 1441) and times in every *_time column", () => {
  assert.equal(formatNumber(1440.996), "1440.996");
  assert.equal(formatNumber(1441), "1441");
  assert.equal(formatNumber(0.5), "0.5");
  assert.equal(formatNumber(Math.PI), "3.14159");
  assert.deepEqual(formatColumn([0.1234561, 0.1234562, 0.1234561, null]), [
    "0.1234561",
    "0.1234562",
    "0.1234561",
    "—",
  ]);
  assert.deepEqual(formatColumn([43251.12345, 43251.12346]), [
    "43251.1234",
    "43251.1235",
  ]);
  const html = htmlTable(
    pl.DataFrame({
      last_time: pl.Series("last_time", [T0 + 5 * MINUTE], pl.Int64),
      vwap: [1440.996],
    }),
  );
  assert.match(html, /<td>2024-01-01 00:05<\/td>/);
  assert.match(html, /<td class="num">1440.996<\/td>/);
});

Deno.test("analysis tables, backtest frames and feed windows display shape, head and tail with UTC date-times", async () => {
  const agg = bars(["A", "B", "C", "D"], 40);
  const factor = agg.get("close").tsDelta(2);
  const analysis = await factor.analyze(agg, {
    periods: [1],
    quantiles: 2,
    minSymbols: 3,
  });
  const result = await factor.backtest(agg);
  const feed = new BarFeed(agg);
  const window = feed.history("A", 12, T0 + 20 * MINUTE);
  for (
    const [what, value, rows] of [
      ["analysis.ic", analysis.ic, analysis.ic.height],
      ["analysis.verdict", analysis.verdict, 1],
      ["result.returns", result.returns, result.returns.height],
      ["feed window", window, 12],
    ] as const
  ) {
    const bundle = (await bundleOf(value))!;
    assert.match(bundle["text/plain"], new RegExp(`shape: ${rows} rows`), what);
    if (what !== "analysis.verdict") {
      assert.match(bundle["text/html"], /<td>2024-01-01 00:\d\d<\/td>/, what);
    }
    assert.doesNotMatch(bundle["text/plain"], /17040\d{8}/, what);
  }
});
