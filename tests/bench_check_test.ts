/**
 * Tests of the bench guard's pure functions (`bench/check.ts`) on the stdout
 * of a real `deno bench --json` run (Deno 2.9.6) of a small suite: a line
 * its top-level code printed, then the report with a group "chain"
 * (baseline, ours and a bench that throws), a group "build" without a
 * baseline and an ungrouped bench. Times are in nanoseconds.
 */
import assert from "node:assert/strict";
import {
  type Baseline,
  type BenchReport,
  compare,
  extractReport,
  mergeReports,
  parseBaseline,
  parseCheckArgs,
  suiteResult,
  updateBaseline,
  UsageError,
} from "../bench/check.ts";

const STDOUT = `bench data: 3 rows
{
  "version": 1,
  "runtime": "Deno/2.9.6 x86_64-unknown-linux-gnu",
  "cpu": "AMD EPYC",
  "benches": [
    {
      "origin": "file:///tmp/bcsample/sample_bench.ts",
      "group": null,
      "name": "ungrouped",
      "baseline": false,
      "results": [
        {
          "ok": {
            "n": 60,
            "min": 5.5642,
            "max": 244.0548,
            "avg": 21.668715,
            "p75": 16.0919,
            "p99": 244.0548,
            "p995": 244.0548,
            "p999": 244.0548,
            "highPrecision": false,
            "usedExplicitTimers": false
          }
        }
      ]
    },
    {
      "origin": "file:///tmp/bcsample/sample_bench.ts",
      "group": "chain",
      "name": "hand-written",
      "baseline": true,
      "results": [
        {
          "ok": {
            "n": 118,
            "min": 61652.0,
            "max": 585070.0,
            "avg": 88028.0,
            "p75": 81671.0,
            "p99": 561435.0,
            "p995": 585070.0,
            "p999": 585070.0,
            "highPrecision": true,
            "usedExplicitTimers": false
          }
        }
      ]
    },
    {
      "origin": "file:///tmp/bcsample/sample_bench.ts",
      "group": "chain",
      "name": "ours",
      "baseline": false,
      "results": [
        {
          "ok": {
            "n": 69,
            "min": 99698.0,
            "max": 913709.0,
            "avg": 153571.0,
            "p75": 123214.0,
            "p99": 913709.0,
            "p995": 913709.0,
            "p999": 913709.0,
            "highPrecision": true,
            "usedExplicitTimers": false
          }
        }
      ]
    },
    {
      "origin": "file:///tmp/bcsample/sample_bench.ts",
      "group": "chain",
      "name": "throws",
      "baseline": false,
      "results": [
        {
          "failed": {
            "name": "Error",
            "message": "boom",
            "stack": "Error: boom\\n    at fn (file:///tmp/bcsample/sample_bench.ts:6:59)\\n    at benchMeasure (ext:cli/40_bench.js:260:7)\\n    at outerWrapped (ext:cli/40_bench.js:479:27)",
            "cause": null,
            "exceptionMessage": "Uncaught Error: boom",
            "frames": [
              {
                "typeName": null,
                "functionName": "fn",
                "methodName": null,
                "fileName": "file:///tmp/bcsample/sample_bench.ts",
                "lineNumber": 6,
                "columnNumber": 59,
                "evalOrigin": null,
                "isToplevel": true,
                "isEval": false,
                "isNative": false,
                "isConstructor": false,
                "isAsync": false,
                "isPromiseAll": false,
                "isWasm": false,
                "promiseIndex": null
              },
              {
                "typeName": null,
                "functionName": "benchMeasure",
                "methodName": null,
                "fileName": "ext:cli/40_bench.js",
                "lineNumber": 260,
                "columnNumber": 7,
                "evalOrigin": null,
                "isToplevel": true,
                "isEval": false,
                "isNative": false,
                "isConstructor": false,
                "isAsync": false,
                "isPromiseAll": false,
                "isWasm": false,
                "promiseIndex": null
              },
              {
                "typeName": null,
                "functionName": "outerWrapped",
                "methodName": null,
                "fileName": "ext:cli/40_bench.js",
                "lineNumber": 479,
                "columnNumber": 27,
                "evalOrigin": null,
                "isToplevel": true,
                "isEval": false,
                "isNative": false,
                "isConstructor": false,
                "isAsync": false,
                "isPromiseAll": false,
                "isWasm": false,
                "promiseIndex": null
              }
            ],
            "sourceLine": "Deno.bench({ name: \\"throws\\", group: \\"chain\\", fn() { throw new Error(\\"boom\\"); } });",
            "sourceLineFrameIndex": 0,
            "aggregated": null,
            "additionalProperties": [],
            "stackIsCustom": false
          }
        }
      ]
    },
    {
      "origin": "file:///tmp/bcsample/sample_bench.ts",
      "group": "build",
      "name": "build an expression",
      "baseline": false,
      "results": [
        {
          "ok": {
            "n": 179,
            "min": 4.8993,
            "max": 13.472,
            "avg": 5.925032402234637,
            "p75": 5.9889,
            "p99": 10.9303,
            "p995": 13.472,
            "p999": 13.472,
            "highPrecision": false,
            "usedExplicitTimers": false
          }
        }
      ]
    }
  ]
}
`;

