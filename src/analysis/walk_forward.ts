/**
 * walkForward: choose a sweep's parameters on a training window only,
 * trade them on the following test window, roll forward, and stitch the
 * out-of-sample returns into one equity curve.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { checkOptions, oneOf, type OptionNames } from "../options.ts";
import type { DataFrame } from "../polars.ts";
import { parseTimestep } from "../time.ts";
import type { BacktestResult } from "./backtest_result.ts";
import { refuseSink, withEvaluatedFactors } from "./evaluated.ts";
import { computeMetrics } from "./metrics.ts";
import { SWEEP_OPTIONS, type SweepOptions } from "./sweep.ts";
import {
  IC_METRICS,
  type Params,
  planSweep,
  rowsFrame,
  SWEEP_METRICS,
  type SweepGrid,
  type SweepMetric,
  type SweepRow,
  type SweepTemplate,
  variantRows,
} from "./sweep_plan.ts";
import { SweepResult } from "./sweep_result.ts";
import { WalkForwardResult } from "./walk_forward_result.ts";

/** Options of {@linkcode walkForward}. */
export interface WalkForwardOptions extends SweepOptions {
  /** Length of each training window (`"30d"`, `"12h"` or milliseconds). */
  train: string | number;
  /** Length of each test window, right after its training window. */
  test: string | number;
  /** How far each fold moves on; at least `test`, so test windows never overlap. @default the test length */
  step?: string | number;
  /**
   * The metric that picks the parameters on each training window: a
   * backtest metric (`"sharpe"`, …) or an IC metric (`"ic_ir"`, …; then
   * every variant is analysed with the `ic` options, `{ periods: [1] }`
   * by default). Highest wins, lowest for `annual_volatility` and
   * `turnover`; the first of ties in grid order. @default "sharpe"
   */
  select?: SweepMetric;
}

const WALK_FORWARD_OPTIONS: OptionNames<WalkForwardOptions> = {
  ...SWEEP_OPTIONS,
  train: true,
  test: true,
  step: true,
  select: true,
};

/** The per-bar columns of a test window's backtest kept in the stitched series (equity and drawdown are recompounded). */
const PER_BAR = [
  "end_time",
  "gross_return",
  "cost",
  "return",
  "turnover",
  "gross_exposure",
  "net_exposure",
];

/** One fold's windows (epoch ms; bars whose start_time is in [start, end)). */
interface Fold {
  trainStart: number;
  trainEnd: number;
  testEnd: number;
}

/**
 * Walk-forward evaluation of a sweep (see {@linkcode sweep} for `template`
 * and `grid`). Folds start at the first bar: fold f trains on the bars
 * whose start_time is in [first + f·step, + train) and tests on the next
 * `test`; only folds whose test window ends by the last bar's end_time
 * run. On each fold every variant and option combination is backtested
 * (and analysed, for an IC metric) on the training bars alone, the best
 * by `select` is chosen, and that one is backtested on the test bars.
 *
 * Factor values are evaluated once over all bars (the operators look only
 * backwards, so a value at t uses bars up to t), but each window's
 * backtest and IC see only that window's bars: a forward return or a
 * held bar past the window's end does not exist for it, so nothing after
 * the training window reaches the choice. Each test backtest starts flat
 * with equity 1 (its first held bar is the one after the window's first
 * decision); the stitched `returns` are the folds' net returns in time
 * order with equity and drawdown recompounded across folds, and
 * `metrics` are computed on them.
 *
 * @example
 * ```ts ignore
 * const wf = await walkForward(agg, "cs_rank(-ts_delta(close, {n}))", { n: [5, 20, 60] }, {
 *   train: "30d", test: "7d", select: "sharpe", costBps: 4,
 * });
 * console.log(wf.folds.toString(), wf.metrics.sharpe);
 * ```
 */
