/**
 * Report: a standalone HTML page assembled from anything that displays
 * itself in Jupyter (AggBar, Factor, Chart, analysis results) and Polars
 * frames.
 *
 * @module
 */
import { dirname } from "node:path";
import { bundleOf, htmlBlock, type MimeBundle } from "./jupyter.ts";
import { escapeHtml, htmlPage, htmlTable } from "./html.ts";
import { writeAtomic } from "../atomic.ts";
import { isDataFrame } from "../polars.ts";
import { Chart } from "./plot.ts";

interface Section {
  heading: string;
  content: unknown;
}

/**
 * An HTML report: sections in order, each a heading and an object shown as
 * in Jupyter (its `text/html`, else its SVG, else its text), a Polars
 * frame (a table of its first 50 rows) or a string (a paragraph); a
 * promise of any of these (e.g. `factor.plot()`) is awaited when rendered. Saved atomically as one self-contained file
 * (inline SVG, no scripts, no external resources).
 *
 * @example
 * ```ts ignore
 * import { Report } from "./report.ts";
 * const report = new Report("BTC vs ETH")
 *   .add("Bars", agg)
 *   .add("Prices", agg.plot({ kind: "line" }))
 *   .add("Momentum", agg.factor("cs_rank(ts_delta(close, 60))"));
 * await report.save("out/report.html");
 * ```
 */
export class Report {
  /** The page title. */
  readonly title: string;
  #sections: Section[] = [];

  /** Starts an empty report. */
  constructor(title: string) {
    this.title = title;
  }

  /** Appends a section; returns the report for chaining. */
  add(heading: string, content: unknown): this {
    this.#sections.push({ heading, content });
    return this;
  }

  /** The body HTML (sections rendered in order; factors are evaluated). */
  async body(): Promise<string> {
    const parts = [`<h1>${escapeHtml(this.title)}</h1>`];
    for (const { heading, content } of this.#sections) {
      parts.push(
        `<section><h2>${escapeHtml(heading)}</h2>${await render(
          content,
        )}</section>`,
      );
    }
    return parts.join("\n");
  }

  /** The standalone HTML page. */
  async toHTML(): Promise<string> {
    return htmlPage(this.title, await this.body());
  }

  /** Writes the page atomically, creating the folder if needed. */
  async save(path: string): Promise<void> {
    const html = await this.toHTML();
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeAtomic(path, (tmp) => Deno.writeTextFile(tmp, html));
  }

  /** Jupyter shows the report inline. */
  async [Symbol.for("Jupyter.display")](): Promise<MimeBundle> {
    return {
      "text/html": htmlBlock(await this.body()),
      "text/plain": `Report ${this.title} (${this.#sections.length} sections)`,
    };
  }
}

async function render(pending: unknown): Promise<string> {
  const content = await pending;
  if (typeof content === "string") return `<p>${escapeHtml(content)}</p>`;
  if (isDataFrame(content)) return htmlTable(content, { maxRows: 50 });
  // A standalone page shows a chart as inline SVG (its text stays searchable).
  if (content instanceof Chart) return content.toSVG();
  const bundle = await bundleOf(content);
  if (bundle?.["text/html"]) return bundle["text/html"];
  if (bundle?.["image/svg+xml"]) return bundle["image/svg+xml"];
  const text = bundle?.["text/plain"] ?? String(content);
  return `<pre>${escapeHtml(text)}</pre>`;
}
