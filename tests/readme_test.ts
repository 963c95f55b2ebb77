/**
 * The README's TypeScript examples type-check and run: every block but the
 * download one, in order, as one script against the sample data (what
 * `deno task demo` generates), in a subprocess with `--check`. The download
 * block needs the exchange: it is type-checked here and run by
 * tests/download_test.ts against a local server.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { generateSample } from "../mod.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The README's ```ts blocks, in order. */
function tsBlocks(): string[] {
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

Deno.test("the README's TypeScript examples run in order against the sample data", async () => {
  const blocks = tsBlocks();
  const runnable = blocks.filter((b) => !b.includes("downloadData("));
  assert.equal(blocks.length - runnable.length, 1, "one download block");
  assert.ok(runnable.length >= 5, `${runnable.length} blocks`);
  const dir = await Deno.makeTempDir({ prefix: "factorium-readme-" });
  await generateSample({ dataDir: `${dir}/data`, tradesPerDay: 2_000 });
  const local = (code: string) =>
    code.replaceAll('"./mod.ts"', JSON.stringify(`${ROOT}mod.ts`));
  await Deno.writeTextFile(`${dir}/readme.ts`, local(runnable.join("\n")));
  await Deno.writeTextFile(
    `${dir}/download.ts`,
    local(blocks.find((b) => b.includes("downloadData("))!),
  );
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", `${ROOT}deno.json`, `${dir}/download.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
  const run = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--check",
      "-A",
      "--config",
      `${ROOT}deno.json`,
      `${dir}/readme.ts`,
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, stderr);
  await Deno.stat(`${dir}/out/reversal/tearsheet.html`);
  await Deno.stat(`${dir}/out/research.html`);
  await Deno.stat(`${dir}/out/prices.svg`);
  await Deno.remove(dir, { recursive: true });
});
