/**
 * Synthetic perpetual-futures funding rates in the layout the downloader
 * writes (one Parquet file per symbol and UTC month), and their Binance
 * Vision monthly dumps, for tests, demos and the loopback download tests.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { writeAtomic } from "../atomic.ts";
import { InvalidArgumentError } from "../errors.ts";
import { checkOptions, oneOf, positiveInteger } from "../options.ts";
import { monthsOverlapping, type TimeInput, toEpochMs } from "../time.ts";
import { hivePath } from "./adapters/adapter.ts";
import { validateSymbols } from "./bar_spec.ts";
import { fnv1a, type SampleResult, writeVisionZip } from "./sample.ts";

/** Options of {@linkcode generateFundingSample}. */
export interface FundingSampleOptions {
  /** Root directory of the hive layout (created if needed). */
  dataDir: string;
  /** Symbols. @default ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"] */
  symbols?: string | readonly string[];
  /** Any time in the first UTC month. @default "2024-01-01" */
  start?: TimeInput;
  /** Number of consecutive UTC months. @default 1 */
  months?: number;
  /** Futures market whose layout is used. @default "futures_um" */
  market?: "futures_um" | "futures_cm";
  /** Seed; any safe integer. @default 1 */
  seed?: number;
}

/** Options of {@linkcode writeBinanceFundingZip}. */
export interface FundingZipOptions {
  /** Root directory {@linkcode generateFundingSample} wrote into. */
  dataDir: string;
  /** Market of the generated file. @default "futures_um" */
  market?: "futures_um" | "futures_cm";
  /** Symbol of the generated file. */
  symbol: string;
  /** Any time in the UTC month. */
  month: TimeInput;
  /** Directory receiving the zip and its checksum (created if needed). */
  outDir: string;
}

const DEFAULT_SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
/** The majors settle every 8 hours; other names may settle every 4. */
const MAJORS = /^(BTC|ETH|SOL|BNB|XRP)/;
/** Binance's clamp on USDⓈ-M funding rates, per settlement. */
const RATE_CAP = 0.0075;

/**
 * Hours between a symbol's settlements: 8 for the majors (00:00, 08:00 and
 * 16:00 UTC), 4 for one other symbol in three (by a hash of its name).
 *
 * @example
 * ```ts
 * import { fundingIntervalHours } from "./sample_funding.ts";
 * console.log(fundingIntervalHours("BTCUSDT")); // 8
 * ```
 */
export function fundingIntervalHours(symbol: string): number {
  return !MAJORS.test(symbol) && fnv1a(symbol, 0x2545f491) % 3 === 0 ? 4 : 8;
}

/**
 * A uniform in (0, 1) from a string key: FNV-1a, then MurmurHash3's
 * finaliser (FNV alone barely moves its top bits between keys that differ
 * in their last character, such as consecutive weeks).
 */
function uniform(key: string): number {
  let h = fnv1a(key);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (((h ^ (h >>> 16)) >>> 0) + 0.5) / 2 ** 32;
}

/**
 * The generated rate of `symbol` settling at `time`: regimes that last a
 * week (by seed, symbol and week: a normal market where most settlements
 * pay the base rate of 0.01% per 8 hours, a crowded long side at about 3×
 * that, or shorts paying), with noise, rounded to 1e-8 as Binance
 * publishes it and clamped to ±0.75%. The same (seed, symbol, time) always
 * gives the same rate, so any month can be generated alone.
 */
function fundingRate(
  seed: number,
  symbol: string,
  time: number,
  hours: number,
): number {
  const week = Math.floor(time / WEEK_MS);
  const regime = uniform(`${seed}|${symbol}|regime|${week}`);
  const base = 1e-4 * hours / 8;
  const u1 = uniform(`${seed}|${symbol}|a|${time}`);
  const u2 = uniform(`${seed}|${symbol}|b|${time}`);
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  let rate: number;
  if (regime < 0.6) {
    rate = u1 < 0.7 ? base : base + 0.5 * base * normal;
  } else if (regime < 0.8) {
    rate = 3 * base + base * normal;
  } else {
    rate = -2 * base + base * normal;
  }
  rate = Math.max(-RATE_CAP, Math.min(RATE_CAP, rate));
  return Math.round(rate * 1e8) / 1e8;
}

/**
 * Writes synthetic funding settlements, one Parquet file per symbol and UTC
 * month at `{dataDir}/market=M/data_type=fundingRate/symbol=S/year=YYYY/month=MM/data.parquet`,
 * with the columns the downloader stores: `calc_time` (epoch ms, Int64),
 * `funding_interval_hours` (Int64), `last_funding_rate` (Float64). See
 * {@linkcode fundingIntervalHours} for the settlement times; rates are
 * mostly 1e-4 per 8 hours with week-long regime changes (crowded longs,
 * shorts paying). Existing files are replaced.
 *
 * @example
 * ```ts
 * import { generateFundingSample } from "./sample_funding.ts";
 * const dataDir = await Deno.makeTempDir();
 * const result = await generateFundingSample({ dataDir, symbols: ["BTCUSDT"], start: "2024-02-01" });
 * console.log(result.rows); // 87 (29 days × 3 settlements)
 * ```
 *
 * @throws {InvalidArgumentError} an option is invalid.
 */
