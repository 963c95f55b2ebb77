/**
 * Performance metrics of a per-bar return series, shared by the vectorized
 * backtester and the event-driven feed loop.
 *
 * @module
 */
import pl from "nodejs-polars";
import { InvalidArgumentError } from "../errors.ts";
import { EPS } from "../factor/kernels.ts";
import type { DataFrame } from "../polars.ts";
import { moments, quantileSorted } from "./stats.ts";

/** Milliseconds in a year of 365.25 days (crypto trades every day). */
export const YEAR_MS = 365.25 * 86_400_000;

/**
 * Checks a bars-per-year figure: a finite number from 1 (one bar a year) to
 * {@linkcode YEAR_MS} (one bar a millisecond, the finest timestamp; tick
 * bars of a busy symbol can be a few ms apart, ~1e10 a year). Anything else
 * (0, negatives, NaN, ±Infinity, bars longer than a year) is an
 * {@linkcode InvalidArgumentError}.
 *
 * @example
 * ```ts
 * import { checkPeriodsPerYear } from "./metrics.ts";
 * console.log(checkPeriodsPerYear(365.25)); // 365.25
 * ```
 */
export function checkPeriodsPerYear(
  value: unknown,
  argument = "periodsPerYear",
): number {
  if (typeof value !== "number" || !(value >= 1 && value <= YEAR_MS)) {
    throw new InvalidArgumentError(
      argument,
      value,
      `bars per year from 1 (one bar a year) to ${YEAR_MS} (one bar a millisecond)`,
    );
  }
  return value;
}

/**
 * Performance of a per-bar return series. Ratios are `null` where they are
 * undefined (no bars, a zero deviation or drawdown).
 */
export interface Metrics {
  /** Number of bars in the return series. */
  bars: number;
  /** Bars per year used to annualise. */
  periodsPerYear: number;
  /** Π(1 + r) − 1. */
  totalReturn: number | null;
  /** (1 + total)^(periodsPerYear / bars) − 1 (−1 after a total loss). */
  annualReturn: number | null;
  /** std(r, ddof 1) · √periodsPerYear. */
  annualVolatility: number | null;
  /** mean(r) / std(r) · √periodsPerYear (risk-free rate 0). */
  sharpe: number | null;
  /** mean(r) / downside deviation · √periodsPerYear; the downside deviation is √(Σ min(r, 0)² / bars) over all bars. */
  sortino: number | null;
  /** annualReturn / |maxDrawdown|. */
  calmar: number | null;
  /** Deepest fall of equity below its running peak, as a fraction (≤ 0). */
  maxDrawdown: number | null;
  /** Bars from the peak before the deepest trough to the recovery of that peak (or to the end when not recovered). */
  maxDrawdownBars: number | null;
  /** Historical 95% value at risk: the 5% quantile of the per-bar returns (linear interpolation; negative = loss). */
  var95: number | null;
  /** Mean of the per-bar returns at or below `var95`. */
  cvar95: number | null;
  /** Share of bars with r > 0 among the bars with r ≠ 0. */
  winRate: number | null;
  /** Σ gains / |Σ losses| (Infinity with gains and no losses). */
  profitFactor: number | null;
}

function orNull(value: number): number | null {
  return Number.isFinite(value) || value === Infinity ? value : null;
}

/**
 * Computes {@linkcode Metrics} of per-bar (net) returns.
 *
 * @example
 * ```ts
 * import { computeMetrics } from "./metrics.ts";
 * const m = computeMetrics(new Float64Array([0.1, -0.05, 0.02]), 252);
 * console.log(m.totalReturn?.toFixed(4)); // 0.0659
 * ```
 */
