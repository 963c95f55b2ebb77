import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar, Factor, InvalidArgumentError } from "../mod.ts";
import { factorData, valuesOf } from "./_factor_data.ts";

function bars(
  symbols: string[],
  times: number[],
  close: (symbol: string, t: number) => number,
): AggBar {
  const rows = symbols.flatMap((symbol) =>
    times.map((t) => ({
      symbol,
      start_time: t * 60_000,
      end_time: (t + 1) * 60_000,
      close: close(symbol, t),
      trades: t,
    }))
  );
  return AggBar.fromRecords(rows);
}

Deno.test("agg.get() returns a Factor and rejects unknown or non-numeric columns with the column list", () => {
  const { agg } = factorData({ symbols: 3, bars: 10 });
  assert.ok(agg.get("close") instanceof Factor);
  assert.throws(
    () => agg.get("clsoe"),
    (e: unknown) =>
      e instanceof InvalidArgumentError &&
      /clsoe/.test(e.message) && /open, high, low, close/.test(e.message),
  );
  assert.throws(() => agg.get("sector"), /numeric column/);
  assert.throws(() => agg.get("end_time"), InvalidArgumentError);
});

Deno.test("factor names are canonical whichever way the factor was written", () => {
  const { agg } = factorData({ symbols: 2, bars: 5 });
  const close = agg.get("close");
  assert.equal(close.tsMean(20).name, "ts_mean(close,20)");
  assert.equal(
    close.tsDelta(20).div(close.tsShift(20)).csRank().name,
    "cs_rank((ts_delta(close,20)/ts_shift(close,20)))",
  );
  assert.equal(
    agg.factor("rank(delta(close, 20) / delay(close, 20))").name,
    close.tsDelta(20).div(close.tsShift(20)).csRank().name,
  );
  assert.equal(agg.factor("sum(close, 10.7)").name, "ts_sum(close,10)");
  assert.equal(agg.factor("stddev(close, 5)").name, "ts_std(close,5)");
  assert.equal(
    agg.factor("cs_rank(ts_mean(close, 20)) - 0.5").name,
    "(cs_rank(ts_mean(close,20))-0.5)",
  );
  assert.equal(agg.factor("close * 2.").name, "(close*2)");
  assert.equal(
    agg.factor("correlation(open, volume, 10)").name,
    agg.get("open").tsCorr(agg.get("volume"), 10).name,
  );
});

Deno.test("factors of the same AggBar combine without a join and share sub-expressions", () => {
  const { agg } = factorData({ symbols: 3, bars: 20 });
  const close = agg.get("close");
  const mean = close.tsMean(5);
  const combined = mean.csRank().add(mean.tsStd(3)).sub(agg.get("open"));
  const plan = combined.explain();
  assert.match(plan, /^base: AggBar \(.* no join\)$/m);
  assert.doesNotMatch(plan, /join of/);
  // ts_mean(close,5) is computed once although two operators read it.
  assert.equal(plan.split("= ts_mean(close,5) ").length - 1, 1);
  assert.match(plan, /step 1 .*\n {2}__n0 = ts_mean\(close,5\)/);
});

Deno.test("factors of different AggBars are inner-joined on (start_time, end_time, symbol)", async () => {
  const left = bars(
    ["A", "B", "C"],
    [0, 1, 2, 3, 4, 5],
    (s, t) => 100 * s.charCodeAt(0) + t,
  );
  const right = bars(
    ["B", "C", "D"],
    [2, 3, 4, 5, 6, 7],
    (s, t) => s.charCodeAt(0) + t / 10,
  );
  const diff = left.get("close").sub(right.get("close"));
  assert.match(
    diff.explain(),
    /base: join of close, close#2 on \(start_time, end_time, symbol\)/,
  );
  const frame = await diff.collect();
  assert.deepEqual(frame.getColumn("symbol").toArray(), [
    "B",
    "C",
    "B",
    "C",
    "B",
    "C",
    "B",
    "C",
  ]);
  assert.deepEqual(
    frame.getColumn("end_time").toArray(),
    [3, 3, 4, 4, 5, 5, 6, 6].map((t) => t * 60_000),
  );
  const symbols = frame.getColumn("symbol").toArray() as string[];
  const expected = symbols.map((s, i) => {
    const t = [2, 2, 3, 3, 4, 4, 5, 5][i];
    return 100 * s.charCodeAt(0) + t - (s.charCodeAt(0) + t / 10);
  });
  assert.deepEqual(valuesOf(frame, "factor"), expected);
  // A time-series operator then runs per symbol over the joined rows.
  const smoothed = await diff.tsMean(2).collect();
  const values = valuesOf(smoothed, "factor");
  assert.deepEqual(values.slice(0, 2), [null, null]);
  assert.ok(Math.abs(values[2]! - (expected[0] + expected[2]) / 2) < 1e-9);
  // Same-named factors from different bases are kept apart.
  const ratio = await left.get("close").div(right.get("close")).csRank()
    .collect();
  assert.equal(ratio.height, 8);
});

