/**
 * Values and bounds: windows longer than the data, scales near the largest
 * double, formulas nested past the parser's limit, and operators given
 * numbers alone.
 */
import assert from "node:assert/strict";
import {
  AggBar,
  type Factor,
  FormulaError,
  InvalidArgumentError,
} from "../mod.ts";
import { MAX_NESTING } from "../src/factor/formula.ts";
import { inverseNormalCdf } from "../src/factor/kernels.ts";
import { factorData, valuesOf } from "./_factor_data.ts";

const agg = AggBar.fromRecords([
  { symbol: "A", start_time: 0, end_time: 60_000, close: 1 },
  { symbol: "B", start_time: 0, end_time: 60_000, close: 2 },
  { symbol: "A", start_time: 60_000, end_time: 120_000, close: 3 },
  { symbol: "B", start_time: 60_000, end_time: 120_000, close: -4 },
]);

Deno.test("a window longer than every symbol's history gives all nulls without allocating the window", async () => {
  const close = agg.get("close");
  const huge = Number.MAX_SAFE_INTEGER;
  for (
    const factor of [
      close.tsMax(huge),
      close.tsScale(1e12),
      close.tsMean(1e9),
      close.tsCorr(close, 1e12),
      close.tsRank(1e10),
      close.tsEma(1e15),
      close.tsShift(-1e15),
      close.tsDelta(1e15),
      agg.factor(`ts_min(close, ${huge})`),
    ]
  ) {
    assert.deepEqual(
      valuesOf(await factor.collect(), "factor"),
      [null, null, null, null],
      factor.name,
    );
  }
  // One row short of the history: null; exactly the history: values.
  assert.deepEqual(valuesOf(await close.tsSum(3).collect(), "factor"), [
    null,
    null,
    null,
    null,
  ]);
  assert.deepEqual(valuesOf(await close.tsSum(2).collect(), "factor"), [
    null,
    null,
    4,
    -2,
  ]);
});

Deno.test("cs_scale near the largest double stays finite: x / Σ|x| scaled last", async () => {
  const values = valuesOf(
    await agg.get("close").csScale(1e308).collect(),
    "factor",
  );
  const expected = [1 / 3, 2 / 3, 3 / 7, -4 / 7].map((v) => v * 1e308);
  values.forEach((v, i) => {
    assert.ok(v !== null && Number.isFinite(v), `row ${i}: ${v}`);
    assert.ok(Math.abs(v - expected[i]) <= 1e-15 * Math.abs(expected[i]));
  });
  const { agg: bars } = factorData({ symbols: 5, bars: 30, seed: 4 });
  const scaled = valuesOf(
    await bars.get("close").csScale(2).collect(),
    "factor",
  );
  const frame = bars.toPolars();
  const closes = valuesOf(frame, "close");
  const times = frame.getColumn("end_time").toArray() as number[];
  scaled.forEach((v, i) => {
    if (closes[i] === null) return assert.equal(v, null);
    let gross = 0;
    times.forEach((t, j) => {
      if (t === times[i] && closes[j] !== null) gross += Math.abs(closes[j]!);
    });
    assert.ok(Math.abs(v! - 2 * closes[i]! / gross) <= 1e-12, `row ${i}`);
  });
});

Deno.test("a formula nested deeper than MAX_NESTING is a FormulaError naming the limit, not a stack overflow", async () => {
  const deep = (n: number) => "(".repeat(n) + "close" + ")".repeat(n);
  for (
    const text of [
      deep(2_000),
      "-".repeat(3_000) + "close",
      "close" + "^close".repeat(2_000),
      "ts_mean(".repeat(1_000) + "close" + ", 1)".repeat(1_000),
    ]
  ) {
    assert.throws(
      () => agg.factor(text),
      (e) =>
        e instanceof FormulaError &&
        e.message.includes(`nested more than ${MAX_NESTING} levels deep`),
      text.slice(0, 20),
    );
  }
  const values = valuesOf(
    await agg.factor(deep(MAX_NESTING - 1)).collect(),
    "factor",
  );
  assert.deepEqual(values, [1, 2, 3, -4]);
});

Deno.test("the issue's deep formulas (20,000 '(', 10,000 unary '-', 10,000 '!', 50,000 nested abs) are FormulaErrors with a caret under the first level past the limit", () => {
  for (
    const [text, at] of [
      ["(".repeat(20_000) + "close" + ")".repeat(20_000), MAX_NESTING + 1],
      ["-".repeat(10_000) + "close", MAX_NESTING + 1],
      ["!".repeat(10_000) + "close", MAX_NESTING + 1],
      [
        "abs(".repeat(50_000) + "close" + ")".repeat(50_000),
        4 * (MAX_NESTING + 1),
      ],
    ] as const
  ) {
    assert.throws(
      () => agg.factor(text),
      (e) => {
        assert.ok(e instanceof FormulaError, String(e));
        assert.match(
          e.message,
          new RegExp(
            `nested more than ${MAX_NESTING} levels deep .* at position ${at}`,
          ),
        );
        // The message shows the formula around the position, then a caret.
        const lines = e.message.split("\n");
        assert.match(lines[lines.length - 1], /^\s*\^$/);
        return true;
      },
    );
  }
});

Deno.test("a method chain 10,000 operators deep (abs, add) is named and evaluated without overflowing the stack", async () => {
  for (
    const [label, step, want] of [
      ["abs", (f: Factor) => f.abs(), [1, 2, 3, 4]],
      ["add(1)", (f: Factor) => f.add(1), [10_001, 10_002, 10_003, 9_996]],
    ] as const
  ) {
    let factor = agg.get("close");
    for (let i = 0; i < 10_000; i++) factor = step(factor);
    assert.ok(factor.name.length > 10_000, label);
    assert.deepEqual(
      valuesOf(await factor.collect(), "factor"),
      want,
      label,
    );
  }
});

Deno.test("an operator given numbers alone is a typed error, not a TypeError", () => {
  assert.throws(
    () => agg.factor("div(6, 1)"),
    (e) => e instanceof FormulaError && /at least one Factor/.test(e.message),
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => (agg.get("close") as any).add("1"),
    InvalidArgumentError,
  );
});

Deno.test("inverseNormalCdf of p above 0.5 is exactly minus that of 1 - p, and matches tabulated quantiles in both tails", () => {
  for (let w = 1; w <= 60; w++) {
    for (let k = w + 1; k < 2 * w; k++) {
      const high = k / (2 * w); // above 0.5, so 1 - high is exact
      assert.ok(
        inverseNormalCdf(high) === -inverseNormalCdf(1 - high),
        `${k}/${2 * w}`,
      );
    }
  }
  const tabulated: [number, number][] = [
    [0.975, 1.959963984540054],
    [0.999, 3.090232306167813],
    [0.5, 0],
  ];
  for (const [p, z] of tabulated) {
    for (const [q, expected] of [[p, z], [1 - p, -z]]) {
      const got = inverseNormalCdf(q);
      assert.ok(
        Math.abs(got - expected) <= 2e-15 * Math.max(1, Math.abs(expected)),
        `inverseNormalCdf(${q}) = ${got}, expected ${expected}`,
      );
    }
  }
});
