/**
 * The plan of a parameter sweep: which grid keys are factor parameters and
 * which are backtest options, every factor variant and every option
 * combination, and the per-variant metrics row that sweeps and
 * walk-forward runs reduce each backtest to.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { columnFactor } from "../factor/columns.ts";
import type { Factor } from "../factor/factor.ts";
import { closest } from "../options.ts";
import type { DataFrame } from "../polars.ts";
import { analyzeFactor, type AnalyzeOptions } from "./analyzer.ts";
import { backtest, BACKTEST_OPTIONS, type BacktestResult } from "./backtest.ts";
import type { BacktestOptions } from "./backtest_options.ts";
import { factorOrFormula } from "./evaluated.ts";

/** A parameter value of a sweep grid. */
export type ParamValue = number | string;

/** Parameter values by name. */
export type Params = Record<string, ParamValue>;

/**
 * A factor template: a formula with `{name}` placeholders
 * (`"cs_rank(-ts_delta(close, {n}))"`), or a function of the parameters
 * returning a Factor or a formula.
 */
export type SweepTemplate = string | ((params: Params) => Factor | string);

/** Values to try per parameter: the template's parameters and backtest options (`costBps`, `rebalance`, …). */
export type SweepGrid = Record<string, readonly ParamValue[]>;

/** Backtest options a grid may vary: all but the price, which the evaluation fixes. */
const GRID_OPTIONS: ReadonlySet<string> = new Set(
  Object.keys(BACKTEST_OPTIONS).filter((name) => name !== "price"),
);

/** A sweep's variants and option combinations. */
export interface SweepPlan {
  /** Grid keys the template reads, in grid order. */
  factorParams: string[];
  /** Grid keys that are backtest options, in grid order. */
  optionParams: string[];
  /** One factor per combination of the factor parameters. */
  variants: { params: Params; factor: Factor }[];
  /** Every combination of the backtest options in the grid (one empty one when none). */
  combos: Params[];
}

/** Every combination of `keys`' values in `grid`, the last key varying fastest. */
function product(keys: string[], grid: SweepGrid): Params[] {
  let out: Params[] = [{}];
  for (const key of keys) {
    out = out.flatMap((params) =>
      grid[key].map((value) => ({ ...params, [key]: value }))
    );
  }
  return out;
}

/**
 * Checks the grid against the template and builds every factor variant
 * (formulas parsed over `agg`).
 *
 * @example
 * ```ts ignore
 * const plan = planSweep(agg, "cs_rank(ts_delta(close, {n}))", { n: [5, 20], costBps: [0, 4] });
 * console.log(plan.variants.length, plan.combos.length); // 2 2
 * ```
 */
export function planSweep(
  agg: AggBar,
  template: SweepTemplate,
  grid: SweepGrid,
): SweepPlan {
  if (grid === null || typeof grid !== "object" || Array.isArray(grid)) {
    throw new InvalidArgumentError(
      "grid",
      grid,
      "an object mapping parameter names to arrays of values",
    );
  }
  const keys = Object.keys(grid);
  for (const key of keys) {
    if (RESERVED.has(key)) {
      throw new InvalidArgumentError(
        "grid",
        key,
        `a parameter name other than the result's columns (${
          [...RESERVED].join(", ")
        })`,
      );
    }
    const values = grid[key];
    if (
      !Array.isArray(values) || values.length === 0 ||
      !values.every((v) =>
        (typeof v === "number" && Number.isFinite(v)) || typeof v === "string"
      )
    ) {
      throw new InvalidArgumentError(
        `grid.${key}`,
        values,
        "a non-empty array of finite numbers or strings",
      );
    }
  }
  if (typeof template !== "string" && typeof template !== "function") {
    throw new InvalidArgumentError(
      "template",
      template,
      'a formula with {name} placeholders ("cs_rank(ts_delta(close, {n}))") or a function (params) => Factor',
    );
  }
  const isOption = (key: string) => GRID_OPTIONS.has(key);
  let factorParams: string[];
  if (typeof template === "string") {
    const placeholders = [
      ...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1])),
    ];
    for (const name of placeholders) {
      if (!keys.includes(name)) {
        throw new InvalidArgumentError(
          "grid",
          keys,
          `a key "${name}" with the values of the template's placeholder {${name}}`,
        );
      }
    }
    for (const key of keys) {
      if (!placeholders.includes(key) && !isOption(key)) {
        const known = [...placeholders, ...GRID_OPTIONS];
        const near = closest(key, known);
        throw new InvalidArgumentError(
          "grid",
          key,
          `a placeholder of the template (${
            placeholders.map((p) => `{${p}}`).join(", ") || "none"
          }) or a backtest option (${[...GRID_OPTIONS].join(", ")})${
            near ? ` (did you mean "${near}"?)` : ""
          }`,
        );
      }
    }
    factorParams = keys.filter((key) => placeholders.includes(key));
  } else {
    factorParams = keys.filter((key) => !isOption(key));
  }
  const optionParams = keys.filter((key) => !factorParams.includes(key));
  const variants = product(factorParams, grid).map((params) => {
    const made = typeof template === "string"
      ? template.replace(/\{(\w+)\}/g, (_, name) => String(params[name]))
      : template(params);
    return {
      params,
      factor: factorOrFormula(
        agg,
        made,
        `template(${JSON.stringify(params)})`,
      ),
    };
  });
  return {
    factorParams,
    optionParams,
    variants,
    combos: product(optionParams, grid),
  };
}

