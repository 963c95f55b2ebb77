/**
 * Self-test of the plain-loop analysis reference in tests/_analysis_reference.ts.
 *
 * Every expected value below is computed by hand from scratch/analysis_spec.md;
 * the arithmetic is written in the comments and the expected numbers are
 * written as closed forms (fractions, square roots, atan) rather than copied
 * from the code under test. Prices are mostly powers of two times simple
 * ratios so that returns such as 0.5, 0.25, -0.25 are exact in binary.
 */

import assert from "node:assert/strict";
import {
  averageRanks,
  BACKTEST_DEFAULTS,
  METRIC_KEYS,
  pearson,
  type RefBacktestOptions,
  referenceAnalysis,
  referenceBacktest,
  referenceMetrics,
  type RefRow,
  studentTwoSidedPValue,
} from "./_analysis_reference.ts";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/**
 * Deep comparison: numbers within tol (relative above 1, absolute below),
 * Infinity / null / strings exactly, arrays elementwise, objects with the
 * same key set.
 */
function assertClose(
  actual: unknown,
  expected: unknown,
  tol = 1e-12,
  path = "$",
): void {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: got ${actual}`);
    const a = actual as number;
    if (!Number.isFinite(expected)) {
      assert.equal(a, expected, `${path}: got ${a}, expected ${expected}`);
      return;
    }
    assert.ok(
      Math.abs(a - expected) <= tol * Math.max(1, Math.abs(expected)),
      `${path}: got ${a}, expected ${expected}`,
    );
    return;
  }
  if (expected === null || typeof expected !== "object") {
    assert.equal(actual, expected, `${path}: got ${actual}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    const a = actual as unknown[];
    assert.equal(a.length, expected.length, `${path}: length`);
    for (let i = 0; i < expected.length; i++) {
      assertClose(a[i], expected[i], tol, `${path}[${i}]`);
    }
    return;
  }
  assert.ok(actual !== null && typeof actual === "object", `${path}: object`);
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  assert.deepEqual(
    Object.keys(a).sort(),
    Object.keys(e).sort(),
    `${path}: keys`,
  );
  for (const key of Object.keys(e)) {
    assertClose(a[key], e[key], tol, `${path}.${key}`);
  }
}

/**
 * Rows of a panel: time index i has end_time (i + 1) * 1000, symbol j has
 * factor[i][j] and price[i][j].
 */
function panel(
  symbols: string[],
  factor: (number | null)[][],
  price: (number | null)[][],
): RefRow[] {
  const rows: RefRow[] = [];
  for (let i = 0; i < factor.length; i++) {
    for (let j = 0; j < symbols.length; j++) {
      rows.push({
        end_time: (i + 1) * 1000,
        symbol: symbols[j],
        factor: factor[i][j],
        price: price[i][j],
      });
    }
  }
  return rows;
}

const SQRT2 = Math.sqrt(2);
const SQRT3 = Math.sqrt(3);

// ---------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------

Deno.test("average ranks give tied values the mean of their positions", () => {
  // sorted: 1 (pos 1), 2 2 (pos 2, 3 -> 2.5), 3 (pos 4), 5 (pos 5)
  assert.deepEqual(averageRanks([3, 2, 5, 2, 1]), [4, 2.5, 5, 2.5, 1]);
  // all tied: positions 1..4 -> 2.5 each
  assert.deepEqual(averageRanks([7, 7, 7, 7]), [2.5, 2.5, 2.5, 2.5]);
});

Deno.test("pearson is null when either side has no spread", () => {
  // x = (1,2,3), y = (2,4,7): dx = (-1,0,1), ȳ = 13/3, dy = (-7/3,-1/3,8/3)
  // sxy = 7/3 + 8/3 = 5, sxx = 2, syy = (49+1+64)/9 = 114/9
  // r = 5 / sqrt(228/9) = 15 / sqrt(228)
  assertClose(pearson([1, 2, 3], [2, 4, 7]), 15 / Math.sqrt(228));
  assert.equal(pearson([1, 2, 3], [5, 5, 5]), null);
  assert.equal(pearson([4, 4], [1, 2]), null);
  assert.equal(pearson([1], [1]), null);
  assert.equal(pearson([], []), null);
});

// ---------------------------------------------------------------------------
// Student-t p-value
// ---------------------------------------------------------------------------

Deno.test("the two-sided t p-value matches closed forms for small df", () => {
  // df = 1 is the Cauchy distribution: p = 1 - 2 atan(t) / π
  assertClose(studentTwoSidedPValue(1, 1), 0.5); // atan 1 = π/4
  assertClose(studentTwoSidedPValue(3, 1), 1 - (2 * Math.atan(3)) / Math.PI);
  assertClose(studentTwoSidedPValue(-3, 1), 1 - (2 * Math.atan(3)) / Math.PI);
  // df = 2: CDF-based P(|T| <= t) = t / sqrt(t² + 2); t = 2: 1 - 2/sqrt(6)
  assertClose(studentTwoSidedPValue(2, 2), 1 - 2 / Math.sqrt(6));
  // df = 3: θ = atan(t/√3), P(|T|<=t) = (2/π)(θ + sinθ cosθ)
  //   t = √3: θ = π/4, sinθ cosθ = 1/2 -> p = 1 - 1/2 - 1/π
  assertClose(studentTwoSidedPValue(SQRT3, 3), 0.5 - 1 / Math.PI);
  //   t = 3: θ = π/3, sinθ cosθ = √3/4 -> p = 1 - 2/3 - √3/(2π)
  assertClose(studentTwoSidedPValue(3, 3), 1 / 3 - SQRT3 / (2 * Math.PI));
  // df = 4: P(|T|<=t) = sinθ (1 + cos²θ / 2); t = 2: θ = π/4
  //   -> (√2/2)(1 + 1/4) = 5√2/8
  assertClose(studentTwoSidedPValue(2, 4), 1 - (5 * SQRT2) / 8);
  // t = 0 -> p = 1 for every df
  for (const df of [1, 2, 3, 10, 101]) {
    assertClose(studentTwoSidedPValue(0, df), 1);
  }
});

Deno.test("the two-sided t p-value matches the tabulated t = 2, df = 10", () => {
  // 2 * (1 - CDF_t(2; 10)) = 0.0733880347707 (scipy: 0.07338803477074037)
  assertClose(studentTwoSidedPValue(2, 10), 0.0733880347707, 1e-12);
  // large df approaches the normal: 2 (1 - Φ(1.96)) = 0.04999579...; with
  // df = 5000 scipy gives 0.050051252291819504
  assertClose(studentTwoSidedPValue(1.96, 5000), 0.050051252291819504, 1e-12);
});

/**
 * Independent check: P(|T| >= t) = ∫_θ^{π/2} cos^{df-1}φ dφ / ∫_0^{π/2}
 * cos^{df-1}φ dφ with θ = atan(t/√df) (substituting x = √df tan φ in the
 * t density), both integrals by composite Simpson with N intervals.
 */
function simpsonPValue(t: number, df: number, N = 200_000): number {
  const f = (phi: number) => Math.pow(Math.cos(phi), df - 1);
  const simpson = (a: number, b: number) => {
    const h = (b - a) / N;
    let sum = f(a) + f(b);
    for (let k = 1; k < N; k++) sum += (k % 2 === 1 ? 4 : 2) * f(a + k * h);
    return (sum * h) / 3;
  };
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  return simpson(theta, Math.PI / 2) / simpson(0, Math.PI / 2);
}

Deno.test("the two-sided t p-value agrees with Simpson integration of the density", () => {
  for (const df of [1, 2, 3, 4, 5, 7, 10, 30, 101, 1000, 5000]) {
    for (const t of [0.1, 0.5, 1, 1.96, 3, 8, 40]) {
      const series = studentTwoSidedPValue(t, df);
      const simpson = simpsonPValue(t, df);
      assert.ok(
        Math.abs(series - simpson) <= 1e-10,
        `t=${t} df=${df}: series ${series}, simpson ${simpson}`,
      );
    }
  }
});

