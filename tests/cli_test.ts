/**
 * Tests of the command line (`src/cli.ts`), run as real subprocesses
 * (`deno run -A src/cli.ts ...`) against one small sample data set
 * (2 symbols × 2 days × ~2,000 trades a day); independent runs of a test go
 * in parallel. Plus the bar-spec grammar and the progress bar, in process.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DataLoader, generateSample, type LoadAggBarOptions } from "../mod.ts";
import { formatBarSpec, parseBarSpec } from "../src/cli/bar_spec.ts";
import { withEpochMs } from "../src/datetimes.ts";
import { formatDuration, ProgressBar } from "../src/cli/progress.ts";
import { cli, succeeded } from "./_cli.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const RANGE = ["--start", "2024-01-01", "--days", "2"];

/** The sample tick data every test reads, generated once. */
const data = (async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-cli-" });
  await generateSample({
    dataDir,
    symbols: SYMBOLS,
    start: "2024-01-01",
    days: 2,
    tradesPerDay: 2_000,
  });
  globalThis.addEventListener("unload", () => {
    Deno.removeSync(dataDir, { recursive: true });
  });
  return dataDir;
})();

/** Loads bars in process, cache off, as the CLI would with the same options. */
async function loadBars(
  dataDir: string,
  options: Partial<LoadAggBarOptions>,
) {
  const loader = new DataLoader({ dataDir });
  try {
    return await loader.loadAggBar({
      symbols: SYMBOLS,
      start: "2024-01-01",
      days: 2,
      cache: false,
      ...options,
    });
  } finally {
    await loader.close();
  }
}

