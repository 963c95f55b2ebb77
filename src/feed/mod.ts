/**
 * Historical bar feed for event-driven strategies: point-in-time prices and
 * history (no look-ahead), resampled timesteps, and a simple event loop
 * with a portfolio.
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { BarFeed } from "./mod.ts";
 * const agg = AggBar.fromRecords(Array.from({ length: 120 }, (_, i) => ({
 *   symbol: "BTCUSDT", start_time: i * 60_000, end_time: (i + 1) * 60_000,
 *   open: 100 + i, close: 100.5 + i,
 * })));
 * const feed = new BarFeed(agg, { resample: ["1h"] });
 * const result = await feed.run((ctx) => {
 *   const hours = ctx.history("BTCUSDT", 1, { timestep: "1h" });
 *   if (hours.length > 0 && ctx.position("BTCUSDT") === 0) ctx.orderTarget("BTCUSDT", 0.5);
 * });
 * console.log(result.trades.height); // 1
 * ```
 *
 * @module
 */
export { BarFeed, type BarFeedOptions, type LastPriceOptions } from "./feed.ts";
export { parseTimestep } from "../time.ts";
export { Bars, type HistoryOptions, type Timestep } from "./bars.ts";
export {
  type FeedRunData,
  type FeedRunOptions,
  FeedRunResult,
  type Strategy,
  type StrategyContext,
  type UnfilledOrder,
} from "./portfolio.ts";