// ---------------------------------------------------------------------------
// Analyzer
// ---------------------------------------------------------------------------

Deno.test("forward returns count grid steps, not rows, and need a positive base price", () => {
  // Grid: 1000, 2000, 3000, 4000; 3000 exists only through Y's empty row.
  const rows: RefRow[] = [
    { end_time: 1000, symbol: "X", factor: 1, price: 100 },
    { end_time: 2000, symbol: "X", factor: 1, price: 50 },
    { end_time: 4000, symbol: "X", factor: 1, price: 80 },
    { end_time: 3000, symbol: "Y", factor: null, price: null },
    { end_time: 1000, symbol: "Z", factor: null, price: 10 },
    { end_time: 2000, symbol: "Z", factor: null, price: -5 },
    { end_time: 1000, symbol: "W", factor: null, price: 0 },
    { end_time: 2000, symbol: "W", factor: null, price: 10 },
    { end_time: 4000, symbol: "W", factor: null, price: 5 },
    { end_time: 2000, symbol: "V", factor: null, price: -5 },
    { end_time: 4000, symbol: "V", factor: null, price: 5 },
    { end_time: 2000, symbol: "U", factor: null, price: 10 },
    { end_time: 4000, symbol: "U", factor: null, price: Infinity },
  ];
  const a = referenceAnalysis(rows, {
    periods: [2, 1],
    quantiles: 2,
    minSymbols: 1,
  });
  const f = (k: number, t: number, s: string) =>
    a.forward.get(`${k}|${t}|${s}`);
  // period 1
  assertClose(f(1, 1000, "X"), 50 / 100 - 1); // -0.5
  assert.equal(f(1, 2000, "X"), null); // X has no row at grid 3000
  assert.equal(f(1, 4000, "X"), null); // i + 1 = T
  assert.equal(f(1, 3000, "Y"), null);
  assertClose(f(1, 1000, "Z"), -5 / 10 - 1); // -1.5: only the base must be > 0
  assert.equal(f(1, 1000, "W"), null); // base price 0 is not > 0
  // period 2
  assert.equal(f(2, 1000, "X"), null); // grid 3000 has no X row
  assertClose(f(2, 2000, "X"), 80 / 50 - 1); // 0.6: two grid steps
  assert.equal(f(2, 3000, "X"), undefined); // no X row at 3000 -> no key
  assertClose(f(2, 2000, "W"), 5 / 10 - 1); // -0.5
  assert.equal(f(2, 2000, "V"), null); // base -5 is not > 0
  assert.equal(f(2, 2000, "U"), null); // price Infinity is absent
  assert.equal(a.forward.size, 2 * rows.length);
});

Deno.test("quantiles use average ranks, share ties and need at least Q symbols", () => {
  const rows = panel(
    ["A", "B", "C", "D", "E"],
    [
      // t1: ranks 1, 2.5, 2.5, 4, 5 (m = 5, Q = 3):
      //   r=1: floor(3*0.5/5)=floor(0.3)=0 -> 1; r=2.5: floor(3*2/5)=1 -> 2;
      //   r=4: floor(3*3.5/5)=floor(2.1)=2 -> 3; r=5: floor(3*4.5/5)=2 -> 3
      [1, 2, 2, 3, 5],
      // t2: m = 2 < Q = 3 -> no quantiles at all
      [1, null, 2, null, null],
      // t3: m = 3 = Q, ranks 1,2,3: floor(3*0.5/3)=0, floor(3*1.5/3)=1,
      //   floor(3*2.5/3)=2 -> 1, 2, 3
      [null, 9, 8, 7, null],
      // t4: no ties, m = 5: 3(r-0.5)/5 = 0.3, 0.9, 1.5, 2.1, 2.7 -> 1,1,2,3,3
      [50, 40, 30, 20, 10],
      // t5: m = 4: 3(r-0.5)/4 = 0.375, 1.125, 1.875, 2.625 -> 1, 2, 2, 3
      [1, 2, 3, 4, null],
    ],
    [
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
    ],
  );
  const a = referenceAnalysis(rows, {
    periods: [1],
    quantiles: 3,
    minSymbols: 3,
  });
  const q = (t: number, s: string) => a.quantile.get(`${t}|${s}`);
  assert.deepEqual(
    ["A", "B", "C", "D", "E"].map((s) => q(1000, s)),
    [1, 2, 2, 3, 3],
  );
  assert.deepEqual(
    ["A", "B", "C", "D", "E"].map((s) => q(2000, s)),
    [null, null, null, null, null],
  );
  assert.deepEqual(
    ["A", "B", "C", "D", "E"].map((s) => q(3000, s)),
    [null, 3, 2, 1, null],
  );
  assert.deepEqual(
    ["A", "B", "C", "D", "E"].map((s) => q(4000, s)),
    [3, 3, 2, 1, 1],
  );
  assert.deepEqual(
    ["A", "B", "C", "D", "E"].map((s) => q(5000, s)),
    [1, 2, 2, 3, null],
  );

  // Q = 2, four equal values: every rank is 2.5 -> floor(2*2/4)+1 = 2
  const tied = panel(["A", "B", "C", "D"], [[5, 5, 5, 5]], [[1, 1, 1, 1]]);
  const b = referenceAnalysis(tied, {
    periods: [1],
    quantiles: 2,
    minSymbols: 3,
  });
  assert.deepEqual(
    ["A", "B", "C", "D"].map((s) => b.quantile.get(`1000|${s}`)),
    [2, 2, 2, 2],
  );
});

// Panel A: 3 symbols × 4 times.
//   factor      A    B    C        price     A    B    C
//   t1 (1000)   2    1    2                 100  100  100
//   t2 (2000)   1    2    3                 110   90  105
//   t3 (3000)   5    5    5                  99   90  126
//   t4 (4000)   1    2    3                  99  108  100.8
// fwd1: t1 (0.1, -0.1, 0.05); t2 (-0.1, 0, 0.2); t3 (0, 0.2, -0.2); t4 none
// fwd2: t1 (-0.01, -0.1, 0.26); t2 (-0.1, 0.2, -0.04); t3, t4 none
const PANEL_A = panel(
  ["A", "B", "C"],
  [[2, 1, 2], [1, 2, 3], [5, 5, 5], [1, 2, 3]],
  [[100, 100, 100], [110, 90, 105], [99, 90, 126], [99, 108, 100.8]],
);