Deno.test("sample writes one file per symbol-day and reports what it wrote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium-cli-sample-" });
  const run = await cli(
    "sample",
    "--data-dir",
    dir,
    "--symbols",
    "SOLUSDT",
    "--start",
    "2024-02-01",
    "--days",
    "2",
    "--trades-per-day",
    "500",
    "--market",
    "spot",
  );
  succeeded(run, "sample");
  assert.match(
    run.stdout,
    /^wrote 2 file\(s\), skipped 0 existing, \d+ trades/,
  );
  for (const day of ["01", "02"]) {
    const file =
      `${dir}/market=spot/data_type=aggTrades/symbol=SOLUSDT/year=2024/month=02/day=${day}/data.parquet`;
    assert.ok(pl.readParquet(file).height > 0, `${file} holds trades`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("bars writes Parquet and CSV files equal to loadAggBar with the same options", async () => {
  const dataDir = await data;
  const out = await Deno.makeTempDir({ prefix: "factorium-cli-out-" });
  const [parquet, csv] = await Promise.all([
    cli(
      "bars",
      "--data-dir",
      dataDir,
      "--symbols",
      SYMBOLS.join(","),
      ...RANGE,
      "--bar",
      "time:5m",
      "--buyer-seller",
      "--out",
      `${out}/bars.parquet`,
    ),
    cli(
      "bars",
      "--data-dir",
      dataDir,
      "--symbols",
      "ETHUSDT,BTCUSDT",
      "--start",
      "2024-01-01",
      "--end",
      "2024-01-03T00:00",
      "--bar",
      "volume:50",
      "--no-cache",
      "--out",
      `${out}/bars.csv`,
    ),
  ]);
  succeeded(parquet, "bars --out bars.parquet");
  succeeded(csv, "bars --out bars.csv");

  const expected = await loadBars(dataDir, {
    bar: { type: "time", intervalMs: 300_000 },
    buyerSeller: true,
  });
  const written = pl.readParquet(`${out}/bars.parquet`);
  assert.deepEqual(written.columns, expected.cols);
  assert.ok(written.frameEqual(expected.toPolars(), true));
  assert.match(
    parquet.stdout,
    new RegExp(
      `^${expected.length} bars, 2 symbol\\(s\\), 2024-01-01T00:00Z → 2024-01-03T00:00Z, time:5m; wrote .*bars\\.parquet in \\d+\\.\\d\\d s\\n$`,
    ),
  );

  const volume = await loadBars(dataDir, {
    bar: { type: "volume", volume: 50 },
  });
  // CSV times are ISO 8601 UTC by default; they read back to the same instants.
  const csvLines = (await Deno.readTextFile(`${out}/bars.csv`)).split("\n");
  assert.match(
    csvLines[1],
    /^(BTCUSDT|ETHUSDT),2024-01-01T\d\d:\d\d:\d\d\.\d{3}Z,2024-01-01T\d\d:\d\d:\d\d\.\d{3}Z,/,
  );
  const fromCsv = withEpochMs(pl.readCSV(`${out}/bars.csv`));
  assert.deepEqual(fromCsv.columns, volume.cols);
  assert.ok(fromCsv.frameEqual(volume.toPolars(), true));
  assert.match(csv.stdout, /^\d+ bars, 2 symbol\(s\), .*, volume:50; wrote /);
  // Written through a temporary file that is renamed: nothing else is left.
  assert.deepEqual(
    [...Deno.readDirSync(out)].map((e) => e.name).sort(),
    ["bars.csv", "bars.parquet"],
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("info summarises the bars of a data directory and of a bar file", async () => {
  const dataDir = await data;
  const out = await Deno.makeTempDir({ prefix: "factorium-cli-info-" });
  const file = `${out}/bars.parquet`;
  (await loadBars(dataDir, { bar: { type: "tick", ticks: 100 } }))
    .toPolars().writeParquet(file);
  const [fromDir, fromFile] = await Promise.all([
    cli(
      "info",
      "--data-dir",
      dataDir,
      "--symbols",
      SYMBOLS.join(","),
      ...RANGE,
      "--bar",
      "tick:100",
    ),
    cli("info", "--file", file),
  ]);
  succeeded(fromDir, "info --data-dir");
  succeeded(fromFile, "info --file");
  const bars = pl.readParquet(file).height;
  for (const run of [fromDir, fromFile]) {
    assert.match(
      run.stdout,
      new RegExp(
        `^AggBar ${bars} rows × 10 cols, 2 symbol\\(s\\) \\[BTCUSDT, ETHUSDT\\]`,
      ),
    );
    assert.match(run.stdout, /symbol\s+┆ num_kbar\s+┆ start_time\s+┆ end_time/);
  }
  assert.match(fromDir.stdout, /bar tick:100\n/);
  for (const run of [fromDir, fromFile]) {
    // Both tables spell times one way: UTC date-times, never epoch ms.
    assert.doesNotMatch(run.stdout, /\d{13}|datetime\[/);
    const times = run.stdout.match(/2024-01-0\d \d\d:\d\d(:\d\d(\.\d{3})?)?/g);
    assert.ok(times && times.length >= 12, run.stdout);
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("factor writes the values of agg.factor(formula).collect() and prints its summary", async () => {
  const dataDir = await data;
  const out = await Deno.makeTempDir({ prefix: "factorium-cli-factor-" });
  const bars = `${out}/bars.csv`;
  const agg = await loadBars(dataDir, {});
  agg.toPolars().writeCSV(bars);
  const formula = "rank(ts_mean(close, 20)) - 0.5";
  const [fromDir, fromFile, epochMs] = await Promise.all([
    cli(
      "factor",
      formula,
      "--data-dir",
      dataDir,
      "--symbols",
      SYMBOLS.join(","),
      ...RANGE,
      "--out",
      `${out}/alpha.parquet`,
    ),
    cli("factor", "--file", bars, "--out", `${out}/alpha.csv`, "--", formula),
    cli(
      "factor",
      "--file",
      bars,
      "--epoch-ms",
      "--out",
      `${out}/alpha_ms.csv`,
      "--",
      formula,
    ),
  ]);
  succeeded(epochMs, "factor --epoch-ms");
  succeeded(fromDir, "factor over a data dir");
  succeeded(fromFile, "factor over a file");

  const factor = agg.factor(formula);
  const expected = await factor.collect();
  assert.ok(
    pl.readParquet(`${out}/alpha.parquet`).frameEqual(expected, true),
    "the Parquet output equals agg.factor(formula).collect()",
  );
  const iso = await Deno.readTextFile(`${out}/alpha.csv`);
  assert.match(
    iso.split("\n")[1],
    /^2024-01-01T00:00:00\.000Z,2024-01-01T00:01:00\.000Z,/,
  );
  assert.ok(
    withEpochMs(pl.readCSV(`${out}/alpha.csv`)).frameEqual(expected, true),
    "the CSV output (ISO times) equals agg.factor(formula).collect()",
  );
  const ms = await Deno.readTextFile(`${out}/alpha_ms.csv`);
  assert.match(ms.split("\n")[1], /^1704067200000,1704067260000,/);
  assert.ok(
    pl.readCSV(`${out}/alpha_ms.csv`).frameEqual(expected, true),
    "the --epoch-ms CSV output equals agg.factor(formula).collect()",
  );
  const nulls = expected.getColumn("factor").nullCount();
  const mean = expected.getColumn("factor").mean();
  for (const run of [fromDir, fromFile]) {
    const lines = run.stdout.split("\n");
    assert.equal(lines[0], `factor ${factor.name}`);
    assert.equal(
      lines[1],
      `${expected.height} rows, ${nulls} null (${
        (100 * nulls / expected.height).toFixed(1)
      }%)`,
    );
    assert.match(
      lines[2],
      /^mean \S+ {2}std \S+ {2}min 0 {2}25% \S+ {2}50% \S+ {2}75% \S+ {2}max 0\.5$/,
    );
    assert.equal(lines[2].split(" ")[1], String(Number(mean.toPrecision(6))));
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("every command's --help lists its options with their defaults and exits 0", async () => {
  const names = ["sample", "bars", "info", "factor", "demo"];
  const runs = await Promise.all([
    ...names.map((name) => cli(name, "--help")),
    cli("help", "bars"),
    cli("--help"),
    cli("bars", "--foo", "-h"),
    cli("help", "--help"),
  ]);
  runs.forEach((run, i) => succeeded(run, `help run ${i}`));
  const [
    sample,
    bars,
    info,
    factor,
    demo,
    helpBars,
    general,
    helpFirst,
    helpHelp,
  ] = runs.map((r) => r.stdout);
  assert.equal(helpHelp, general);
  assert.match(
    bars,
    /--epoch-ms\s+write times in a \.csv --out as epoch milliseconds/,
  );
  assert.match(sample, /^usage: factorium sample/);
  assert.match(
    sample,
    /--days N\s+number of consecutive UTC days \(default 3\)/,
  );
  assert.match(sample, /--trades-per-day N\s+.*\(default 20000\)/);
  assert.match(bars, /--bar SPEC\s+bar spec, see below \(default time:1m\)/);
  assert.match(
    bars,
    /--market M\s+spot \| futures_um \| futures_cm \(default futures_um\)/,
  );
  assert.match(bars, /--cache-dir DIR\s+.*\(default <data-dir>\/\.cache\)/);
  assert.match(bars, /--no-cache\s+.*\(default false\)/);
  assert.match(bars, /--out FILE\s+.*\(required\)/);
  assert.match(bars, /tick:N\s+a bar every N trades/);
  assert.match(info, /--file FILE/);
  assert.match(info, /--symbols A,B,...\s+.*\(required without --file\)/);
  assert.match(factor, /^usage: factorium factor "<formula>"/);
  assert.match(demo, /--data-dir DIR\s+.*\(default \.\/data\)/);
  assert.equal(helpBars, bars);
  assert.equal(helpFirst, bars);
  for (const name of names) assert.match(general, new RegExp(`\\n  ${name} `));
});

Deno.test("bad input exits 2 with one line naming the bad value", async () => {
  const dataDir = await data;
  const out = await Deno.makeTempDir({ prefix: "factorium-cli-bad-" });
  const load = ["--data-dir", dataDir, "--symbols", "BTCUSDT", ...RANGE];
  const cases: [string[], RegExp][] = [
    [
      ["bars", ...load, "--foo", "--out", `${out}/b.parquet`],
      /^factorium bars: unknown option '--foo' \(see factorium bars --help\)$/,
    ],
    [
      ["bars", ...load, "--symbl", "X", "--out", `${out}/b.parquet`],
      /^factorium bars: unknown option '--symbl'; did you mean --symbols\? \(see factorium bars --help\)$/,
    ],
    [
      ["info", "--dat-dir", dataDir],
      /^factorium info: unknown option '--dat-dir'; did you mean --data-dir\? \(see factorium info --help\)$/,
    ],
    [
      ["factor", "--file", `${out}/b.parquet`, "-close"],
      /^factorium factor: unknown option '-c'; a FORMULA starting with "-" goes after "--": factorium factor \[options\] -- "-close" \(see factorium factor --help\)$/,
    ],
    [
      ["bars", ...load, "--bar", "time:5x", "--out", `${out}/b.parquet`],
      /^factorium bars: --bar: expected a bar spec .*, got "time:5x"$/,
    ],
    [
      ["bars", ...load, "--bar", "tick:2.5", "--out", `${out}/b.parquet`],
      /^factorium bars: --bar: expected .*, got "tick:2\.5"$/,
    ],
    [
      [
        "bars",
        "--data-dir",
        dataDir,
        "--symbols",
        "BTCUSDT",
        "--start",
        "2024-13-01",
        "--days",
        "1",
        "--out",
        `${out}/b.parquet`,
      ],
      /^factorium bars: --start: expected an ISO 8601 date .*, got "2024-13-01"$/,
    ],
    [
      [
        "bars",
        "--data-dir",
        dataDir,
        "--symbols",
        "BTCUSDT",
        "--end",
        "2024-01-03",
        "--days",
        "1.5",
        "--out",
        `${out}/b.parquet`,
      ],
      /^factorium bars: --days: expected a positive integer, got "1\.5"$/,
    ],
    [
      [
        "bars",
        "--symbols",
        "BTCUSDT",
        "--start",
        "2024-01-01",
        "--out",
        `${out}/b.parquet`,
      ],
      /^factorium bars: give --start with --end or --days, or --end with --days \(see factorium bars --help\)$/,
    ],
    [
      ["bars", ...load, "--market", "options", "--out", `${out}/b.parquet`],
      /^factorium bars: --market: expected one of "spot", "futures_um", "futures_cm", got "options"$/,
    ],
    [
      [
        "bars",
        "--data-dir",
        dataDir,
        "--symbols",
        "DOGEUSDT",
        ...RANGE,
        "--out",
        `${out}/b.parquet`,
      ],
      /^factorium bars: no source file for 2 symbol-day\(s\): DOGEUSDT 2024-01-01, DOGEUSDT 2024-01-02 .*pass --allow-missing/,
    ],
    [
      ["bars", ...load, "--out", `${out}/b.json`],
      /^factorium bars: --out: expected a file name ending in \.parquet or \.csv, got ".*b\.json"$/,
    ],
    [
      ["bars", ...load],
      /^factorium bars: missing --out \(see factorium bars --help\)$/,
    ],
    [
      ["info", "--file", `${out}/none.parquet`],
      /^factorium info: --file: expected an existing file, got ".*none\.parquet"$/,
    ],
    [
      ["factor", "ts_mean(close 20)", ...load],
      /^factorium factor: expected '\)' .* at position 14\n {2}ts_mean\(close 20\)\n {16}\^$/,
    ],
    [
      ["factor", "ts_mean(volume_x, 5)", ...load],
      /^factorium factor: .*volume_x.*\n {2}ts_mean\(volume_x, 5\)\n {10}\^$/,
    ],
    [
      ["factor", "div(6,1)", ...load],
      /^factorium factor: operands: expected at least one Factor .*\n {2}div\(6,1\)\n {2}\^$/,
    ],
    [
      ["factor", "(".repeat(2_000) + "close" + ")".repeat(2_000), ...load],
      /^factorium factor: nested more than 256 levels deep .* at position 257\n {2}\(+close\)+\n *\^$/,
    ],
    [
      ["sample", "--data-dir", out, "--days", "0"],
      /^factorium sample: --days: expected a positive integer, got "0"$/,
    ],
    [
      ["sample", "--data-dir", out, "--trades-per-day", "many"],
      /^factorium sample: --trades-per-day: expected a positive integer, got "many"$/,
    ],
    [
      ["sample", "--data-dir", out, "--start", "2016-12-31"],
      /^factorium sample: --start: expected .*, got "2016-12-31"$/,
    ],
    [
      ["info", "--file", `${out}/b.parquet`, "--bar", "tick:5"],
      /^factorium info: --file cannot be combined with --bar \(see factorium info --help\)$/,
    ],
    [
      ["frobnicate"],
      /^factorium: unknown command 'frobnicate' \(see factorium --help\)$/,
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  runs.forEach((run, i) => {
    const [args, message] = cases[i];
    const what = `factorium ${args.join(" ")}`;
    assert.equal(
      run.code,
      2,
      `${what}: exit ${run.code}, stderr ${run.stderr}`,
    );
    assert.equal(run.stdout, "", `${what}: nothing on stdout`);
    assert.match(
      run.stderr.replace(/\n$/, ""),
      message,
      `${what}: ${run.stderr}`,
    );
    // One line; a formula error adds the formula and a caret under it.
    const lines = args[0] === "factor" && !message.source.includes("option")
      ? 3
      : 1;
    assert.equal(run.stderr.trimEnd().split("\n").length, lines, what);
  });
  assert.deepEqual([...Deno.readDirSync(out)], [], "no output file appeared");
  await Deno.remove(out, { recursive: true });
});

Deno.test("--allow-missing loads what exists and its warning names the flag, not the API option", async () => {
  const dataDir = await data;
  const run = await cli(
    "info",
    "--data-dir",
    dataDir,
    "--symbols",
    "BTCUSDT,DOGEUSDT",
    ...RANGE,
    "--allow-missing",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /^factorium info: warning: no source file for 2 symbol-day\(s\): DOGEUSDT 2024-01-01, DOGEUSDT 2024-01-02 .*; loaded what exists \(--allow-missing\)\n$/,
  );
  assert.doesNotMatch(run.stderr, /allowMissing/);
  assert.match(
    run.stdout,
    /^AggBar \d+ rows × \d+ cols, 1 symbol\(s\) \[BTCUSDT\]/,
  );
});

Deno.test("factor warns on stderr when every value is null, and still exits 0", async () => {
  const dataDir = await data;
  const load = ["--data-dir", dataDir, "--symbols", "BTCUSDT", ...RANGE];
  for (const formula of ["close / 0", "ts_min(close, 9007199254740991)"]) {
    const run = await cli("factor", formula, ...load);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^factorium factor: warning: every one of the \d+ values is null/,
      formula,
    );
  }
  const fine = await cli("factor", "close / 2", ...load);
  assert.equal(fine.code, 0, fine.stderr);
  assert.equal(fine.stderr, "");
});

Deno.test("no command prints the usage on stderr with exit 2, and an unreadable bar file exits 1", async () => {
  const out = await Deno.makeTempDir({ prefix: "factorium-cli-fail-" });
  await Deno.writeTextFile(`${out}/broken.parquet`, "not parquet");
  const [none, broken] = await Promise.all([
    cli(),
    cli("info", "--file", `${out}/broken.parquet`),
  ]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /^usage: factorium <command>/);
  assert.equal(broken.code, 1, broken.stderr);
  assert.match(
    broken.stderr,
    /^factorium info: .*broken\.parquet: cannot be read \(.*\)\n$/,
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("parseBarSpec reads the compact bar specs and formatBarSpec writes them back", () => {
  const cases: [string, unknown][] = [
    ["time:1m", { type: "time", intervalMs: 60_000 }],
    ["time:15m", { type: "time", intervalMs: 900_000 }],
    ["time:1h", { type: "time", intervalMs: 3_600_000 }],
    ["time:1d", { type: "time", intervalMs: 86_400_000 }],
    ["time:60000", { type: "time", intervalMs: 60_000 }],
    ["time:1.5s", { type: "time", intervalMs: 1_500 }],
    ["tick:1000", { type: "tick", ticks: 1_000 }],
    ["tick:1e3", { type: "tick", ticks: 1_000 }],
    ["volume:50", { type: "volume", volume: 50 }],
    ["volume:0.5", { type: "volume", volume: 0.5 }],
    ["dollar:1e6", { type: "dollar", dollars: 1_000_000 }],
  ];
  for (const [text, spec] of cases) {
    assert.deepEqual(parseBarSpec(text), spec, text);
    assert.deepEqual(parseBarSpec(formatBarSpec(spec as never)), spec, text);
  }
  assert.equal(formatBarSpec({ type: "time", intervalMs: 90_000 }), "time:90s");
  for (
    const bad of [
      "",
      "1m",
      "time",
      "time:",
      "time:0m",
      "time:0.5ms",
      "time:1x",
      "time:-1m",
      "tick:2.5",
      "tick:0",
      "tick:10m",
      "volume:-1",
      "volume:abc",
      "dollar:1e6k",
      "range:5",
    ]
  ) {
    assert.throws(
      () => parseBarSpec(bad),
      (e: Error) => e.message.startsWith("--bar: expected a bar spec"),
      JSON.stringify(bad),
    );
  }
});

/** A fake terminal (or pipe) that records what is written to it. */
function fakeOutput(terminal: boolean) {
  const text: string[] = [];
  return {
    text,
    writeSync(bytes: Uint8Array) {
      text.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
    isTerminal: () => terminal,
  };
}

Deno.test("ProgressBar redraws at most every intervalMs on a terminal, erases its line, and writes nothing to a pipe", () => {
  let now = 0;
  const terminal = fakeOutput(true);
  const bar = new ProgressBar({
    label: "loading",
    unit: "symbol-days",
    output: terminal,
    now: () => now,
  });
  assert.ok(bar.enabled);
  bar.update(0, 40);
  now = 50;
  bar.update(1, 40); // throttled
  now = 2_000;
  bar.update(10, 40);
  now = 2_010;
  bar.update(40, 40); // completion is always drawn
  bar.finish();
  bar.finish(); // nothing left to erase
  assert.deepEqual(terminal.text, [
    "\r\x1b[Kloading [------------------------] 0/40 0%",
    "\r\x1b[Kloading [######------------------] 10/40 25% 5.0 symbol-days/s ETA 0:06",
    "\r\x1b[Kloading [########################] 40/40 100% 20 symbol-days/s",
    "\r\x1b[K",
  ]);

  const pipe = fakeOutput(false);
  {
    using quiet = new ProgressBar({ output: pipe });
    assert.equal(quiet.enabled, false);
    quiet.update(1, 2);
    quiet.update(2, 2);
  }
  assert.deepEqual(pipe.text, []);
  assert.equal(formatDuration(75), "1:15");
  assert.equal(formatDuration(3_725), "1:02:05");
});

Deno.test("loadAggBar reports progress per symbol-day for time bars and per symbol for tick bars; generateSample per file", async () => {
  const dataDir = await data;
  const cacheDir = await Deno.makeTempDir({ prefix: "factorium-cli-cache-" });
  const loader = new DataLoader({ dataDir, cacheDir });
  const load = async (options: Partial<LoadAggBarOptions>) => {
    const reports: [number, number][] = [];
    await loader.loadAggBar({
      symbols: SYMBOLS,
      start: "2024-01-01",
      days: 2,
      onProgress: (done, total) => reports.push([done, total]),
      ...options,
    });
    return reports;
  };
  try {
    assert.deepEqual(await load({}), [[0, 4], [1, 4], [2, 4], [3, 4], [4, 4]]);
    assert.deepEqual(await load({}), [[0, 4], [4, 4]], "cache hits at once");
    assert.deepEqual(
      await load({ cache: false }),
      [[0, 4], [4, 4]],
      "one query builds them all",
    );
    assert.deepEqual(
      await load({ bar: { type: "tick", ticks: 100 } }),
      [[0, 2], [1, 2], [2, 2]],
    );
    await assert.rejects(
      () => load({ onProgress: "yes" as never }),
      /onProgress: expected a function/,
    );
  } finally {
    await loader.close();
    await Deno.remove(cacheDir, { recursive: true });
  }

  const sampleDir = await Deno.makeTempDir({ prefix: "factorium-cli-gen-" });
  const reports: [number, number][] = [];
  const options = {
    dataDir: sampleDir,
    symbols: ["BTCUSDT"],
    days: 2,
    tradesPerDay: 100,
    onProgress: (done: number, total: number) => reports.push([done, total]),
  };
  await generateSample(options);
  await generateSample(options); // everything exists: nothing to report
  assert.deepEqual(reports, [[0, 2], [1, 2], [2, 2]]);
  await Deno.remove(sampleDir, { recursive: true });
});
