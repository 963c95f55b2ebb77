/**
 * Rich display in Deno's Jupyter kernel: the MIME bundles that AggBar,
 * Factor and later result objects return from
 * `[Symbol.for("Jupyter.display")]()`. Every value is HTML-escaped; the
 * `text/plain` forms carry no ANSI codes.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBarMetadata } from "../data/metadata.ts";
import type { DataFrame } from "../polars.ts";
import {
  escapeHtml,
  formatNumber,
  formatUtc,
  htmlTable,
  STYLE,
} from "./html.ts";
import { plotFactor } from "./plot.ts";
import { formatBarSpec } from "../data/bar_spec.ts";

/** A Jupyter MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, string>;

/** The symbol Deno's Jupyter kernel looks up to display an object. */
export const JUPYTER_DISPLAY: symbol = Symbol.for("Jupyter.display");

/**
 * The MIME bundle of any object with a `[Symbol.for("Jupyter.display")]`
 * method (awaited), or `undefined` when it has none.
 *
 * @example
 * ```ts
 * import { bundleOf } from "./jupyter.ts";
 * const bundle = await bundleOf({ [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "hi" }) });
 * console.log(bundle); // { "text/plain": "hi" }
 * ```
 */
export async function bundleOf(
  value: unknown,
): Promise<MimeBundle | undefined> {
  const display = (value as Record<symbol, unknown> | null)?.[JUPYTER_DISPLAY];
  return typeof display === "function"
    ? await display.call(value) as MimeBundle
    : undefined;
}

/** Symbols listed by name before the list is cut short. */
const SHOWN_SYMBOLS = 20;
/** Symbols in the per-symbol preview of a factor. */
const PREVIEW_SYMBOLS = 10;

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Removes ANSI escape sequences (colours) from text.
 *
 * @example
 * ```ts
 * import { stripAnsi } from "./jupyter.ts";
 * console.log(stripAnsi("\x1b[31mred\x1b[0m")); // red
 * ```
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Wraps display HTML in factorium's styled container. */
export function htmlBlock(body: string): string {
  return `<div class="factorium"><style>${STYLE}</style>${body}</div>`;
}

function describeRange(min: number | null, max: number | null): string {
  return min === null
    ? "no bars"
    : `${formatUtc(min)} → ${formatUtc(max!)} UTC`;
}

function symbolList(symbols: readonly string[]): string {
  const shown = symbols.slice(0, SHOWN_SYMBOLS).join(", ");
  return symbols.length > SHOWN_SYMBOLS
    ? `${shown}, … (${symbols.length} in all)`
    : shown;
}

/**
 * What {@linkcode aggBarBundle} reads of an AggBar (the display layer takes
 * the bars as this shape, so it imports nothing above the data layer).
 */
export interface BarsSummary {
  /** Symbols, time range, row count and how the bars were built. */
  readonly metadata: AggBarMetadata;
  /** Number of rows. */
  readonly length: number;
  /** Column names. */
  readonly cols: readonly string[];
  /** The per-symbol info table. */
  info(): DataFrame;
  /** The first `n` rows. */
  head(n: number): DataFrame;
  /** The plain-text summary. */
  toString(): string;
}

/**
 * The display bundle of an AggBar: shape, symbols, time range, bar spec,
 * the `info()` table and the first rows (`text/html`), and its summary as
 * `text/plain`.
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { aggBarBundle } from "./jupyter.ts";
 * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, close: 1 }]);
 * console.log(Object.keys(aggBarBundle(agg))); // ["text/plain", "text/html"]
 * ```
 */
export function aggBarBundle(agg: BarsSummary): MimeBundle {
  const m = agg.metadata;
  const source = [m.exchange, m.market, m.dataType].filter(Boolean).join(" · ");
  const facts = [
    `${agg.length} rows × ${agg.cols.length} columns`,
    `${m.symbols.length} symbol(s)`,
    describeRange(m.minTime, m.maxTime),
    m.bar ? `bar ${formatBarSpec(m.bar)}` : "",
    source,
    m.missing?.length ? `${m.missing.length} missing symbol-day(s)` : "",
  ].filter(Boolean);
  const html = htmlBlock(
    `<h3>AggBar</h3><div class="meta">${
      facts.map(escapeHtml).join(" · ")
    }</div><div class="meta">symbols: ${
      escapeHtml(symbolList(m.symbols))
    }</div>` +
      htmlTable(agg.info(), { maxRows: SHOWN_SYMBOLS }) +
      `<div class="meta">first rows</div>` +
      htmlTable(agg.head(5)),
  );
  return { "text/plain": stripAnsi(agg.toString()), "text/html": html };
}

