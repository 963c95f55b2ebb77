/**
 * BarFeed: point-in-time access to an {@linkcode AggBar} for strategies
 * that step through time. At a time `at`, only bars whose `end_time <= at`
 * are visible, at the base interval and at coarser timesteps resampled from
 * it once.
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import { BAR_FRAME_COLUMNS } from "../data/aggregator.ts";
import {
  ceilTo,
  formatInterval,
  MAX_EPOCH_MS,
  parseTimestep,
  type TimeInput,
  toEpochMs,
} from "../time.ts";
import { formatUtc } from "../display/html.ts";
import { YEAR_MS } from "../analysis/metrics.ts";
import {
  type Bars,
  barsOf,
  BarTable,
  checkLength,
  type HistoryOptions,
  type Timestep,
} from "./bars.ts";
import {
  type FeedRunOptions,
  type FeedRunResult,
  runStrategy,
  type Strategy,
} from "./portfolio.ts";
import { checkOptions, type OptionNames, stringOption } from "../options.ts";

/** Options of the {@linkcode BarFeed} constructor. */
export interface BarFeedOptions {
  /**
   * Coarser timesteps to build up front (each once, in Polars), e.g.
   * `["5m", "1h", "1d"]`. The base bars must be time bars whose interval
   * divides each timestep. A timestep not listed here is built on its
   * first use and then kept as well.
   *
   * A coarse bar is what `loadAggBar` builds at that interval from the same
   * ticks: per symbol, bucket = floor(start_time / step) · step on the
   * epoch grid (UTC), `end_time` = bucket + step; open first, high max, low
   * min, close last, vwap = Σ(vwap·volume) / Σvolume, volume, trades and
   * buyer/seller columns summed (null when every part is null). A bucket
   * that starts before the AggBar's first bar is incomplete and dropped;
   * other columns are not carried over.
   * @default [] (base bars only)
   */
  resample?: readonly Timestep[];
}

/** Options of {@linkcode BarFeed.lastPrice}. */
export interface LastPriceOptions {
  /** The numeric column to read. @default "close" */
  column?: string;
}

const RUN_OPTIONS: OptionNames<FeedRunOptions> = {
  start: true,
  end: true,
  step: true,
  capital: true,
  costBps: true,
  funding: true,
};

/** Columns summed into a coarser bar; null when every part is null. */
const SUMMED = [
  "volume",
  "trades",
  "num_buyer",
  "num_seller",
  "num_buyer_volume",
  "num_seller_volume",
];

/**
 * Resamples time bars (each symbol's rows in time order) to `stepMs` per
 * symbol:
 * bucket = floor(start_time / step) · step, `end_time` = bucket + step;
 * open first, high max, low min, close last, vwap = Σ(vwap·volume) / Σvolume
 * over the parts that have a vwap (null when that volume is 0), volume,
 * trades and the buyer/seller columns summed (null when every part is
 * null). Columns other than these are dropped. A bucket starting before
 * `first` (the first base bar's start) would be missing its beginning: it is
 * dropped, as `loadAggBar` keeps only bars starting inside its range.
 */