export async function walkForward(
  agg: AggBar,
  template: SweepTemplate,
  grid: SweepGrid,
  options: WalkForwardOptions,
): Promise<WalkForwardResult> {
  if (options === undefined) {
    throw new InvalidArgumentError(
      "options",
      options,
      'an object with train and test durations, e.g. { train: "30d", test: "7d" }',
    );
  }
  const { train, test, step, select, ic, ...backtestOptions } = checkOptions(
    "walkForward",
    options,
    WALK_FORWARD_OPTIONS,
  );
  const trainMs = parseTimestep(train, "train");
  const testMs = parseTimestep(test, "test");
  const stepMs = step === undefined ? testMs : parseTimestep(step, "step");
  if (stepMs < testMs) {
    throw new InvalidArgumentError(
      "step",
      step,
      `a duration of at least the test window (${testMs} ms), so test windows do not overlap`,
    );
  }
  const metric = oneOf("select", select ?? "sharpe", [
    ...SWEEP_METRICS,
    ...IC_METRICS,
  ]);
  const analysis = IC_METRICS.includes(metric) ? ic ?? { periods: [1] } : ic;
  if (analysis !== undefined) refuseSink("walkForward ic", analysis);
  const folds = foldsOf(agg, trainMs, testMs, stepMs);
  const plan = planSweep(agg, template, grid);
  const params = [...plan.factorParams, ...plan.optionParams];
  const foldRows: Record<string, unknown>[] = [];
  const parts: DataFrame[] = [];
  let periodsPerYear: number | undefined;
  await withEvaluatedFactors(
    agg,
    plan.variants.map((v) => v.factor),
    backtestOptions.price ?? "close",
    async ({ bars, columns }) => {
      for (const [f, fold] of folds.entries()) {
        // Say which fold an error came from (the class stays).
        const inFold = (error: unknown) => {
          if (error instanceof Error) {
            error.message = `fold ${f} (training from ${
              new Date(fold.trainStart).toISOString()
            }): ${error.message}`;
          }
          throw error;
        };
        const trainBars = bars.slice({
          start: fold.trainStart,
          end: fold.trainEnd,
        });
        const inSample: SweepRow[] = [];
        for (const [i, { params: p, factor }] of plan.variants.entries()) {
          inSample.push(
            ...await variantRows(
              trainBars,
              columns[i],
              p,
              plan.combos,
              backtestOptions,
              analysis,
              factor.name,
            ).catch(inFold),
          );
        }
        const chosen = new SweepResult(
          params,
          grid,
          rowsFrame(inSample, params, analysis !== undefined),
        ).bestRow(metric);
        const row: Record<string, unknown> = {
          fold: f,
          train_start_time: fold.trainStart,
          train_end_time: fold.trainEnd,
          test_start_time: fold.trainEnd,
          test_end_time: fold.testEnd,
        };
        if (chosen === undefined) {
          foldRows.push({
            ...row,
            reason: `no run had a ${metric} on the training window`,
          });
          continue;
        }
        const best = inSample[chosen];
        const variant = Math.floor(chosen / plan.combos.length);
        const combo: Params = plan.combos[chosen % plan.combos.length];
        const testBars = bars.slice({
          start: fold.trainEnd,
          end: fold.testEnd,
        });
        let result: BacktestResult | undefined;
        const [outOfSample] = await variantRows(
          testBars,
          columns[variant],
          plan.variants[variant].params,
          [combo],
          backtestOptions,
          analysis,
          plan.variants[variant].factor.name,
          (r) => result = r,
        ).catch(inFold);
        periodsPerYear ??= result!.settings.periodsPerYear;
        parts.push(
          result!.returns.select(
            pl.lit(f).cast(pl.Int32).alias("fold"),
            ...PER_BAR,
          ),
        );
        foldRows.push({
          ...row,
          ...Object.fromEntries(params.map((p) => [p, best[p]])),
          factor: best.factor,
          ...Object.fromEntries(
            [...SWEEP_METRICS, ...(analysis ? IC_METRICS : [])].flatMap((m) => [
              [`is_${m}`, best[m]],
              [`oos_${m}`, outOfSample[m]],
            ]),
          ),
          is_bars: best.bars,
          oos_bars: outOfSample.bars,
          reason: null,
        });
      }
    },
  );
  const returns = stitch(parts);
  const metrics = computeMetrics(
    returns.getColumn("return").toTypedArray() as Float64Array,
    periodsPerYear ?? 1,
  );
  return new WalkForwardResult(
    metric,
    params,
    foldsFrame(foldRows, params),
    returns,
    metrics,
  );
}

