/**
 * Combining factors of different bases: each side is evaluated on its own
 * base, and the results are inner-joined on (start_time, end_time, symbol)
 * into a new base, built on first evaluation.
 *
 * @module
 */
import { Base, KEY_COLUMNS } from "./base.ts";
import { evaluate } from "./evaluate.ts";
import { columnNode, type Node } from "./node.ts";

/** A node together with the base it is computed on. */
export interface Placed {
  readonly base: Base;
  readonly node: Node;
}

/**
 * Puts `parts` on one base: theirs when they share it (no join), else a
 * join of their values, where each becomes a column named after its key
 * (suffixed `#2`, `#3`, ... where keys repeat across bases).
 */
export function align(parts: readonly Placed[]): { base: Base; nodes: Node[] } {
  const base = parts[0].base;
  if (parts.every((p) => p.base === base)) {
    return { base, nodes: parts.map((p) => p.node) };
  }
  const columns = new Map<string, Placed>();
  const names = parts.map((part) => {
    const existing = [...columns].find(([, p]) =>
      p.base === part.base && p.node.key === part.node.key
    );
    if (existing) return existing[0];
    let name = part.node.key;
    for (let n = 2; columns.has(name); n++) name = `${part.node.key}#${n}`;
    columns.set(name, part);
    return name;
  });
  const description = `join of ${
    [...columns.keys()].join(", ")
  } on (start_time, end_time, symbol)`;
  const joined = new Base(
    [...KEY_COLUMNS, ...columns.keys()],
    description,
    () => {
      const byBase = new Map<Base, { name: string; node: Node }[]>();
      for (const [name, part] of columns) {
        const outputs = byBase.get(part.base) ?? [];
        outputs.push({ name, node: part.node });
        byBase.set(part.base, outputs);
      }
      const frames = [...byBase].map(([b, outputs]) => evaluate(b, outputs));
      return frames.reduce((left, right) =>
        left.join(right, { on: [...KEY_COLUMNS], how: "inner" })
      ).sort({ by: ["end_time", "symbol"], maintainOrder: true });
    },
  );
  return { base: joined, nodes: names.map(columnNode) };
}
