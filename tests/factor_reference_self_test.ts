/**
 * Self-test of the plain-loop factor reference in tests/_factor_reference.ts.
 * Every expected value below is computed by hand from the rules in that file
 * (rule labels in the comments); the normal quantiles are table values.
 */

import assert from "node:assert/strict";
import {
  normalQuantile,
  type Panel,
  reference,
  type Series,
} from "./_factor_reference.ts";

/** Asserts equal nulls and numbers equal within tol (relative above 1). */
function assertClose(actual: Series, expected: Series, tol = 1e-12): void {
  assert.equal(actual.length, expected.length, "length");
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (e === null || a === null) {
      assert.equal(a, e, `row ${i}: got ${a}, expected ${e}`);
      continue;
    }
    assert.ok(
      Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)),
      `row ${i}: got ${a}, expected ${e}`,
    );
  }
}

/** One symbol "A" with end_time 1, 2, 3, ... and the given columns. */
function oneSymbol(columns: Record<string, (number | string | null)[]>) {
  const n = Object.values(columns)[0].length;
  const panel: Panel = {
    symbol: new Array(n).fill("A"),
    end_time: Array.from({ length: n }, (_, i) => i + 1),
    columns,
  };
  return reference(panel);
}

/** One end_time (a single cross section) with symbols S0, S1, ... */
function oneTime(columns: Record<string, (number | string | null)[]>) {
  const n = Object.values(columns)[0].length;
  const panel: Panel = {
    symbol: Array.from({ length: n }, (_, i) => `S${i}`),
    end_time: new Array(n).fill(1000),
    columns,
  };
  return reference(panel);
}

Deno.test("col: NaN and +-Infinity become null; missing / string columns throw", () => {
  const r = oneSymbol({
    x: [1, NaN, Infinity, -Infinity, null, -0],
    s: ["a", "b", "c", "d", "e", "f"],
  });
  assert.deepStrictEqual(r.col("x"), [1, null, null, null, null, 0]);
  assert.throws(() => r.col("nope"));
  assert.throws(() => r.col("s"));
});

Deno.test("strict windows: nulls, never crossing symbols, rows in any order", () => {
  // A: t=1..6, x = 1, 2, null, 4, 5, 6;  B: t=1..3, x = 10, 20, 30.
  // The panel rows are deliberately scrambled.
  const r = reference({
    symbol: ["B", "A", "A", "B", "A", "A", "B", "A", "A"],
    end_time: [3, 2, 6, 1, 1, 3, 2, 5, 4],
    columns: { x: [30, 2, 6, 10, 1, null, 20, 5, 4] },
  });
  const x = r.col("x");
  // W3: A t1 (too few rows), t3 (null), t4 (window t3,t4 holds the null) are
  // null; B t1 is null and does not borrow A's values (W4).
  // A: t2 = 1+2 = 3, t5 = 4+5 = 9, t6 = 11; B: t2 = 30, t3 = 50.
  assert.deepStrictEqual(r.ts_sum(x, 2), [
    50,
    3,
    11,
    null,
    null,
    null,
    30,
    9,
    null,
  ]);
  // Only A t6 (4, 5, 6) and B t3 (10, 20, 30) have a full null-free window.
  assert.deepStrictEqual(r.ts_mean(x, 3), [
    20,
    null,
    5,
    null,
    null,
    null,
    null,
    null,
    null,
  ]);
  // TS12: one row earlier / later within the symbol.
  assert.deepStrictEqual(r.ts_shift(x, 1), [
    20,
    1,
    5,
    null,
    null,
    2,
    10,
    4,
    null,
  ]);
  assert.deepStrictEqual(r.ts_shift(x, -1), [
    null,
    null,
    null,
    20,
    2,
    4,
    30,
    6,
    5,
  ]);
  assert.deepStrictEqual(r.ts_shift(x, 0), x);
  // TS13: x_t - x_{t-1}, null when either is null.
  assert.deepStrictEqual(r.ts_delta(x, 1), [
    10,
    1,
    1,
    null,
    null,
    null,
    10,
    1,
    null,
  ]);
  // TS22: 1-based row number within the symbol, whatever x holds.
  assert.deepStrictEqual(r.ts_step(x), [3, 2, 6, 1, 1, 3, 2, 5, 4]);
});

