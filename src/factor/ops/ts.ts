/**
 * Time-series operators: per symbol, in time order, over the last `w` rows
 * (strict windows). Each is a kernel over the symbol-contiguous copy of its
 * inputs (see `../kernels.ts`).
 *
 * @module
 */
import {
  type ComomentStatistic,
  exponentialMean,
  type MomentStatistic,
  type QuantileDistribution,
  rollingArgExtreme,
  rollingComoments,
  rollingDecayLinear,
  rollingExtreme,
  rollingMedian,
  rollingMoments,
  rollingProduct,
  rollingRank,
  rollingSum,
  rowNumber,
  shifted,
} from "../kernels.ts";
import {
  callSignature,
  type Kernel,
  type Node,
  type Reach,
  type Signature,
  type WindowNode,
  windowNode,
} from "../node.ts";

/**
 * A time-series node whose values need `rows` rows of history (the row
 * itself included). Where no symbol has that many rows every value is
 * null, without running the kernel, which would allocate a window that
 * long (`ts_max(x, 2^53 - 1)` failed with a RangeError).
 */
function kernelNode(
  signature: Signature,
  inputs: Node[],
  kernel: Kernel,
  rows: number,
  reach: Reach = { back: rows - 1, ahead: 0 },
): WindowNode {
  return windowNode(signature, {
    inputs,
    reach,
    kernel: (arrays, segments, rowsBefore) =>
      rows > longestSegment(segments)
        ? new Float64Array(arrays[0].length).fill(NaN)
        : kernel(arrays, segments, rowsBefore),
  });
}

/** ts_shift(x, k) reads k rows back, or -k rows ahead when k < 0. */
function shiftReach(k: number): Reach {
  return k >= 0 ? { back: k, ahead: 0 } : { back: 0, ahead: -k };
}

function longestSegment(segments: Int32Array): number {
  let longest = 0;
  for (let s = 0; s + 1 < segments.length; s++) {
    longest = Math.max(longest, segments[s + 1] - segments[s]);
  }
  return longest;
}

/** ts_sum / ts_mean over `w` rows, each window summed afresh. */
export function tsSum(
  aggregate: "sum" | "mean",
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callSignature(`ts_${aggregate}`, x, w),
    [x],
    ([a], segments) => rollingSum(a, segments, w, aggregate === "mean"),
    w,
  );
}

/** ts_min / ts_max over `w` rows; ts_scale: (x - min) / (max - min). */
export function tsExtreme(
  statistic: "min" | "max" | "scale",
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callSignature(`ts_${statistic}`, x, w),
    [x],
    ([a], segments) => rollingExtreme(a, segments, w, statistic),
    w,
  );
}

/** ts_median over `w` rows. */
export function tsMedian(x: Node, w: number): WindowNode {
  return kernelNode(
    callSignature("ts_median", x, w),
    [x],
    ([a], segments) => rollingMedian(a, segments, w),
    w,
  );
}

/** ts_var / ts_std / ts_zscore / ts_skew / ts_kurt / ts_cv over `w` rows. */
export function tsMoment(
  statistic: MomentStatistic,
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callSignature(`ts_${statistic}`, x, w),
    [x],
    ([a], segments) => rollingMoments(a, segments, w, statistic),
    w,
  );
}

/** ts_cov / ts_corr / ts_beta / ts_alpha / ts_resid of `y` with `x`. */
export function tsComoment(
  statistic: ComomentStatistic,
  y: Node,
  x: Node,
  w: number,
  key = callSignature(`ts_${statistic}`, y, x, w),
): WindowNode {
  return kernelNode(
    key,
    [y, x],
    ([a, b], segments) => rollingComoments(a, b, segments, w, statistic),
    w,
  );
}

/** ts_rank: average-tie rank of the current value in its window / w. */
export function tsRank(x: Node, w: number): WindowNode {
  return kernelNode(
    callSignature("ts_rank", x, w),
    [x],
    ([a], segments) => rollingRank(a, segments, w),
    w,
  );
}

