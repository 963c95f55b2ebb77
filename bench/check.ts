/**
 * Bench guard: runs the speed suites (`bench/*_bench.ts`) and compares, per
 * suite, each bench's time relative to its group's baseline bench against
 * the ratios recorded in `bench/baseline.json`.
 *
 * ```sh
 * deno run -A bench/check.ts [--suite NAME ...] [--update] [--tolerance 0.25] [--rounds 2]
 * ```
 *
 * - Every `*_bench.ts` file in this directory is a suite; each runs as its own
 *   `deno bench -A --json <file>` subprocess, once per round (all suites, then
 *   all suites again); a bench's time is its best over the rounds
 *   ({@linkcode DEFAULT_ROUNDS}).
 * - In each group, ratio = a bench's time / the time of the group's baseline
 *   bench (`baseline: true`, a hand-written best use of the same engine), both
 *   measured by the same statistic ({@linkcode STATISTIC}). Groups without a
 *   baseline (and ungrouped benches) get their absolute times printed but are
 *   never gated.
 * - A ratio fails when it exceeds the recorded ratio × (1 + tolerance). A bench
 *   that is recorded but no longer runs fails too; a bench not yet recorded is
 *   reported as "new" and passes. A bench that throws fails.
 * - `--update` rewrites `bench/baseline.json` from the current run (only the
 *   suites run when `--suite` is given).
 *
 * `--tolerance` and `--rounds` default to the values recorded in
 * `bench/baseline.json`.
 *
 * Exit codes: 0 all within tolerance, 1 a regression, a missing or failed
 * bench, 2 bad arguments or an unusable `bench/baseline.json`.
 *
 * The parsing and comparison are pure functions, tested in
 * `tests/bench_check_test.ts`.
 *
 * @module
 */
import { parseArgs } from "node:util";

/**
 * The statistic the ratios are computed from, for the baseline bench and
 * ours alike: the fastest iteration (`min`).
 *
 * The bench machines are shared and noisy (2 cores, other jobs running).
 * Interference only ever adds time, so the minimum over a bench's iterations
 * is the estimate least affected by whatever else ran meanwhile; `avg` and
 * `p75` absorb that load, and since a group's benches run one after the
 * other (not interleaved) the load hits the baseline and ours unequally and
 * moves the ratio. The price: a regression that only shows in the slow tail
 * (more GC pauses, more variance) is not caught by this guard.
 */
export const STATISTIC = "min";

/** Tolerance used when neither `--tolerance` nor `bench/baseline.json` sets one. */
export const DEFAULT_TOLERANCE = 0.25;

/**
 * Rounds used when neither `--rounds` nor `bench/baseline.json` sets one.
 * Each round runs every suite once; a bench's time is its best over the
 * rounds. Within one `deno bench` run a group's benches run one after the
 * other, so a burst of load from other jobs can cover all iterations of the
 * baseline and none of ours (or the reverse); a second run of the suite,
 * minutes later, gives each bench another window.
 */
export const DEFAULT_ROUNDS = 2;

/** The timing statistics `deno bench --json` reports per bench, in nanoseconds. */
export interface BenchStats {
  /** Number of measured iterations. */
  n: number;
  /** Fastest iteration. */
  min: number;
  /** Slowest iteration. */
  max: number;
  /** Mean iteration. */
  avg: number;
  /** 75th percentile. */
  p75: number;
  /** 99th percentile. */
  p99: number;
}

/** One bench of a `deno bench --json` report. */
export interface BenchEntry {
  /** URL of the file that registered the bench. */
  origin: string;
  /** The bench's group, `null` when it has none. */
  group: string | null;
  /** The bench's name. */
  name: string;
  /** Whether this bench is its group's baseline. */
  baseline: boolean;
  /** One result; `ok` with statistics or `failed` with the error. */
  results: Array<{ ok?: BenchStats; failed?: { message?: string } }>;
}

/** The document `deno bench --json` prints (format version 1). */
export interface BenchReport {
  /** Format version. */
  version: number;
  /** The runtime, e.g. "Deno/2.9.6 x86_64-unknown-linux-gnu". */
  runtime: string;
  /** The CPU model. */
  cpu: string;
  /** The benches in report order. */
  benches: BenchEntry[];
}

