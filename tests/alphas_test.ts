import assert from "node:assert/strict";
import { ALPHA101 } from "../mod.ts";
import { ALPHA_REFERENCE } from "./_alpha_reference.ts";
import { reference } from "./_factor_reference.ts";
import { assertMatches, factorData, valuesOf } from "./_factor_data.ts";

Deno.test("ALPHA101 holds 84 alphas and the reference translates each of them", () => {
  assert.equal(Object.keys(ALPHA101).length, 84);
  assert.deepEqual(Object.keys(ALPHA_REFERENCE), Object.keys(ALPHA101));
});

Deno.test("every bundled 101-Alpha formula equals its plain-loop reference evaluation", async () => {
  const { agg, panel } = factorData({ symbols: 8, bars: 300, seed: 11 });
  const R = reference(panel);
  const frame = await agg.compute(ALPHA101);
  const failures: string[] = [];
  let nonNull = 0;
  for (const [name, translate] of Object.entries(ALPHA_REFERENCE)) {
    const expected = translate(R);
    nonNull += expected.filter((v) => v !== null).length;
    try {
      assertMatches(name, valuesOf(frame, name), expected, 1e-8);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  assert.deepEqual(failures, [], failures.join("\n"));
  // The comparison is not vacuous: most alphas have values on this data.
  assert.ok(nonNull > 84 * agg.length * 0.4, `${nonNull} non-null values`);
});
