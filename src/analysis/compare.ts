/**
 * compareFactors: many factors evaluated in one pass and analysed side by
 * side: one tidy table of IC, IR, spread, turnover and coverage per factor
 * and period, and two correlation matrices (of the factors' values and of
 * their IC series).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { columnFactor } from "../factor/columns.ts";
import { forEachChunk } from "../factor/compute.ts";
import type { Factor } from "../factor/factor.ts";
import type { DataFrame } from "../polars.ts";
import { analyzeFactor, type AnalyzeOptions } from "./analyzer.ts";
import {
  factorOrFormula,
  refuseSink,
  withEvaluatedFactors,
} from "./evaluated.ts";
import { FactorComparison } from "./factor_comparison.ts";
import { densePanel, frameOf } from "./panel.ts";
import { averageRanks, pearson } from "./stats.ts";

/** Options of {@linkcode compareFactors}: those of `analyze` (but `sink`), applied to every factor. */
export type CompareOptions = Omit<AnalyzeOptions, "sink">;

/**
 * Compares factors (Factor objects or formulas over `agg`) on `agg`'s
 * forward returns. All factors are evaluated in one pass (sub-expressions
 * they share are computed once); each is then analysed exactly as
 * `factor.analyze(agg, options)` would (see {@linkcode analyzeFactor} for
 * the definitions).
 *
 * The result's `table` has one row per factor and period: `factor`,
 * `period`, `ic_mean`, `ic_std`, `ic_ir`, `ic_t`, `hit_rate`, `ic_n` (time
 * slices with a Spearman IC), `spread_bps` and `spread_t` (top minus
 * bottom quantile), `turnover` (mean share of the top and bottom
 * quantiles' names new after k bars) and `coverage` (share of the bars
 * with a factor value and a forward return), sorted by period, then |IR|
 * descending. Its `valueCorrelation` is the mean over time slices of the
 * cross-sectional Spearman correlation of two factors' values (over the
 * symbols with both, in slices with at least `minSymbols` of them), and
 * `icCorrelation` the Pearson correlation of two factors' Spearman IC
 * series per period (over the times both have an IC).
 *
 * @example
 * ```ts ignore
 * const comparison = await compareFactors(agg, {
 *   momentum: "cs_rank(ts_delta(close, 20))",
 *   reversal: "cs_rank(-ts_delta(close, 5))",
 * }, { periods: [1, 5] });
 * console.log(comparison.table.toString());
 * ```
 */
export async function compareFactors(
  agg: AggBar,
  factors: Record<string, Factor | string>,
  options: CompareOptions = {},
): Promise<FactorComparison> {
  if (factors === null || typeof factors !== "object") {
    throw new InvalidArgumentError(
      "factors",
      factors,
      "an object mapping names to Factors or formulas",
    );
  }
  refuseSink("compareFactors", options);
  const names = Object.keys(factors);
  if (names.length === 0) {
    throw new InvalidArgumentError("factors", factors, "at least one factor");
  }
  for (const name of names) {
    if (name === "factor" || name === "period") {
      throw new InvalidArgumentError(
        "factors",
        name,
        'names other than "factor" and "period" (the columns of the correlation tables)',
      );
    }
  }
  const parsed = names.map((name) =>
    factorOrFormula(agg, factors[name], `factors.${name}`)
  );
  const price = options.price ?? "close";
  return await withEvaluatedFactors(
    agg,
    parsed,
    price,
    async ({ bars, columns }) => {
      const rows: DataFrame[] = [];
      const ics: DataFrame[] = [];
      let settings;
      for (const [i, column] of columns.entries()) {
        const analysis = await analyzeFactor(
          columnFactor(bars, column),
          bars,
          options,
        ).catch((error) => {
          // Say which factor could not be analysed (the class stays).
          if (error instanceof Error) {
            error.message = `factors.${names[i]} (${
              parsed[i].name
            }): ${error.message}`;
          }
          throw error;
        });
        settings = analysis.settings;
        rows.push(summaryRows(names[i], analysis));
        ics.push(
          analysis.ic.select(
            pl.lit(names[i]).alias("factor"),
            "end_time",
            "period",
            "n",
            "spearman",
          ),
        );
      }
      const table = pl.concat(rows, { how: "vertical" })
        .withColumns(pl.col("ic_ir").abs().alias("order"))
        .sort(["period", "order"], [false, true], true)
        .drop("order");
      const ic = pl.concat(ics, { how: "vertical" });
      const minSymbols = settings!.minSymbols;
      return new FactorComparison(names, settings!, {
        table,
        ic,
        valueCorrelation: await valueCorrelation(
          bars,
          columns,
          names,
          minSymbols,
        ),
        icCorrelation: icCorrelation(ic, names, settings!.periods),
      });
    },
  );
}

