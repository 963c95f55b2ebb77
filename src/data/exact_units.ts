/**
 * Exact decimal sums of prices and quantities. Parquet holds them as doubles
 * parsed from the exchange's decimal text; summing doubles is neither exact
 * nor deterministic (DuckDB's float sums change their last bits with thread
 * order), so each value is turned back into the decimal it was parsed from,
 * split into a whole part and the units of its fraction
 * ({@linkcode QUANTITY_DECIMALS}, {@linkcode PRICE_DECIMALS}), and summed as
 * integers: in DuckDB as HUGEINT sums of BIGINT products, in JavaScript as
 * pairs (whole, 1e-8 units) or base-1e7 limbs held in doubles (every
 * intermediate an integer below 2^53).
 *
 * Recovering the decimal: a double `x` parsed from a decimal `d` with at most
 * `k` decimals is within half an ulp of `d`, so rounding the fraction of `x`
 * to `k` decimals gives `d` back whenever `ulp(x) < 10^-k`. That holds for 8
 * decimals below 2^26 (6.7e7) and 12 decimals below 2^13 (8192); larger
 * values keep as many decimals as their double can tell apart (a quantity of
 * 1e11 keeps 4, one of 1e13 keeps 2), the same digits the exchange's own text
 * had when it had at most 15 significant digits. More decimals than 8 (12
 * for prices) are rounded to 8 (12).
 *
 * Bounds: exact for quantities below 2^53 (9e15) per trade, prices below
 * 1e8 and traded values below 9.2e18 per trade; a time bar's quantity sum
 * must stay below 1e26 and a sequential bar's below 9e15 (else the load
 * fails with a DataFileError rather than round).
 *
 * @module
 */

/** Decimals a quantity (and a quote volume) is summed with: 1 unit = 1e-8. */
export const QUANTITY_DECIMALS = 8;
/** Decimals a price is multiplied with: 1 unit = 1e-12. */
export const PRICE_DECIMALS = 12;
/** Decimals of a traded value `price × quantity` in units. */
export const VALUE_DECIMALS = PRICE_DECIMALS + QUANTITY_DECIMALS;

const MAX_EXACT = 2 ** 53;

/**
 * SQL for the power of ten (a DOUBLE) by which the fraction of `x` is scaled
 * to recover its decimals: `10^k` with `k` the most decimals (up to
 * `decimals`) that the double of `x` holds exactly, i.e. `ulp(x) < 10^-k`.
 */
function fractionScaleSql(x: string, decimals: number): string {
  const branches: string[] = [];
  for (let k = decimals; k > 0; k--) {
    // ulp(x) = 2^(e - 52) for x in [2^e, 2^(e+1)); the largest e with
    // 2^(e - 52) < 10^-k bounds x from above.
    const exponent = Math.ceil(52 - k * Math.log2(10)) - 1;
    branches.push(`WHEN abs(${x}) < ${2 ** (exponent + 1)} THEN 1e${k}`);
  }
  return `CASE ${branches.join(" ")} ELSE 1 END`;
}

/**
 * The power of ten by which the fraction of `x` is scaled to recover its
 * decimals: `10^k` with `k` the most decimals (up to `decimals`) that the
 * double of `x` holds exactly. The JavaScript twin of
 * {@linkcode fractionScaleSql}; both must give the same units.
 */
function fractionScale(x: number, decimals: number): number {
  const size = Math.abs(x);
  for (let k = decimals; k > 0; k--) {
    if (size < 2 ** (Math.ceil(52 - k * Math.log2(10)))) return 10 ** k;
  }
  return 1;
}

/**
 * The units of `10^-decimals` in the fraction of `x` (`x - floor(x)`) as the
 * decimal `x` was parsed from has them: an integer in `[0, 10^decimals]`.
 *
 * @example
 * ```ts
 * import { fractionUnits } from "./exact_units.ts";
 * console.log(fractionUnits(0.1 + 0.2, 8)); // 30000000
 * ```
 */
export function fractionUnits(x: number, decimals: number): number {
  // Below 8192 every double holds 12 decimals (the common case, no loop).
  const scale = x < 8192 && x >= 0
    ? 10 ** decimals
    : fractionScale(x, decimals);
  return Math.round((x - Math.floor(x)) * scale) * (10 ** decimals / scale);
}

