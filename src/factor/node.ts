/**
 * The expression graph behind a Factor. A node is immutable and named by
 * its canonical key (`ts_mean(close,20)`); equal keys mean equal values on
 * the same base, which is how shared sub-expressions are computed once.
 *
 * A key is kept as a {@linkcode Signature}: its own text around its operand
 * nodes. The full text of a formula of n operators has keys of total length
 * ~n²/2, so it is rendered only when asked for (`key`), and the evaluator
 * identifies nodes by their signatures (see `nodeIdentity`).
 *
 * @module
 */
import pl from "nodejs-polars";

/**
 * A typed-array kernel: inputs laid out symbol by symbol with NaN for null,
 * and each symbol's first row (plus the row count). `rowsBefore` counts,
 * per symbol, the rows that precede the ones given (non-zero when time
 * chunks are evaluated; only row-numbering kernels read it).
 */
export type Kernel = (
  inputs: Float64Array[],
  segments: Int32Array,
  rowsBefore?: Float64Array,
) => Float64Array;

/**
 * How far a time-series node's value at a row reaches into the same
 * symbol's other rows: `back` rows before it and `ahead` rows after it
 * (ts_mean(x, 20): 19 back; ts_shift(x, -3): 3 ahead). Chunked evaluation
 * reads that much around each chunk.
 */
export interface Reach {
  readonly back: number;
  readonly ahead: number;
}

/** A column of the base frame, read as Float64 with non-finite values as null. */
export interface ColumnNode {
  readonly kind: "column";
  readonly signature: Signature;
  readonly key: string;
  readonly inputs: readonly Node[];
  readonly column: string;
}

/**
 * An element-wise expression of its inputs, inlined into its readers while
 * the inlined expression stays small (see the evaluator's plan).
 */
export interface MapNode {
  readonly kind: "map";
  readonly signature: Signature;
  readonly key: string;
  readonly inputs: readonly Node[];
  readonly build: (inputs: pl.Expr[]) => pl.Expr;
  /** The most times `build` references any one input expression. */
  readonly uses: number;
  /**
   * True where `build` maps a null input to null and a non-finite input to
   * a non-finite or null result (`+ - *`, `neg`, `abs`, `log`, `sqrt`):
   * such a node reads its inputs unchecked and leaves its own non-finite
   * results for the first reader that needs finite values to null, so a
   * chain of them needs one finite check, not one per operator. Every
   * other node reads checked inputs and returns a checked result.
   */
  readonly keepsNonFinite: boolean;
}

/** How an element-wise operator's expression reads its inputs. */
export interface MapShape {
  /** The most times the expression references any one input. */
  readonly uses: number;
  /** See {@linkcode MapNode.keepsNonFinite}. @default false */
  readonly keepsNonFinite?: boolean;
}

/**
 * A time-series or cross-sectional node: computed into its own column, one
 * step after its inputs (never nested inside another window). Cross
 * sections are Polars expressions over the time-major frame (`expr`); time
 * series are kernels over typed arrays (`kernel`).
 */
