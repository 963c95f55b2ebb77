/**
 * Plain-loop reference for the factor operators (scratch/ops_spec.md).
 *
 * This file is test support only. It is deliberately slow and simple: every
 * operator is a loop over arrays with a comment saying which rule it
 * implements, so that it can be read and trusted on its own and then used to
 * check the real implementation. For every windowed operator the window's
 * values are gathered into a fresh array and the result is computed from
 * scratch (two passes for variance / covariance: first the mean, then the
 * squared deviations). No Polars, no running sums, no clever algorithms.
 *
 * Rules implemented by reference() (the specification):
 *
 * Data model
 *   D1. A panel is a set of rows; each row has `symbol`, `end_time` (epoch ms)
 *       and numeric or string columns. Row order is NOT relied on: rows are
 *       grouped explicitly (per symbol for time series, per end_time for cross
 *       sections).
 *   D2. A series is an array aligned with the panel rows, (number | null)[];
 *       null means missing.
 *   D3. Reading a column: NaN and +-Infinity in the data become null. (A
 *       series handed to an operator is read the same way.)
 *   D4. FINAL RULE: every value an operator returns is a finite number or
 *       null; any NaN or +-Infinity a formula produces becomes null. (This
 *       file also turns -0 into 0 so that results compare cleanly.)
 *   D5. EPS = 1e-10.
 *
 * Time-series operators (per symbol)
 *   W1. Per symbol, rows are ordered by end_time, stably: rows with equal
 *       end_time keep their panel order.
 *   W2. The window of length w at row t is the last w rows of t's symbol up to
 *       and including t (row-based, not time-based). x_1 is the oldest value,
 *       x_w the current one (= x_t); m = (sum x_i) / w.
 *   W3. Strict windows: the result is null unless t has at least w - 1
 *       earlier rows of its symbol AND every value in the window is non-null
 *       (two-input operators: both inputs non-null in every row).
 *   W4. Windows never cross symbols.
 *   W5. w is a positive integer; some operators need more (stated below).
 *       Anything else throws a RangeError.
 *
 *   TS1.  ts_sum = sum x_i;  ts_mean = m
 *   TS2.  ts_median = median (even w: average of the two middle values)
 *   TS3.  ts_var (w >= 2) = sum (x_i - m)^2 / (w - 1), two-pass;
 *         ts_std = sqrt(ts_var)
 *   TS4.  ts_min, ts_max;  ts_product = product of x_i
 *   TS5.  ts_argmax = number of rows between the window's maximum and t (0
 *         when the current value is the maximum). Ties: the OLDEST occurrence
 *         counts (the largest distance). ts_argmin likewise for the minimum.
 *   TS6.  ts_rank = (L + (E + 1) / 2) / w, L = #{i: x_i < x_t},
 *         E = #{i: x_i == x_t} (E includes x_t itself).
 *   TS7.  ts_scale = (x_t - min) / (max - min); null when max - min <= EPS.
 *   TS8.  ts_zscore (w >= 2) = (x_t - m) / ts_std; null when ts_std <= EPS.
 *   TS9.  ts_quantile(x, w, dist): u = ts_rank - 1 / (2w);
 *         normal: inverse standard-normal CDF of u; uniform: u;
 *         cauchy: tan(pi (u - 0.5)). Default dist: normal.
 *   TS10. ts_skew (w >= 3): m2 = sum (x_i - m)^2 / w, m3 = sum (x_i - m)^3 / w,
 *         g1 = m3 / m2^1.5, result = g1 sqrt(w (w - 1)) / (w - 2);
 *         null when ts_std <= EPS.
 *   TS11. ts_kurt (w >= 4): m4 = sum (x_i - m)^4 / w, g2 = m4 / m2^2 - 3,
 *         result = ((w + 1) g2 + 6) (w - 1) / ((w - 2)(w - 3));
 *         null when ts_std <= EPS.
 *   TS12. ts_shift(x, k), k integer: the value k rows earlier for the same
 *         symbol (null when there is no such row); k < 0: |k| rows later;
 *         k = 0: x.
 *   TS13. ts_delta(x, k), k >= 1: x_t - ts_shift(x, k).
 *   TS14. ts_pct_change(x, k), k >= 1: x_t / ts_shift(x, k) - 1; null when the
 *         shifted value is 0.
 *   TS15. ts_cov (w >= 2) = sum (x_i - mx)(y_i - my) / (w - 1), two-pass.
 *   TS16. ts_corr (w >= 2) = ts_cov / (sx sy), sx, sy = ts_std of x, y;
 *         null when sx <= EPS or sy <= EPS.
 *   TS17. ts_beta(y, x, w) (w >= 2) = ts_cov(y, x) / ts_var(x);
 *         ts_alpha = my - beta mx; ts_resid = y_t - (alpha + beta x_t);
 *         all three null when ts_std(x) <= EPS.
 *   TS18. ts_cv (w >= 2) = ts_std / m; null when |m| <= EPS.
 *   TS19. ts_autocorr(x, w, lag = 1), lag >= 1: ts_corr(x, ts_shift(x, lag), w).
 *   TS20. ts_decay_linear = sum_{i=1..w} i x_i / (w (w + 1) / 2) (newest value
 *         weight w, oldest weight 1).
 *   TS21. ts_ema(x, w): alpha = 2 / (w + 1). Per symbol, walk the rows in time
 *         order keeping a run: a null input ends the run (result null at that
 *         row). The first non-null value of a run seeds e = x; each later
 *         non-null value of the run updates e = alpha x + (1 - alpha) e. The
 *         result is e when the run holds at least w values (including the
 *         current one), else null.
 *   TS22. ts_step(x) = 1-based row number of the row within its symbol,
 *         whatever x holds.
 *
 * Cross-section operators (per end_time)
 *   C1. Rows are grouped by end_time. Within a group only rows with non-null x
 *       take part; rows with null x get null (except cs_mean / cs_median).
 *       n = number of non-null values in the group.
 *   C2. cs_rank = (1 + #{values < x}) / n (rank "min").
 *   C3. cs_zscore = (x - mean) / std, std with ddof 1; null for the whole group
 *       when n < 2 or std <= EPS.
 *   C4. cs_demean = x - mean.
 *   C5. cs_scale(x, a = 1) = a x / sum |x|; null when sum |x| <= EPS.
 *   C6. cs_winsorize(x, lower = 0.05, upper = 0.95): clip x into
 *       [q(lower), q(upper)], q(p) = linear-interpolation quantile of the
 *       group's non-null values: sorted v_0..v_{n-1}, position p (n - 1),
 *       interpolate between the neighbouring order statistics (numpy default).
 *   C7. cs_neutralize(y, x): pairs = rows where y and x are both non-null;
 *       my, mx = means over the pairs; sxx = sum (x - mx)^2,
 *       sxy = sum (x - mx)(y - my); beta = sxy / sxx, except beta = 0 when
 *       there are fewer than 2 pairs or the std (ddof 1) of the pairs' x is
 *       <= EPS; result on pair rows = (y - my) - beta (x - mx); null elsewhere.
 *   C8. group_neutralize(y, g), g a string column of the panel: groups are
 *       (end_time, g); result = y - mean of the non-null y of its group; null
 *       where y or g is null.
 *   C9. cs_mean, cs_median: mean / median (even count: average of the two
 *       middle values) of the group's non-null x, given to EVERY row of the
 *       group (also rows where x is null); null when the group has no non-null
 *       x.
 *
 * Element-wise operators (null in any input gives null unless stated)
 *   E1. add, sub, mul: x + y, x - y, x * y (y a series or a number).
 *   E2. div = x / y; null when y == 0.
 *   E3. neg = -x; abs; sign in {-1, 0, 1}.
 *   E4. log = natural log, null when x <= 0; sqrt, null when x < 0; exp.
 *   E5. pow(x, p) = x ** p (p a series or number); NaN / Infinity results
 *       (negative base with fractional exponent, 0 ** negative, overflow)
 *       become null (D4).
 *   E6. signed_pow(x, p) = sign(x) * |x| ** p.
 *   E7. inverse = 1 / x; null when x == 0.
 *   E8. min(x, y), max(x, y): element-wise with a series or a number.
 *   E9. clip(x, lo, hi) = min(max(x, lo), hi), numbers lo <= hi.
 *   E10. gt, ge, lt, le, eq, ne: 1 when true, 0 when false.
 *   E11. and = 1 if x != 0 and y != 0 else 0; or = 1 if x != 0 or y != 0
 *        else 0; not = 1 if x == 0 else 0.
 *   E12. where(x, cond, other = null): x where cond != 0, other where
 *        cond == 0, null where cond is null.
 *   E13. if_else(cond, a, b): a where cond != 0, b where cond == 0, null where
 *        cond is null (a or b may be numbers).
 *   E14. lit(value): the constant series (not in the spec; handy for alphas).
 *
 * The formula-language names of the spec (rank, delay, adv{d}, min(x, d) with
 * a number d = ts_min, flooring of non-integer windows, ...) belong to the
 * formula layer and are NOT implemented here: compose them from the
 * operators above (e.g. returns = ts_pct_change(col("close"), 1)).
 */

