/**
 * Evaluation of factor graphs on the time-major bar frame: one step per
 * level of window nodes. A step runs its time-series kernels (inputs copied
 * into symbol-major typed arrays and back) and its cross sections (one
 * `withColumns` of `over("end_time")` expressions).
 *
 * A window node's level is one more than the deepest window node it reads
 * (through element-wise nodes, which are inlined). Nodes of one level run in
 * one step (Polars evaluates them in parallel), so no expression ever nests
 * a window inside another window with a different partition, the pattern
 * that measured 18x slower and returned nulls. Intermediate columns are
 * dropped after their last reader's level.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Base, Layout } from "./base.ts";
import { finite, type Node, type WindowNode } from "./node.ts";

/** One named result of an evaluation. */
export interface Output {
  /** Column name in the result frame. */
  readonly name: string;
  /** The graph computing it. */
  readonly node: Node;
}

/** The schedule of an evaluation, without running it. */
export interface Plan {
  /** Base columns read. */
  readonly columns: readonly string[];
  /** Window nodes by level (index 0 = level 1). */
  readonly levels: readonly (readonly WindowNode[])[];
  /** Per window key: the level after which its column is no longer read. */
  readonly lastUse: ReadonlyMap<string, number>;
  /** Column name of each window node. */
  readonly names: ReadonlyMap<string, string>;
}

/** Schedules the graphs of `outputs`; equal keys are computed once. */
export function plan(outputs: readonly Output[]): Plan {
  const depth = new Map<string, number>();
  const levels: WindowNode[][] = [];
  const columns = new Set<string>();
  const names = new Map<string, string>();
  const visit = (node: Node): number => {
    const known = depth.get(node.key);
    if (known !== undefined) return known;
    let d = 0;
    for (const input of node.inputs) d = Math.max(d, visit(input));
    if (node.kind === "column") columns.add(node.column);
    if (node.kind === "window") {
      d += 1;
      (levels[d - 1] ??= []).push(node);
      names.set(node.key, `__n${names.size}`);
      for (const group of node.groupColumns ?? []) columns.add(group);
    }
    depth.set(node.key, d);
    return d;
  };
  for (const output of outputs) visit(output.node);
  const lastUse = new Map<string, number>();
  levels.forEach((nodes, index) => {
    for (const node of nodes) {
      for (const read of windowsRead(node.inputs)) {
        lastUse.set(read, Math.max(lastUse.get(read) ?? 0, index + 1));
      }
    }
  });
  for (const read of windowsRead(outputs.map((o) => o.node))) {
    lastUse.set(read, Infinity);
  }
  return { columns: [...columns], levels, lastUse, names };
}

/** Keys of the window nodes `nodes` read directly or through element-wise nodes. */
function windowsRead(nodes: readonly Node[]): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const walk = (node: Node) => {
    if (seen.has(node.key)) return;
    seen.add(node.key);
    if (node.kind === "window") found.add(node.key);
    else node.inputs.forEach(walk);
  };
  nodes.forEach(walk);
  return found;
}

/**
 * Evaluates `outputs` on `base`: a time-major frame `start_time, end_time,
 * symbol` plus one Float64 column per output.
 */
export function evaluate(base: Base, outputs: readonly Output[]): pl.DataFrame {
  const schedule = plan(outputs);
  const frame = base.frame();
  const read = [...new Set([...schedule.columns, "end_time"])];
  let df = frame.select(...read);

  const exprs = new Map<string, pl.Expr>();
  const exprOf = (node: Node): pl.Expr => {
    let expr = exprs.get(node.key);
    if (expr) return expr;
    if (node.kind === "column") {
      expr = finite(pl.col(node.column).cast(pl.Float64));
    } else if (node.kind === "map") {
      expr = node.build(node.inputs.map(exprOf));
    } else {
      expr = pl.col(schedule.names.get(node.key)!);
    }
    exprs.set(node.key, expr);
    return expr;
  };

  schedule.levels.forEach((nodes, index) => {
    const kernels = nodes.filter((n) => n.kernel);
    const computed = kernels.length > 0
      ? runKernels(df, kernels, exprOf, base.layout(), schedule.names)
      : [];
    const steps = nodes.filter((n) => n.expr).map((n) =>
      n.expr!(n.inputs.map(exprOf)).alias(schedule.names.get(n.key)!)
    );
    if (steps.length > 0) df = df.withColumns(...steps);
    if (computed.length > 0) {
      df = df.withColumns(...computed).withColumns(
        ...computed.map((s) => pl.col(s.name).fillNan(pl.lit(null))),
      );
    }
    const dead = [...schedule.lastUse]
      .filter(([, last]) => last === index + 1)
      .map(([key]) => schedule.names.get(key)!);
    if (dead.length > 0) df = df.drop(dead);
  });

  return pl.concat([
    frame.select("start_time", "end_time", "symbol"),
    df.select(...outputs.map((o) => exprOf(o.node).alias(o.name))),
  ], { how: "horizontal" });
}

/**
 * Runs `nodes`' kernels: each distinct input is computed once, copied into
 * symbol-major order, and each result copied back to time-major order.
 */
function runKernels(
  df: pl.DataFrame,
  nodes: readonly WindowNode[],
  exprOf: (node: Node) => pl.Expr,
  { order, segments }: Layout,
  names: ReadonlyMap<string, string>,
): pl.Series[] {
  const inputs = [
    ...new Map(nodes.flatMap((n) => n.inputs).map((i) => [i.key, i])).values(),
  ];
  const table = df.select(
    ...inputs.map((input, i) =>
      exprOf(input).fillNull(pl.lit(NaN)).alias(`__k${i}`)
    ),
  );
  const arrays = new Map(inputs.map((input, i) => {
    const timeMajor = table.getColumn(`__k${i}`).toTypedArray() as Float64Array;
    const symbolMajor = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) symbolMajor[k] = timeMajor[order[k]];
    return [input.key, symbolMajor];
  }));
  return nodes.map((node) => {
    const result = node.kernel!(
      node.inputs.map((n) => arrays.get(n.key)!),
      segments,
    );
    const timeMajor = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) timeMajor[order[k]] = result[k];
    return pl.Series(names.get(node.key)!, timeMajor, pl.Float64);
  });
}
