/**
 * The formula language: factor expressions as text, with factorium's
 * snake_case operator names and the vocabulary of "101 Formulaic Alphas"
 * (Kakushadze, 2015).
 *
 * Grammar, loosest binding first (C precedence; `^` binds tighter than unary
 * minus and is right-associative, so `-x^2` is `-(x^2)`):
 *
 * ```
 * formula  := ternary
 * ternary  := or ("?" formula ":" ternary)?
 * or       := and ("||" and)*
 * and      := equality ("&&" equality)*
 * equality := relation (("==" | "!=") relation)*
 * relation := sum (("<" | "<=" | ">" | ">=") sum)*
 * sum      := product (("+" | "-") product)*
 * product  := unary (("*" | "/") unary)*
 * unary    := ("-" | "+" | "!") unary | power
 * power    := primary ("^" unary)?
 * primary  := number | name | name "(" arguments ")" | "(" formula ")"
 * ```
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { FactoriumError, FormulaError } from "../errors.ts";
import { columnFactor } from "./columns.ts";
import { binaryOperation, Factor } from "./factor.ts";
import { checkOptions, closest, oneOf } from "../options.ts";
import { valueColumns } from "./base.ts";
import type { FormulaOptions } from "./formula_options.ts";
import type { BinaryOperator } from "./ops/math.ts";

export type { FormulaOptions };

type Ast =
  | { kind: "number"; value: number; at: number }
  | { kind: "name"; name: string; at: number }
  | { kind: "call"; name: string; args: Ast[]; at: number }
  | { kind: "unary"; op: "-" | "+" | "!"; arg: Ast; at: number }
  | { kind: "binary"; op: BinaryOperator; left: Ast; right: Ast; at: number }
  | { kind: "ternary"; cond: Ast; then: Ast; otherwise: Ast; at: number };

interface Token {
  type: "number" | "name" | "symbol" | "end";
  text: string;
  at: number;
}

const SYMBOLS = [
  "&&",
  "||",
  "<=",
  ">=",
  "==",
  "!=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "^",
  "!",
  "?",
  ":",
  "(",
  ")",
  ",",
];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ type: "number", text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(
      text.slice(i),
    );
    if (name) {
      tokens.push({ type: "name", text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (!symbol) {
      throw new FormulaError(text, i, `unexpected character '${ch}'`);
    }
    tokens.push({ type: "symbol", text: symbol, at: i });
    i += symbol.length;
  }
  tokens.push({ type: "end", text: "end of formula", at: text.length });
  return tokens;
}

/**
 * How deeply a formula may nest (parentheses, calls, unary operators and
 * `^` chains): the parser recurses per level, and 2,000 levels overflowed
 * the stack with a raw RangeError.
 */
export const MAX_NESTING = 256;

