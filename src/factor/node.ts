/**
 * The expression graph behind a Factor. A node is immutable and named by
 * its canonical key (`ts_mean(close,20)`); equal keys mean equal values on
 * the same base, which is how shared sub-expressions are computed once.
 *
 * @module
 */
import pl from "nodejs-polars";

/**
 * A typed-array kernel: inputs laid out symbol by symbol with NaN for null,
 * and each symbol's first row (plus the row count).
 */
export type Kernel = (
  inputs: Float64Array[],
  segments: Int32Array,
) => Float64Array;

/** A column of the base frame, read as Float64 with non-finite values as null. */
export interface ColumnNode {
  readonly kind: "column";
  readonly key: string;
  readonly inputs: readonly Node[];
  readonly column: string;
}

/** An element-wise expression of its inputs, inlined wherever it is used. */
export interface MapNode {
  readonly kind: "map";
  readonly key: string;
  readonly inputs: readonly Node[];
  readonly build: (inputs: pl.Expr[]) => pl.Expr;
}

/**
 * A time-series or cross-sectional node: computed into its own column, one
 * step after its inputs (never nested inside another window). Cross
 * sections are Polars expressions over the time-major frame (`expr`); time
 * series are kernels over typed arrays (`kernel`).
 */
export interface WindowNode {
  readonly kind: "window";
  readonly key: string;
  readonly inputs: readonly Node[];
  readonly expr?: (inputs: pl.Expr[]) => pl.Expr;
  readonly kernel?: Kernel;
  /** Non-numeric base columns the expression reads (group tags). */
  readonly groupColumns?: readonly string[];
}

/** Any node of the graph. */
export type Node = ColumnNode | MapNode | WindowNode;

/** An operand of an element-wise operator: a node or a number. */
export type Operand = Node | number;

/** Canonical text of a number inside a key. */
export function formatNumber(value: number): string {
  return Object.is(value, -0) ? "0" : String(value);
}

/** Key of an operand. */
export function operandKey(operand: Operand): string {
  return typeof operand === "number" ? formatNumber(operand) : operand.key;
}

/** `name(arg,arg,...)`: the canonical key of an operator call. */
export function callKey(name: string, ...args: (Operand | string)[]): string {
  return `${name}(${
    args.map((a) => typeof a === "string" ? a : operandKey(a)).join(",")
  })`;
}

/** A column node. */
export function columnNode(column: string): ColumnNode {
  return { kind: "column", key: column, inputs: [], column };
}

/**
 * An element-wise node over operands; numbers become Float64 literals.
 */
export function mapNode(
  key: string,
  operands: readonly Operand[],
  build: (inputs: pl.Expr[]) => pl.Expr,
): MapNode {
  const inputs = operands.filter((o): o is Node => typeof o !== "number");
  return {
    kind: "map",
    key,
    inputs,
    build: (exprs) => {
      let next = 0;
      return build(
        operands.map((o) => typeof o === "number" ? literal(o) : exprs[next++]),
      );
    },
  };
}

/** A Float64 literal. */
export function literal(value: number): pl.Expr {
  return pl.lit(value).cast(pl.Float64);
}

/** The null literal. */
export function nothing(): pl.Expr {
  return pl.lit(null);
}

/** `expr` where it is finite, else null. */
export function finite(expr: pl.Expr): pl.Expr {
  return pl.when(expr.isFinite()).then(expr).otherwise(nothing());
}