Deno.test("W1: rows with equal end_time keep their panel order", () => {
  // A's rows in time order: (t0, x=1), then (t1, x=5), then (t1, x=7).
  const r = reference({
    symbol: ["A", "A", "A"],
    end_time: [1, 1, 0],
    columns: { x: [5, 7, 1] },
  });
  const x = r.col("x");
  assert.deepStrictEqual(r.ts_shift(x, 1), [1, 5, null]);
  assert.deepStrictEqual(r.ts_step(x), [2, 3, 1]);
});

Deno.test("ts_rank with ties (TS6)", () => {
  const r = oneSymbol({ x: [3, 1, 3, 2, 3], y: [5, 5, 0, 0, 0] });
  const x = r.col("x");
  // w=5, window 3,1,3,2,3, x_t = 3: L = 2, E = 3 -> (2 + 2) / 5 = 0.8
  assertClose(r.ts_rank(x, 5), [null, null, null, null, 0.8]);
  // w=2: [3,1] -> (0+1)/2; [1,3] -> (1+1)/2; [3,2] -> 0.5; [2,3] -> 1
  assertClose(r.ts_rank(x, 2), [null, 0.5, 1, 0.5, 1]);
  // [5,5]: L = 0, E = 2 -> 1.5 / 2 = 0.75; [5,0] -> 0.5; [0,0] -> 0.75
  assertClose(r.ts_rank(r.col("y"), 2), [null, 0.75, 0.5, 0.75, 0.75]);
  // TS9 uniform: u = 0.8 - 1/10 = 0.7
  assertClose(r.ts_quantile(x, 5, "uniform"), [null, null, null, null, 0.7]);
});

Deno.test("ts_argmax / ts_argmin: ties count the OLDEST occurrence (TS5)", () => {
  const r = oneSymbol({
    x: [1, 5, 2, 5, 3],
    y: [2, 1, 3, 1, 4],
    z: [4, 4, 4, 4, 4],
  });
  const x = r.col("x");
  const y = r.col("y");
  // max 5 at positions 2 and 4 (1-based): the oldest -> 5 - 2 = 3 rows back
  assert.deepStrictEqual(r.ts_argmax(x, 5), [null, null, null, null, 3]);
  assert.deepStrictEqual(r.ts_argmin(x, 5), [null, null, null, null, 4]);
  // min 1 at positions 2 and 4 -> 3; the max is the current value -> 0
  assert.deepStrictEqual(r.ts_argmin(y, 5), [null, null, null, null, 3]);
  assert.deepStrictEqual(r.ts_argmax(y, 5), [null, null, null, null, 0]);
  // w=2: [1,5] -> 0, [5,2] -> 1, [2,5] -> 0, [5,3] -> 1
  assert.deepStrictEqual(r.ts_argmax(x, 2), [null, 0, 1, 0, 1]);
  // all equal: the oldest of the window
  assert.deepStrictEqual(r.ts_argmax(r.col("z"), 3), [null, null, 2, 2, 2]);
  assert.deepStrictEqual(r.ts_argmin(r.col("z"), 3), [null, null, 2, 2, 2]);
});

Deno.test("ts_quantile and the normal inverse CDF (TS9)", () => {
  // table values of the standard normal quantile
  assert.equal(normalQuantile(0.5), 0);
  assertClose([normalQuantile(0.975)], [1.959963984540054]);
  assertClose([normalQuantile(0.025)], [-1.9599639845400545]);
  assertClose([normalQuantile(0.999)], [3.090232306167813]);
  assertClose([normalQuantile(0.8413447460685429)], [1]); // Phi(1)
  assertClose([normalQuantile(1e-10)], [-6.361340902404056]);

  // 20 increasing values: the last row has rank 1, u = 1 - 1/40 = 0.975.
  const up = Array.from({ length: 20 }, (_, i) => i + 1);
  const flat = new Array(20).fill(7);
  const r = oneSymbol({ up, flat });
  const last = (s: Series) => s[19];
  assertClose([last(r.ts_quantile(r.col("up"), 20))], [1.959963984540054]);
  assertClose([last(r.ts_quantile(r.col("up"), 20, "uniform"))], [0.975]);
  // tan(0.475 pi) = cot(0.025 pi)
  assertClose(
    [last(r.ts_quantile(r.col("up"), 20, "cauchy"))],
    [12.706204736174696],
    1e-10,
  );
  assert.equal(r.ts_quantile(r.col("up"), 20)[18], null); // W3
  // all equal: rank (0 + 21/2) / 20 = 0.525, u = 0.5 -> 0 for every dist
  assertClose([last(r.ts_quantile(r.col("flat"), 20))], [0]);
  assertClose([last(r.ts_quantile(r.col("flat"), 20, "cauchy"))], [0]);
});

