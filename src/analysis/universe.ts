/**
 * Point-in-time universes: which symbols may be traded (or ranked) at each
 * bar, decided from trailing data only, so a coin enters only once it has
 * the history and the liquidity.
 *
 * @module
 */
import pl from "nodejs-polars";
import { AggBar } from "../aggbar.ts";
import { InvalidArgumentError } from "../errors.ts";
import { columnFactor } from "../factor/columns.ts";
import { Factor } from "../factor/factor.ts";
import { checkOptions, oneOf, positiveInteger } from "../options.ts";
import { parseTimestep } from "../time.ts";
import { densePanel } from "./panel.ts";
import { dollarVolume } from "./dollar_volume.ts";

/**
 * A built-in universe rule: at each bar, the `top` symbols by trailing
 * dollar volume among those with a bar then, at least `minHistory` of
 * history and not excluded.
 *
 * @example
 * ```ts
 * import { LEVERAGED_TOKENS, STABLECOINS, type UniverseRule } from "./universe.ts";
 * const rule: UniverseRule = { top: 20, window: "7d", minHistory: "30d", exclude: [...STABLECOINS, ...LEVERAGED_TOKENS] };
 * ```
 */
export interface UniverseRule {
  /** How many symbols the universe holds at each bar (fewer when fewer qualify). */
  top: number;
  /** What symbols are ranked by: the sum of `volume × vwap` over the trailing window (a missing value counts 0). @default "dollar_volume" */
  by?: "dollar_volume";
  /** The trailing window: bars whose `end_time` is in `(t − window, t]`. @default "7d" */
  window?: string;
  /** Time a symbol must have been listed: its first bar ended at or before `t − minHistory`. @default "0s" (none) */
  minHistory?: string;
  /** Symbols (exact names) or patterns never in the universe. @default [] */
  exclude?: readonly (string | RegExp)[];
}

/** A universe: a boolean Factor (non-zero = in the universe at that bar) or a {@linkcode UniverseRule}. */
export type Universe = Factor | UniverseRule;

/**
 * Stablecoin pairs that track the quote asset (no signal to trade), as
 * Binance lists them; spread it into `exclude` and add your own.
 *
 * @example
 * ```ts
 * import { STABLECOINS } from "./universe.ts";
 * console.log(STABLECOINS.includes("USDCUSDT")); // true
 * ```
 */
export const STABLECOINS: readonly string[] = [
  "USDCUSDT",
  "FDUSDUSDT",
  "TUSDUSDT",
  "BUSDUSDT",
  "USDPUSDT",
  "DAIUSDT",
  "PYUSDUSDT",
  "USDEUSDT",
  "USD1USDT",
  "EURUSDT",
  "EURIUSDT",
  "AEURUSDT",
  "USTCUSDT",
  "USDCBUSD",
  "USDCFDUSD",
];

/**
 * Leveraged tokens (Binance's BTCUP/BTCDOWN style and the BULL/BEAR
 * tokens), whose prices decay by construction.
 *
 * @example
 * ```ts
 * import { LEVERAGED_TOKENS } from "./universe.ts";
 * console.log(LEVERAGED_TOKENS.some((p) => p.test("BTCUPUSDT"))); // true
 * ```
 */
export const LEVERAGED_TOKENS: readonly RegExp[] = [
  /^[A-Z0-9]+(UP|DOWN|BULL|BEAR)(USDT|USDC|BUSD|FDUSD)$/,
];

/** A rule checked, with its defaults. */
interface Rule {
  top: number;
  windowMs: number;
  minHistoryMs: number;
  exclude: readonly (string | RegExp)[];
}

function checkRule(value: UniverseRule): Rule {
  const rule = checkOptions("universe", value, {
    top: true,
    by: true,
    window: true,
    minHistory: true,
    exclude: true,
  });
  oneOf("universe.by", rule.by ?? "dollar_volume", ["dollar_volume"]);
  const exclude = rule.exclude ?? [];
  if (
    !Array.isArray(exclude) ||
    !exclude.every((e) => typeof e === "string" || e instanceof RegExp)
  ) {
    throw new InvalidArgumentError(
      "universe.exclude",
      exclude,
      "a list of symbols and RegExp patterns",
    );
  }
  return {
    top: positiveInteger("universe.top", rule.top),
    windowMs: parseTimestep(rule.window ?? "7d", "universe.window"),
    minHistoryMs: rule.minHistory === undefined
      ? 0
      : parseTimestep(rule.minHistory, "universe.minHistory"),
    exclude,
  };
}

/**
 * `universe` checked: a Factor, or a rule (which needs `volume` and
 * `vwap` columns).
 *
 * @example
 * ```ts ignore
 * const universe = checkUniverse(agg, { top: 20 });
 * ```
 */
export function checkUniverse(agg: AggBar, value: unknown): Universe {
  if (value instanceof Factor) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      "universe",
      value,
      'a boolean Factor or a rule such as { top: 20, window: "7d" }',
    );
  }
  checkRule(value as UniverseRule);
  dollarVolume(agg, "universe", value);
  return value as UniverseRule;
}

/**
 * The membership of a rule, bar by bar, over time chunks in order: the
 * dollar volumes of the grid times still in the window (a ring of rows,
 * one per time) and each symbol's first bar are carried from chunk to
 * chunk, so chunks give what one pass gives.
 *
 * @example
 * ```ts
 * import { UniverseTracker } from "./universe.ts";
 * const tracker = new UniverseTracker({ top: 1, window: "2m" }, ["A", "B"]);
 * const m = tracker.members(Float64Array.from([60_000]), Float64Array.from([5, 9]), Float64Array.from([1, 1]));
 * console.log([...m]); // [0, 1]
 * ```
 */
