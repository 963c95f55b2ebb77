/**
 * A factor's values next to the price of the same bar: the frame the
 * analyzer and the backtester start from.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { columnFactor } from "../factor/columns.ts";
import { forEachChunk } from "../factor/compute.ts";
import { Factor } from "../factor/factor.ts";
import type { DataFrame } from "../polars.ts";
import { formatInterval } from "../time.ts";

/**
 * The factor values and prices of `agg`, `start_time, end_time, symbol,
 * factor, price` (joined when the factor comes from another AggBar), plus
 * a column per `extra` factor, passed to `onChunk` in time order: in one
 * frame, or a time chunk at a time when the bars stay in files or
 * `chunkMs` is given.
 */
export async function factorWithPrice(
  factor: Factor,
  agg: AggBar,
  price: string,
  argument: string,
  onChunk: (chunk: DataFrame) => void | Promise<void>,
  chunkMs?: number,
  extra: Record<string, Factor> = {},
): Promise<void> {
  if (!(factor instanceof Factor)) {
    throw new InvalidArgumentError(argument, factor, "a Factor");
  }
  checkPrice(agg, price);
  await forEachChunk(
    { factor, price: columnFactor(agg, price), ...extra },
    onChunk,
    chunkMs,
  );
}

function checkPrice(agg: AggBar, price: string): void {
  if (typeof price !== "string" || !agg.cols.includes(price)) {
    throw new InvalidArgumentError(
      "price",
      price,
      `a column of the AggBar (${agg.cols.join(", ")})`,
    );
  }
}

const KEYS = ["start_time", "end_time", "symbol"];

/** The median bar span of a frame of bars, for messages. */
function span(frame: DataFrame): string {
  const ms = frame.select(
    pl.col("end_time").sub(pl.col("start_time")).median().alias("span"),
  ).getColumn("span").get(0) as number | null;
  return ms !== null && Number.isInteger(ms) && ms > 0
    ? formatInterval(ms)
    : "no fixed span";
}

/**
 * The factor's rows with the price of the bar at the same (start_time,
 * end_time, symbol): a column copy when the factor is computed on `agg`'s
 * own bars, else a join that keeps only the rows on a bar of `agg` (how
 * many there were before is `factorRows`). A factor with no row on a bar
 * is refused, saying both bar spans and whether any end_time is shared.
 *
 * @example
 * ```ts ignore
 * const { frame, factorRows } = await factorAndPrice(factor, agg, "close");
 * ```
 */
export async function factorAndPrice(
  factor: Factor,
  agg: AggBar,
  price: string,
): Promise<{ frame: DataFrame; factorRows: number }> {
  checkPrice(agg, price);
  const values = await factor.collect();
  const bars = agg.toPolars();
  const factorRows = values.height;
  if (
    factorRows === bars.height &&
    KEYS.every((key) => values.getColumn(key).seriesEqual(bars.getColumn(key)))
  ) {
    return {
      frame: values.withColumns(bars.getColumn(price).alias("price")),
      factorRows,
    };
  }
  const frame = values.join(
    bars.select(...KEYS, pl.col(price).alias("price")),
    { on: KEYS, how: "inner" },
  );
  if (frame.height === 0) {
    if (factorRows === 0) {
      throw new InvalidArgumentError("factor", "a factor of 0 rows", "rows");
    }
    const times = (f: DataFrame) => f.getColumn("end_time").unique();
    const shared = times(values).isIn(times(bars)).cast(pl.Float64).sum();
    throw new InvalidArgumentError(
      "factor",
      `a factor of ${factorRows} rows (bars of ${
        span(values)
      }) on none of the price AggBar's bars (bars of ${span(bars)})`,
      `rows with the start_time, end_time and symbol of a price bar; ${
        shared === 0
          ? "the factor's times and the price AggBar's times share no end_time"
          : `${shared} end_times are shared, but never with the same start_time and symbol`
      }`,
    );
  }
  return { frame, factorRows };
}
