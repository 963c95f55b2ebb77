/**
 * Evaluation of factor graphs on the time-major bar frame: one step per
 * level of window nodes. A step runs its time-series kernels (inputs copied
 * into symbol-major typed arrays and back) and its cross sections (one
 * `withColumns` of `over("end_time")` expressions).
 *
 * A window node's level is one more than the deepest step node it reads
 * (through inlined element-wise nodes). Element-wise nodes are inlined into
 * their readers until the inlined expression outgrows
 * {@linkcode INLINE_BUDGET}; such a node becomes a step node too, computed
 * into a column in the step after its inputs. Nodes of one level run in one
 * step (Polars evaluates them in parallel), so no expression ever nests a
 * window inside another window with a different partition, the pattern that
 * measured 18x slower and returned nulls. Intermediate columns are dropped
 * after their last reader's level.
 *
 * @module
 */
import pl from "nodejs-polars";
import { type Base, KEY_COLUMNS, type Layout } from "./base.ts";
import {
  finite,
  type MapNode,
  type Node,
  nodeIdentity,
  nothing,
  type WindowNode,
} from "./node.ts";

/** One named result of an evaluation. */
export interface Output {
  /** Column name in the result frame. */
  readonly name: string;
  /** The graph computing it. */
  readonly node: Node;
}

/**
 * A node computed into a column of its own in one step: a window node, or
 * an element-wise node too large to inline (see
 * {@linkcode INLINE_BUDGET}).
 */
export type StepNode = WindowNode | MapNode;

/**
 * The largest expression (counted in references to columns, with every
 * repeated reference counted again) an element-wise node may inline; a
 * larger one becomes a column of its own, computed in a step. Operators
 * reference their inputs more than once (`when(x.isFinite()).then(x)`)
 * and Polars plans an expression as a tree, so inlining a chain whole
 * grows its plan exponentially with its depth (16 chained `+1` took 50 s
 * to plan). With the bound, plan size is linear in the formula's size,
 * while a usual formula (a few operators between windows) stays one
 * expression.
 */
export const INLINE_BUDGET = 32;

/**
 * The schedule of an evaluation, without running it. Nodes are known by
 * their ids (`id`): equal keys, equal ids.
 */
export interface Plan {
  /** The id of a node of the planned graphs. */
  readonly id: (node: Node) => string;
  /** Base columns read. */
  readonly columns: readonly string[];
  /** Nodes computed into columns, by step (index 0 = step 1). */
  readonly levels: readonly (readonly StepNode[])[];
  /** Per step node id: the step after which its column is no longer read. */
  readonly lastUse: ReadonlyMap<string, number>;
  /** Column name of each step node. */
  readonly names: ReadonlyMap<string, string>;
  /**
   * Step nodes whose values must become a frame column: read by a Polars
   * expression, an output, or a kernel through an element-wise node. The
   * others only feed kernels directly, which take the kernel's array as is.
   */
  readonly inFrame: ReadonlySet<string>;
  /** Kernel nodes read directly by a later kernel: their arrays are kept. */
  readonly kernelRead: ReadonlySet<string>;
}

/** Schedules the graphs of `outputs`; equal keys are computed once. */
export function plan(outputs: readonly Output[]): Plan {
  const id = nodeIdentity();
  const level = new Map<string, number>();
  // Size of each inlined element-wise node's unchecked expression.
  const inlined = new Map<string, number>();
  const levels: StepNode[][] = [];
  const columns = new Set<string>();
  const names = new Map<string, string>();
  const step = (node: StepNode, after: number): number => {
    (levels[after] ??= []).push(node);
    names.set(id(node), `__n${names.size}`);
    return after + 1;
  };
  // Iterative post-order: formulas may nest thousands of operators deep.
  const stack: { node: Node; expanded: boolean }[] = outputs.map((o) => ({
    node: o.node,
    expanded: false,
  }));
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const { node } = top;
    if (level.has(id(node))) {
      stack.pop();
      continue;
    }
    if (!top.expanded) {
      top.expanded = true;
      for (const input of node.inputs) {
        if (!level.has(id(input))) stack.push({ node: input, expanded: false });
      }
      continue;
    }
    stack.pop();
    let d = 0;
    let size = 0;
    for (const input of node.inputs) {
      d = Math.max(d, level.get(id(input))!);
      const unchecked = inlined.get(id(input)) ?? 1;
      // Nulling an inlined input's non-finite values references it twice
      // (step columns are stored checked).
      const checks = node.kind === "map" && !node.keepsNonFinite &&
        (input.kind === "column" ||
          (uncheckedMap(input) && inlined.has(id(input))));
      size += checks ? 2 * unchecked : unchecked;
    }
    if (node.kind === "column") columns.add(node.column);
    if (node.kind === "window") {
      d = step(node, d);
      for (const group of node.groupColumns ?? []) columns.add(group);
    }
    if (node.kind === "map") {
      size = 1 + node.uses * size;
      if (size > INLINE_BUDGET) d = step(node, d);
      else inlined.set(id(node), size);
    }
    level.set(id(node), d);
  }
  const lastUse = new Map<string, number>();
  levels.forEach((nodes, index) => {
    for (const node of nodes) {
      for (const read of stepsRead(node.inputs, names, id)) {
        lastUse.set(read, Math.max(lastUse.get(read) ?? 0, index + 1));
      }
    }
  });
  const inFrame = stepsRead(outputs.map((o) => o.node), names, id);
  for (const read of inFrame) lastUse.set(read, Infinity);
  const kernelRead = new Set<string>();
  for (const node of levels.flat()) {
    const kernel = node.kind === "window" ? node.kernel : undefined;
    if (!kernel) inFrame.add(id(node));
    const viaFrame = kernel
      ? node.inputs.filter((input) => !isKernel(input))
      : node.inputs;
    for (const read of stepsRead(viaFrame, names, id)) inFrame.add(read);
    if (!kernel) continue;
    for (const input of node.inputs) {
      if (isKernel(input)) kernelRead.add(id(input));
    }
  }
  return {
    id,
    columns: [...columns],
    levels,
    lastUse,
    names,
    inFrame,
    kernelRead,
  };
}

