/**
 * Time-series operators: per symbol, in time order, over the last `w` rows
 * (strict windows). They run on the symbol-major frame, where a rolling
 * Polars expression over the whole column is exact except in the first rows
 * of each symbol, which the position mask nulls.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  type ComomentStatistic,
  EPS,
  exponentialMean,
  type MomentStatistic,
  type QuantileDistribution,
  rollingArgExtreme,
  rollingComoments,
  rollingDecayLinear,
  rollingMoments,
  rollingProduct,
  rollingRank,
  rollingSum,
} from "../kernels.ts";
import {
  callKey,
  type Kernel,
  type LayoutColumns,
  type Node,
  type WindowNode,
} from "../node.ts";

/** `expr` on rows with at least `rowsBefore` earlier rows of the same symbol. */
function afterRows(
  expr: pl.Expr,
  layout: LayoutColumns,
  rowsBefore: number,
): pl.Expr {
  return pl.when(layout.position.gtEq(rowsBefore)).then(expr)
    .otherwise(pl.lit(null));
}

function exprNode(
  key: string,
  inputs: Node[],
  expr: (inputs: pl.Expr[], layout: LayoutColumns) => pl.Expr,
): WindowNode {
  return { kind: "window", key, inputs, expr };
}

function kernelNode(key: string, inputs: Node[], kernel: Kernel): WindowNode {
  return { kind: "window", key, inputs, kernel };
}

/** ts_sum / ts_mean over `w` rows, each window summed afresh. */
export function tsSum(
  aggregate: "sum" | "mean",
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callKey(`ts_${aggregate}`, x, w),
    [x],
    ([a], segments) => rollingSum(a, segments, w, aggregate === "mean"),
  );
}

/** Order statistics Polars computes exactly and null-aware. */
export type RollingOrderStatistic = "median" | "min" | "max";

/** ts_median / ts_min / ts_max over `w` rows. */
export function tsRolling(
  aggregate: RollingOrderStatistic,
  x: Node,
  w: number,
): WindowNode {
  const rolling = {
    median: (e: pl.Expr) => e.rollingMedian(w),
    min: (e: pl.Expr) => e.rollingMin(w),
    max: (e: pl.Expr) => e.rollingMax(w),
  }[aggregate];
  return exprNode(
    callKey(`ts_${aggregate}`, x, w),
    [x],
    ([e], layout) => afterRows(rolling(e), layout, w - 1),
  );
}

/** ts_var / ts_std / ts_zscore / ts_skew / ts_kurt / ts_cv over `w` rows. */
export function tsMoment(
  statistic: MomentStatistic,
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callKey(`ts_${statistic}`, x, w),
    [x],
    ([a], segments) => rollingMoments(a, segments, w, statistic),
  );
}

/** ts_cov / ts_corr / ts_beta / ts_alpha / ts_resid of `y` with `x`. */
export function tsComoment(
  statistic: ComomentStatistic,
  y: Node,
  x: Node,
  w: number,
  key = callKey(`ts_${statistic}`, y, x, w),
): WindowNode {
  return kernelNode(
    key,
    [y, x],
    ([a, b], segments) => rollingComoments(a, b, segments, w, statistic),
  );
}

/** ts_rank: average-tie rank of the current value in its window / w. */
export function tsRank(x: Node, w: number): WindowNode {
  return kernelNode(
    callKey("ts_rank", x, w),
    [x],
    ([a], segments) => rollingRank(a, segments, w),
  );
}

/** ts_quantile: inverse CDF of the mid-point ts_rank. */
export function tsQuantile(
  x: Node,
  w: number,
  distribution: QuantileDistribution,
): WindowNode {
  return kernelNode(
    callKey("ts_quantile", x, w, distribution),
    [x],
    ([a], segments) => rollingRank(a, segments, w, distribution),
  );
}

/** ts_argmax / ts_argmin: rows since the window's extreme. */
export function tsArgExtreme(
  extreme: "max" | "min",
  x: Node,
  w: number,
): WindowNode {
  return kernelNode(
    callKey(`ts_arg${extreme}`, x, w),
    [x],
    ([a], segments) => rollingArgExtreme(a, segments, w, extreme),
  );
}

/** ts_product over `w` rows. */
export function tsProduct(x: Node, w: number): WindowNode {
  return kernelNode(
    callKey("ts_product", x, w),
    [x],
    ([a], segments) => rollingProduct(a, segments, w),
  );
}

/** ts_decay_linear: weights w (newest) .. 1 (oldest), normalised. */
export function tsDecayLinear(x: Node, w: number): WindowNode {
  return kernelNode(
    callKey("ts_decay_linear", x, w),
    [x],
    ([a], segments) => rollingDecayLinear(a, segments, w),
  );
}

/** ts_ema with alpha = 2 / (w + 1). */
export function tsEma(x: Node, w: number): WindowNode {
  return kernelNode(
    callKey("ts_ema", x, w),
    [x],
    ([a], segments) => exponentialMean(a, segments, w),
  );
}

function shifted(e: pl.Expr, layout: LayoutColumns, k: number): pl.Expr {
  if (k === 0) return e;
  if (k > 0) return afterRows(e.shift(k), layout, k);
  return pl.when(layout.remaining.gtEq(-k)).then(e.shift(k))
    .otherwise(pl.lit(null));
}

/** ts_shift: the value `k` rows earlier (k < 0: later). */
export function tsShift(x: Node, k: number): WindowNode {
  return exprNode(
    callKey("ts_shift", x, k),
    [x],
    ([e], layout) => shifted(e, layout, k),
  );
}

/** ts_delta: x - ts_shift(x, k). */
export function tsDelta(x: Node, k: number): WindowNode {
  return exprNode(
    callKey("ts_delta", x, k),
    [x],
    ([e], layout) => e.sub(shifted(e, layout, k)),
  );
}

/** ts_pct_change: x / ts_shift(x, k) - 1, null where the earlier value is 0. */
export function tsPctChange(x: Node, k: number): WindowNode {
  return exprNode(
    callKey("ts_pct_change", x, k),
    [x],
    ([e], layout) => {
      const before = shifted(e, layout, k);
      return pl.when(before.neq(0)).then(e.div(before).sub(1))
        .otherwise(pl.lit(null));
    },
  );
}

/** ts_scale: (x - min) / (max - min) over the window; null when the range <= EPS. */
export function tsScale(x: Node, w: number): WindowNode {
  return exprNode(callKey("ts_scale", x, w), [x], ([e], layout) => {
    const low = e.rollingMin(w);
    const range = e.rollingMax(w).sub(low);
    return afterRows(
      pl.when(range.gt(EPS)).then(e.sub(low).div(range))
        .otherwise(pl.lit(null)),
      layout,
      w - 1,
    );
  });
}

/** ts_step: 1-based row number within the symbol. */
export function tsStep(x: Node): WindowNode {
  return exprNode(
    callKey("ts_step", x),
    [x],
    (_, layout) => layout.position.add(1).cast(pl.Float64),
  );
}

/** ts_autocorr: ts_corr(x, ts_shift(x, lag), w). */
export function tsAutocorr(x: Node, w: number, lag: number): WindowNode {
  return tsComoment(
    "corr",
    x,
    tsShift(x, lag),
    w,
    callKey("ts_autocorr", x, w, lag),
  );
}