export async function generateFundingSample(
  options: FundingSampleOptions,
): Promise<SampleResult> {
  checkOptions("generateFundingSample", options, {
    dataDir: true,
    symbols: true,
    start: true,
    months: true,
    market: true,
    seed: true,
  });
  if (typeof options.dataDir !== "string" || options.dataDir === "") {
    throw new InvalidArgumentError(
      "dataDir",
      options.dataDir,
      "a directory path",
    );
  }
  const symbols = validateSymbols(options.symbols ?? DEFAULT_SYMBOLS);
  const start = toEpochMs(options.start ?? "2024-01-01", "start");
  const count = positiveInteger("months", options.months ?? 1);
  const market = oneOf("market", options.market ?? "futures_um", [
    "futures_um",
    "futures_cm",
  ]);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError("seed", seed, "a safe integer");
  }
  const first = new Date(start);
  const end = Date.UTC(
    first.getUTCFullYear(),
    first.getUTCMonth() + count,
    1,
  );
  const result: SampleResult = { files: [], written: 0, skipped: 0, rows: 0 };
  for (const symbol of symbols) {
    const hours = fundingIntervalHours(symbol);
    for (const month of monthsOverlapping(start, end)) {
      const next = monthsOverlapping(month, month + 32 * 24 * HOUR_MS)[1];
      const times: bigint[] = [];
      const rates: number[] = [];
      for (let t = month; t < next; t += hours * HOUR_MS) {
        times.push(BigInt(t));
        rates.push(fundingRate(seed, symbol, t, hours));
      }
      const frame = pl.DataFrame([
        pl.Series("calc_time", BigInt64Array.from(times), pl.Int64),
        pl.Series(
          "funding_interval_hours",
          BigInt64Array.from(times, () => BigInt(hours)),
          pl.Int64,
        ),
        pl.Series("last_funding_rate", Float64Array.from(rates)),
      ]);
      const path = hivePath(
        options.dataDir,
        market,
        "fundingRate",
        symbol,
        month,
      );
      await Deno.mkdir(join(path, ".."), { recursive: true });
      await writeAtomic(
        path,
        (tmp) => frame.writeParquet(tmp, { compression: "zstd" }),
      );
      result.files.push(path);
      result.written++;
      result.rows += frame.height;
    }
  }
  return result;
}

/**
 * Writes the file {@linkcode generateFundingSample} wrote for one
 * symbol-month as Binance Vision publishes it:
 * `{outDir}/{SYMBOL}-fundingRate-{YYYY-MM}.zip` holding one CSV with the
 * header `calc_time,funding_interval_hours,last_funding_rate` (rates with 8
 * decimals), and its `.CHECKSUM`. Returns the zip path.
 *
 * @example
 * ```ts
 * import { generateFundingSample, writeBinanceFundingZip } from "./sample_funding.ts";
 * const dataDir = await Deno.makeTempDir();
 * await generateFundingSample({ dataDir, symbols: ["BTCUSDT"] });
 * const zip = await writeBinanceFundingZip({ dataDir, symbol: "BTCUSDT", month: "2024-01", outDir: dataDir });
 * console.log(zip.endsWith("BTCUSDT-fundingRate-2024-01.zip")); // true
 * ```
 *
 * @throws {Deno.errors.NotFound} no generated file for that symbol-month.
 */
export async function writeBinanceFundingZip(
  options: FundingZipOptions,
): Promise<string> {
  checkOptions("writeBinanceFundingZip", options, {
    dataDir: true,
    market: true,
    symbol: true,
    month: true,
    outDir: true,
  });
  const [symbol] = validateSymbols(options.symbol);
  const month = monthsOverlapping(
    toEpochMs(options.month, "month"),
    toEpochMs(options.month, "month") + 1,
  )[0];
  const source = hivePath(
    options.dataDir,
    options.market ?? "futures_um",
    "fundingRate",
    symbol,
    month,
  );
  try {
    await Deno.stat(source);
  } catch (error) {
    throw new Deno.errors.NotFound(
      `writeBinanceFundingZip: no generated file for ${symbol} at ${source}; run generateFundingSample first`,
      { cause: error },
    );
  }
  const frame = pl.readParquet(source);
  const lines = ["calc_time,funding_interval_hours,last_funding_rate"];
  const times = frame.getColumn("calc_time").toArray();
  const hours = frame.getColumn("funding_interval_hours").toArray();
  const rates = frame.getColumn("last_funding_rate").toArray() as number[];
  for (let i = 0; i < frame.height; i++) {
    lines.push(`${times[i]},${hours[i]},${rates[i].toFixed(8)}`);
  }
  const zipPath = join(
    options.outDir,
    `${symbol}-fundingRate-${new Date(month).toISOString().slice(0, 7)}.zip`,
  );
  await Deno.mkdir(options.outDir, { recursive: true });
  await writeVisionZip(
    zipPath,
    new TextEncoder().encode(lines.join("\n") + "\n"),
    month,
  );
  return zipPath;
}
