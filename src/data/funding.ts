/**
 * Perpetual-futures funding rates: read from the monthly `fundingRate`
 * files into one frame, and attached to bars as columns factors can use.
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar } from "../aggbar.ts";
import {
  DataFileError,
  describeMissing,
  DownloadError,
  InvalidArgumentError,
  MissingDataError,
} from "../errors.ts";
import { type DataFrame, isDataFrame } from "../polars.ts";
import { monthsOverlapping } from "../time.ts";
import { timeToMs } from "./adapters/mod.ts";
import {
  downloadData,
  downloadOption,
  type LoaderDownloadOptions,
} from "./download.ts";
import {
  type DataSelection,
  resolveSelection,
  SELECTION_OPTIONS,
} from "./selection.ts";
import { findSourceFiles } from "./source_files.ts";
import { booleanOption, checkOptions, type OptionNames } from "../options.ts";

/** Options of `DataLoader.loadFunding`. */
export interface LoadFundingOptions extends Omit<DataSelection, "dataType"> {
  /** Load what exists when symbol-months are missing (with a warning) instead of throwing. @default false */
  allowMissing?: boolean;
  /**
   * Download the missing symbol-months first (Binance Vision's monthly
   * `fundingRate` dumps); an object sets the download's options.
   * @default false (missing months raise {@linkcode MissingDataError})
   */
  download?: boolean | LoaderDownloadOptions;
}

/** The columns of a funding frame, in order. */
export const FUNDING_COLUMNS = [
  "symbol",
  "funding_time",
  "funding_interval_hours",
  "funding_rate",
] as const;

const { dataType: _, ...RANGE_OPTIONS } = SELECTION_OPTIONS;
const LOAD_FUNDING_OPTIONS: OptionNames<LoadFundingOptions> = {
  ...RANGE_OPTIONS,
  allowMissing: true,
  download: true,
};

/** The raw columns of a stored `fundingRate` file. */
const STORED = ["calc_time", "funding_interval_hours", "last_funding_rate"];

/**
 * Reads the funding settlements of `symbols` with `funding_time` in
 * `[start, end)` from `dataDir` (one file per symbol and UTC month, as
 * {@linkcode downloadData} writes them): a frame `symbol, funding_time`
 * (epoch ms, Int64), `funding_interval_hours` (Int64), `funding_rate`
 * (Float64, the rate settled at that time) sorted by (funding_time,
 * symbol). What `DataLoader.loadFunding` runs.
 *
 * @example
 * ```ts
 * import { generateFundingSample } from "./sample_funding.ts";
 * import { readFunding } from "./funding.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateFundingSample({ dataDir, symbols: ["BTCUSDT"], start: "2024-01-01", months: 1 });
 * const funding = await readFunding(dataDir, { symbols: "BTCUSDT", start: "2024-01-01", days: 1 }, console.warn);
 * console.log(funding.height); // 3 (00:00, 08:00 and 16:00 UTC)
 * ```
 *
 * @throws {InvalidArgumentError} an option is invalid.
 * @throws {MissingDataError} a symbol-month has no file (unless `allowMissing`).
 * @throws {DataFileError} a file lacks a column, or holds a missing or non-finite rate or time.
 */
