/**
 * The state one forward period of the panel analyzer carries over
 * the time slices.
 *
 * @module
 */
import type { PeriodCounts } from "./coverage.ts";
import { Float64Buffer } from "./float64_buffer.ts";
import { RunningMoments } from "./stats.ts";

/**
 * What one period accumulates over the time slices: the per-time series
 * the tables list, in buffers of doubles, and running moments for what is
 * only summarised (a year of 1-minute slices is 525,600 of each).
 */
export interface PeriodState {
  k: number;
  counts: PeriodCounts;
  /** Per time slice with an IC. */
  ic: {
    end_time: Float64Buffer;
    n: Float64Buffer;
    spearman: Float64Buffer;
    pearson: Float64Buffer;
  };
  spearman: RunningMoments;
  pearson: RunningMoments;
  /** Per quantile (index 1..Q): its mean forward return per time slice. */
  quantileMeans: RunningMoments[];
  /** Top minus bottom per time slice. */
  spread: RunningMoments;
  /**
   * Non-overlapping steps every k slices: where each ends, the long-short
   * spread and its growth, and per quantile (index 1..Q) its mean return
   * and growth.
   */
  steps: {
    end_time: Float64Buffer;
    spread: Float64Buffer;
    cumulative: Float64Buffer;
    quantileReturn: Float64Buffer[];
    quantileCumulative: Float64Buffer[];
  };
  growth: number;
  quantileGrowth: Float64Array;
  turnoverSums: Float64Array;
  turnoverCounts: Uint32Array;
  autocorrelation: RunningMoments;
}

/**
 * A period's empty state: `k` grid steps ahead, its coverage `counts`,
 * `quantiles` buckets (arrays indexed 1..quantiles).
 *
 * @example
 * ```ts
 * import { newPeriodState } from "./period_state.ts";
 * const state = newPeriodState(5, { period: 5, withForward: 0, icTimes: 0, maxPairs: 0 }, 3);
 * console.log(state.k, state.quantileGrowth.length); // 5 4
 * ```
 */
export function newPeriodState(
  k: number,
  counts: PeriodCounts,
  quantiles: number,
): PeriodState {
  const Q = quantiles;
  const perQuantile = () =>
    Array.from({ length: Q + 1 }, () => new Float64Buffer());
  return {
    k,
    counts,
    ic: {
      end_time: new Float64Buffer(),
      n: new Float64Buffer(),
      spearman: new Float64Buffer(),
      pearson: new Float64Buffer(),
    },
    spearman: new RunningMoments(),
    pearson: new RunningMoments(),
    quantileMeans: Array.from(
      { length: Q + 1 },
      () => new RunningMoments(),
    ),
    spread: new RunningMoments(),
    steps: {
      end_time: new Float64Buffer(),
      spread: new Float64Buffer(),
      cumulative: new Float64Buffer(),
      quantileReturn: perQuantile(),
      quantileCumulative: perQuantile(),
    },
    growth: 1,
    quantileGrowth: new Float64Array(Q + 1).fill(1),
    turnoverSums: new Float64Array(Q + 1),
    turnoverCounts: new Uint32Array(Q + 1),
    autocorrelation: new RunningMoments(),
  };
}
