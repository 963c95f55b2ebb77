/**
 * PanelAnalyzer: the analysis loops over dense time × symbol panels, fed a
 * time chunk at a time. Per-time values (ICs, quantile means, spreads) are
 * kept, so every summary is computed from the same values in the same order
 * as in one pass; what reaches across chunks is carried: the last
 * max(periods) time slices, whose forward returns need the next chunk's
 * prices, and the max(periods) slices before them, which turnover and rank
 * autocorrelation compare with. Analysed in chunks or at once, the tables
 * are the same, bit for bit.
 *
 * @module
 */
import pl from "nodejs-polars";
import { EPS } from "../factor/kernels.ts";
import { concatFrames, type DataFrame } from "../polars.ts";
import type { AnalysisTables } from "./factor_analysis.ts";
import type { CoverageCounts } from "./coverage.ts";
import { compoundedReturns, forwardReturns } from "./forward_returns.ts";
import { densePanel, frameOf, type Panel } from "./panel.ts";
import { FRAME_ROWS } from "./float64_buffer.ts";
import { newPeriodState, type PeriodState } from "./period_state.ts";
import { averageRanks, pearson, studentTwoSidedP } from "./stats.ts";

/** The settings the loops need (checked by the caller). */
export interface PanelSettings {
  /** Forward periods in grid steps, ascending, distinct. */
  periods: number[];
  /** Number of quantile buckets. */
  quantiles: number;
  /** Fewest symbols per time slice for an IC. */
  minSymbols: number;
  /** Whether quantile returns are relative to the cross-section's mean. */
  demeaned: boolean;
  /**
   * What the `price` column holds: prices (forward return = price(t+k) /
   * price(t) − 1) or per-bar returns (forward return = Π (1 + r) over the
   * k bars after t, − 1).
   * @default "price"
   */
  forwardFrom?: "price" | "returns";
  /**
   * Rows carry a `universe` column: where it is not a non-zero number the
   * factor counts as null, and the values so hidden are counted.
   * @default false
   */
  universe?: boolean;
  /**
   * How many per-time values are buffered before they move into a frame.
   * @default FRAME_ROWS (262,144)
   */
  frameRows?: number;
}

/** The tables an analyzer reduces to (factor rows go out chunk by chunk). */
export type ReducedTables = Omit<AnalysisTables, "factorData" | "coverage">;

/**
 * Analyses rows `end_time, symbol, factor, price` (sorted or not; one row
 * per end_time and symbol) pushed in time order: `push` each chunk (it
 * returns the per-bar rows of the time slices it could finish), then
 * `finish` for the last rows and the tables.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { PanelAnalyzer } from "./panel_analyzer.ts";
 * const analyzer = new PanelAnalyzer(["A", "B", "C"], { periods: [1], quantiles: 3, minSymbols: 3, demeaned: true });
 * const rows = pl.DataFrame({
 *   end_time: [1, 1, 1, 2, 2, 2],
 *   symbol: ["A", "B", "C", "A", "B", "C"],
 *   factor: [1, 2, 3, 1, 2, 3],
 *   price: [10, 10, 10, 9, 10, 11],
 * });
 * const first = analyzer.push(rows);
 * const { tables, rows: last } = analyzer.finish();
 * console.log(first.height + last.height, tables.ic.getColumn("spearman").get(0)); // 6 1
 * ```
 */