Deno.test("IC per time: Spearman with a tie, Pearson, and a constant factor", () => {
  const a = referenceAnalysis(PANEL_A, {
    periods: [1, 2],
    quantiles: 3,
    minSymbols: 3,
  });
  // period 1, t1: factor ranks (2.5, 1, 2.5), fwd ranks (3, 1, 2)
  //   dx = (0.5, -1, 0.5), dy = (1, -1, 0): sxy = 1.5, sxx = 1.5, syy = 2
  //   spearman = 1.5 / sqrt(3) = √3/2
  //   pearson: x = (2,1,2), x̄ = 5/3, dx = (1/3,-2/3,1/3); y = (0.1,-0.1,0.05),
  //   ȳ = 1/60, dy = (5/60, -7/60, 2/60): sxy = (5+14+2)/180 = 7/60,
  //   sxx = 2/3, syy = 78/3600 -> r = (7/60) / sqrt(156/10800) = 7/(2√13)
  // period 1, t2: factor (1,2,3), fwd (-0.1, 0, 0.2): ranks equal -> 1
  //   pearson: dx = (-1,0,1), Σdx·y = 0.3; ȳ = 1/30, dy = (-4,-1,5)/30,
  //   syy = 42/900 -> r = 0.3 / sqrt(84/900) = 9/√84 = 9/(2√21)
  // period 1, t3: factor constant -> both null, but n = 3 still makes a row
  // period 1, t4: no forward return -> n = 0 < 3 -> no row
  // period 2, t1: factor ranks (2.5,1,2.5), fwd (-0.01,-0.1,0.26) ranks
  //   (2,1,3): dy = (0,-1,1): sxy = 1 + 0.5 = 1.5 -> √3/2
  //   pearson: ȳ = 0.05, dy = (-0.06,-0.15,0.21): sxy = -0.02+0.1+0.07 = 0.15
  //   syy = 0.0702 -> r = 0.15/sqrt(0.0468) = 15/√468 = 5/(2√13)
  // period 2, t2: factor (1,2,3), fwd (-0.1, 0.2, -0.04) ranks (1,3,2):
  //   spearman = 1 - 6·2/(3·8) = 0.5
  //   pearson: Σdx·y = 0.06, ȳ = 0.02, dy = (-0.12, 0.18, -0.06),
  //   syy = 0.0504 -> r = 0.06/sqrt(0.1008) = 1/(2√7)
  assertClose(a.ic, [
    {
      end_time: 1000,
      period: 1,
      n: 3,
      spearman: SQRT3 / 2,
      pearson: 7 / (2 * Math.sqrt(13)),
    },
    {
      end_time: 2000,
      period: 1,
      n: 3,
      spearman: 1,
      pearson: 9 / (2 * Math.sqrt(21)),
    },
    { end_time: 3000, period: 1, n: 3, spearman: null, pearson: null },
    {
      end_time: 1000,
      period: 2,
      n: 3,
      spearman: SQRT3 / 2,
      pearson: 5 / (2 * Math.sqrt(13)),
    },
    {
      end_time: 2000,
      period: 2,
      n: 3,
      spearman: 0.5,
      pearson: 1 / (2 * Math.sqrt(7)),
    },
  ]);

  // Summary with n = 2 (df = 1, Cauchy p-value): for values a, b
  //   mean = (a+b)/2, std = |a-b|/√2, ir = mean/std, t = ir·√2,
  //   p = 1 - 2 atan(|t|)/π
  const two = (a: number, b: number) => {
    const mean = (a + b) / 2;
    const std = Math.abs(a - b) / SQRT2;
    const t = (mean / std) * SQRT2;
    return {
      mean,
      std,
      ir: mean / std,
      t_stat: t,
      p_value: 1 - (2 * Math.atan(Math.abs(t))) / Math.PI,
    };
  };
  assertClose(a.icSummary, [
    {
      period: 1,
      method: "spearman",
      n: 2,
      ...two(SQRT3 / 2, 1),
      hit_rate: 1,
    },
    {
      period: 1,
      method: "pearson",
      n: 2,
      ...two(7 / (2 * Math.sqrt(13)), 9 / (2 * Math.sqrt(21))),
      hit_rate: 1,
    },
    {
      period: 2,
      method: "spearman",
      n: 2,
      ...two(SQRT3 / 2, 0.5),
      hit_rate: 1,
    },
    {
      period: 2,
      method: "pearson",
      n: 2,
      ...two(5 / (2 * Math.sqrt(13)), 1 / (2 * Math.sqrt(7))),
      hit_rate: 1,
    },
  ]);
  assertClose(a.icDecay, [
    {
      period: 1,
      spearman: (SQRT3 / 2 + 1) / 2,
      pearson: (7 / (2 * Math.sqrt(13)) + 9 / (2 * Math.sqrt(21))) / 2,
    },
    {
      period: 2,
      spearman: (SQRT3 / 2 + 0.5) / 2,
      pearson: (5 / (2 * Math.sqrt(13)) + 1 / (2 * Math.sqrt(7))) / 2,
    },
  ]);
});

Deno.test("slices below minSymbols make no IC row and the summary is all null", () => {
  const a = referenceAnalysis(PANEL_A, {
    periods: [1],
    quantiles: 3,
    minSymbols: 4,
  });
  assert.deepEqual(a.ic, []);
  const empty = {
    period: 1,
    n: 0,
    mean: null,
    std: null,
    ir: null,
    t_stat: null,
    p_value: null,
    hit_rate: null,
  };
  assert.deepEqual(a.icSummary, [
    { ...empty, method: "spearman" },
    { ...empty, method: "pearson" },
  ]);
  assert.deepEqual(a.icDecay, [{ period: 1, spearman: null, pearson: null }]);
});

// Panel B: 3 symbols × 5 times, factor (1, 2, 3) at every time, forward
// returns that are permutations of (-0.5, 0, 0.5) so that Pearson = Spearman.
//   price   A    B    C          fwd1    A     B     C     IC = 1 - Σd²/4
//   t1      64   64   64                -0.5  0     0.5   1
//   t2      32   64   96                -0.5  0.5   0     0.5   (Σd² = 2)
//   t3      16   96   96                 0    0.5  -0.5  -0.5   (Σd² = 6)
//   t4      16   144  48                -0.5  0     0.5   1
//   t5      8    144  72                (none)
const PANEL_B = panel(
  ["A", "B", "C"],
  [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]],
  [[64, 64, 64], [32, 64, 96], [16, 96, 96], [16, 144, 48], [8, 144, 72]],
);

Deno.test("IC summary gives mean, std, IR, t, Student-t p-value and hit rate", () => {
  const a = referenceAnalysis(PANEL_B, {
    periods: [1, 2],
    quantiles: 3,
    minSymbols: 3,
  });
  // Period 1: ICs (1, 0.5, -0.5, 1) for both methods.
  //   mean = 2/4 = 0.5; deviations (0.5, 0, -1, 0.5), Σ² = 1.5, var = 0.5,
  //   std = √0.5; ir = 0.5/√0.5 = √0.5; t = √0.5·√4 = √2; df = 3:
  //   θ = atan(√2/√3), sinθcosθ = tanθ/(1+tan²θ) = √(2/3)/(5/3) = √6/5,
  //   p = 1 - (2/π)(atan(√(2/3)) + √6/5) ≈ 0.252215; hit = 3/4
  const p1 = {
    n: 4,
    mean: 0.5,
    std: Math.sqrt(0.5),
    ir: Math.sqrt(0.5),
    t_stat: SQRT2,
    p_value: 1 -
      (2 / Math.PI) * (Math.atan(Math.sqrt(2 / 3)) + Math.sqrt(6) / 5),
    hit_rate: 0.75,
  };
  // Period 2: fwd2 t1 (16/64-1, 96/64-1, 96/64-1) = (-0.75, 0.5, 0.5)
  //   ranks (1, 2.5, 2.5): dy = (-1, 0.5, 0.5), sxy = 1.5, syy = 1.5 -> √3/2
  //   pearson: ȳ = 1/12, dy = (-10, 5, 5)/12, sxy = 15/12, syy = 150/144
  //   -> 1.25 / sqrt(300/144) = √3/2
  // t2: (16/32-1, 144/64-1, 48/96-1) = (-0.5, 1.25, -0.5): ranks
  //   (1.5, 3, 1.5), sxy = 0.5 - 0.5 = 0 -> 0 for both (IC 0 is no hit)
  // t3: (8/16-1, 144/96-1, 72/96-1) = (-0.5, 0.5, -0.25): ranks (1,3,2) -> 0.5
  //   pearson: ȳ = -1/12, dy = (-5, 7, -2)/12, sxy = 3/12, syy = 78/144
  //   -> 0.25 / sqrt(156/144) = 3/√156 = 3/(2√39)
  // Spearman (√3/2, 0, 1/2): m = (√3+1)/6, Σ(v-m)² = Σv² - 3m²
  //   = 1 - (4+2√3)/12 = (4-√3)/6, std = sqrt((4-√3)/12); df = 2:
  //   p = 1 - t/sqrt(t²+2)
  const m2 = (SQRT3 + 1) / 6;
  const s2 = Math.sqrt((4 - SQRT3) / 12);
  const t2 = (m2 / s2) * SQRT3;
  // Pearson (√3/2, 0, 3/(2√39)): the same with c = 3/(2√39)
  const c = 3 / (2 * Math.sqrt(39));
  const m2p = (SQRT3 / 2 + c) / 3;
  const s2p = Math.sqrt(
    ((SQRT3 / 2 - m2p) ** 2 + m2p ** 2 + (c - m2p) ** 2) / 2,
  );
  const t2p = (m2p / s2p) * SQRT3;
  assertClose(a.icSummary, [
    { period: 1, method: "spearman", ...p1 },
    { period: 1, method: "pearson", ...p1 },
    {
      period: 2,
      method: "spearman",
      n: 3,
      mean: m2,
      std: s2,
      ir: m2 / s2,
      t_stat: t2,
      p_value: 1 - t2 / Math.sqrt(t2 * t2 + 2),
      hit_rate: 2 / 3,
    },
    {
      period: 2,
      method: "pearson",
      n: 3,
      mean: m2p,
      std: s2p,
      ir: m2p / s2p,
      t_stat: t2p,
      p_value: 1 - t2p / Math.sqrt(t2p * t2p + 2),
      hit_rate: 2 / 3,
    },
  ]);
  assertClose(a.icDecay, [
    { period: 1, spearman: 0.5, pearson: 0.5 },
    { period: 2, spearman: m2, pearson: m2p },
  ]);
});