function parse(text: string): Ast {
  const tokens = tokenize(text);
  let index = 0;
  let depth = 0;
  const peek = () => tokens[index];
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_NESTING) {
      throw new FormulaError(
        text,
        peek().at,
        `nested more than ${MAX_NESTING} levels deep (split the formula, or build it with methods)`,
      );
    }
    const result = parse();
    depth--;
    return result;
  };
  const accept = (symbol: string) => {
    const token = peek();
    if (token.type === "symbol" && token.text === symbol) {
      index++;
      return token;
    }
    return undefined;
  };
  const expect = (symbol: string, context: string) => {
    const token = accept(symbol);
    if (!token) {
      throw new FormulaError(
        text,
        peek().at,
        `expected '${symbol}' ${context}, found ${describe(peek())}`,
      );
    }
    return token;
  };
  const leftAssociative = (
    operators: BinaryOperator[],
    operand: () => Ast,
  ) =>
  (): Ast => {
    let left = operand();
    for (;;) {
      const token = peek();
      const op = operators.find((o) =>
        token.type === "symbol" && token.text === o
      );
      if (!op) return left;
      index++;
      left = { kind: "binary", op, left, right: operand(), at: token.at };
    }
  };

  const primary = (): Ast => {
    const token = peek();
    if (token.type === "number") {
      index++;
      return { kind: "number", value: Number(token.text), at: token.at };
    }
    if (token.type === "name") {
      index++;
      if (!accept("(")) return { kind: "name", name: token.text, at: token.at };
      const args: Ast[] = [];
      if (!accept(")")) {
        do args.push(nested(formula)); while (accept(","));
        expect(")", `to close the arguments of ${token.text}(`);
      }
      return { kind: "call", name: token.text, args, at: token.at };
    }
    if (accept("(")) {
      const inner = nested(formula);
      expect(")", "to close '('");
      return inner;
    }
    throw new FormulaError(
      text,
      token.at,
      `expected a number, a name or '(', found ${describe(token)}`,
    );
  };
  const power = (): Ast => {
    const base = primary();
    const token = accept("^");
    if (!token) return base;
    return {
      kind: "binary",
      op: "^",
      left: base,
      right: nested(unary),
      at: token.at,
    };
  };
  const unary = (): Ast => {
    const token = peek();
    if (
      token.type === "symbol" &&
      (token.text === "-" || token.text === "+" || token.text === "!")
    ) {
      index++;
      return {
        kind: "unary",
        op: token.text,
        arg: nested(unary),
        at: token.at,
      };
    }
    return power();
  };
  const product = leftAssociative(["*", "/"], unary);
  const sum = leftAssociative(["+", "-"], product);
  const relation = leftAssociative(["<=", ">=", "<", ">"], sum);
  const equality = leftAssociative(["==", "!="], relation);
  const and = leftAssociative(["&&"], equality);
  const or = leftAssociative(["||"], and);
  const formula = (): Ast => {
    const cond = or();
    const token = accept("?");
    if (!token) return cond;
    const then = nested(formula);
    expect(":", "after the '?' branch");
    return {
      kind: "ternary",
      cond,
      then,
      otherwise: nested(formula),
      at: token.at,
    };
  };

  const result = formula();
  if (peek().type !== "end") {
    throw new FormulaError(
      text,
      peek().at,
      `expected an operator or the end of the formula, found ${
        describe(peek())
      }`,
    );
  }
  return result;
}

function describe(token: Token): string {
  return token.type === "end" ? "the end of the formula" : `'${token.text}'`;
}

type Value = Factor | number;

/** What a function does with its evaluated arguments. */
interface FunctionSpec {
  /** Argument kinds: f = factor, w = window (floored), n = number, g = group name, d = distribution name. */
  args: string;
  /** How many trailing arguments may be left out. */
  optional?: number;
  apply: (args: (Value | string)[]) => Value;
}

const f = (v: Value | string) => v as Factor;
const n = (v: Value | string) => v as number;

function unaryFn(apply: (x: Factor) => Factor): FunctionSpec {
  return { args: "f", apply: ([x]) => apply(f(x)) };
}
function windowFn(apply: (x: Factor, w: number) => Factor): FunctionSpec {
  return { args: "fw", apply: ([x, w]) => apply(f(x), n(w)) };
}
function pairFn(
  apply: (a: Factor, b: Factor, w: number) => Factor,
): FunctionSpec {
  return { args: "ffw", apply: ([a, b, w]) => apply(f(a), f(b), n(w)) };
}
function binaryFn(op: BinaryOperator): FunctionSpec {
  return {
    args: "vv",
    apply: ([a, b]) => binaryOperation(op, a as Value, b as Value),
  };
}