/** An element-wise node whose expression may leave non-finite values. */
function uncheckedMap(node: Node): boolean {
  return node.kind === "map" && node.keepsNonFinite;
}

function isKernel(node: Node): boolean {
  return node.kind === "window" && node.kernel !== undefined;
}

/**
 * Ids of the step nodes (those in `names`) that `nodes` read directly or
 * through inlined element-wise nodes.
 */
function stepsRead(
  nodes: readonly Node[],
  names: ReadonlyMap<string, string>,
  id: (node: Node) => string,
): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const pending = [...nodes];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (seen.has(id(node))) continue;
    seen.add(id(node));
    if (names.has(id(node))) found.add(id(node));
    else pending.push(...node.inputs);
  }
  return found;
}

/**
 * Evaluates `outputs` on `base`: a time-major frame `start_time, end_time,
 * symbol` plus one Float64 column per output. `schedule` is their plan
 * (made once for the time chunks of one evaluation).
 */
export function evaluate(
  base: Base,
  outputs: readonly Output[],
  schedule: Plan = plan(outputs),
): pl.DataFrame {
  const frame = base.frame();
  const read = [...new Set([...schedule.columns, "end_time"])];
  let df = frame.select(...read);

  // A column read, or an element-wise node that keeps non-finite values,
  // is inlined unchecked into readers that keep them too; `exprOf` gives
  // the checked expression (finite or null) every other reader needs.
  // Columns computed in steps are stored checked.
  const unchecked = new Map<string, pl.Expr>();
  const checked = new Map<string, pl.Expr>();
  const built = (node: MapNode): pl.Expr =>
    node.build(node.inputs.map(node.keepsNonFinite ? uncheckedOf : exprOf));
  const stepExpr = (node: MapNode): pl.Expr =>
    node.keepsNonFinite ? finite(built(node)) : built(node);
  const uncheckedOf = (node: Node): pl.Expr => {
    let expr = unchecked.get(schedule.id(node));
    if (expr) return expr;
    const name = schedule.names.get(schedule.id(node));
    if (name !== undefined) expr = pl.col(name);
    else if (node.kind === "column") {
      expr = pl.col(node.column).cast(pl.Float64);
    } else if (node.kind === "map") expr = built(node);
    else throw new Error(`window node ${node.key} has no column`);
    unchecked.set(schedule.id(node), expr);
    return expr;
  };
  const exprOf = (node: Node): pl.Expr => {
    let expr = checked.get(schedule.id(node));
    if (expr) return expr;
    const name = schedule.names.get(schedule.id(node));
    expr = name === undefined && (node.kind === "column" || uncheckedMap(node))
      ? finite(uncheckedOf(node))
      : uncheckedOf(node);
    checked.set(schedule.id(node), expr);
    return expr;
  };

  // Symbol-major kernel results that a later kernel reads directly.
  const arrays = new Map<string, Float64Array>();
  schedule.levels.forEach((nodes, index) => {
    const kernels = nodes.filter((n): n is WindowNode =>
      n.kind === "window" && n.kernel !== undefined
    );
    const computed = kernels.length > 0
      ? runKernels(df, kernels, exprOf, base.layout(), arrays, schedule.id)
      : [];
    const steps = nodes.filter((n) => n.kind === "map" || n.expr).map((n) =>
      (n.kind === "map" ? stepExpr(n) : n.expr!(n.inputs.map(exprOf)))
        .alias(schedule.names.get(schedule.id(n))!)
    );
    if (steps.length > 0) df = df.withColumns(...steps);
    const columns = computed.filter(({ node }) =>
      schedule.inFrame.has(schedule.id(node))
    )
      .map(({ node, timeMajor }) =>
        pl.Series(
          schedule.names.get(schedule.id(node))!,
          timeMajor(),
          pl.Float64,
        )
      );
    for (const { node, symbolMajor } of computed) {
      if (schedule.kernelRead.has(schedule.id(node))) {
        arrays.set(schedule.id(node), symbolMajor);
      }
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
  { order, segments, rowsBefore }: Layout,
  arrays: ReadonlyMap<string, Float64Array>,
  id: (node: Node) => string,
): {
  node: WindowNode;
  symbolMajor: Float64Array;
  timeMajor: () => Float64Array;
}[] {
  const wanted = [
    ...new Map(
      nodes.flatMap((n) => n.inputs)
        .filter((i) => !arrays.has(id(i)))
        .map((i) => [id(i), i]),
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
      inputs.set(id(input), symbolMajor);
    });
  }
  return nodes.map((node) => {
    const symbolMajor = node.kernel!(
      node.inputs.map((input) =>
        arrays.get(id(input)) ?? inputs.get(id(input))!
      ),
      segments,
      rowsBefore,
    );
    const timeMajor = () => {
      const out = new Float64Array(order.length);
      for (let k = 0; k < order.length; k++) out[order[k]] = symbolMajor[k];
      return out;
    };
    return { node, symbolMajor, timeMajor };
  });
}
