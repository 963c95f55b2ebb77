/**
 * What the `factorium` commands do once `src/cli.ts` has parsed and checked
 * their arguments. This module holds the heavy imports (Polars, DuckDB), so
 * the command line loads it only when a command runs: `--help` and usage
 * errors answer at once.
 *
 * Results go to stdout; warnings and the progress bar (on a terminal only)
 * to stderr. Each action returns the exit code.
 *
 * @module
 */
import { dirname } from "node:path";
import pl from "nodejs-polars";
import { AggBar } from "../aggbar.ts";
// The methods the CLI calls on AggBar (get, factor, compute) and Factor
// (analyze, backtest) are attached by these modules.
import "../factor/aggbar_factors.ts";
import "../analysis/factor_methods.ts";
import { ALPHA101 } from "../factor/alphas.ts";
import { DataLoader, type LoadAggBarOptions } from "../data/loader.ts";
import { generateSample, type GenerateSampleOptions } from "../data/sample.ts";
import { generateFundingSample } from "../data/sample_funding.ts";
import type { BacktestResult } from "../analysis/backtest_result.ts";
import {
  downloadData,
  type DownloadOptions,
  formatBytes,
  formatDownloadReport,
} from "../data/download.ts";
import {
  BAR_COLUMNS,
  BAR_FRAME_COLUMNS,
  emptyBars,
} from "../data/aggregator.ts";
import { statOrNull } from "../data/cache.ts";
import {
  DataFileError,
  firstLine,
  InvalidArgumentError,
  MissingDataError,
} from "../errors.ts";
import { formatBarSpec } from "./bar_spec.ts";
import { ProgressBar } from "./progress.ts";
import { writeAtomic } from "../atomic.ts";
import { factorSummary } from "../display/jupyter.ts";
import { formatNumber } from "../display/html.ts";
import { Report } from "../display/report.ts";
import { frameText } from "../display/frame.ts";
import { ISO_CSV_FORMAT, withDatetimes, withEpochMs } from "../datetimes.ts";
import type { Factor } from "../factor/factor.ts";

/** A bar or factor file format, from the file's extension. */
export type FileFormat = "parquet" | "csv";

/** A file to read or write, with its format. */
export interface FileTarget {
  /** The path as given. */
  path: string;
  /** Its format, from the extension. */
  format: FileFormat;
  /** Write a CSV's times as epoch milliseconds rather than ISO 8601 UTC. @default false */
  epochMs?: boolean;
}

/** Where `bars`, `info` and `factor` get their bars: a bar file or a data directory. */
export type BarSource =
  | { kind: "file"; file: FileTarget }
  | {
    kind: "data";
    /** Root of the tick files. */
    dataDir: string;
    /** Bar cache; the loader's default when absent. */
    cacheDir?: string;
    /** What to load (checked by the command line, validated again by the loader). */
    options: Omit<LoadAggBarOptions, "onProgress">;
  };

/**
 * `factorium sample`: writes the sample tick data, drawing a per-file
 * progress bar on a terminal, and prints what it wrote.
 */
export async function sample(
  options: Omit<GenerateSampleOptions, "onProgress">,
  name: string,
): Promise<number> {
  using progress = new ProgressBar({
    label: `factorium ${name}: writing`,
    unit: "files",
  });
  const result = await generateSample({
    ...options,
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.finish();
  console.log(
    `wrote ${result.written} file(s), skipped ${result.skipped} existing, ${result.rows} trades in ${options.dataDir}`,
  );
  return 0;
}

/**
 * `factorium download`: downloads the dumps, drawing a progress bar (files,
 * bytes, rate, ETA) on a terminal, and prints the report. Ctrl-C (or
 * SIGTERM) cancels: partial files are removed and the exit code is 130.
 */
export async function download(
  options: Omit<DownloadOptions, "onProgress" | "signal">,
  name: string,
): Promise<number> {
  using progress = new ProgressBar({
    label: `factorium ${name}:`,
    unit: "files",
  });
  const controller = new AbortController();
  const cancel = () => controller.abort();
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const signal of signals) Deno.addSignalListener(signal, cancel);
  try {
    const report = await downloadData({
      ...options,
      signal: controller.signal,
      onProgress: ({ done, total, bytes, elapsedMs }) =>
        progress.update(
          done,
          total,
          `${formatBytes(bytes)} ${
            formatBytes(bytes / (elapsedMs / 1000 || 1))
          }/s`,
        ),
    });
    progress.finish();
    console.log(formatDownloadReport(report));
    return report.failed.length > 0 ? 1 : 0;
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    progress.finish();
    console.error(
      `factorium ${name}: cancelled; partial files removed, run again to resume`,
    );
    return 130;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, cancel);
  }
}