/** Every function of the language, by lower-case name. */
const FUNCTIONS: Record<string, FunctionSpec> = {
  ts_sum: windowFn((x, w) => x.tsSum(w)),
  ts_mean: windowFn((x, w) => x.tsMean(w)),
  ts_median: windowFn((x, w) => x.tsMedian(w)),
  ts_min: windowFn((x, w) => x.tsMin(w)),
  ts_max: windowFn((x, w) => x.tsMax(w)),
  ts_std: windowFn((x, w) => x.tsStd(w)),
  ts_var: windowFn((x, w) => x.tsVar(w)),
  ts_zscore: windowFn((x, w) => x.tsZscore(w)),
  ts_cv: windowFn((x, w) => x.tsCv(w)),
  ts_skew: windowFn((x, w) => x.tsSkew(w)),
  ts_kurt: windowFn((x, w) => x.tsKurt(w)),
  ts_product: windowFn((x, w) => x.tsProduct(w)),
  ts_argmax: windowFn((x, w) => x.tsArgmax(w)),
  ts_argmin: windowFn((x, w) => x.tsArgmin(w)),
  ts_rank: windowFn((x, w) => x.tsRank(w)),
  ts_scale: windowFn((x, w) => x.tsScale(w)),
  ts_decay_linear: windowFn((x, w) => x.tsDecayLinear(w)),
  ts_ema: windowFn((x, w) => x.tsEma(w)),
  ts_quantile: {
    args: "fwd",
    optional: 1,
    apply: ([x, w, d]) =>
      f(x).tsQuantile(n(w), (d ?? "normal") as "normal" | "uniform" | "cauchy"),
  },
  ts_shift: windowFn((x, k) => x.tsShift(k)),
  ts_delta: windowFn((x, k) => x.tsDelta(k)),
  ts_pct_change: windowFn((x, k) => x.tsPctChange(k)),
  ts_corr: pairFn((a, b, w) => a.tsCorr(b, w)),
  ts_cov: pairFn((a, b, w) => a.tsCov(b, w)),
  ts_beta: pairFn((a, b, w) => a.tsBeta(b, w)),
  ts_alpha: pairFn((a, b, w) => a.tsAlpha(b, w)),
  ts_resid: pairFn((a, b, w) => a.tsResid(b, w)),
  ts_autocorr: {
    args: "fww",
    optional: 1,
    apply: ([x, w, lag]) =>
      f(x).tsAutocorr(n(w), lag === undefined ? 1 : n(lag)),
  },
  ts_step: unaryFn((x) => x.tsStep()),
  cs_rank: unaryFn((x) => x.csRank()),
  cs_zscore: unaryFn((x) => x.csZscore()),
  cs_demean: unaryFn((x) => x.csDemean()),
  cs_mean: unaryFn((x) => x.csMean()),
  cs_median: unaryFn((x) => x.csMedian()),
  cs_scale: {
    args: "fn",
    optional: 1,
    apply: ([x, a]) => f(x).csScale(a === undefined ? 1 : n(a)),
  },
  cs_winsorize: {
    args: "fnn",
    optional: 2,
    apply: ([x, lo, hi]) =>
      f(x).csWinsorize(
        lo === undefined ? 0.05 : n(lo),
        hi === undefined ? 0.95 : n(hi),
      ),
  },
  cs_neutralize: { args: "ff", apply: ([y, x]) => f(y).csNeutralize(f(x)) },
  group_neutralize: {
    args: "fg",
    apply: ([y, g]) => f(y).groupNeutralize(g as string),
  },
  abs: unaryFn((x) => x.abs()),
  sign: unaryFn((x) => x.sign()),
  log: unaryFn((x) => x.log()),
  sqrt: unaryFn((x) => x.sqrt()),
  exp: unaryFn((x) => x.exp()),
  inverse: unaryFn((x) => x.inverse()),
  neg: unaryFn((x) => x.neg()),
  not: unaryFn((x) => x.not()),
  signed_pow: { args: "fv", apply: ([x, p]) => f(x).signedPow(p as Value) },
  pow: binaryFn("^"),
  clip: { args: "fnn", apply: ([x, lo, hi]) => f(x).clip(n(lo), n(hi)) },
  where: {
    args: "ffv",
    optional: 1,
    apply: ([x, c, o]) => f(x).where(f(c), o as Value | undefined),
  },
  if_else: {
    args: "fvv",
    apply: ([c, a, b]) => f(c).ifElse(a as Value, b as Value),
  },
  least: { args: "fv", apply: ([a, b]) => f(a).min(b as Value) },
  greatest: { args: "fv", apply: ([a, b]) => f(a).max(b as Value) },
  add: binaryFn("+"),
  sub: binaryFn("-"),
  mul: binaryFn("*"),
  div: binaryFn("/"),
  gt: binaryFn(">"),
  ge: binaryFn(">="),
  lt: binaryFn("<"),
  le: binaryFn("<="),
  eq: binaryFn("=="),
  ne: binaryFn("!="),
  and: binaryFn("&&"),
  or: binaryFn("||"),
};

