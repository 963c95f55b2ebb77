/**
 * Small statistics over typed arrays shared by the analyzer, the backtester
 * and the metrics: average ranks, Pearson correlation, the Student-t
 * p-value and the interpolated quantile.
 *
 * @module
 */
import { EPS } from "../factor/kernels.ts";

/**
 * Writes into `ranks[0..n)` the average ranks (1..n, ties share the mean of
 * their positions) of `values[0..n)`; `sorted` is scratch space of length
 * >= n. Sorting a copy natively and locating each value by binary search is
 * several times faster than sorting indices with a comparator.
 *
 * @example
 * ```ts
 * import { averageRanks } from "./stats.ts";
 * const ranks = new Float64Array(3);
 * averageRanks(new Float64Array([5, 1, 5]), 3, ranks, new Float64Array(3));
 * console.log([...ranks]); // [2.5, 1, 2.5]
 * ```
 */
export function averageRanks(
  values: Float64Array,
  n: number,
  ranks: Float64Array,
  sorted: Float64Array,
): void {
  const view = sorted.subarray(0, n);
  view.set(values.subarray(0, n));
  view.sort();
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (view[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const below = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (view[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = (below + lo + 1) / 2;
  }
}

/**
 * Pearson correlation of `x[0..n)` and `y[0..n)`; NaN when either side's
 * population standard deviation is <= EPS (1e-10) or n < 2.
 *
 * @example
 * ```ts
 * import { pearson } from "./stats.ts";
 * console.log(pearson(new Float64Array([1, 2, 3]), new Float64Array([2, 4, 7]), 3).toFixed(4)); // 0.9934
 * ```
 */
export function pearson(x: Float64Array, y: Float64Array, n: number): number {
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (Math.sqrt(sxx / n) <= EPS || Math.sqrt(syy / n) <= EPS) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Mean, sample standard deviation (ddof 1) and count of the finite values. */
export interface Moments {
  n: number;
  mean: number;
  std: number;
}

/**
 * Count, mean and sample standard deviation (ddof 1) of the finite values
 * of `values`; mean is NaN when n = 0, std when n < 2.
 *
 * @example
 * ```ts
 * import { moments } from "./stats.ts";
 * console.log(moments([1, 2, NaN, 3])); // { n: 3, mean: 2, std: 1 }
 * ```
 */
export function moments(values: ArrayLike<number>): Moments {
  let n = 0, sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      n++;
      sum += values[i];
    }
  }
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) ss += (values[i] - mean) ** 2;
  }
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN };
}

/**
 * Count, mean and sample standard deviation (ddof 1) of the finite values
 * added one at a time, without keeping them, and how many are above zero.
 * The mean is their sum over n, as {@linkcode moments} computes it; the
 * deviation is Welford's update (within a few ulps of the two-pass one).
 *
 * @example
 * ```ts
 * import { RunningMoments } from "./stats.ts";
 * const m = new RunningMoments();
 * for (const v of [1, 2, NaN, 3]) m.add(v);
 * console.log(m.moments(), m.positive); // { n: 3, mean: 2, std: 1 } 3
 * ```
 */
export class RunningMoments {
  /** How many finite values were added. */
  n = 0;
  /** How many of them are above zero. */
  positive = 0;
  #sum = 0;
  #mean = 0;
  #squares = 0;

  /** Adds `value` (ignored unless finite). */
  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.n++;
    if (value > 0) this.positive++;
    this.#sum += value;
    const delta = value - this.#mean;
    this.#mean += delta / this.n;
    this.#squares += delta * (value - this.#mean);
  }

  /** Count, mean (NaN when n = 0) and std (NaN when n < 2). */
  moments(): Moments {
    const n = this.n;
    return {
      n,
      mean: n > 0 ? this.#sum / n : NaN,
      std: n > 1 ? Math.sqrt(this.#squares / (n - 1)) : NaN,
    };
  }
}

/**
 * The `p` quantile of the sorted values with linear interpolation between
 * neighbours (numpy's default).
 *
 * @example
 * ```ts
 * import { quantileSorted } from "./stats.ts";
 * console.log(quantileSorted(new Float64Array([1, 2, 3, 4, 5]), 0.05)); // 1.2
 * ```
 */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
function logGamma(x: number): number {
  if (x < 0.5) {
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t +
    Math.log(a);
}

/** Continued fraction of the regularized incomplete beta (Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - (a + b) * x / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) +
      b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? front * betaFraction(a, b, x) / a
    : 1 - front * betaFraction(b, a, 1 - x) / b;
}

/**
 * Two-sided p-value of a Student-t statistic with `df` degrees of freedom:
 * P(|T| >= |t|) = I_{df/(df+t²)}(df/2, 1/2).
 *
 * @example
 * ```ts
 * import { studentTwoSidedP } from "./stats.ts";
 * console.log(studentTwoSidedP(2, 10).toFixed(6)); // 0.073388
 * ```
 */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t) || !(df > 0)) return NaN;
  return incompleteBeta(df / 2, 0.5, df / (df + t * t));
}
