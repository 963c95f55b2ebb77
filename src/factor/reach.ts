/**
 * How much history (and future) a time chunk needs: given the rows of a
 * region around a chunk, the span of times from which every node of a
 * factor graph must be exact for the outputs to be exact on the chunk.
 *
 * Needs propagate from the outputs to the columns. A cross-sectional or
 * element-wise node needs its inputs exact at the times it must be exact
 * at; a time-series node of reach (back, ahead) needs, for every symbol,
 * the `back` rows before and `ahead` rows after its rows in that span. The
 * rows are counted in the region's own rows per symbol, so gaps, listings
 * and irregular (tick, volume) bars are handled exactly. Where a symbol's
 * rows in the region run out before the reach does and the symbol has
 * rows outside the region, the region is too small (`short`).
 *
 * @module
 */
import { firstAtOrAfter, type Span } from "../bar_rows.ts";
import { type Node, nodeIdentity } from "./node.ts";

/** The rows of a region, symbol by symbol. */
export interface RegionIndex {
  /** `end_time` of each row, symbol-major, ascending within a symbol. */
  readonly times: Float64Array;
  /** First position of each symbol in `times`, then the row count. */
  readonly segments: Int32Array;
  /** Per symbol: it has rows before the region. */
  readonly earlier: Uint8Array;
  /** Per symbol: it has rows after the region. */
  readonly later: Uint8Array;
}

/** What a region must cover. */
export interface Requirement {
  /** The span every base column must be exact on (read) to get the outputs. */
  readonly span: Span;
  /** The region lacks history before it. */
  readonly shortBefore: boolean;
  /** The region lacks rows after it. */
  readonly shortAfter: boolean;
}

/**
 * A graph's nodes in order, for {@linkcode requirement} (computed once per
 * evaluation, used for every chunk).
 */
export interface Graph {
  readonly outputs: readonly Node[];
  readonly id: (node: Node) => string;
  /** Every node once, inputs before their readers. */
  readonly order: readonly Node[];
}

/** The {@linkcode Graph} of `outputs`. */
export function graphOf(outputs: readonly Node[]): Graph {
  const id = nodeIdentity();
  return { outputs, id, order: topologicalOrder(outputs, id) };
}

/**
 * The span the base columns must cover so that the graph's outputs are
 * exact on `target`, measured on `region`'s rows.
 */
export function requirement(
  { outputs, id, order }: Graph,
  target: Span,
  region: RegionIndex,
): Requirement {
  const needs = new Map<string, { from: number; to: number }>();
  for (const node of outputs) widen(needs, id(node), target);
  let shortBefore = false, shortAfter = false;
  let from = target.from, to = target.to;
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    const need = needs.get(id(node));
    if (need === undefined) continue;
    from = Math.min(from, need.from);
    to = Math.max(to, need.to);
    const reach = node.kind === "window" ? node.reach : undefined;
    let inputNeed: Span = need;
    if (reach && (reach.back > 0 || reach.ahead > 0)) {
      const reached = reachedSpan(need, reach.back, reach.ahead, region);
      shortBefore ||= reached.shortBefore;
      shortAfter ||= reached.shortAfter;
      inputNeed = reached.span;
    }
    for (const input of node.inputs) widen(needs, id(input), inputNeed);
  }
  return { span: { from, to }, shortBefore, shortAfter };
}

function widen(
  needs: Map<string, { from: number; to: number }>,
  key: string,
  span: Span,
): void {
  const known = needs.get(key);
  if (known === undefined) needs.set(key, { from: span.from, to: span.to });
  else {
    known.from = Math.min(known.from, span.from);
    known.to = Math.max(known.to, span.to);
  }
}

/**
 * The span of rows `back` before and `ahead` after each symbol's rows in
 * `span`.
 */
function reachedSpan(
  span: Span,
  back: number,
  ahead: number,
  { times, segments, earlier, later }: RegionIndex,
): Requirement {
  let from = span.from, to = span.to;
  let shortBefore = false, shortAfter = false;
  for (let s = 0; s + 1 < segments.length; s++) {
    const first = segments[s], end = segments[s + 1];
    const i0 = firstAtOrAfter(times, first, end, span.from);
    const i1 = firstAtOrAfter(times, i0, end, span.to);
    if (i0 === i1) continue;
    let j0 = i0 - back;
    if (j0 < first) {
      if (earlier[s]) shortBefore = true;
      j0 = first;
    }
    let j1 = i1 - 1 + ahead;
    if (j1 >= end) {
      if (later[s]) shortAfter = true;
      j1 = end - 1;
    }
    from = Math.min(from, times[j0]);
    to = Math.max(to, times[j1] + 1);
  }
  return { span: { from, to }, shortBefore, shortAfter };
}

/** Every node of the graphs once, inputs before readers (iterative). */
function topologicalOrder(
  outputs: readonly Node[],
  id: (node: Node) => string,
): Node[] {
  const order: Node[] = [];
  const done = new Set<string>();
  const stack = outputs.map((node) => ({ node, expanded: false }));
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (done.has(id(top.node))) {
      stack.pop();
      continue;
    }
    if (!top.expanded) {
      top.expanded = true;
      for (const input of top.node.inputs) {
        if (!done.has(id(input))) stack.push({ node: input, expanded: false });
      }
      continue;
    }
    stack.pop();
    done.add(id(top.node));
    order.push(top.node);
  }
  return order;
}

/**
 * The rows a graph reaches back and ahead along its longest path (sums of
 * nested reaches): a first guess of a chunk's warm-up, in rows.
 */
export function totalReach(
  { outputs, id, order }: Graph,
): { back: number; ahead: number } {
  const back = new Map<string, number>(), ahead = new Map<string, number>();
  for (const node of order) {
    let b = 0, a = 0;
    for (const input of node.inputs) {
      b = Math.max(b, back.get(id(input))!);
      a = Math.max(a, ahead.get(id(input))!);
    }
    const reach = node.kind === "window" ? node.reach : undefined;
    back.set(id(node), b + (reach?.back ?? 0));
    ahead.set(id(node), a + (reach?.ahead ?? 0));
  }
  return {
    back: Math.max(0, ...outputs.map((o) => back.get(id(o))!)),
    ahead: Math.max(0, ...outputs.map((o) => ahead.get(id(o))!)),
  };
}