/** A series: one value per panel row; null means missing (D2). */
export type Series = (number | null)[];

/** The second argument of element-wise operators: a series or a number. */
export type Operand = Series | number;

/** Distributions of ts_quantile (TS9). */
export type QuantileDist = "normal" | "uniform" | "cauchy";

/** The rows of a panel (D1). */
export interface Panel {
  /** one entry per row */
  symbol: string[];
  /** epoch ms, one per row */
  end_time: number[];
  /** numeric or string columns, aligned with rows */
  columns: Record<string, (number | string | null)[]>;
}

/** D5. */
export const EPS = 1e-10;

/** Every operator of scratch/ops_spec.md, bound to one panel. */
export interface Reference {
  /** Numeric column; NaN / +-Infinity become null (D3). Throws if missing. */
  col(name: string): Series;

  // ---- time series (per symbol, strict windows W1-W5) ----
  /** TS1 */
  ts_sum(x: Series, w: number): Series;
  /** TS1 */
  ts_mean(x: Series, w: number): Series;
  /** TS2 */
  ts_median(x: Series, w: number): Series;
  /** TS3, w >= 2 */
  ts_var(x: Series, w: number): Series;
  /** TS3, w >= 2 */
  ts_std(x: Series, w: number): Series;
  /** TS4 */
  ts_min(x: Series, w: number): Series;
  /** TS4 */
  ts_max(x: Series, w: number): Series;
  /** TS4 */
  ts_product(x: Series, w: number): Series;
  /** TS5 */
  ts_argmax(x: Series, w: number): Series;
  /** TS5 */
  ts_argmin(x: Series, w: number): Series;
  /** TS6 */
  ts_rank(x: Series, w: number): Series;
  /** TS7 */
  ts_scale(x: Series, w: number): Series;
  /** TS8, w >= 2 */
  ts_zscore(x: Series, w: number): Series;
  /** TS10, w >= 3 */
  ts_skew(x: Series, w: number): Series;
  /** TS11, w >= 4 */
  ts_kurt(x: Series, w: number): Series;
  /** TS18, w >= 2 */
  ts_cv(x: Series, w: number): Series;
  /** TS20 */
  ts_decay_linear(x: Series, w: number): Series;
  /** TS21 */
  ts_ema(x: Series, w: number): Series;
  /** TS9; dist defaults to "normal" */
  ts_quantile(x: Series, w: number, dist?: QuantileDist): Series;
  /** TS12, k any integer */
  ts_shift(x: Series, k: number): Series;
  /** TS13, k >= 1 */
  ts_delta(x: Series, k: number): Series;
  /** TS14, k >= 1 */
  ts_pct_change(x: Series, k: number): Series;
  /** TS15, w >= 2 */
  ts_cov(x: Series, y: Series, w: number): Series;
  /** TS16, w >= 2 */
  ts_corr(x: Series, y: Series, w: number): Series;
  /** TS17: regress y on x, w >= 2 */
  ts_beta(y: Series, x: Series, w: number): Series;
  /** TS17 */
  ts_alpha(y: Series, x: Series, w: number): Series;
  /** TS17 */
  ts_resid(y: Series, x: Series, w: number): Series;
  /** TS19, w >= 2, lag >= 1 (default 1) */
  ts_autocorr(x: Series, w: number, lag?: number): Series;
  /** TS22 */
  ts_step(x: Series): Series;

