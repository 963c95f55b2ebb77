/**
 * The event loop of {@linkcode BarFeed.run}: a cash-and-positions portfolio
 * stepped through time, market orders filled at the next bar's open with
 * proportional costs, and the run's returns, trades and metrics.
 *
 * @module
 */
import pl from "nodejs-polars";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import { formatInterval, type TimeInput } from "../time.ts";
import { formatNumber, formatUtc } from "../display/html.ts";
import type { MimeBundle } from "../display/jupyter.ts";
import type { Chart, ChartOptions } from "../display/plot.ts";
import {
  computeMetrics,
  type Metrics,
  periodsPerYear,
} from "../analysis/metrics.ts";
import {
  type PerformanceChartKind,
  plotPerformance,
} from "../analysis/charts.ts";
import { metricsText, performanceBundle } from "../analysis/performance.ts";
import {
  type Bars,
  barsOf,
  type BarTable,
  checkLength,
  type HistoryOptions,
  type Timestep,
} from "./bars.ts";
import { firstAtOrAfter } from "../bar_rows.ts";
import { FundingCharges } from "../analysis/funding_charges.ts";

/** Most steps one run may take (its per-step arrays are preallocated). */
const MAX_STEPS = 20_000_000;

/**
 * Orders smaller than this share of equity (in value) are not placed by
 * {@linkcode StrategyContext.orderTarget}: rounding residue, not trades.
 */
const TARGET_TOLERANCE = 1e-9;

/** Options of {@linkcode BarFeed.run}. */
export interface FeedRunOptions {
  /** First `at` (epoch ms, `Date` or ISO string). @default the feed's first `end_time`, rounded up to the step grid (`step: "1h"` steps at 01:00, 02:00 ...) */
  start?: TimeInput;
  /** Last `at`, included when on the step grid. @default the feed's last `end_time` */
  end?: TimeInput;
  /**
   * Distance between steps (`"1m"`, `"1h"` or ms). Required when the bars
   * are not time bars.
   * @default the base bar interval
   */
  step?: Timestep;
  /** Starting cash. @default 1_000_000 */
  capital?: number;
  /**
   * Cost of a fill in basis points of its traded value, taken from cash:
   * `|quantity · price| · costBps / 10_000`.
   * @default 0
   */
  costBps?: number;
  /**
   * Funding settlements (`DataLoader.loadFunding`'s frame). At each step,
   * a settlement at t in `[previous step, step)` takes `position × mark ×
   * rate` from cash (longs pay a positive rate, shorts receive it), with
   * the positions after the step's fills (which are made at bar opens from
   * the previous step on) and the step's marks. The returns then get a
   * `funding` column (the cash flow of the step).
   * @default undefined (no funding)
   */
  funding?: DataFrame;
}

/**
 * What a strategy sees and does at one step. Everything is bound to the
 * step's time `at`: prices and history come from bars with
 * `end_time <= at`. Read it during the call; the same object is reused at
 * every step.
 */
export interface StrategyContext {
  /** The step's time (epoch ms). */
  readonly at: number;
  /** The step's number, from 0. */
  readonly index: number;
  /** The feed's symbols, sorted. */
  readonly symbols: readonly string[];
  /** Cash after this step's fills. */
  readonly cash: number;
  /** Cash plus positions marked at their last closes, after this step's fills. */
  readonly equity: number;
  /**
   * The close (or `column`) of the symbol's last bar with `end_time <= at`;
   * `null` before its first bar; NaN where that bar's value is null.
   */
  lastPrice(symbol: string, column?: string): number | null;
  /** The last `length` bars with `end_time <= at` (see {@linkcode BarFeed.history}). */
  history(symbol: string, length: number, options?: HistoryOptions): Bars;
  /** Filled position in base units (signed). */
  position(symbol: string): number;
  /** Sum of the symbol's orders not filled yet (signed base units). */
  pending(symbol: string): number;
  /**
   * A market order for `quantity` base units (negative sells). It fills at
   * the open of the symbol's first bar starting at or after `at`, at the
   * first step after that bar has started. A zero quantity is ignored.
   */
  order(symbol: string, quantity: number): void;
  /**
   * Orders what brings position plus pending orders to `weight · equity`
   * in value at the last price (`weight` may be negative: short). Returns
   * the quantity ordered (0 when the difference is below 1e-9 of equity).
   * A symbol with no price yet raises an {@linkcode InvalidArgumentError}.
   */
  orderTarget(symbol: string, weight: number): number;
}