Deno.test("IC summary nulls: one IC has no std, equal ICs have no t", () => {
  // price A 64, 32, 16; B 64 flat; C 64, 96, 144; factor (1, 2, 3)
  // fwd1 t1 = t2 = (-0.5, 0, 0.5) -> ICs (1, 1): std = 0 -> ir, t, p null
  // fwd2 t1 = (16/64-1, 0, 144/64-1) = (-0.75, 0, 1.25): spearman 1;
  //   pearson: ȳ = 1/6, dy = (-11, -2, 13)/12, sxy = 24/12 = 2,
  //   syy = 294/144 -> 2 / sqrt(588/144) = 24/√588 = 12/(7√3)
  const rows = panel(
    ["A", "B", "C"],
    [[1, 2, 3], [1, 2, 3], [1, 2, 3]],
    [[64, 64, 64], [32, 64, 96], [16, 64, 144]],
  );
  const a = referenceAnalysis(rows, {
    periods: [1, 2],
    quantiles: 3,
    minSymbols: 3,
  });
  const equal = {
    period: 1,
    n: 2,
    mean: 1,
    std: 0,
    ir: null,
    t_stat: null,
    p_value: null,
    hit_rate: 1,
  };
  const one = {
    period: 2,
    n: 1,
    std: null,
    ir: null,
    t_stat: null,
    p_value: null,
    hit_rate: 1,
  };
  assertClose(a.icSummary, [
    { ...equal, method: "spearman" },
    { ...equal, method: "pearson" },
    { ...one, method: "spearman", mean: 1 },
    { ...one, method: "pearson", mean: 12 / (7 * SQRT3) },
  ]);
});

// Panel Q: 4 symbols × 4 times, Q = 2.
//   factor   A    B    C    D        price   A    B    C    D
//   t1       1    2    3    4                64   64   64   64
//   t2       4    1    2    3                96   64   80   48
//   t3       1    2    -    3                96   96   40   60
//   t4       1    -    -    -                -    72   -    90
// Quantiles (Q = 2, floor(2(r-0.5)/m)+1):
//   t1 m=4: ranks A1 B2 C3 D4 -> 0.25,0.75,1.25,1.75 -> A1 B1 C2 D2
//   t2 m=4: ranks A4 B1 C2 D3 -> A2 B1 C1 D2
//   t3 m=3: ranks A1 B2 D3 -> 2·0.5/3=0.33, 2·1.5/3=1, 2·2.5/3=1.67 -> A1 B2 D2
//   t4 m=1 < 2 -> none
// fwd1: t1 A 96/64-1=0.5, B 0, C 80/64-1=0.25, D 48/64-1=-0.25
//       t2 A 0, B 96/64-1=0.5, C 40/80-1=-0.5, D 60/48-1=0.25
//       t3 A - (no price at t4), B 72/96-1=-0.25, C -, D 90/60-1=0.5
// fwd2: t1 A 96/64-1=0.5, B 96/64-1=0.5, C 40/64-1=-0.375, D 60/64-1=-0.0625
//       t2 A -, B 72/64-1=0.125, C -, D 90/48-1=0.875
const PANEL_Q = panel(
  ["A", "B", "C", "D"],
  [[1, 2, 3, 4], [4, 1, 2, 3], [1, 2, null, 3], [1, null, null, null]],
  [[64, 64, 64, 64], [96, 64, 80, 48], [96, 96, 40, 60], [null, 72, null, 90]],
);
const PANEL_Q_OPTIONS = { periods: [1, 2], quantiles: 2, minSymbols: 3 };

Deno.test("quantile assignment on a panel with a missing factor and m < Q", () => {
  const a = referenceAnalysis(PANEL_Q, PANEL_Q_OPTIONS);
  const q = (t: number) =>
    ["A", "B", "C", "D"].map((s) => a.quantile.get(`${t}|${s}`));
  assert.deepEqual(q(1000), [1, 1, 2, 2]);
  assert.deepEqual(q(2000), [2, 1, 1, 2]);
  assert.deepEqual(q(3000), [1, 2, null, 2]);
  assert.deepEqual(q(4000), [null, null, null, null]);
});

Deno.test("demeaned quantile returns subtract each slice's mean over every bucketed member with a forward return", () => {
  const a = referenceAnalysis(PANEL_Q, PANEL_Q_OPTIONS);
  // Period 1, q1: t1 0.25 - mean(.5, 0, .25, -.25) = 0.125;
  // t2 0 - mean(.5, -.5, 0, .25) = -0.0625: mean 0.03125.
  assert.equal(a.quantileReturns[0].mean, 0.03125);
});

Deno.test("quantile returns and the spread average the members with a forward return", () => {
  const a = referenceAnalysis(PANEL_Q, { ...PANEL_Q_OPTIONS, demeaned: false });
  // Period 1 time values:
  //   q1: t1 {A .5, B 0} -> 0.25; t2 {B .5, C -.5} -> 0; t3 {A: no fwd} -> none
  //       mean 0.125, std |0.25-0|/√2, n 2
  //   q2: t1 {C .25, D -.25} -> 0; t2 {A 0, D .25} -> 0.125;
  //       t3 {B -.25, D .5} -> 0.125: mean 1/12, deviations (-2, 1, 1)/24,
  //       Σ² = 6/576, var = 3/576 = 1/192, std = √(1/192), n 3
  // Period 2 time values:
  //   q1: t1 {A .5, B .5} -> 0.5; t2 {B .125, C -} -> 0.125:
  //       mean 0.3125, std 0.375/√2
  //   q2: t1 {C -.375, D -.0625} -> -0.21875; t2 {A -, D .875} -> 0.875:
  //       mean 0.328125, std 1.09375/√2
  assertClose(a.quantileReturns, [
    { period: 1, quantile: 1, mean: 0.125, std: 0.25 / SQRT2, n: 2 },
    { period: 1, quantile: 2, mean: 1 / 12, std: Math.sqrt(1 / 192), n: 3 },
    { period: 2, quantile: 1, mean: 0.3125, std: 0.375 / SQRT2, n: 2 },
    { period: 2, quantile: 2, mean: 0.328125, std: 1.09375 / SQRT2, n: 2 },
  ]);
  // Spread period 1: t1 0 - 0.25 = -0.25; t2 0.125 - 0 = 0.125; t3 absent
  //   mean -0.0625, std 0.375/√2, t = -0.0625/(0.375/√2)·√2 = -1/3, n 2
  // Spread period 2: t1 -0.21875 - 0.5 = -0.71875; t2 0.875 - 0.125 = 0.75
  //   mean 0.015625, std 1.46875/√2, t = 0.03125/1.46875 = 1/47, n 2
  assertClose(a.spread, [
    { period: 1, mean: -0.0625, std: 0.375 / SQRT2, t_stat: -1 / 3, n: 2 },
    {
      period: 2,
      mean: 0.015625,
      std: 1.46875 / SQRT2,
      t_stat: 1 / 47,
      n: 2,
    },
  ]);
});