/** The sample report with `name`'s min set to `min` (and `drop` removed). */
function sample(
  mins: Record<string, number> = {},
  drop: string[] = [],
): BenchReport {
  const report = extractReport(STDOUT);
  report.benches = report.benches.filter((b) => !drop.includes(b.name));
  for (const bench of report.benches) {
    const ok = bench.results[0].ok;
    if (ok && bench.name in mins) ok.min = mins[bench.name];
  }
  return report;
}

function recorded(ratio: number, tolerance = 0.25): Baseline {
  return {
    tolerance,
    statistic: "min",
    suites: { "x_bench.ts": { "chain / ours": ratio } },
  };
}

Deno.test("the report is found after the lines the suite's top-level code printed", () => {
  const report = extractReport(STDOUT);
  assert.equal(report.version, 1);
  assert.equal(report.benches.length, 5);
  const logged = `{\n  rows: 3,\n  symbols: [ "A", "B" ]\n}\n`;
  assert.deepEqual(extractReport(logged + STDOUT), report);
  assert.throws(() => extractReport(logged), /no `deno bench --json` report/);
});

Deno.test("a bench's ratio is its min over the min of its group's baseline", () => {
  const rows = suiteResult(extractReport(STDOUT)).benches;
  const ours = rows.find((r) => r.key === "chain / ours");
  assert.equal(ours?.gated, true);
  assert.equal(ours?.ratio, 99698.0 / 61652.0);
  const base = rows.find((r) => r.key === "chain / hand-written");
  assert.equal(base?.baseline, true);
  assert.equal(base?.ratio, undefined);
});

Deno.test("groups without a baseline bench and ungrouped benches are listed but never gated", () => {
  const result = suiteResult(sample({}, ["throws"]));
  const unguarded = result.benches.filter((r) => !r.gated).map((r) => r.key);
  assert.deepEqual(unguarded.sort(), [
    "build / build an expression",
    "chain / hand-written",
    "ungrouped",
  ]);
  const rows = compare(recorded(2), { "x_bench.ts": result }, 0.25, true);
  assert.deepEqual(rows.map((r) => r.key), ["chain / ours"]);
});

Deno.test("a ratio exactly at baseline × (1 + tolerance) passes and one just above it is a regression", () => {
  const at = sample({ "hand-written": 1000, ours: 2500 }, ["throws"]);
  const above = sample({ "hand-written": 1000, ours: 2501 }, ["throws"]);
  const check = (report: BenchReport) =>
    compare(recorded(2), { "x_bench.ts": suiteResult(report) }, 0.25, true)[0];
  assert.equal(check(at).status, "ok");
  assert.equal(check(at).change, 0.25);
  assert.equal(check(above).status, "REGRESSION");
  const faster = sample({ "hand-written": 1000, ours: 1500 }, ["throws"]);
  assert.equal(check(faster).status, "improved");
});

Deno.test("a bench missing from the baseline is new and passes", () => {
  const current = { "x_bench.ts": suiteResult(sample({}, ["throws"])) };
  const baseline: Baseline = { ...recorded(2), suites: { "x_bench.ts": {} } };
  const rows = compare(baseline, current, 0.25, true);
  assert.deepEqual(rows.map((r) => [r.key, r.current, r.status]), [
    ["chain / ours", 99698.0 / 61652.0, "new"],
  ]);
});

Deno.test("a recorded bench that did not run is missing and fails", () => {
  const current = { "x_bench.ts": suiteResult(sample({}, ["throws"])) };
  const baseline: Baseline = {
    ...recorded(1.6),
    suites: { "x_bench.ts": { "chain / ours": 1.6, "chain / removed": 1.5 } },
  };
  const rows = compare(baseline, current, 0.25, true);
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.note]), [
    ["chain / ours", "ok", undefined],
    ["chain / removed", "MISSING", "recorded bench did not run"],
  ]);
});

