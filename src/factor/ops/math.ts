/**
 * Element-wise operators. Null in gives null out; any result that is not
 * finite (division by zero, log of a non-positive value, overflow) is null.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  callKey,
  finite,
  literal,
  type MapNode,
  mapNode,
  nothing,
  type Operand,
  operandKey,
} from "../node.ts";

/** Infix arithmetic and comparison operators with their canonical symbols. */
export type BinaryOperator =
  | "+"
  | "-"
  | "*"
  | "/"
  | "^"
  | ">"
  | ">="
  | "<"
  | "<="
  | "=="
  | "!="
  | "&&"
  | "||";

const truth = (e: pl.Expr) => e.neq(literal(0));
const asNumber = (e: pl.Expr) => e.cast(pl.Float64);
const bothPresent = (a: pl.Expr, b: pl.Expr) =>
  a.isNotNull().and(b.isNotNull());

const BINARY: Record<BinaryOperator, (a: pl.Expr, b: pl.Expr) => pl.Expr> = {
  "+": (a, b) => finite(a.add(b)),
  "-": (a, b) => finite(a.sub(b)),
  "*": (a, b) => finite(a.mul(b)),
  "/": (a, b) => finite(pl.when(b.neq(0)).then(a.div(b)).otherwise(nothing())),
  "^": power,
  ">": (a, b) => asNumber(a.gt(b)),
  ">=": (a, b) => asNumber(a.gtEq(b)),
  "<": (a, b) => asNumber(a.lt(b)),
  "<=": (a, b) => asNumber(a.ltEq(b)),
  "==": (a, b) => asNumber(a.eq(b)),
  "!=": (a, b) => asNumber(a.neq(b)),
  // Polars' and/or are three-valued (null && false = false); ours are null.
  "&&": (a, b) =>
    pl.when(bothPresent(a, b)).then(asNumber(truth(a).and(truth(b))))
      .otherwise(nothing()),
  "||": (a, b) =>
    pl.when(bothPresent(a, b)).then(asNumber(truth(a).or(truth(b))))
      .otherwise(nothing()),
};

/**
 * a ^ b for a column exponent (Polars' pow takes numbers only):
 * exp(b ln|a|), negative for a < 0 with an odd integer b, null for a < 0
 * with a fractional b and for 0 ^ negative.
 */
function power(a: pl.Expr, b: pl.Expr): pl.Expr {
  const magnitude = b.mul(a.abs().log()).exp();
  const integral = b.eq(b.floor());
  const odd = b.modulo(2).eq(1);
  return finite(
    pl.when(a.gt(0)).then(magnitude)
      .when(a.eq(0)).then(
        pl.when(b.gt(0)).then(literal(0)).when(b.eq(0)).then(literal(1))
          .otherwise(nothing()),
      )
      .when(integral.and(odd)).then(magnitude.mul(-1))
      .when(integral).then(magnitude)
      .otherwise(nothing()),
  );
}

/** `(a op b)`: arithmetic, comparison (1/0) or logic (1/0) of two operands. */
export function binary(op: BinaryOperator, a: Operand, b: Operand): MapNode {
  const key = `(${operandKey(a)}${op}${operandKey(b)})`;
  if (op === "^" && typeof b === "number") {
    return mapNode(key, [a], ([e]) => finite(e.pow(b)));
  }
  return mapNode(key, [a, b], ([ea, eb]) => BINARY[op](ea, eb));
}

/** Single-argument element-wise functions. */
export type UnaryFunction =
  | "neg"
  | "abs"
  | "sign"
  | "log"
  | "sqrt"
  | "exp"
  | "inverse"
  | "not";

const UNARY: Record<UnaryFunction, (e: pl.Expr) => pl.Expr> = {
  neg: (e) => e.mul(-1),
  abs: (e) => e.abs(),
  sign: (e) => asNumber(e.gt(0)).sub(asNumber(e.lt(0))),
  log: (e) => finite(pl.when(e.gt(0)).then(e.log()).otherwise(nothing())),
  sqrt: (e) => finite(e.pow(0.5)),
  exp: (e) => finite(e.exp()),
  inverse: (e) =>
    finite(pl.when(e.neq(0)).then(literal(1).div(e)).otherwise(nothing())),
  not: (e) => asNumber(e.eq(literal(0))),
};

/** `fn(x)` for a single-argument function. */
export function unary(fn: UnaryFunction, x: Operand): MapNode {
  const key = fn === "neg" ? `-${operandKey(x)}` : callKey(fn, x);
  return mapNode(key, [x], ([e]) => UNARY[fn](e));
}

/** signed_pow(x, p) = sign(x) * |x| ^ p (p a number or a node). */
export function signedPow(x: Operand, p: Operand): MapNode {
  return mapNode(callKey("signed_pow", x, p), [x, p], ([e, ep]) => {
    const magnitude = typeof p === "number"
      ? e.abs().pow(p)
      : power(e.abs(), ep);
    return finite(UNARY.sign(e).mul(magnitude));
  });
}

/** Element-wise least / greatest of two operands; null if either is null. */
export function extreme(which: "min" | "max", a: Operand, b: Operand): MapNode {
  return mapNode(callKey(which, a, b), [a, b], ([ea, eb]) => {
    const pickA = which === "min" ? ea.ltEq(eb) : ea.gtEq(eb);
    return pl.when(bothPresent(ea, eb)).then(
      pl.when(pickA).then(ea).otherwise(eb),
    ).otherwise(nothing());
  });
}

/** clip(x, lo, hi) = min(max(x, lo), hi). */
export function clip(x: Operand, low: number, high: number): MapNode {
  return mapNode(
    callKey("clip", x, low, high),
    [x],
    ([e]) => e.clip(low, high),
  );
}

/** if_else(cond, a, b): a where cond != 0, b where cond == 0, null where cond is null. */
export function ifElse(cond: Operand, a: Operand, b: Operand): MapNode {
  return mapNode(
    `(${operandKey(cond)}?${operandKey(a)}:${operandKey(b)})`,
    [cond, a, b],
    ([c, ea, eb]) =>
      pl.when(c.isNull()).then(nothing()).when(truth(c)).then(ea)
        .otherwise(eb),
  );
}

/** where(x, cond, other): x where cond != 0, else other (null by default). */
export function where(x: Operand, cond: Operand, other?: Operand): MapNode {
  const key = other === undefined
    ? callKey("where", x, cond)
    : callKey("where", x, cond, other);
  return mapNode(
    key,
    other === undefined ? [x, cond] : [x, cond, other],
    ([e, c, o]) =>
      pl.when(c.isNull()).then(nothing()).when(truth(c)).then(e)
        .otherwise(o ?? nothing()),
  );
}