Deno.test("the cumulative long-short rebalances every k bars and stays flat on an absent step", () => {
  const a = referenceAnalysis(PANEL_Q, PANEL_Q_OPTIONS);
  // Period 1: i = 0, 1, 2 (i + 1 <= 3); steps -0.25, 0.125, absent (-> 0)
  //   cumulative 0.75, 0.75·1.125 = 0.84375, 0.84375; end_time = grid[i+1]
  // Period 2: i = 0 only (i = 2 would need grid index 4); step -0.71875
  //   cumulative 0.28125, end_time = grid[2] = 3000
  assertClose(a.longShort, [
    { end_time: 2000, period: 1, spread: -0.25, cumulative: 0.75 },
    { end_time: 3000, period: 1, spread: 0.125, cumulative: 0.84375 },
    { end_time: 4000, period: 1, spread: null, cumulative: 0.84375 },
    { end_time: 3000, period: 2, spread: -0.71875, cumulative: 0.28125 },
  ]);
});

Deno.test("quantile turnover counts the members new to the quantile", () => {
  const a = referenceAnalysis(PANEL_Q, PANEL_Q_OPTIONS);
  // Period 1 (t4 has no quantiles, so only i = t2, t3):
  //   q1: t2 {B,C} vs t1 {A,B}: C new -> 1/2; t3 {A} vs t2 {B,C} -> 1/1
  //       (B and C left q1 at t3; only entrants count) -> mean 0.75, n 2
  //   q2: t2 {A,D} vs {C,D} -> 1/2; t3 {B,D} vs {A,D} -> 1/2 -> 0.5, n 2
  // Period 2 (only i = t3 vs t1):
  //   q1: {A} vs {A,B} -> 0/1 = 0; q2: {B,D} vs {C,D} -> 1/2
  assertClose(a.turnover, [
    { period: 1, quantile: 1, mean: 0.75, n: 2 },
    { period: 1, quantile: 2, mean: 0.5, n: 2 },
    { period: 2, quantile: 1, mean: 0, n: 1 },
    { period: 2, quantile: 2, mean: 0.5, n: 1 },
  ]);
  // Both ends need quantiles: t1 has m = 1 < Q = 2, t2 has m = 2, so the
  // only candidate (t2 vs t1) is skipped and every quantile has n = 0.
  const b = referenceAnalysis(
    panel(["A", "B"], [[1, null], [1, 2]], [[1, 1], [1, 1]]),
    { periods: [1], quantiles: 2, minSymbols: 2 },
  );
  assert.deepEqual(b.turnover, [
    { period: 1, quantile: 1, mean: null, n: 0 },
    { period: 1, quantile: 2, mean: null, n: 0 },
  ]);
});

Deno.test("rank autocorrelation ranks each time over its own present symbols", () => {
  const a = referenceAnalysis(PANEL_Q, PANEL_Q_OPTIONS);
  // Period 1:
  //   t2 vs t1: ranks (4,1,2,3) vs (1,2,3,4); dx = (1.5,-1.5,-0.5,0.5),
  //     dy = (-1.5,-0.5,0.5,1.5): sxy = -2.25+0.75-0.25+0.75 = -1, sxx = syy
  //     = 5 -> -0.2
  //   t3 vs t2: t3 ranks over {A,B,D} = (1,2,3); t2 ranks over all four:
  //     A4 B1 D3 -> pairs (1,4),(2,1),(3,3): dx = (-1,0,1), ȳ = 8/3,
  //     dy = (4,-5,1)/3: sxy = -1, sxx = 2, syy = 42/9 -> -3/√84
  //   t4 vs t3: common {A} only, 1 < 3 -> skipped
  //   mean (-0.2 - 3/√84)/2, n 2
  // Period 2:
  //   t3 vs t1: (1,2,3) vs A1 B2 D4 -> ȳ = 7/3, dy = (-4,-1,5)/3: sxy = 3,
  //     syy = 42/9 -> 3/sqrt(84/9) = 9/√84
  //   t4 vs t2: common {A} -> skipped;  mean 9/√84, n 1
  const r84 = Math.sqrt(84);
  assertClose(a.rankAutocorrelation, [
    { period: 1, mean: (-0.2 - 3 / r84) / 2, n: 2 },
    { period: 2, mean: 9 / r84, n: 1 },
  ]);
  // With minSymbols 4 only t2 vs t1 (4 common symbols) counts.
  const b = referenceAnalysis(PANEL_Q, { ...PANEL_Q_OPTIONS, minSymbols: 4 });
  assertClose(b.rankAutocorrelation, [
    { period: 1, mean: -0.2, n: 1 },
    { period: 2, mean: null, n: 0 },
  ]);
});

Deno.test("the analyzer rejects duplicate rows and bad periods", () => {
  const row: RefRow = { end_time: 1, symbol: "A", factor: 1, price: 1 };
  const opts = { periods: [1], quantiles: 2, minSymbols: 1 };
  assert.throws(() => referenceAnalysis([row, { ...row }], opts));
  assert.throws(() => referenceAnalysis([row], { ...opts, periods: [0] }));
  assert.throws(() => referenceAnalysis([row], { ...opts, periods: [1.5] }));
});

// ---------------------------------------------------------------------------
// Backtester
// ---------------------------------------------------------------------------

// Panel M: 3 symbols × 4 bars.
//   signal  A  B  C       price  A   B   C      r (from the bar before)
//   t1      3  1  2              64  64  64     -
//   t2      1  2  3              80  48  64     A .25  B -.25  C 0
//   t3      2  3  1              80  60  32     A 0    B .25   C -.5
//   t4      1  1  1              60  60  48     A -.25 B 0     C .5
// rank / market-neutral: x = rank/3, d = x - 2/3, w = d / Σ|d|
//   t1: ranks (3,1,2) -> d = (1/3,-1/3,0) -> w = (0.5, -0.5, 0)
//   t2: ranks (1,2,3) -> w = (-0.5, 0, 0.5)
//   t3: ranks (2,3,1) -> w = (0, 0.5, -0.5)
//   t4: all tied (2/3 each) -> Σ|d| = 0 -> no positions (weights 0)
const PANEL_M = panel(
  ["A", "B", "C"],
  [[3, 1, 2], [1, 2, 3], [2, 3, 1], [1, 1, 1]],
  [[64, 64, 64], [80, 48, 64], [80, 60, 32], [60, 60, 48]],
);