export class PanelAnalyzer {
  readonly #symbols: readonly string[];
  readonly #settings: PanelSettings;
  /** Largest period: how far forward returns look and turnover looks back. */
  readonly #reach: number;
  readonly #periods: PeriodState[];
  readonly #counts: CoverageCounts;
  /**
   * The per-time tables' rows so far, as frames moved out of the buffers
   * (see `#flush`): per period for `ic` and `longShort`, per period and
   * quantile for `quantileCumulative` (their order in the tables).
   */
  readonly #parts: {
    ic: DataFrame[][];
    longShort: DataFrame[][];
    quantileCumulative: DataFrame[][][];
  };
  /** Rows of the slices carried into the next chunk. */
  #carry: DataFrame | undefined;
  /** Of the carried slices, how many were analysed already (look-back only). */
  #carriedDone = 0;
  /** Grid index of the first carried slice. */
  #offset = 0;

  /** An analyzer over `symbols` (sorted; every chunk's symbols among them). */
  constructor(symbols: readonly string[], settings: PanelSettings) {
    this.#symbols = symbols;
    this.#settings = settings;
    this.#reach = Math.max(...settings.periods);
    const Q = settings.quantiles;
    this.#counts = {
      factorRows: 0,
      onBars: 0,
      ...(settings.universe ? { outOfUniverse: 0 } : {}),
      withFactor: 0,
      withPrice: 0,
      times: 0,
      bucketedTimes: 0,
      maxFactorValues: 0,
      periods: [],
    };
    this.#periods = settings.periods.map((k) => {
      const counts = { period: k, withForward: 0, icTimes: 0, maxPairs: 0 };
      this.#counts.periods.push(counts);
      return newPeriodState(k, counts, Q);
    });
    this.#parts = {
      ic: this.#periods.map(() => []),
      longShort: this.#periods.map(() => []),
      quantileCumulative: this.#periods.map(() =>
        Array.from({ length: Q + 1 }, () => [])
      ),
    };
  }

  /**
   * Adds a chunk of rows (times after every earlier chunk's); returns the
   * per-bar rows (`end_time, symbol, factor, quantile, fwd_{k}`) of the
   * time slices whose forward returns are now known. With `last`, every
   * slice is finished and `finish` only builds the tables.
   */
  push(chunk: DataFrame, last = false): DataFrame {
    const rows = this.#carry === undefined || this.#carry.height === 0
      ? chunk
      : pl.concat([this.#carry, chunk], { how: "vertical" });
    this.#carry = undefined;
    const panel = densePanel(
      rows,
      this.#settings.universe
        ? ["factor", "price", "universe"]
        : ["factor", "price"],
      this.#symbols,
    );
    const T = panel.times.length;
    const from = this.#carriedDone;
    const to = last ? T : Math.max(from, T - this.#reach);
    const out = this.#analyse(panel, from, to);
    this.#flush(false);
    if (!last) {
      const keep = Math.max(0, to - this.#reach);
      this.#carry = panel.rows.slice(
        rowAt(panel, keep),
        panel.rows.height - rowAt(panel, keep),
      );
      this.#carriedDone = to - keep;
      this.#offset += keep;
    }
    return out;
  }

  /**
   * Finishes the carried slices and reduces everything to the tables and
   * the coverage counts; `rows` are the last per-bar rows.
   */
  finish(): {
    tables: ReducedTables;
    counts: CoverageCounts;
    rows: DataFrame | undefined;
  } {
    const rows = this.#carry === undefined
      ? undefined
      : this.push(this.#carry.clear(), true);
    return { tables: this.#tables(), counts: this.#counts, rows };
  }

  /** Analyses the panel's time slices [from, to); returns their rows. */
  #analyse(panel: Panel, from: number, to: number): DataFrame {
    const { quantiles: Q, minSymbols, demeaned } = this.#settings;
    const T = panel.times.length, N = this.#symbols.length;
    const factor = panel.values.factor;
    const price = panel.values.price;
    // With returns, no value is needed at t itself: only after it.
    const fromReturns = this.#settings.forwardFrom === "returns";
    const kept = this.#counts;
    const firstRow = rowAt(panel, from), endRow = rowAt(panel, to);
    const member = panel.values.universe;
    if (member) {
      for (let c = 0; c < factor.length; c++) {
        if (member[c] !== 0 && !Number.isNaN(member[c])) continue;
        if (!Number.isNaN(factor[c]) && c >= from * N && c < to * N) {
          kept.outOfUniverse!++;
        }
        factor[c] = NaN;
      }
    }
    kept.factorRows += endRow - firstRow;
    kept.onBars += endRow - firstRow;
    kept.times += to - from;

    // Per time: cross-sectional average ranks and quantiles of the factor,
    // from the earliest slice turnover looks back to.
    const lookBack = Math.max(0, from - this.#reach);
    const ranks = new Float64Array(T * N).fill(NaN);
    const bucket = new Uint16Array(T * N);
    const bucketed = new Uint8Array(T);
    const x = new Float64Array(N), y = new Float64Array(N);
    const rx = new Float64Array(N), ry = new Float64Array(N);
    const scratch = new Float64Array(N);
    const where = new Uint32Array(N);
    for (let i = lookBack; i < to; i++) {
      const counted = i >= from;
      let m = 0;
      for (let s = 0; s < N; s++) {
        const v = factor[i * N + s];
        if (!Number.isNaN(v)) {
          x[m] = v;
          where[m++] = s;
        }
      }
      averageRanks(x, m, rx, scratch);
      for (let j = 0; j < m; j++) {
        const c = i * N + where[j];
        ranks[c] = rx[j];
        if (counted && (fromReturns || price[c] > 0)) kept.withPrice++;
      }
      if (counted) {
        kept.withFactor += m;
        if (m > kept.maxFactorValues) kept.maxFactorValues = m;
      }
      if (m >= Q && m > 0) {
        if (counted) kept.bucketedTimes++;
        bucketed[i] = 1;
        for (let j = 0; j < m; j++) {
          bucket[i * N + where[j]] = Math.floor(Q * (rx[j] - 0.5) / m) + 1;
        }
      }
    }

    const sums = new Float64Array(Q + 1), counts = new Uint32Array(Q + 1);
    const quantileNow = new Float64Array(Q + 1);
    const fwd = this.#periods.map((state) => {
      const { k } = state;
      const f = fromReturns
        ? compoundedReturns(price, N, k)
        : forwardReturns(price, N, k);
      const periodCounts = state.counts;
      for (let i = from; i < to; i++) {
        let n = 0;
        let sameAsRanked = true;
        for (let s = 0; s < N; s++) {
          const c = i * N + s;
          const fv = factor[c];
          if (Number.isNaN(fv)) continue;
          const r = f[c];
          if (Number.isNaN(r)) {
            sameAsRanked = false;
            continue;
          }
          x[n] = fv;
          y[n] = r;
          // The factor's ranks over all present symbols are the pairs'
          // ranks when every present symbol has a forward return.
          rx[n] = ranks[c];
          n++;
        }
        periodCounts.withForward += n;
        if (n > periodCounts.maxPairs) periodCounts.maxPairs = n;
        if (n >= minSymbols) {
          periodCounts.icTimes++;
          if (!sameAsRanked) averageRanks(x, n, rx, scratch);
          averageRanks(y, n, ry, scratch);
          const rho = pearson(rx, ry, n), r = pearson(x, y, n);
          state.ic.end_time.push(panel.times[i]);
          state.ic.n.push(n);
          state.ic.spearman.push(rho);
          state.ic.pearson.push(r);
          state.spearman.add(rho);
          state.pearson.add(r);
        }
        quantileNow.fill(NaN);
        let spread = NaN;
        if (bucketed[i]) {
          sums.fill(0);
          counts.fill(0);
          for (let s = 0; s < N; s++) {
            const c = i * N + s, q = bucket[c], r = f[c];
            if (q > 0 && !Number.isNaN(r)) {
              sums[q] += r;
              counts[q]++;
            }
          }
          let all = 0, allCount = 0;
          for (let q = 1; q <= Q; q++) {
            all += sums[q];
            allCount += counts[q];
          }
          const market = demeaned && allCount > 0 ? all / allCount : 0;
          for (let q = 1; q <= Q; q++) {
            if (counts[q] > 0) {
              const value = sums[q] / counts[q] - market;
              quantileNow[q] = value;
              state.quantileMeans[q].add(value);
            }
          }
          if (counts[1] > 0 && counts[Q] > 0) {
            spread = sums[Q] / counts[Q] - sums[1] / counts[1];
          }
        }
        state.spread.add(spread);
        // Non-overlapping steps every k slices of the whole grid, each
        // ending k slices later (so the last ones need that slice).
        if ((this.#offset + i) % k === 0 && i + k <= T - 1) {
          const end = panel.times[i + k];
          if (!Number.isNaN(spread)) state.growth *= 1 + spread;
          const steps = state.steps;
          steps.end_time.push(end);
          steps.spread.push(spread);
          steps.cumulative.push(state.growth);
          for (let q = 1; q <= Q; q++) {
            const step = quantileNow[q];
            if (!Number.isNaN(step)) state.quantileGrowth[q] *= 1 + step;
            steps.quantileReturn[q].push(step);
            steps.quantileCumulative[q].push(state.quantileGrowth[q]);
          }
        }
      }

      // Turnover and rank autocorrelation against k slices earlier (the
      // carried look-back holds them: `from` ≥ the reach after a chunk).
      const left = new Float64Array(Q + 1), total = new Float64Array(Q + 1);
      for (let i = Math.max(from, k); i < to; i++) {
        if (bucketed[i] && bucketed[i - k]) {
          left.fill(0);
          total.fill(0);
          for (let s = 0; s < N; s++) {
            const q = bucket[i * N + s];
            if (q === 0) continue;
            total[q]++;
            if (bucket[(i - k) * N + s] !== q) left[q]++;
          }
          for (let q = 1; q <= Q; q++) {
            if (total[q] > 0) {
              state.turnoverSums[q] += left[q] / total[q];
              state.turnoverCounts[q]++;
            }
          }
        }
        let n = 0;
        for (let s = 0; s < N; s++) {
          const now = ranks[i * N + s], before = ranks[(i - k) * N + s];
          if (!Number.isNaN(now) && !Number.isNaN(before)) {
            x[n] = now;
            y[n++] = before;
          }
        }
        if (n >= minSymbols) {
          const r = pearson(x, y, n);
          state.autocorrelation.add(r);
        }
      }
      return f;
    });

    const rows = endRow - firstRow;
    const quantile = new Float64Array(rows);
    const forward = fwd.map(() => new Float64Array(rows));
    for (let r = 0; r < rows; r++) {
      const c = panel.cells[firstRow + r];
      quantile[r] = bucket[c] || NaN;
      for (let p = 0; p < fwd.length; p++) forward[p][r] = fwd[p][c];
    }
    const inUniverse = pl.col("universe").fillNull(0).fillNan(0).neq(0);
    return pl.concat([
      panel.rows.slice(firstRow, rows).select(
        "end_time",
        "symbol",
        member
          ? pl.when(inUniverse).then(pl.col("factor")).otherwise(pl.lit(null))
            .alias("factor")
          : pl.col("factor"),
      ),
      frameOf({
        quantile,
        ...Object.fromEntries(
          this.#periods.map(({ k }, p) => [`fwd_${k}`, forward[p]]),
        ),
      }).withColumns(pl.col("quantile").cast(pl.Int32)),
    ], { how: "horizontal" });
  }

  /**
   * Moves the per-time series buffered since the last flush into frames
   * once they hold {@linkcode FRAME_ROWS} values (or any, when `always`):
   * a year of them is millions of rows, kept once, natively and typed,
   * instead of as buffers copied into tables at the end. (Flushing after
   * every chunk made 4,400 small frames in a year of 1-minute bars, and the
   * process grew by about 300 MiB more.)
   */
  #flush(always: boolean): void {
    const Q = this.#settings.quantiles;
    const frameRows = this.#settings.frameRows ?? FRAME_ROWS;
    this.#periods.forEach((state, p) => {
      const { k, ic, steps } = state;
      const period = (n: number) => new Int32Array(n).fill(k);
      if (always || ic.n.length >= frameRows) {
        this.#parts.ic[p].push(typed(
          frameOf({
            end_time: ic.end_time.toArray(),
            period: period(ic.n.length),
            n: ic.n.toArray(),
            spearman: ic.spearman.toArray(),
            pearson: ic.pearson.toArray(),
          }),
          "n",
        ));
        Object.values(ic).forEach((buffer) => buffer.clear());
      }
      const n = steps.end_time.length;
      if (!always && n < frameRows) return;
      const end = steps.end_time.toArray();
      this.#parts.longShort[p].push(typed(frameOf({
        end_time: end,
        period: period(n),
        spread: steps.spread.toArray(),
        cumulative: steps.cumulative.toArray(),
      })));
      for (let q = 1; q <= Q; q++) {
        this.#parts.quantileCumulative[p][q].push(typed(frameOf({
          end_time: end,
          period: period(n),
          quantile: new Int32Array(n).fill(q),
          return: steps.quantileReturn[q].toArray(),
          cumulative: steps.quantileCumulative[q].toArray(),
        })));
        steps.quantileReturn[q].clear();
        steps.quantileCumulative[q].clear();
      }
      for (const buffer of [steps.end_time, steps.spread, steps.cumulative]) {
        buffer.clear();
      }
    });
  }

  /** The summaries and per-time tables, in period order. */
  #tables(): ReducedTables {
    const Q = this.#settings.quantiles;
    const periods = this.#periods;
    const icSummary = emptyColumns(
      "period method n mean std ir t_stat p_value hit_rate",
    );
    const quantileReturns = emptyColumns("period quantile mean std n");
    const spread = emptyColumns("period mean std t_stat n");
    const turnover = emptyColumns("period quantile mean n");
    const autocorrelation = emptyColumns("period mean n");
    const decay = emptyColumns("period spearman pearson");
    for (const state of periods) {
      const { k } = state;
      for (const method of ["spearman", "pearson"] as const) {
        const running = state[method];
        const m = running.moments();
        const stats = tStatistics(m);
        append(icSummary, {
          period: [k],
          method: [method],
          n: [m.n],
          mean: [m.mean],
          std: [m.std],
          ir: [stats.ir],
          t_stat: [stats.t],
          p_value: [stats.p],
          hit_rate: [m.n > 0 ? running.positive / m.n : NaN],
        });
      }
      append(decay, {
        period: [k],
        spearman: [state.spearman.moments().mean],
        pearson: [state.pearson.moments().mean],
      });
      for (let q = 1; q <= Q; q++) {
        const m = state.quantileMeans[q].moments();
        append(quantileReturns, {
          period: [k],
          quantile: [q],
          mean: [m.mean],
          std: [m.std],
          n: [m.n],
        });
      }
      const s = state.spread.moments();
      append(spread, {
        period: [k],
        mean: [s.mean],
        std: [s.std],
        t_stat: [tStatistics(s).t],
        n: [s.n],
      });
      for (let q = 1; q <= Q; q++) {
        const n = state.turnoverCounts[q];
        append(turnover, {
          period: [k],
          quantile: [q],
          mean: [n > 0 ? state.turnoverSums[q] / n : NaN],
          n: [n],
        });
      }
      const a = state.autocorrelation.moments();
      append(autocorrelation, { period: [k], mean: [a.mean], n: [a.n] });
    }
    this.#flush(true);
    const stacked = (parts: DataFrame[][]) =>
      concatFrames(parts.flat(), { rechunk: false });
    return {
      ic: stacked(this.#parts.ic),
      icSummary: typed(frameOf(icSummary), "period", "n"),
      quantileReturns: typed(
        frameOf(quantileReturns),
        "period",
        "quantile",
        "n",
      ),
      quantileCumulative: stacked(
        this.#parts.quantileCumulative.flatMap((quantiles) =>
          quantiles.slice(1)
        ),
      ),
      spread: typed(frameOf(spread), "period", "n"),
      longShort: stacked(this.#parts.longShort),
      turnover: typed(frameOf(turnover), "period", "quantile", "n"),
      rankAutocorrelation: typed(frameOf(autocorrelation), "period", "n"),
      icDecay: typed(frameOf(decay), "period"),
    };
  }
}

