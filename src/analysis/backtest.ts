/**
 * Backtester: a vectorized, cross-sectional backtest of a factor used as a
 * signal: weights per bar (normalize → allocate → constrain), held over
 * the next bar, with drift-aware turnover and per-side costs.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { EPS } from "../factor/kernels.ts";
import { Factor } from "../factor/factor.ts";
import { parseFormula } from "../factor/formula.ts";
import { parseTimestep } from "../time.ts";
import { concatFrames, type DataFrame } from "../polars.ts";
import { ParquetParts } from "../parquet_parts.ts";
import { factorWithPrice } from "./factor_price.ts";
import { checkPeriodsPerYear, periodsPerYear } from "./metrics.ts";
import { backtestMetrics } from "./backtest_metrics.ts";
import { FundingCharges } from "./funding_charges.ts";
import { dollarVolume } from "./dollar_volume.ts";
import {
  checkUniverse,
  type Universe,
  type UniverseRule,
  UniverseTracker,
} from "./universe.ts";
import { densePanel, type Panel } from "./panel.ts";
import { Simulation } from "./simulation.ts";
import { averageRanks } from "./stats.ts";
import { BacktestResult } from "./backtest_result.ts";
import {
  type Allocator,
  ALLOCATORS,
  type BacktestOptions,
  type ImpactOptions,
  type Normalizer,
  NORMALIZERS,
} from "./backtest_options.ts";
import {
  checkOptions,
  oneOf,
  type OptionNames,
  stringOption,
} from "../options.ts";

export { BacktestResult };

/** `rebalance` as a positive bar count or a checked duration string. */
function rebalanceOption(value: unknown): number | string {
  if (value === undefined) return 1;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1) {
    return value;
  }
  if (typeof value === "string") {
    parseTimestep(value, "rebalance");
    return value;
  }
  throw new InvalidArgumentError(
    "rebalance",
    value,
    'a number of bars >= 1 or a duration such as "1h" or "1d"',
  );
}

/** A universe as the settings show it: the rule, or the Factor's name. */
function universeSetting(universe: Universe): UniverseRule | string {
  return universe instanceof Factor ? universe.name : universe;
}

/** `impact` checked: coefficient and capital, and the bar columns it reads. */
function impactOption(
  agg: AggBar,
  value: unknown,
): Required<ImpactOptions> | null {
  if (value === undefined) return null;
  const impact = checkOptions(
    "impact",
    value as ImpactOptions,
    { coefficient: true, capital: true, participation: true },
  );
  const coefficient = numberIn(
    "impact.coefficient",
    impact.coefficient,
    (v) => v >= 0 && Number.isFinite(v),
    "a finite number >= 0 (basis points at 100% participation)",
  );
  const capital = numberIn(
    "impact.capital",
    impact.capital,
    (v) => v > 0 && Number.isFinite(v),
    "a finite number > 0 (starting capital in quote currency)",
  );
  const participation = oneOf(
    "impact.participation",
    impact.participation ?? "dollar_volume",
    ["dollar_volume"],
  );
  dollarVolume(agg, "impact", value);
  return { coefficient, capital, participation };
}

function numberIn(
  argument: string,
  value: unknown,
  test: (v: number) => boolean,
  expected: string,
): number {
  if (typeof value !== "number" || Number.isNaN(value) || !test(value)) {
    throw new InvalidArgumentError(argument, value, expected);
  }
  return value;
}

/** The option names of {@linkcode BacktestOptions} but `sink` (sweeps cross them with factor parameters). */
export const BACKTEST_OPTIONS: OptionNames<Omit<BacktestOptions, "sink">> = {
  normalize: true,
  allocate: true,
  topN: true,
  gross: true,
  maxPosition: true,
  maxNet: true,
  costBps: true,
  lag: true,
  price: true,
  rebalance: true,
  impact: true,
  universe: true,
  funding: true,
  periodsPerYear: true,
};