/** The paper's names for the same operators. */
const ALIASES: Record<string, string> = {
  rank: "cs_rank",
  delay: "ts_shift",
  delta: "ts_delta",
  correlation: "ts_corr",
  covariance: "ts_cov",
  scale: "cs_scale",
  signedpower: "signed_pow",
  decay_linear: "ts_decay_linear",
  sum: "ts_sum",
  product: "ts_product",
  stddev: "ts_std",
  indneutralize: "group_neutralize",
};

/** Function names the language knows, for error messages and docs. */
export const FORMULA_FUNCTIONS: readonly string[] = [
  ...Object.keys(FUNCTIONS),
  ...Object.keys(ALIASES),
  "min",
  "max",
].sort();

const DISTRIBUTIONS = ["normal", "uniform", "cauchy"];

const ADV_READINGS = ["dollar", "units"] as const;

/**
 * Parses `text` into a factor over `agg`'s columns.
 *
 * Names are columns of the AggBar, plus (when no column has that name)
 * `returns` (= ts_pct_change(close, 1)), `adv{d}` (= ts_mean(volume * vwap,
 * d), average dollar volume; ts_mean(volume, d) with `{ adv: "units" }`)
 * and `IndClass.<column>` as the group argument of `indneutralize` /
 * `group_neutralize`. Function names are case-insensitive. `min(x, d)` /
 * `max(x, d)` with a number `d` are the paper's ts_min / ts_max; with two
 * factors they are element-wise (use `least` / `greatest` for element-wise
 * with a number). Window arguments that are not integers are floored, as in
 * the paper.
 */
