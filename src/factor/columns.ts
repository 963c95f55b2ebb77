/**
 * The factors of an AggBar's columns, and the base all of one AggBar's
 * factors share.
 *
 * @module
 */
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { Base, KEY_COLUMNS, valueColumns } from "./base.ts";
import { type Factor, factorOf } from "./factor.ts";
import { columnNode } from "./node.ts";

const bases = new WeakMap<AggBar, Base>();

/** The base of an AggBar's factors (one per AggBar, so its factors share it). */
function baseOf(agg: AggBar): Base {
  let base = bases.get(agg);
  if (!base) {
    base = new Base(
      agg.cols,
      `AggBar (${agg.length} rows × ${agg.cols.length} columns${
        agg.streamed ? ", in Parquet files" : ""
      }, no join)`,
      () => agg.toPolars(),
      { rows: () => agg.rows(), streamed: agg.streamed },
    );
    bases.set(agg, base);
  }
  return base;
}

const columnFactors = new WeakMap<AggBar, Map<string, Factor>>();

/**
 * The factor of an AggBar column: Float64, non-finite values as null. One
 * per AggBar and column, so a formula reading `close` a thousand times
 * checks the column once.
 */
export function columnFactor(agg: AggBar, column: string): Factor {
  let known = columnFactors.get(agg);
  if (!known) columnFactors.set(agg, known = new Map());
  let factor = known.get(column);
  if (!factor) {
    factor = newColumnFactor(agg, column);
    known.set(column, factor);
  }
  return factor;
}

function newColumnFactor(agg: AggBar, column: string): Factor {
  const base = baseOf(agg);
  const frame = agg.head(0);
  if (KEY_COLUMNS.includes(column) || !frame.columns.includes(column)) {
    throw new InvalidArgumentError(
      "column",
      column,
      `a value column of the AggBar (${
        valueColumns(frame.columns).join(", ")
      })`,
    );
  }
  if (!frame.getColumn(column).isNumeric()) {
    throw new InvalidArgumentError(
      "column",
      column,
      `a numeric column (it is ${frame.getColumn(column).dtype})`,
    );
  }
  return factorOf(base, columnNode(column));
}