function resampleFrame(
  frame: DataFrame,
  stepMs: number,
  first: number,
): DataFrame {
  const step = pl.lit(stepMs).cast(pl.Int64);
  const has = new Set(frame.columns);
  // Only plain aggregations inside the groupBy (Polars' fast path; a
  // when/then there is evaluated group by group, ~10x slower): helper
  // columns before it, null handling after it.
  const before: pl.Expr[] = [];
  const aggs: pl.Expr[] = [];
  const after: pl.Expr[] = [];
  for (
    const [name, expr] of [
      ["open", pl.col("open").first()],
      ["high", pl.col("high").max()],
      ["low", pl.col("low").min()],
      ["close", pl.col("close").last()],
    ] as const
  ) {
    if (has.has(name)) aggs.push(expr.alias(name));
  }
  for (const name of SUMMED) {
    if (!has.has(name)) continue;
    aggs.push(
      pl.col(name).sum().alias(name),
      pl.col(name).count().alias(`__n_${name}`),
    );
    after.push(
      pl.when(pl.col(`__n_${name}`).gt(0)).then(pl.col(name))
        .otherwise(pl.lit(null)).alias(name),
    );
  }
  if (has.has("vwap") && has.has("volume")) {
    const vwap = pl.col("vwap").cast(pl.Float64);
    const volume = pl.col("volume").cast(pl.Float64);
    before.push(
      vwap.mul(volume).alias("__pv"),
      pl.when(vwap.isNotNull()).then(volume).otherwise(pl.lit(null))
        .alias("__w"),
    );
    aggs.push(pl.col("__pv").sum(), pl.col("__w").sum());
    after.push(
      pl.when(pl.col("__w").gt(0))
        .then(pl.col("__pv").div(pl.col("__w")))
        .otherwise(pl.lit(null))
        .alias("vwap"),
    );
  }
  const start = pl.col("start_time");
  let query = frame.lazy()
    .withColumns(start.sub(start.modulo(step)).alias("start_time"), ...before)
    .filter(start.gtEq(first))
    .groupBy(["symbol", "start_time"], { maintainOrder: true })
    .agg(...aggs);
  if (after.length > 0) query = query.withColumns(...after);
  const out = query
    .withColumns(pl.col("start_time").add(step).alias("end_time"))
    .collectSync();
  const order = BAR_FRAME_COLUMNS.filter((name) => out.columns.includes(name));
  return out.select(...order);
}

/**
 * The interval of time bars: `metadata.bar.intervalMs` when the AggBar says
 * it holds time bars, `null` when it says otherwise; without a bar spec,
 * the common `end_time - start_time` when every bar has the same one and
 * starts on that grid, else `null`.
 */
function detectInterval(agg: AggBar): number | null {
  const bar = agg.metadata.bar;
  if (bar !== undefined) return bar.type === "time" ? bar.intervalMs : null;
  if (agg.length === 0) return null;
  const span = pl.col("end_time").sub(pl.col("start_time"));
  const stats = agg.toPolars().select(
    span.min().alias("lo"),
    span.max().alias("hi"),
  );
  const [lo, hi] = stats.row(0).map(Number);
  if (lo !== hi || !(lo > 0)) return null;
  const offGrid = agg.toPolars().select(
    pl.col("start_time").modulo(pl.lit(lo).cast(pl.Int64)).neq(0).any()
      .alias("off"),
  ).row(0)[0];
  return offGrid ? null : lo;
}

/**
 * Point-in-time access to bars for event-driven strategies.
 *
 * The constructor splits the AggBar once by symbol (a stable partition;
 * columns become `Float64Array`s on first use) and builds the resampled
 * timesteps asked for. Queries then cost a hash lookup and a search of the
 * symbol's end times (interpolation, then galloping; no allocation):
 *
 * - {@linkcode BarFeed.lastPrice}: the close (or another column) of the last
 *   bar with `end_time <= at`;
 * - {@linkcode BarFeed.history}: the last `length` bars with
 *   `end_time <= at` as a {@linkcode Bars} view, at the base interval or a
 *   coarser timestep. A coarse bar is visible only once it is complete
 *   (`end_time <= at`): at 10:59 the 10:00-11:00 hour bar is not visible;
 * - {@linkcode BarFeed.run}: an event loop with a portfolio (orders filled
 *   at the next bar's open, costs) returning returns, trades and metrics.
 *
 * Times are epoch milliseconds (UTC); `at` may also be a `Date` or an ISO
 * string. `end_time` is exclusive for time bars, so the bar
 * `[10:00, 10:01)` becomes visible at `at = 10:01`.
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { BarFeed } from "./feed.ts";
 * const M = 60_000;
 * const agg = AggBar.fromRecords(Array.from({ length: 120 }, (_, i) => ({
 *   symbol: "BTCUSDT", start_time: i * M, end_time: (i + 1) * M,
 *   open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 1,
 * })), { bar: { type: "time", intervalMs: M } });
 * const feed = new BarFeed(agg, { resample: ["1h"] });
 * console.log(feed.lastPrice("BTCUSDT", 90 * M + 30_000)); // 189.5
 * console.log(feed.history("BTCUSDT", 5, 90 * M).close.length); // 5
 * console.log(feed.history("BTCUSDT", 5, 90 * M, { timestep: "1h" }).length); // 1
 * ```
 */
