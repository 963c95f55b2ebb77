/**
 * The Jupyter display of a Polars frame that factorium returns: its shape,
 * the first and last rows with times as UTC date-times, and, for a factor
 * frame, the first rows that hold a value (a factor's warm-up rows are
 * null).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars.ts";
import { isTimeColumn } from "../datetimes.ts";
import { escapeHtml, htmlTable } from "./html.ts";
import { htmlBlock, JUPYTER_DISPLAY, type MimeBundle } from "./jupyter.ts";

/** Characters a text table may take before Polars wraps its cells. */
const TEXT_WIDTH = 200;
/** Rows shown from each end of a frame. */
const EDGE_ROWS = 5;

/**
 * `frame` as Polars' text table with every numeric `*_time` column as a
 * UTC date-time string: `2024-01-01 00:05`, with seconds (and
 * milliseconds) only when some value has them.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { frameText } from "./frame.ts";
 * console.log(frameText(pl.DataFrame({ end_time: [1704067500000] })).includes("2024-01-01 00:05")); // true
 * ```
 */
export function frameText(frame: DataFrame): string {
  const columns = frame.columns.filter((name) =>
    isTimeColumn(name) && frame.getColumn(name).isNumeric()
  );
  const formats = columns.map((name) => {
    const ms = pl.col(name).cast(pl.Int64);
    const whole = (step: number) =>
      frame.select(
        ms.modulo(pl.lit(step).cast(pl.Int64)).abs().max().alias("r"),
      ).getColumn("r").get(0) === 0;
    const format = whole(60_000)
      ? "%Y-%m-%d %H:%M"
      : whole(1000)
      ? "%Y-%m-%d %H:%M:%S"
      : "%Y-%m-%d %H:%M:%S%.3f";
    return ms.cast(pl.Datetime("ms", "UTC")).dt.strftime(format).alias(name);
  });
  const readable = formats.length === 0 ? frame : frame.withColumns(...formats);
  // Polars wraps cells to fit 100 characters, splitting each date-time over
  // two lines; widen the table for this one call (synchronous), then reset.
  pl.Config.setTblWidthChars(TEXT_WIDTH);
  try {
    return readable.toString();
  } finally {
    pl.Config.setTblWidthChars();
  }
}

function shapeLine(frame: DataFrame): string {
  return `shape: ${frame.height} rows × ${frame.width} columns`;
}

/**
 * The display bundle of a frame: shape, head and tail (`text/html` and
 * `text/plain`), times as UTC date-times; with a `factor` column also the
 * number of null rows and the first rows with a value.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { frameBundle } from "./frame.ts";
 * const bundle = frameBundle(pl.DataFrame({ end_time: [60_000], factor: [null] }));
 * console.log(bundle["text/plain"].split("\n")[0]); // shape: 1 rows × 2 columns · factor null in 1 row(s)
 * ```
 */
export function frameBundle(frame: DataFrame): MimeBundle {
  const long = frame.height > 2 * EDGE_ROWS;
  const parts: { label: string; rows: DataFrame }[] = long
    ? [
      { label: `first ${EDGE_ROWS} rows`, rows: frame.head(EDGE_ROWS) },
      { label: `last ${EDGE_ROWS} rows`, rows: frame.tail(EDGE_ROWS) },
    ]
    : [{ label: "rows", rows: frame }];
  let meta = shapeLine(frame);
  if (frame.columns.includes("factor")) {
    const missing = pl.col("factor").cast(pl.Float64).fillNan(null).isNull();
    const nulls = frame.select(missing.sum().alias("n")).getColumn("n")
      .get(0) as number;
    meta += ` · factor null in ${nulls} row(s)`;
    const leading = frame.head(EDGE_ROWS).filter(missing).height;
    if (nulls > 0 && leading > 0 && nulls < frame.height) {
      parts.splice(1, 0, {
        label: `first ${EDGE_ROWS} rows with a factor value`,
        rows: frame.filter(missing.not()).head(EDGE_ROWS),
      });
    }
  }
  const html = htmlBlock(
    `<div class="meta">${escapeHtml(meta)}</div>` +
      parts.map(({ label, rows }) =>
        `<div class="meta">${escapeHtml(label)}</div>` + htmlTable(rows)
      ).join(""),
  );
  const plain = [
    meta,
    ...parts.map(({ label, rows }) => `${label}:\n${frameText(rows)}`),
  ].join("\n");
  return { "text/html": html, "text/plain": plain };
}

/**
 * Gives `frame` factorium's Jupyter display ({@linkcode frameBundle})
 * instead of Deno's default (50 raw rows, epoch-ms times, no shape) and
 * returns it. The frame is otherwise unchanged; frames derived from it
 * display as usual.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { displayFrame } from "./frame.ts";
 * const frame = displayFrame(pl.DataFrame({ x: [1] }));
 * console.log(typeof (frame as unknown as Record<symbol, unknown>)[Symbol.for("Jupyter.display")]); // function
 * ```
 */
export function displayFrame(frame: DataFrame): DataFrame {
  Object.defineProperty(frame, JUPYTER_DISPLAY, {
    value: () => frameBundle(frame),
    configurable: true,
  });
  return frame;
}
