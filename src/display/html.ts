/**
 * Small HTML builders shared by the Jupyter display, charts and reports:
 * escaping, tables from Polars frames, standalone pages.
 *
 * @module
 */
import type { DataFrame } from "../polars.ts";
import { isTimeColumn } from "../datetimes.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML and XML content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./html.ts";
 * console.log(escapeHtml("<script>")); // &lt;script&gt;
 * ```
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Options of {@linkcode htmlTable}. */
export interface HtmlTableOptions {
  /** Columns holding epoch milliseconds, shown as UTC date-times. @default every column named `time` or ending in `_time` */
  timeColumns?: readonly string[];
  /** Rows shown; the rest is summarised in a footer line. @default 20 */
  maxRows?: number;
  /** The table's caption (what it shows, in which unit): the table then sits in a `<figure>` under a `<figcaption>`. @default none */
  caption?: string;
}

/**
 * An HTML table of a (small) frame: times as UTC date-times, floats with
 * enough digits to tell a column's values apart (see
 * {@linkcode formatColumn}), nulls as an em dash, every value escaped.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { htmlTable } from "./html.ts";
 * console.log(htmlTable(pl.DataFrame({ symbol: ["<b>"], end_time: [0] })));
 * ```
 */
export function htmlTable(
  frame: DataFrame,
  options: HtmlTableOptions = {},
): string {
  const timeColumns = new Set(
    options.timeColumns ?? frame.columns.filter(isTimeColumn),
  );
  const maxRows = options.maxRows ?? 20;
  const shown = frame.head(maxRows);
  const columns = shown.columns.map((name) => {
    const series = shown.getColumn(name);
    const values = series.toArray() as unknown[];
    const numeric = series.isNumeric() && !timeColumns.has(name);
    const cells = timeColumns.has(name) && series.isNumeric()
      ? values.map((v) => v === null ? "—" : formatUtc(Number(v)))
      : formatColumn(values);
    return { name, cells, numeric };
  });
  const head = columns.map((c) => `<th>${escapeHtml(c.name)}</th>`).join("");
  const rows = Array.from(
    { length: shown.height },
    (_, i) =>
      `<tr>${
        columns.map((c) =>
          `<td${c.numeric ? ' class="num"' : ""}>${escapeHtml(c.cells[i])}</td>`
        ).join("")
      }</tr>`,
  ).join("\n");
  const more = frame.height > shown.height
    ? `<tr><td colspan="${columns.length}" class="more">… ${
      frame.height - shown.height
    } more row(s)</td></tr>`
    : "";
  const table =
    `<table class="factorium-table"><thead><tr>${head}</tr></thead><tbody>\n${rows}${more}</tbody></table>`;
  // A <figcaption> may be wider than its table (a <caption> wraps to it).
  return options.caption === undefined
    ? table
    : `<figure class="factorium-figure"><figcaption>${
      escapeHtml(options.caption)
    }</figcaption>${table}</figure>`;
}

/**
 * Formats a column's values: numbers with {@linkcode formatNumber}, with
 * more significant digits (up to 15) while two different values would
 * print alike; nulls as an em dash.
 *
 * @example
 * ```ts
 * import { formatColumn } from "./html.ts";
 * console.log(formatColumn([0.1234561, 0.1234562, null])); // ["0.1234561", "0.1234562", "—"]
 * ```
 */
export function formatColumn(values: readonly unknown[]): string[] {
  const numbers = values.filter((v): v is number => typeof v === "number");
  const distinct = new Set(numbers).size;
  let digits = 6;
  while (
    digits < 15 &&
    new Set(numbers.map((v) => formatNumber(v, digits))).size < distinct
  ) digits++;
  return values.map((v) => {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") return formatNumber(v, digits);
    return String(v);
  });
}

/**
 * A number to `digits` significant digits (at least 3 decimals when
 * `|value| >= 1`, so 1440.996 stays 1440.996), integers in full, NaN as
 * "NaN", very small or large values in exponent form.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./html.ts";
 * console.log(formatNumber(Math.PI)); // 3.14159
 * console.log(formatNumber(1440.996)); // 1440.996
 * ```
 */
export function formatNumber(value: number | null, digits = 6): string {
  if (value === null) return "—";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) {
    return value.toExponential(Math.max(4, digits - 2));
  }
  const whole = abs >= 1 ? Math.floor(Math.log10(abs)) + 1 : 0;
  const precision = Math.min(15, Math.max(digits, whole + 3));
  return String(Number(value.toPrecision(precision)));
}

/**
 * Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC (seconds only when not
 * zero, milliseconds only when not zero).
 *
 * @example
 * ```ts
 * import { formatUtc } from "./html.ts";
 * console.log(formatUtc(1704067260000)); // 2024-01-01 00:01
 * ```
 */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString().replace("T", " ").replace("Z", "");
  if (iso.endsWith(":00.000")) return iso.slice(0, 16);
  return iso.endsWith(".000") ? iso.slice(0, 19) : iso;
}

/** Styles of factorium's HTML output (tables, summaries). */
export const STYLE = `
.factorium { font-family: system-ui, -apple-system, sans-serif; font-size: 13px; color: #222; }
.factorium h3 { margin: 0.2em 0 0.4em; font-size: 15px; }
.factorium .meta { color: #555; margin: 0.2em 0 0.6em; }
.factorium-table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 12px; }
.factorium-table th, .factorium-table td { padding: 2px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; white-space: nowrap; }
.factorium-table th { background: #f6f6f6; font-weight: 600; }
.factorium-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.factorium-table td.more { color: #777; font-style: italic; }
.factorium-figure { margin: 0.6em 0 0.2em; }
.factorium-figure figcaption { color: #555; max-width: 60em; }
.factorium svg { max-width: 100%; height: auto; }
/* One chart per line: inline, a third chart sat beyond the page edge. */
.factorium > svg { display: block; margin: 0.4em 0; }
`;

/**
 * A standalone HTML page around `body` (already HTML) with factorium's
 * styles.
 *
 * @example
 * ```ts
 * import { htmlPage } from "./html.ts";
 * const page = htmlPage("Report", "<p>hello</p>");
 * console.log(page.startsWith("<!DOCTYPE html>")); // true
 * ```
 */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body { margin: 24px; background: #fff; }${STYLE}</style>
</head>
<body class="factorium">
${body}
</body>
</html>
`;
}