function settingsOf(agg: AggBar, options: BacktestOptions) {
  options = checkOptions("backtest", options, {
    ...BACKTEST_OPTIONS,
    sink: true,
  });
  return {
    normalize: oneOf("normalize", options.normalize ?? "rank", NORMALIZERS),
    allocate: oneOf(
      "allocate",
      options.allocate ?? "market-neutral",
      ALLOCATORS,
    ),
    topN: numberIn(
      "topN",
      options.topN ?? 5,
      (v) => Number.isSafeInteger(v) && v >= 1,
      "a positive integer",
    ),
    gross: numberIn(
      "gross",
      options.gross ?? 1,
      (v) => v > 0 && Number.isFinite(v),
      "a finite number > 0",
    ),
    maxPosition: numberIn(
      "maxPosition",
      options.maxPosition ?? Infinity,
      (v) => v > 0,
      "a number > 0 (Infinity for no limit)",
    ),
    maxNet: numberIn(
      "maxNet",
      options.maxNet ?? Infinity,
      (v) => v >= 0,
      "a number >= 0 (Infinity for no limit)",
    ),
    costBps: numberIn(
      "costBps",
      options.costBps ?? 0,
      (v) => v >= 0 && Number.isFinite(v),
      "a finite number >= 0 (basis points per side)",
    ),
    lag: numberIn(
      "lag",
      options.lag ?? 1,
      (v) => Number.isSafeInteger(v) && v >= 1,
      "an integer >= 1 (0 would trade on the bar that made the signal)",
    ),
    price: stringOption("price", options.price) ?? "close",
    rebalance: rebalanceOption(options.rebalance),
    funding: options.funding !== undefined,
    impact: impactOption(agg, options.impact),
    universe: options.universe === undefined
      ? null
      : universeSetting(checkUniverse(agg, options.universe)),
    periodsPerYear: options.periodsPerYear === undefined
      ? undefined
      : checkPeriodsPerYear(options.periodsPerYear),
    bar: agg.metadata.bar,
  };
}

/**
 * Backtests `signal` (a Factor, or a formula over `agg`) on `agg`'s prices.
 *
 * Each bar i, over the symbols with a signal and a price at i: normalize,
 * allocate to target weights summing to `gross` in absolute value, cut
 * each to `maxPosition`, scale the heavier side down to `maxNet`. Symbols
 * without both get weight 0. The weights decided at bar i are held over
 * bar i + `lag` (so the signal at t trades at t + 1 by default) and earn
 * that bar's return P(i+lag)/P(i+lag−1) − 1 (last known prices, so a
 * missing bar earns 0 until the next one). Between bars the holdings drift
 * with prices; turnover is Σ|target − drifted| and costs `costBps` per unit
 * traded, charged in the bar the new weights are held. With `funding`, a
 * position held through a settlement pays `weight × rate` of equity in
 * the bar whose span `[previous end_time, end_time)` holds it. The net
 * return is gross − cost + funding. The series starts at the first bar
 * with a non-zero weight; equity starts at 1. Positions are not closed at
 * the end.
 *
 * @example
 * ```ts ignore
 * const result = await backtest(agg, "cs_rank(-ts_delta(close, 5))", { allocate: "top-n", topN: 2, costBps: 4 });
 * console.log(result.metrics.sharpe, result.returns.height);
 * ```
 */