/**
 * SQL adding to the rows of `rows` (which has DOUBLE `price` and `qty`) the
 * exact decimal parts as integer-valued DOUBLEs: `qw`, `qu` (quantity =
 * qw + qu × 1e-8) and `pw`, `pu` (price = pw + pu × 1e-12).
 *
 * @example
 * ```ts
 * import { tickPartsSql } from "./exact_units.ts";
 * console.log(tickPartsSql("SELECT 1.5 AS price, 2.0 AS qty").includes("qu")); // true
 * ```
 */
export function tickPartsSql(rows: string): string {
  const parts = (x: string, name: string, decimals: number) =>
    `floor(${x}) AS ${name}w, round((${x} - floor(${x})) * ${name}_scale) * (1e${decimals} / ${name}_scale) AS ${name}u`;
  return `SELECT *, ${parts("qty", "q", QUANTITY_DECIMALS)}, ${
    parts("price", "p", PRICE_DECIMALS)
  } FROM (SELECT *, ${fractionScaleSql("qty", QUANTITY_DECIMALS)} AS q_scale, ${
    fractionScaleSql("price", PRICE_DECIMALS)
  } AS p_scale FROM (${rows}))`;
}

/**
 * SQL for the decimal value of a DOUBLE expression `x` in units of
 * `10^-decimals`, as HUGEINT, in one expression (for few rows, e.g. klines).
 *
 * @example
 * ```ts
 * import { decimalUnitsSql } from "./exact_units.ts";
 * console.log(decimalUnitsSql("volume", 8).includes("HUGEINT")); // true
 * ```
 */
export function decimalUnitsSql(x: string, decimals: number): string {
  const scale = fractionScaleSql(x, decimals);
  return `(CAST(floor(${x}) AS HUGEINT) * ${10n ** BigInt(decimals)} +
    CAST(round((${x} - floor(${x})) * (${scale})) * (1e${decimals} / (${scale})) AS BIGINT))`;
}

/**
 * SQL turning an integer count of `10^-decimals` units (HUGEINT) into the
 * double nearest to its decimal value: one correctly rounded division below
 * 2^53 units, else the decimal text parsed (exact, negative counts too).
 *
 * @example
 * ```ts
 * import { unitsToDoubleSql } from "./exact_units.ts";
 * console.log(unitsToDoubleSql("q", 8).startsWith("CASE")); // true
 * ```
 */
export function unitsToDoubleSql(units: string, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const size = `abs(${units})`;
  return `CASE WHEN ${size} < ${MAX_EXACT} THEN CAST(${units} AS DOUBLE) / 1e${decimals}
    ELSE CAST(CASE WHEN ${units} < 0 THEN '-' ELSE '' END || CAST(${size} // ${scale} AS VARCHAR) || '.' || lpad(CAST(${size} % ${scale} AS VARCHAR), ${decimals}, '0') AS DOUBLE) END`;
}

/** Base of the limbs quantities and traded values are carried in. */
export const LIMB = 1e7;
/** Limbs of a quantity in 1e-8 units (up to 1e28 units before the top limb grows past 1e7). */
export const QUANTITY_LIMBS = 4;
/** Limbs of a traded value in 1e-20 units. */
export const VALUE_LIMBS = 6;

/**
 * Writes the {@linkcode QUANTITY_LIMBS} base-1e7 limbs of the quantity
 * `whole + units × 1e-8` (in 1e-8 units; `whole` < 2^53, `units` ≤ 1e8) to
 * `out`.
 */
export function quantityLimbs(
  whole: number,
  units: number,
  out: Float64Array,
): void {
  // x - floor(x / m) * m rather than x % m: exact for integers below 2^53
  // and much faster in V8 than fmod.
  const tens = Math.floor(units / LIMB);
  out[0] = units - tens * LIMB;
  if (whole === 0) {
    out[1] = tens;
    out[2] = out[3] = 0;
    return;
  }
  const high = Math.floor(whole / 1e6);
  out[1] = (whole - high * 1e6) * 10 + tens;
  out[3] = Math.floor(high / LIMB);
  out[2] = high - out[3] * LIMB;
}

/**
 * Writes the {@linkcode VALUE_LIMBS} limb sums of the traded value
 * `price × quantity` in 1e-20 units to `out` (value = Σ out[k] × 1e7^k, each
 * below 3e14 for prices below 1e8), from the price's parts (`whole`, 1e-12
 * `units`) and the quantity's limbs from {@linkcode quantityLimbs}.
 */
