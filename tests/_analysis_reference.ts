/**
 * Plain-loop reference for the analyzer, the backtester and the metrics
 * (scratch/analysis_spec.md).
 *
 * This file is test support only. It is deliberately slow and simple: rows are
 * plain objects, every table is built by looping over the grid and the
 * symbols, every statistic is computed from scratch from a fresh array (two
 * passes for variances: first the mean, then the squared deviations), and
 * every step carries a comment naming the rule of the spec it implements.
 * No Polars, no typed-array tricks, no running sums.
 *
 * Conventions of this file (on top of the spec):
 *   - "Present" = a finite number. Absent values are returned as null, never
 *     NaN; every number returned is turned from -0 into 0.
 *   - One row per (end_time, symbol) is required: a duplicate throws.
 *   - `periods` is de-duplicated and sorted ascending (tables are sorted by
 *     period).
 *   - The `forward` and `quantile` maps have one key per INPUT row
 *     (`${period}|${end_time}|${symbol}` and `${end_time}|${symbol}`); a
 *     (time, symbol) without a row has no price and no factor, so its forward
 *     return and quantile are absent anyway.
 */

/** EPS of the spec. */
export const EPS = 1e-10;

/** One input row. For the backtester `factor` is the signal. */
export interface RefRow {
  end_time: number;
  symbol: string;
  factor: number | null;
  price: number | null;
  /** The bar's dollar volume (the backtester's impact model reads it). */
  dollar_volume?: number | null;
  /** A universe Factor's value at the bar (non-zero and present = tradable). */
  universe?: number | null;
}

/**
 * A universe rule: at grid i, the `top` symbols with a price at i, not in
 * `exclude`, whose first row with a price or a dollar volume ended at or
 * before grid[i] − minHistoryMs, ranked by Σ dollar_volume (absent = 0)
 * of their rows with end_time in (grid[i] − windowMs, grid[i]],
 * descending, ties by symbol.
 */
export interface RefUniverseRule {
  top: number;
  windowMs: number;
  minHistoryMs: number;
  exclude: string[];
}

/** Options of referenceAnalysis. */
export interface RefAnalysisOptions {
  periods: number[];
  quantiles: number;
  minSymbols: number;
  /** Quantile returns minus the time slice's mean over all bucketed symbols (default true). */
  demeaned?: boolean;
  /**
   * `price` holds per-bar returns: fwd_k(s, i) = (1 + r(s,i+1)) … (1 +
   * r(s,i+k)) − 1, absent when any of them is (default false).
   */
  returns?: boolean;
}

/** Row of the `ic` table. */
export interface RefIcRow {
  end_time: number;
  period: number;
  n: number;
  spearman: number | null;
  pearson: number | null;
}

/** Row of the `icSummary` table. */
export interface RefIcSummaryRow {
  period: number;
  method: "spearman" | "pearson";
  n: number;
  mean: number | null;
  std: number | null;
  ir: number | null;
  t_stat: number | null;
  p_value: number | null;
  hit_rate: number | null;
}

/** Row of the `quantileReturns` table. */
export interface RefQuantileReturnRow {
  period: number;
  quantile: number;
  mean: number | null;
  std: number | null;
  n: number;
}

/** Row of the `spread` table. */
export interface RefSpreadRow {
  period: number;
  mean: number | null;
  std: number | null;
  t_stat: number | null;
  n: number;
}

/** Row of the `longShort` table. */
export interface RefLongShortRow {
  end_time: number;
  period: number;
  spread: number | null;
  cumulative: number;
}

/** Row of the `quantileCumulative` table. */
export interface RefQuantileCumulativeRow {
  end_time: number;
  period: number;
  quantile: number;
  return: number | null;
  cumulative: number;
}

/** Row of the `turnover` table. */
export interface RefTurnoverRow {
  period: number;
  quantile: number;
  mean: number | null;
  n: number;
}

/** Row of the `rankAutocorrelation` table. */
export interface RefRankAutocorrelationRow {
  period: number;
  mean: number | null;
  n: number;
}

/** Row of the `icDecay` table. */
export interface RefIcDecayRow {
  period: number;
  spearman: number | null;
  pearson: number | null;
}

/** Everything referenceAnalysis computes. */
export interface RefAnalysis {
  /** Forward returns keyed `${period}|${end_time}|${symbol}`. */
  forward: Map<string, number | null>;
  /** Quantiles keyed `${end_time}|${symbol}`. */
  quantile: Map<string, number | null>;
  ic: RefIcRow[];
  icSummary: RefIcSummaryRow[];
  quantileReturns: RefQuantileReturnRow[];
  spread: RefSpreadRow[];
  longShort: RefLongShortRow[];
  quantileCumulative: RefQuantileCumulativeRow[];
  turnover: RefTurnoverRow[];
  rankAutocorrelation: RefRankAutocorrelationRow[];
  icDecay: RefIcDecayRow[];
}