export async function readFunding(
  dataDir: string,
  options: LoadFundingOptions,
  warn: (message: string) => void,
): Promise<DataFrame> {
  checkOptions("loadFunding", options, LOAD_FUNDING_OPTIONS);
  const { adapter, market, symbols, lo, hi } = resolveSelection({
    ...options,
    dataType: "fundingRate",
  });
  const allowMissing = booleanOption(
    "allowMissing",
    options.allowMissing,
    false,
  );
  const download = downloadOption(options.download);
  if (download) {
    const report = await downloadData({
      ...(download === true ? {} : download),
      dataDir,
      symbols,
      start: lo,
      end: hi,
      exchange: adapter.name,
      market,
      dataType: "fundingRate",
    });
    if (report.failed.length > 0) throw new DownloadError(report.failed);
    for (const { symbol, day, url } of report.missing) {
      warn(`${symbol} ${day} funding is not published (not found at ${url})`);
    }
  }
  const months = monthsOverlapping(lo, hi);
  const pathOf = (symbol: string, month: number) =>
    adapter.filePath(dataDir, market, "fundingRate", symbol, month);
  const { present, missing } = await findSourceFiles(
    symbols,
    months,
    pathOf,
  );
  const missingMonths = missing.map((m) => ({
    symbol: m.symbol,
    day: m.day.slice(0, 7),
    path: m.path,
  }));
  if (missingMonths.length > 0) {
    if (!allowMissing || present.size === 0) {
      throw new MissingDataError(missingMonths);
    }
    warn(
      `${
        describeMissing(missingMonths)
      }; loaded the funding that exists (allowMissing: true)`,
    );
  }
  const frames: pl.DataFrame[] = [];
  for (const symbol of symbols) {
    for (const month of months) {
      const path = pathOf(symbol, month);
      if (present.has(path)) frames.push(readFile(path, symbol, lo, hi));
    }
  }
  return pl.concat(frames, { how: "vertical" })
    .sort({ by: ["funding_time", "symbol"], maintainOrder: true });
}

/** One stored file as funding rows in `[lo, hi)`, checked. */
function readFile(
  path: string,
  symbol: string,
  lo: number,
  hi: number,
): pl.DataFrame {
  let raw: pl.DataFrame;
  try {
    raw = pl.readParquet(path);
  } catch (error) {
    throw new DataFileError(path, `not a readable Parquet file: ${error}`, {
      cause: error,
    });
  }
  for (const column of STORED) {
    if (!raw.columns.includes(column)) {
      throw new DataFileError(
        path,
        `expected a funding file with columns ${
          STORED.join(", ")
        }; '${column}' is missing`,
        { column },
      );
    }
  }
  const times = raw.getColumn("calc_time").cast(pl.Float64).toArray();
  const hours = raw.getColumn("funding_interval_hours").cast(pl.Float64)
    .toArray();
  const rates = raw.getColumn("last_funding_rate").cast(pl.Float64)
    .toArray();
  const keep: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const bad = !Number.isFinite(times[i])
      ? ["calc_time", times[i]]
      : !Number.isFinite(rates[i])
      ? ["last_funding_rate", rates[i]]
      : !Number.isFinite(hours[i])
      ? ["funding_interval_hours", hours[i]]
      : null;
    if (bad) {
      throw new DataFileError(
        path,
        `row ${i + 1} has ${bad[1]} in '${
          bad[0]
        }'; expected a finite number in every row`,
        { column: bad[0] as string },
      );
    }
    // Times by magnitude (seconds, ms, µs), as the tick readers do.
    const ms = timeToMs(times[i], "auto");
    if (ms >= lo && ms < hi) keep.push(i);
  }
  const ms = new BigInt64Array(keep.length);
  const interval = new BigInt64Array(keep.length);
  keep.forEach((row, k) => {
    ms[k] = BigInt(timeToMs(times[row], "auto"));
    interval[k] = BigInt(Math.round(hours[row]));
  });
  return pl.DataFrame([
    pl.Series("symbol", Array(keep.length).fill(symbol), pl.Utf8),
    pl.Series("funding_time", ms, pl.Int64),
    pl.Series("funding_interval_hours", interval, pl.Int64),
    pl.Series("funding_rate", Float64Array.from(keep, (row) => rates[row])),
  ]);
}

/**
 * The bars with two funding columns, for factors (carry signals):
 *
 * - `funding_rate`: the sum of the rates settled during the bar (a
 *   settlement at `t` belongs to the bar with `start_time ≤ t < end_time`
 *   of its symbol, so one exactly at a bar edge belongs to the bar that
 *   starts there), null in bars without a settlement;
 * - `last_funding_rate`: the rate of the symbol's latest settlement
 *   strictly before the bar's `end_time` (known when the bar closes),
 *   null before the first one.
 *
 * A trailing mean is then `ts_mean(last_funding_rate, n)`. Settlements of
 * symbols the bars lack, or that fall in no bar, are left out. Bars kept in
 * files ({@linkcode AggBar.scan}) are read into memory.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { AggBar } from "../aggbar.ts";
 * import { withFunding } from "./funding.ts";
 * const H = 3_600_000;
 * const agg = AggBar.fromRecords([0, 1, 2].map((i) => ({ symbol: "A", start_time: i * H, end_time: (i + 1) * H, close: 1 })));
 * const funding = pl.DataFrame({ symbol: ["A"], funding_time: [H], funding_interval_hours: [8], funding_rate: [1e-4] })
 *   .withColumns(pl.col("funding_time").cast(pl.Int64), pl.col("funding_interval_hours").cast(pl.Int64));
 * const bars = withFunding(agg, funding).toRecords();
 * console.log(bars.map((b) => b.funding_rate), bars.map((b) => b.last_funding_rate)); // [null, 0.0001, null] [null, 0.0001, 0.0001]
 * ```
 *
 * @throws {InvalidArgumentError} `funding` is not a funding frame, or the bars already have these columns.
 */