/** `factorium bars`: loads bars and writes them to `out`; prints a summary line. */
export async function bars(
  source: BarSource,
  out: FileTarget,
  name: string,
): Promise<number> {
  const t0 = performance.now();
  await checkOutput(out);
  const agg = await loadBars(source, name);
  await writeFrame(agg.toPolars(), out);
  console.log(
    `${describeBars(agg)}; wrote ${out.path} in ${elapsed(t0)}`,
  );
  return 0;
}

/** `factorium info`: prints the AggBar summary and its per-symbol table. */
export async function info(source: BarSource, name: string): Promise<number> {
  const agg = await loadBars(source, name);
  console.log(agg.toString());
  console.log(frameText(agg.info()));
  const missing = agg.metadata.missing;
  if (missing?.length) {
    console.log(
      `missing symbol-days: ${
        missing.map((m) => `${m.symbol} ${m.day}`).join(", ")
      }`,
    );
  }
  return 0;
}

/**
 * `factorium factor`: evaluates `formula` over the bars, writes the values
 * to `out` when given, and prints the canonical name and a summary.
 */
export async function factor(
  formula: string,
  source: BarSource,
  out: FileTarget | undefined,
  name: string,
): Promise<number> {
  const t0 = performance.now();
  if (out) await checkOutput(out);
  if (source.kind === "data") {
    // Check the formula against the columns the load will give, before it.
    const columns = source.options.buyerSeller
      ? BAR_FRAME_COLUMNS
      : BAR_COLUMNS;
    new AggBar(emptyBars().select(...columns)).factor(formula);
  }
  const agg = await loadBars(source, name);
  const factor = agg.factor(formula);
  const frame = await factor.collect();
  if (out) await writeFrame(frame, out);
  const values = frame.getColumn("factor");
  if (values.nullCount() === values.length) {
    console.error(
      `factorium ${name}: warning: every one of the ${values.length} values is null (undefined everywhere on these bars)`,
    );
  }
  console.log(`factor ${factor.name}`);
  console.log(describeFactor(frame));
  console.log(
    `${describeBars(agg)}${out ? `; wrote ${out.path}` : ""} in ${elapsed(t0)}`,
  );
  return 0;
}

/** What `factorium demo` works on. */
export interface DemoOptions {
  /** Where the sample lives (generated if missing). */
  dataDir: string;
  /** The sample's symbols. */
  symbols: string[];
  /** The HTML report to write. */
  report: string;
}

/**
 * `factorium demo`: generates the sample of `symbols` if missing, loads
 * 1-minute bars twice (cold or cached, then from the cache), prints a
 * summary and the statistics of a few factors computed in one pass, then
 * dollar bars, analyses and backtests one factor, and writes an HTML
 * report with charts.
 */