/** The metric columns of a sweep row, in table order. */
export const SWEEP_METRICS: readonly SweepMetric[] = [
  "sharpe",
  "annual_return",
  "total_return",
  "annual_volatility",
  "max_drawdown",
  "sortino",
  "calmar",
  "turnover",
];

/** The IC columns added when a sweep analyses its variants. */
export const IC_METRICS: readonly SweepMetric[] = ["ic_mean", "ic_ir", "ic_t"];

/** A metric a sweep can rank its rows by. */
export type SweepMetric =
  | "sharpe"
  | "annual_return"
  | "total_return"
  | "annual_volatility"
  | "max_drawdown"
  | "sortino"
  | "calmar"
  | "turnover"
  | "ic_mean"
  | "ic_ir"
  | "ic_t";

/** Metrics where less is better; for every other metric more is better. */
export const LOWER_IS_BETTER: ReadonlySet<SweepMetric> = new Set([
  "annual_volatility",
  "turnover",
]);

const RESERVED: ReadonlySet<string> = new Set([
  "factor",
  "bars",
  ...SWEEP_METRICS,
  ...IC_METRICS,
]);

/** One row of a sweep: parameters, the factor's name, metrics. */
export type SweepRow = Record<string, number | string | null>;

/**
 * Backtests (and, with `ic`, analyses) the variant of column `column` of
 * `bars` under each option combination, reducing each result to one row
 * of metrics as it finishes (`onResult` sees each result before it is
 * dropped).
 *
 * @example
 * ```ts ignore
 * const rows = await variantRows(bars, "#0", plan.variants[0].params, plan.combos, {}, undefined, "cs_rank(close)");
 * ```
 */
export async function variantRows(
  bars: AggBar,
  column: string,
  params: Params,
  combos: Params[],
  options: BacktestOptions,
  ic: Omit<AnalyzeOptions, "sink"> | undefined,
  name: string,
  onResult?: (result: BacktestResult) => void,
): Promise<SweepRow[]> {
  // Say which run an error came from (the class stays).
  const named = (run: Params) => (error: unknown) => {
    if (error instanceof Error) {
      error.message = `${name} ${JSON.stringify(run)}: ${error.message}`;
    }
    throw error;
  };
  const factor = columnFactor(bars, column);
  let icColumns: Record<string, number | null> = {};
  if (ic !== undefined) {
    const analysis = await analyzeFactor(factor, bars, ic).catch(named(params));
    const verdict = analysis.verdict.toRecords()[0];
    icColumns = {
      ic_mean: verdict.ic_mean as number | null,
      ic_ir: verdict.ic_ir as number | null,
      ic_t: verdict.ic_t as number | null,
    };
  }
  const rows: SweepRow[] = [];
  for (const combo of combos) {
    const result = await backtest(bars, factor, { ...options, ...combo })
      .catch(named({ ...params, ...combo }));
    onResult?.(result);
    const m = result.metrics;
    const turnover = result.returns.getColumn("turnover").mean() as
      | number
      | null;
    rows.push({
      ...params,
      ...combo,
      factor: name,
      sharpe: m.sharpe,
      annual_return: m.annualReturn,
      total_return: m.totalReturn,
      annual_volatility: m.annualVolatility,
      max_drawdown: m.maxDrawdown,
      sortino: m.sortino,
      calmar: m.calmar,
      turnover: m.bars > 0 ? turnover : null,
      bars: m.bars,
      ...icColumns,
    });
  }
  return rows;
}

/**
 * Sweep rows as a frame: parameter columns (Int32 when every value is an
 * integer, else Float64, or text), `factor`, the metrics (Float64) and
 * `bars` (Int32).
 *
 * @example
 * ```ts ignore
 * const table = rowsFrame(rows, ["n", "costBps"], true);
 * ```
 */
export function rowsFrame(
  rows: SweepRow[],
  params: string[],
  withIc: boolean,
): DataFrame {
  const column = (name: string) => rows.map((r) => r[name] ?? null);
  const paramSeries = params.map((name) => {
    const values = column(name);
    if (values.every((v) => typeof v === "number")) {
      return values.every((v) => Number.isSafeInteger(v))
        ? pl.Series(name, values as number[], pl.Int32)
        : pl.Series(name, values as number[], pl.Float64);
    }
    return pl.Series(name, values.map(String), pl.Utf8);
  });
  const metrics = [...SWEEP_METRICS, ...(withIc ? IC_METRICS : [])];
  return pl.DataFrame([
    ...paramSeries,
    pl.Series("factor", column("factor") as string[], pl.Utf8),
    ...metrics.map((name) =>
      pl.Series(
        name,
        column(name).map((v) =>
          typeof v === "number" && Number.isFinite(v) ? v : null
        ),
        pl.Float64,
      )
    ),
    pl.Series("bars", column("bars") as number[], pl.Int32),
  ]);
}
