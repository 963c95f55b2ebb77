/**
 * Cross-sectional operators: per `end_time`, over the rows whose value is
 * present. Each is one Polars expression partitioned by `end_time` only.
 *
 * @module
 */
import pl from "nodejs-polars";
import { EPS } from "../kernels.ts";
import {
  callSignature,
  literal,
  type Node,
  nothing,
  type Signature,
  type WindowNode,
  windowNode,
} from "../node.ts";

const TIME = "end_time";

function crossSection(
  signature: Signature,
  inputs: Node[],
  expr: (inputs: pl.Expr[]) => pl.Expr,
  groupColumns?: string[],
): WindowNode {
  return windowNode(signature, { inputs, expr, groupColumns });
}

/**
 * cs_rank: rank "min" / count of present values, in (0, 1]. The rank of a
 * cs_rank is the same ranks, so `cs_rank(cs_rank(x))` is `cs_rank(x)`.
 */
export function csRank(x: Node): WindowNode {
  if (x.kind === "window" && x.signature.parts[0] === "cs_rank(") return x;
  return crossSection(
    callSignature("cs_rank", x),
    [x],
    ([e]) =>
      e.rank("min").over(TIME).cast(pl.Float64)
        .div(e.count().over(TIME).cast(pl.Float64)),
  );
}

/** cs_zscore: (x - mean) / std (ddof 1); null when std <= EPS or n < 2. */
export function csZscore(x: Node): WindowNode {
  return crossSection(callSignature("cs_zscore", x), [x], ([e]) => {
    const std = e.std().over(TIME);
    return pl.when(std.gt(EPS)).then(e.sub(e.mean().over(TIME)).div(std))
      .otherwise(nothing());
  });
}

/** cs_demean: x - mean. */
export function csDemean(x: Node): WindowNode {
  return crossSection(
    callSignature("cs_demean", x),
    [x],
    ([e]) => e.sub(e.mean().over(TIME)),
  );
}

/** cs_scale: a * x / sum |x|; null when sum |x| <= EPS. */
export function csScale(x: Node, a: number): WindowNode {
  return crossSection(callSignature("cs_scale", x, a), [x], ([e]) => {
    const gross = e.abs().sum().over(TIME);
    // x / gross is within [-1, 1], so scaling it last cannot overflow
    // (a * x first gave ∞ for a = 1e308).
    return pl.when(gross.gt(EPS)).then(e.div(gross).mul(literal(a)))
      .otherwise(nothing());
  });
}

/** cs_winsorize: clip into the [lower, upper] quantiles (linear interpolation). */
export function csWinsorize(x: Node, lower: number, upper: number): WindowNode {
  return crossSection(
    callSignature("cs_winsorize", x, lower, upper),
    [x],
    ([e]) => {
      const low = e.quantile(lower, "linear").over(TIME);
      const high = e.quantile(upper, "linear").over(TIME);
      return pl.when(e.lt(low)).then(low).when(e.gt(high)).then(high)
        .otherwise(e);
    },
  );
}

/**
 * cs_neutralize: residual of y on [1, x] over the rows where both are
 * present (beta = 0 when x's std <= EPS or fewer than 2 pairs).
 */
export function csNeutralize(y: Node, x: Node): WindowNode {
  return crossSection(
    callSignature("cs_neutralize", y, x),
    [y, x],
    ([ey, ex]) => {
      const pair = ey.isNotNull().and(ex.isNotNull());
      const py = pl.when(pair).then(ey).otherwise(nothing());
      const px = pl.when(pair).then(ex).otherwise(nothing());
      const dy = py.sub(py.mean().over(TIME));
      const dx = px.sub(px.mean().over(TIME));
      const beta = pl.when(px.std().over(TIME).gt(EPS))
        .then(dx.mul(dy).sum().over(TIME).div(dx.mul(dx).sum().over(TIME)))
        .otherwise(literal(0));
      return dy.sub(beta.mul(dx));
    },
  );
}

/** group_neutralize: y - mean of y per (end_time, group); null where the group is null. */
export function groupNeutralize(y: Node, group: string): WindowNode {
  return crossSection(
    callSignature("group_neutralize", y, group),
    [y],
    ([e]) =>
      pl.when(pl.col(group).isNotNull())
        .then(e.sub(e.mean().over(TIME, group)))
        .otherwise(nothing()),
    [group],
  );
}

/** cs_mean / cs_median of the present values, given to every row of the time. */
export function csCentre(statistic: "mean" | "median", x: Node): WindowNode {
  return crossSection(
    callSignature(`cs_${statistic}`, x),
    [x],
    ([e]) => (statistic === "mean" ? e.mean() : e.median()).over(TIME),
  );
}