/** One bench of a suite as the guard sees it. */
export interface BenchRow {
  /** `"<group> / <bench name>"`, or the bench name alone when it has no group. */
  key: string;
  /** The bench's group, `null` when it has none. */
  group: string | null;
  /** Whether this bench is its group's baseline. */
  baseline: boolean;
  /** Whether the bench is gated (its group has exactly one baseline, and it is not it). */
  gated: boolean;
  /** Statistics when the bench ran. */
  stats?: BenchStats;
  /** Ratio to the group's baseline by {@linkcode STATISTIC} when gated and both ran. */
  ratio?: number;
  /** Why the bench counts as failed. */
  error?: string;
}

/** What one suite produced: its benches, or why it produced none. */
export interface SuiteResult {
  /** The benches, grouped as in the report. */
  benches: BenchRow[];
  /** Set when the suite gave no report (crash, no JSON on stdout). */
  error?: string;
  /** The runtime and CPU from the report. */
  runtime?: string;
  /** The CPU model from the report. */
  cpu?: string;
}

/** The recorded ratios (`bench/baseline.json`). */
export interface Baseline {
  /** Allowed relative growth of a ratio, e.g. 0.25 = 25%. */
  tolerance: number;
  /** The statistic the ratios were computed from. */
  statistic: string;
  /** Rounds per suite the ratios were recorded with (the check's default). */
  rounds?: number;
  /** Where and when the ratios were recorded (informational). */
  recorded?: { date: string; runtime: string; cpu: string };
  /** Suite file name → bench key → ratio. */
  suites: Record<string, Record<string, number>>;
}

/** Outcome of one bench in the comparison. */
export type CheckStatus =
  | "ok"
  | "improved"
  | "new"
  | "REGRESSION"
  | "MISSING"
  | "FAILED";

/** One line of the comparison table. */
export interface CheckRow {
  /** Suite file name, e.g. "factor_bench.ts". */
  suite: string;
  /** `"<group> / <bench name>"`. */
  key: string;
  /** The recorded ratio, if any. */
  baseline?: number;
  /** The ratio of this run, if any. */
  current?: number;
  /** current / baseline − 1, when both exist. */
  change?: number;
  /** The outcome. */
  status: CheckStatus;
  /** Why a bench failed. */
  note?: string;
}

/** Statuses that make the check fail. */
export const FAILING: ReadonlySet<CheckStatus> = new Set([
  "REGRESSION",
  "MISSING",
  "FAILED",
]);

/**
 * Finds and parses the `deno bench --json` report in a suite's stdout, which
 * also holds whatever the suite's top-level code printed before it. The
 * report is the last thing printed and starts with a `{` line in column 0;
 * everything nested in it is indented.
 *
 * @throws {Error} when stdout holds no report.
 */
export function extractReport(stdout: string): BenchReport {
  const starts: number[] = [];
  if (stdout.startsWith("{\n")) starts.push(0);
  for (
    let i = stdout.indexOf("\n{\n");
    i >= 0;
    i = stdout.indexOf("\n{\n", i + 1)
  ) {
    starts.push(i + 1);
  }
  for (const start of starts.reverse()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout.slice(start));
    } catch {
      continue;
    }
    if (isReport(parsed)) return parsed;
  }
  throw new Error("no `deno bench --json` report found on stdout");
}

function isReport(value: unknown): value is BenchReport {
  return typeof value === "object" && value !== null &&
    Array.isArray((value as BenchReport).benches);
}

/** The key of a bench in the table and in `bench/baseline.json`. */
export function benchKey(group: string | null, name: string): string {
  return group === null ? name : `${group} / ${name}`;
}

/**
 * Merges the reports of several runs of one suite into one: each bench keeps
 * the result with the smallest `statistic` over the runs (a bench that threw
 * in any run keeps that failure). Benches appear in first-seen order.
 */