export interface WindowNode {
  readonly kind: "window";
  readonly signature: Signature;
  readonly key: string;
  readonly inputs: readonly Node[];
  readonly expr?: (inputs: pl.Expr[]) => pl.Expr;
  readonly kernel?: Kernel;
  /** Rows of the same symbol a kernel reads; cross sections reach none. */
  readonly reach?: Reach;
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

/**
 * A node's canonical name as text fragments around its operand nodes: the
 * key is `parts[0] + nodes[0].key + parts[1] + ... + parts[n]`.
 */
export interface Signature {
  readonly parts: readonly string[];
  readonly nodes: readonly Node[];
}

/**
 * The signature of text pieces (kept as written), numbers (formatted) and
 * nodes, in order.
 */
export function signatureOf(...pieces: (Operand | string)[]): Signature {
  const parts = [""];
  const nodes: Node[] = [];
  for (const piece of pieces) {
    if (typeof piece === "object") {
      nodes.push(piece);
      parts.push("");
    } else {
      parts[parts.length - 1] += typeof piece === "number"
        ? formatNumber(piece)
        : piece;
    }
  }
  return { parts, nodes };
}

/** `name(arg,arg,...)`: the signature of an operator call. */
export function callSignature(
  name: string,
  ...args: (Operand | string)[]
): Signature {
  const pieces: (Operand | string)[] = [`${name}(`];
  args.forEach((arg, i) => i === 0 ? pieces.push(arg) : pieces.push(",", arg));
  pieces.push(")");
  return signatureOf(...pieces);
}

/**
 * The canonical text of a signature, walked with an explicit stack (a
 * method chain may be many thousands of nodes deep).
 */
function render(signature: Signature): string {
  const text: string[] = [];
  const stack = [{ signature, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const { parts, nodes } = top.signature;
    text.push(parts[top.next]);
    if (top.next < nodes.length) {
      stack.push({ signature: nodes[top.next++].signature, next: 0 });
    } else stack.pop();
  }
  return text.join("");
}

/** A node's fields but its signature and key. */
type Unkeyed<T extends Node> = Omit<T, "signature" | "key">;

/**
 * `fields` with its signature and a `key` rendered on first use.
 */
export function keyed<T extends object>(
  signature: Signature,
  fields: T,
): T & { readonly signature: Signature; readonly key: string } {
  let text: string | undefined;
  return {
    ...fields,
    signature,
    get key() {
      return text ??= render(signature);
    },
  };
}

/**
 * A function naming each node by its structure: nodes with equal keys get
 * the same short id. Each node is visited once, so naming a graph is linear
 * in its size where comparing keys would be quadratic.
 */
export function nodeIdentity(): (node: Node) => string {
  const ids = new Map<Node, string>();
  const interned = new Map<string, string>();
  // Operands before their readers, with an explicit stack: a method chain
  // may be many thousands of nodes deep.
  return (root: Node): string => {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack[stack.length - 1];
      if (ids.has(node)) {
        stack.pop();
        continue;
      }
      const { parts, nodes } = node.signature;
      const pending = nodes.filter((operand) => !ids.has(operand));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      const structure = `${parts.join("\u0000")}\u0001${
        nodes.map((operand) => ids.get(operand)).join(",")
      }`;
      let id = interned.get(structure);
      if (id === undefined) {
        id = `#${interned.size}`;
        interned.set(structure, id);
      }
      ids.set(node, id);
    }
    return ids.get(root)!;
  };
}

/** A column node. */
export function columnNode(column: string): ColumnNode {
  return keyed<Unkeyed<ColumnNode>>(signatureOf(column), {
    kind: "column",
    inputs: [],
    column,
  });
}

/** A time-series or cross-sectional node. */
export function windowNode(
  signature: Signature,
  fields: Omit<Unkeyed<WindowNode>, "kind">,
): WindowNode {
  return keyed<Unkeyed<WindowNode>>(signature, { kind: "window", ...fields });
}

/**
 * An element-wise node over operands; numbers become Float64 literals.
 * The evaluator sizes inlined expressions with `shape.uses` (`finite`
 * references its argument twice), and a test holds every operator's shape
 * against the expression it builds.
 */
export function mapNode(
  signature: Signature,
  operands: readonly Operand[],
  shape: MapShape,
  build: (inputs: pl.Expr[]) => pl.Expr,
): MapNode {
  const inputs = operands.filter((o): o is Node => typeof o !== "number");
  return keyed<Unkeyed<MapNode>>(signature, {
    kind: "map",
    inputs,
    uses: shape.uses,
    keepsNonFinite: shape.keepsNonFinite ?? false,
    build: (exprs) => {
      let next = 0;
      return build(
        operands.map((o) => typeof o === "number" ? literal(o) : exprs[next++]),
      );
    },
  });
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
