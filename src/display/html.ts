/**
 * Small HTML builders shared by the Jupyter display, charts and reports:
 * escaping, tables from Polars frames, standalone pages.
 *
 * @module
 */
import type { DataFrame } from "../polars.ts";

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
  /** Columns holding epoch milliseconds, shown as UTC date-times. @default ["start_time", "end_time"] */
  timeColumns?: readonly string[];
  /** Rows shown; the rest is summarised in a footer line. @default 20 */
  maxRows?: number;
}

/**
 * An HTML table of a (small) frame: times in UTC, floats to 6 significant
 * digits, nulls as an em dash, every value escaped.
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
    options.timeColumns ?? ["start_time", "end_time"],
  );
  const maxRows = options.maxRows ?? 20;
  const shown = frame.head(maxRows);
  const columns = shown.columns.map((name) => {
    const series = shown.getColumn(name);
    const values = series.toArray() as unknown[];
    const numeric = series.isNumeric() && !timeColumns.has(name);
    const cells = values.map((v) =>
      formatCell(v, timeColumns.has(name) && series.isNumeric())
    );
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
  return `<table class="factorium-table"><thead><tr>${head}</tr></thead><tbody>\n${rows}${more}</tbody></table>`;
}

function formatCell(value: unknown, isTime: boolean): string {
  if (value === null || value === undefined) return "—";
  if (isTime) return formatUtc(Number(value));
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "bigint") return value.toString();
  return String(value);
}

/**
 * A number to at most 6 significant digits, integers in full, NaN as "NaN".
 *
 * @example
 * ```ts
 * import { formatNumber } from "./html.ts";
 * console.log(formatNumber(Math.PI)); // 3.14159
 * ```
 */
export function formatNumber(value: number | null): string {
  if (value === null) return "—";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e9)
    ? value.toExponential(4)
    : String(Number(value.toPrecision(6)));
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
.factorium-table th, .factorium-table td { padding: 2px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; }
.factorium-table th { background: #f6f6f6; font-weight: 600; }
.factorium-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.factorium-table td.more { color: #777; font-style: italic; }
.factorium svg { max-width: 100%; height: auto; }
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