export function mergeReports(
  reports: BenchReport[],
  statistic: keyof BenchStats = STATISTIC,
): BenchReport {
  const merged = new Map<string, BenchEntry>();
  for (const report of reports) {
    for (const bench of report.benches) {
      const key = JSON.stringify([bench.group, bench.name, bench.baseline]);
      const kept = merged.get(key);
      const keptOk = kept?.results[0]?.ok;
      const ok = bench.results[0]?.ok;
      if (
        kept === undefined ||
        (keptOk !== undefined &&
          (ok === undefined || ok[statistic] < keptOk[statistic]))
      ) {
        merged.set(key, bench);
      }
    }
  }
  return { ...reports[0], benches: [...merged.values()] };
}

/**
 * Turns a report into rows: every bench of a group that has exactly one
 * baseline bench gets its ratio = its `statistic` / the baseline's
 * `statistic`. Benches of groups without a baseline, and ungrouped ones, are
 * listed (for their absolute times) but not gated. A bench that threw, or
 * whose group's baseline threw or is ambiguous, gets an `error`.
 */
export function suiteResult(
  report: BenchReport,
  statistic: keyof BenchStats = STATISTIC,
): SuiteResult {
  const groups = new Map<string | null, BenchEntry[]>();
  for (const bench of report.benches) {
    const list = groups.get(bench.group) ?? [];
    list.push(bench);
    groups.set(bench.group, list);
  }
  const rows: BenchRow[] = [];
  const seen = new Set<string>();
  for (const [group, benches] of groups) {
    const baselines = group === null ? [] : benches.filter((b) => b.baseline);
    const base = baselines.length === 1
      ? baselines[0].results[0]?.ok
      : undefined;
    for (const bench of benches) {
      const key = benchKey(group, bench.name);
      const result = bench.results[0];
      const row: BenchRow = {
        key,
        group,
        baseline: bench.baseline,
        gated: baselines.length > 0 && !bench.baseline,
        stats: result?.ok,
      };
      if (result?.ok === undefined) {
        row.error = `threw: ${result?.failed?.message ?? "no result"}`;
      } else if (seen.has(key)) {
        row.error = "another bench has the same group and name";
      } else if (row.gated) {
        if (baselines.length > 1) {
          row.error = `its group has ${baselines.length} baseline benches`;
        } else if (base === undefined) {
          row.error = "its group's baseline bench threw";
        } else if (!(base[statistic] > 0)) {
          row.error = `its group's baseline has ${statistic} ${
            base[statistic]
          }`;
        } else {
          row.ratio = result.ok[statistic] / base[statistic];
        }
      }
      seen.add(key);
      rows.push(row);
    }
  }
  return { benches: rows, runtime: report.runtime, cpu: report.cpu };
}

/**
 * Compares the ratios of the suites run against the recorded ones. A ratio
 * regresses when `current > baseline × (1 + tolerance)`, and counts as
 * improved when `current < baseline / (1 + tolerance)`. Recorded benches
 * that did not run are MISSING; with `complete` (every suite was run) that
 * includes whole suites that no longer exist.
 */
export function compare(
  baseline: Baseline | undefined,
  current: Record<string, SuiteResult>,
  tolerance: number,
  complete: boolean,
): CheckRow[] {
  const rows: CheckRow[] = [];
  const recordedSuites = Object.keys(baseline?.suites ?? {});
  const suites = [...new Set([...Object.keys(current), ...recordedSuites])]
    .filter((suite) => suite in current || complete)
    .sort();
  for (const suite of suites) {
    const recorded = baseline?.suites[suite] ?? {};
    const result = current[suite];
    if (result?.error !== undefined) {
      rows.push({
        suite,
        key: "(whole suite)",
        status: "FAILED",
        note: result.error,
      });
      continue;
    }
    const seen = new Set<string>();
    for (const bench of result?.benches ?? []) {
      if (!bench.gated && bench.error === undefined) continue;
      seen.add(bench.key);
      const row: CheckRow = { suite, key: bench.key, status: "ok" };
      if (bench.key in recorded) row.baseline = recorded[bench.key];
      if (bench.error !== undefined) {
        rows.push({ ...row, status: "FAILED", note: bench.error });
        continue;
      }
      row.current = bench.ratio;
      if (row.baseline === undefined) row.status = "new";
      else if (row.current !== undefined) {
        row.change = row.current / row.baseline - 1;
        if (row.current > row.baseline * (1 + tolerance)) {
          row.status = "REGRESSION";
        } else if (row.current < row.baseline / (1 + tolerance)) {
          row.status = "improved";
        }
      }
      rows.push(row);
    }
    for (const [key, ratio] of Object.entries(recorded)) {
      if (seen.has(key)) continue;
      rows.push({
        suite,
        key,
        baseline: ratio,
        status: "MISSING",
        note: result === undefined
          ? "suite no longer exists"
          : "recorded bench did not run",
      });
    }
  }
  return rows;
}

