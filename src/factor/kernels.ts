/**
 * The time-series operators, as kernels over typed arrays laid out symbol by
 * symbol (`segments` holds each symbol's first row, plus the total length);
 * NaN stands for null on the way in and on the way out. Plain loops over
 * contiguous memory beat Polars' `over("symbol")` windows several times and
 * let every operator be exact and null-strict.
 *
 * Strict windows: a result exists only where the last `w` rows of the symbol
 * are all present. Moments are two-pass over each window (its mean, then
 * deviations from it, oldest first), O(w) per row. Equal windows thus give
 * bit-equal results, which keeps ties in a later rank exact. One-pass
 * running sums of squares lose ~1e-8 relative on prices far from zero
 * (Polars' rolling variance does), never return an exact 0 for a constant
 * window, and keep the rounding residue of an outlier after it has left the
 * window.
 *
 * @module
 */

/** Which statistic {@linkcode rollingMoments} returns. */
export type MomentStatistic = "var" | "std" | "zscore" | "skew" | "kurt" | "cv";
/** Which statistic {@linkcode rollingComoments} returns. */
export type ComomentStatistic = "cov" | "corr" | "beta" | "alpha" | "resid";
/** Target distribution of {@linkcode rollingRank}'s quantile form. */
export type QuantileDistribution = "normal" | "uniform" | "cauchy";

/** Guard of every division by a spread (std, range, variance). */
export const EPS = 1e-10;

function finiteOrNaN(value: number): number {
  return Number.isFinite(value) ? value : NaN;
}

/**
 * Per row: 0 unless the window of `w` rows ending there (within its
 * segment) holds no NaN in any of `inputs`; 2 for the first such row of a
 * run of present values, 1 for the others. Kernels loop over this mask
 * inline (a per-row callback would not be inlined across kernels).
 */
function fullWindows(
  inputs: readonly Float64Array[],
  segments: Int32Array,
  w: number,
): Uint8Array {
  const full = new Uint8Array(segments[segments.length - 1]);
  for (let s = 0; s + 1 < segments.length; s++) {
    let run = 0;
    for (let t = segments[s]; t < segments[s + 1]; t++) {
      let present = true;
      for (const x of inputs) if (Number.isNaN(x[t])) present = false;
      run = present ? run + 1 : 0;
      if (run >= w) full[t] = run === w ? 2 : 1;
    }
  }
  return full;
}

/** Sum of the `w` values ending at `t`, oldest first. */
function windowSum(x: Float64Array, t: number, w: number): number {
  let sum = 0;
  for (let i = t - w + 1; i <= t; i++) sum += x[i];
  return sum;
}

/**
 * Rolling minimum / maximum of each full window (monotonic deque, O(1) per
 * row), or with `"scale"` the current value's position in that range:
 * (x - min) / (max - min), NaN where the range is <= EPS.
 */
export function rollingExtreme(
  x: Float64Array,
  segments: Int32Array,
  w: number,
  statistic: "min" | "max" | "scale",
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  // w + 1 slots: a new row is pushed before the expired front is dropped.
  const capacity = w + 1;
  const lows = new Int32Array(capacity), highs = new Int32Array(capacity);
  for (let s = 0; s + 1 < segments.length; s++) {
    // Ring-buffer deques of row indices: values increasing (lows) and
    // decreasing (highs) from front to back.
    let lowFront = 0, lowSize = 0, highFront = 0, highSize = 0, run = 0;
    for (let t = segments[s]; t < segments[s + 1]; t++) {
      const v = x[t];
      if (Number.isNaN(v)) {
        run = lowSize = highSize = 0;
        continue;
      }
      run++;
      while (lowSize > 0 && x[lows[(lowFront + lowSize - 1) % capacity]] >= v) {
        lowSize--;
      }
      lows[(lowFront + lowSize++) % capacity] = t;
      while (
        highSize > 0 && x[highs[(highFront + highSize - 1) % capacity]] <= v
      ) {
        highSize--;
      }
      highs[(highFront + highSize++) % capacity] = t;
      if (lows[lowFront] <= t - w) {
        lowFront = (lowFront + 1) % capacity;
        lowSize--;
      }
      if (highs[highFront] <= t - w) {
        highFront = (highFront + 1) % capacity;
        highSize--;
      }
      if (run < w) continue;
      const low = x[lows[lowFront]], high = x[highs[highFront]];
      if (statistic === "min") out[t] = low;
      else if (statistic === "max") out[t] = high;
      else out[t] = high - low > EPS ? (v - low) / (high - low) : NaN;
    }
  }
  return out;
}