export function parseFormula(
  text: string,
  agg: AggBar,
  options: FormulaOptions = {},
): Factor {
  if (typeof text !== "string" || text.trim() === "") {
    throw new FormulaError(String(text), 0, "expected a formula");
  }
  const advReading = oneOf(
    "adv",
    checkOptions("formula", options, { adv: true }).adv ?? "dollar",
    ADV_READINGS,
  );
  const ast = parse(text);
  const fail = (node: Ast, problem: string, cause?: unknown): never => {
    throw new FormulaError(text, node.at, problem, { cause });
  };

  const column = (node: Ast, name: string): Factor =>
    guard(node, () => columnFactor(agg, name));

  const name = (node: Ast & { kind: "name" }): Value => {
    if (agg.cols.includes(node.name)) return column(node, node.name);
    if (node.name === "returns") {
      return column(node, "close").tsPctChange(1);
    }
    const adv = /^adv(\d+)$/.exec(node.name);
    if (adv) {
      return guard(node, () => {
        const volume = column(node, "volume");
        const averaged = advReading === "units"
          ? volume
          : volume.mul(column(node, "vwap"));
        return averaged.tsMean(Number(adv[1]));
      });
    }
    if (node.name === "cap") {
      return fail(
        node,
        "market cap ('cap') is not in the bars; add a 'cap' column to the AggBar to use it",
      );
    }
    if (node.name.startsWith("IndClass.")) {
      return fail(
        node,
        `${node.name} is a group, usable only as the second argument of indneutralize / group_neutralize`,
      );
    }
    return fail(
      node,
      `unknown name '${node.name}'; columns are ${
        valueColumns(agg.cols).join(", ")
      } (plus returns, vwap, adv{d})`,
    );
  };

  const guard = <T>(node: Ast, build: () => T): T => {
    try {
      return build();
    } catch (error) {
      if (error instanceof FactoriumError && !(error instanceof FormulaError)) {
        return fail(node, error.message, error);
      }
      throw error;
    }
  };

  const fold = (node: Ast, value: number): number =>
    Number.isFinite(value)
      ? value
      : fail(node, `the constant expression is ${value}`);

  const constantBinary = (op: BinaryOperator, a: number, b: number) => {
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return a / b;
      case "^":
        return a ** b;
      case ">":
        return Number(a > b);
      case ">=":
        return Number(a >= b);
      case "<":
        return Number(a < b);
      case "<=":
        return Number(a <= b);
      case "==":
        return Number(a === b);
      case "!=":
        return Number(a !== b);
      case "&&":
        return Number(a !== 0 && b !== 0);
      case "||":
        return Number(a !== 0 || b !== 0);
    }
  };

  const evaluate = (node: Ast): Value => {
    switch (node.kind) {
      case "number":
        return node.value;
      case "name":
        return name(node);
      case "unary": {
        const arg = evaluate(node.arg);
        if (node.op === "+") return arg;
        if (typeof arg === "number") {
          return node.op === "-" ? -arg : Number(arg === 0);
        }
        return node.op === "-" ? arg.neg() : arg.not();
      }
      case "binary": {
        const left = evaluate(node.left);
        const right = evaluate(node.right);
        if (typeof left === "number" && typeof right === "number") {
          return fold(node, constantBinary(node.op, left, right));
        }
        return guard(node, () => binaryOperation(node.op, left, right));
      }
      case "ternary": {
        const cond = evaluate(node.cond);
        const then = evaluate(node.then);
        const otherwise = evaluate(node.otherwise);
        if (typeof cond === "number") return cond !== 0 ? then : otherwise;
        return guard(node, () => cond.ifElse(then, otherwise));
      }
      case "call":
        return call(node);
    }
  };

  const call = (node: Ast & { kind: "call" }): Value => {
    const lower = node.name.toLowerCase();
    if (lower === "min" || lower === "max") return minMax(node, lower);
    const spec = FUNCTIONS[ALIASES[lower] ?? lower];
    if (!spec) {
      return fail(
        node,
        `unknown function '${node.name}'${suggest(lower)}`,
      );
    }
    const required = spec.args.length - (spec.optional ?? 0);
    if (node.args.length < required || node.args.length > spec.args.length) {
      const count = required === spec.args.length
        ? `${required}`
        : `${required} to ${spec.args.length}`;
      return fail(
        node,
        `${node.name}() takes ${count} argument(s), got ${node.args.length}`,
      );
    }
    const args = node.args.map((arg, i) => argument(arg, spec.args[i]));
    return guard(node, () => spec.apply(args));
  };

  const argument = (node: Ast, kind: string): Value | string => {
    if (kind === "g") {
      if (node.kind !== "name") {
        return fail(node, "expected a group such as IndClass.sector");
      }
      return node.name.startsWith("IndClass.")
        ? node.name.slice("IndClass.".length)
        : node.name;
    }
    if (kind === "d") {
      if (node.kind !== "name" || !DISTRIBUTIONS.includes(node.name)) {
        return fail(node, `expected one of ${DISTRIBUTIONS.join(", ")}`);
      }
      return node.name;
    }
    const value = evaluate(node);
    if (kind === "f" && typeof value === "number") {
      return fail(node, "expected a factor expression, found a number");
    }
    if ((kind === "w" || kind === "n") && typeof value !== "number") {
      return fail(node, "expected a number, found a factor expression");
    }
    return kind === "w" ? Math.floor(value as number) : value;
  };

  const minMax = (node: Ast & { kind: "call" }, which: "min" | "max") => {
    if (node.args.length !== 2) {
      return fail(
        node,
        `${node.name}() takes 2 arguments, got ${node.args.length}`,
      );
    }
    const [a, b] = node.args.map(evaluate);
    if (typeof a === "number" && typeof b === "number") {
      return Math[which](a, b);
    }
    if (typeof a === "number") {
      return fail(
        node,
        `${node.name}(number, x) is ambiguous: write ${which}(x, d) for ts_${which} over d bars or ${
          which === "min" ? "least" : "greatest"
        }(x, number) for element-wise`,
      );
    }
    return guard(node, () => {
      if (typeof b === "number") {
        const w = Math.floor(b);
        return which === "min" ? a.tsMin(w) : a.tsMax(w);
      }
      return which === "min" ? a.min(b) : a.max(b);
    });
  };

  const result = evaluate(ast);
  if (typeof result === "number") {
    throw new FormulaError(
      text,
      0,
      `the formula is the constant ${result}; it must use at least one column`,
    );
  }
  return result;
}

function suggest(name: string): string {
  const near = closest(name, FORMULA_FUNCTIONS);
  return near ? ` (did you mean ${near}?)` : "";
}

Factor.parse = parseFormula;