Deno.test("ts_ema runs: a null ends the run; w values needed (TS21)", () => {
  const r = reference({
    symbol: ["A", "A", "A", "A", "A", "A", "B", "B"],
    end_time: [1, 2, 3, 4, 5, 6, 1, 2],
    columns: { x: [1, 4, null, 2, 5, 8, 100, 200] },
  });
  const x = r.col("x");
  // w=2, alpha = 2/3. A: seed 1 (run 1 -> null); 2/3*4 + 1/3*1 = 3;
  // null ends the run; seed 2 (null); 2/3*5 + 1/3*2 = 4; 2/3*8 + 1/3*4 = 20/3.
  // B starts its own run: seed 100 (null); 2/3*200 + 1/3*100 = 500/3.
  assertClose(r.ts_ema(x, 2), [null, 3, null, null, 4, 20 / 3, null, 500 / 3]);
  // w=1, alpha = 1: the input itself
  assertClose(r.ts_ema(x, 1), x);
  // w=3: A's runs are 2 and 3 long -> only the last row of the second run
  // (seed 2, 2/4*5 + 2/4*2 = 3.5, 2/4*8 + 2/4*3.5 = 5.75)
  assertClose(r.ts_ema(x, 3), [null, null, null, null, null, 5.75, null, null]);
});

Deno.test("moments, median, product, decay, scale (TS1-TS11, TS18, TS20)", () => {
  const r = oneSymbol({
    x: [1, 2, 3, 10],
    flat: [2, 2, 2, 2],
    pm: [-1, 1, -1, 1],
  });
  const x = r.col("x");
  const at4 = (s: Series) => [s[3]];
  // m = 4, deviations -3, -2, -1, 6; sum of squares 50
  assertClose(at4(r.ts_var(x, 4)), [50 / 3]);
  assertClose(at4(r.ts_std(x, 4)), [Math.sqrt(50 / 3)]);
  assertClose(at4(r.ts_zscore(x, 4)), [6 / Math.sqrt(50 / 3)]);
  assertClose(at4(r.ts_cv(x, 4)), [Math.sqrt(50 / 3) / 4]);
  // m2 = 50/4 = 12.5, m3 = (-27 - 8 - 1 + 216)/4 = 45,
  // skew = 45 / 12.5^1.5 * sqrt(4*3) / 2
  assertClose(at4(r.ts_skew(x, 4)), [1.763632614803888]);
  // m4 = (81 + 16 + 1 + 1296)/4 = 348.5, g2 = 348.5/156.25 - 3 = -0.7696,
  // kurt = (5 * -0.7696 + 6) * 3 / (2 * 1) = 3.228
  assertClose(at4(r.ts_kurt(x, 4)), [3.228]);
  assertClose(at4(r.ts_median(x, 4)), [2.5]);
  assertClose(r.ts_median(x, 3), [null, null, 2, 3]);
  assertClose(at4(r.ts_product(x, 4)), [60]);
  // (1*1 + 2*2 + 3*3 + 4*10) / 10
  assertClose(at4(r.ts_decay_linear(x, 4)), [5.4]);
  assertClose(r.ts_min(x, 2), [null, 1, 2, 3]);
  assertClose(r.ts_max(x, 2), [null, 2, 3, 10]);
  // [1,2,3] -> (3-1)/(3-1) = 1; [2,3,10] -> 1
  assertClose(r.ts_scale(x, 3), [null, null, 1, 1]);
  assertClose(r.ts_scale(r.col("pm"), 2), [null, 1, 0, 1]);

  // flat window: std = 0 <= EPS
  const flat = r.col("flat");
  assertClose(r.ts_scale(flat, 3), [null, null, null, null]);
  assertClose(r.ts_zscore(flat, 3), [null, null, null, null]);
  assertClose(r.ts_skew(flat, 3), [null, null, null, null]);
  assertClose(r.ts_kurt(flat, 4), [null, null, null, null]);
  assertClose(r.ts_cv(flat, 3), [null, null, 0, 0]); // std 0, mean 2
  // |mean| <= EPS -> null
  assertClose(r.ts_cv(r.col("pm"), 2), [null, null, null, null]);
});

