/**
 * Evaluating many named factors in one pass over their shared base.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import { align } from "./align.ts";
import { KEY_COLUMNS } from "./base.ts";
import { evaluate, type Output } from "./evaluate.ts";
import { Factor, placedOf } from "./factor.ts";

/**
 * Evaluates named factors in one pass over their (shared) base: one frame
 * `start_time, end_time, symbol` plus a column per name. Shared
 * sub-expressions are computed once.
 */
export function computeFactors(factors: Record<string, Factor>): DataFrame {
  const names = Object.keys(factors);
  if (names.length === 0) {
    throw new InvalidArgumentError("factors", factors, "at least one factor");
  }
  const { base, outputs } = placeOutputs(factors);
  return evaluate(base, outputs);
}

function placeOutputs(factors: Record<string, Factor>) {
  const names = Object.keys(factors);
  for (const name of names) {
    if (!(factors[name] instanceof Factor)) {
      throw new InvalidArgumentError(
        `factors.${name}`,
        factors[name],
        "a Factor or a formula string",
      );
    }
    if (KEY_COLUMNS.includes(name)) {
      throw new InvalidArgumentError(
        "factors",
        name,
        "names other than start_time, end_time and symbol",
      );
    }
  }
  const { base, nodes } = align(
    names.map((name) => placedOf(factors[name])),
  );
  const outputs: Output[] = names.map((name, i) => ({ name, node: nodes[i] }));
  return { base, outputs };
}