/** ts_quantile: inverse CDF of the mid-point ts_rank. */
export function tsQuantile(
  x: Node,
  w: number,
  distribution: QuantileDistribution,
): WindowNode {
  return kernelNode(
    callSignature("ts_quantile", x, w, distribution),
    [x],
    ([a], segments) => rollingRank(a, segments, w, distribution),
    w,
  );
}

/** ts_argmax / ts_argmin: rows since the window's extreme. */
export function tsArgExtreme(
  extreme: "max" | "min",
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callSignature(`ts_arg${extreme}`, x, w),
    [x],
    ([a], segments) => rollingArgExtreme(a, segments, w, extreme),
    w,
  );
}

/** ts_product over `w` rows. */
export function tsProduct(x: Node, w: number): WindowNode {
  return kernelNode(
    callSignature("ts_product", x, w),
    [x],
    ([a], segments) => rollingProduct(a, segments, w),
    w,
  );
}

/** ts_decay_linear: weights w (newest) .. 1 (oldest), normalised. */
export function tsDecayLinear(x: Node, w: number): WindowNode {
  return kernelNode(
    callSignature("ts_decay_linear", x, w),
    [x],
    ([a], segments) => rollingDecayLinear(a, segments, w),
    w,
  );
}

/**
 * ts_ema with alpha = 2 / (w + 1). The average runs over every row since
 * the last null, so it reaches back without bound; a row k rows back
 * weighs (1 - alpha)^k, so chunked evaluation reads back the rows that
 * weigh more than 2^-60 relative to the newest (about 21 (w + 1) rows),
 * and its values agree with a whole-history evaluation to ~1e-16 of the
 * input's range.
 */
export function tsEma(x: Node, w: number): WindowNode {
  return kernelNode(
    callSignature("ts_ema", x, w),
    [x],
    ([a], segments) => exponentialMean(a, segments, w),
    w,
    { back: emaReach(w), ahead: 0 },
  );
}

/** Rows back after which the weight of an EMA of window `w` is below 2^-60. */
export function emaReach(w: number): number {
  const decay = 1 - 2 / (w + 1);
  const negligible = decay <= 0
    ? 0
    : Math.ceil(-60 * Math.LN2 / Math.log(decay));
  return Math.max(w - 1, negligible);
}

/** ts_shift: the value `k` rows earlier (k < 0: later). */
export function tsShift(x: Node, k: number): WindowNode {
  return kernelNode(
    callSignature("ts_shift", x, k),
    [x],
    ([a], segments) => shifted(a, segments, k),
    Math.abs(k) + 1,
    shiftReach(k),
  );
}

/** ts_delta: x - ts_shift(x, k). */
export function tsDelta(x: Node, k: number): WindowNode {
  return kernelNode(
    callSignature("ts_delta", x, k),
    [x],
    ([a], segments) => shifted(a, segments, k, "delta"),
    Math.abs(k) + 1,
    shiftReach(k),
  );
}

/** ts_pct_change: x / ts_shift(x, k) - 1, null where the earlier value is 0. */
export function tsPctChange(x: Node, k: number): WindowNode {
  return kernelNode(
    callSignature("ts_pct_change", x, k),
    [x],
    ([a], segments) => shifted(a, segments, k, "pct"),
    Math.abs(k) + 1,
    shiftReach(k),
  );
}

/**
 * ts_step: 1-based row number within the symbol, counted from its first
 * bar (time chunks pass the rows before them).
 */
export function tsStep(x: Node): WindowNode {
  return kernelNode(
    callSignature("ts_step", x),
    [x],
    ([a], segments, rowsBefore) => rowNumber(a, segments, rowsBefore),
    1,
  );
}

/** ts_autocorr: ts_corr(x, ts_shift(x, lag), w). */
export function tsAutocorr(x: Node, w: number, lag: number): WindowNode {
  return tsComoment(
    "corr",
    x,
    tsShift(x, lag),
    w,
    callSignature("ts_autocorr", x, w, lag),
  );
}
