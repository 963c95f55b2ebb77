/**
 * factorium for Deno: crypto factor research on tick data. Download an
 * exchange's daily dumps ({@linkcode downloadData}: Binance Vision, Bybit) or
 * point it at tick files (Binance aggTrades/trades/klines in Hive-partitioned
 * Parquet), get multi-symbol bars out of DuckDB as a Polars-backed
 * {@linkcode AggBar}, cached per symbol and UTC day.
 *
 * @example
 * ```ts ignore
 * import { DataLoader, generateSample } from "./mod.ts";
 *
 * await generateSample({ dataDir: "./data", symbols: ["BTCUSDT", "ETHUSDT"], days: 3 });
 * const loader = new DataLoader({ dataDir: "./data" });
 * const agg = await loader.loadAggBar({
 *   symbols: ["BTCUSDT", "ETHUSDT"],
 *   start: "2024-01-01",
 *   end: "2024-01-04",
 *   bar: { type: "time", intervalMs: 60_000 },
 *   buyerSeller: true,
 * });
 * console.log(agg.toString());
 * console.log(agg.info().toString());
 * await loader.close();
 * ```
 *
 * @module
 */
// Methods that upper layers attach to lower ones (AggBar.get/factor/compute,
// Factor.analyze/backtest): loaded here so every user of mod.ts has them.
import "./src/factor/aggbar_factors.ts";
import "./src/analysis/factor_methods.ts";
import "./src/analysis/aggbar_research.ts";

export { AggBar, type ScanOptions, type SliceOptions } from "./src/aggbar.ts";
export type { BarRows, Span, TimeBounds } from "./src/bar_rows.ts";
export {
  DataFileError,
  DownloadError,
  FactoriumError,
  type FailedDownload,
  FormulaError,
  InvalidArgumentError,
  MissingDataError,
  type MissingSymbolDay,
  NotKeptError,
} from "./src/errors.ts";
export { type RangeOptions, type TimeInput, toEpochMs } from "./src/time.ts";
export {
  binance,
  bybit,
  type CsvColumn,
  type DataType,
  type DumpFormat,
  type ExchangeAdapter,
  getAdapter,
  type KlineMapping,
  registerAdapter,
  type TickDataType,
  type TickMapping,
  type TimestampUnit,
} from "./src/data/adapters/mod.ts";
export { type BarSpec } from "./src/data/bar_spec.ts";
export type { DataSelection } from "./src/data/selection.ts";
export { BAR_COLUMNS, BUYER_SELLER_COLUMNS } from "./src/data/aggregator.ts";
export { type AggBarMetadata } from "./src/data/metadata.ts";
export {
  DataLoader,
  type DataLoaderOptions,
  type LoadAggBarOptions,
  type LoaderDownloadOptions,
} from "./src/data/loader.ts";
export {
  DOWNLOAD_RECORD,
  downloadData,
  type DownloadDay,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadReport,
  type FailedDay,
  type FetchedDay,
  formatDownloadReport,
} from "./src/data/download.ts";
export {
  type BinanceZipOptions,
  type BybitCsvOptions,
  generateSample,
  type GenerateSampleOptions,
  type SampleDataType,
  type SampleMarket,
  type SampleResult,
  writeBinanceZip,
  writeBybitCsvGz,
} from "./src/data/sample.ts";
export {
  FUNDING_COLUMNS,
  type LoadFundingOptions,
  withFunding,
} from "./src/data/funding.ts";
export {
  fundingIntervalHours,
  type FundingSampleOptions,
  type FundingZipOptions,
  generateFundingSample,
  writeBinanceFundingZip,
} from "./src/data/sample_funding.ts";
export type { DataFrame } from "./src/polars.ts";
export { withDatetimes } from "./src/datetimes.ts";
export { Factor, type FactorOperand } from "./src/factor/factor.ts";
export {
  FORMULA_FUNCTIONS,
  type FormulaOptions,
} from "./src/factor/formula.ts";
export { ALPHA101 } from "./src/factor/alphas.ts";
export type { ComputeOptions } from "./src/factor/aggbar_factors.ts";
export type { FactorSink } from "./src/factor/compute.ts";
export type { QuantileDistribution } from "./src/factor/kernels.ts";
export {
  type BarChartKind,
  type BarChartOptions,
  Chart,
  type ChartOptions,
  type FactorChartKind,
} from "./src/display/plot.ts";
export { type MimeBundle } from "./src/display/jupyter.ts";
export { Report } from "./src/display/report.ts";
export { analyzeFactor, type AnalyzeOptions } from "./src/analysis/analyzer.ts";
export { displayFrame, frameBundle } from "./src/display/frame.ts";
export {
  type AnalysisSettings,
  type AnalysisTables,
  FactorAnalysis,
  type FactorRowsHeld,
} from "./src/analysis/factor_analysis.ts";
export {
  type AnalysisChartKind,
  type AnalysisChartOptions,
  type PerformanceChartKind,
} from "./src/analysis/charts.ts";
export { backtest, BacktestResult } from "./src/analysis/backtest.ts";
export type { WeightsFile } from "./src/analysis/backtest_result.ts";
export type { BacktestMetrics } from "./src/analysis/backtest_metrics.ts";
export {
  LEVERAGED_TOKENS,
  STABLECOINS,
  type Universe,
  universeFactor,
  type UniverseRule,
} from "./src/analysis/universe.ts";
export type {
  Allocator,
  BacktestOptions,
  BacktestSettings,
  ImpactOptions,
  Normalizer,
} from "./src/analysis/backtest_options.ts";
export {
  computeMetrics,
  type Metrics,
  periodsPerYear,
} from "./src/analysis/metrics.ts";
export { type SaveOptions } from "./src/analysis/save.ts";
export { compareFactors, type CompareOptions } from "./src/analysis/compare.ts";
export {
  type ComparisonChartKind,
  type ComparisonChartOptions,
  type ComparisonTables,
  FactorComparison,
} from "./src/analysis/factor_comparison.ts";
export { sweep, type SweepOptions } from "./src/analysis/sweep.ts";
export type {
  Params,
  ParamValue,
  SweepGrid,
  SweepMetric,
  SweepTemplate,
} from "./src/analysis/sweep_plan.ts";
export {
  type SweepChartOptions,
  SweepResult,
} from "./src/analysis/sweep_result.ts";
export {
  walkForward,
  type WalkForwardOptions,
} from "./src/analysis/walk_forward.ts";
export { WalkForwardResult } from "./src/analysis/walk_forward_result.ts";
export {
  combine,
  type CombineMethod,
  type CombineOptions,
} from "./src/analysis/combine.ts";
export { orthogonalize } from "./src/analysis/orthogonalize.ts";
export {
  BarFeed,
  type BarFeedOptions,
  Bars,
  type FeedRunData,
  type FeedRunOptions,
  FeedRunResult,
  type HistoryOptions,
  type LastPriceOptions,
  parseTimestep,
  type Strategy,
  type StrategyContext,
  type Timestep,
  type UnfilledOrder,
} from "./src/feed/mod.ts";