/** One factor's rows of the comparison table. */
function summaryRows(
  name: string,
  analysis: Awaited<ReturnType<typeof analyzeFactor>>,
): DataFrame {
  const spearman = analysis.icSummary
    .filter(pl.col("method").eq(pl.lit("spearman")))
    .select(
      "period",
      pl.col("std").alias("ic_std"),
      "hit_rate",
      pl.col("n").alias("ic_n"),
    );
  const coverage = analysis.coverage;
  const barRows = coverage.getColumn("of").get(0) as number;
  const forward = coverage
    .filter(pl.col("step").eq(pl.lit("with a forward return")))
    .select(
      pl.col("period").cast(pl.Int32),
      (barRows > 0
        ? pl.col("kept").cast(pl.Float64).div(pl.lit(barRows))
        : pl.lit(null).cast(pl.Float64)).alias("coverage"),
    );
  return analysis.verdict
    .join(spearman, { on: "period", how: "left" })
    .join(forward, { on: "period", how: "left" })
    .select(
      pl.lit(name).alias("factor"),
      pl.col("period").cast(pl.Int32),
      "ic_mean",
      "ic_std",
      "ic_ir",
      "ic_t",
      "hit_rate",
      pl.col("ic_n").cast(pl.Int32),
      "spread_bps",
      "spread_t",
      "turnover",
      "coverage",
    );
}

/**
 * Mean over time slices of the cross-sectional Spearman correlation of
 * each pair of factors: `factor` and a column per factor.
 */
async function valueCorrelation(
  bars: AggBar,
  columns: string[],
  names: string[],
  minSymbols: number,
): Promise<DataFrame> {
  const F = columns.length, symbols = bars.symbols, N = symbols.length;
  const sums = new Float64Array(F * F), counts = new Uint32Array(F * F);
  const x = new Float64Array(N), y = new Float64Array(N);
  const rx = new Float64Array(N), ry = new Float64Array(N);
  const scratch = new Float64Array(N);
  // Per time slice, so bars kept in files are read a time chunk at a time.
  await forEachChunk(
    Object.fromEntries(columns.map((c) => [c, columnFactor(bars, c)])),
    (chunk) => {
      const panel = densePanel(chunk, columns, symbols);
      const T = panel.times.length;
      for (let a = 0; a < F; a++) {
        const va = panel.values[columns[a]];
        for (let b = a; b < F; b++) {
          const vb = panel.values[columns[b]];
          for (let i = 0; i < T; i++) {
            let n = 0;
            for (let s = 0; s < N; s++) {
              const c = i * N + s;
              if (!Number.isNaN(va[c]) && !Number.isNaN(vb[c])) {
                x[n] = va[c];
                y[n++] = vb[c];
              }
            }
            if (n < minSymbols) continue;
            averageRanks(x, n, rx, scratch);
            averageRanks(y, n, ry, scratch);
            const rho = pearson(rx, ry, n);
            if (!Number.isNaN(rho)) {
              sums[a * F + b] += rho;
              counts[a * F + b]++;
            }
          }
        }
      }
    },
  );
  const matrix = new Float64Array(F * F).fill(NaN);
  for (let a = 0; a < F; a++) {
    for (let b = a; b < F; b++) {
      const count = counts[a * F + b];
      matrix[a * F + b] = matrix[b * F + a] = count > 0
        ? sums[a * F + b] / count
        : NaN;
    }
  }
  return matrixFrame(names, matrix);
}

/**
 * Per period, the Pearson correlation of each pair of factors' Spearman
 * IC series over the times both have one: `period`, `factor` and a column
 * per factor.
 */
function icCorrelation(
  ic: DataFrame,
  names: string[],
  periods: readonly number[],
): DataFrame {
  const F = names.length;
  const parts = periods.map((k) => {
    const series = names.map((name) => {
      const rows = ic.filter(
        pl.col("period").eq(pl.lit(k)).and(pl.col("factor").eq(pl.lit(name)))
          .and(pl.col("spearman").isNotNull()),
      );
      const times = rows.getColumn("end_time").toArray() as number[];
      const values = rows.getColumn("spearman").toArray() as number[];
      return new Map(times.map((t, i) => [t, values[i]]));
    });
    const matrix = new Float64Array(F * F).fill(NaN);
    for (let a = 0; a < F; a++) {
      for (let b = a; b < F; b++) {
        const x: number[] = [], y: number[] = [];
        for (const [t, v] of series[a]) {
          const w = series[b].get(t);
          if (w !== undefined) {
            x.push(v);
            y.push(w);
          }
        }
        matrix[a * F + b] = matrix[b * F + a] = pearson(
          Float64Array.from(x),
          Float64Array.from(y),
          x.length,
        );
      }
    }
    return matrixFrame(names, matrix).select(
      pl.lit(k).cast(pl.Int32).alias("period"),
      pl.col("*"),
    );
  });
  return pl.concat(parts, { how: "vertical" });
}

/** A square matrix as a frame: `factor` and a column per name. */
function matrixFrame(names: string[], matrix: Float64Array): DataFrame {
  const F = names.length;
  return frameOf({
    factor: names,
    ...Object.fromEntries(
      names.map((name, b) => [
        name,
        Float64Array.from({ length: F }, (_, a) => matrix[a * F + b]),
      ]),
    ),
  });
}