/**
 * A strategy: called once per step, synchronously or returning a promise
 * (awaited before the next step).
 */
export type Strategy = (ctx: StrategyContext) => void | Promise<void>;

/** An order still pending when the run ended. */
export interface UnfilledOrder {
  /** When it was placed (epoch ms). */
  time: number;
  /** The symbol. */
  symbol: string;
  /** Signed quantity in base units. */
  quantity: number;
}

/** The fields of a {@linkcode FeedRunResult}. */
export interface FeedRunData {
  /**
   * One row per step: `end_time` (the step's `at`, Int64 ms), `return`
   * (equity / previous equity − 1; the first against the capital),
   * `equity`, `drawdown` (equity / running peak − 1), `cash`,
   * `gross_exposure` (Σ|position · price| / equity).
   */
  returns: DataFrame;
  /**
   * One row per fill: `time` (start of the fill bar, Int64 ms), `symbol`,
   * `quantity`, `price` (the fill bar's open), `cost`, `order_time`.
   */
  trades: DataFrame;
  /** Metrics of the per-step returns (annualised with the step). */
  metrics: Metrics;
  /** Orders not filled by the end (no bar started after them in time). */
  unfilled: UnfilledOrder[];
  /** Positions at the end (non-zero only). */
  positions: Record<string, number>;
  /** Cash at the end. */
  cash: number;
  /** Equity at the last step. */
  equity: number;
  /** Starting cash. */
  capital: number;
  /** Cost in basis points. */
  costBps: number;
  /** First step's time (epoch ms). */
  start: number;
  /** Last step's time (epoch ms). */
  end: number;
  /** Step in ms. */
  step: number;
  /** Number of steps. */
  steps: number;
  /** Number of symbols of the feed. */
  symbols: number;
  /** Wall time of the loop in ms. */
  elapsedMs: number;
  /** steps × symbols / seconds. */
  barsPerSecond: number;
}

/**
 * The outcome of {@linkcode BarFeed.run}: per-step returns, fills, metrics
 * and what was left unfilled. Displays inline in Jupyter (metrics, equity
 * and drawdown charts).
 *
 * @example
 * ```ts
 * import { AggBar } from "../aggbar.ts";
 * import { BarFeed } from "./feed.ts";
 * const agg = AggBar.fromRecords([0, 1, 2].map((i) => ({
 *   symbol: "A", start_time: i * 60_000, end_time: (i + 1) * 60_000, open: 10 + i, close: 10.5 + i,
 * })));
 * const result = await new BarFeed(agg).run((ctx) => {
 *   if (ctx.index === 0) ctx.order("A", 100);
 * }, { capital: 10_000 });
 * console.log(result.trades.getColumn("price").toArray(), result.equity); // [11] 10150
 * ```
 */
export class FeedRunResult implements FeedRunData {
  /** Per-step `end_time, return, equity, drawdown, cash, gross_exposure`. */
  readonly returns: DataFrame;
  /** Fills: `time, symbol, quantity, price, cost, order_time`. */
  readonly trades: DataFrame;
  /** Metrics of the per-step returns. */
  readonly metrics: Metrics;
  /** Orders not filled by the end. */
  readonly unfilled: UnfilledOrder[];
  /** Positions at the end (non-zero only). */
  readonly positions: Record<string, number>;
  /** Cash at the end. */
  readonly cash: number;
  /** Equity at the last step. */
  readonly equity: number;
  /** Starting cash. */
  readonly capital: number;
  /** Cost in basis points. */
  readonly costBps: number;
  /** First step's time (epoch ms). */
  readonly start: number;
  /** Last step's time (epoch ms). */
  readonly end: number;
  /** Step in ms. */
  readonly step: number;
  /** Number of steps. */
  readonly steps: number;
  /** Number of symbols of the feed. */
  readonly symbols: number;
  /** Wall time of the loop in ms. */
  readonly elapsedMs: number;
  /** steps × symbols / seconds. */
  readonly barsPerSecond: number;

  /** Wraps the fields of a run. */
  constructor(data: FeedRunData) {
    this.returns = data.returns;
    this.trades = data.trades;
    this.metrics = data.metrics;
    this.unfilled = data.unfilled;
    this.positions = data.positions;
    this.cash = data.cash;
    this.equity = data.equity;
    this.capital = data.capital;
    this.costBps = data.costBps;
    this.start = data.start;
    this.end = data.end;
    this.step = data.step;
    this.steps = data.steps;
    this.symbols = data.symbols;
    this.elapsedMs = data.elapsedMs;
    this.barsPerSecond = data.barsPerSecond;
  }