Deno.test("ts_cov / corr / beta / alpha / resid / autocorr (TS15-TS19)", () => {
  const r = oneSymbol({
    x: [1, 2, 3],
    y: [2, 4, 7],
    c: [5, 5, 5],
    g: [1, 2, 4],
    h: [0, 2, 3],
  });
  const [x, y, c] = [r.col("x"), r.col("y"), r.col("c")];
  // mx = 2, my = 13/3; sum (x-mx)(y-my) = 5 -> cov 5/2; var x = 1,
  // var y = (49 + 1 + 64)/9 / 2 = 19/3
  assertClose(r.ts_cov(x, y, 3), [null, null, 2.5]);
  assertClose(r.ts_corr(x, y, 3), [null, null, 2.5 / Math.sqrt(19 / 3)]);
  assertClose(r.ts_beta(y, x, 3), [null, null, 2.5]);
  assertClose(r.ts_alpha(y, x, 3), [null, null, 13 / 3 - 2.5 * 2]);
  // 7 - (-2/3 + 2.5 * 3) = 1/6
  assertClose(r.ts_resid(y, x, 3), [null, null, 1 / 6]);
  // constant regressor: std(x) = 0 -> null; cov is just 0
  assertClose(r.ts_beta(y, c, 3), [null, null, null]);
  assertClose(r.ts_alpha(y, c, 3), [null, null, null]);
  assertClose(r.ts_resid(y, c, 3), [null, null, null]);
  assertClose(r.ts_corr(y, c, 3), [null, null, null]);
  assertClose(r.ts_cov(y, c, 3), [null, null, 0]);
  // autocorr of 1, 2, 4 with lag 1, w=2: row 2 correlates [2,4] with [1,2]
  // -> 1; row 1's window holds shift = null
  assertClose(r.ts_autocorr(r.col("g"), 2), [null, null, 1]);
  // TS14: x_t / x_{t-1} - 1, null when the shifted value is 0
  assertClose(r.ts_pct_change(r.col("h"), 1), [null, null, 0.5]);
  assertClose(r.ts_pct_change(r.col("g"), 2), [null, null, 3]);
});

Deno.test("cross sections: rank ties, zscore, demean, mean/median, scale (C1-C5, C9)", () => {
  // end_time 1: x = 3, 1, 3, null, 2;  end_time 2: x = 7, null (scrambled)
  const r = reference({
    symbol: ["A", "B", "C", "D", "E", "F", "B"],
    end_time: [1, 1, 2, 1, 1, 1, 2],
    columns: { x: [3, 1, 7, 3, null, 2, null], z: [0, 0, 1, 0, 0, 0, -1] },
  });
  const x = r.col("x");
  // C2: n = 4; 3 -> (1 + 2)/4, 1 -> 1/4, 2 -> 2/4; group 2: n = 1 -> 1
  assertClose(r.cs_rank(x), [0.75, 0.25, 1, 0.75, null, 0.5, null]);
  // C9: mean 9/4, median of 1,2,3,3 = 2.5, given also to the null rows
  assertClose(r.cs_mean(x), [2.25, 2.25, 7, 2.25, 2.25, 2.25, 7]);
  assertClose(r.cs_median(x), [2.5, 2.5, 7, 2.5, 2.5, 2.5, 7]);
  assertClose(r.cs_demean(x), [0.75, -1.25, 0, 0.75, null, -0.25, null]);
  // C3: ss = 0.5625 + 1.5625 + 0.5625 + 0.0625 = 2.75, std = sqrt(2.75/3);
  // group 2 has n = 1 -> null
  const sd = Math.sqrt(2.75 / 3);
  assertClose(r.cs_zscore(x), [
    0.75 / sd,
    -1.25 / sd,
    null,
    0.75 / sd,
    null,
    -0.25 / sd,
    null,
  ]);
  // C5: sum |x| = 9 and 7
  assertClose(r.cs_scale(x), [3 / 9, 1 / 9, 1, 3 / 9, null, 2 / 9, null]);
  assertClose(r.cs_scale(x, 2), [6 / 9, 2 / 9, 2, 6 / 9, null, 4 / 9, null]);
  // all zeros in group 1 -> null there; group 2: 1 and -1, sum |z| = 2
  assertClose(r.cs_scale(r.col("z")), [
    null,
    null,
    0.5,
    null,
    null,
    null,
    -0.5,
  ]);
  // group 2: 1, -1 -> std sqrt(2), mean 0
  assertClose(r.cs_zscore(r.col("z")), [
    null,
    null,
    1 / Math.SQRT2,
    null,
    null,
    null,
    -1 / Math.SQRT2,
  ]);
});

