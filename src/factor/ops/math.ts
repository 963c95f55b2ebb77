/**
 * Element-wise operators. Null in gives null out; any result that is not
 * finite (division by zero, log of a non-positive value, overflow) is null.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  callSignature,
  finite,
  literal,
  type MapNode,
  mapNode,
  type MapShape,
  nothing,
  type Operand,
  signatureOf,
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

const ONCE: MapShape = { uses: 1 };
const ONCE_UNCHECKED: MapShape = { uses: 1, keepsNonFinite: true };
const TWICE: MapShape = { uses: 2 };

/**
 * Each operator with the shape of its expression (see `MapShape`). `+ - *`
 * keep non-finite values for a later check: ∞ and NaN in give ∞ or NaN out.
 * Division needs no zero check: x/0 is ±∞ or NaN, which `finite` nulls.
 */
const BINARY: Record<
  BinaryOperator,
  [MapShape, (a: pl.Expr, b: pl.Expr) => pl.Expr]
> = {
  "+": [ONCE_UNCHECKED, (a, b) => a.add(b)],
  "-": [ONCE_UNCHECKED, (a, b) => a.sub(b)],
  "*": [ONCE_UNCHECKED, (a, b) => a.mul(b)],
  "/": [TWICE, (a, b) => finite(a.div(b))],
  "^": [{ uses: 6 }, power],
  ">": [ONCE, (a, b) => asNumber(a.gt(b))],
  ">=": [ONCE, (a, b) => asNumber(a.gtEq(b))],
  "<": [ONCE, (a, b) => asNumber(a.lt(b))],
  "<=": [ONCE, (a, b) => asNumber(a.ltEq(b))],
  "==": [ONCE, (a, b) => asNumber(a.eq(b))],
  "!=": [ONCE, (a, b) => asNumber(a.neq(b))],
  // Polars' and/or are three-valued (null && false = false); ours are null,
  // which arithmetic on the 1/0 truths gives.
  "&&": [ONCE, (a, b) => asNumber(truth(a)).mul(asNumber(truth(b)))],
  "||": [
    ONCE,
    (a, b) => asNumber(asNumber(truth(a)).add(asNumber(truth(b))).gt(0)),
  ],
};

/**
 * a ^ b for a column exponent (Polars' pow takes numbers only):
 * exp(b ln|a|), negative for a < 0 with an odd integer b, null for a < 0
 * with a fractional b and for 0 ^ negative; 0 ^ 0 = 1. An integer b is
 * told by b mod 2 (Polars' float modulo takes the divisor's sign, so an odd
 * b, negative or not, has b mod 2 = 1).
 */
function power(a: pl.Expr, b: pl.Expr): pl.Expr {
  const magnitude = finite(b.mul(a.abs().log()).exp());
  const parity = b.modulo(literal(2));
  const zeroBase = pl.when(b.gt(0)).then(literal(0))
    .when(b.eq(0)).then(literal(1)).otherwise(nothing());
  const direction = pl.when(a.gt(0)).then(literal(1))
    .when(parity.eq(1)).then(literal(-1))
    .when(parity.eq(0)).then(literal(1))
    .otherwise(nothing());
  return pl.when(a.eq(0)).then(zeroBase).otherwise(magnitude.mul(direction));
}

/**
 * a / c for a number c. Polars divides a column by a scalar as a * (1/c),
 * which is not IEEE division (-0.75 / 10 gave -0.07500000000000001 and
 * flipped exact-threshold comparisons); dividing by a column of c is.
 */
function divideByNumber(a: pl.Expr, c: number): pl.Expr {
  return finite(a.div(a.mul(0).add(literal(c))));
}