/**
 * Rolling median of each full window (mean of the middle two for even
 * `w`), from a sorted copy of the window kept up to date by insertion.
 */
export function rollingMedian(
  x: Float64Array,
  segments: Int32Array,
  w: number,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const sorted = new Float64Array(w);
  let size = 0;
  const insert = (v: number) => {
    let i = size++;
    while (i > 0 && sorted[i - 1] > v) sorted[i] = sorted[--i];
    sorted[i] = v;
  };
  const remove = (v: number) => {
    let i = 0;
    while (sorted[i] !== v) i++;
    for (size--; i < size; i++) sorted[i] = sorted[i + 1];
  };
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    const first = full[t] === 2;
    if (first) {
      size = 0;
      for (let i = t - w + 1; i <= t; i++) insert(x[i]);
    } else {
      remove(x[t - w]);
      insert(x[t]);
    }
    const half = w >> 1;
    out[t] = w % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
  }
  return out;
}

/**
 * The value `k` rows earlier in the symbol (k < 0: later); with `change`,
 * x - that value (`"delta"`) or x / that value - 1 (`"pct"`, NaN where it is
 * 0).
 */
export function shifted(
  x: Float64Array,
  segments: Int32Array,
  k: number,
  change?: "delta" | "pct",
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let s = 0; s + 1 < segments.length; s++) {
    const first = segments[s], end = segments[s + 1];
    for (let t = Math.max(first, first + k); t < Math.min(end, end + k); t++) {
      const before = x[t - k];
      out[t] = change === undefined
        ? before
        : change === "delta"
        ? x[t] - before
        : before !== 0
        ? finiteOrNaN(x[t] / before - 1)
        : NaN;
    }
  }
  return out;
}

/**
 * 1-based row number within the symbol, whatever `x` holds, after the
 * `rowsBefore[s]` rows of symbol `s` that precede the ones given.
 */
export function rowNumber(
  x: Float64Array,
  segments: Int32Array,
  rowsBefore?: Float64Array,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let s = 0; s + 1 < segments.length; s++) {
    const offset = (rowsBefore?.[s] ?? 0) - segments[s] + 1;
    for (let t = segments[s]; t < segments[s + 1]; t++) out[t] = t + offset;
  }
  return out;
}

/**
 * Rolling sum, or mean with `mean`, of each full window, summed oldest first
 * from scratch: the result depends only on the window's values (a running
 * sum would carry rounding from values long gone).
 */
export function rollingSum(
  x: Float64Array,
  segments: Int32Array,
  w: number,
  mean: boolean,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    const sum = windowSum(x, t, w);
    out[t] = finiteOrNaN(mean ? sum / w : sum);
  }
  return out;
}

/**
 * Rolling variance (ddof 1), standard deviation, z-score of the current
 * value, skewness (bias-corrected G1), excess kurtosis (bias-corrected G2)
 * or coefficient of variation (std / mean).
 */
export function rollingMoments(
  x: Float64Array,
  segments: Int32Array,
  w: number,
  statistic: MomentStatistic,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const higher = statistic === "skew" || statistic === "kurt";
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    const mean = windowSum(x, t, w) / w;
    let s2 = 0, s3 = 0, s4 = 0;
    for (let i = t - w + 1; i <= t; i++) {
      const d = x[i] - mean, d2 = d * d;
      s2 += d2;
      if (higher) {
        s3 += d2 * d;
        s4 += d2 * d2;
      }
    }
    const variance = s2 / (w - 1);
    const std = Math.sqrt(variance);
    let value: number;
    switch (statistic) {
      case "var":
        value = variance;
        break;
      case "std":
        value = std;
        break;
      case "zscore":
        value = std > EPS ? (x[t] - mean) / std : NaN;
        break;
      case "cv":
        value = Math.abs(mean) > EPS ? std / mean : NaN;
        break;
      case "skew": {
        const m2 = s2 / w;
        value = std > EPS
          ? (s3 / w) / m2 ** 1.5 * Math.sqrt(w * (w - 1)) / (w - 2)
          : NaN;
        break;
      }
      case "kurt": {
        const m2 = s2 / w;
        const g2 = (s4 / w) / (m2 * m2) - 3;
        value = std > EPS
          ? ((w + 1) * g2 + 6) * (w - 1) / ((w - 2) * (w - 3))
          : NaN;
        break;
      }
    }
    out[t] = finiteOrNaN(value);
  }
  return out;
}

