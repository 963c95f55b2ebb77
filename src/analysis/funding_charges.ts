/**
 * Funding cash flows of a backtest: each symbol's settlements in time
 * order, walked forward bar by bar (so a backtest in time chunks charges
 * exactly what one pass does).
 *
 * @module
 */
import pl from "nodejs-polars";
import { checkFundingFrame } from "../data/funding.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";

/**
 * The settlements of a funding frame per symbol, with a cursor each: a
 * bar's charge reads the settlements in its span and moves past them.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { FundingCharges } from "./funding_charges.ts";
 * const funding = pl.DataFrame({ symbol: ["A", "B"], funding_time: [10, 10], funding_rate: [1e-4, 2e-4] });
 * const charges = new FundingCharges(funding, ["A", "B"]);
 * console.log(charges.charge(0, 20, Float64Array.from([0.5, -0.5]))); // 0.00005 (A's long pays 0.5e-4, B's short receives 1e-4)
 * ```
 */
export class FundingCharges {
  /** Settlement times per symbol (ascending). */
  readonly #times: Float64Array[];
  /** Rates per symbol, matching `#times`. */
  readonly #rates: Float64Array[];
  /** Index of each symbol's first settlement not yet passed. */
  readonly #next: Uint32Array;

  /** Indexes `funding` (`symbol, funding_time, funding_rate`) by the backtest's `symbols`. */
  constructor(funding: DataFrame, symbols: readonly string[]) {
    checkFundingFrame("funding", funding);
    const rows = funding
      .select(
        "symbol",
        pl.col("funding_time").cast(pl.Float64).fillNull(NaN),
        pl.col("funding_rate").cast(pl.Float64).fillNull(NaN),
      )
      .filter(pl.col("symbol").isIn([...symbols]))
      .sort({ by: ["symbol", "funding_time"], maintainOrder: true });
    const names = rows.getColumn("symbol").toArray() as string[];
    const times = rows.getColumn("funding_time").toTypedArray() as Float64Array;
    const rates = rows.getColumn("funding_rate").toTypedArray() as Float64Array;
    const bad = times.findIndex((t, i) =>
      !Number.isFinite(t) || !Number.isFinite(rates[i])
    );
    if (bad >= 0) {
      throw new InvalidArgumentError(
        "funding",
        `${names[bad]} funding_time ${times[bad]} funding_rate ${rates[bad]}`,
        "a finite funding_time and funding_rate in every row",
      );
    }
    const position = new Map(symbols.map((symbol, s) => [symbol, s]));
    const first = new Int32Array(symbols.length + 1).fill(-1);
    const count = new Uint32Array(symbols.length);
    names.forEach((name, row) => {
      const s = position.get(name)!;
      if (first[s] < 0) first[s] = row;
      count[s]++;
    });
    this.#times = symbols.map((_, s) =>
      first[s] < 0
        ? new Float64Array()
        : times.slice(first[s], first[s] + count[s])
    );
    this.#rates = symbols.map((_, s) =>
      first[s] < 0
        ? new Float64Array()
        : rates.slice(first[s], first[s] + count[s])
    );
    this.#next = new Uint32Array(symbols.length);
  }

  /**
   * The funding cash flow, as a fraction of equity, of holding `held`
   * (weights by symbol) over `[from, to)`: −Σ held[s] × (the sum of s's
   * rates settled in the span). Settlements before `from` were not held
   * and are skipped; spans must come in time order.
   */
  charge(from: number, to: number, held: Float64Array): number {
    let flow = 0;
    for (let s = 0; s < held.length; s++) {
      const times = this.#times[s], rates = this.#rates[s];
      let k = this.#next[s];
      while (k < times.length && times[k] < from) k++;
      let rate = 0;
      while (k < times.length && times[k] < to) rate += rates[k++];
      this.#next[s] = k;
      if (rate !== 0) flow -= held[s] * rate;
    }
    return flow;
  }
}