export async function backtest(
  agg: AggBar,
  signal: Factor | string,
  options: BacktestOptions = {},
): Promise<BacktestResult> {
  const settings = settingsOf(agg, options);
  const factor = typeof signal === "string"
    ? parseFormula(signal, agg)
    : signal;
  if (!(factor instanceof Factor)) {
    throw new InvalidArgumentError(
      "signal",
      signal,
      "a Factor or a formula string",
    );
  }
  const symbols = agg.symbols;
  const simulation = new Simulation(
    symbols.length,
    settings,
    options.funding === undefined
      ? undefined
      : new FundingCharges(options.funding, symbols),
  );
  const universe = options.universe;
  const tracker = universe && !(universe instanceof Factor)
    ? new UniverseTracker(universe, symbols)
    : null;
  const extra: Record<string, Factor> = {};
  if (settings.impact || tracker) {
    extra.dollar_volume = dollarVolume(
      agg,
      settings.impact ? "impact" : "universe",
      options.impact ?? options.universe,
    );
  }
  if (universe instanceof Factor) extra.universe = universe;
  const columns = ["factor", "price", ...Object.keys(extra)];
  const weightParts: DataFrame[] = [];
  const sink = stringOption("sink", options.sink);
  const sunk = sink === undefined ? undefined : await ParquetParts.open(sink);
  let gridTimes = 0;
  try {
    await factorWithPrice(
      factor,
      agg,
      settings.price,
      "signal",
      (chunk: DataFrame) => {
        const panel = densePanel(chunk, columns, symbols);
        const T = panel.times.length, N = symbols.length;
        const { factor, price, dollar_volume, universe } = panel.values;
        const decides = rebalanceTimes(
          panel.times,
          gridTimes,
          settings.rebalance,
        );
        gridTimes += T;
        // Ranked at decision times only: weights are read nowhere else.
        const member = tracker?.members(
          panel.times,
          dollar_volume,
          price,
          decides,
        ) ??
          (universe &&
            Uint8Array.from(
              universe,
              (v) => v !== 0 && !Number.isNaN(v) ? 1 : 0,
            ));
        // Outside the universe: not eligible (no weight, no weights row).
        member?.forEach((inside, c) => {
          if (!inside) factor[c] = NaN;
        });
        const weights = targetWeights(
          panel.values.factor,
          panel.values.price,
          T,
          N,
          settings,
        );
        const started = simulation.push(
          panel.times,
          panel.values.price,
          weights,
          decides,
          panel.values.dollar_volume,
        );
        const decided = decidedWeights(panel, weights, decides, started);
        if (sunk) sunk.write(decided);
        else weightParts.push(decided);
      },
      undefined,
      extra,
    );
    const returns = simulation.finish();
    const perYear = settings.periodsPerYear ??
      periodsPerYear(barInterval(settings.bar, simulation.times));
    const metrics = backtestMetrics(
      returns,
      perYear,
      simulation.rebalances,
      settings.impact ? simulation.impactCapped : null,
    );
    return new BacktestResult(
      factor.name,
      { ...settings, periodsPerYear: perYear },
      returns,
      sunk
        ? { rows: await sunk.finish(), path: sunk.path }
        // A chunk's weights are a part: stacking a year's (3.5 M rows for
        // 400 symbols rebalanced hourly) into one copy would hold them twice.
        : concatFrames(weightParts, { rechunk: false }),
      metrics,
    );
  } finally {
    await sunk?.discard();
  }
}

/** Bars are `intervalMs` apart for time bars; otherwise the median spacing. */
function barInterval(
  bar: AggBar["metadata"]["bar"],
  times: Float64Array,
): number {
  if (bar?.type === "time") return bar.intervalMs;
  const gaps = Float64Array.from(
    { length: Math.max(0, times.length - 1) },
    (_, i) => times[i + 1] - times[i],
  ).sort();
  if (gaps.length === 0) {
    throw new InvalidArgumentError(
      "periodsPerYear",
      undefined,
      "a number (the bars have fewer than two times, so no interval)",
    );
  }
  return gaps[Math.floor((gaps.length - 1) / 2)];
}

interface WeightSettings {
  normalize: Normalizer;
  allocate: Allocator;
  topN: number;
  gross: number;
  maxPosition: number;
  maxNet: number;
}

/** Target weights per cell (0 where not eligible or no positions). */
function targetWeights(
  signal: Float64Array,
  price: Float64Array,
  T: number,
  N: number,
  settings: WeightSettings,
): Float64Array {
  const weights = new Float64Array(T * N);
  const x = new Float64Array(N), w = new Float64Array(N);
  const ranks = new Float64Array(N), scratch = new Float64Array(N);
  const where = new Uint32Array(N), order: number[] = [];
  for (let i = 0; i < T; i++) {
    let n = 0;
    for (let s = 0; s < N; s++) {
      const c = i * N + s;
      if (!Number.isNaN(signal[c]) && !Number.isNaN(price[c])) {
        x[n] = signal[c];
        where[n++] = s;
      }
    }
    if (n === 0 || !normalize(x, n, settings.normalize, ranks, scratch)) {
      continue;
    }
    if (!allocate(x, w, n, settings, order)) continue;
    constrain(w, n, settings);
    for (let j = 0; j < n; j++) weights[i * N + where[j]] = w[j];
  }
  return weights;
}

