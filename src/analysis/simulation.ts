/**
 * The backtest's bar-by-bar simulation: holdings drift with prices,
 * decided weights are traded `lag` bars later at per-side cost (and
 * square-root impact), funding is charged, and the return series is kept
 * as it is produced.
 *
 * @module
 */
import pl from "nodejs-polars";
import { concatFrames, type DataFrame } from "../polars.ts";
import { Float64Buffer, FRAME_ROWS } from "./float64_buffer.ts";
import type { FundingCharges } from "./funding_charges.ts";
import { frameOf } from "./panel.ts";

/** The per-bar columns of a backtest's return series. */
const SERIES = [
  "end_time",
  "gross_return",
  "cost",
  "funding",
  "return",
  "turnover",
  "gross_exposure",
  "net_exposure",
  "equity",
  "drawdown",
] as const;

/**
 * The bar-by-bar simulation, fed a time chunk at a time (prices, holdings,
 * equity and the decisions still waiting for their `lag` carry over), so
 * a backtest in chunks equals one over all bars. The series starts `lag`
 * bars after the first decision with a non-zero weight.
 *
 * @example
 * ```ts ignore
 * const simulation = new Simulation(symbols.length, { lag: 1, costBps: 2, impact: null });
 * simulation.push(times, prices, weights, decides);
 * const returns = simulation.finish();
 * ```
 */