export function withFunding(agg: AggBar, funding: DataFrame): AggBar {
  checkFundingFrame("funding", funding);
  for (const column of ["funding_rate", "last_funding_rate"]) {
    if (agg.cols.includes(column)) {
      throw new InvalidArgumentError(
        "agg",
        agg.cols,
        `bars without a '${column}' column (it is what withFunding adds)`,
      );
    }
  }
  const bars = agg.toPolars();
  const settlements = funding.select("symbol", "funding_time", "funding_rate")
    .filter(pl.col("symbol").isIn(agg.symbols))
    .sort("funding_time");
  const spans = bars.select("symbol", "start_time", "end_time")
    .unique({ maintainOrder: true })
    .sort("start_time");
  const perBar = settlements
    .joinAsof(spans, {
      leftOn: "funding_time",
      rightOn: "start_time",
      by: "symbol",
      strategy: "backward",
      checkSortedness: false,
    })
    .filter(pl.col("funding_time").lt(pl.col("end_time")))
    .groupBy(["symbol", "start_time", "end_time"])
    .agg(pl.col("funding_rate").sum());
  const one = pl.lit(1).cast(pl.Int64);
  const last = bars.select("symbol", "start_time", "end_time")
    .withColumns(pl.col("end_time").minus(one).alias("__known"))
    .joinAsof(
      settlements.rename({ funding_rate: "last_funding_rate" }),
      {
        leftOn: "__known",
        rightOn: "funding_time",
        by: "symbol",
        strategy: "backward",
        checkSortedness: false,
      },
    )
    .select("symbol", "start_time", "end_time", "last_funding_rate");
  const joined = bars
    .join(perBar, {
      on: ["symbol", "start_time", "end_time"],
      how: "left",
    })
    .join(
      last.unique({
        subset: ["symbol", "start_time", "end_time"],
        maintainOrder: true,
      }),
      {
        on: ["symbol", "start_time", "end_time"],
        how: "left",
      },
    );
  return new AggBar(joined, agg.metadata);
}

/**
 * Checks that `frame` is a funding frame (the columns of
 * {@linkcode FUNDING_COLUMNS} with integer times and numeric rates).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { checkFundingFrame } from "./funding.ts";
 * checkFundingFrame("funding", pl.DataFrame({ symbol: ["A"], funding_time: [0], funding_interval_hours: [8], funding_rate: [1e-4] }));
 * ```
 *
 * @throws {InvalidArgumentError} naming `argument` and the missing or mistyped column.
 */
export function checkFundingFrame(argument: string, frame: unknown): void {
  if (!isDataFrame(frame)) {
    throw new InvalidArgumentError(
      argument,
      frame,
      "a funding frame (DataLoader.loadFunding's result)",
    );
  }
  const df = frame;
  for (const column of ["symbol", "funding_time", "funding_rate"]) {
    if (!df.columns.includes(column)) {
      throw new InvalidArgumentError(
        argument,
        df.columns,
        `a funding frame with columns symbol, funding_time, funding_rate (missing '${column}')`,
      );
    }
    if (column !== "symbol" && !df.getColumn(column).isNumeric()) {
      throw new InvalidArgumentError(
        `${argument}.${column}`,
        String(df.getColumn(column).dtype),
        column === "funding_time" ? "integer epoch milliseconds" : "numbers",
      );
    }
  }
}