Deno.test("collect(), toRecords() and toWide() give the values in bar order", async () => {
  const agg = bars(
    ["A", "B"],
    [0, 1, 2],
    (s, t) => (s === "A" ? 1 : 10) * (t + 1),
  );
  const f = agg.get("close").tsDelta(1);
  const frame = await f.collect();
  assert.deepEqual(frame.columns, [
    "start_time",
    "end_time",
    "symbol",
    "factor",
  ]);
  assert.deepEqual(valuesOf(frame, "factor"), [null, null, 1, 10, 1, 10]);
  const records = await f.toRecords();
  assert.deepEqual(records[2], {
    start_time: 60_000,
    end_time: 120_000,
    symbol: "A",
    factor: 1,
  });
  const wide = await f.toWide();
  assert.deepEqual(wide.columns, ["end_time", "A", "B"]);
  assert.deepEqual(wide.getColumn("B").toArray(), [null, 10, 10]);
});

Deno.test("agg.compute() evaluates Factors and formulas into one frame and validates its input", async () => {
  const agg = bars(
    ["A", "B", "C"],
    [0, 1, 2, 3],
    (s, t) => s.charCodeAt(0) * (t + 1),
  );
  const frame = await agg.compute({
    mom: agg.get("close").tsPctChange(1),
    rank: "rank(close)",
    count: agg.get("trades").tsMax(2),
  });
  assert.deepEqual(frame.columns, [
    "start_time",
    "end_time",
    "symbol",
    "mom",
    "rank",
    "count",
  ]);
  assert.deepEqual(valuesOf(frame, "rank").slice(0, 3), [1 / 3, 2 / 3, 1]);
  assert.deepEqual(valuesOf(frame, "count").slice(-3), [3, 3, 3]);
  assert.equal(frame.getColumn("mom").dtype.variant, "Float64");
  await assert.rejects(async () => await agg.compute({}), InvalidArgumentError);
  await assert.rejects(
    () => agg.compute({ symbol: "close" }),
    /names other than/,
  );
  await assert.rejects(
    () => agg.compute({ x: 5 as unknown as string }),
    InvalidArgumentError,
  );
});

Deno.test("operator arguments are validated with typed errors naming the operator", () => {
  const close = factorData({ symbols: 2, bars: 5 }).agg.get("close");
  const cases: [() => unknown, RegExp][] = [
    [
      () => close.tsMean(0),
      /tsMean\(window\): expected a positive integer, got 0/,
    ],
    [
      () => close.tsMean(2.5),
      /tsMean\(window\): expected a positive integer, got 2.5/,
    ],
    [() => close.tsStd(1), /tsStd\(window\): expected an integer >= 2, got 1/],
    [() => close.tsSkew(2), /tsSkew\(window\): expected an integer >= 3/],
    [() => close.tsKurt(3), /tsKurt\(window\): expected an integer >= 4/],
    [() => close.tsShift(1.5), /tsShift\(periods\): expected an integer/],
    [() => close.tsDelta(0), /tsDelta\(periods\)/],
    [
      () => close.tsQuantile(5, "pareto" as "normal"),
      /tsQuantile\(distribution\)/,
    ],
    [() => close.csWinsorize(0.9, 0.1), /csWinsorize\(lower, upper\)/],
    [
      () => close.groupNeutralize("nope"),
      /groupNeutralize\(column\): .*sector/,
    ],
    [() => close.clip(3, 1), /clip\(low, high\)/],
    [
      () => close.add("x" as unknown as number),
      /a Factor or a finite number, got "x"/,
    ],
    [() => close.add(NaN), /a Factor or a finite number, got NaN/],
    [
      () => close.tsCorr(3 as unknown as Factor, 5),
      /tsCorr\(other\): expected a Factor/,
    ],
  ];
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (e: unknown) =>
        e instanceof InvalidArgumentError && message.test(e.message),
      String(message),
    );
  }
});

Deno.test("non-finite values in the bars read as null, and integer columns as Float64", async () => {
  const frame = pl.DataFrame({
    symbol: ["A", "A", "A"],
    start_time: [0, 1, 2],
    end_time: [1, 2, 3],
    close: [1, NaN, Infinity],
    trades: pl.Series("trades", [5, 6, 7], pl.Int64),
  });
  const agg = new AggBar(frame);
  const out = await agg.compute({
    close: agg.get("close"),
    trades: agg.get("trades"),
  });
  assert.deepEqual(valuesOf(out, "close"), [1, null, null]);
  assert.deepEqual(valuesOf(out, "trades"), [5, 6, 7]);
  assert.equal(out.getColumn("trades").dtype.variant, "Float64");
});