Deno.test("backtest with lag 1: drift-aware turnover, costs, equity and drawdown", () => {
  const bt = referenceBacktest(PANEL_M, { ...BACKTEST_DEFAULTS, costBps: 10 });
  // j = t2: h = w(t1) = (.5,-.5,0); G = .5·.25 + (-.5)(-.25) = 0.25
  //   τ = Σ|h| = 1 (nothing held before); C = 1·10/10000 = 0.001
  //   R = 0.249, E = 1.249, drawdown 0
  //   drift: h̃ = (.5·1.25, -.5·.75, 0)/1.25 = (0.5, -0.3, 0)
  // j = t3: h = w(t2) = (-.5, 0, .5); G = -.5·0 + 0 + .5·(-.5) = -0.25
  //   τ = |-.5-.5| + |0+.3| + |.5-0| = 1.8; C = 0.0018; R = -0.2518
  //   E = 1.249·0.7482; drawdown = E/1.249 - 1 = -0.2518
  //   drift: (-.5·1, 0, .5·.5)/0.75 = (-2/3, 0, 1/3)
  // j = t4: h = w(t3) = (0, .5, -.5); G = 0 + 0 + (-.5)(.5) = -0.25
  //   τ = |0+2/3| + |.5-0| + |-.5-1/3| = 2/3 + 1/2 + 5/6 = 2; C = 0.002
  //   R = -0.252; E = 1.249·0.7482·0.748; drawdown = 0.7482·0.748 - 1
  const e2 = 1.249;
  const e3 = 1.249 * 0.7482;
  const e4 = 1.249 * 0.7482 * 0.748;
  assertClose(bt.returns, [
    {
      end_time: 2000,
      gross_return: 0.25,
      cost: 0.001,
      return: 0.249,
      turnover: 1,
      gross_exposure: 1,
      net_exposure: 0,
      equity: e2,
      drawdown: 0,
    },
    {
      end_time: 3000,
      gross_return: -0.25,
      cost: 0.0018,
      return: -0.2518,
      turnover: 1.8,
      gross_exposure: 1,
      net_exposure: 0,
      equity: e3,
      drawdown: -0.2518,
    },
    {
      end_time: 4000,
      gross_return: -0.25,
      cost: 0.002,
      return: -0.252,
      turnover: 2,
      gross_exposure: 1,
      net_exposure: 0,
      equity: e4,
      drawdown: 0.7482 * 0.748 - 1,
    },
  ]);
  const w = (t: number, a: number, b: number, c: number) => [
    { end_time: t, symbol: "A", weight: a },
    { end_time: t, symbol: "B", weight: b },
    { end_time: t, symbol: "C", weight: c },
  ];
  assertClose(bt.weights, [
    ...w(1000, 0.5, -0.5, 0),
    ...w(2000, -0.5, 0, 0.5),
    ...w(3000, 0, 0.5, -0.5),
    ...w(4000, 0, 0, 0),
  ]);
});

Deno.test("backtest with lag 2 holds the decision two bars later", () => {
  const bt = referenceBacktest(PANEL_M, { ...BACKTEST_DEFAULTS, lag: 2 });
  // Equity starts at 1 at grid index i0 + lag - 1 = 1; the series is t3, t4.
  // j = t3: h = w(t1) = (.5,-.5,0), r = (0, .25, -.5): G = -0.125, τ = 1
  //   E = 0.875, drawdown -0.125; drift: (.5·1, -.5·1.25, 0)/0.875
  //   = (4/7, -5/7, 0)
  // j = t4: h = w(t2) = (-.5, 0, .5), r = (-.25, 0, .5): G = .125 + .25
  //   = 0.375; τ = |-.5-4/7| + |0+5/7| + |.5-0| = (15+10+7)/14 = 16/7
  //   E = 0.875·1.375 = 1.203125 > 1 -> drawdown 0
  assertClose(bt.returns, [
    {
      end_time: 3000,
      gross_return: -0.125,
      cost: 0,
      return: -0.125,
      turnover: 1,
      gross_exposure: 1,
      net_exposure: 0,
      equity: 0.875,
      drawdown: -0.125,
    },
    {
      end_time: 4000,
      gross_return: 0.375,
      cost: 0,
      return: 0.375,
      turnover: 16 / 7,
      gross_exposure: 1,
      net_exposure: 0,
      equity: 1.203125,
      drawdown: 0,
    },
  ]);
  assert.equal(bt.weights.length, 12); // same decisions as with lag 1
});

// One decision time: signal A -1, B 0, C 3; a second bar with no signal so
// that only t1 has weights.
const ONE_SLICE = panel(
  ["A", "B", "C"],
  [[-1, 0, 3], [null, null, null]],
  [[64, 64, 64], [64, 64, 64]],
);

function sliceWeights(options: Partial<RefBacktestOptions>): number[] {
  const bt = referenceBacktest(ONE_SLICE, { ...BACKTEST_DEFAULTS, ...options });
  assert.deepEqual(bt.weights.map((r) => r.symbol), ["A", "B", "C"]);
  assert.ok(bt.weights.every((r) => r.end_time === 1000));
  return bt.weights.map((r) => r.weight);
}

Deno.test("each normalizer with market-neutral allocation", () => {
  // raw: mean 2/3, d = (-5/3, -2/3, 7/3), Σ|d| = 14/3 -> (-5/14, -1/7, 1/2)
  assertClose(sliceWeights({ normalize: "raw" }), [-5 / 14, -1 / 7, 1 / 2]);
  // rank: x = (1/3, 2/3, 1), d = (-1/3, 0, 1/3), Σ|d| = 2/3 -> (-1/2, 0, 1/2)
  assertClose(sliceWeights({ normalize: "rank" }), [-0.5, 0, 0.5]);
  // zscore and minmax are affine maps of the signal, so after demeaning and
  // scaling to Σ|w| = 1 they equal raw; minmax explicitly: x = (s+1)/4 =
  // (0, 1/4, 1), mean 5/12, d = (-5, -2, 7)/12, Σ|d| = 14/12
  assertClose(sliceWeights({ normalize: "zscore" }), [-5 / 14, -1 / 7, 1 / 2]);
  assertClose(sliceWeights({ normalize: "minmax" }), [-5 / 14, -1 / 7, 1 / 2]);
});

Deno.test("each normalizer with long-only allocation", () => {
  const lo = { allocate: "long-only" } as const;
  // raw: max(x,0) = (0, 0, 3) -> (0, 0, 1)
  assertClose(sliceWeights({ ...lo, normalize: "raw" }), [0, 0, 1]);
  // rank: (1/3, 2/3, 1), Σ = 2 -> (1/6, 1/3, 1/2)
  assertClose(sliceWeights({ ...lo, normalize: "rank" }), [1 / 6, 1 / 3, 0.5]);
  // gross 2 doubles them: (1/3, 2/3, 1)
  assertClose(
    sliceWeights({ ...lo, normalize: "rank", gross: 2 }),
    [1 / 3, 2 / 3, 1],
  );
  // zscore: mean 2/3, std = sqrt((25+4+49)/9/2) = sqrt(13/3);
  //   z = (-5/3, -2/3, 7/3)/std -> only C positive -> (0, 0, 1)
  assertClose(sliceWeights({ ...lo, normalize: "zscore" }), [0, 0, 1]);
  // minmax: (0, 1/4, 1), Σ = 5/4 -> (0, 1/5, 4/5)
  assertClose(sliceWeights({ ...lo, normalize: "minmax" }), [0, 0.2, 0.8]);
});

Deno.test("top-n goes long the best and short the worst, ties by symbol", () => {
  // 3 symbols, topN 1: n' = min(1, floor(3/2)) = 1; order C, B, A ->
  //   C +1/2, A -1/2 (any normalizer: all are monotone)
  for (const normalize of ["raw", "rank", "zscore", "minmax"] as const) {
    assertClose(
      sliceWeights({ allocate: "top-n", topN: 1, normalize }),
      [-0.5, 0, 0.5],
    );
  }
  // 4 symbols, signals A 1, B 1, C 1, D 2; order by x desc then symbol asc:
  //   D, A, B, C. topN 1 -> D +0.5, C -0.5 (the last one)
  //   topN 5 -> n' = min(5, 2) = 2 -> D, A +0.25; B, C -0.25
  const rows = panel(
    ["A", "B", "C", "D"],
    [[1, 1, 1, 2], [null, null, null, null]],
    [[1, 1, 1, 1], [1, 1, 1, 1]],
  );
  const weights = (topN: number) =>
    referenceBacktest(rows, {
      ...BACKTEST_DEFAULTS,
      normalize: "raw",
      allocate: "top-n",
      topN,
    }).weights.map((r) => r.weight);
  assertClose(weights(1), [0, 0, -0.5, 0.5]);
  assertClose(weights(5), [0.25, -0.25, -0.25, 0.25]);
});

