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
import type { DataFrame } from "../polars.ts";
import { factorWithPrice } from "./factor_price.ts";
import {
  checkPeriodsPerYear,
  computeMetrics,
  type Metrics,
  periodsPerYear,
} from "./metrics.ts";
import { densePanel, frameOf } from "./panel.ts";
import { averageRanks } from "./stats.ts";
import { BacktestResult } from "./backtest_result.ts";
import {
  type Allocator,
  ALLOCATORS,
  type BacktestOptions,
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

const BACKTEST_OPTIONS: OptionNames<BacktestOptions> = {
  normalize: true,
  allocate: true,
  topN: true,
  gross: true,
  maxPosition: true,
  maxNet: true,
  costBps: true,
  lag: true,
  price: true,
  periodsPerYear: true,
};

function settingsOf(agg: AggBar, options: BacktestOptions) {
  options = checkOptions("backtest", options, BACKTEST_OPTIONS);
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
 * traded, charged in the bar the new weights are held. The series starts
 * at the first bar with a non-zero weight; equity starts at 1. Positions
 * are not closed at the end.
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
  const panel = densePanel(
    await factorWithPrice(factor, agg, settings.price, "signal"),
    ["factor", "price"],
  );
  const T = panel.times.length, N = panel.symbols.length;
  const weights = targetWeights(
    panel.values.factor,
    panel.values.price,
    T,
    N,
    settings,
  );
  let start = -1;
  for (let c = 0; c < weights.length && start < 0; c++) {
    if (weights[c] !== 0) start = Math.floor(c / N);
  }
  const returns = simulate(
    panel.values.price,
    weights,
    panel.times,
    N,
    start,
    settings,
  );
  const perYear = settings.periodsPerYear ??
    periodsPerYear(barInterval(settings.bar, panel.times));
  const metrics: Metrics = computeMetrics(
    returns.getColumn("return").toTypedArray() as Float64Array,
    perYear,
  );
  const eligible = new Uint8Array(panel.cells.length);
  const weightAtRow = new Float64Array(panel.cells.length);
  panel.cells.forEach((c, r) => {
    eligible[r] = Number.isFinite(panel.values.factor[c]) &&
        Number.isFinite(panel.values.price[c]) && start >= 0 &&
        c >= start * N
      ? 1
      : 0;
    weightAtRow[r] = weights[c];
  });
  const weightFrame = panel.rows.select("end_time", "symbol")
    .withColumns(
      pl.Series("weight", weightAtRow),
      pl.Series("eligible", eligible).cast(pl.Bool),
    )
    .filter(pl.col("eligible"))
    .drop("eligible");
  return new BacktestResult(
    factor.name,
    { ...settings, periodsPerYear: perYear },
    returns,
    weightFrame,
    metrics,
  );
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

/** The per-bar return series from `start + lag` (empty when start < 0). */
function simulate(
  price: Float64Array,
  weights: Float64Array,
  times: Float64Array,
  N: number,
  start: number,
  settings: { lag: number; costBps: number },
): DataFrame {
  const T = times.length, { lag } = settings;
  const first = start < 0 ? T : start + lag;
  const length = Math.max(0, T - first);
  const out = {
    end_time: new Float64Array(length),
    gross_return: new Float64Array(length),
    cost: new Float64Array(length),
    return: new Float64Array(length),
    turnover: new Float64Array(length),
    gross_exposure: new Float64Array(length),
    net_exposure: new Float64Array(length),
    equity: new Float64Array(length),
    drawdown: new Float64Array(length),
  };
  const last = new Float64Array(N).fill(NaN);
  const r = new Float64Array(N), held = new Float64Array(N);
  let equity = 1, peak = 1;
  for (let j = 0; j < T; j++) {
    for (let s = 0; s < N; s++) {
      const p = price[j * N + s];
      const now = Number.isNaN(p) ? last[s] : p;
      r[s] = Number.isNaN(last[s]) || Number.isNaN(now) ? 0 : now / last[s] - 1;
      last[s] = now;
    }
    if (j < first) continue;
    const row = j - first, decided = (j - lag) * N;
    let gross = 0, traded = 0, exposure = 0, net = 0;
    for (let s = 0; s < N; s++) {
      const h = weights[decided + s];
      gross += h * r[s];
      traded += Math.abs(h - held[s]);
      exposure += Math.abs(h);
      net += h;
    }
    const cost = traded * settings.costBps / 1e4;
    const net_return = gross - cost;
    for (let s = 0; s < N; s++) {
      held[s] = 1 + gross > 0
        ? weights[decided + s] * (1 + r[s]) / (1 + gross)
        : 0;
    }
    equity *= 1 + net_return;
    peak = Math.max(peak, equity);
    out.end_time[row] = times[j];
    out.gross_return[row] = gross;
    out.cost[row] = cost;
    out.return[row] = net_return;
    out.turnover[row] = traded;
    out.gross_exposure[row] = exposure;
    out.net_exposure[row] = net;
    out.equity[row] = equity;
    out.drawdown[row] = equity / peak - 1;
  }
  return frameOf(out).withColumns(pl.col("end_time").cast(pl.Int64));
}