export async function demo(options: DemoOptions): Promise<number> {
  const { dataDir, symbols } = options;
  const marker = `${dataDir}/market=futures_um/data_type=aggTrades/symbol=${
    symbols.at(-1)
  }/year=2024/month=01/day=03/data.parquet`;
  if (!(await statOrNull(marker))) {
    console.log(`generating sample data in ${dataDir} ...`);
    await generateSample({ dataDir, symbols, days: 3 });
  }
  const loader = new DataLoader({ dataDir });
  try {
    let agg: AggBar | undefined;
    for (const label of ["cold or cached", "from cache"]) {
      const t0 = performance.now();
      agg = await loader.loadAggBar({
        symbols,
        start: "2024-01-01",
        days: 3,
        bar: { type: "time", intervalMs: 60_000 },
        buyerSeller: true,
      });
      console.log(`loadAggBar (${label}): ${elapsed(t0)}`);
    }
    console.log(agg!.toString());
    console.log(frameText(agg!.info()));
    const factors = demoFactors(agg!);
    const stats = await factorStats(agg!, factors);
    const dollar = await loader.loadAggBar({
      symbols,
      start: "2024-01-01",
      days: 3,
      bar: { type: "dollar", dollars: 500_000 },
    });
    console.log(`dollar bars ($500k): ${dollar.toString().split("\n")[0]}`);
    let t0 = performance.now();
    const analysis = await factors.reversal_5.analyze(agg!, {
      periods: [1, 5, 30],
    });
    console.log(`analyze reversal_5: ${elapsed(t0)}`);
    console.log(analysis.toString());
    t0 = performance.now();
    const result = await factors.reversal_5.backtest(agg!, {
      allocate: "top-n",
      topN: 2,
      costBps: 2,
    });
    console.log(`backtest reversal_5: ${elapsed(t0)}`);
    console.log(result.toString());
    t0 = performance.now();
    const perp = await perpBacktest(loader, agg!, factors.reversal_5);
    console.log(`perp backtest reversal_5: ${elapsed(t0)}`);
    console.log(perp.toString());
    t0 = performance.now();
    await demoReport(agg!, factors, stats)
      .add("reversal_5 analysis", analysis)
      .add("reversal_5 backtest (top 2 / bottom 2, 2 bps per side)", result)
      .add(
        "reversal_5 as a perp: funding, the 4 most liquid symbols over 6 hours, hourly rebalance",
        perp,
      )
      .save(options.report);
    console.log(`wrote ${options.report} in ${elapsed(t0)}`);
  } finally {
    await loader.close();
  }
  return 0;
}

/**
 * The demo's perpetual-futures backtest: synthetic funding for the sample
 * (written when missing), charged at each settlement; a universe of the 4
 * symbols with the most dollar volume over the trailing 6 hours (listed 1
 * hour at least); weights decided on the hour.
 */
async function perpBacktest(
  loader: DataLoader,
  agg: AggBar,
  signal: Factor,
): Promise<BacktestResult> {
  const range = { symbols: agg.symbols, start: "2024-01-01", days: 3 };
  const funding = await loader.loadFunding(range).catch(async (error) => {
    if (!(error instanceof MissingDataError)) throw error;
    console.log(`generating sample funding rates in ${loader.dataDir} ...`);
    await generateFundingSample({
      dataDir: loader.dataDir,
      symbols: agg.symbols,
      start: range.start,
    });
    return loader.loadFunding(range);
  });
  return signal.backtest(agg, {
    rebalance: "1h",
    costBps: 2,
    funding,
    universe: { top: 4, window: "6h", minHistory: "1h" },
  });
}

/** The demo's factors: methods, a formula and three of the 101 Alphas. */
function demoFactors(agg: AggBar): Record<string, Factor> {
  const close = agg.get("close");
  return {
    momentum_60: close.tsPctChange(60).csRank(),
    reversal_5: close.tsDelta(5).neg().csZscore(),
    volume_z: agg.factor("ts_zscore(log(volume), 120)"),
    alpha002: agg.factor(ALPHA101.alpha002),
    alpha012: agg.factor(ALPHA101.alpha012),
    alpha101: agg.factor(ALPHA101.alpha101),
  };
}

/** Computes the factors in one pass; prints and returns their statistics. */
async function factorStats(
  agg: AggBar,
  factors: Record<string, Factor>,
): Promise<pl.DataFrame> {
  const t0 = performance.now();
  const frame = await agg.compute(factors);
  console.log(
    `${
      Object.keys(factors).length
    } factors in one pass over ${frame.height} rows: ${elapsed(t0)}`,
  );
  const stats = pl.concat(
    Object.keys(factors).map((name) =>
      factorSummary(frame, name).select(
        pl.lit(name).alias("factor"),
        pl.all(),
      )
    ),
  );
  console.log(
    stats.select("factor", "present", "null_share", "mean", "std", "min", "max")
      .toString(),
  );
  return stats;
}

/** The demo's HTML report: bars, price and volume charts, the factors (the analysis sections follow). */
function demoReport(
  agg: AggBar,
  factors: Record<string, Factor>,
  stats: pl.DataFrame,
): Report {
  const [first] = agg.symbols;
  return new Report("factorium demo: sample aggTrades, 1-minute bars")
    .add("Bars", agg)
    .add(`${first} candles`, agg.plot({ symbol: first, kind: "candles" }))
    .add("Prices, relative to the first bar", agg.plot({ kind: "line" }))
    .add(`${first} volume`, agg.plot({ symbol: first, kind: "volume" }))
    .add("Factor statistics (computed in one pass)", stats)
    .add("momentum_60", factors.momentum_60)
    .add(
      "momentum_60 by symbol and time",
      factors.momentum_60.plot("heatmap"),
    )
    .add("volume_z", factors.volume_z)
    .add("alpha101", factors.alpha101)
    .add("alpha101 distribution", factors.alpha101.plot("distribution"));
}