/** `(a op b)`: arithmetic, comparison (1/0) or logic (1/0) of two operands. */
export function binary(op: BinaryOperator, a: Operand, b: Operand): MapNode {
  const key = signatureOf("(", a, op, b, ")");
  if (op === "^" && typeof b === "number") {
    return mapNode(key, [a], TWICE, ([e]) => finite(e.pow(b)));
  }
  if (op === "/" && typeof b === "number") {
    return mapNode(key, [a], { uses: 4 }, ([e]) => divideByNumber(e, b));
  }
  const [shape, build] = BINARY[op];
  return mapNode(key, [a, b], shape, ([ea, eb]) => build(ea, eb));
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

const sign = (e: pl.Expr) => asNumber(e.gt(0)).sub(asNumber(e.lt(0)));

/**
 * Each function with the shape of its expression (see `MapShape`). log and
 * sqrt need no domain check: log(0) = -∞, log(-1) and sqrt(-1) are NaN,
 * and the later finite check nulls all three.
 */
const UNARY: Record<UnaryFunction, [MapShape, (e: pl.Expr) => pl.Expr]> = {
  neg: [ONCE_UNCHECKED, (e) => e.mul(-1)],
  abs: [ONCE_UNCHECKED, (e) => e.abs()],
  sign: [TWICE, sign],
  log: [ONCE_UNCHECKED, (e) => e.log()],
  sqrt: [ONCE_UNCHECKED, (e) => e.pow(0.5)],
  exp: [TWICE, (e) => finite(e.exp())],
  inverse: [TWICE, (e) => finite(literal(1).div(e))],
  not: [ONCE, (e) => asNumber(e.eq(literal(0)))],
};

/** `fn(x)` for a single-argument function. */
export function unary(fn: UnaryFunction, x: Operand): MapNode {
  const key = fn === "neg" ? signatureOf("-", x) : callSignature(fn, x);
  const [shape, build] = UNARY[fn];
  return mapNode(key, [x], shape, ([e]) => build(e));
}

/** signed_pow(x, p) = sign(x) * |x| ^ p (p a number or a node). */
export function signedPow(x: Operand, p: Operand): MapNode {
  if (typeof p === "number") {
    return mapNode(
      callSignature("signed_pow", x, p),
      [x],
      { uses: 6 },
      ([e]) => finite(sign(e).mul(e.abs().pow(p))),
    );
  }
  return mapNode(
    callSignature("signed_pow", x, p),
    [x, p],
    { uses: 6 },
    ([e, ep]) => sign(e).mul(power(e.abs(), ep)),
  );
}

/** Element-wise least / greatest of two operands; null if either is null. */
export function extreme(which: "min" | "max", a: Operand, b: Operand): MapNode {
  return mapNode(
    callSignature(which, a, b),
    [a, b],
    { uses: 3 },
    ([ea, eb]) => {
      const pickA = which === "min" ? ea.ltEq(eb) : ea.gtEq(eb);
      return pl.when(bothPresent(ea, eb)).then(
        pl.when(pickA).then(ea).otherwise(eb),
      ).otherwise(nothing());
    },
  );
}

/** clip(x, lo, hi) = min(max(x, lo), hi). */
export function clip(x: Operand, low: number, high: number): MapNode {
  return mapNode(
    callSignature("clip", x, low, high),
    [x],
    ONCE,
    ([e]) => e.clip(low, high),
  );
}

/** if_else(cond, a, b): a where cond != 0, b where cond == 0, null where cond is null. */
export function ifElse(cond: Operand, a: Operand, b: Operand): MapNode {
  return mapNode(
    signatureOf("(", cond, "?", a, ":", b, ")"),
    [cond, a, b],
    TWICE,
    ([c, ea, eb]) =>
      pl.when(c.isNull()).then(nothing()).when(truth(c)).then(ea)
        .otherwise(eb),
  );
}

/** where(x, cond, other): x where cond != 0, else other (null by default). */
export function where(x: Operand, cond: Operand, other?: Operand): MapNode {
  const key = other === undefined
    ? callSignature("where", x, cond)
    : callSignature("where", x, cond, other);
  return mapNode(
    key,
    other === undefined ? [x, cond] : [x, cond, other],
    TWICE,
    ([e, c, o]) =>
      pl.when(c.isNull()).then(nothing()).when(truth(c)).then(e)
        .otherwise(o ?? nothing()),
  );
}