/** Options of referenceBacktest (all required here; no defaults). */
export interface RefBacktestOptions {
  normalize: "raw" | "rank" | "zscore" | "minmax";
  allocate: "market-neutral" | "long-only" | "top-n";
  topN: number;
  gross: number;
  maxPosition: number;
  maxNet: number;
  costBps: number;
  lag: number;
  /**
   * Decision times: every n-th grid index (a number), or grid times that
   * are multiples of a duration ("30m", "1h", "1d"). Default: every index.
   */
  rebalance?: number | string;
  /**
   * Funding settlements. The held bar j spans [grid[j-1], grid[j]); each
   * settlement of s at t in that span charges −h(s,j) · rate to the bar's
   * return. Rows then carry `funding`.
   */
  funding?: RefSettlement[];
  /**
   * Square-root impact: trading Δ(s) = |h(s,j) − h̃(s,j−1)| at the close of
   * grid j−1 costs Δ · coefficient/1e4 · √min(1, Δ · E(j−1) · capital /
   * DV(s, j−1)), DV the row's `dollar_volume` (absent or ≤ 0: √1).
   */
  impact?: { coefficient: number; capital: number };
  /** Only symbols in this universe are eligible (see RefUniverseRule); `"factor"`: the rows' `universe` values. */
  universe?: RefUniverseRule | "factor";
}

/**
 * `backtest()`'s documented defaults written as reference options, for
 * tests to spread and override (the reference itself takes no defaults).
 */
export const BACKTEST_DEFAULTS: RefBacktestOptions = {
  normalize: "rank",
  allocate: "market-neutral",
  topN: 5,
  gross: 1,
  maxPosition: Infinity,
  maxNet: Infinity,
  costBps: 0,
  lag: 1,
};

/** One funding settlement. */
export interface RefSettlement {
  symbol: string;
  funding_time: number;
  funding_rate: number;
}

/** Row of the backtest `returns` table. */
export interface RefBacktestReturnRow {
  end_time: number;
  gross_return: number;
  cost: number;
  /** Only when funding settlements are given. */
  funding?: number;
  return: number;
  turnover: number;
  gross_exposure: number;
  net_exposure: number;
  equity: number;
  drawdown: number;
}

/** Row of the backtest `weights` table. */
export interface RefBacktestWeightRow {
  end_time: number;
  symbol: string;
  weight: number;
}

