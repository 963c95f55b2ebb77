/**
 * The text of an evaluation plan: base, columns read and the steps.
 *
 * @module
 */
import type { Base } from "./base.ts";
import { type Output, plan } from "./evaluate.ts";

/**
 * The evaluation plan of `outputs` on `base`, as text (`factor.explain()`).
 */
export function explainPlan(base: Base, outputs: readonly Output[]): string {
  const schedule = plan(outputs);
  const lines = [
    `base: ${base.description}`,
    `reads: ${schedule.columns.join(", ") || "(no columns)"}`,
  ];
  schedule.levels.forEach((nodes, i) => {
    lines.push(`step ${i + 1} of ${schedule.levels.length}:`);
    for (const node of nodes) {
      lines.push(
        `  ${schedule.names.get(schedule.id(node))} = ${node.key}  [${
          node.kind === "window" && node.kernel ? "kernel" : "polars"
        }]`,
      );
    }
  });
  lines.push(
    `output: ${outputs.map((o) => `${o.name} = ${o.node.key}`).join("; ")}`,
  );
  return lines.join("\n");
}