Deno.test("maxPosition clips and maxNet scales only the excess side", () => {
  // raw / long-only on (0, 1, 3): Σ = 4 -> (0, 0.25, 0.75)
  const rows = panel(
    ["A", "B", "C"],
    [[0, 1, 3], [null, null, null]],
    [[1, 1, 1], [1, 1, 1]],
  );
  const lo = {
    ...BACKTEST_DEFAULTS,
    normalize: "raw",
    allocate: "long-only",
  } as const;
  const weights = (options: RefBacktestOptions, r = rows) =>
    referenceBacktest(r, options).weights.map((x) => x.weight);
  // clip to 0.5: (0, 0.25, 0.5); the freed 0.25 is not redistributed
  assertClose(weights({ ...lo, maxPosition: 0.5 }), [0, 0.25, 0.5]);
  // net 1 > 0.4: positives × (0.4 - 0)/1 -> (0, 0.1, 0.3)
  assertClose(weights({ ...lo, maxNet: 0.4 }), [0, 0.1, 0.3]);

  // raw / market-neutral on (-1, 0, 3): (-5/14, -1/7, 1/2); clip 0.3 ->
  //   (-0.3, -1/7, 0.3), net = -1/7 < -0.1: negatives ×
  //   (-0.1 - 0.3)/(-0.3 - 1/7) = 0.4/(31/70) = 28/31
  //   -> A = -0.3·28/31 = -8.4/31, B = -4/31, C = 0.3 (net -0.1)
  const mn: RefBacktestOptions = {
    ...BACKTEST_DEFAULTS,
    normalize: "raw",
    maxPosition: 0.3,
    maxNet: 0.1,
  };
  assertClose(weights(mn, ONE_SLICE), [-8.4 / 31, -4 / 31, 0.3]);
  // raw / market-neutral on (0, -3, 1): mean -2/3, d = (2, -7, 5)/3,
  //   w = (1/7, -1/2, 5/14); clip 0.3 -> (1/7, -0.3, 0.3), net = 1/7 > 0.1:
  //   positives × (0.1 + 0.3)/(1/7 + 0.3) = 28/31 -> (4/31, -0.3, 8.4/31)
  const other = panel(
    ["A", "B", "C"],
    [[0, -3, 1], [null, null, null]],
    [[1, 1, 1], [1, 1, 1]],
  );
  assertClose(weights(mn, other), [
    4 / 31,
    -0.3,
    8.4 / 31,
  ]);
});

Deno.test("a missing price makes a symbol ineligible and the last price carries over", () => {
  // price A 64, -, 80, 100; B 64, 64, 48, 36; signal A 2, B 1 at every bar
  //   t1: w = (0.5, -0.5); t2: only B eligible -> x = (1), d = 0 -> no
  //   positions, B weight 0; t3, t4: (0.5, -0.5)
  //   r(A): t2 P̃ = 64 -> 64/64-1 = 0; t3 80/64-1 = 0.25; t4 100/80-1 = 0.25
  //   r(B): t2 0; t3 -0.25; t4 -0.25
  // j=t2: h = (.5,-.5), G = 0, τ = 1, drift (.5,-.5)
  // j=t3: h = w(t2) = (0,0), G = 0, τ = .5 + .5 = 1, exposures 0
  // j=t4: h = (.5,-.5), G = .125 + .125 = 0.25, τ = 1, E = 1.25
  const rows = panel(
    ["A", "B"],
    [[2, 1], [2, 1], [2, 1], [2, 1]],
    [[64, 64], [null, 64], [80, 48], [100, 36]],
  );
  const bt = referenceBacktest(rows, BACKTEST_DEFAULTS);
  const ret = (
    t: number,
    G: number,
    tau: number,
    gross: number,
    E: number,
  ) => ({
    end_time: t,
    gross_return: G,
    cost: 0,
    return: G,
    turnover: tau,
    gross_exposure: gross,
    net_exposure: 0,
    equity: E,
    drawdown: 0,
  });
  assertClose(bt.returns, [
    ret(2000, 0, 1, 1, 1),
    ret(3000, 0, 1, 0, 1),
    ret(4000, 0.25, 1, 1, 1.25),
  ]);
  assertClose(bt.weights, [
    { end_time: 1000, symbol: "A", weight: 0.5 },
    { end_time: 1000, symbol: "B", weight: -0.5 },
    { end_time: 2000, symbol: "B", weight: 0 },
    { end_time: 3000, symbol: "A", weight: 0.5 },
    { end_time: 3000, symbol: "B", weight: -0.5 },
    { end_time: 4000, symbol: "A", weight: 0.5 },
    { end_time: 4000, symbol: "B", weight: -0.5 },
  ]);

  // Without B's signal at t1 nothing is held until t3 (i0 = index 2): the
  // series is t4 only, weights start at t3.
  const later = rows.map((r) =>
    r.end_time === 1000 && r.symbol === "B" ? { ...r, factor: null } : r
  );
  const bt2 = referenceBacktest(later, BACKTEST_DEFAULTS);
  assertClose(bt2.returns, [ret(4000, 0.25, 1, 1, 1.25)]);
  assert.deepEqual(bt2.weights.map((r) => r.end_time), [
    3000,
    3000,
    4000,
    4000,
  ]);
});

Deno.test("a total loss zeroes the drifted holdings", () => {
  // one symbol, raw / long-only, gross 2 -> w = 2 every bar; costBps 10
  // price 64, 64, 32, 32 -> r = 0, -0.5, 0
  // j=t2: G = 0, τ = 2, C = 0.002, R = -0.002, E = 0.998, dd -0.002
  //   drift: 2·1/1 = 2
  // j=t3: G = 2·(-0.5) = -1, τ = |2-2| = 0, R = -1, E = 0, dd -1;
  //   1 + G = 0 -> drift all 0
  // j=t4: G = 0, τ = |2 - 0| = 2, C = 0.002, R = -0.002, E = 0, dd -1
  const rows = panel(
    ["A"],
    [[1], [1], [1], [1]],
    [[64], [64], [32], [32]],
  );
  const bt = referenceBacktest(rows, {
    ...BACKTEST_DEFAULTS,
    normalize: "raw",
    allocate: "long-only",
    gross: 2,
    costBps: 10,
  });
  const row = (t: number, G: number, tau: number, E: number, dd: number) => ({
    end_time: t,
    gross_return: G,
    cost: tau * 0.001,
    return: G - tau * 0.001,
    turnover: tau,
    gross_exposure: 2,
    net_exposure: 2,
    equity: E,
    drawdown: dd,
  });
  assertClose(bt.returns, [
    row(2000, 0, 2, 0.998, -0.002),
    row(3000, -1, 0, 0, -1),
    row(4000, 0, 2, 0, -1),
  ]);
});

Deno.test("degenerate slices have no positions and an empty backtest", () => {
  const none = { returns: [], weights: [], rebalances: 0 };
  // no signal at all
  const empty = panel(["A", "B"], [[null, null], [null, null]], [[1, 1], [
    1,
    1,
  ]]);
  assert.deepEqual(referenceBacktest(empty, BACKTEST_DEFAULTS), none);
  // equal signals: minmax max - min = 0; zscore std = 0; market-neutral d = 0
  const flat = panel(["A", "B"], [[3, 3], [3, 3]], [[1, 1], [1, 1]]);
  for (const normalize of ["raw", "rank", "zscore", "minmax"] as const) {
    assert.deepEqual(
      referenceBacktest(flat, { ...BACKTEST_DEFAULTS, normalize }),
      none,
    );
  }
  // one eligible symbol: zscore needs n >= 2; top-n has n' = floor(1/2) = 0
  const single = panel(["A"], [[1], [2]], [[1], [1]]);
  assert.deepEqual(
    referenceBacktest(single, {
      ...BACKTEST_DEFAULTS,
      normalize: "zscore",
      allocate: "long-only",
    }),
    none,
  );
  assert.deepEqual(
    referenceBacktest(single, { ...BACKTEST_DEFAULTS, allocate: "top-n" }),
    none,
  );
  // maxPosition 0 clips every weight to 0
  assert.deepEqual(
    referenceBacktest(PANEL_M, { ...BACKTEST_DEFAULTS, maxPosition: 0 }),
    none,
  );
  assert.throws(() =>
    referenceBacktest(PANEL_M, { ...BACKTEST_DEFAULTS, lag: 0 })
  );
});

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