/** Rescales x[0..n) in place; false when the slice can have no positions. */
function normalize(
  x: Float64Array,
  n: number,
  how: Normalizer,
  ranks: Float64Array,
  scratch: Float64Array,
): boolean {
  if (how === "raw") return true;
  if (how === "rank") {
    averageRanks(x, n, ranks, scratch);
    for (let j = 0; j < n; j++) x[j] = ranks[j] / n;
    return true;
  }
  let lo = Infinity, hi = -Infinity, sum = 0;
  for (let j = 0; j < n; j++) {
    lo = Math.min(lo, x[j]);
    hi = Math.max(hi, x[j]);
    sum += x[j];
  }
  if (how === "minmax") {
    if (hi - lo <= EPS) return false;
    for (let j = 0; j < n; j++) x[j] = (x[j] - lo) / (hi - lo);
    return true;
  }
  if (n < 2) return false;
  const mean = sum / n;
  let ss = 0;
  for (let j = 0; j < n; j++) ss += (x[j] - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  if (std <= EPS) return false;
  for (let j = 0; j < n; j++) x[j] = (x[j] - mean) / std;
  return true;
}

/** Writes weights w[0..n) from x; false when the slice has no positions. */
function allocate(
  x: Float64Array,
  w: Float64Array,
  n: number,
  settings: WeightSettings,
  order: number[],
): boolean {
  const { gross } = settings;
  if (settings.allocate === "top-n") {
    const side = Math.min(settings.topN, Math.floor(n / 2));
    if (side === 0) return false;
    order.length = 0;
    for (let j = 0; j < n; j++) order.push(j);
    // x descending, ties by symbol (j follows the sorted symbol order).
    order.sort((a, b) => x[b] - x[a] || a - b);
    w.fill(0, 0, n);
    for (let k = 0; k < side; k++) {
      w[order[k]] = gross / (2 * side);
      w[order[n - 1 - k]] = -gross / (2 * side);
    }
    return true;
  }
  let total = 0;
  if (settings.allocate === "market-neutral") {
    let mean = 0;
    for (let j = 0; j < n; j++) mean += x[j];
    mean /= n;
    for (let j = 0; j < n; j++) {
      w[j] = x[j] - mean;
      total += Math.abs(w[j]);
    }
  } else {
    for (let j = 0; j < n; j++) {
      w[j] = Math.max(x[j], 0);
      total += w[j];
    }
  }
  if (total <= EPS) return false;
  for (let j = 0; j < n; j++) w[j] = gross * w[j] / total;
  return true;
}

/** Applies maxPosition, then maxNet, to w[0..n) in place. */
function constrain(w: Float64Array, n: number, settings: WeightSettings) {
  const { maxPosition, maxNet } = settings;
  let long = 0, short = 0;
  for (let j = 0; j < n; j++) {
    w[j] = Math.max(-maxPosition, Math.min(maxPosition, w[j]));
    if (w[j] > 0) long += w[j];
    else short += w[j];
  }
  const net = long + short;
  if (net > maxNet) {
    const scale = (maxNet - short) / long;
    for (let j = 0; j < n; j++) if (w[j] > 0) w[j] *= scale;
  } else if (net < -maxNet) {
    const scale = (-maxNet - long) / short;
    for (let j = 0; j < n; j++) if (w[j] < 0) w[j] *= scale;
  }
}

/**
 * Which grid times decide weights: every time (`rebalance` 1), every n-th
 * time of the grid (a number; `first` is the grid index of `times[0]`), or
 * the times on a multiple of a duration since the epoch (a string, e.g.
 * "1h": bars ending on the hour).
 */
function rebalanceTimes(
  times: Float64Array,
  first: number,
  rebalance: number | string,
): Uint8Array {
  const decides = new Uint8Array(times.length);
  if (typeof rebalance === "number") {
    for (let i = 0; i < times.length; i++) {
      decides[i] = (first + i) % rebalance === 0 ? 1 : 0;
    }
  } else {
    const step = parseTimestep(rebalance, "rebalance");
    for (let i = 0; i < times.length; i++) {
      decides[i] = times[i] % step === 0 ? 1 : 0;
    }
  }
  return decides;
}

/**
 * The target weights decided in a chunk, as rows `end_time, symbol,
 * weight`: at decision times from the first one with a position
 * (`started`: that time's index in the chunk, -1 when none yet), for the
 * symbols with a signal and a price.
 */
function decidedWeights(
  panel: Panel,
  weights: Float64Array,
  decides: Uint8Array,
  started: number,
): DataFrame {
  const N = panel.symbols.length;
  const keep = new Uint8Array(panel.cells.length);
  const weightAtRow = new Float64Array(panel.cells.length);
  panel.cells.forEach((c, r) => {
    const i = Math.floor(c / N);
    keep[r] = started >= 0 && i >= started && decides[i] === 1 &&
        Number.isFinite(panel.values.factor[c]) &&
        Number.isFinite(panel.values.price[c])
      ? 1
      : 0;
    weightAtRow[r] = weights[c];
  });
  return panel.rows.select("end_time", "symbol")
    .withColumns(
      pl.Series("weight", weightAtRow),
      pl.Series("keep", keep).cast(pl.Bool),
    )
    .filter(pl.col("keep"))
    .drop("keep");
}
