/**
 * Many factors evaluated once, kept as columns of an AggBar: the shared
 * first step of comparisons, sweeps and walk-forward runs. Each factor is
 * then analysed or backtested as a plain column of that AggBar, so the
 * expensive evaluation (rolling windows, ranks) happens in one pass over
 * the shared sub-expressions, while the analysis and the backtest are
 * exactly those of `analyze` and `backtest`.
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { columnFactor } from "../factor/columns.ts";
import { computeFactors, sinkFactors } from "../factor/compute.ts";
import { Factor } from "../factor/factor.ts";
import { type FormulaOptions, parseFormula } from "../factor/formula.ts";

/** The columns a bar's dollar volume is read from. */
const DOLLAR_VOLUME = ["volume", "vwap"];

/** Factors evaluated into columns `#0`, `#1`, … of `bars`, next to the price column (and volume and vwap). */
export interface EvaluatedFactors {
  /** The bars' keys, the price column and one column per factor. */
  bars: AggBar;
  /** The column of each factor, in input order. */
  columns: string[];
}

/**
 * A Factor, or a formula over `agg` parsed into one; `argument` names the
 * value in errors.
 *
 * @example
 * ```ts ignore
 * const factor = factorOrFormula(agg, "cs_rank(close)", "factors.a");
 * ```
 */
export function factorOrFormula(
  agg: AggBar,
  value: unknown,
  argument: string,
  options: FormulaOptions = {},
): Factor {
  if (typeof value === "string") return parseFormula(value, agg, options);
  if (!(value instanceof Factor)) {
    throw new InvalidArgumentError(
      argument,
      value,
      "a Factor or a formula string",
    );
  }
  return value;
}

/**
 * Evaluates `factors`, `agg`'s `price` column (when given) and its
 * `volume` and `vwap` columns (when present) in one pass
 * (see `agg.compute`) into an AggBar with `agg`'s bar spec, so that each
 * factor is a column factor of it: `bars.get(columns[i])`.
 *
 * @example
 * ```ts ignore
 * const { bars, columns } = await evaluateFactors(agg, [mom, rev], "close");
 * const analysis = await bars.get(columns[0]).analyze(bars);
 * ```
 */
export async function evaluateFactors(
  agg: AggBar,
  factors: readonly Factor[],
  price?: string,
): Promise<EvaluatedFactors> {
  const { named, columns } = evaluationOf(agg, factors, price);
  return {
    bars: new AggBar(await computeFactors(named), { ...agg.metadata }),
    columns,
  };
}

/**
 * Runs `use` on `factors` evaluated as by {@linkcode evaluateFactors}; for
 * bars kept in files ({@linkcode AggBar.scan}) the values are written a
 * time chunk at a time to a temporary Parquet file, read back as bars kept
 * in that file (so a sweep over a year holds a chunk, not every variant's
 * every value), and the file is removed once `use` settles.
 *
 * @example
 * ```ts ignore
 * const rows = await withEvaluatedFactors(agg, [mom, rev], "close", ({ bars, columns }) =>
 *   bars.get(columns[0]).analyze(bars));
 * ```
 */
export async function withEvaluatedFactors<T>(
  agg: AggBar,
  factors: readonly Factor[],
  price: string,
  use: (evaluated: EvaluatedFactors) => Promise<T>,
): Promise<T> {
  if (!agg.streamed) {
    return await use(await evaluateFactors(agg, factors, price));
  }
  const { named, columns } = evaluationOf(agg, factors, price);
  const dir = await Deno.makeTempDir({ prefix: "factorium-evaluated-" });
  try {
    const path = `${dir}/factors.parquet`;
    // The values keep the bars' chunk length (when they have one).
    const chunk = agg.rows().chunkMs;
    await sinkFactors(named, path, chunk);
    return await use({
      bars: AggBar.scan([path], {
        metadata: { ...agg.metadata },
        ...(chunk === undefined ? {} : { chunk }),
      }),
      columns,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The factors to evaluate by name (`#0`, `#1`, … and the carried bar
 * columns), after checking `price`.
 */
function evaluationOf(
  agg: AggBar,
  factors: readonly Factor[],
  price: string | undefined,
): { named: Record<string, Factor>; columns: string[] } {
  if (
    price !== undefined &&
    (typeof price !== "string" || !agg.cols.includes(price))
  ) {
    throw new InvalidArgumentError(
      "price",
      price,
      `a column of the AggBar (${agg.cols.join(", ")})`,
    );
  }
  const columns = factors.map((_, i) => `#${i}`);
  // What universe rules and the impact model read (volume × vwap) goes
  // along, so runs on these bars take those options as on `agg`.
  const carried = [
    ...(price === undefined ? [] : [price]),
    ...DOLLAR_VOLUME.filter((c) => c !== price && agg.cols.includes(c)),
  ];
  return {
    named: {
      ...Object.fromEntries(columns.map((column, i) => [column, factors[i]])),
      ...Object.fromEntries(carried.map((c) => [c, columnFactor(agg, c)])),
    },
    columns,
  };
}

/**
 * A factor holding computed values: `values` (one per row of `bars`, in
 * its row order; NaN = null) as the column `name` of a new AggBar with
 * `bars`' keys and bar spec. It joins other AggBars' factors on
 * (start_time, end_time, symbol) like any factor of another AggBar.
 *
 * @example
 * ```ts ignore
 * const factor = valuesFactor(bars, new Float64Array(bars.length), "zero");
 * ```
 */
export function valuesFactor(
  bars: AggBar,
  values: Float64Array,
  name: string,
): Factor {
  const frame = bars.toPolars().select("start_time", "end_time", "symbol")
    .withColumns(pl.Series(name, values))
    .withColumns(pl.col(name).fillNan(null));
  return columnFactor(new AggBar(frame, { ...bars.metadata }), name);
}

/**
 * Refuses analysis options with a `sink`: many factors analysed with the
 * same options would each overwrite the one file.
 *
 * @example
 * ```ts ignore
 * refuseSink("compareFactors", options);
 * ```
 */
export function refuseSink(where: string, options: object): void {
  const sink = (options as { sink?: unknown } | null)?.sink;
  if (sink !== undefined) {
    throw new InvalidArgumentError(
      `${where} sink`,
      sink,
      "no sink: every factor's analysis would overwrite the one file (analyse a factor alone to sink its rows)",
    );
  }
}