/**
 * Parses and validates `bench/baseline.json`.
 *
 * @throws {Error} naming what is wrong.
 */
export function parseBaseline(text: string): Baseline {
  const value = JSON.parse(text);
  if (typeof value !== "object" || value === null) {
    throw new Error("not a JSON object");
  }
  if (!isTolerance(value.tolerance)) {
    throw new Error(
      `"tolerance" must be a number ≥ 0, got ${
        JSON.stringify(value.tolerance)
      }`,
    );
  }
  if (value.rounds !== undefined && !isRounds(value.rounds)) {
    throw new Error(
      `"rounds" must be an integer ≥ 1, got ${JSON.stringify(value.rounds)}`,
    );
  }
  if (typeof value.statistic !== "string") {
    throw new Error(`"statistic" must be a string`);
  }
  if (typeof value.suites !== "object" || value.suites === null) {
    throw new Error(`"suites" must be an object`);
  }
  for (const [suite, ratios] of Object.entries(value.suites)) {
    if (typeof ratios !== "object" || ratios === null) {
      throw new Error(`suites[${JSON.stringify(suite)}] must be an object`);
    }
    for (const [key, ratio] of Object.entries(ratios)) {
      if (typeof ratio !== "number" || !(ratio > 0)) {
        throw new Error(
          `ratio of ${
            JSON.stringify(`${suite}: ${key}`)
          } must be a positive number`,
        );
      }
    }
  }
  return value as Baseline;
}

/**
 * The baseline after `--update`: the suites run replace their recorded
 * ratios (rounded to 4 significant digits); with `complete`, suites not run
 * are dropped, otherwise kept. Keys are sorted for stable diffs.
 */
export function updateBaseline(
  old: Baseline | undefined,
  current: Record<string, SuiteResult>,
  tolerance: number,
  rounds: number,
  complete: boolean,
  date: Date = new Date(),
): Baseline {
  const suites: Record<string, Record<string, number>> = complete
    ? {}
    : { ...old?.suites };
  for (const [suite, result] of Object.entries(current)) {
    const ratios: Record<string, number> = {};
    for (const bench of result.benches) {
      if (bench.ratio !== undefined) {
        ratios[bench.key] = Number(bench.ratio.toPrecision(4));
      }
    }
    suites[suite] = ratios;
  }
  const sorted = (o: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(o).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
    );
  const any = Object.values(current)[0];
  return {
    tolerance,
    statistic: STATISTIC,
    rounds,
    recorded: {
      date: date.toISOString().slice(0, 10),
      runtime: any?.runtime ?? "",
      cpu: any?.cpu ?? "",
    },
    suites: Object.fromEntries(
      Object.keys(suites).sort().map((s) => [s, sorted(suites[s])]),
    ),
  };
}

/** Bad command-line arguments (exit code 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parsed command line of the guard. */
export interface CheckArgs {
  /** Suite file names to run, in order (all suites when none was named). */
  suites: string[];
  /** Whether only some suites run (`--suite` given). */
  partial: boolean;
  /** Rewrite `bench/baseline.json` from this run. */
  update: boolean;
  /** `--tolerance`, when given. */
  tolerance?: number;
  /** `--rounds`, when given. */
  rounds?: number;
}

/**
 * Parses `[--suite NAME ...] [--update] [--tolerance X] [--rounds N]` against the suites
 * found. A suite may be named as "factor_bench.ts", "factor_bench", "factor"
 * or "bench/factor_bench.ts".
 *
 * @throws {UsageError} on an unknown option or suite, a tolerance that is
 * not a number ≥ 0 or rounds that are not an integer ≥ 1.
 */