Deno.test("a recorded suite that no longer exists fails only when every suite was run", () => {
  const current = { "x_bench.ts": suiteResult(sample({}, ["throws"])) };
  const baseline: Baseline = {
    ...recorded(1.6),
    suites: { ...recorded(1.6).suites, "gone_bench.ts": { "g / b": 1.1 } },
  };
  const all = compare(baseline, current, 0.25, true);
  assert.deepEqual(all.map((r) => [r.suite, r.key, r.status, r.note]), [
    ["gone_bench.ts", "g / b", "MISSING", "suite no longer exists"],
    ["x_bench.ts", "chain / ours", "ok", undefined],
  ]);
  const some = compare(baseline, current, 0.25, false);
  assert.deepEqual(some.map((r) => r.status), ["ok"]);
});

Deno.test("a bench that throws fails the check and is left out of an updated baseline", () => {
  const result = suiteResult(extractReport(STDOUT));
  const rows = compare(recorded(1.6), { "x_bench.ts": result }, 0.25, true);
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.note]), [
    ["chain / ours", "ok", undefined],
    ["chain / throws", "FAILED", "threw: boom"],
  ]);
  const next = updateBaseline(
    undefined,
    { "x_bench.ts": result },
    0.25,
    1,
    true,
  );
  assert.deepEqual(Object.keys(next.suites["x_bench.ts"]), ["chain / ours"]);
});

Deno.test("the benches of a group whose baseline threw fail", () => {
  const report = sample({}, ["throws"]);
  const base = report.benches.find((b) => b.name === "hand-written")!;
  const thrown = extractReport(STDOUT).benches.find((b) =>
    b.name === "throws"
  )!;
  base.results = thrown.results;
  const rows = compare(
    recorded(1.6),
    { "x_bench.ts": suiteResult(report) },
    0.25,
    true,
  );
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.note]), [
    ["chain / hand-written", "FAILED", "threw: boom"],
    ["chain / ours", "FAILED", "its group's baseline bench threw"],
  ]);
});

Deno.test("over several rounds each bench keeps its best time, and a throw in any round", () => {
  const first = sample({ "hand-written": 1000, ours: 3000 });
  const second = sample({ "hand-written": 1500, ours: 2000 }, ["throws"]);
  const merged = mergeReports([first, second]);
  const min = (name: string) =>
    merged.benches.find((b) => b.name === name)?.results[0].ok?.min;
  assert.equal(min("hand-written"), 1000);
  assert.equal(min("ours"), 2000);
  const rows = suiteResult(merged).benches;
  assert.equal(rows.find((r) => r.key === "chain / ours")?.ratio, 2);
  assert.equal(
    rows.find((r) => r.key === "chain / throws")?.error,
    "threw: boom",
  );
  assert.deepEqual(
    merged.benches.map((b) => b.name),
    first.benches.map((b) => b.name),
  );
});

Deno.test("an updated baseline rounds ratios to 4 digits and keeps the suites not run", () => {
  const old: Baseline = {
    tolerance: 0.3,
    statistic: "min",
    suites: {
      "a_bench.ts": { "g / b": 1.1 },
      "x_bench.ts": { "chain / old": 9 },
    },
  };
  const current = { "x_bench.ts": suiteResult(sample({}, ["throws"])) };
  const next = updateBaseline(old, current, 0.3, 2, false, new Date(0));
  assert.deepEqual(next.suites, {
    "a_bench.ts": { "g / b": 1.1 },
    "x_bench.ts": { "chain / ours": 1.617 },
  });
  assert.equal(next.recorded?.date, "1970-01-01");
  assert.equal(next.rounds, 2);
  assert.deepEqual(parseBaseline(JSON.stringify(next)), next);
  assert.deepEqual(
    Object.keys(updateBaseline(old, current, 0.3, 2, true).suites),
    ["x_bench.ts"],
  );
});

Deno.test("an unknown suite, a negative tolerance or zero rounds is a usage error", () => {
  const suites = ["aggregate_bench.ts", "factor_bench.ts"];
  const args = ["--suite", "factor", "--tolerance", "0.4", "--rounds", "3"];
  assert.deepEqual(parseCheckArgs(args, suites), {
    suites: ["factor_bench.ts"],
    partial: true,
    update: false,
    tolerance: 0.4,
    rounds: 3,
  });
  assert.deepEqual(parseCheckArgs(["--update"], suites).suites, suites);
  const bad = [
    ["--suite", "feed"],
    ["--tolerance", "-1"],
    ["--tolerance", "x"],
    ["--rounds", "0"],
    ["--rounds", "1.5"],
    ["--nope"],
  ];
  for (const args of bad) {
    assert.throws(
      () => parseCheckArgs(args, suites),
      UsageError,
      args.join(" "),
    );
  }
});