  /** A title naming the run: symbols, step and time range. */
  get title(): string {
    return `BarFeed run: ${this.symbols} symbol(s), step ${
      formatInterval(this.step)
    }, ${formatUtc(this.start)} → ${formatUtc(this.end)} UTC`;
  }

  /** Settings and outcome in one line: capital, costs, fills, speed. */
  get meta(): string {
    return `capital ${formatNumber(this.capital)} → ${
      formatNumber(Number(this.equity.toPrecision(10)))
    }, costs ${this.costBps} bps, ${this.steps} steps, ${this.trades.height} fill(s), ${this.unfilled.length} unfilled order(s), ${
      formatNumber(Math.round(this.barsPerSecond))
    } bars/s`;
  }

  /**
   * The `equity` curve (as growth of 1: equity / capital) or the
   * `drawdown` chart.
   *
   * @example
   * ```ts ignore
   * await result.plot("drawdown").save("out/drawdown.svg");
   * ```
   */
  plot(
    kind: PerformanceChartKind = "equity",
    options: ChartOptions = {},
  ): Chart {
    return plotPerformance(this.#growth(), this.title, kind, options);
  }

  /** A readable summary: title, settings and the metrics. */
  toString(): string {
    return `${this.title}\n${this.meta}\n${metricsText(this.metrics)}`;
  }

  /** Deno's console shows the summary. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Jupyter shows the metrics with equity (growth of 1) and drawdown charts. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return performanceBundle(
      this.title,
      this.meta,
      this.#growth(),
      this.metrics,
    );
  }

  /** The returns frame with equity as growth of 1 (the charts' scale). */
  #growth(): DataFrame {
    return this.returns.withColumns(
      pl.col("equity").div(this.capital).alias("equity"),
    );
  }
}

/** Validated run settings (times in ms). */
export interface RunSettings {
  /** First step. */
  start: number;
  /** Last step (included when on the grid). */
  end: number;
  /** Step in ms. */
  step: number;
  /** Starting cash, unvalidated. */
  capital?: number;
  /** Cost in basis points, unvalidated. */
  costBps?: number;
  /** Funding settlements, unvalidated. */
  funding?: DataFrame;
}

/**
 * The loop behind {@linkcode BarFeed.run} (internal): `history` answers
 * (resampled) history at a time, `table` is the base bars.
 *
 * Per step, at time `at`:
 * 1. per symbol, the cursor moves to the last bar with `end_time <= at`
 *    (the mark is that bar's close, or the last valid one before it);
 * 2. pending orders whose fill bar (the symbol's first bar with
 *    `start_time >=` the order's time, skipping bars without an open) has
 *    started (`start_time < at`) fill at its open, paying
 *    `|quantity · price| · costBps / 10_000` from cash;
 * 3. funding settled in `[at − step, at)` is paid or received on the
 *    positions after those fills; equity = cash + Σ position · mark (the
 *    last fill price where a symbol has no valid close yet) is recorded;
 * 4. the strategy is called (awaited only when it returns a promise).
 */
