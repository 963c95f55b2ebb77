/**
 * Executes every notebook in this folder with a real Jupyter client
 * (nbclient from Debian's packages, see execute.py) against Deno's kernel,
 * writes the executed copies to `out/notebooks/`, and fails when a
 * committed notebook holds outputs, when a cell
 * errors or a cell tagged `expect-html` / `expect-svg` lacks a `text/html`
 * output / an SVG (`image/svg+xml`, or `<svg` inside `text/html`).
 * Then it exports each executed copy to HTML with Debian's
 * `jupyter nbconvert --to html` (the way notebooks are shared), opens the
 * page in headless Chromium and fails unless every chart on it shows ink
 * and every `expect-svg` cell holds a visible chart.
 *
 * Usage: `deno task notebooks [name.ipynb ...]`
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspectPage } from "../tests/_browser.ts";

/** One output of an executed cell (the nbformat fields read here). */
export interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

/** One notebook cell (the nbformat fields read here). */
export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Output[];
}

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "out", "notebooks");

function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** Lines naming a data file: more than a few in one output is a dump. */
const FILE_LINE = /\.(parquet|csv|zip|gz)\b/;
const MOST_FILE_LINES = 3;

/**
 * Problems of one executed notebook (empty when it passed): errors, missing
 * expected outputs, a result shown as a quoted string (a `toString()` or a
 * joined string: log it or display the object) and outputs that dump file
 * lists.
 */
export function problemsOf(cells: Cell[]): string[] {
  const problems: string[] = [];
  cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const where = `cell ${index + 1} (${text(cell.source).split("\n")[0]})`;
    const outputs = cell.outputs ?? [];
    for (const output of outputs) {
      if (output.output_type === "error") {
        problems.push(`${where}: ${output.ename}: ${output.evalue}`);
      }
    }
    for (const output of outputs) {
      const plain = text(output.data?.["text/plain"]).replace(ANSI, "");
      if (
        output.output_type === "execute_result" &&
        Object.keys(output.data ?? {}).every((k) => k === "text/plain") &&
        /^["'`]/.test(plain)
      ) {
        problems.push(
          `${where}: shows a quoted string; console.log it or display the object`,
        );
      }
      const lines = `${plain}\n${text(output.text)}`.split("\n");
      if (lines.filter((l) => FILE_LINE.test(l)).length > MOST_FILE_LINES) {
        problems.push(`${where}: dumps a list of files; summarise it`);
      }
    }
    const bundles = outputs.map((o) => o.data ?? {});
    const tags = cell.metadata.tags ?? [];
    if (tags.includes("expect-html") && !bundles.some((b) => b["text/html"])) {
      problems.push(`${where}: expected a text/html output`);
    }
    const hasSvg = bundles.some((b) =>
      b["image/svg+xml"] || text(b["text/html"]).includes("<svg")
    );
    if (tags.includes("expect-svg") && !hasSvg) {
      problems.push(`${where}: expected an SVG chart`);
    }
  });
  return problems;
}

/** Least share of a chart's pixels that must be inked (title, axes, marks). */
const CHART_INK = 0.01;

/**
 * Exports an executed notebook to HTML with nbconvert, opens it in
 * headless Chromium and lists the charts that are blank or missing.
 */
async function exportProblems(
  executed: string,
  cells: Cell[],
): Promise<string[]> {
  const convert = await new Deno.Command("/usr/bin/jupyter", {
    args: ["nbconvert", "--to", "html", "--output-dir", outDir, executed],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (convert.code !== 0) {
    return [
      `nbconvert exited with ${convert.code}:\n${
        new TextDecoder().decode(convert.stderr)
      }`,
    ];
  }
  const html = executed.replace(/\.ipynb$/, ".html");
  const page = await inspectPage(html, {
    groupSelector: ".jp-CodeCell",
    timeoutMs: 120_000,
  });
  const problems: string[] = [];
  const code = cells.filter((c) => c.cell_type === "code");
  code.forEach((cell, index) => {
    const where = `exported cell ${index + 1} (${
      text(cell.source).split("\n")[0]
    })`;
    const charts = page.charts.filter((c) => c.group === index);
    for (const chart of charts) {
      if (chart.ink < CHART_INK || chart.width < 100 || chart.height < 40) {
        problems.push(
          `${where}: a blank ${chart.kind} chart (${Math.round(chart.width)}×${
            Math.round(chart.height)
          } px, ink ${chart.ink.toFixed(4)})`,
        );
      }
    }
    if ((cell.metadata.tags ?? []).includes("expect-svg") && !charts.length) {
      problems.push(`${where}: no chart after export to HTML`);
    }
  });
  return problems;
}

async function execute(notebook: string): Promise<string[]> {
  const target = join(outDir, basename(notebook));
  // Debian's python3 has nbclient; a pyenv python3 may come first on PATH.
  const command = new Deno.Command("/usr/bin/python3", {
    args: [join(here, "execute.py"), notebook, target],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  if (code !== 0) {
    return [
      `execute.py exited with ${code}:\n${new TextDecoder().decode(stderr)}`,
    ];
  }
  const committed = JSON.parse(await Deno.readTextFile(notebook)) as {
    cells: Cell[];
  };
  const uncleared = committed.cells.filter((c) => (c.outputs ?? []).length > 0);
  if (uncleared.length > 0) {
    return [`${uncleared.length} cell(s) committed with outputs; clear them`];
  }
  const executed = JSON.parse(
    await Deno.readTextFile(target),
  ) as { cells: Cell[] };
  const problems = problemsOf(executed.cells);
  return problems.length > 0
    ? problems
    : await exportProblems(target, executed.cells);
}

if (import.meta.main) {
  const wanted = Deno.args.length > 0 ? Deno.args : [...Deno.readDirSync(here)]
    .map((e) => e.name)
    .filter((name) => name.endsWith(".ipynb"))
    .sort();
  await Deno.mkdir(outDir, { recursive: true });
  let failed = 0;
  for (const name of wanted) {
    const started = performance.now();
    const problems = await execute(join(here, basename(name)));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (problems.length === 0) {
      console.log(`ok   ${name} (${seconds} s)`);
    } else {
      failed++;
      console.log(`FAIL ${name} (${seconds} s)`);
      for (const problem of problems) console.log(`  ${problem}`);
    }
  }
  console.log(`executed copies in ${outDir}`);
  Deno.exit(failed === 0 ? 0 : 1);
}