/**
 * Summary statistics of a factor column: one row with `rows, present,
 * null_share, mean, std, min, q25, median, q75, max` (nulls and NaN count
 * as missing).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { factorSummary } from "./jupyter.ts";
 * const s = factorSummary(pl.DataFrame({ factor: [1, 2, null] }));
 * console.log(s.getColumn("null_share").get(0)); // 0.3333333333333333
 * ```
 */
export function factorSummary(values: DataFrame, column = "factor"): DataFrame {
  const x = pl.col(column).cast(pl.Float64).fillNan(null);
  return values.select(
    pl.len().cast(pl.Int64).alias("rows"),
    x.count().cast(pl.Int64).alias("present"),
    x.isNull().mean().alias("null_share"),
    x.mean().alias("mean"),
    x.std().alias("std"),
    x.min().alias("min"),
    x.quantile(0.25).alias("q25"),
    x.median().alias("median"),
    x.quantile(0.75).alias("q75"),
    x.max().alias("max"),
  );
}

/** Per-symbol rows, present share, mean, std and the last present value. */
function perSymbol(values: DataFrame): DataFrame {
  const x = pl.col("factor").fillNan(null);
  return values.lazy()
    .groupBy("symbol")
    .agg(
      pl.len().alias("rows"),
      x.isNull().mean().alias("null_share"),
      x.mean().alias("mean"),
      x.std().alias("std"),
      x.dropNulls().last().alias("last"),
      pl.col("end_time").filter(x.isNotNull()).last().alias("last_time"),
    )
    .sort("symbol")
    .collectSync();
}

/**
 * The display bundle of a factor's values (`start_time, end_time,
 * symbol, factor`): name, shape, null share, summary statistics, a
 * per-symbol preview table and an inline SVG time-series chart
 * (`text/html`), and a text summary (`text/plain`).
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { factorBundle } from "./jupyter.ts";
 * const agg = AggBar.fromRecords([{ symbol: "A", start_time: 0, end_time: 60_000, close: 1 }]);
 * const close = agg.get("close");
 * const bundle = factorBundle(close.name, await close.collect());
 * console.log(bundle["text/html"].includes("<svg")); // true
 * ```
 */
export function factorBundle(name: string, values: DataFrame): MimeBundle {
  const summary = factorSummary(values);
  const stat = (name: string) =>
    summary.getColumn(name).get(0) as number | null;
  const symbols = values.getColumn("symbol").nUnique();
  const times = values.getColumn("end_time").nUnique();
  const nullShare = stat("null_share");
  const shape =
    `${values.height} rows · ${symbols} symbol(s) × ${times} time(s)`;
  const nulls = `null share ${
    nullShare === null ? "—" : `${(nullShare * 100).toFixed(2)}%`
  }`;
  const chart = plotFactor(values, name, "timeseries", {
    width: 760,
    height: 240,
    maxPoints: 200,
  });
  const preview = perSymbol(values);
  const html = htmlBlock(
    `<h3>Factor <code>${escapeHtml(name)}</code></h3>` +
      `<div class="meta">${escapeHtml(shape)} · ${escapeHtml(nulls)}</div>` +
      htmlTable(summary.drop("rows")) +
      `<div class="meta">per symbol${
        symbols > PREVIEW_SYMBOLS
          ? ` (first ${PREVIEW_SYMBOLS} of ${symbols})`
          : ""
      }</div>` +
      htmlTable(preview, { maxRows: PREVIEW_SYMBOLS }) +
      chart.toSVG(),
  );
  const plain = [
    `Factor ${name}`,
    `${shape}, ${nulls}`,
    ["mean", "std", "min", "median", "max"].map((s) =>
      `${s} ${formatNumber(stat(s))}`
    ).join(", "),
  ].join("\n");
  return { "text/plain": plain, "text/html": html };
}