Deno.test("every metric of [0.1, -0.05, 0.02, -0.1, 0.03] at 252 periods a year", () => {
  const m = referenceMetrics([0.1, -0.05, 0.02, -0.1, 0.03], 252);
  assert.deepEqual(Object.keys(m), [...METRIC_KEYS]);
  // Equity: 1, 1.1, 1.045, 1.0659, 0.95931, 0.9880893
  // total = 0.9880893 - 1 = -0.0119107
  // annual = 0.9880893^(252/5) - 1 ≈ -0.453326
  // mean = 0 (0.1-0.05+0.02-0.1+0.03); Σ R² = .01+.0025+.0004+.01+.0009
  //   = 0.0238, std = sqrt(0.0238/4) -> vol = sqrt(0.00595·252) = √1.4994
  // sharpe = 0; DD = sqrt((0.0025+0.01)/5) = 0.05 -> sortino = 0
  // drawdowns vs the peak 1.1 (t=1): t2 -0.05, t3 -0.031, t4 0.95931/1.1-1
  //   = -0.1279, t5 -0.101737: max_drawdown -0.1279 at t* = 4, peak p = 1,
  //   never back to 1.1 -> duration n - p = 5 - 1 = 4
  // calmar = annual / 0.1279
  // sorted (-0.1, -0.05, 0.02, 0.03, 0.1): h = 4·0.05 = 0.2
  //   var = -0.1 + 0.2·(0.05) = -0.09; cvar = mean(R <= -0.09) = -0.1
  // win rate 3/5; profit factor (0.1+0.02+0.03)/0.15 = 1
  const annual = Math.pow(0.9880893, 252 / 5) - 1;
  assertClose(m, {
    total_return: -0.0119107,
    annual_return: annual,
    annual_volatility: Math.sqrt(1.4994),
    sharpe: 0,
    sortino: 0,
    max_drawdown: -0.1279,
    max_drawdown_duration: 4,
    calmar: annual / 0.1279,
    var_95: -0.09,
    cvar_95: -0.1,
    win_rate: 0.6,
    profit_factor: 1,
    n: 5,
  });
});

Deno.test("every metric of a series that recovers from its drawdown", () => {
  const m = referenceMetrics([0.05, -0.1, 0.2, -0.05, 0], 252);
  // Equity: 1, 1.05, 0.945, 1.134, 1.0773, 1.0773; total = 0.0773
  // mean = 0.1/5 = 0.02; deviations (.03, -.12, .18, -.07, -.02),
  //   Σ² = .0009+.0144+.0324+.0049+.0004 = 0.053, var = 0.01325
  //   vol = sqrt(0.01325·252) = √3.339; sharpe = 0.02/√0.01325·√252
  // DD = sqrt((0.01 + 0.0025)/5) = 0.05 -> sortino = 0.02/0.05·√252 = 0.4√252
  // drawdowns: t2 0.945/1.05-1 = -0.1, t4 1.0773/1.134-1 = -0.05, t5 -0.05
  //   trough t* = 2, peak p = 1, recovery t = 3 (1.134 >= 1.05) -> 3-1 = 2
  // sorted (-0.1, -0.05, 0, 0.05, 0.2): var = -0.1 + 0.2·0.05 = -0.09,
  //   cvar = -0.1; win rate 2/4 (the 0 is neither); profit 0.25/0.15 = 5/3
  const annual = Math.pow(1.0773, 252 / 5) - 1;
  assertClose(m, {
    total_return: 0.0773,
    annual_return: annual,
    annual_volatility: Math.sqrt(3.339),
    sharpe: (0.02 / Math.sqrt(0.01325)) * Math.sqrt(252),
    sortino: 0.4 * Math.sqrt(252),
    max_drawdown: -0.1,
    max_drawdown_duration: 2,
    calmar: annual / 0.1,
    var_95: -0.09,
    cvar_95: -0.1,
    win_rate: 0.5,
    profit_factor: 5 / 3,
    n: 5,
  });
});

Deno.test("drawdown duration takes the first trough and the last equal peak", () => {
  // [0.1, 0, -0.1, 0.2]: E 1, 1.1, 1.1, 0.99, 1.188; trough t* = 3
  //   (0.99/1.1 - 1 = -0.1); last peak with E = 1.1 is u = 2; recovery t = 4
  //   -> duration 4 - 2 = 2
  const a = referenceMetrics([0.1, 0, -0.1, 0.2], 12);
  assertClose(a.max_drawdown, -0.1);
  assert.equal(a.max_drawdown_duration, 2);
  // [-0.5, 1, -0.5]: E 1, 0.5, 1, 0.5; drawdowns -0.5, 0, -0.5; the FIRST
  //   trough t* = 1, peak p = 0, recovery t = 2 -> duration 2
  //   (the last trough would give peak 2, never recovered: 3 - 2 = 1)
  const b = referenceMetrics([-0.5, 1, -0.5], 12);
  assertClose(b.max_drawdown, -0.5);
  assert.equal(b.max_drawdown_duration, 2);
});

Deno.test("metrics edge cases: empty, single, all-zero, only gains, total loss", () => {
  // n = 0: everything null, n = 0
  const empty = referenceMetrics([], 252);
  for (const key of METRIC_KEYS) {
    assert.equal(empty[key], key === "n" ? 0 : null, key);
  }
  // [0.05]: no std (n < 2), DD = 0, no drawdown; var = cvar = 0.05
  assertClose(referenceMetrics([0.05], 252), {
    total_return: 0.05,
    annual_return: Math.pow(1.05, 252) - 1,
    annual_volatility: null,
    sharpe: null,
    sortino: null,
    max_drawdown: 0,
    max_drawdown_duration: 0,
    calmar: null,
    var_95: 0.05,
    cvar_95: 0.05,
    win_rate: 1,
    profit_factor: Infinity,
    n: 1,
  });
  // all zero: std 0 -> sharpe null; no gains or losses -> win/profit null
  assertClose(referenceMetrics([0, 0, 0], 252), {
    total_return: 0,
    annual_return: 0,
    annual_volatility: 0,
    sharpe: null,
    sortino: null,
    max_drawdown: 0,
    max_drawdown_duration: 0,
    calmar: null,
    var_95: 0,
    cvar_95: 0,
    win_rate: null,
    profit_factor: null,
    n: 3,
  });
  // [0.5, -1, 0.2]: 1 + total = 1.5·0·1.2 = 0 -> annual = -1
  //   E 1, 1.5, 0, 0: max_drawdown -1 at t* = 2, peak 1, never recovered
  //   -> duration 3 - 1 = 2; calmar = -1/1 = -1
  //   sorted (-1, 0.2, 0.5): h = 0.1 -> var = -1 + 0.1·1.2 = -0.88, cvar -1
  const loss = referenceMetrics([0.5, -1, 0.2], 252);
  assertClose(loss.total_return, -1);
  assertClose(loss.annual_return, -1);
  assertClose(loss.max_drawdown, -1);
  assert.equal(loss.max_drawdown_duration, 2);
  assertClose(loss.calmar, -1);
  assertClose(loss.var_95, -0.88);
  assertClose(loss.cvar_95, -1);
  assertClose(loss.win_rate, 2 / 3);
  assertClose(loss.profit_factor, 0.7);
});

Deno.test("var_95 interpolates at h = (n-1)·0.05 like numpy", () => {
  // n = 21: h = 1 exactly -> the second smallest value
  const r = Array.from({ length: 21 }, (_, i) => (i - 10) / 100);
  const m = referenceMetrics(r, 252);
  assertClose(m.var_95, -0.09);
  // cvar = mean(-0.10, -0.09) = -0.095
  assertClose(m.cvar_95, -0.095);
  // n = 11: h = 0.5 -> midway between -0.10 and -0.08
  const m2 = referenceMetrics(
    Array.from({ length: 11 }, (_, i) => (i - 5) / 50),
    252,
  );
  assertClose(m2.var_95, -0.09);
  assertClose(m2.cvar_95, -0.1);
});