  // ---- cross section (per end_time, C1-C9) ----
  /** C2 */
  cs_rank(x: Series): Series;
  /** C3 */
  cs_zscore(x: Series): Series;
  /** C4 */
  cs_demean(x: Series): Series;
  /** C9 */
  cs_mean(x: Series): Series;
  /** C9 */
  cs_median(x: Series): Series;
  /** C5; a defaults to 1 */
  cs_scale(x: Series, a?: number): Series;
  /** C6; defaults 0.05, 0.95 */
  cs_winsorize(x: Series, lower?: number, upper?: number): Series;
  /** C7 */
  cs_neutralize(y: Series, x: Series): Series;
  /** C8; groupColumn names a string column of the panel */
  group_neutralize(y: Series, groupColumn: string): Series;

  // ---- element-wise (E1-E14) ----
  /** E1 */
  add(x: Series, y: Operand): Series;
  /** E1 */
  sub(x: Series, y: Operand): Series;
  /** E1 */
  mul(x: Series, y: Operand): Series;
  /** E2 */
  div(x: Series, y: Operand): Series;
  /** E5 */
  pow(x: Series, p: Operand): Series;
  /** E8 */
  min(x: Series, y: Operand): Series;
  /** E8 */
  max(x: Series, y: Operand): Series;
  /** E10 */
  gt(x: Series, y: Operand): Series;
  /** E10 */
  ge(x: Series, y: Operand): Series;
  /** E10 */
  lt(x: Series, y: Operand): Series;
  /** E10 */
  le(x: Series, y: Operand): Series;
  /** E10 */
  eq(x: Series, y: Operand): Series;
  /** E10 */
  ne(x: Series, y: Operand): Series;
  /** E11 */
  and(x: Series, y: Operand): Series;
  /** E11 */
  or(x: Series, y: Operand): Series;
  /** E3 */
  neg(x: Series): Series;
  /** E3 */
  abs(x: Series): Series;
  /** E3 */
  sign(x: Series): Series;
  /** E4 */
  log(x: Series): Series;
  /** E4 */
  sqrt(x: Series): Series;
  /** E4 */
  exp(x: Series): Series;
  /** E7 */
  inverse(x: Series): Series;
  /** E11 */
  not(x: Series): Series;
  /** E6 */
  signed_pow(x: Series, p: number): Series;
  /** E9 */
  clip(x: Series, lo: number, hi: number): Series;
  /** E12; other defaults to null */
  where(x: Series, cond: Series, other?: Operand | null): Series;
  /** E13 */
  if_else(cond: Series, a: Operand, b: Operand): Series;
  /** E14 */
  lit(value: number): Series;
}

// ---------------------------------------------------------------------------
// Small numeric helpers (plain loops over plain arrays)
// ---------------------------------------------------------------------------

/** D4: non-finite -> null; also -0 -> 0. */
function finish(v: number | null): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return v === 0 ? 0 : v;
}

function sumOf(v: number[]): number {
  let s = 0;
  for (const a of v) s += a;
  return s;
}

function meanOf(v: number[]): number {
  return sumOf(v) / v.length;
}

/** Two-pass sample variance (ddof 1): mean first, then squared deviations. */
function varianceOf(v: number[]): number {
  const m = meanOf(v);
  let ss = 0;
  for (const a of v) ss += (a - m) * (a - m);
  return ss / (v.length - 1);
}

/** Two-pass sample covariance (ddof 1). */
function covarianceOf(x: number[], y: number[]): number {
  const mx = meanOf(x);
  const my = meanOf(y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - mx) * (y[i] - my);
  return s / (x.length - 1);
}