Deno.test("cs_winsorize: linear-interpolation quantiles (C6)", () => {
  const r = oneTime({
    x: [1000, 0, 20, 10, 30, null],
    y: [4, 3, 2, 1, 0, null],
  });
  // sorted 0, 10, 20, 30, 1000: q(0.1) at position 0.4 -> 4;
  // q(0.9) at position 3.6 -> 30 + 0.6 * 970 = 612
  assertClose(r.cs_winsorize(r.col("x"), 0.1, 0.9), [612, 4, 20, 10, 30, null]);
  // defaults: 0, 1, 2, 3, 4 -> q(0.05) at 0.2 = 0.2, q(0.95) at 3.8 = 3.8
  assertClose(r.cs_winsorize(r.col("y")), [3.8, 3, 2, 1, 0.2, null]);
  assertClose(r.cs_winsorize(r.col("y"), 0, 1), [4, 3, 2, 1, 0, null]);
});

Deno.test("cs_neutralize: constant x, ordinary case, one pair (C7)", () => {
  const r = reference({
    symbol: ["A", "B", "C", "D", "A", "B", "C", "D", "A", "B"],
    end_time: [1, 1, 1, 1, 2, 2, 2, 2, 3, 3],
    columns: {
      y: [1, 2, 6, null, 2, 4, 7, 9, 5, 3],
      x: [5, 5, 5, 5, 1, 2, 3, null, 1, null],
    },
  });
  // t=1: x constant -> beta = 0 -> y - my (my = 3); D has no y -> null
  // t=2: pairs (1,2), (2,4), (3,7): mx = 2, my = 13/3, sxx = 2, sxy = 5,
  //      beta = 2.5; residuals 1/6, -1/3, 1/6; D has no x -> null
  // t=3: one pair -> beta = 0 -> 5 - 5 = 0
  assertClose(r.cs_neutralize(r.col("y"), r.col("x")), [
    -2,
    -1,
    3,
    null,
    1 / 6,
    -1 / 3,
    1 / 6,
    null,
    0,
    null,
  ]);
});

Deno.test("group_neutralize: groups are (end_time, g) (C8)", () => {
  const r = reference({
    symbol: ["A", "B", "C", "D", "E", "A", "B"],
    end_time: [1, 1, 1, 1, 1, 2, 2],
    columns: {
      y: [1, 3, 10, 5, 7, 4, null],
      sector: ["a", "a", "b", null, "b", "a", "a"],
    },
  });
  // t=1: a -> mean 2; b -> mean 8.5; D has no sector -> null
  // t=2: a -> only 4 (not mixed with t=1's a)
  assertClose(r.group_neutralize(r.col("y"), "sector"), [
    -1,
    1,
    1.5,
    null,
    -1.5,
    0,
    null,
  ]);
  assert.throws(() => r.group_neutralize(r.col("y"), "industry"));
});