export function parseCheckArgs(args: string[], available: string[]): CheckArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        suite: { type: "string", multiple: true },
        update: { type: "boolean" },
        tolerance: { type: "string" },
        rounds: { type: "string" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.replaceAll("\n", " "));
  }
  let tolerance: number | undefined;
  if (values.tolerance !== undefined) {
    tolerance = values.tolerance.trim() === "" ? NaN : Number(values.tolerance);
    if (!isTolerance(tolerance)) {
      throw new UsageError(
        `--tolerance must be a number ≥ 0 (0.25 = 25%), got ${
          JSON.stringify(values.tolerance)
        }`,
      );
    }
  }
  let rounds: number | undefined;
  if (values.rounds !== undefined) {
    rounds = Number(values.rounds);
    if (!isRounds(rounds)) {
      throw new UsageError(
        `--rounds must be an integer ≥ 1, got ${JSON.stringify(values.rounds)}`,
      );
    }
  }
  const suites: string[] = [];
  for (const name of values.suite ?? []) {
    const base = name.replace(/^.*\//, "");
    const match = available.find((s) =>
      s === base || s === `${base}.ts` || s === `${base}_bench.ts`
    );
    if (match === undefined) {
      throw new UsageError(
        `unknown suite ${JSON.stringify(name)} (suites: ${
          available.join(", ")
        })`,
      );
    }
    if (!suites.includes(match)) suites.push(match);
  }
  return {
    suites: suites.length > 0 ? suites : [...available],
    partial: suites.length > 0,
    update: values.update ?? false,
    tolerance,
    rounds,
  };
}

function isRounds(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}

function isTolerance(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Formats a duration in nanoseconds with a unit that keeps 3 digits. */
export function formatTime(ns: number): string {
  if (ns < 1e3) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

/** Renders rows of cells as an aligned, pipe-separated table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** The comparison table: suite, bench, ratios, change, status. */
export function formatCheck(rows: CheckRow[]): string {
  const ratio = (r?: number) => r === undefined ? "-" : `${r.toPrecision(3)}×`;
  return table(
    ["suite", "group / bench", "baseline", "current", "change", "status"],
    rows.map((r) => [
      r.suite,
      r.key,
      ratio(r.baseline),
      ratio(r.current),
      r.change === undefined
        ? "-"
        : `${r.change >= 0 ? "+" : ""}${(r.change * 100).toFixed(1)}%`,
      r.note === undefined ? r.status : `${r.status}: ${r.note}`,
    ]),
  );
}

/** One suite's absolute times by bench (everything, gated or not). */
export function formatSuite(result: SuiteResult): string {
  return table(
    ["group / bench", "n", "min", "p75", "avg", "ratio (min)"],
    result.benches.map((b) => [
      b.key,
      b.stats === undefined ? "-" : String(b.stats.n),
      b.stats === undefined ? "-" : formatTime(b.stats.min),
      b.stats === undefined ? "-" : formatTime(b.stats.p75),
      b.stats === undefined ? "-" : formatTime(b.stats.avg),
      b.error !== undefined
        ? `FAILED: ${b.error}`
        : b.baseline
        ? "baseline"
        : b.ratio !== undefined
        ? `${b.ratio.toPrecision(3)}×`
        : "not gated (no baseline)",
    ]),
  );
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * Runs one suite as `deno bench -A --json <file>`: its stderr and the lines
 * its top-level code prints pass through; the JSON report is captured.
 */
async function runSuite(
  dir: string,
  suite: string,
): Promise<BenchReport | { error: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["bench", "-A", "--json", `${dir}/${suite}`],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let stdout = "";
  let pending = ""; // the current partial line
  let held: string | null = null; // a "{" line that may open the report
  let inReport = false;
  const echo = (line: string) => console.log(`  ${line}`);
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    stdout += chunk;
    if (inReport) continue;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (inReport) break;
      if (held !== null) {
        if (line.startsWith(`  "version":`)) inReport = true;
        else echo(held);
        held = null;
        if (inReport) break;
      }
      if (line === "{") held = line;
      else echo(line);
    }
  }
  if (!inReport && held !== null) echo(held);
  if (!inReport && pending !== "") echo(pending);
  const status = await child.status;
  try {
    return extractReport(stdout);
  } catch (error) {
    return {
      error: `deno bench exited with code ${status.code}; ${
        (error as Error).message
      }`,
    };
  }
}

async function readBaseline(path: string): Promise<Baseline | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    return parseBaseline(text);
  } catch (error) {
    throw new UsageError(`bench/baseline.json: ${(error as Error).message}`);
  }
}

