/**
 * Coverage of a factor analysis: how many of the factor's rows reached each
 * step (a bar of the price AggBar, a factor value, a price, a forward
 * return per period) and how many time slices had an IC and quantiles,
 * with the reason for every drop; and the refusals of analyses that cannot
 * have a single value.
 *
 * @module
 */
import pl from "nodejs-polars";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";

/** Counts of one period, gathered while the analyzer loops. */
export interface PeriodCounts {
  /** Forward horizon in bars. */
  period: number;
  /** Rows with a factor value and a forward return. */
  withForward: number;
  /** Time slices with an IC (at least `minSymbols` such rows). */
  icTimes: number;
  /** Most rows with a factor value and a forward return in one time slice. */
  maxPairs: number;
}

/** Counts of an analysis, gathered in the analyzer's own passes. */
export interface CoverageCounts {
  /** Rows of the factor. */
  factorRows: number;
  /** Of those, rows with a bar (same start_time, end_time, symbol) in the price AggBar. */
  onBars: number;
  /** Rows with a factor value, but outside the universe (when one is set). */
  outOfUniverse?: number;
  /** Rows with a factor value (inside the universe, when one is set). */
  withFactor: number;
  /** Rows with a factor value and a usable price (finite, > 0). */
  withPrice: number;
  /** Time slices: the distinct end_times. */
  times: number;
  /** Time slices with at least `quantiles` factor values. */
  bucketedTimes: number;
  /** Most factor values in one time slice. */
  maxFactorValues: number;
  /** Per period, ascending. */
  periods: PeriodCounts[];
}

/** What the coverage and the refusals need to know of the settings. */
export interface CoverageSettings {
  quantiles: number;
  minSymbols: number;
  price: string;
  /** Largest share of the factor's rows that may lack a forward return, per period. */
  maxLoss: number;
  /**
   * Forward returns are compounded from per-bar returns (`price` names
   * them): no value is needed at the bar itself, only after it.
   */
  fromReturns?: boolean;
}

/**
 * A forward period as words: "1 bar", "5 bars".
 *
 * @example
 * ```ts
 * import { periodLabel } from "./coverage.ts";
 * console.log(periodLabel(1), periodLabel(5)); // 1 bar 5 bars
 * ```
 */
export function periodLabel(k: number): string {
  return k === 1 ? "1 bar" : `${k} bars`;
}

/**
 * The coverage table: per step, `step, period` (null where the step is not
 * per period), `unit` ("rows" or "time slices"), `kept`, `of` (the count
 * the step started from), `dropped`, `dropped_share` and `reason` (why the
 * dropped ones were dropped; null when none were).
 *
 * @example
 * ```ts
 * import { coverageTable } from "./coverage.ts";
 * const table = coverageTable({
 *   factorRows: 4, onBars: 4, withFactor: 3, withPrice: 3, times: 2,
 *   bucketedTimes: 1, maxFactorValues: 2,
 *   periods: [{ period: 1, withForward: 2, icTimes: 1, maxPairs: 2 }],
 * }, { quantiles: 2, minSymbols: 2, price: "close", maxLoss: 1 });
 * console.log(table.getColumn("kept").toArray()); // [4, 4, 3, 3, 2, 1, 1]
 * ```
 */
export function coverageTable(
  counts: CoverageCounts,
  settings: CoverageSettings,
): DataFrame {
  const { quantiles, minSymbols, price, fromReturns } = settings;
  const rows: [string, number | null, string, number, number, string][] = [
    ["factor rows", null, "rows", counts.factorRows, counts.factorRows, ""],
    [
      "on a bar of the price AggBar",
      null,
      "rows",
      counts.onBars,
      counts.factorRows,
      "no bar with the same start_time, end_time and symbol in the price AggBar",
    ],
    [
      "with a factor value",
      null,
      "rows",
      counts.withFactor + (counts.outOfUniverse ?? 0),
      counts.onBars,
      "factor null (warm-up window, missing input or undefined value)",
    ],
    ...(counts.outOfUniverse === undefined ? [] : [
      [
        "in the universe",
        null,
        "rows",
        counts.withFactor,
        counts.withFactor + counts.outOfUniverse,
        "outside the point-in-time universe at that bar",
      ] as [string, null, string, number, number, string],
    ]),
    ...(fromReturns ? [] : [
      [
        `with a price`,
        null,
        "rows",
        counts.withPrice,
        counts.withFactor,
        `"${price}" null, not finite or <= 0 at that bar`,
      ] as [string, null, string, number, number, string],
    ]),
    ...counts.periods.map(({ period, withForward }) =>
      [
        "with a forward return",
        period,
        "rows",
        withForward,
        counts.withPrice,
        fromReturns
          ? `no "${price}" at some of the ${
            periodLabel(period)
          } after it on the time grid (the last ${
            period === 1 ? "bar" : periodLabel(period)
          }, a gap, or a null return)`
          : `no usable "${price}" ${
            periodLabel(period)
          } later on the time grid (the last ${
            period === 1 ? "bar" : periodLabel(period)
          }, or the symbol has no bar then)`,
      ] as [string, number, string, number, number, string]
    ),
    ...counts.periods.map(({ period, icTimes }) =>
      [
        "time slices with an IC",
        period,
        "time slices",
        icTimes,
        counts.times,
        `fewer than ${minSymbols} symbols with a factor value and a forward return`,
      ] as [string, number, string, number, number, string]
    ),
    [
      "time slices in quantiles",
      null,
      "time slices",
      counts.bucketedTimes,
      counts.times,
      `fewer than ${quantiles} factor values`,
    ],
  ];
  const column = <T>(i: number) => rows.map((r) => r[i] as T);
  const kept = column<number>(3), of = column<number>(4);
  const series = (name: string, values: unknown[], type: pl.DataType) =>
    // Built as Float64 first: a null in a number list read straight as
    // Int32 becomes 0 (nodejs-polars 0.25.2).
    type === pl.Utf8
      ? pl.Series(name, values, type)
      : pl.Series(name, values, pl.Float64).cast(type);
  return pl.DataFrame([
    series("step", column(0), pl.Utf8),
    series("period", column(1), pl.Int32),
    series("unit", column(2), pl.Utf8),
    series("kept", kept, pl.Int64),
    series("of", of, pl.Int64),
    series("dropped", kept.map((k, i) => of[i] - k), pl.Int64),
    series(
      "dropped_share",
      kept.map((k, i) => of[i] > 0 ? (of[i] - k) / of[i] : null),
      pl.Float64,
    ),
    series(
      "reason",
      rows.map((r, i) => kept[i] < of[i] ? r[5] : null),
      pl.Utf8,
    ),
  ]);
}