Deno.test("element-wise operators (E1-E14)", () => {
  const r = oneTime({ x: [4, -2, 0, null, 1], c: [1, 0, null, 0, 0] });
  const x = r.col("x");
  const c = r.col("c");
  assert.deepStrictEqual(r.add(x, 1), [5, -1, 1, null, 2]);
  assert.deepStrictEqual(r.sub(x, x), [0, 0, 0, null, 0]);
  assert.deepStrictEqual(r.mul(x, -1), [-4, 2, 0, null, -1]); // -0 -> 0
  assert.deepStrictEqual(r.div(x, 0), [null, null, null, null, null]);
  assert.deepStrictEqual(r.div(x, [2, 2, 2, 2, 0]), [2, -1, 0, null, null]);
  assert.deepStrictEqual(r.neg(x), [-4, 2, 0, null, -1]);
  assert.deepStrictEqual(r.abs(x), [4, 2, 0, null, 1]);
  assert.deepStrictEqual(r.sign(x), [1, -1, 0, null, 1]);
  assertClose(r.log(x), [Math.log(4), null, null, null, 0]);
  assert.deepStrictEqual(r.sqrt(x), [2, null, 0, null, 1]);
  assert.deepStrictEqual(r.exp(r.lit(1000)), [null, null, null, null, null]);
  assert.deepStrictEqual(r.inverse(x), [0.25, -0.5, null, null, 1]);
  // E5: (-2) ** 0.5 is NaN, 0 ** -1 is Infinity -> null
  assert.deepStrictEqual(r.pow(x, 0.5), [2, null, 0, null, 1]);
  assert.deepStrictEqual(r.pow(x, -1), [0.25, -0.5, null, null, 1]);
  assert.deepStrictEqual(r.pow(x, [0, 2, 3, 1, 5]), [1, 4, 0, null, 1]);
  assert.deepStrictEqual(r.signed_pow(x, 2), [16, -4, 0, null, 1]);
  assertClose(r.signed_pow(x, 0.5), [2, -Math.SQRT2, 0, null, 1]);
  assert.deepStrictEqual(r.min(x, 1), [1, -2, 0, null, 1]);
  assert.deepStrictEqual(r.max(x, [5, -3, null, 0, 0]), [5, -2, null, null, 1]);
  assert.deepStrictEqual(r.clip(x, -1, 2), [2, -1, 0, null, 1]);
  assert.deepStrictEqual(r.gt(x, 0), [1, 0, 0, null, 1]);
  assert.deepStrictEqual(r.ge(x, 0), [1, 0, 1, null, 1]);
  assert.deepStrictEqual(r.lt(x, 0), [0, 1, 0, null, 0]);
  assert.deepStrictEqual(r.le(x, 1), [0, 1, 1, null, 1]);
  assert.deepStrictEqual(r.eq(x, 0), [0, 0, 1, null, 0]);
  assert.deepStrictEqual(r.ne(x, 0), [1, 1, 0, null, 1]);
  assert.deepStrictEqual(r.and(x, [1, 0, 1, 1, null]), [1, 0, 0, null, null]);
  assert.deepStrictEqual(r.or(x, 0), [1, 1, 0, null, 1]);
  assert.deepStrictEqual(r.not(x), [0, 0, 1, null, 0]);
  // E12: cond 1 -> x, cond 0 -> other (even where x is null), cond null -> null
  assert.deepStrictEqual(r.where(x, c), [4, null, null, null, null]);
  assert.deepStrictEqual(r.where(x, c, 9), [4, 9, null, 9, 9]);
  // E13
  assert.deepStrictEqual(r.if_else(c, 1, x), [1, -2, null, null, 1]);
  assert.deepStrictEqual(r.if_else(c, x, 5), [4, 5, null, 5, 5]);
  assert.deepStrictEqual(r.lit(2.5), [2.5, 2.5, 2.5, 2.5, 2.5]);
  assert.deepStrictEqual(r.lit(NaN), [null, null, null, null, null]);
});

Deno.test("invalid arguments throw", () => {
  const r = oneSymbol({ x: [1, 2, 3, 4] });
  const x = r.col("x");
  assert.throws(() => r.ts_sum(x, 0), RangeError);
  assert.throws(() => r.ts_sum(x, 2.5), RangeError);
  assert.throws(() => r.ts_var(x, 1), RangeError);
  assert.throws(() => r.ts_skew(x, 2), RangeError);
  assert.throws(() => r.ts_kurt(x, 3), RangeError);
  assert.throws(() => r.ts_delta(x, 0), RangeError);
  assert.throws(() => r.ts_autocorr(x, 2, 0), RangeError);
  assert.throws(() => r.cs_winsorize(x, 0.9, 0.1), RangeError);
  assert.throws(() => r.clip(x, 2, 1), RangeError);
  assert.throws(() => r.add(x, [1, 2]), RangeError);
});