/** The first row of the panel at time slice `i` or later (rows are sorted). */
function rowAt(panel: Panel, i: number): number {
  const cell = i * panel.symbols.length;
  const cells = panel.cells;
  let lo = 0, hi = cells.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cells[mid] < cell) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Empty columns named by a space-separated list. */
function emptyColumns(names: string): Record<string, unknown[]> {
  return Object.fromEntries(names.split(" ").map((name) => [name, []]));
}

/** Appends each column's values (`columns` names a subset's worth of each). */
function append(
  table: Record<string, unknown[]>,
  columns: Record<string, readonly unknown[]>,
): void {
  for (const [name, values] of Object.entries(columns)) {
    const target = table[name];
    for (const v of values) target.push(v);
  }
}

/** IR, t-statistic and two-sided p-value of a mean (null rules as documented). */
function tStatistics(m: { n: number; mean: number; std: number }) {
  if (m.n < 2 || !(m.std > EPS)) return { ir: NaN, t: NaN, p: NaN };
  const ir = m.mean / m.std;
  const t = ir * Math.sqrt(m.n);
  return { ir, t, p: studentTwoSidedP(t, m.n - 1) };
}

/** Casts the count and key columns to Int32 and times to Int64. */
function typed(frame: DataFrame, ...integers: string[]): DataFrame {
  return frame.withColumns(
    ...integers.map((name) => pl.col(name).cast(pl.Int32)),
    ...(frame.columns.includes("end_time")
      ? [pl.col("end_time").cast(pl.Int64)]
      : []),
  );
}
