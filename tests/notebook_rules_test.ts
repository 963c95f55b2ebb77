import assert from "node:assert/strict";
import { type Cell, problemsOf } from "../notebooks/run.ts";

function cell(source: string, outputs: Cell["outputs"], tags?: string[]): Cell {
  return { cell_type: "code", source, metadata: { tags }, outputs };
}

Deno.test("the notebook check refuses quoted-string results, file-list dumps, errors and missing charts", () => {
  const files = Array.from(
    { length: 6 },
    (_, i) => `  "../data/symbol=BTCUSDT/day=0${i + 1}/data.parquet",`,
  ).join("\n");
  const problems = problemsOf([
    cell("agg.info().toString();", [{
      output_type: "execute_result",
      data: { "text/plain": '\x1b[32m"shape: (5, 5)\\n"\x1b[39m +' },
    }]),
    cell("await generateSample(...)", [{
      output_type: "execute_result",
      data: { "text/plain": `{\n  files: [\n${files}\n  ]\n}` },
    }]),
    cell("throw", [{ output_type: "error", ename: "TypeError", evalue: "x" }]),
    cell("agg.plot()", [], ["expect-svg"]),
    // Fine: a logged line, a rich display, a short number.
    cell("console.log('ok')", [{ output_type: "stream", text: "ok\n" }]),
    cell("agg", [{
      output_type: "execute_result",
      data: { "text/plain": '"AggBar"', "text/html": "<div></div>" },
    }]),
    cell("1 + 1", [{
      output_type: "execute_result",
      data: { "text/plain": "2" },
    }]),
  ]);
  assert.deepEqual(problems, [
    "cell 1 (agg.info().toString();): shows a quoted string; console.log it or display the object",
    "cell 2 (await generateSample(...)): dumps a list of files; summarise it",
    "cell 3 (throw): TypeError: x",
    "cell 4 (agg.plot()): expected an SVG chart",
  ]);
});

Deno.test("the README's notebook count matches the notebooks folder", () => {
  const notebooks = [
    ...Deno.readDirSync(new URL("../notebooks/", import.meta.url)),
  ]
    .filter((e) => e.name.endsWith(".ipynb")).map((e) => e.name).sort();
  const readme = Deno.readTextFileSync(
    new URL("../README.md", import.meta.url),
  );
  const mentioned = [...new Set(readme.match(/notebooks\/[a-z_]+\.ipynb/g))]
    .map((m) => m.slice("notebooks/".length)).sort();
  assert.deepEqual(mentioned, notebooks);
  const words = ["one", "two", "three", "four", "five", "six"];
  assert.match(
    readme,
    new RegExp(`executes all ${words[notebooks.length - 1]}`),
  );
});