/** Median; even count: average of the two middle values (TS2, C9). */
function medianOf(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  if (n % 2 === 1) return s[(n - 1) / 2];
  return (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * C6: linear-interpolation quantile of `sorted` (ascending, non-empty):
 * position p (n - 1), then interpolate between the two neighbours.
 */
function quantileLinear(sorted: number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

/** TS6 on one window (current value = last entry). */
function rankInWindow(v: number[]): number {
  const xt = v[v.length - 1];
  let less = 0; // L
  let equal = 0; // E, includes x_t itself
  for (const a of v) {
    if (a < xt) less++;
    else if (a === xt) equal++;
  }
  return (less + (equal + 1) / 2) / v.length;
}

// ---------------------------------------------------------------------------
// Normal distribution (TS9): an accurate erfc, then bisection on the CDF
// ---------------------------------------------------------------------------

/**
 * erfc(z) for z >= 0.
 *  - z < 1.5: erfc = 1 - erf with the all-positive-terms series
 *    erf(z) = 2/sqrt(pi) exp(-z^2) sum_{n>=0} (2z^2)^n z / (1*3*5*...*(2n+1))
 *    (no cancellation inside the sum; the absolute error of erfc is ~1e-16).
 *  - z >= 1.5: the continued fraction
 *    erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + (2/2)/(z + (3/2)/(z + ...))))
 *    evaluated bottom-up from a fixed depth (relative error ~1e-16).
 */
function erfcNonNegative(z: number): number {
  if (z < 1.5) {
    let term = z;
    let sum = z;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
  }
  let t = z;
  for (let n = 2000; n >= 1; n--) t = z + n / 2 / t;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / t;
}

/** Standard normal CDF: Phi(x) = erfc(-x / sqrt 2) / 2. */
export function normalCdf(x: number): number {
  if (x <= 0) return erfcNonNegative(-x / Math.SQRT2) / 2;
  return 1 - erfcNonNegative(x / Math.SQRT2) / 2;
}

/**
 * Inverse standard normal CDF for 0 < u < 1 (NaN otherwise).
 * Symmetry: for u > 1/2 the answer is -q(1 - u) (1 - u is exact there).
 * For u < 1/2 bisect on [-40, 0] (Phi(-40) underflows to 0 < u, Phi(0) = 1/2
 * > u) with the lower-tail CDF until the interval cannot shrink any more.
 */
export function normalQuantile(u: number): number {
  if (!(u > 0 && u < 1)) return NaN;
  if (u === 0.5) return 0;
  if (u > 0.5) return -normalQuantile(1 - u);
  let lo = -40;
  let hi = 0;
  for (let iter = 0; iter < 5000; iter++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (normalCdf(mid) < u) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------------------------------------------------------------------------
// Argument checks
// ---------------------------------------------------------------------------

function checkInteger(op: string, name: string, v: number, min: number) {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(
      `${op}: ${name} must be an integer >= ${min}, got ${v}`,
    );
  }
}

// ---------------------------------------------------------------------------
// reference()
// ---------------------------------------------------------------------------

/** All operators of the spec, bound to `panel`. */
export function reference(panel: Panel): Reference {
  const n = panel.symbol.length;

  // D1: check the panel's shape once.
  if (panel.end_time.length !== n) {
    throw new RangeError(
      `end_time has ${panel.end_time.length} values but symbol has ${n}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (typeof panel.symbol[i] !== "string") {
      throw new TypeError(`symbol[${i}] is not a string: ${panel.symbol[i]}`);
    }
    if (!Number.isFinite(panel.end_time[i])) {
      throw new TypeError(`end_time[${i}] is not finite: ${panel.end_time[i]}`);
    }
  }
  for (const [name, values] of Object.entries(panel.columns)) {
    if (values.length !== n) {
      throw new RangeError(
        `column ${name} has ${values.length} values but the panel has ${n} rows`,
      );
    }
  }

  // W1 + W4: the row indices of each symbol, in time order. Rows are pushed in
  // panel order and Array.prototype.sort is stable, so rows with equal
  // end_time keep their panel order.
  const symbolRows: number[][] = [];
  {
    const bySymbol = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      let rows = bySymbol.get(panel.symbol[i]);
      if (rows === undefined) {
        rows = [];
        bySymbol.set(panel.symbol[i], rows);
      }
      rows.push(i);
    }
    for (const rows of bySymbol.values()) {
      rows.sort((a, b) => panel.end_time[a] - panel.end_time[b]);
      symbolRows.push(rows);
    }
  }

  // C1: the row indices of each end_time (cross-section group).
  const timeRows: number[][] = [];
  {
    const byTime = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      let rows = byTime.get(panel.end_time[i]);
      if (rows === undefined) {
        rows = [];
        byTime.set(panel.end_time[i], rows);
      }
      rows.push(i);
    }
    for (const rows of byTime.values()) timeRows.push(rows);
  }

  /** D3: a series as read by an operator: non-finite -> null. */
  function read(x: Series, what: string): (number | null)[] {
    if (!Array.isArray(x) || x.length !== n) {
      throw new RangeError(
        `${what}: expected a series of ${n} values, got ${
          Array.isArray(x) ? x.length : typeof x
        }`,
      );
    }
    const out: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (v === null) out.push(null);
      else if (typeof v === "number") out.push(Number.isFinite(v) ? v : null);
      else throw new TypeError(`${what}: value ${i} is not a number: ${v}`);
    }
    return out;
  }

  /** A series or a number, as a per-row lookup (numbers: every row). */
  function readOperand(y: Operand | null, what: string): (number | null)[] {
    if (y === null) return new Array<number | null>(n).fill(null);
    if (typeof y === "number") {
      return new Array<number | null>(n).fill(Number.isFinite(y) ? y : null);
    }
    return read(y, what);
  }

  /** D4 applied to a whole result. */
  function finishAll(out: (number | null)[]): Series {
    return out.map(finish);
  }

  /**
   * W2-W4: for each row t, gather the window of each input (last w rows of
   * t's symbol, oldest first) into a fresh array and call f; null when the
   * window is incomplete or holds a null (W3).
   */
  function rolling(
    op: string,
    inputs: Series[],
    w: number,
    minW: number,
    f: (windows: number[][]) => number | null,
  ): Series {
    checkInteger(op, "w", w, minW); // W5
    const xs = inputs.map((s, k) => read(s, `${op} input ${k + 1}`));
    const out: (number | null)[] = new Array(n).fill(null);
    for (const rows of symbolRows) { // W4: one symbol at a time
      for (let p = 0; p < rows.length; p++) {
        // W3: t needs at least w - 1 earlier rows of its symbol.
        if (p < w - 1) continue;
        const windows: number[][] = [];
        let complete = true;
        for (const x of xs) {
          const values: number[] = [];
          for (let q = p - w + 1; q <= p; q++) { // W2: oldest ... current
            const v = x[rows[q]];
            if (v === null) complete = false; // W3: a null in the window
            else values.push(v);
          }
          windows.push(values);
        }
        if (complete) out[rows[p]] = f(windows);
      }
    }
    return finishAll(out);
  }

  /** rolling() for one input. */
  function rolling1(
    op: string,
    x: Series,
    w: number,
    minW: number,
    f: (v: number[]) => number | null,
  ): Series {
    return rolling(op, [x], w, minW, (ws) => f(ws[0]));
  }

  /** TS12: per symbol, the value k rows earlier (k < 0: later). */
  function shift(op: string, x: Series, k: number): Series {
    const xs = read(x, op);
    const out: (number | null)[] = new Array(n).fill(null);
    for (const rows of symbolRows) { // W4: never cross symbols
      for (let p = 0; p < rows.length; p++) {
        const q = p - k;
        if (q >= 0 && q < rows.length) out[rows[p]] = xs[rows[q]];
      }
    }
    return finishAll(out);
  }

  /** TS16: ts_cov / (sx sy); null when sx <= EPS or sy <= EPS. */
  function tsCorr(op: string, x: Series, y: Series, w: number): Series {
    return rolling(op, [x, y], w, 2, ([xv, yv]) => {
      const sx = Math.sqrt(varianceOf(xv));
      const sy = Math.sqrt(varianceOf(yv));
      if (sx <= EPS || sy <= EPS) return null;
      return covarianceOf(xv, yv) / (sx * sy);
    });
  }

  /** TS17: [alpha, beta] of y on x for one window, or null (std(x) <= EPS). */
  function regression(y: number[], x: number[]): [number, number] | null {
    if (Math.sqrt(varianceOf(x)) <= EPS) return null;
    const beta = covarianceOf(y, x) / varianceOf(x);
    const alpha = meanOf(y) - beta * meanOf(x);
    return [alpha, beta];
  }

  /** E*: element-wise with null in any input -> null. */
  function unary(op: string, x: Series, f: (a: number) => number | null) {
    const xs = read(x, op);
    const out: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      const a = xs[i];
      out.push(a === null ? null : f(a));
    }
    return finishAll(out);
  }

  function binary(
    op: string,
    x: Series,
    y: Operand,
    f: (a: number, b: number) => number | null,
  ): Series {
    const xs = read(x, `${op} x`);
    const ys = readOperand(y, `${op} y`);
    const out: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      const a = xs[i];
      const b = ys[i];
      out.push(a === null || b === null ? null : f(a, b));
    }
    return finishAll(out);
  }

  /** C1: the rows of one end_time group whose x is non-null, and the values. */
  function present(rows: number[], xs: (number | null)[]) {
    const at: number[] = [];
    const values: number[] = [];
    for (const r of rows) {
      const v = xs[r];
      if (v !== null) {
        at.push(r);
        values.push(v);
      }
    }
    return { at, values };
  }

  return {
    col(name: string): Series {
      const values = panel.columns[name];
      if (values === undefined) throw new Error(`no column ${name}`);
      const out: Series = [];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null) out.push(null);
        else if (typeof v === "number") out.push(finish(v)); // D3
        else {throw new TypeError(
            `column ${name} is not numeric: row ${i} = ${v}`,
          );}
      }
      return out;
    },

    // ---- time series ----

    ts_sum: (x, w) => rolling1("ts_sum", x, w, 1, (v) => sumOf(v)), // TS1
    ts_mean: (x, w) => rolling1("ts_mean", x, w, 1, (v) => meanOf(v)), // TS1
    ts_median: (x, w) => rolling1("ts_median", x, w, 1, (v) => medianOf(v)), // TS2
    ts_var: (x, w) => rolling1("ts_var", x, w, 2, (v) => varianceOf(v)), // TS3
    ts_std: (x, w) =>
      rolling1("ts_std", x, w, 2, (v) => Math.sqrt(varianceOf(v))), // TS3

    // TS4
    ts_min: (x, w) =>
      rolling1("ts_min", x, w, 1, (v) => {
        let best = v[0];
        for (const a of v) if (a < best) best = a;
        return best;
      }),
    ts_max: (x, w) =>
      rolling1("ts_max", x, w, 1, (v) => {
        let best = v[0];
        for (const a of v) if (a > best) best = a;
        return best;
      }),
    ts_product: (x, w) =>
      rolling1("ts_product", x, w, 1, (v) => {
        let prod = 1;
        for (const a of v) prod *= a;
        return prod;
      }),

    // TS5: scan oldest -> newest, replace only on a STRICTLY better value, so
    // the oldest of tied extremes is kept; distance = (w - 1) - index.
    ts_argmax: (x, w) =>
      rolling1("ts_argmax", x, w, 1, (v) => {
        let at = 0;
        for (let i = 1; i < v.length; i++) if (v[i] > v[at]) at = i;
        return v.length - 1 - at;
      }),
    ts_argmin: (x, w) =>
      rolling1("ts_argmin", x, w, 1, (v) => {
        let at = 0;
        for (let i = 1; i < v.length; i++) if (v[i] < v[at]) at = i;
        return v.length - 1 - at;
      }),

    ts_rank: (x, w) => rolling1("ts_rank", x, w, 1, (v) => rankInWindow(v)), // TS6

    // TS7
    ts_scale: (x, w) =>
      rolling1("ts_scale", x, w, 1, (v) => {
        let lo = v[0];
        let hi = v[0];
        for (const a of v) {
          if (a < lo) lo = a;
          if (a > hi) hi = a;
        }
        if (hi - lo <= EPS) return null;
        return (v[v.length - 1] - lo) / (hi - lo);
      }),

    // TS8
    ts_zscore: (x, w) =>
      rolling1("ts_zscore", x, w, 2, (v) => {
        const sd = Math.sqrt(varianceOf(v));
        if (sd <= EPS) return null;
        return (v[v.length - 1] - meanOf(v)) / sd;
      }),

    // TS9
    ts_quantile: (x, w, dist = "normal") => {
      if (dist !== "normal" && dist !== "uniform" && dist !== "cauchy") {
        throw new RangeError(`ts_quantile: unknown dist ${dist}`);
      }
      return rolling1("ts_quantile", x, w, 1, (v) => {
        const u = rankInWindow(v) - 1 / (2 * v.length);
        if (dist === "uniform") return u;
        if (dist === "cauchy") return Math.tan(Math.PI * (u - 0.5));
        return normalQuantile(u);
      });
    },

    // TS10
    ts_skew: (x, w) =>
      rolling1("ts_skew", x, w, 3, (v) => {
        if (Math.sqrt(varianceOf(v)) <= EPS) return null;
        const m = meanOf(v);
        let s2 = 0;
        let s3 = 0;
        for (const a of v) {
          s2 += (a - m) ** 2;
          s3 += (a - m) ** 3;
        }
        const m2 = s2 / w;
        const m3 = s3 / w;
        const g1 = m3 / m2 ** 1.5;
        return (g1 * Math.sqrt(w * (w - 1))) / (w - 2);
      }),

    // TS11
    ts_kurt: (x, w) =>
      rolling1("ts_kurt", x, w, 4, (v) => {
        if (Math.sqrt(varianceOf(v)) <= EPS) return null;
        const m = meanOf(v);
        let s2 = 0;
        let s4 = 0;
        for (const a of v) {
          s2 += (a - m) ** 2;
          s4 += (a - m) ** 4;
        }
        const m2 = s2 / w;
        const m4 = s4 / w;
        const g2 = m4 / m2 ** 2 - 3;
        return (((w + 1) * g2 + 6) * (w - 1)) / ((w - 2) * (w - 3));
      }),

    // TS18
    ts_cv: (x, w) =>
      rolling1("ts_cv", x, w, 2, (v) => {
        const m = meanOf(v);
        if (Math.abs(m) <= EPS) return null;
        return Math.sqrt(varianceOf(v)) / m;
      }),

    // TS20: weight i for x_i, i = 1 (oldest) .. w (newest)
    ts_decay_linear: (x, w) =>
      rolling1("ts_decay_linear", x, w, 1, (v) => {
        let s = 0;
        for (let i = 1; i <= w; i++) s += i * v[i - 1];
        return s / ((w * (w + 1)) / 2);
      }),

    // TS21
    ts_ema: (x, w) => {
      checkInteger("ts_ema", "w", w, 1);
      const xs = read(x, "ts_ema");
      const alpha = 2 / (w + 1);
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of symbolRows) { // W1/W4: one symbol, time order
        let e = 0;
        let run = 0; // number of values in the current run
        for (const r of rows) {
          const v = xs[r];
          if (v === null) {
            run = 0; // a null ends the run; result null here
            continue;
          }
          if (run === 0) e = v; // the first value of a run seeds e
          else e = alpha * v + (1 - alpha) * e;
          run++;
          out[r] = run >= w ? e : null;
        }
      }
      return finishAll(out);
    },

    // TS12
    ts_shift: (x, k) => {
      checkInteger("ts_shift", "k", k, -Infinity);
      return shift("ts_shift", x, k);
    },

    // TS13
    ts_delta: (x, k) => {
      checkInteger("ts_delta", "k", k, 1);
      const xs = read(x, "ts_delta");
      const prev = shift("ts_delta", x, k);
      const out: (number | null)[] = [];
      for (let i = 0; i < n; i++) {
        const a = xs[i];
        const b = prev[i];
        out.push(a === null || b === null ? null : a - b);
      }
      return finishAll(out);
    },

    // TS14
    ts_pct_change: (x, k) => {
      checkInteger("ts_pct_change", "k", k, 1);
      const xs = read(x, "ts_pct_change");
      const prev = shift("ts_pct_change", x, k);
      const out: (number | null)[] = [];
      for (let i = 0; i < n; i++) {
        const a = xs[i];
        const b = prev[i];
        out.push(a === null || b === null || b === 0 ? null : a / b - 1);
      }
      return finishAll(out);
    },

    // TS15
    ts_cov: (x, y, w) =>
      rolling("ts_cov", [x, y], w, 2, ([xv, yv]) => covarianceOf(xv, yv)),

    ts_corr: (x, y, w) => tsCorr("ts_corr", x, y, w), // TS16

    // TS17 (inputs in the order y, x)
    ts_beta: (y, x, w) =>
      rolling("ts_beta", [y, x], w, 2, ([yv, xv]) => {
        const fit = regression(yv, xv);
        return fit === null ? null : fit[1];
      }),
    ts_alpha: (y, x, w) =>
      rolling("ts_alpha", [y, x], w, 2, ([yv, xv]) => {
        const fit = regression(yv, xv);
        return fit === null ? null : fit[0];
      }),
    ts_resid: (y, x, w) =>
      rolling("ts_resid", [y, x], w, 2, ([yv, xv]) => {
        const fit = regression(yv, xv);
        if (fit === null) return null;
        const [alpha, beta] = fit;
        return yv[w - 1] - (alpha + beta * xv[w - 1]);
      }),

    // TS19: ts_corr(x, ts_shift(x, lag), w)
    ts_autocorr: (x, w, lag = 1) => {
      checkInteger("ts_autocorr", "lag", lag, 1);
      return tsCorr("ts_autocorr", x, shift("ts_autocorr", x, lag), w);
    },

    // TS22
    ts_step: (x) => {
      read(x, "ts_step"); // only to check its length
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of symbolRows) {
        for (let p = 0; p < rows.length; p++) out[rows[p]] = p + 1;
      }
      return finishAll(out);
    },

    // ---- cross section ----

    // C2
    cs_rank: (x) => {
      const xs = read(x, "cs_rank");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { at, values } = present(rows, xs);
        for (const r of at) {
          let less = 0;
          for (const v of values) if (v < xs[r]!) less++;
          out[r] = (1 + less) / values.length;
        }
      }
      return finishAll(out);
    },

    // C3
    cs_zscore: (x) => {
      const xs = read(x, "cs_zscore");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { at, values } = present(rows, xs);
        if (values.length < 2) continue;
        const m = meanOf(values);
        const sd = Math.sqrt(varianceOf(values));
        if (sd <= EPS) continue;
        for (const r of at) out[r] = (xs[r]! - m) / sd;
      }
      return finishAll(out);
    },

    // C4
    cs_demean: (x) => {
      const xs = read(x, "cs_demean");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { at, values } = present(rows, xs);
        if (values.length === 0) continue;
        const m = meanOf(values);
        for (const r of at) out[r] = xs[r]! - m;
      }
      return finishAll(out);
    },

    // C9: every row of the group, including rows where x is null
    cs_mean: (x) => {
      const xs = read(x, "cs_mean");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { values } = present(rows, xs);
        if (values.length === 0) continue;
        const m = meanOf(values);
        for (const r of rows) out[r] = m;
      }
      return finishAll(out);
    },
    cs_median: (x) => {
      const xs = read(x, "cs_median");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { values } = present(rows, xs);
        if (values.length === 0) continue;
        const med = medianOf(values);
        for (const r of rows) out[r] = med;
      }
      return finishAll(out);
    },

    // C5
    cs_scale: (x, a = 1) => {
      const xs = read(x, "cs_scale");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { at, values } = present(rows, xs);
        let sumAbs = 0;
        for (const v of values) sumAbs += Math.abs(v);
        if (sumAbs <= EPS) continue;
        for (const r of at) out[r] = (a * xs[r]!) / sumAbs;
      }
      return finishAll(out);
    },

    // C6
    cs_winsorize: (x, lower = 0.05, upper = 0.95) => {
      if (!(lower >= 0 && lower <= upper && upper <= 1)) {
        throw new RangeError(
          `cs_winsorize: need 0 <= lower <= upper <= 1, got ${lower}, ${upper}`,
        );
      }
      const xs = read(x, "cs_winsorize");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        const { at, values } = present(rows, xs);
        if (values.length === 0) continue;
        const sorted = [...values].sort((a, b) => a - b);
        const qLo = quantileLinear(sorted, lower);
        const qHi = quantileLinear(sorted, upper);
        for (const r of at) out[r] = Math.min(Math.max(xs[r]!, qLo), qHi);
      }
      return finishAll(out);
    },

    // C7
    cs_neutralize: (y, x) => {
      const ys = read(y, "cs_neutralize y");
      const xs = read(x, "cs_neutralize x");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        // the pairs: rows where both y and x are non-null
        const at: number[] = [];
        const yv: number[] = [];
        const xv: number[] = [];
        for (const r of rows) {
          if (ys[r] !== null && xs[r] !== null) {
            at.push(r);
            yv.push(ys[r]!);
            xv.push(xs[r]!);
          }
        }
        if (at.length === 0) continue;
        const my = meanOf(yv);
        const mx = meanOf(xv);
        let beta = 0;
        if (at.length >= 2 && Math.sqrt(varianceOf(xv)) > EPS) {
          let sxx = 0;
          let sxy = 0;
          for (let i = 0; i < at.length; i++) {
            sxx += (xv[i] - mx) * (xv[i] - mx);
            sxy += (xv[i] - mx) * (yv[i] - my);
          }
          beta = sxy / sxx;
        }
        for (let i = 0; i < at.length; i++) {
          out[at[i]] = (yv[i] - my) - beta * (xv[i] - mx);
        }
      }
      return finishAll(out);
    },

    // C8
    group_neutralize: (y, groupColumn) => {
      const g = panel.columns[groupColumn];
      if (g === undefined) throw new Error(`no column ${groupColumn}`);
      const ys = read(y, "group_neutralize");
      const out: (number | null)[] = new Array(n).fill(null);
      for (const rows of timeRows) {
        // groups (end_time, g); rows with null (or non-finite numeric) g are
        // in no group and stay null
        const groups = new Map<string | number, number[]>();
        for (const r of rows) {
          const key = g[r];
          if (key === null || key === undefined) continue;
          if (typeof key === "number" && !Number.isFinite(key)) continue;
          let members = groups.get(key);
          if (members === undefined) {
            members = [];
            groups.set(key, members);
          }
          members.push(r);
        }
        for (const members of groups.values()) {
          const { at, values } = present(members, ys);
          if (values.length === 0) continue;
          const m = meanOf(values);
          for (const r of at) out[r] = ys[r]! - m;
        }
      }
      return finishAll(out);
    },

    // ---- element-wise ----

    add: (x, y) => binary("add", x, y, (a, b) => a + b), // E1
    sub: (x, y) => binary("sub", x, y, (a, b) => a - b), // E1
    mul: (x, y) => binary("mul", x, y, (a, b) => a * b), // E1
    div: (x, y) => binary("div", x, y, (a, b) => (b === 0 ? null : a / b)), // E2
    pow: (x, p) => binary("pow", x, p, (a, b) => a ** b), // E5 (D4 nulls NaN/Inf)
    min: (x, y) => binary("min", x, y, (a, b) => Math.min(a, b)), // E8
    max: (x, y) => binary("max", x, y, (a, b) => Math.max(a, b)), // E8
    gt: (x, y) => binary("gt", x, y, (a, b) => (a > b ? 1 : 0)), // E10
    ge: (x, y) => binary("ge", x, y, (a, b) => (a >= b ? 1 : 0)), // E10
    lt: (x, y) => binary("lt", x, y, (a, b) => (a < b ? 1 : 0)), // E10
    le: (x, y) => binary("le", x, y, (a, b) => (a <= b ? 1 : 0)), // E10
    eq: (x, y) => binary("eq", x, y, (a, b) => (a === b ? 1 : 0)), // E10
    ne: (x, y) => binary("ne", x, y, (a, b) => (a !== b ? 1 : 0)), // E10
    and: (x, y) => binary("and", x, y, (a, b) => (a !== 0 && b !== 0 ? 1 : 0)), // E11
    or: (x, y) => binary("or", x, y, (a, b) => (a !== 0 || b !== 0 ? 1 : 0)), // E11
    neg: (x) => unary("neg", x, (a) => -a), // E3
    abs: (x) => unary("abs", x, (a) => Math.abs(a)), // E3
    sign: (x) => unary("sign", x, (a) => (a > 0 ? 1 : a < 0 ? -1 : 0)), // E3
    log: (x) => unary("log", x, (a) => (a <= 0 ? null : Math.log(a))), // E4
    sqrt: (x) => unary("sqrt", x, (a) => (a < 0 ? null : Math.sqrt(a))), // E4
    exp: (x) => unary("exp", x, (a) => Math.exp(a)), // E4
    inverse: (x) => unary("inverse", x, (a) => (a === 0 ? null : 1 / a)), // E7
    not: (x) => unary("not", x, (a) => (a === 0 ? 1 : 0)), // E11

    // E6
    signed_pow: (x, p) =>
      unary("signed_pow", x, (a) => {
        const s = a > 0 ? 1 : a < 0 ? -1 : 0;
        return s * Math.abs(a) ** p;
      }),

    // E9
    clip: (x, lo, hi) => {
      if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
        throw new RangeError(`clip: need lo <= hi, got ${lo}, ${hi}`);
      }
      return unary("clip", x, (a) => Math.min(Math.max(a, lo), hi));
    },

    // E12: the branch not taken does not matter (a null there is fine)
    where: (x, cond, other = null) => {
      const xs = read(x, "where x");
      const cs = read(cond, "where cond");
      const os = readOperand(other, "where other");
      const out: (number | null)[] = [];
      for (let i = 0; i < n; i++) {
        const c = cs[i];
        if (c === null) out.push(null);
        else out.push(c !== 0 ? xs[i] : os[i]);
      }
      return finishAll(out);
    },

    // E13
    if_else: (cond, a, b) => {
      const cs = read(cond, "if_else cond");
      const as = readOperand(a, "if_else a");
      const bs = readOperand(b, "if_else b");
      const out: (number | null)[] = [];
      for (let i = 0; i < n; i++) {
        const c = cs[i];
        if (c === null) out.push(null);
        else out.push(c !== 0 ? as[i] : bs[i]);
      }
      return finishAll(out);
    },

    // E14
    lit: (value) => finishAll(new Array<number | null>(n).fill(value)),
  };
}
