/**
 * Runs the command line (`src/cli.ts`) as a real subprocess, for the CLI
 * tests.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

/** A finished command-line run. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `factorium ...args` in a subprocess with piped (non-terminal) output.
 * `-q` keeps Deno's own diagnostics ("Blocking waiting for file lock on
 * node_modules" when runs overlap) out of the CLI's stderr.
 */
export async function cli(...args: string[]): Promise<Run> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-A", "src/cli.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** Asserts a successful run: exit 0 and nothing on stderr (no progress bar off a terminal). */
export function succeeded(run: Run, what: string): void {
  assert.equal(run.code, 0, `${what}: exit ${run.code}, stderr ${run.stderr}`);
  assert.equal(run.stderr, "", `${what}: stderr must stay empty`);
}
