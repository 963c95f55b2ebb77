/**
 * Formula size: plans and planning time grow linearly with a formula's
 * size (they grew exponentially with its depth), every operator's declared
 * shape matches the expression it builds, and non-finite intermediates
 * read as null wherever an operator needs finite values.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar, type Factor } from "../mod.ts";
import { columnNode, type MapNode } from "../src/factor/node.ts";
import * as math from "../src/factor/ops/math.ts";
import { assertMatches, factorData, valuesOf } from "./_factor_data.ts";
import { reference, type Series } from "./_factor_reference.ts";

async function timed(factor: Factor) {
  const started = performance.now();
  const values = valuesOf(await factor.collect(), "factor");
  return { values, ms: performance.now() - started };
}

Deno.test("a 200-term weighted sum of factors evaluates in well under a second and equals the plain-loop sum", async () => {
  const { agg, panel } = factorData({ symbols: 4, bars: 120, seed: 7 });
  const ref = reference(panel);
  const terms = Array.from({ length: 200 }, (_, i) => ({
    weight: ((i % 9) - 4) / 8,
    window: (i % 40) + 1,
  }));
  const formula = terms.map((t) => `${t.weight} * ts_mean(close, ${t.window})`)
    .join(" + ");
  await agg.factor("close + 1").collect(); // warm up the engine
  const { values, ms } = await timed(agg.factor(formula));
  const term = (t: (typeof terms)[number]): Series =>
    ref.mul(ref.ts_mean(ref.col("close"), t.window), t.weight);
  const expected = terms.slice(1).reduce(
    (sum, t) => ref.add(sum, term(t)),
    term(terms[0]),
  );
  assertMatches("200-term sum", values, expected);
  assert.ok(ms < 1000, `200-term sum took ${ms.toFixed(0)} ms`);
});

Deno.test("a 50-deep chain of mixed element-wise operators evaluates in well under a second and equals the reference", async () => {
  const { agg, panel } = factorData({ symbols: 3, bars: 80, seed: 3 });
  const ref = reference(panel);
  const open = agg.get("open");
  const openRef = ref.col("open");
  type Step = [(f: Factor) => Factor, (s: Series) => Series];
  const steps: Step[] = [
    [(f) => f.add(open), (s) => ref.add(s, openRef)],
    [(f) => f.mul(1.01), (s) => ref.mul(s, 1.01)],
    [(f) => f.div(open), (s) => ref.div(s, openRef)],
    [(f) => f.signedPow(0.5), (s) => ref.signed_pow(s, 0.5)],
    [(f) => f.sub(0.3), (s) => ref.sub(s, 0.3)],
    [(f) => f.abs().log(), (s) => ref.log(ref.abs(s))],
    [(f) => f.max(open.div(100)), (s) => ref.max(s, ref.div(openRef, 100))],
    [
      (f) => f.pow(open.div(open)),
      (s) => ref.pow(s, ref.div(openRef, openRef)),
    ],
    [(f) => f.sqrt(), (s) => ref.sqrt(s)],
    [(f) => f.neg().exp(), (s) => ref.exp(ref.neg(s))],
  ];
  let factor = agg.get("close");
  let expected = ref.col("close");
  for (let i = 0; i < 50; i++) {
    const [method, loop] = steps[i % steps.length];
    factor = method(factor);
    expected = loop(expected);
  }
  await agg.factor("close + 1").collect(); // warm up the engine
  const { values, ms } = await timed(factor);
  assertMatches("50-deep chain", values, expected);
  assert.ok(values.some((v) => v !== null), "the chain has values");
  assert.ok(ms < 1000, `50-deep chain took ${ms.toFixed(0)} ms`);
});

Deno.test("chains that took minutes to plan (close^close^..., nested signed_pow, 20 chained +1) now take milliseconds", async () => {
  const agg = AggBar.fromRecords([
    {
      symbol: "A",
      start_time: 0,
      end_time: 60_000,
      open: 1.1,
      high: 1.2,
      close: 1.05,
    },
  ]);
  const cases: [string, number][] = [
    [
      "close^close^close^close^close",
      1.05 ** (1.05 ** (1.05 ** (1.05 ** 1.05))),
    ],
    [
      "signed_pow(signed_pow(signed_pow(high,open),open),open)",
      ((1.2 ** 1.1) ** 1.1) ** 1.1,
    ],
    ["close" + "+1".repeat(19), 1.05 + 19],
  ];
  for (const [formula, expected] of cases) {
    const { values, ms } = await timed(agg.factor(formula));
    assert.ok(
      Math.abs(values[0]! - expected) <= 1e-12 * expected,
      `${formula}: got ${values[0]}, expected ${expected}`,
    );
    assert.ok(ms < 1000, `${formula} took ${ms.toFixed(0)} ms`);
  }
});

Deno.test("every element-wise operator references each input at most as often as its shape declares", () => {
  const [a, b, c] = ["a", "b", "c"].map(columnNode);
  const nodes: MapNode[] = [
    ...([
      "+",
      "-",
      "*",
      "/",
      "^",
      ">",
      ">=",
      "<",
      "<=",
      "==",
      "!=",
      "&&",
      "||",
    ] as const)
      .flatMap((op) => [math.binary(op, a, b), math.binary(op, a, 3)]),
    ...(["neg", "abs", "sign", "log", "sqrt", "exp", "inverse", "not"] as const)
      .map((fn) => math.unary(fn, a)),
    math.signedPow(a, 2),
    math.signedPow(a, b),
    math.extreme("min", a, b),
    math.extreme("max", a, 2),
    math.clip(a, -1, 1),
    math.ifElse(a, b, c),
    math.where(a, b),
    math.where(a, b, c),
  ];
  for (const node of nodes) {
    const text = node.build(node.inputs.map((_, i) => pl.col(`__input${i}`)))
      .toString();
    node.inputs.forEach((_, i) => {
      const references = text.split(`"__input${i}"`).length - 1;
      assert.ok(
        references >= 1 && references <= node.uses,
        `${node.key}: input ${i} referenced ${references} times, declared ${node.uses}`,
      );
    });
  }
});

Deno.test("non-finite intermediates read as null where an operator needs finite values", async () => {
  const agg = AggBar.fromRecords([
    { symbol: "A", start_time: 0, end_time: 60_000, close: 1e308, open: 2 },
    {
      symbol: "A",
      start_time: 60_000,
      end_time: 120_000,
      close: -1e308,
      open: 0,
    },
    {
      symbol: "A",
      start_time: 120_000,
      end_time: 180_000,
      close: 3,
      open: 0.5,
    },
  ]);
  const cases: [string, (number | null)[]][] = [
    // close * 10 overflows on the first two rows: ±∞ is null for every reader.
    ["close * 10 > 0", [null, null, 1]],
    ["1 / (close * 10)", [null, null, 1 / 30]],
    ["exp(-(close * 10))", [null, null, Math.exp(-30)]],
    ["(close * 10) - (close * 10)", [null, null, 0]],
    ["abs(close * 10) * 0", [null, null, 0]],
    ["ts_sum(close * 10, 1)", [null, null, 30]],
    ["cs_rank(close * 10)", [null, null, 1]],
    ["(close * 10 > 0) ? 1 : 2", [null, null, 1]],
    ["min(close * 10, open)", [null, null, 0.5]],
    // log(0) = -∞ and sqrt(-1) = NaN are null too, also inside a sum.
    ["log(open) + 1", [Math.log(2) + 1, null, Math.log(0.5) + 1]],
    ["sqrt(-open) + 1", [null, 1, null]],
    ["inverse(open)", [0.5, null, 2]],
  ];
  for (const [formula, expected] of cases) {
    const values = valuesOf(await agg.factor(formula).collect(), "factor");
    assert.deepEqual(values, expected, formula);
  }
});

Deno.test("dividing by a number is IEEE division: -0.75 / 10 is -0.075 and exact thresholds hold", async () => {
  const closes = [-0.75, 0.3, -0.15, 0.7, 1e-300, -2.5e-8, 123456.789];
  const agg = AggBar.fromRecords(closes.map((close, i) => ({
    symbol: "A",
    start_time: i * 60_000,
    end_time: (i + 1) * 60_000,
    close,
  })));
  for (const divisor of [10, 3, 7, 0.1, 1e-3]) {
    const values = valuesOf(
      await agg.get("close").div(divisor).collect(),
      "factor",
    );
    assert.deepEqual(
      values,
      closes.map((c) => c / divisor),
      `close / ${divisor}`,
    );
  }
  const below = valuesOf(
    await agg.factor("close / 10 < -0.075").collect(),
    "factor",
  );
  assert.equal(below[0], 0, "-0.75 / 10 < -0.075 is false");
  const at = valuesOf(
    await agg.factor("close / 10 == -0.075").collect(),
    "factor",
  );
  assert.equal(at[0], 1, "-0.75 / 10 == -0.075");
});