/**
 * Rolling covariance (ddof 1) and correlation of `y` with `x`, and the
 * least-squares fit of `y` on `x` over the window: beta, alpha (intercept)
 * and the current row's residual.
 */
export function rollingComoments(
  y: Float64Array,
  x: Float64Array,
  segments: Int32Array,
  w: number,
  statistic: ComomentStatistic,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const full = fullWindows([y, x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    const mx = windowSum(x, t, w) / w, my = windowSum(y, t, w) / w;
    let sxx = 0, syy = 0, sxy = 0;
    for (let i = t - w + 1; i <= t; i++) {
      const dx = x[i] - mx, dy = y[i] - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    const cov = sxy / (w - 1);
    const stdX = Math.sqrt(sxx / (w - 1));
    let value: number;
    if (statistic === "cov") value = cov;
    else if (statistic === "corr") {
      const stdY = Math.sqrt(syy / (w - 1));
      value = stdX > EPS && stdY > EPS ? cov / (stdX * stdY) : NaN;
    } else if (stdX <= EPS) value = NaN;
    else {
      const beta = sxy / sxx;
      if (statistic === "beta") value = beta;
      else if (statistic === "alpha") value = my - beta * mx;
      else value = (y[t] - my) - beta * (x[t] - mx);
    }
    out[t] = finiteOrNaN(value);
  }
  return out;
}

/**
 * Rank of the current value within its window, average ties, divided by
 * `w` (in (0, 1]); with `distribution`, the inverse CDF of the mid-point
 * rank `rank - 1 / (2w)` instead.
 */
export function rollingRank(
  x: Float64Array,
  segments: Int32Array,
  w: number,
  distribution?: QuantileDistribution,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    const current = x[t];
    let less = 0, equal = 0;
    for (let i = t - w + 1; i <= t; i++) {
      if (x[i] < current) less++;
      else if (x[i] === current) equal++;
    }
    const rank = (less + (equal + 1) / 2) / w;
    if (distribution === undefined) out[t] = rank;
    else {
      const u = rank - 1 / (2 * w);
      out[t] = distribution === "uniform"
        ? u
        : distribution === "normal"
        ? inverseNormalCdf(u)
        : Math.tan(Math.PI * (u - 0.5));
    }
  }
  return out;
}

/**
 * Rows since the window's maximum (or minimum): 0 when it is the current
 * row; among equal extremes the oldest counts.
 */
export function rollingArgExtreme(
  x: Float64Array,
  segments: Int32Array,
  w: number,
  extreme: "max" | "min",
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const sign = extreme === "max" ? 1 : -1;
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    let best = t - w + 1;
    for (let i = best + 1; i <= t; i++) {
      if (sign * x[i] > sign * x[best]) best = i;
    }
    out[t] = t - best;
  }
  return out;
}

/** Product of the window's values, oldest first. */
export function rollingProduct(
  x: Float64Array,
  segments: Int32Array,
  w: number,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    let product = 1;
    for (let i = t - w + 1; i <= t; i++) product *= x[i];
    out[t] = finiteOrNaN(product);
  }
  return out;
}

/** Linearly decaying weighted mean: weight `w` on the newest value, 1 on the oldest. */
export function rollingDecayLinear(
  x: Float64Array,
  segments: Int32Array,
  w: number,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const total = w * (w + 1) / 2;
  const full = fullWindows([x], segments, w);
  for (let t = 0; t < full.length; t++) {
    if (full[t] === 0) continue;
    let sum = 0;
    for (let i = 1; i <= w; i++) sum += i * x[t - w + i];
    out[t] = finiteOrNaN(sum / total);
  }
  return out;
}

/**
 * Exponential moving average with `alpha = 2 / (w + 1)`, seeded with the
 * first value of each run of present values; a missing value ends the run,
 * and a result exists once the run holds `w` values.
 */
