/**
 * Forward returns of every cell of a time × symbol panel: from prices, or
 * compounded from per-bar returns.
 *
 * @module
 */

/**
 * Forward returns of every cell (time-major, `width` symbols a time) for
 * `k` grid steps ahead: price(t+k) / price(t) − 1, NaN where it is not a
 * finite number or price(t) is not positive.
 *
 * @example
 * ```ts
 * import { forwardReturns } from "./forward_returns.ts";
 * console.log([...forwardReturns(new Float64Array([10, 11, 12.1]), 1, 1)]); // [0.10000000000000009, 0.09999999999999987, NaN]
 * ```
 */
export function forwardReturns(
  price: Float64Array,
  width: number,
  k: number,
): Float64Array {
  const out = new Float64Array(price.length).fill(NaN);
  const shift = k * width;
  for (let c = 0; c + shift < price.length; c++) {
    const now = price[c];
    if (now > 0) {
      const r = price[c + shift] / now - 1;
      if (Number.isFinite(r)) out[c] = r;
    }
  }
  return out;
}

/**
 * Forward returns of every cell compounded from the per-bar returns of the
 * `k` grid steps after it: absent when any of them is (a gap is not
 * skipped over).
 *
 * @example
 * ```ts
 * import { compoundedReturns } from "./forward_returns.ts";
 * console.log([...compoundedReturns(new Float64Array([NaN, 0.5, 1]), 1, 2)]); // [2, NaN, NaN]
 * ```
 */
export function compoundedReturns(
  returns: Float64Array,
  width: number,
  k: number,
): Float64Array {
  const out = new Float64Array(returns.length).fill(NaN);
  for (let c = 0; c + k * width < returns.length; c++) {
    let growth = 1;
    for (let j = 1; j <= k; j++) growth *= 1 + returns[c + j * width];
    if (Number.isFinite(growth)) out[c] = growth - 1;
  }
  return out;
}