/**
 * Throws an {@linkcode InvalidArgumentError} saying why and what would work
 * when a table of the analysis could not hold a single value (no factor row
 * on a price bar, a period without any forward return, no time slice with
 * an IC or with quantiles), or when more than `maxLoss` of the factor's
 * rows lack a forward return for some period.
 *
 * @example
 * ```ts
 * import { refuseEmpty } from "./coverage.ts";
 * try {
 *   refuseEmpty({
 *     factorRows: 4, onBars: 4, withFactor: 4, withPrice: 4, times: 2,
 *     bucketedTimes: 2, maxFactorValues: 2,
 *     periods: [{ period: 1, withForward: 2, icTimes: 0, maxPairs: 2 }],
 *   }, { quantiles: 2, minSymbols: 3, price: "close", maxLoss: 1 });
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("minSymbols")); // true
 * }
 * ```
 */
export function refuseEmpty(
  counts: CoverageCounts,
  settings: CoverageSettings,
): void {
  const { quantiles, minSymbols, price, maxLoss } = settings;
  if (counts.withFactor === 0) {
    throw new InvalidArgumentError(
      "factor",
      `a factor whose ${counts.onBars} rows on the price AggBar's bars are all null${
        counts.outOfUniverse
          ? ` or outside the universe (${counts.outOfUniverse} values are)`
          : ""
      }`,
      "a factor with at least one value",
    );
  }
  if (counts.withPrice === 0) {
    throw new InvalidArgumentError(
      "price",
      price,
      `a column with a finite price > 0 where the factor has a value (none of its ${counts.withFactor} rows with a value has one)`,
    );
  }
  for (const { period, withForward } of counts.periods) {
    if (withForward > 0) continue;
    throw new InvalidArgumentError(
      "periods",
      period,
      counts.times <= period
        ? `horizons shorter than the time grid: it has ${counts.times} time(s), so no forward return ${
          periodLabel(period)
        } ahead exists`
        : `horizons at which some symbol with a factor value has a "${price}" ${
          periodLabel(period)
        } later (none has)`,
    );
  }
  for (const { period, icTimes, maxPairs } of counts.periods) {
    if (icTimes > 0) continue;
    throw new InvalidArgumentError(
      "minSymbols",
      minSymbols,
      maxPairs >= 2
        ? `at most ${maxPairs}: no time slice has more than ${maxPairs} symbols with a factor value and a ${
          periodLabel(period)
        } forward return`
        : `at least 2 symbols with a factor value and a ${
          periodLabel(period)
        } forward return in some time slice (none has more than ${maxPairs})`,
    );
  }
  if (counts.bucketedTimes === 0) {
    throw new InvalidArgumentError(
      "quantiles",
      quantiles,
      counts.maxFactorValues >= 2
        ? `at most ${counts.maxFactorValues}: no time slice has more than ${counts.maxFactorValues} factor values`
        : `at least 2 factor values in some time slice (none has more than ${counts.maxFactorValues})`,
    );
  }
  for (const { period, withForward } of counts.periods) {
    const loss = 1 - withForward / counts.factorRows;
    if (loss <= maxLoss) continue;
    const lost = (n: number, why: string) => n > 0 ? [`${n} ${why}`] : [];
    throw new InvalidArgumentError(
      "maxLoss",
      maxLoss,
      `a share >= ${percent(loss)}: ${
        counts.factorRows - withForward
      } of the factor's ${counts.factorRows} rows have no ${
        periodLabel(period)
      } forward return (${
        [
          ...lost(counts.factorRows - counts.onBars, "not on a price bar"),
          ...lost(
            counts.onBars - counts.withFactor - (counts.outOfUniverse ?? 0),
            "factor null",
          ),
          ...lost(counts.outOfUniverse ?? 0, "outside the universe"),
          ...lost(counts.withFactor - counts.withPrice, `no "${price}"`),
          ...lost(
            counts.withPrice - withForward,
            `no "${price}" ${periodLabel(period)} later`,
          ),
        ].join(", ")
      }); see analysis.coverage`,
    );
  }
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
