/**
 * Readable time columns: factorium keeps times as Int64 milliseconds since
 * the epoch (UTC); {@linkcode withDatetimes} turns them into Polars
 * `Datetime("ms", "UTC")` columns for people and for files.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "./polars.ts";

/** Whether a column name is a time column: `time` or ending in `_time`. */
export function isTimeColumn(name: string): boolean {
  return name === "time" || name.endsWith("_time");
}

/**
 * A copy of `frame` whose epoch-millisecond time columns are
 * `Datetime("ms", "UTC")`: `columns`, by default every column named `time`
 * or ending in `_time` (`start_time`, `end_time`, `last_time`, …); a
 * column that is not numeric (already a datetime, say) and every other
 * column are left as they are.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { withDatetimes } from "./datetimes.ts";
 * const frame = pl.DataFrame({ end_time: pl.Series("end_time", [1704067260000], pl.Int64) });
 * console.log(String(withDatetimes(frame).getColumn("end_time").dtype)); // Datetime(ms,UTC)
 * ```
 */
export function withDatetimes(
  frame: DataFrame,
  columns: readonly string[] = frame.columns.filter(isTimeColumn),
): DataFrame {
  const casts = columns
    .filter((name) => frame.getColumn(name).isNumeric())
    .map((name) => pl.col(name).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")));
  return casts.length === 0 ? frame : frame.withColumns(...casts);
}

/** How CSV files written by factorium spell a time: ISO 8601 in UTC, milliseconds. */
export const ISO_CSV_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ";

/**
 * The inverse of {@linkcode withDatetimes}: every `time` / `*_time` column
 * that is a datetime or an ISO 8601 string as written with
 * {@linkcode ISO_CSV_FORMAT} becomes Int64 epoch milliseconds; numeric
 * columns stay as they are.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { withEpochMs } from "./datetimes.ts";
 * const frame = pl.DataFrame({ end_time: ["2024-01-01T00:01:00.000Z"] });
 * console.log(withEpochMs(frame).getColumn("end_time").toArray()); // [1704067260000]
 * ```
 */
export function withEpochMs(frame: DataFrame): DataFrame {
  const casts = frame.columns
    .filter((name) => isTimeColumn(name) && !frame.getColumn(name).isNumeric())
    .map((name) => {
      const column = pl.col(name);
      const dtype = frame.getColumn(name).dtype;
      const datetime = dtype.equals(pl.String) || dtype.equals(pl.Utf8)
        ? column.str.strptime(pl.Datetime("ms"), ISO_CSV_FORMAT)
        : column;
      return datetime.cast(pl.Int64).alias(name);
    });
  return casts.length === 0 ? frame : frame.withColumns(...casts);
}