export function valueLimbs(
  whole: number,
  units: number,
  q: Float64Array,
  out: Float64Array,
): void {
  const a2 = Math.floor(whole / 100);
  const millions = Math.floor(units / LIMB);
  const a0 = units - millions * LIMB;
  const a1 = millions + (whole - a2 * 100) * 1e5;
  const q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
  out[0] = a0 * q0;
  out[1] = a0 * q1 + a1 * q0;
  out[2] = a0 * q2 + a1 * q1 + a2 * q0;
  out[3] = a0 * q3 + a1 * q2 + a2 * q1;
  out[4] = a1 * q3 + a2 * q2;
  out[5] = a2 * q3;
}

/**
 * Adds the `n` limbs of `limbs` (each at most 3e14) to the limbs at `at` of
 * `sum` and carries, so every limb but the top one stays below 1e7. The top
 * limb is exact while below 2^53, which {@linkcode quantityToNumber} and
 * {@linkcode valueToNumber} check.
 */
export function addLimbs(
  sum: Float64Array,
  at: number,
  n: number,
  limbs: Float64Array,
): void {
  let carry = 0;
  for (let k = 0; k < n - 1; k++) {
    const v = sum[at + k] + limbs[k] + carry;
    carry = v >= LIMB ? Math.floor(v / LIMB) : 0;
    sum[at + k] = v - carry * LIMB;
  }
  sum[at + n - 1] += limbs[n - 1] + carry;
}

/** Whether the `n` limbs at `a` of `x` are at least the limbs at `b` of `y`. */
export function limbsAtLeast(
  x: Float64Array,
  a: number,
  y: Float64Array,
  b: number,
  n: number,
): boolean {
  for (let k = n - 1; k > 0; k--) {
    if (x[a + k] !== y[b + k]) return x[a + k] > y[b + k];
  }
  return x[a] >= y[b];
}

/**
 * The double nearest to the quantity `whole + units × 1e-8` (`whole` an
 * integer below 2^53, `units` in `[0, 1e8)`): one correctly rounded division
 * while the units fit 2^53, else whole part plus fraction, which is
 * correctly rounded too (the whole part is then at least 9e7, so the
 * fraction's own rounding cannot cross a midpoint).
 *
 * @example
 * ```ts
 * import { quantityToNumber } from "./exact_units.ts";
 * console.log(quantityToNumber(0, 10_000_000)); // 0.1
 * ```
 */
export function quantityToNumber(whole: number, units: number): number {
  return whole < 9e7 ? (whole * 1e8 + units) / 1e8 : whole + units / 1e8;
}

/**
 * A traded value held as {@linkcode VALUE_LIMBS} limbs of 1e-20 units at
 * `at` of `sum`, as a double (within a few ulps; a vwap needs no more).
 * Undefined when the top limb has passed 2^53.
 */
export function valueToNumber(
  sum: Float64Array,
  at: number,
): number | undefined {
  if (sum[at + VALUE_LIMBS - 1] >= MAX_EXACT) return undefined;
  let value = 0;
  for (let k = VALUE_LIMBS - 1; k >= 0; k--) value = value * LIMB + sum[at + k];
  return value / 1e20;
}

/**
 * A positive decimal threshold (`0.1`, `1e-7`, `2500.5`) in units of
 * `10^-decimals`, rounded up (a sum of whole units reaches the threshold
 * exactly when it reaches its ceiling), converted from the shortest decimal
 * text of the number, so `0.1` is exactly 10,000,000 units of 1e-8.
 *
 * @example
 * ```ts
 * import { thresholdUnits } from "./exact_units.ts";
 * console.log(thresholdUnits(0.1, 8)); // 10000000n
 * ```
 */
export function thresholdUnits(value: number, decimals: number): bigint {
  const [mantissa, exponentText = "0"] = String(value).split("e");
  const [whole, fraction = ""] = mantissa.split(".");
  const digits = BigInt(whole + fraction);
  const shift = Number(exponentText) - fraction.length + decimals;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  return (digits + divisor - 1n) / divisor;
}

/**
 * `units` as `n` base-1e7 limbs (the top one takes what is left).
 *
 * @example
 * ```ts
 * import { toLimbs } from "./exact_units.ts";
 * console.log(toLimbs(10n ** 20n, 6)); // Float64Array(6) [ 0, 0, 1000000, 0, 0, 0 ]
 * ```
 */
export function toLimbs(units: bigint, n: number): Float64Array {
  const limbs = new Float64Array(n);
  const base = BigInt(LIMB);
  for (let k = 0; k < n - 1; k++, units /= base) {
    limbs[k] = Number(units % base);
  }
  limbs[n - 1] = Number(units);
  return limbs;
}