export async function runStrategy(
  history: (
    symbol: string,
    length: number,
    at: number,
    options?: HistoryOptions,
  ) => Bars,
  table: BarTable,
  strategy: Strategy,
  settings: RunSettings,
): Promise<FeedRunResult> {
  const { start, end, step } = settings;
  const capital = settings.capital ?? 1_000_000;
  const costBps = settings.costBps ?? 0;
  if (!(Number.isFinite(capital) && capital > 0)) {
    throw new InvalidArgumentError("capital", capital, "a positive number");
  }
  if (!(Number.isFinite(costBps) && costBps >= 0)) {
    throw new InvalidArgumentError(
      "costBps",
      costBps,
      "a number of basis points >= 0",
    );
  }
  const steps = Math.floor((end - start) / step) + 1;
  if (steps > MAX_STEPS) {
    throw new InvalidArgumentError(
      "step",
      step,
      `a step giving at most ${MAX_STEPS} steps from start to end (this one gives ${steps})`,
    );
  }
  const costRate = costBps / 10_000;
  const symbols = table.symbols;
  const n = symbols.length;
  const { starts, endTime, startTime } = table;
  const close = table.column("close");
  let open: Float64Array | undefined;

  // Per symbol: cursor (last visible row), position, mark, last fill price.
  const cursor = new Int32Array(n);
  for (let k = 0; k < n; k++) cursor[k] = starts[k] - 1;
  const position = new Float64Array(n);
  const mark = new Float64Array(n).fill(NaN);
  const lastFill = new Float64Array(n).fill(NaN);

  // Pending orders, as parallel arrays (compacted as orders fill).
  const pendingSymbol: number[] = [];
  const pendingQuantity: number[] = [];
  const pendingTime: number[] = [];
  const pendingRow: number[] = [];

  // Fills.
  const fillTime: number[] = [];
  const fillSymbol: number[] = [];
  const fillQuantity: number[] = [];
  const fillPrice: number[] = [];
  const fillCost: number[] = [];
  const fillOrderTime: number[] = [];

  // Per step.
  const times = new Float64Array(steps);
  const returns = new Float64Array(steps);
  const equities = new Float64Array(steps);
  const drawdowns = new Float64Array(steps);
  const cashes = new Float64Array(steps);
  const exposures = new Float64Array(steps);

  let at = start;
  let index = 0;
  let cash = capital;
  let equity = capital;

  const symbolIndex = (symbol: string) => table.symbolIndex(symbol);
  const pendingOf = (k: number) => {
    let sum = 0;
    for (let j = 0; j < pendingSymbol.length; j++) {
      if (pendingSymbol[j] === k) sum += pendingQuantity[j];
    }
    return sum;
  };
  const place = (k: number, quantity: number) => {
    pendingSymbol.push(k);
    pendingQuantity.push(quantity);
    pendingTime.push(at);
    pendingRow.push(firstAtOrAfter(startTime, starts[k], starts[k + 1], at));
  };

  const ctx: StrategyContext = {
    get at() {
      return at;
    },
    get index() {
      return index;
    },
    symbols: [...symbols].sort(),
    get cash() {
      return cash;
    },
    get equity() {
      return equity;
    },
    lastPrice(symbol: string, column?: string): number | null {
      const k = symbolIndex(symbol);
      const values = column === undefined ? close : table.column(column);
      const row = cursor[k];
      return row < starts[k] ? null : values[row];
    },
    history(symbol: string, length: number, options?: HistoryOptions): Bars {
      if (options?.timestep !== undefined) {
        return history(symbol, length, at, options);
      }
      checkLength(length);
      const k = symbolIndex(symbol);
      const last = cursor[k];
      const first = Math.max(starts[k], last - length + 1);
      return barsOf(table, k, first, last - first + 1);
    },
    position(symbol: string): number {
      return position[symbolIndex(symbol)];
    },
    pending(symbol: string): number {
      return pendingOf(symbolIndex(symbol));
    },
    order(symbol: string, quantity: number): void {
      const k = symbolIndex(symbol);
      if (typeof quantity !== "number" || !Number.isFinite(quantity)) {
        throw new InvalidArgumentError(
          "quantity",
          quantity,
          "a finite number of base units (negative sells)",
        );
      }
      if (quantity !== 0) place(k, quantity);
    },
    orderTarget(symbol: string, weight: number): number {
      const k = symbolIndex(symbol);
      if (typeof weight !== "number" || !Number.isFinite(weight)) {
        throw new InvalidArgumentError(
          "weight",
          weight,
          "a finite fraction of equity (negative: short)",
        );
      }
      const row = cursor[k];
      let price = row >= starts[k] ? close[row] : NaN;
      if (!(price === price)) price = mark[k];
      if (!(price === price && price !== 0)) {
        throw new InvalidArgumentError(
          "symbol",
          symbol,
          `a symbol with a price at ${
            formatUtc(at)
          } UTC (orderTarget converts weights at the last close; none is visible yet)`,
        );
      }
      const quantity = weight * equity / price - position[k] - pendingOf(k);
      if (Math.abs(quantity * price) < TARGET_TOLERANCE * Math.abs(equity)) {
        return 0;
      }
      place(k, quantity);
      return quantity;
    },
  };

  const funding = settings.funding === undefined
    ? undefined
    : new FundingCharges(settings.funding, symbols);
  const held = new Float64Array(n);
  const flows = funding ? new Float64Array(steps) : undefined;

  const t0 = performance.now();
  let peak = -Infinity;
  let previous = capital;
  for (index = 0; index < steps; index++) {
    at = start + index * step;
    // 1. What is visible at `at`.
    for (let k = 0; k < n; k++) {
      let row = cursor[k];
      const hi = starts[k + 1];
      if (row + 1 < hi && endTime[row + 1] <= at) {
        do row++; while (row + 1 < hi && endTime[row + 1] <= at);
        cursor[k] = row;
        const price = close[row];
        if (price === price) mark[k] = price;
      }
    }
    // 2. Fills.
    if (pendingSymbol.length > 0) {
      open ??= table.column("open");
      let kept = 0;
      for (let j = 0; j < pendingSymbol.length; j++) {
        const k = pendingSymbol[j];
        const hi = starts[k + 1];
        let row = pendingRow[j];
        while (row < hi && startTime[row] < at && !(open[row] === open[row])) {
          row++; // no open to fill at: the next bar
        }
        if (row < hi && startTime[row] < at) {
          const quantity = pendingQuantity[j];
          const price = open[row];
          const cost = Math.abs(quantity * price) * costRate;
          cash -= quantity * price + cost;
          position[k] += quantity;
          lastFill[k] = price;
          fillTime.push(startTime[row]);
          fillSymbol.push(k);
          fillQuantity.push(quantity);
          fillPrice.push(price);
          fillCost.push(cost);
          fillOrderTime.push(pendingTime[j]);
        } else {
          pendingSymbol[kept] = k;
          pendingQuantity[kept] = pendingQuantity[j];
          pendingTime[kept] = pendingTime[j];
          pendingRow[kept] = row;
          kept++;
        }
      }
      pendingSymbol.length = kept;
      pendingQuantity.length = kept;
      pendingTime.length = kept;
      pendingRow.length = kept;
    }
    // 2b. Funding settled since the previous step, on the positions after
    // these fills (made at bar opens from the previous step on).
    if (funding) {
      for (let k = 0; k < n; k++) {
        held[k] = position[k] === 0
          ? 0
          : position[k] * (mark[k] === mark[k] ? mark[k] : lastFill[k]);
      }
      flows![index] = funding.charge(at - step, at, held);
      cash += flows![index];
    }
    // 3. Mark to market.
    let value = 0, gross = 0;
    for (let k = 0; k < n; k++) {
      const quantity = position[k];
      if (quantity === 0) continue;
      const price = mark[k] === mark[k] ? mark[k] : lastFill[k];
      value += quantity * price;
      gross += Math.abs(quantity * price);
    }
    equity = cash + value;
    if (equity > peak) peak = equity;
    times[index] = at;
    returns[index] = equity / previous - 1;
    equities[index] = equity;
    drawdowns[index] = equity / peak - 1;
    cashes[index] = cash;
    exposures[index] = gross / equity;
    previous = equity;
    // 4. The strategy.
    const pending = strategy(ctx) as PromiseLike<void> | undefined;
    if (typeof pending?.then === "function") await pending;
  }
  const elapsedMs = performance.now() - t0;

  const names = fillSymbol.map((k) => symbols[k]);
  const trades = pl.DataFrame([
    pl.Series("time", fillTime, pl.Float64).cast(pl.Int64),
    pl.Series("symbol", names, pl.Utf8),
    pl.Series("quantity", fillQuantity, pl.Float64),
    pl.Series("price", fillPrice, pl.Float64),
    pl.Series("cost", fillCost, pl.Float64),
    pl.Series("order_time", fillOrderTime, pl.Float64).cast(pl.Int64),
  ]);
  const returnsFrame = pl.DataFrame([
    pl.Series("end_time", times, pl.Float64).cast(pl.Int64),
    pl.Series("return", returns, pl.Float64),
    pl.Series("equity", equities, pl.Float64),
    pl.Series("drawdown", drawdowns, pl.Float64),
    pl.Series("cash", cashes, pl.Float64),
    pl.Series("gross_exposure", exposures, pl.Float64),
    ...(flows ? [pl.Series("funding", flows, pl.Float64)] : []),
  ]);
  const unfilled = pendingSymbol.map((k, j) => ({
    time: pendingTime[j],
    symbol: symbols[k],
    quantity: pendingQuantity[j],
  }));
  const positions: Record<string, number> = {};
  for (let k = 0; k < n; k++) {
    if (position[k] !== 0) positions[symbols[k]] = position[k];
  }
  return new FeedRunResult({
    returns: returnsFrame,
    trades,
    metrics: computeMetrics(returns, periodsPerYear(step)),
    unfilled,
    positions,
    cash,
    equity,
    capital,
    costBps,
    start,
    end: start + (steps - 1) * step,
    step,
    steps,
    symbols: n,
    elapsedMs,
    barsPerSecond: elapsedMs > 0 ? steps * n / (elapsedMs / 1000) : Infinity,
  });
}