export class BarFeed {
  #agg: AggBar;
  #base: BarTable;
  #interval: number | null;
  /** Tables by timestep in ms (the base one under its interval, if any). */
  #tables = new Map<number, BarTable>();
  /** Tables by the timestep value the caller passed (fast path). */
  #byKey = new Map<Timestep, BarTable>();
  #aggs = new Map<number, AggBar>();
  #close: Float64Array | undefined;

  /**
   * Indexes `agg` and builds the timesteps in `options.resample`. Bad
   * timesteps, timesteps the base interval does not divide, and resampling
   * bars that are not time bars raise an {@linkcode InvalidArgumentError}.
   */
  constructor(agg: AggBar, options: BarFeedOptions = {}) {
    if (!(agg instanceof AggBar)) {
      throw new InvalidArgumentError("agg", agg, "an AggBar");
    }
    const { resample = [] } = checkOptions("BarFeed", options, {
      resample: true,
    });
    if (!Array.isArray(resample)) {
      throw new InvalidArgumentError(
        "resample",
        resample,
        'a list of timesteps such as ["5m", "1h", "1d"]',
      );
    }
    this.#agg = agg;
    this.#interval = detectInterval(agg);
    this.#base = new BarTable(agg.toPolars(), this.#interval);
    if (this.#interval !== null) {
      this.#tables.set(this.#interval, this.#base);
    }
    resample.forEach((step, i) => this.#table(step, `resample[${i}]`));
  }

  /** Symbols of the feed, sorted. */
  get symbols(): string[] {
    return [...this.#base.symbols].sort();
  }

  /**
   * Interval of the base bars in ms when they are time bars (from the
   * AggBar's bar spec, or detected), `null` otherwise.
   */
  get interval(): number | null {
    return this.#interval;
  }

  /** The timesteps built so far (ms, ascending), the base interval included. */
  get timesteps(): number[] {
    return [...this.#tables.keys()].sort((a, b) => a - b);
  }

  /** The first `end_time` of any symbol (epoch ms); `null` without bars. */
  get start(): number | null {
    const t = this.#base.endTime;
    if (t.length === 0) return null;
    let min = Infinity;
    const starts = this.#base.starts;
    for (let k = 0; k + 1 < starts.length; k++) {
      if (t[starts[k]] < min) min = t[starts[k]];
    }
    return min;
  }

  /** The last `end_time` of any symbol (epoch ms); `null` without bars. */
  get end(): number | null {
    const t = this.#base.endTime;
    if (t.length === 0) return null;
    let max = -Infinity;
    const starts = this.#base.starts;
    for (let k = 1; k < starts.length; k++) {
      if (t[starts[k] - 1] > max) max = t[starts[k] - 1];
    }
    return max;
  }

  /**
   * The `close` (or `options.column`) of the last base bar of `symbol` with
   * `end_time <= at`; `null` when no bar has ended by `at`. A null value in
   * that bar reads as NaN. An unknown symbol raises an
   * {@linkcode InvalidArgumentError}.
   *
   * Pass `at` as epoch ms for speed (a `Date` or ISO string is converted on
   * every call).
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const agg = AggBar.fromRecords([
   *   { symbol: "A", start_time: 0, end_time: 60_000, close: 1, volume: 5 },
   *   { symbol: "A", start_time: 60_000, end_time: 120_000, close: 2, volume: 7 },
   * ]);
   * const feed = new BarFeed(agg);
   * console.log(feed.lastPrice("A", 59_999), feed.lastPrice("A", 60_000), feed.lastPrice("A", 119_999)); // null 1 1
   * console.log(feed.lastPrice("A", 120_000, { column: "volume" })); // 7
   * ```
   */
  lastPrice(
    symbol: string,
    at: TimeInput,
    options?: LastPriceOptions,
  ): number | null {
    const table = this.#base;
    const k = table.symbolIndex(symbol);
    const t =
      typeof at === "number" && at >= -MAX_EPOCH_MS && at <= MAX_EPOCH_MS
        ? at
        : toEpochMs(at, "at");
    const column = options === undefined ? undefined : stringOption(
      "column",
      checkOptions("lastPrice", options, { column: true }).column,
    );
    const values = column === undefined
      ? (this.#close ??= table.column("close"))
      : table.column(column);
    const i = table.lastRow(k, t);
    return i < table.starts[k] ? null : values[i];
  }

  /**
   * The last `length` bars of `symbol` with `end_time <= at` (fewer when
   * fewer have ended; none before the first), oldest first, at the base
   * interval or at `options.timestep`. The result is a {@linkcode Bars}
   * view: no data is copied.
   *
   * Raises an {@linkcode InvalidArgumentError} for an unknown symbol, a
   * `length` that is not a positive integer, or a bad timestep.
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const agg = AggBar.fromRecords(Array.from({ length: 10 }, (_, i) => ({
   *   symbol: "A", start_time: i * 60_000, end_time: (i + 1) * 60_000, close: i,
   * })));
   * const feed = new BarFeed(agg, { resample: ["5m"] });
   * console.log(feed.history("A", 3, 240_000).close); // Float64Array(3) [ 1, 2, 3 ]
   * console.log(feed.history("A", 3, 599_999, { timestep: "5m" }).close); // Float64Array(1) [ 4 ]
   * ```
   */
  history(
    symbol: string,
    length: number,
    at: TimeInput,
    options?: HistoryOptions,
  ): Bars {
    checkLength(length);
    const timestep = options === undefined
      ? undefined
      : checkOptions("history", options, { timestep: true }).timestep;
    const table = timestep === undefined
      ? this.#base
      : this.#byKey.get(timestep) ?? this.#table(timestep, "timestep");
    const k = table.symbolIndex(symbol);
    const t =
      typeof at === "number" && at >= -MAX_EPOCH_MS && at <= MAX_EPOCH_MS
        ? at
        : toEpochMs(at, "at");
    const lo = table.starts[k];
    const last = table.lastRow(k, t);
    const first = last - length + 1 > lo ? last - length + 1 : lo;
    return barsOf(table, k, first, last - first + 1);
  }

  /**
   * The bars at a timestep as an {@linkcode AggBar}: the AggBar the feed was
   * built from when `timestep` is omitted (or equals the base interval),
   * else the resampled bars (built on first use if not listed in
   * `resample`), with `metadata.bar` set to the timestep.
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const agg = AggBar.fromRecords(Array.from({ length: 10 }, (_, i) => ({
   *   symbol: "A", start_time: i * 60_000, end_time: (i + 1) * 60_000, close: i,
   * })));
   * console.log(new BarFeed(agg).bars("5m").toRecords().map((r) => r.close)); // [4, 9]
   * ```
   */
  bars(timestep?: Timestep): AggBar {
    if (timestep === undefined) return this.#agg;
    const table = this.#table(timestep, "timestep");
    if (table === this.#base) return this.#agg;
    const ms = table.timestep!;
    let agg = this.#aggs.get(ms);
    if (agg === undefined) {
      const { exchange, market, dataType } = this.#agg.metadata;
      agg = new AggBar(table.frame, {
        exchange,
        market,
        dataType,
        bar: { type: "time", intervalMs: ms },
      });
      this.#aggs.set(ms, agg);
    }
    return agg;
  }

  /**
   * Runs `strategy` through time: `at` goes from `options.start` to
   * `options.end` by `options.step`; at each step pending orders fill, the
   * portfolio is marked to the last prices, then the strategy is called
   * with a context bound to `at`. See {@linkcode FeedRunOptions} and
   * {@linkcode StrategyContext} for the exact rules.
   *
   * @example
   * ```ts
   * import { AggBar } from "../aggbar.ts";
   * import { BarFeed } from "./feed.ts";
   * const M = 60_000;
   * const agg = AggBar.fromRecords(Array.from({ length: 60 }, (_, i) => ({
   *   symbol: "A", start_time: i * M, end_time: (i + 1) * M, open: 100 + i, close: 101 + i,
   * })));
   * const result = await new BarFeed(agg).run((ctx) => {
   *   if (ctx.position("A") === 0) ctx.orderTarget("A", 1);
   * }, { costBps: 5 });
   * console.log(result.steps, result.trades.height); // 60 1
   * ```
   */
  async run(
    strategy: Strategy,
    options: FeedRunOptions = {},
  ): Promise<FeedRunResult> {
    if (typeof strategy !== "function") {
      throw new InvalidArgumentError(
        "strategy",
        strategy,
        "a function (ctx) => void | Promise<void>",
      );
    }
    const { start, end, step, capital, costBps, funding } = checkOptions(
      "run",
      options,
      RUN_OPTIONS,
    );
    const stepMs = step === undefined
      ? this.#interval
      : parseTimestep(step, "step");
    if (stepMs === null) {
      throw new InvalidArgumentError(
        "step",
        step,
        `a step such as "1m" (the feed's bars are ${
          describeBars(this.#agg)
        }, so there is no default)`,
      );
    }
    if (stepMs > YEAR_MS) {
      // The run's metrics annualise with 365.25 days / step: at least 1.
      throw new InvalidArgumentError(
        "step",
        step,
        "a step of at most a year (365.25 days), since metrics are annualised by it",
      );
    }
    // Steps sit on the step grid (multiples of the step since the epoch).
    const first = start === undefined
      ? this.start === null ? null : ceilTo(this.start, stepMs)
      : toEpochMs(start, "start");
    const last = end === undefined ? this.end : toEpochMs(end, "end");
    if (first === null || last === null) {
      throw new InvalidArgumentError(
        "agg",
        this.#agg.length,
        "an AggBar holding bars to run over",
      );
    }
    if (last < first) {
      throw new InvalidArgumentError(
        "end",
        end ?? last,
        `a time at or after start (${formatUtc(first)} UTC)`,
      );
    }
    return await runStrategy(
      (symbol, length, at, options) =>
        this.history(symbol, length, at, options),
      this.#base,
      strategy,
      {
        start: first,
        end: last,
        step: stepMs,
        capital,
        costBps,
        funding,
      },
    );
  }

  /** A readable summary: symbols, bars, time range and timesteps. */
  toString(): string {
    const base = this.#interval === null
      ? "non-time bars"
      : `${formatInterval(this.#interval)} bars`;
    const range = this.start === null
      ? "no bars"
      : `end_time ${formatUtc(this.start)} → ${formatUtc(this.end!)} UTC`;
    const steps = this.timesteps.filter((t) => t !== this.#interval)
      .map(formatInterval);
    return `BarFeed ${this.#base.symbols.length} symbol(s), ${this.#base.length} ${base}, ${range}${
      steps.length ? `, resampled: ${steps.join(", ")}` : ""
    }`;
  }

  /** Deno's console shows the summary. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** The table of a timestep, built (and cached) on first use. */
  #table(timestep: Timestep, argument: string): BarTable {
    const known = this.#byKey.get(timestep);
    if (known !== undefined) return known;
    const ms = parseTimestep(timestep, argument);
    let table = this.#tables.get(ms);
    if (table === undefined) {
      const base = this.#interval;
      if (base === null) {
        throw new InvalidArgumentError(
          argument,
          timestep,
          `a timestep of time bars, but the feed's bars are ${
            describeBars(this.#agg)
          } (resampling needs time bars: metadata.bar of type "time", or bars of one constant length on its grid)`,
        );
      }
      if (ms % base !== 0) {
        throw new InvalidArgumentError(
          argument,
          timestep,
          `a multiple of the base interval ${
            formatInterval(base)
          } (${base} ms)`,
        );
      }
      const first = this.#agg.metadata.minTime ?? 0;
      table = new BarTable(resampleFrame(this.#base.frame, ms, first), ms);
      this.#tables.set(ms, table);
    }
    this.#byKey.set(timestep, table);
    return table;
  }
}

function describeBars(agg: AggBar): string {
  const bar = agg.metadata.bar;
  return bar === undefined
    ? "of varying length (no bar spec)"
    : `${bar.type} bars (${JSON.stringify(bar)})`;
}
