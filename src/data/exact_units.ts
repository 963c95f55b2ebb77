/**
 * Exact decimal sums of prices and quantities. Parquet holds them as doubles
 * parsed from the exchange's decimal text; summing doubles is neither exact
 * nor deterministic (DuckDB's float sums change their last bits with thread
 * order), so each value is turned back into the decimal it was parsed from,
 * as an integer of {@linkcode QUANTITY_DECIMALS} or
 * {@linkcode PRICE_DECIMALS} units, and summed as an integer: in DuckDB as
 * HUGEINT, in JavaScript as base-1e10 limbs held in doubles.
 *
 * Recovering the decimal: a double `x` parsed from a decimal `d` with at most
 * `k` decimals is within half an ulp of `d`, so rounding `x` to `k` decimals
 * gives `d` back whenever `ulp(x) < 10^-k`. That holds for 8 decimals below
 * 2^26 (6.7e7) and 12 decimals below 2^13 (8192); larger values keep as many
 * decimals as their double can tell apart (a quantity of 1e11 keeps 4, one of
 * 1e13 keeps 2), the same digits the exchange's own text had when it had at
 * most 15 significant digits. More decimals than 8 (12 for prices) are
 * rounded to 8 (12).
 *
 * @module
 */

/** Decimals a quantity (and a quote volume) is summed with: 1 unit = 1e-8. */
export const QUANTITY_DECIMALS = 8;
/** Decimals a price is multiplied with: 1 unit = 1e-12. */
export const PRICE_DECIMALS = 12;
/** Decimals of a traded value `price × quantity` in units. */
export const VALUE_DECIMALS = PRICE_DECIMALS + QUANTITY_DECIMALS;

const LIMB = 1e10;
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
 * SQL selecting, from a DOUBLE expression `x`, its whole part `<name>_whole`
 * (BIGINT) and the units of its fraction `<name>_units` (BIGINT in
 * `[0, 10^decimals]`), so that `x` as a decimal is
 * `whole × 10^decimals + units` units. Select it from a subquery that has
 * `<name>_scale`, given by {@linkcode decimalScaleColumnSql}.
 *
 * @example
 * ```ts
 * import { decimalPartsSql } from "./exact_units.ts";
 * console.log(decimalPartsSql("qty", "q", 8).length > 0); // true
 * ```
 */
export function decimalPartsSql(
  x: string,
  name: string,
  decimals: number,
): string {
  return `CAST(floor(${x}) AS BIGINT) AS ${name}_whole,
    CAST(round((${x} - floor(${x})) * ${name}_scale) * (1e${decimals} / ${name}_scale) AS BIGINT) AS ${name}_units`;
}

/**
 * SQL for the column `<name>_scale` that {@linkcode decimalPartsSql} needs.
 *
 * @example
 * ```ts
 * import { decimalScaleColumnSql } from "./exact_units.ts";
 * console.log(decimalScaleColumnSql("qty", "q", 8).endsWith("AS q_scale")); // true
 * ```
 */
export function decimalScaleColumnSql(
  x: string,
  name: string,
  decimals: number,
): string {
  return `${fractionScaleSql(x, decimals)} AS ${name}_scale`;
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
 * double nearest to its decimal value (correctly rounded: DuckDB parses the
 * decimal text exactly; negative counts too). Used once per bar, so the text
 * costs nothing that matters.
 *
 * @example
 * ```ts
 * import { unitsToDoubleSql } from "./exact_units.ts";
 * console.log(unitsToDoubleSql("q", 8).startsWith("CAST(")); // true
 * ```
 */
export function unitsToDoubleSql(units: string, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const size = `abs(${units})`;
  return `CAST(CASE WHEN ${units} < 0 THEN '-' ELSE '' END || CAST(${size} // ${scale} AS VARCHAR) || '.' || lpad(CAST(${size} % ${scale} AS VARCHAR), ${decimals}, '0') AS DOUBLE)`;
}

/**
 * Adds a non-negative integer given as base-1e10 limbs `(high, middle, low)`
 * (`middle`, `low` in `[0, 1e10]`) to the limbs at `at` of `sum`, keeping
 * the sum's `middle` and `low` below 1e10. The high limb is exact while it is
 * below 2^53, which {@linkcode limbsToNumber} checks.
 */
export function addLimbs(
  sum: Float64Array,
  at: number,
  high: number,
  middle: number,
  low: number,
): void {
  let l = sum[at + 2] + low, m = sum[at + 1] + middle, h = sum[at] + high;
  if (l >= LIMB) {
    l -= LIMB;
    m++;
  }
  if (m >= LIMB) {
    m -= LIMB;
    h++;
  }
  sum[at] = h;
  sum[at + 1] = m;
  sum[at + 2] = l;
}

/** Whether the limbs at `a` of `x` are at least the limbs `b` of `y`. */
export function limbsAtLeast(
  x: Float64Array,
  a: number,
  y: Float64Array,
  b: number,
): boolean {
  return x[a] !== y[b]
    ? x[a] > y[b]
    : x[a + 1] !== y[b + 1]
    ? x[a + 1] > y[b + 1]
    : x[a + 2] >= y[b + 2];
}

/**
 * The double nearest to the decimal value of the limbs at `at` of `sum`, in
 * units of `10^-decimals` (`decimals` ≤ 20): one correctly rounded division
 * while the units are below 2^53, else whole part plus fraction (correctly
 * rounded too while the whole part is below 2^53 and `decimals` ≤ 8), else
 * the decimal text parsed. Returns undefined when the high limb has reached
 * 2^53 (the sum is no longer exact).
 */
export function limbsToNumber(
  sum: Float64Array,
  at: number,
  decimals: number,
): number | undefined {
  const h = sum[at], m = sum[at + 1], l = sum[at + 2];
  if (h >= MAX_EXACT) return undefined;
  const scale = 10 ** decimals;
  if (h === 0 && m < MAX_EXACT / LIMB - 1) return (m * LIMB + l) / scale;
  if (decimals > 8) return (h * LIMB * LIMB + m * LIMB + l) / scale;
  const units = BigInt(h) * 10n ** 20n + BigInt(m) * 10n ** 10n + BigInt(l);
  const big = 10n ** BigInt(decimals);
  const whole = units / big, fraction = Number(units % big);
  if (whole < BigInt(MAX_EXACT)) return Number(whole) + fraction / scale;
  return Number(`${whole}.${String(fraction).padStart(decimals, "0")}`);
}

/**
 * A positive decimal threshold (`0.1`, `1e-7`, `2500.5`) as base-1e10 limbs
 * of units of `10^-decimals`, rounded up (a sum of whole units reaches the
 * threshold exactly when it reaches its ceiling), converted from the
 * shortest decimal text of the number, so `0.1` is exactly 10,000,000 units
 * of 1e-8.
 *
 * @example
 * ```ts
 * import { thresholdLimbs } from "./exact_units.ts";
 * console.log(thresholdLimbs(0.1, 8)); // Float64Array(3) [ 0, 0, 10000000 ]
 * ```
 */
export function thresholdLimbs(value: number, decimals: number): Float64Array {
  const [mantissa, exponentText = "0"] = String(value).split("e");
  const [whole, fraction = ""] = mantissa.split(".");
  const digits = BigInt(whole + fraction);
  const shift = Number(exponentText) - fraction.length + decimals;
  let units: bigint;
  if (shift >= 0) units = digits * 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    units = (digits + divisor - 1n) / divisor;
  }
  const limb = BigInt(LIMB);
  return Float64Array.of(
    Number(units / (limb * limb)),
    Number((units / limb) % limb),
    Number(units % limb),
  );
}