/** Loads the bars of `source`, drawing a progress bar on a terminal. */
async function loadBars(source: BarSource, name: string): Promise<AggBar> {
  if (source.kind === "file") return await readBarFile(source.file);
  using progress = new ProgressBar({
    label: `factorium ${name}: loading`,
    unit: source.options.bar?.type === "time" ? "symbol-days" : "symbols",
  });
  const loader = new DataLoader({
    dataDir: source.dataDir,
    ...(source.cacheDir !== undefined ? { cacheDir: source.cacheDir } : {}),
    onWarning: (message) => {
      progress.finish();
      // The loader names its option; a CLI user knows the flag.
      const flagged = message.replaceAll(
        "allowMissing: true",
        "--allow-missing",
      );
      console.error(`factorium ${name}: warning: ${flagged}`);
    },
  });
  try {
    return await loader.loadAggBar({
      ...source.options,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    await loader.close();
  }
}

/** Reads a bar file written by `bars` (or any frame with the key columns). */
async function readBarFile({ path, format }: FileTarget): Promise<AggBar> {
  if (!(await statOrNull(path))?.isFile) {
    throw new InvalidArgumentError("--file", path, "an existing file");
  }
  let df: pl.DataFrame;
  try {
    df = format === "parquet"
      ? pl.readParquet(path)
      : withEpochMs(pl.readCSV(path));
  } catch (error) {
    throw new DataFileError(path, `cannot be read (${firstLine(error)})`, {
      cause: error,
    });
  }
  try {
    return new AggBar(df);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(
        "--file",
        path,
        `a bar file (${error.message})`,
      );
    }
    throw error;
  }
}

/** Fails before any work when the output's directory does not exist. */
async function checkOutput({ path }: FileTarget): Promise<void> {
  const dir = dirname(path);
  if (!(await statOrNull(dir))?.isDirectory) {
    throw new InvalidArgumentError(
      "--out",
      path,
      `a file in an existing directory (there is no directory ${dir})`,
    );
  }
}

/** Writes `df` through a hidden temporary sibling renamed over `path`. */
async function writeFrame(
  df: pl.DataFrame,
  { path, format, epochMs }: FileTarget,
): Promise<void> {
  await writeAtomic(path, (tmp) => {
    if (format === "parquet") df.writeParquet(tmp, { compression: "zstd" });
    else if (epochMs) df.writeCSV(tmp);
    else withDatetimes(df).writeCSV(tmp, { datetimeFormat: ISO_CSV_FORMAT });
  });
}

/** `N bars, S symbol(s), first → last[, bar spec]` */
function describeBars(agg: AggBar): string {
  const m = agg.metadata;
  const range = m.minTime === null
    ? "no bars"
    : `${isoTime(m.minTime)} → ${isoTime(m.maxTime!)}`;
  return `${m.numRows} bars, ${m.symbols.length} symbol(s), ${range}${
    m.bar ? `, ${formatBarSpec(m.bar)}` : ""
  }`;
}

/** Rows, nulls and the distribution of a factor frame's `factor` column. */
function describeFactor(frame: pl.DataFrame): string {
  const row = factorSummary(frame).toRecords()[0] as Record<
    string,
    number | null
  >;
  const nulls = row.rows! - row.present!;
  const share = row.rows! > 0 ? 100 * nulls / row.rows! : 0;
  const labels = {
    mean: "mean",
    std: "std",
    min: "min",
    q25: "25%",
    median: "50%",
    q75: "75%",
    max: "max",
  };
  const stats = Object.entries(labels)
    .map(([key, label]) => `${label} ${formatNumber(row[key])}`).join("  ");
  return `${row.rows} rows, ${nulls} null (${share.toFixed(1)}%)\n${stats}`;
}

/** ISO 8601 UTC without zero seconds or milliseconds: `2024-01-01T00:00Z`. */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z")
    .replace(/:00Z$/, "Z");
}

function elapsed(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(2)} s`;
}