export class Simulation {
  /** Every grid time pushed (for the median bar spacing). */
  get times(): Float64Array {
    return this.#times.toArray();
  }
  readonly #n: number;
  readonly #lag: number;
  readonly #costBps: number;
  readonly #funding?: FundingCharges;
  readonly #impact: { coefficient: number; capital: number } | null;
  readonly #last: Float64Array;
  /** Each symbol's dollar volume at the previous grid time (NaN: none). */
  readonly #volume: Float64Array;
  readonly #held: Float64Array;
  readonly #r: Float64Array;
  /** Decisions of the last `lag` times: weights, or null to hold. */
  readonly #pending: (Float64Array | null)[] = [];
  #times = new Float64Buffer();
  /** The grid time before the one being run (where its held bar starts). */
  #previous = NaN;
  #equity = 1;
  #peak = 1;
  #started = false;
  #out = Object.fromEntries(
    SERIES.map((name) => [name, new Float64Buffer()]),
  ) as Record<(typeof SERIES)[number], Float64Buffer>;
  /** The return series so far: the buffers, flushed after each chunk. */
  #parts: DataFrame[] = [];

  /** Held bars whose weights were newly decided (trades could happen). */
  rebalances = 0;
  /** Trades whose impact participation was capped at 1 (or had no volume). */
  impactCapped = 0;

  constructor(
    symbols: number,
    settings: {
      lag: number;
      costBps: number;
      impact: { coefficient: number; capital: number } | null;
    },
    funding?: FundingCharges,
  ) {
    this.#n = symbols;
    this.#lag = settings.lag;
    this.#costBps = settings.costBps;
    this.#impact = settings.impact;
    this.#volume = new Float64Array(symbols).fill(NaN);
    this.#funding = funding;
    this.#last = new Float64Array(symbols).fill(NaN);
    this.#held = new Float64Array(symbols);
    this.#r = new Float64Array(symbols);
  }

  /**
   * Runs the chunk's times; returns the index in the chunk of the first
   * decision with a position, -1 when there is none up to the chunk's end,
   * 0 when it came in an earlier chunk.
   */
  push(
    times: Float64Array,
    price: Float64Array,
    weights: Float64Array,
    decides: Uint8Array,
    dollarVolume?: Float64Array,
  ): number {
    const N = this.#n, last = this.#last, r = this.#r;
    let started = this.#started ? 0 : -1;
    for (let j = 0; j < times.length; j++) {
      this.#times.push(times[j]);
      for (let s = 0; s < N; s++) {
        const p = price[j * N + s];
        const now = Number.isNaN(p) ? last[s] : p;
        r[s] = Number.isNaN(last[s]) || Number.isNaN(now)
          ? 0
          : now / last[s] - 1;
        last[s] = now;
      }
      if (this.#pending.length === this.#lag) {
        this.#step(this.#previous, times[j], this.#pending.shift()!);
      }
      this.#previous = times[j];
      if (dollarVolume) {
        this.#volume.set(dollarVolume.subarray(j * N, (j + 1) * N));
      }
      if (!this.#started && decides[j]) {
        for (let s = 0; s < N && !this.#started; s++) {
          if (weights[j * N + s] !== 0) this.#started = true;
        }
        if (this.#started) started = j;
      }
      if (this.#started) {
        this.#pending.push(
          decides[j] ? weights.subarray(j * N, (j + 1) * N) : null,
        );
      }
    }
    if (this.#out.end_time.length >= FRAME_ROWS) this.#flush();
    return started;
  }

  /**
   * The held bar `[from, time)`: weights decided `lag` bars ago (or the
   * drifted holdings).
   */
  #step(from: number, time: number, decided: Float64Array | null): void {
    const N = this.#n, held = this.#held, r = this.#r;
    const h = decided ?? held;
    let gross = 0, traded = 0, exposure = 0, net = 0;
    for (let s = 0; s < N; s++) {
      gross += h[s] * r[s];
      traded += Math.abs(h[s] - held[s]);
      exposure += Math.abs(h[s]);
      net += h[s];
    }
    const cost = traded * this.#costBps / 1e4 +
      (this.#impact && decided ? this.#impactCost(h) : 0);
    const funding = this.#funding?.charge(from, time, h) ?? 0;
    const netReturn = gross - cost + funding;
    if (decided) this.rebalances++;
    for (let s = 0; s < N; s++) {
      held[s] = 1 + gross > 0 ? h[s] * (1 + r[s]) / (1 + gross) : 0;
    }
    this.#equity *= 1 + netReturn;
    this.#peak = Math.max(this.#peak, this.#equity);
    const out = this.#out;
    out.end_time.push(time);
    out.gross_return.push(gross);
    out.cost.push(cost);
    out.funding.push(funding);
    out.return.push(netReturn);
    out.turnover.push(traded);
    out.gross_exposure.push(exposure);
    out.net_exposure.push(net);
    out.equity.push(this.#equity);
    out.drawdown.push(this.#equity / this.#peak - 1);
  }

  /**
   * The square-root impact of trading from the drifted holdings to `h` at
   * the previous grid time's close, as a fraction of equity.
   */
  #impactCost(h: Float64Array): number {
    const { coefficient, capital } = this.#impact!;
    let cost = 0;
    for (let s = 0; s < this.#n; s++) {
      const trade = Math.abs(h[s] - this.#held[s]);
      if (trade === 0) continue;
      const volume = this.#volume[s];
      let participation = trade * this.#equity * capital / volume;
      if (!(volume > 0) || !(participation <= 1)) {
        participation = 1;
        this.impactCapped++;
      }
      cost += trade * coefficient * Math.sqrt(participation) / 1e4;
    }
    return cost;
  }

  /** The return series (with `funding` only when funding is charged). */
  finish(): DataFrame {
    this.#flush();
    return concatFrames(this.#parts, { rechunk: false });
  }

  /**
   * Moves the buffered series into a frame: a year of 1-minute bars is
   * kept once, natively, rather than as buffers copied at the end.
   */
  #flush(): void {
    const columns = Object.fromEntries(
      SERIES.filter((name) => name !== "funding" || this.#funding)
        .map((name) => [name, this.#out[name].toArray()]),
    );
    this.#parts.push(
      frameOf(columns).withColumns(pl.col("end_time").cast(pl.Int64)),
    );
    Object.values(this.#out).forEach((buffer) => buffer.clear());
  }
}
