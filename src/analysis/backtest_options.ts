/**
 * The options of a vectorized backtest and the settings it ran with (their
 * own file: the result type names them, and the backtest builds results).
 *
 * @module
 */

import type { DataFrame } from "../polars.ts";
import type { Universe, UniverseRule } from "./universe.ts";

/** How the signal of one time slice is rescaled before allocation. */
export type Normalizer = "raw" | "rank" | "zscore" | "minmax";

/** How normalized signals become weights. */
export type Allocator = "market-neutral" | "long-only" | "top-n";

export const NORMALIZERS: readonly Normalizer[] = [
  "raw",
  "rank",
  "zscore",
  "minmax",
];
export const ALLOCATORS: readonly Allocator[] = [
  "market-neutral",
  "long-only",
  "top-n",
];

/** Options of {@linkcode backtest}. */
export interface BacktestOptions {
  /** `raw`, `rank` (average rank / n), `zscore` (ddof 1) or `minmax` ((x − min)/(max − min)), per time slice. @default "rank" */
  normalize?: Normalizer;
  /** `market-neutral` (demeaned), `long-only` (positive part) or `top-n` (equal-weight long the top N, short the bottom N). @default "market-neutral" */
  allocate?: Allocator;
  /** Names per side for `top-n` (fewer when a slice has fewer than 2N symbols). @default 5 */
  topN?: number;
  /** Target gross exposure Σ|w| (1 = fully invested). @default 1 */
  gross?: number;
  /** Largest |weight| of one symbol; excess is cut, not redistributed. @default Infinity */
  maxPosition?: number;
  /** Largest |Σ w|; the heavier side is scaled down to meet it. @default Infinity */
  maxNet?: number;
  /** Cost per side in basis points of traded notional (fees plus slippage). @default 0 */
  costBps?: number;
  /** Bars between the signal and the bar its weights are held over (1 = the next bar). @default 1 */
  lag?: number;
  /** The AggBar column traded. @default "close" */
  price?: string;
  /**
   * When weights are decided: every `n` bars of the time grid (a number),
   * or at bars whose `end_time` is a multiple of a duration since the epoch
   * (`"1h"`: bars ending on the hour; `"1d"`: at 00:00 UTC). Between
   * decisions the holdings drift with prices and nothing is traded (no
   * turnover, no cost). @default 1 (every bar)
   */
  rebalance?: number | string;
  /**
   * Which symbols may hold a weight at each bar: a boolean Factor (non-zero
   * = tradable then), or a rule such as `{ top: 20, window: "7d",
   * minHistory: "30d", exclude: [...STABLECOINS] }` (the top symbols by
   * trailing `volume × vwap`, from data up to the decision bar only; see
   * {@linkcode UniverseRule}). Symbols outside it are not eligible: no
   * weight, no row in `weights`. @default undefined (every symbol)
   */
  universe?: Universe;
  /**
   * Square-root market impact on top of `costBps`: a trade of |Δw| of
   * equity in a symbol costs, in basis points of its notional,
   * `coefficient × √(participation)`, where participation = traded notional
   * (|Δw| × equity × `capital`) / the dollar volume (`volume × vwap`) of
   * the bar the trade is made at the close of (the bar before the one held,
   * known when trading), capped at 1 (a bar without volume counts as 1;
   * both are counted in `impactCappedTrades`). Charged in `cost`.
   * @default undefined (no impact: costs are `costBps` alone)
   */
  impact?: ImpactOptions;
  /**
   * Funding settlements to charge (`DataLoader.loadFunding`'s frame:
   * `symbol, funding_time, funding_rate`). A position held through a
   * settlement at time t pays `weight × funding_rate` of equity (longs pay
   * a positive rate, shorts receive it), charged in the held bar whose span
   * `[previous bar's end_time, end_time)` holds t — so a settlement exactly
   * at a bar edge is paid by the weights held from that edge on, and no
   * rate is charged before the bar in which it settles. The position value
   * is the weight at the start of that bar (no intra-bar drift). Results
   * get a `funding` column and `totalFunding`. @default undefined (no funding: no `funding` column, `totalFunding` null)
   */
  funding?: DataFrame;
  /** Bars per year for annualising, from 1 to 365.25 × 86,400,000 (one bar a millisecond). @default 365.25 days / the bar interval (the time-bar interval, else the median spacing of bar end times) */
  periodsPerYear?: number;
  /**
   * Write the decided weights (`result.weights`) to this Parquet file as
   * they are decided (atomically: a complete file or none) instead of
   * keeping them in memory; `result.weights` reads the file back when
   * asked. A year of 400 symbols rebalanced every minute is 210 million
   * weight rows (about 7 GB in memory); rebalanced hourly, 3.5 million.
   * @default kept in memory
   */
  sink?: string;
}

/** The square-root impact model of {@linkcode BacktestOptions.impact}. */
export interface ImpactOptions {
  /** Basis points at 100% participation (e.g. 10 to 100 for crypto perps). */
  coefficient: number;
  /** Starting capital in quote currency (what turns weights into notionals). */
  capital: number;
  /** What a trade's size is compared with: the bar's `volume × vwap`. @default "dollar_volume" */
  participation?: "dollar_volume";
}

/** The validated settings a backtest ran with (`funding`: whether settlements were charged). */
export type BacktestSettings =
  & Required<
    Omit<BacktestOptions, "funding" | "impact" | "universe" | "sink">
  >
  & {
    funding: boolean;
    impact: Required<ImpactOptions> | null;
    /** The rule, the universe Factor's name, or null (every symbol). */
    universe: UniverseRule | string | null;
  };
