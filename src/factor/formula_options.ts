/**
 * {@linkcode FormulaOptions}: how formulas read the vocabulary that has more
 * than one reading (its own file so that `Factor` can name it without
 * importing the parser, which imports `Factor`).
 *
 * @module
 */

/** How formulas read the vocabulary that has more than one reading. */
export interface FormulaOptions {
  /**
   * What `adv{d}` averages over the last `d` bars. `"dollar"`:
   * ts_mean(volume * vwap, d), the paper's definition ("average daily dollar
   * volume"). `"units"`: ts_mean(volume, d), volume in base-asset units, as
   * most published implementations read it. The choice decides alphas that
   * set adv against volume (listed in `ALPHA101`'s documentation).
   *
   * @default "dollar"
   */
  adv?: "dollar" | "units";
}
