import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  AggBar,
  ALPHA101,
  backtest,
  type BacktestOptions,
  compareFactors,
  DataFileError,
  type FactorAnalysis,
  InvalidArgumentError,
  NotKeptError,
  sweep,
  walkForward,
} from "../mod.ts";
import { factorData, settlementsFor } from "./_factor_data.ts";

const HOUR = 3_600_000;

/**
 * The awkward factor data written as one Parquet file per UTC hour (all
 * symbols in each), in a temporary directory; and the in-memory AggBar.
 */
async function filesOfHours(): Promise<{ dir: string; agg: AggBar }> {
  const { agg } = factorData({ bars: 400, seed: 4 });
  const dir = await Deno.makeTempDir();
  const hours = agg.toPolars().withColumns(
    pl.col("start_time").div(HOUR).floor().alias("hour"),
  ).partitionBy("hour");
  hours.forEach((frame, i) =>
    frame.drop("hour").writeParquet(
      `${dir}/hour-${String(i).padStart(3, "0")}.parquet`,
    )
  );
  return { dir, agg };
}

const FACTORS = {
  chain: "cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,20),60)),5))",
  a001: ALPHA101.alpha001,
  group: "group_neutralize(ts_delta(close, 3), sector)",
};

Deno.test("AggBar.scan opens a directory of bar files with the metadata, info and first rows of the same bars in memory", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir);
    assert.equal(scanned.streamed, true);
    assert.equal(agg.streamed, false);
    assert.deepEqual(scanned.metadata, agg.metadata);
    assert.equal(scanned.length, agg.length);
    assert.deepEqual(scanned.cols, agg.cols);
    assert.ok(scanned.info().frameEqual(agg.info(), true));
    assert.ok(scanned.head(7).frameEqual(agg.toPolars().head(7), true));
    assert.match(scanned.toString(), /in 8 Parquet file\(s\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AggBar.scan of one file path opens that file, as a list of it does", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const all = `${dir}/all.parquet`;
    agg.toPolars().writeParquet(all);
    const one = AggBar.scan(all);
    assert.equal(one.length, agg.length);
    assert.deepEqual(one.metadata, AggBar.scan([all]).metadata);
    assert.ok(one.info().frameEqual(agg.info(), true));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("factors of scanned bars equal those of the same bars in memory, computed in chunks", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir);
    const whole = await agg.compute(FACTORS);
    assert.ok((await scanned.compute(FACTORS)).frameEqual(whole, true));
    assert.ok(
      (await scanned.compute(FACTORS, { chunk: "25m" })).frameEqual(
        whole,
        true,
      ),
    );
    const one = await scanned.get("close").tsRank(9).csRank().collect();
    assert.ok(
      one.frameEqual(await agg.get("close").tsRank(9).csRank().collect(), true),
    );
    const path = `${dir}/out/values.parquet`;
    await Deno.mkdir(`${dir}/out`);
    const written = await scanned.compute(FACTORS, { sink: path, chunk: "1h" });
    assert.equal(written.rows, agg.length);
    assert.ok(pl.readParquet(path).frameEqual(whole, true));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a slice of scanned bars equals the same slice in memory", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const options = {
      start: Date.UTC(2024, 0, 2, 1, 30),
      end: Date.UTC(2024, 0, 2, 4),
      symbols: ["S0USDT", "S2USDT", "S3USDT"],
    };
    const inMemory = agg.slice(options);
    const scanned = AggBar.scan(dir).slice(options);
    assert.equal(scanned.streamed, true);
    assert.deepEqual(scanned.metadata, inMemory.metadata);
    assert.ok(scanned.info().frameEqual(inMemory.info(), true));
    assert.ok(
      (await scanned.compute(FACTORS)).frameEqual(
        await inMemory.compute(FACTORS),
        true,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("toPolars of scanned bars reads them all and warns with the row count", async () => {
  const { dir, agg } = await filesOfHours();
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (message: string) => warnings.push(message);
  try {
    const frame = AggBar.scan(dir).toPolars();
    assert.ok(frame.frameEqual(agg.toPolars(), true));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`all ${agg.length} rows`));
  } finally {
    console.warn = warn;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AggBar.scan refuses an empty directory, a file without bar columns and a file that is not Parquet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(() => AggBar.scan(dir), InvalidArgumentError);
    assert.throws(() => AggBar.scan(`${dir}/absent`), InvalidArgumentError);
    pl.DataFrame({ symbol: ["A"], close: [1] }).writeParquet(
      `${dir}/a.parquet`,
    );
    assert.throws(
      () => AggBar.scan(dir),
      (error: Error) =>
        error instanceof DataFileError && /a\.parquet/.test(error.message) &&
        /missing start_time, end_time/.test(error.message),
    );
    await Deno.writeTextFile(`${dir}/a.parquet`, "not parquet");
    assert.throws(
      () => AggBar.scan([`${dir}/a.parquet`]),
      (error: Error) =>
        error instanceof DataFileError && /a\.parquet/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a backtest of scanned bars run in 20-minute chunks equals the one-pass backtest, with every-bar and hourly rebalancing, and with funding, impact and a universe", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir, { chunk: "20m" });
    const signal = "cs_rank(-ts_delta(close, 5))";
    const funding = settlementsFor(agg).frame;
    const cases: BacktestOptions[] = [
      { costBps: 3 },
      { rebalance: "1h", costBps: 5, lag: 2 },
      { rebalance: 7, allocate: "top-n", topN: 2 },
      { rebalance: "1h", costBps: 2, funding },
      { costBps: 1, funding, impact: { coefficient: 30, capital: 1e5 } },
      { universe: { top: 3, window: "30m", minHistory: "20m" }, costBps: 1 },
    ];
    for (const options of cases) {
      const whole = await backtest(agg, signal, options);
      const chunked = await backtest(scanned, signal, options);
      const label = JSON.stringify({ ...options, funding: !!options.funding });
      assert.ok(chunked.returns.frameEqual(whole.returns, true), label);
      assert.ok(chunked.weights.frameEqual(whole.weights, true), label);
      assert.deepEqual(chunked.metrics, whole.metrics, label);
      assert.ok(whole.returns.height > 300, label);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a backtest with a sink writes the weights it would keep to the file, and reads and saves them from it", async () => {
  const { dir, agg } = await filesOfHours();
  const out = await Deno.makeTempDir({ prefix: "factorium-weights-" });
  try {
    const scanned = AggBar.scan(dir, { chunk: "20m" });
    const signal = "cs_rank(-ts_delta(close, 5))";
    const cases: BacktestOptions[] = [
      { costBps: 3 },
      {
        universe: { top: 3, window: "30m", minHistory: "20m" },
        rebalance: "1h",
      },
    ];
    for (const [i, options] of cases.entries()) {
      const whole = await backtest(agg, signal, options);
      const sink = `${out}/weights[${i}].parquet`;
      const sunk = await backtest(scanned, signal, { ...options, sink });
      const label = JSON.stringify(options);
      assert.deepEqual(sunk.weightsFile, {
        path: sink,
        rows: whole.weights.height,
      });
      assert.equal(whole.weightsFile, undefined);
      assert.ok(sunk.returns.frameEqual(whole.returns, true), label);
      assert.deepEqual(sunk.metrics, whole.metrics, label);
      assert.ok(sunk.weights.frameEqual(whole.weights, true), label);
      const saved = await sunk.save(`${out}/saved-${i}`, { format: "csv" });
      const csv = pl.readCSV(saved.find((p) => p.endsWith("weights.csv"))!);
      assert.equal(csv.height, whole.weights.height, label);
      assert.deepEqual(
        csv.getColumn("weight").toArray(),
        whole.weights.getColumn("weight").toArray(),
        label,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

/** Asserts every table of two analyses is equal, value for value. */
function assertSameAnalysis(
  actual: FactorAnalysis,
  expected: FactorAnalysis,
  label: string,
): void {
  const tables = expected.toPolars();
  for (const [name, frame] of Object.entries(actual.toPolars())) {
    if (name === "factorData") continue;
    const want = tables[name as keyof typeof tables]!;
    assert.ok(frame.frameEqual(want, true), `${label}: ${name}`);
  }
  assert.deepEqual(actual.factorRows.rows, expected.factorRows.rows, label);
}

Deno.test("an analysis of scanned bars in 20-minute chunks equals the one-pass analysis, with periods reaching over several chunks", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir, { chunk: "20m" });
    const options = { periods: [1, 5, 60], quantiles: 3, minSymbols: 3 };
    const short =
      "cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,2),6)),3))";
    for (const formula of [short, FACTORS.a001]) {
      const whole = await agg.factor(formula).analyze(agg, options);
      assert.ok(whole.ic.height > 300, `${formula}: ${whole.ic.height}`);
      const chunked = await scanned.factor(formula).analyze(scanned, options);
      assertSameAnalysis(chunked, whole, formula);
      // Forward returns compounded from a returns Factor carry over chunks too.
      const returns = {
        ...options,
        periods: [1, 3],
        returns: "ts_pct_change(close, 1)",
      };
      assertSameAnalysis(
        await scanned.factor(formula).analyze(scanned, returns),
        await agg.factor(formula).analyze(agg, returns),
        `${formula} with returns`,
      );
      // Bars in memory analysed in chunks keep their per-bar rows.
      const inMemory = await agg.factor(formula).analyze(agg, {
        ...options,
        chunk: "35m",
        demeaned: false,
      });
      assertSameAnalysis(
        inMemory,
        await agg.factor(formula).analyze(agg, { ...options, demeaned: false }),
        formula,
      );
      assert.ok(inMemory.factorData.frameEqual(whole.factorData, true));
      // Bars in files keep no per-bar rows unless sunk to a file.
      assert.throws(() => chunked.factorData, NotKeptError);
      assert.equal(chunked.toPolars().factorData, undefined);
      const path = `${dir}/out/rows.parquet`;
      await Deno.mkdir(`${dir}/out`, { recursive: true });
      const sunk = await scanned.factor(formula).analyze(scanned, {
        ...options,
        sink: path,
      });
      assert.equal(sunk.factorRows.path, path);
      assert.ok(sunk.factorData.frameEqual(whole.factorData, true));
      const saved = await sunk.save(`${dir}/saved`, { format: "csv" });
      assert.ok(saved.some((file) => file.endsWith("factorData.csv")));
      assert.equal(
        pl.readCSV(await Deno.readTextFile(`${dir}/saved/factorData.csv`))
          .height,
        whole.factorData.height,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a result whose sink file was deleted names the file in a DataFileError when its rows are asked for", async () => {
  const { dir } = await filesOfHours();
  try {
    const scanned = AggBar.scan(dir, { chunk: "1h" });
    const signal = "cs_rank(-ts_delta(close, 5))";
    const analysis = await scanned.factor(signal).analyze(scanned, {
      periods: [1],
      sink: `${dir}/rows.parquet`,
    });
    const result = await backtest(scanned, signal, {
      sink: `${dir}/weights.parquet`,
    });
    await Deno.remove(`${dir}/rows.parquet`);
    await Deno.remove(`${dir}/weights.parquet`);
    const names = (file: string) => (error: Error) =>
      error instanceof DataFileError && error.file === `${dir}/${file}` &&
      /sink wrote/.test(error.message);
    assert.throws(() => analysis.factorData, names("rows.parquet"));
    assert.throws(() => result.weights, names("weights.parquet"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an analysis that cannot have a value writes no sink file", async () => {
  const { dir, agg } = await filesOfHours();
  try {
    const path = `${dir}/rows.parquet`;
    await assert.rejects(
      () =>
        agg.factor("close").analyze(agg, {
          periods: [1],
          maxLoss: 0,
          sink: path,
        }),
      InvalidArgumentError,
    );
    assert.deepEqual(
      [...Deno.readDirSync(dir)].filter((entry) =>
        !entry.name.startsWith("hour")
      ),
      [],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AggBar.scan checks its options", async () => {
  const { dir } = await filesOfHours();
  try {
    assert.throws(
      () => AggBar.scan(dir, { chunk: "soon" }),
      (error: Error) =>
        error instanceof InvalidArgumentError && /chunk/.test(error.message),
    );
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => AggBar.scan(dir, { chunks: "1h" } as any),
      InvalidArgumentError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AggBar.scan reads files whose paths hold glob characters and key=value folders literally", async () => {
  const { agg } = factorData({ symbols: 3, bars: 30, seed: 2 });
  const root = await Deno.makeTempDir();
  const dir = `${root}/bars[1]*?/symbol=ZZZ`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    agg.toPolars().writeParquet(`${dir}/all.parquet`);
    const scanned = AggBar.scan(`${root}/bars[1]*?`);
    assert.deepEqual(scanned.symbols, agg.symbols);
    assert.ok(
      (await scanned.compute({ f: "ts_delta(close, 2)" })).frameEqual(
        await agg.compute({ f: "ts_delta(close, 2)" }),
        true,
      ),
    );
    const sink = `${dir}/out[2].parquet`;
    const written = await scanned.compute({ f: "close" }, { sink });
    assert.equal(pl.readParquet(sink).height, written.rows);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a sweep, a factor comparison and a walk-forward run of scanned bars in 20-minute chunks equal those of the same bars in memory, read no file whole and leave no temporary file", async () => {
  const { dir, agg } = await filesOfHours();
  const temp = Deno.env.get("TMPDIR") ?? "/tmp";
  const evaluated = () =>
    [...Deno.readDirSync(temp)].filter((e) =>
      e.name.startsWith("factorium-evaluated-")
    ).length;
  const before = evaluated();
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (message: string) => warnings.push(message);
  try {
    const scanned = AggBar.scan(dir, { chunk: "20m" });
    const settings = { periods: [1, 5], quantiles: 3, minSymbols: 3 };
    const template = "cs_rank(-ts_delta(close, {n}))";
    const grid = { n: [2, 5], costBps: [0, 4] };
    const swept = async (bars: AggBar) =>
      (await sweep(bars, template, grid, { ic: settings })).table;
    const whole = await swept(agg);
    assert.equal(whole.height, 4);
    assert.ok((await swept(scanned)).frameEqual(whole, true), "sweep");

    const factors = {
      chain:
        "cs_zscore(ts_mean(cs_rank(ts_zscore(ts_pct_change(close,2),6)),3))",
      a001: FACTORS.a001,
    };
    const inMemory = await compareFactors(agg, factors, settings);
    const inFiles = await compareFactors(scanned, factors, settings);
    for (
      const table of [
        "table",
        "ic",
        "valueCorrelation",
        "icCorrelation",
      ] as const
    ) {
      assert.ok(inFiles[table].frameEqual(inMemory[table], true), table);
    }
    assert.ok(inMemory.valueCorrelation.height === 2);

    const walk = (bars: AggBar) =>
      walkForward(bars, template, { n: [2, 5] }, { train: "2h", test: "1h" });
    const [walked, walkedInFiles] = [await walk(agg), await walk(scanned)];
    assert.ok(walked.folds.height >= 3);
    assert.ok(walkedInFiles.folds.frameEqual(walked.folds, true), "folds");
    assert.ok(walkedInFiles.returns.frameEqual(walked.returns, true));
    assert.deepEqual(warnings, []);
    assert.equal(evaluated(), before);
  } finally {
    console.warn = warn;
    await Deno.remove(dir, { recursive: true });
  }
});