/** Result of referenceBacktest. */
export interface RefBacktest {
  returns: RefBacktestReturnRow[];
  weights: RefBacktestWeightRow[];
  /** Held bars whose weights were decided (not drifted). */
  rebalances: number;
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/** "Present" = a finite number. */
function isPresent(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Turns -0 into 0 (so that results compare cleanly with deepEqual). */
function clean(v: number): number {
  return v === 0 ? 0 : v;
}

/** Same as clean, null stays null, non-finite becomes null. */
function cleanOrNull(v: number | null): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return clean(v);
}

/** Plain arithmetic mean (caller guarantees values.length > 0). */
function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (ddof 1), two-pass; null when fewer than 2. */
function sampleStd(values: number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

/**
 * Average rank of each value (spec "Common input"): sorted ascending, ranks
 * 1..m, ties get the mean of their positions. The tied group of v occupies
 * positions L+1 .. L+E (L = #values < v, E = #values == v), whose mean is
 * L + (E + 1) / 2.
 */
export function averageRanks(values: number[]): number[] {
  const ranks: number[] = [];
  for (const v of values) {
    let less = 0;
    let equal = 0;
    for (const u of values) {
      if (u < v) less++;
      else if (u === v) equal++;
    }
    ranks.push(less + (equal + 1) / 2);
  }
  return ranks;
}

/**
 * Pearson correlation (spec "Common input"):
 * r = Σ(x-x̄)(y-ȳ) / sqrt(Σ(x-x̄)² Σ(y-ȳ)²); null when the population std
 * (ddof 0) of x or of y is <= EPS (and for no pairs at all).
 */
export function pearson(x: number[], y: number[]): number | null {
  const n = x.length;
  if (n === 0) return null;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (Math.sqrt(sxx / n) <= EPS || Math.sqrt(syy / n) <= EPS) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Two-sided Student-t p-value P(|T| >= |t|) for INTEGER degrees of freedom
 * df >= 1, by the exact finite series (Abramowitz & Stegun 26.7.3 / 26.7.4).
 * With θ = atan(|t| / sqrt(df)), c = cos θ, s = sin θ, A = P(|T| <= |t|):
 *   df = 1:        A = 2θ/π
 *   df odd >= 3:   A = (2/π) [θ + s (c + (2/3) c³ + (2·4)/(3·5) c⁵ + ...
 *                                   + (2·4···(df-3))/(3·5···(df-2)) c^(df-2))]
 *   df even:       A = s [1 + (1/2) c² + (1·3)/(2·4) c⁴ + ...
 *                           + (1·3···(df-3))/(2·4···(df-2)) c^(df-2)]
 * and p = 1 - A (the spec's 2 (1 - CDF_t(|t|))). Non-integer df throws.
 */
export function studentTwoSidedPValue(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new RangeError(`degrees of freedom must be an integer >= 1: ${df}`);
  }
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  let a: number;
  if (df % 2 === 1) {
    // odd: the bracket is θ + s * (c + (2/3)c³ + ...), terms up to c^(df-2)
    let sum = 0;
    if (df >= 3) {
      let term = c; // first term: c¹
      sum = term;
      for (let k = 3; k <= df - 2; k += 2) {
        // next term = previous * ((k-1)/k) * c²
        term = term * ((k - 1) / k) * c * c;
        sum += term;
      }
    }
    a = (2 / Math.PI) * (theta + s * sum);
  } else {
    // even: s * (1 + (1/2)c² + (1·3)/(2·4)c⁴ + ...), terms up to c^(df-2)
    let term = 1; // first term: c⁰
    let sum = term;
    for (let k = 2; k <= df - 2; k += 2) {
      // next term = previous * ((k-1)/k) * c²
      term = term * ((k - 1) / k) * c * c;
      sum += term;
    }
    a = s * sum;
  }
  const p = 1 - a;
  return Math.min(1, Math.max(0, p));
}

// ---------------------------------------------------------------------------
// The panel: grid, symbols, lookup of one (time, symbol) row
// ---------------------------------------------------------------------------

interface Panel {
  /** Sorted distinct end_time of ALL rows. */
  grid: number[];
  /** Distinct symbols, plain string order. */
  symbols: string[];
  /** factor of (symbol, grid index) when present, else null. */
  factor(symbol: string, i: number): number | null;
  /** price of (symbol, grid index) when present, else null. */
  price(symbol: string, i: number): number | null;
  /** dollar_volume of (symbol, grid index) when present, else null. */
  dollarVolume(symbol: string, i: number): number | null;
}

function buildPanel(rows: RefRow[]): Panel {
  // Grid: the sorted distinct end_time values of ALL rows.
  const grid: number[] = [];
  for (const row of rows) {
    if (!grid.includes(row.end_time)) grid.push(row.end_time);
  }
  grid.sort((a, b) => a - b);
  // Symbols ordered by plain string comparison.
  const symbols: string[] = [];
  for (const row of rows) {
    if (!symbols.includes(row.symbol)) symbols.push(row.symbol);
  }
  symbols.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // One row per (end_time, symbol).
  const byKey = new Map<string, RefRow>();
  for (const row of rows) {
    const key = `${row.end_time}|${row.symbol}`;
    if (byKey.has(key)) throw new Error(`duplicate row ${key}`);
    byKey.set(key, row);
  }
  const find = (symbol: string, i: number) => byKey.get(`${grid[i]}|${symbol}`);
  return {
    grid,
    symbols,
    factor(symbol, i) {
      const v = find(symbol, i)?.factor;
      return isPresent(v) ? v : null;
    },
    price(symbol, i) {
      const v = find(symbol, i)?.price;
      return isPresent(v) ? v : null;
    },
    dollarVolume(symbol, i) {
      const v = find(symbol, i)?.dollar_volume;
      return isPresent(v) ? v : null;
    },
  };
}

// ---------------------------------------------------------------------------
// Analyzer
// ---------------------------------------------------------------------------

/** The analyzer tables of the spec, computed by plain loops. */
export function referenceAnalysis(
  rows: RefRow[],
  options: RefAnalysisOptions,
): RefAnalysis {
  const { quantiles: Q, minSymbols } = options;
  for (const k of options.periods) {
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`period must be a positive integer: ${k}`);
    }
  }
  if (!Number.isInteger(Q) || Q < 1) {
    throw new RangeError(`quantiles must be a positive integer: ${Q}`);
  }
  const periods = [...new Set(options.periods)].sort((a, b) => a - b);
  const panel = buildPanel(rows);
  const { grid, symbols } = panel;
  const T = grid.length;

  // 1. Forward return fwd_k(s, i) = price(s,i+k)/price(s,i) - 1 when i+k < T,
  //    both prices present and price(s,i) > 0; non-finite -> absent.
  function fwd(k: number, s: string, i: number): number | null {
    if (i + k >= T) return null;
    if (options.returns) {
      let growth = 1;
      for (let j = 1; j <= k; j++) {
        const r = panel.price(s, i + j);
        if (r === null) return null;
        growth *= 1 + r;
      }
      return Number.isFinite(growth) ? growth - 1 : null;
    }
    const p0 = panel.price(s, i);
    const p1 = panel.price(s, i + k);
    if (p0 === null || p1 === null || !(p0 > 0)) return null;
    const r = p1 / p0 - 1;
    return Number.isFinite(r) ? r : null;
  }

  // 4. Quantile at grid i: the m symbols with a present factor; none when
  //    m < Q; else floor(Q (r - 0.5) / m) + 1 with r the average rank.
  function quantilesAt(i: number): Map<string, number> {
    const present: string[] = [];
    const values: number[] = [];
    for (const s of symbols) {
      const f = panel.factor(s, i);
      if (f !== null) {
        present.push(s);
        values.push(f);
      }
    }
    const result = new Map<string, number>();
    const m = present.length;
    if (m < Q) return result;
    const ranks = averageRanks(values);
    for (let j = 0; j < m; j++) {
      result.set(present[j], Math.floor((Q * (ranks[j] - 0.5)) / m) + 1);
    }
    return result;
  }
  const quantileAt: Map<string, number>[] = [];
  for (let i = 0; i < T; i++) quantileAt.push(quantilesAt(i));
  /** "Quantiles assigned at i" = m >= Q at i. */
  const assigned = (i: number) => quantileAt[i].size > 0;

  const forward = new Map<string, number | null>();
  for (const k of periods) {
    for (const row of rows) {
      const i = grid.indexOf(row.end_time);
      const v = fwd(k, row.symbol, i);
      forward.set(`${k}|${row.end_time}|${row.symbol}`, cleanOrNull(v));
    }
  }
  const quantile = new Map<string, number | null>();
  for (const row of rows) {
    const i = grid.indexOf(row.end_time);
    quantile.set(
      `${row.end_time}|${row.symbol}`,
      quantileAt[i].get(row.symbol) ?? null,
    );
  }

  // 2. IC per (i, k): pairs with factor and fwd_k present; a row only when
  //    n >= minSymbols; spearman = Pearson of the average ranks of the pairs.
  const ic: RefIcRow[] = [];
  for (const k of periods) {
    for (let i = 0; i < T; i++) {
      const x: number[] = [];
      const y: number[] = [];
      for (const s of symbols) {
        const f = panel.factor(s, i);
        const r = fwd(k, s, i);
        if (f !== null && r !== null) {
          x.push(f);
          y.push(r);
        }
      }
      if (x.length < minSymbols) continue;
      ic.push({
        end_time: grid[i],
        period: k,
        n: x.length,
        spearman: cleanOrNull(pearson(averageRanks(x), averageRanks(y))),
        pearson: cleanOrNull(pearson(x, y)),
      });
    }
  }

  // 3. IC summary per period and method over the non-null ICs.
  const icSummary: RefIcSummaryRow[] = [];
  for (const k of periods) {
    for (const method of ["spearman", "pearson"] as const) {
      const values: number[] = [];
      for (const row of ic) {
        const v = row[method];
        if (row.period === k && v !== null) values.push(v);
      }
      const n = values.length;
      let m: number | null = null;
      let std: number | null = null;
      let ir: number | null = null;
      let tStat: number | null = null;
      let pValue: number | null = null;
      let hitRate: number | null = null;
      if (n >= 1) {
        m = mean(values);
        let hits = 0;
        for (const v of values) if (v > 0) hits++;
        hitRate = hits / n;
      }
      if (n >= 2) {
        std = sampleStd(values);
        if (std !== null && m !== null && std > EPS) {
          ir = m / std;
          tStat = (m / std) * Math.sqrt(n);
          pValue = studentTwoSidedPValue(tStat, n - 1);
        }
      }
      icSummary.push({
        period: k,
        method,
        n,
        mean: cleanOrNull(m),
        std: cleanOrNull(std),
        ir: cleanOrNull(ir),
        t_stat: cleanOrNull(tStat),
        p_value: cleanOrNull(pValue),
        hit_rate: cleanOrNull(hitRate),
      });
    }
  }

  // 5. Quantile time value: mean of fwd_k over the symbols of quantile q at i
  //    with fwd_k present; null when there is none.
  function quantileTimeValue(k: number, q: number, i: number): number | null {
    const values: number[] = [];
    for (const s of symbols) {
      const r = fwd(k, s, i);
      if (quantileAt[i].get(s) === q && r !== null) values.push(r);
    }
    return values.length === 0 ? null : mean(values);
  }
  // 5b. Demeaned (the default): minus the mean of fwd_k over every symbol
  //     with a quantile at i and fwd_k present.
  const demeaned = options.demeaned ?? true;
  function quantileReturnAt(k: number, q: number, i: number): number | null {
    const v = quantileTimeValue(k, q, i);
    if (v === null || !demeaned) return v;
    const all: number[] = [];
    for (const s of symbols) {
      const r = fwd(k, s, i);
      if (quantileAt[i].get(s) != null && r !== null) all.push(r);
    }
    return v - mean(all);
  }
  const quantileReturns: RefQuantileReturnRow[] = [];
  for (const k of periods) {
    for (let q = 1; q <= Q; q++) {
      const values: number[] = [];
      for (let i = 0; i < T; i++) {
        const v = quantileReturnAt(k, q, i);
        if (v !== null) values.push(v);
      }
      quantileReturns.push({
        period: k,
        quantile: q,
        mean: values.length === 0 ? null : cleanOrNull(mean(values)),
        std: cleanOrNull(sampleStd(values)),
        n: values.length,
      });
    }
  }

  // 6. Spread at (i, k) = time value of quantile Q minus that of quantile 1,
  //    present only when both are.
  function spreadAt(k: number, i: number): number | null {
    const top = quantileTimeValue(k, Q, i);
    const bottom = quantileTimeValue(k, 1, i);
    if (top === null || bottom === null) return null;
    return top - bottom;
  }
  const spread: RefSpreadRow[] = [];
  for (const k of periods) {
    const values: number[] = [];
    for (let i = 0; i < T; i++) {
      const v = spreadAt(k, i);
      if (v !== null) values.push(v);
    }
    const n = values.length;
    const m = n >= 1 ? mean(values) : null;
    const std = sampleStd(values); // null for n < 2
    const tStat = m !== null && std !== null && std > EPS
      ? (m / std) * Math.sqrt(n)
      : null;
    spread.push({
      period: k,
      mean: cleanOrNull(m),
      std: cleanOrNull(std),
      t_stat: cleanOrNull(tStat),
      n,
    });
  }

  // 7. Cumulative long-short: i = 0, k, 2k, ... with i + k <= T-1; step =
  //    spread(i, k), absent -> 0; cumulative = running product of (1 + step);
  //    the row's end_time is the grid time of i + k.
  const longShort: RefLongShortRow[] = [];
  for (const k of periods) {
    let cumulative = 1;
    for (let i = 0; i + k <= T - 1; i += k) {
      const step = spreadAt(k, i);
      cumulative = cumulative * (1 + (step ?? 0));
      longShort.push({
        end_time: grid[i + k],
        period: k,
        spread: cleanOrNull(step),
        cumulative: clean(cumulative),
      });
    }
  }

  // 7b. Cumulative return by quantile: the same steps as 7, step = the
  //     quantile's (demeaned) return at (i, k), absent -> flat.
  const quantileCumulative: RefQuantileCumulativeRow[] = [];
  for (const k of periods) {
    for (let q = 1; q <= Q; q++) {
      let cumulative = 1;
      for (let i = 0; i + k <= T - 1; i += k) {
        const step = quantileReturnAt(k, q, i);
        cumulative = cumulative * (1 + (step ?? 0));
        quantileCumulative.push({
          end_time: grid[i + k],
          period: k,
          quantile: q,
          return: cleanOrNull(step),
          cumulative: clean(cumulative),
        });
      }
    }
  }

  // 8. Quantile turnover: at i >= k with quantiles assigned at i and at i-k,
  //    and S_q(i) non-empty: |S_q(i) \ S_q(i-k)| / |S_q(i)|.
  const turnover: RefTurnoverRow[] = [];
  for (const k of periods) {
    for (let q = 1; q <= Q; q++) {
      const values: number[] = [];
      for (let i = k; i < T; i++) {
        if (!assigned(i) || !assigned(i - k)) continue;
        const now = symbols.filter((s) => quantileAt[i].get(s) === q);
        const before = symbols.filter((s) => quantileAt[i - k].get(s) === q);
        if (now.length === 0) continue;
        const entered = now.filter((s) => !before.includes(s));
        values.push(entered.length / now.length);
      }
      turnover.push({
        period: k,
        quantile: q,
        mean: values.length === 0 ? null : cleanOrNull(mean(values)),
        n: values.length,
      });
    }
  }

  // 9. Factor rank autocorrelation: ranks at i over all symbols present at i,
  //    ranks at i-k over all symbols present at i-k; Pearson over the common
  //    symbols when there are >= minSymbols of them. Mean over non-null values.
  function ranksAt(i: number): Map<string, number> {
    const present: string[] = [];
    const values: number[] = [];
    for (const s of symbols) {
      const f = panel.factor(s, i);
      if (f !== null) {
        present.push(s);
        values.push(f);
      }
    }
    const ranks = averageRanks(values);
    const result = new Map<string, number>();
    for (let j = 0; j < present.length; j++) result.set(present[j], ranks[j]);
    return result;
  }
  const rankAutocorrelation: RefRankAutocorrelationRow[] = [];
  for (const k of periods) {
    const values: number[] = [];
    for (let i = k; i < T; i++) {
      const now = ranksAt(i);
      const before = ranksAt(i - k);
      const x: number[] = [];
      const y: number[] = [];
      for (const s of symbols) {
        if (now.has(s) && before.has(s)) {
          x.push(now.get(s)!);
          y.push(before.get(s)!);
        }
      }
      if (x.length < minSymbols) continue;
      const r = pearson(x, y);
      if (r !== null) values.push(r);
    }
    rankAutocorrelation.push({
      period: k,
      mean: values.length === 0 ? null : cleanOrNull(mean(values)),
      n: values.length,
    });
  }

  // 10. IC decay: the IC summary means per period.
  const icDecay: RefIcDecayRow[] = [];
  for (const k of periods) {
    const sp = icSummary.find((r) => r.period === k && r.method === "spearman");
    const pe = icSummary.find((r) => r.period === k && r.method === "pearson");
    icDecay.push({
      period: k,
      spearman: sp?.mean ?? null,
      pearson: pe?.mean ?? null,
    });
  }

  return {
    forward,
    quantile,
    ic,
    icSummary,
    quantileReturns,
    spread,
    longShort,
    quantileCumulative,
    turnover,
    rankAutocorrelation,
    icDecay,
  };
}

// ---------------------------------------------------------------------------
// Backtester
// ---------------------------------------------------------------------------

/**
 * Target weights of one decision time (spec backtester 2-5), in the order of
 * `eligible`. Returns all zeros when the slice has "no positions".
 */
function targetWeights(
  eligible: string[],
  signal: number[],
  options: RefBacktestOptions,
): number[] {
  const n = eligible.length;
  const zeros = eligible.map(() => 0);
  if (n === 0) return zeros;

  // 3. Normalize over E -> x (null = no positions).
  let x: number[] | null;
  if (options.normalize === "raw") {
    x = signal.slice();
  } else if (options.normalize === "rank") {
    x = averageRanks(signal).map((r) => r / n);
  } else if (options.normalize === "zscore") {
    const std = sampleStd(signal);
    if (n < 2 || std === null || std <= EPS) {
      x = null;
    } else {
      const m = mean(signal);
      x = signal.map((s) => (s - m) / std);
    }
  } else {
    let min = Infinity;
    let max = -Infinity;
    for (const s of signal) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    x = max - min <= EPS ? null : signal.map((s) => (s - min) / (max - min));
  }
  if (x === null) return zeros;

  // 4. Allocate -> w (null = no positions).
  let w: number[] | null;
  const gross = options.gross;
  if (options.allocate === "market-neutral") {
    const m = mean(x);
    const d = x.map((v) => v - m);
    let sumAbs = 0;
    for (const v of d) sumAbs += Math.abs(v);
    w = sumAbs <= EPS ? null : d.map((v) => (gross * v) / sumAbs);
  } else if (options.allocate === "long-only") {
    const d = x.map((v) => Math.max(v, 0));
    let sum = 0;
    for (const v of d) sum += v;
    w = sum <= EPS ? null : d.map((v) => (gross * v) / sum);
  } else {
    // top-n: order by x descending, ties by symbol ascending.
    const order: number[] = [];
    for (let j = 0; j < n; j++) order.push(j);
    const xs = x;
    order.sort((a, b) => {
      if (xs[a] !== xs[b]) return xs[b] - xs[a];
      return eligible[a] < eligible[b] ? -1 : eligible[a] > eligible[b] ? 1 : 0;
    });
    const nPrime = Math.min(options.topN, Math.floor(n / 2));
    if (nPrime <= 0) {
      w = null;
    } else {
      w = eligible.map(() => 0);
      for (let p = 0; p < nPrime; p++) {
        w[order[p]] = gross / (2 * nPrime); // the first n'
        w[order[n - 1 - p]] = -gross / (2 * nPrime); // the last n'
      }
    }
  }
  if (w === null) return zeros;

  // 5a. Clip every weight to [-maxPosition, maxPosition].
  const mp = options.maxPosition;
  w = w.map((v) => Math.min(Math.max(v, -mp), mp));

  // 5b. Net exposure limit, freed exposure not redistributed.
  let sumPos = 0;
  let sumNeg = 0;
  for (const v of w) {
    if (v > 0) sumPos += v;
    if (v < 0) sumNeg += v;
  }
  const net = sumPos + sumNeg;
  if (net > options.maxNet) {
    const factor = (options.maxNet - sumNeg) / sumPos;
    w = w.map((v) => (v > 0 ? v * factor : v));
  } else if (net < -options.maxNet) {
    const factor = (-options.maxNet - sumPos) / sumNeg;
    w = w.map((v) => (v < 0 ? v * factor : v));
  }
  return w.map(clean);
}

/** The backtester of the spec, computed by plain loops. */
export function referenceBacktest(
  rows: RefRow[],
  options: RefBacktestOptions,
): RefBacktest {
  if (!Number.isInteger(options.lag) || options.lag < 1) {
    throw new RangeError(`lag must be an integer >= 1: ${options.lag}`);
  }
  const lag = options.lag;
  const panel = buildPanel(rows);
  const { grid, symbols } = panel;
  const T = grid.length;

  // 1. Last price: the last present price of s at grid index <= i.
  function lastPrice(s: string, i: number): number | null {
    for (let u = i; u >= 0; u--) {
      const p = panel.price(s, u);
      if (p !== null) return p;
    }
    return null;
  }
  // Asset return r(s,i) = P̃(s,i)/P̃(s,i-1) - 1 when both exist, else 0.
  function assetReturn(s: string, i: number): number {
    if (i < 1) return 0;
    const now = lastPrice(s, i);
    const before = lastPrice(s, i - 1);
    if (now === null || before === null) return 0;
    return now / before - 1;
  }

  // The universe at grid i.
  const rowOf = new Map(rows.map((r) => [`${r.end_time}|${r.symbol}`, r]));
  function inUniverse(s: string, i: number): boolean {
    const universe = options.universe;
    if (universe === undefined) return true;
    if (universe === "factor") {
      const v = rowOf.get(`${grid[i]}|${s}`)?.universe;
      return isPresent(v) && v !== 0;
    }
    const candidates: { s: string; volume: number }[] = [];
    for (const c of symbols) {
      if (panel.price(c, i) === null || universe.exclude.includes(c)) continue;
      let first = Infinity;
      let volume = 0;
      for (const r of rows) {
        if (r.symbol !== c || r.end_time > grid[i]) continue;
        if (isPresent(r.price) || isPresent(r.dollar_volume)) {
          first = Math.min(first, r.end_time);
          if (r.end_time > grid[i] - universe.windowMs) {
            volume += isPresent(r.dollar_volume) ? r.dollar_volume : 0;
          }
        }
      }
      if (first <= grid[i] - universe.minHistoryMs) {
        candidates.push({ s: c, volume });
      }
    }
    candidates.sort((a, b) =>
      b.volume - a.volume || (a.s < b.s ? -1 : a.s > b.s ? 1 : 0)
    );
    return candidates.slice(0, universe.top).some((c) => c.s === s);
  }

  // 2-5. Target weights per grid index; eligible = signal and price present
  // (and in the universe).
  const eligibleAt: string[][] = [];
  const weightAt: Map<string, number>[] = [];
  for (let i = 0; i < T; i++) {
    const eligible: string[] = [];
    const signal: number[] = [];
    for (const s of symbols) {
      const sig = panel.factor(s, i);
      if (sig !== null && panel.price(s, i) !== null && inUniverse(s, i)) {
        eligible.push(s);
        signal.push(sig);
      }
    }
    const w = targetWeights(eligible, signal, options);
    const map = new Map<string, number>();
    for (let j = 0; j < eligible.length; j++) map.set(eligible[j], w[j]);
    eligibleAt.push(eligible);
    weightAt.push(map);
  }
  /** w(s, i): 0 for non-eligible symbols. */
  const target = (s: string, i: number) => weightAt[i].get(s) ?? 0;

  // Decision indices: where weights are (re)decided.
  const rebalance = options.rebalance ?? 1;
  const units: Record<string, number> = {
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
  };
  const decides = (i: number): boolean => {
    if (typeof rebalance === "number") return i % rebalance === 0;
    const unit = units[rebalance.slice(-1)];
    return grid[i] % (Number(rebalance.slice(0, -1)) * unit) === 0;
  };

  // 7. i0 = the first decision index with a non-zero target weight.
  let i0 = -1;
  for (let i = 0; i < T && i0 < 0; i++) {
    if (!decides(i)) continue;
    for (const s of symbols) if (target(s, i) !== 0) i0 = i;
  }
  if (i0 < 0) return { returns: [], weights: [], rebalances: 0 };

  const weights: RefBacktestWeightRow[] = [];
  for (let i = i0; i < T; i++) {
    if (!decides(i)) continue;
    for (const s of eligibleAt[i]) {
      weights.push({ end_time: grid[i], symbol: s, weight: target(s, i) });
    }
  }

  const returns: RefBacktestReturnRow[] = [];
  let drifted = new Map<string, number>(); // h̃(·, j-1); empty = all 0
  let rebalances = 0;
  let equity = 1; // at grid time i0 + lag - 1
  let peak = 1;
  for (let j = i0 + lag; j < T; j++) {
    // 6. Timing: h(s,j) = w(s,j-lag) when j-lag decides, else the drifted
    // holding h̃(s,j-1) (nothing traded between decisions).
    const snapshot = drifted;
    const held = (s: string, _j: number) =>
      decides(j - lag) ? target(s, j - lag) : (snapshot.get(s) ?? 0);
    // G(j) = Σ_s h(s,j) r(s,j)
    let G = 0;
    for (const s of symbols) G += held(s, j) * assetReturn(s, j);
    // τ(j) = Σ_s |h(s,j) - h̃(s,j-1)|
    let tau = 0;
    for (const s of symbols) {
      tau += Math.abs(held(s, j) - (drifted.get(s) ?? 0));
    }
    let C = (tau * options.costBps) / 10000;
    if (options.impact && decides(j - lag)) {
      const { coefficient, capital } = options.impact;
      for (const s of symbols) {
        const delta = Math.abs(held(s, j) - (drifted.get(s) ?? 0));
        if (delta === 0) continue;
        const dv = panel.dollarVolume(s, j - 1);
        const p = dv === null || dv <= 0
          ? 1
          : Math.min(1, (delta * equity * capital) / dv);
        C += (delta * coefficient * Math.sqrt(p)) / 10000;
      }
    }
    // Funding: Φ(j) = −Σ_s h(s,j) · Σ{rate of s settled in [grid[j-1], grid[j])}
    let Phi = 0;
    for (const s of symbols) {
      let rate = 0;
      for (const f of options.funding ?? []) {
        if (
          f.symbol === s && f.funding_time >= grid[j - 1] &&
          f.funding_time < grid[j]
        ) rate += f.funding_rate;
      }
      if (rate !== 0) Phi -= held(s, j) * rate;
    }
    const R = G - C + Phi;
    if (decides(j - lag)) rebalances++;
    // exposures of the held weights
    let grossExposure = 0;
    let netExposure = 0;
    for (const s of symbols) {
      grossExposure += Math.abs(held(s, j));
      netExposure += held(s, j);
    }
    // equity and drawdown (the running max includes the start 1)
    equity = equity * (1 + R);
    if (equity > peak) peak = equity;
    returns.push({
      end_time: grid[j],
      gross_return: clean(G),
      cost: clean(C),
      ...(options.funding ? { funding: clean(Phi) } : {}),
      return: clean(R),
      turnover: clean(tau),
      gross_exposure: clean(grossExposure),
      net_exposure: clean(netExposure),
      equity: clean(equity),
      drawdown: clean(equity / peak - 1),
    });
    // h̃(s,j) = h(s,j)(1 + r(s,j)) / (1 + G(j)); all 0 when 1 + G <= 0
    const next = new Map<string, number>();
    for (const s of symbols) {
      next.set(
        s,
        1 + G <= 0 ? 0 : (held(s, j) * (1 + assetReturn(s, j))) / (1 + G),
      );
    }
    drifted = next;
  }
  return { returns, weights, rebalances };
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/** The metric keys, in the spec's order. */
export const METRIC_KEYS = [
  "total_return",
  "annual_return",
  "annual_volatility",
  "sharpe",
  "sortino",
  "max_drawdown",
  "max_drawdown_duration",
  "calmar",
  "var_95",
  "cvar_95",
  "win_rate",
  "profit_factor",
  "n",
] as const;

/** The metrics of the spec for the per-bar net returns R. */
export function referenceMetrics(
  returns: number[],
  periodsPerYear: number,
): Record<string, number | null> {
  const R = returns;
  const n = R.length;
  const P = periodsPerYear;
  const out: Record<string, number | null> = {};
  for (const key of METRIC_KEYS) out[key] = null;
  out.n = n;
  if (n === 0) return out; // everything (but n) null

  // total_return = Π(1+R) - 1
  let product = 1;
  for (const r of R) product *= 1 + r;
  const total = product - 1;
  out.total_return = clean(total);

  // annual_return = (1 + total)^(P/n) - 1; -1 when 1 + total <= 0
  const annual = 1 + total <= 0 ? -1 : Math.pow(1 + total, P / n) - 1;
  out.annual_return = cleanOrNull(annual);

  // annual_volatility = std(R, ddof 1) sqrt(P); sharpe = mean/std sqrt(P)
  const m = mean(R);
  const std = sampleStd(R);
  out.annual_volatility = std === null ? null : clean(std * Math.sqrt(P));
  out.sharpe = std === null || std <= EPS
    ? null
    : cleanOrNull((m / std) * Math.sqrt(P));

  // sortino = mean / DD sqrt(P), DD = sqrt(Σ min(R,0)² / n) over all n
  let downside = 0;
  for (const r of R) downside += Math.min(r, 0) * Math.min(r, 0);
  const DD = Math.sqrt(downside / n);
  out.sortino = DD <= EPS ? null : cleanOrNull((m / DD) * Math.sqrt(P));

  // Equity E_0 = 1, E_t = E_{t-1} (1 + R_t); drawdown_t = E_t / max_{u<=t} - 1
  const E: number[] = [1];
  for (let t = 1; t <= n; t++) E.push(E[t - 1] * (1 + R[t - 1]));
  const drawdown: number[] = [0];
  for (let t = 1; t <= n; t++) {
    let runMax = -Infinity;
    for (let u = 0; u <= t; u++) runMax = Math.max(runMax, E[u]);
    drawdown.push(E[t] / runMax - 1);
  }
  let mdd = 0;
  for (let t = 1; t <= n; t++) mdd = Math.min(mdd, drawdown[t]);
  out.max_drawdown = clean(mdd);

  // max_drawdown_duration: trough t* = first index of the minimum drawdown;
  // peak p = last u <= t* with E_u = max_{v<=t*} E_v; recovery = first
  // t > t* with E_t >= E_p; duration = recovery - p, or n - p.
  if (mdd === 0) {
    out.max_drawdown_duration = 0;
  } else {
    let trough = -1;
    for (let t = 1; t <= n && trough < 0; t++) {
      if (drawdown[t] === mdd) trough = t;
    }
    let peakValue = -Infinity;
    for (let v = 0; v <= trough; v++) peakValue = Math.max(peakValue, E[v]);
    let peakIndex = -1;
    for (let u = 0; u <= trough; u++) if (E[u] === peakValue) peakIndex = u;
    let recovery = -1;
    for (let t = trough + 1; t <= n && recovery < 0; t++) {
      if (E[t] >= E[peakIndex]) recovery = t;
    }
    out.max_drawdown_duration = recovery >= 0
      ? recovery - peakIndex
      : n - peakIndex;
  }

  // calmar = annual_return / |max_drawdown|; null when max_drawdown = 0
  out.calmar = mdd === 0 ? null : cleanOrNull(annual / Math.abs(mdd));

  // var_95: numpy-linear 5% quantile; cvar_95 = mean of R <= var_95
  const sorted = R.slice().sort((a, b) => a - b);
  const h = (n - 1) * 0.05;
  const lo = Math.floor(h);
  const frac = h - lo;
  const v95 = frac === 0
    ? sorted[lo]
    : sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
  out.var_95 = clean(v95);
  const tail = R.filter((r) => r <= v95);
  out.cvar_95 = clean(mean(tail));

  // win_rate = #(R>0) / #(R≠0); profit_factor = Σ_{R>0} R / |Σ_{R<0} R|
  let wins = 0;
  let nonZero = 0;
  let gains = 0;
  let losses = 0;
  for (const r of R) {
    if (r !== 0) nonZero++;
    if (r > 0) {
      wins++;
      gains += r;
    }
    if (r < 0) losses += r;
  }
  out.win_rate = nonZero === 0 ? null : wins / nonZero;
  if (nonZero === 0) out.profit_factor = null;
  else if (losses === 0) out.profit_factor = Infinity;
  else out.profit_factor = gains / Math.abs(losses);
  return out;
}