export function exponentialMean(
  x: Float64Array,
  segments: Int32Array,
  w: number,
): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const alpha = 2 / (w + 1);
  for (let s = 0; s + 1 < segments.length; s++) {
    let run = 0, ema = 0;
    for (let t = segments[s]; t < segments[s + 1]; t++) {
      if (Number.isNaN(x[t])) {
        run = 0;
        continue;
      }
      ema = run === 0 ? x[t] : alpha * x[t] + (1 - alpha) * ema;
      run++;
      if (run >= w) out[t] = finiteOrNaN(ema);
    }
  }
  return out;
}

/**
 * Inverse of the standard normal CDF: Acklam's rational approximation
 * refined by one Halley step on an accurate `erfc`.
 *
 * Used on u = k / (2w), k = 1 .. 2w - 1 (ts_quantile's ranks), so on
 * [1 / (2w), 1 - 1 / (2w)]. Above 0.5 it returns -inverseNormalCdf(1 - p):
 * 1 - p is exact there (Sterbenz), so the upper tail gets the lower tail's
 * accuracy. Error
 * against the exact quantile of the double `p` (Newton on mpmath's 40-digit
 * ncdf, ~9,000 points: log-spaced p down to 1e-300, the grid k / (2w) for
 * w <= 60 and its ends for w up to 1e7): relative <= 3e-16 for p <= 0.5;
 * the upper tail was measured at up to 1.1e-9 before it used the symmetry
 * (the Halley step's residual `erfc / 2 - p` cancels as p nears 1).
 *
 * Near 1 the double `p` itself is coarse: 1 - 1e-12 rounds to a p whose
 * 1 - p is 1.0000889e-12, so its exact quantile is 4e-7 (relative) off that
 * of the real 1 - 1e-12, far more than the error above.
 */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) return NaN;
  if (p > 0.5) return -inverseNormalCdf(1 - p);
  const a = [
    -3.969683028665376e1,
    2.209460984245205e2,
    -2.759285104469687e2,
    1.38357751867269e2,
    -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1,
    1.615858368580409e2,
    -1.556989798598866e2,
    6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3,
    -3.223964580411365e-1,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [
    7.784695709041462e-3,
    3.224671290700398e-1,
    2.445134137142996,
    3.754408661907416,
  ];
  let z: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    z = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const q = p - 0.5, r = q * q;
    z = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) *
      q /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const e = 0.5 * erfc(-z / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(z * z / 2);
  return z - u / (1 + z * u / 2);
}

/** Complementary error function, W. J. Cody's rational approximations (~1e-16). */
function erfc(x: number): number {
  const ax = Math.abs(x);
  let result: number;
  if (ax < 0.5) {
    const t = x * x;
    const top = (((0.185777706184603153 * t + 3.16112374387056560) * t +
              113.864154151050156) * t + 377.485237685302021) * t +
      3209.37758913846947;
    const bottom = (((t + 23.6012909523441209) * t + 244.024637934444173) *
            t + 1282.61652607737228) * t + 2844.23683343917062;
    return 1 - x * top / bottom;
  }
  if (ax < 4) {
    const top =
      (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax +
                              8.88314979438837594) * ax + 66.1191906371416295) *
                        ax +
                      298.635138197400131) * ax + 881.952221241769090) * ax +
              1712.04761263407058) * ax + 2051.07837782607147) * ax +
      1230.33935479799725;
    const bottom =
      (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax +
                          537.181101862009858) * ax + 1621.38957456669019) *
                    ax +
                  3290.79923573345963) * ax + 4362.61909014324716) * ax +
          3439.36767414372164) * ax + 1230.33935480374942;
    result = Math.exp(-ax * ax) * top / bottom;
  } else {
    const z = 1 / (ax * ax);
    const top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z +
                  0.360344899949804439) * z + 0.125781726111229246) * z +
          0.0160837851487422766) * z + 6.58749161529837803e-4;
    const bottom = ((((z + 2.56852019228982242) * z + 1.87295284992346725) *
                z + 0.527905102951428412) * z + 0.0605183413124413191) * z +
      2.33520497626869185e-3;
    result = Math.exp(-ax * ax) / ax *
      (1 / Math.sqrt(Math.PI) - z * top / bottom);
  }
  return x < 0 ? 2 - result : result;
}