/** Runs the guard with `args`; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const dir = import.meta.dirname!;
  const baselinePath = `${dir}/baseline.json`;
  const label = "bench/baseline.json";
  const available: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith("_bench.ts")) {
      available.push(entry.name);
    }
  }
  available.sort();
  let parsed: CheckArgs;
  let baseline: Baseline | undefined;
  try {
    parsed = parseCheckArgs(args, available);
    baseline = await readBaseline(baselinePath);
    if (!parsed.update) {
      if (baseline === undefined) {
        throw new UsageError(
          `${label} not found: record one with \`deno task bench:check --update\``,
        );
      }
      if (baseline.statistic !== STATISTIC) {
        throw new UsageError(
          `${label} holds ratios by ${baseline.statistic}, this check computes them by ${STATISTIC}: rerun with --update`,
        );
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench:check: ${error.message}`);
    return 2;
  }
  const tolerance = parsed.tolerance ?? baseline?.tolerance ??
    DEFAULT_TOLERANCE;

  const rounds = parsed.rounds ?? baseline?.rounds ?? DEFAULT_ROUNDS;

  const t0 = performance.now();
  const reports = new Map<string, BenchReport[]>();
  const crashed = new Map<string, string>();
  for (let round = 1; round <= rounds; round++) {
    for (const [i, suite] of parsed.suites.entries()) {
      console.log(
        `\n== ${suite} (round ${round}/${rounds}, suite ${
          i + 1
        }/${parsed.suites.length}): deno bench -A --json bench/${suite}`,
      );
      const start = performance.now();
      const run = await runSuite(dir, suite);
      if ("error" in run) {
        console.log(`  FAILED: ${run.error}`);
        if (!crashed.has(suite)) crashed.set(suite, run.error);
      } else {
        console.log(formatSuite(suiteResult(run)));
        reports.set(suite, [...reports.get(suite) ?? [], run]);
      }
      console.log(
        `  ${suite} took ${formatDuration(performance.now() - start)}`,
      );
    }
  }
  const current: Record<string, SuiteResult> = {};
  for (const suite of parsed.suites) {
    const error = crashed.get(suite);
    current[suite] = error !== undefined
      ? { benches: [], error }
      : suiteResult(mergeReports(reports.get(suite)!));
    if (rounds > 1 && error === undefined) {
      console.log(`\n${suite}, best of ${rounds} rounds:`);
      console.log(formatSuite(current[suite]));
    }
  }

  const rows = compare(baseline, current, tolerance, !parsed.partial);
  const counts = new Map<CheckStatus, number>();
  for (const row of rows) {
    counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  }
  const failing = rows.filter((r) => FAILING.has(r.status)).length;
  console.log(
    `\nratios by ${STATISTIC} (best of ${rounds} round${
      rounds === 1 ? "" : "s"
    }), tolerance ${(tolerance * 100).toFixed(0)}% (vs ${
      baseline === undefined ? "no baseline" : label
    }):`,
  );
  console.log(formatCheck(rows));
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
  console.log(
    `\nbench:check: ${summary || "no gated benches"} in ${
      formatDuration(performance.now() - t0)
    }`,
  );

  if (parsed.update) {
    const broken = rows.filter((r) => r.status === "FAILED").length;
    if (broken > 0) {
      console.error(
        `bench:check: ${broken} bench(es) failed; ${label} not updated`,
      );
      return 1;
    }
    const next = updateBaseline(
      baseline,
      current,
      tolerance,
      rounds,
      !parsed.partial,
    );
    await Deno.writeTextFile(
      baselinePath,
      JSON.stringify(next, null, 2) + "\n",
    );
    console.log(`bench:check: wrote ${label}`);
    return 0;
  }
  if (failing > 0) {
    console.error(
      `bench:check: FAILED (${failing} of ${rows.length}). A slower ratio that is intended: record it with \`deno task bench:check --update\`; suspected noise: rerun the suite (--suite NAME).`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