/** The folds of the bars' span, or an error saying why there are none. */
function foldsOf(
  agg: AggBar,
  train: number,
  test: number,
  step: number,
): Fold[] {
  const { minTime, maxTime } = agg.metadata;
  const folds: Fold[] = [];
  if (minTime !== null && maxTime !== null) {
    for (let start = minTime;; start += step) {
      const fold = {
        trainStart: start,
        trainEnd: start + train,
        testEnd: start + train + test,
      };
      if (fold.testEnd > maxTime) break;
      folds.push(fold);
    }
  }
  if (folds.length === 0) {
    throw new InvalidArgumentError(
      "train",
      `${train} ms of training and ${test} ms of test`,
      `windows that fit in the bars' span (${
        minTime === null ? "no bars" : `${maxTime! - minTime} ms`
      })`,
    );
  }
  return folds;
}

/** The folds' returns in time order with equity and drawdown recompounded. */
function stitch(parts: DataFrame[]): DataFrame {
  const all = parts.length > 0
    ? pl.concat(parts, { how: "vertical" })
    : pl.DataFrame([
      pl.Series("fold", [], pl.Int32),
      pl.Series("end_time", [], pl.Int64),
      ...PER_BAR.slice(1).map((c) => pl.Series(c, [], pl.Float64)),
    ]);
  const r = all.getColumn("return").toTypedArray() as Float64Array;
  const equity = new Float64Array(r.length);
  const drawdown = new Float64Array(r.length);
  let value = 1, peak = 1;
  for (let i = 0; i < r.length; i++) {
    value *= 1 + r[i];
    peak = Math.max(peak, value);
    equity[i] = value;
    drawdown[i] = value / peak - 1;
  }
  return all.withColumns(
    pl.Series("equity", equity),
    pl.Series("drawdown", drawdown),
  );
}

/** The per-fold rows as a frame with typed columns. */
function foldsFrame(
  rows: Record<string, unknown>[],
  params: string[],
): DataFrame {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const column = (name: string) => rows.map((r) => r[name] ?? null);
  return pl.DataFrame(names.map((name) => {
    const values = column(name);
    // Integers go through Float64: a null read straight as Int32 becomes
    // 0 (nodejs-polars 0.25.2).
    if (name === "fold" || name === "is_bars" || name === "oos_bars") {
      return pl.Series(name, values as number[], pl.Float64).cast(pl.Int32);
    }
    if (name.endsWith("_time")) {
      return pl.Series(name, values as number[], pl.Float64).cast(pl.Int64);
    }
    if (name === "factor" || name === "reason") {
      return pl.Series(name, values as string[], pl.String);
    }
    if (params.includes(name)) {
      const present = values.filter((v) => v !== null);
      if (present.every((v) => typeof v === "number")) {
        const floats = pl.Series(name, values as number[], pl.Float64);
        return present.every((v) => Number.isSafeInteger(v))
          ? floats.cast(pl.Int32)
          : floats;
      }
      return pl.Series(
        name,
        values.map((v) => v === null ? null : String(v)),
        pl.String,
      );
    }
    return pl.Series(
      name,
      values.map((v) => typeof v === "number" && Number.isFinite(v) ? v : null),
      pl.Float64,
    );
  }));
}
