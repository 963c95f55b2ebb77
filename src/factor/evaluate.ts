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
import { type Base, KEY_COLUMNS, type Layout } from "./base.ts";
import { finite, type Node, nothing, type WindowNode } from "./node.ts";

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
  /**
   * Window nodes whose values must become a frame column: read by a Polars
   * expression, an output, or a kernel through an element-wise node. The
   * others only feed kernels directly, which take the kernel's array as is.
   */
  readonly inFrame: ReadonlySet<string>;
  /** Kernel nodes read directly by a later kernel: their arrays are kept. */
  readonly kernelRead: ReadonlySet<string>;
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
  const inFrame = windowsRead(outputs.map((o) => o.node));
  for (const read of inFrame) lastUse.set(read, Infinity);
  const kernelRead = new Set<string>();
  for (const node of levels.flat()) {
    const viaFrame = node.kernel
      ? node.inputs.filter((input) => input.kind !== "window")
      : node.inputs;
    for (const read of windowsRead(viaFrame)) inFrame.add(read);
    if (!node.kernel) continue;
    for (const input of node.inputs) {
      if (input.kind === "window" && input.kernel) kernelRead.add(input.key);
    }
  }
  return { columns: [...columns], levels, lastUse, names, inFrame, kernelRead };
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

  // Symbol-major kernel results that a later kernel reads directly.
  const arrays = new Map<string, Float64Array>();
  schedule.levels.forEach((nodes, index) => {
    const kernels = nodes.filter((n) => n.kernel);
    const computed = kernels.length > 0
      ? runKernels(df, kernels, exprOf, base.layout(), arrays)
      : [];
    const steps = nodes.filter((n) => n.expr).map((n) =>
      n.expr!(n.inputs.map(exprOf)).alias(schedule.names.get(n.key)!)
    );
    if (steps.length > 0) df = df.withColumns(...steps);
    const columns = computed.filter(({ node }) =>
      schedule.inFrame.has(node.key)
    )
      .map(({ node, timeMajor }) =>
        pl.Series(schedule.names.get(node.key)!, timeMajor(), pl.Float64)
      );
    for (const { node, symbolMajor } of computed) {
      if (schedule.kernelRead.has(node.key)) arrays.set(node.key, symbolMajor);
    }
    if (columns.length > 0) {
      df = df.withColumns(...columns).withColumns(
        ...columns.map((c) => pl.col(c.name).fillNan(nothing())),
      );
    }
    const dead = [...schedule.lastUse]
      .filter(([, last]) => last === index + 1)
      .map(([key]) => key);
    for (const key of dead) arrays.delete(key);
    const deadColumns = dead.filter((key) =>
      df.columns.includes(schedule.names.get(key)!)
    )
      .map((key) => schedule.names.get(key)!);
    if (deadColumns.length > 0) df = df.drop(deadColumns);
  });

  return pl.concat([
    frame.select(...KEY_COLUMNS),
    df.select(...outputs.map((o) => exprOf(o.node).alias(o.name))),
  ], { how: "horizontal" });
}

/**
 * Runs `nodes`' kernels on symbol-major arrays. An input is either the
 * symbol-major result of an earlier kernel (kept in `arrays`) or computed
 * from the frame once and permuted. `timeMajor()` permutes a result back to
 * the frame's row order.
 */
function runKernels(
  df: pl.DataFrame,
  nodes: readonly WindowNode[],
  exprOf: (node: Node) => pl.Expr,
  { order, segments }: Layout,
  arrays: ReadonlyMap<string, Float64Array>,
): {
  node: WindowNode;
  symbolMajor: Float64Array;
  timeMajor: () => Float64Array;
}[] {
  const wanted = [
    ...new Map(
      nodes.flatMap((n) => n.inputs)
        .filter((i) => !arrays.has(i.key))
        .map((i) => [i.key, i]),
    ).values(),
  ];
  const inputs = new Map<string, Float64Array>();
  if (wanted.length > 0) {
    const table = df.select(
      ...wanted.map((input, i) =>
        exprOf(input).fillNull(pl.lit(NaN)).alias(`__k${i}`)
      ),
    );
    wanted.forEach((input, i) => {
      const timeMajor = table.getColumn(`__k${i}`)
        .toTypedArray() as Float64Array;
      const symbolMajor = new Float64Array(order.length);
      for (let k = 0; k < order.length; k++) {
        symbolMajor[k] = timeMajor[order[k]];
      }
      inputs.set(input.key, symbolMajor);
    });
  }
  return nodes.map((node) => {
    const symbolMajor = node.kernel!(
      node.inputs.map((input) =>
        arrays.get(input.key) ?? inputs.get(input.key)!
      ),
      segments,
    );
    const timeMajor = () => {
      const out = new Float64Array(order.length);
      for (let k = 0; k < order.length; k++) out[order[k]] = symbolMajor[k];
      return out;
    };
    return { node, symbolMajor, timeMajor };
  });
}
