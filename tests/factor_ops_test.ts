import assert from "node:assert/strict";
import { reference } from "./_factor_reference.ts";
import { assertMatches, factorData, valuesOf } from "./_factor_data.ts";
import { cases } from "./_factor_cases.ts";

const data = factorData();
const R = reference(data.panel);
const all = cases();

Deno.test("every operator matches the plain-loop reference on awkward data (one compute pass)", async () => {
  const factors = Object.fromEntries(
    all.map((c, i) => [`f${i}`, c.ours(data.agg)]),
  );
  const frame = await data.agg.compute(factors);
  assert.equal(frame.height, data.agg.length);
  const failures: string[] = [];
  all.forEach((c, i) => {
    try {
      assertMatches(c.name, valuesOf(frame, `f${i}`), c.ref(R));
    } catch (error) {
      failures.push((error as Error).message);
    }
  });
  assert.deepEqual(failures, [], failures.join("\n"));
  assert.ok(all.length > 250, `${all.length} cases`);
});

Deno.test("factors evaluated one by one equal the same factors computed together", async () => {
  const picked = all.filter((_, i) => i % 23 === 0);
  const together = await data.agg.compute(
    Object.fromEntries(picked.map((c, i) => [`f${i}`, c.ours(data.agg)])),
  );
  for (const [i, c] of picked.entries()) {
    const alone = await c.ours(data.agg).collect();
    assert.deepEqual(alone.columns, [
      "start_time",
      "end_time",
      "symbol",
      "factor",
    ]);
    assert.deepEqual(
      valuesOf(alone, "factor"),
      valuesOf(together, `f${i}`),
      c.name,
    );
  }
});

Deno.test("operators work on a single symbol and on a one-row AggBar", async () => {
  const one = factorData({ symbols: 1, bars: 60, seed: 9 });
  const Rone = reference(one.panel);
  const chosen = all.filter((c) =>
    /^(tsRank|csRank|tsCorr|tsEma|csZscore)/.test(c.name)
  );
  for (const c of chosen) {
    const frame = await c.ours(one.agg).collect();
    assertMatches(c.name, valuesOf(frame, "factor"), c.ref(Rone));
  }
  const tiny = factorData({ symbols: 1, bars: 1, seed: 3 });
  const frame = await tiny.agg.get("close").tsMean(3).csRank().collect();
  assert.equal(frame.height, 1);
  assert.deepEqual(valuesOf(frame, "factor"), [null]);
});