export class UniverseTracker {
  readonly #rule: Rule;
  readonly #excluded: Uint8Array;
  readonly #first: Float64Array;
  /** Per symbol: Σ dollar volume of the rows in the window. */
  readonly #sum: Float64Array;
  /** Ring of the window's rows: their times and N values each. */
  #times = new Float64Array(64);
  #rows: Float64Array;
  #head = 0;
  #size = 0;

  /** A tracker of `rule` over `symbols` (the panel's column order). */
  constructor(rule: UniverseRule, readonly symbols: readonly string[]) {
    this.#rule = checkRule(rule);
    const { exclude } = this.#rule;
    this.#excluded = Uint8Array.from(
      symbols,
      (s) =>
        exclude.some((e) => typeof e === "string" ? e === s : e.test(s))
          ? 1
          : 0,
    );
    this.#first = new Float64Array(symbols.length).fill(NaN);
    this.#sum = new Float64Array(symbols.length);
    this.#rows = new Float64Array(64 * symbols.length);
  }

  /**
   * 1 where symbol s is in the universe at time i (cell `i × N + s`), for
   * a chunk's times, dollar volumes and tradable prices (NaN: not
   * tradable then; a symbol is a candidate only where it has one). With
   * `decides`, only the times it marks are ranked (the others stay 0; the
   * window is kept at every time).
   */
  members(
    times: Float64Array,
    dollarVolume: Float64Array,
    price: Float64Array,
    decides?: Uint8Array,
  ): Uint8Array {
    const N = this.symbols.length, T = times.length;
    const { top, windowMs, minHistoryMs } = this.#rule;
    const sum = this.#sum, first = this.#first;
    const member = new Uint8Array(T * N);
    const candidates: number[] = [];
    for (let i = 0; i < T; i++) {
      const t = times[i];
      this.#expire(t - windowMs);
      const row = this.#push(t);
      for (let s = 0; s < N; s++) {
        const c = i * N + s;
        const volume = dollarVolume[c];
        if (Number.isNaN(price[c]) && Number.isNaN(volume)) continue;
        if (Number.isNaN(first[s])) first[s] = t;
        if (!Number.isNaN(volume)) {
          this.#rows[row + s] = volume;
          sum[s] += volume;
        }
      }
      if (decides && !decides[i]) continue;
      candidates.length = 0;
      for (let s = 0; s < N; s++) {
        if (
          !Number.isNaN(price[i * N + s]) && !this.#excluded[s] &&
          first[s] <= t - minHistoryMs
        ) candidates.push(s);
      }
      if (candidates.length > top) {
        candidates.sort((a, b) => sum[b] - sum[a] || a - b);
      }
      for (let k = 0; k < Math.min(top, candidates.length); k++) {
        member[i * N + candidates[k]] = 1;
      }
    }
    return member;
  }

  /** Appends a zeroed row for time `t`; returns its offset in the ring. */
  #push(t: number): number {
    const N = this.symbols.length;
    if (this.#size === this.#times.length) {
      // Full: double the ring, oldest row first.
      const capacity = this.#times.length * 2;
      const times = new Float64Array(capacity);
      const rows = new Float64Array(capacity * N);
      for (let k = 0; k < this.#size; k++) {
        const from = (this.#head + k) % this.#times.length;
        times[k] = this.#times[from];
        rows.set(this.#rows.subarray(from * N, (from + 1) * N), k * N);
      }
      this.#times = times;
      this.#rows = rows;
      this.#head = 0;
    }
    const slot = (this.#head + this.#size++) % this.#times.length;
    this.#times[slot] = t;
    this.#rows.fill(0, slot * N, (slot + 1) * N);
    return slot * N;
  }

  /** Drops the rows at or before `until` from the window. */
  #expire(until: number): void {
    const N = this.symbols.length, sum = this.#sum;
    while (this.#size > 0 && this.#times[this.#head] <= until) {
      const offset = this.#head * N;
      for (let s = 0; s < N; s++) sum[s] -= this.#rows[offset + s];
      this.#head = (this.#head + 1) % this.#times.length;
      this.#size--;
    }
    if (this.#size === 0) sum.fill(0); // no drift once empty
  }
}

/**
 * The universe as a boolean Factor over `agg`'s bars (1 = in, 0 = out): a
 * Factor is returned as it is; a rule is evaluated bar by bar from
 * trailing data (bars kept in files are read into memory).
 *
 * @example
 * ```ts ignore
 * const inUniverse = universeFactor(agg, { top: 20, window: "7d", minHistory: "30d" });
 * const analysis = await analyze(factor.where(inUniverse), agg);
 * ```
 */
export function universeFactor(agg: AggBar, universe: Universe): Factor {
  const checked = checkUniverse(agg, universe);
  if (checked instanceof Factor) return checked;
  const panel = densePanel(
    agg.toPolars().select(
      "start_time",
      "end_time",
      "symbol",
      pl.lit(1).alias("bar"),
      pl.col("volume").mul(pl.col("vwap")).alias("dollar_volume"),
    ),
    ["bar", "dollar_volume"],
    agg.symbols,
  );
  const member = new UniverseTracker(checked, agg.symbols).members(
    panel.times,
    panel.values.dollar_volume,
    panel.values.bar,
  );
  const column = Float64Array.from(panel.cells, (c) => member[c]);
  return columnFactor(
    new AggBar(
      panel.rows.select("start_time", "end_time", "symbol")
        .withColumns(pl.Series("in_universe", column)),
    ),
    "in_universe",
  );
}