export function computeMetrics(
  returns: Float64Array,
  periodsPerYear: number,
): Metrics {
  checkPeriodsPerYear(periodsPerYear);
  const n = returns.length;
  const empty: Metrics = {
    bars: n,
    periodsPerYear,
    totalReturn: null,
    annualReturn: null,
    annualVolatility: null,
    sharpe: null,
    sortino: null,
    calmar: null,
    maxDrawdown: null,
    maxDrawdownBars: null,
    var95: null,
    cvar95: null,
    winRate: null,
    profitFactor: null,
  };
  if (n === 0) return empty;
  const { mean, std } = moments(returns);
  const root = Math.sqrt(periodsPerYear);
  let equity = 1, peak = 1, peakAt = 0, worst = 0, worstPeak = 0, worstAt = 0;
  let downside = 0, gains = 0, losses = 0, wins = 0, moves = 0;
  for (let t = 1; t <= n; t++) {
    const r = returns[t - 1];
    equity *= 1 + r;
    if (equity >= peak) {
      peak = equity;
      peakAt = t;
    } else if (equity / peak - 1 < worst) {
      worst = equity / peak - 1;
      worstPeak = peakAt;
      worstAt = t;
    }
    if (r < 0) {
      downside += r * r;
      losses -= r;
    } else if (r > 0) {
      gains += r;
      wins++;
    }
    if (r !== 0) moves++;
  }
  const total = equity - 1;
  const annual = equity <= 0 ? -1 : equity ** (periodsPerYear / n) - 1;
  let duration = 0;
  if (worst < 0) {
    // Recovery: the first bar after the trough back at the trough's peak.
    let value = 1, recovered = n;
    let peakValue = 1;
    for (let t = 1; t <= n; t++) {
      value *= 1 + returns[t - 1];
      if (t === worstPeak) peakValue = value;
      if (t > worstAt && value >= peakValue) {
        recovered = t;
        break;
      }
    }
    duration = recovered - worstPeak;
  }
  const sorted = Float64Array.from(returns).sort();
  const var95 = quantileSorted(sorted, 0.05);
  let tail = 0, tailCount = 0;
  for (let i = 0; i < n && sorted[i] <= var95; i++) {
    tail += sorted[i];
    tailCount++;
  }
  const deviation = Math.sqrt(downside / n);
  return {
    ...empty,
    totalReturn: total,
    annualReturn: annual,
    annualVolatility: orNull(std * root),
    sharpe: std > EPS ? mean / std * root : null,
    sortino: deviation > EPS ? mean / deviation * root : null,
    calmar: worst < 0 ? annual / -worst : null,
    maxDrawdown: worst,
    maxDrawdownBars: duration,
    var95,
    cvar95: tail / tailCount,
    winRate: moves > 0 ? wins / moves : null,
    profitFactor: moves === 0 ? null : losses > 0 ? gains / losses : Infinity,
  };
}

/**
 * Bars per year for bars `intervalMs` apart (a number of ms from 1 to a
 * year; else an {@linkcode InvalidArgumentError}).
 *
 * @example
 * ```ts
 * import { periodsPerYear } from "./metrics.ts";
 * console.log(periodsPerYear(86_400_000)); // 365.25
 * ```
 */
export function periodsPerYear(intervalMs: number): number {
  if (
    typeof intervalMs !== "number" ||
    !(intervalMs >= 1 && intervalMs <= YEAR_MS)
  ) {
    throw new InvalidArgumentError(
      "interval",
      intervalMs,
      "a bar interval from 1 ms to a year, to annualise with (pass periodsPerYear where the bars have none)",
    );
  }
  return YEAR_MS / intervalMs;
}

/**
 * The metrics as a two-column frame (`metric`, `value`) in display order.
 *
 * @example
 * ```ts
 * import { computeMetrics, metricsFrame } from "./metrics.ts";
 * console.log(metricsFrame(computeMetrics(new Float64Array([0.01]), 365)).height); // 14
 * ```
 */
export function metricsFrame(metrics: Metrics): DataFrame {
  const entries = Object.entries(metrics) as [string, number | null][];
  return pl.DataFrame({
    metric: entries.map(([key]) => key),
    value: entries.map(([, value]) => value === null ? null : Number(value)),
  }, { schema: { metric: pl.Utf8, value: pl.Float64 } });
}
