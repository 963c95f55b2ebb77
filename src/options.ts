/**
 * Checks of the options objects public functions take. From JavaScript (no
 * type checker) a wrong-typed option used to change behaviour silently
 * (`cache: "no"` still cached; a misspelt `interval` gave 1-minute bars):
 * every public function checks its options here first, so a wrong type or
 * an unknown name is an {@linkcode InvalidArgumentError} naming the option.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";

/**
 * Every option name of `T`, each `true`: written as an object literal, the
 * type checker rejects a list that misses an option or names one `T` lacks.
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Checks that `options` is an options object (or undefined) whose keys are
 * all in `known`, and returns it (`{}` for undefined). An unknown key is an
 * {@linkcode InvalidArgumentError} that lists the known ones and suggests
 * the closest.
 *
 * @example
 * ```ts
 * import { checkOptions } from "./options.ts";
 * const known = { start: true, end: true, symbols: true } as const;
 * const options = checkOptions("slice", { start: 0 }, known);
 * console.log(options.start); // 0
 * try {
 *   checkOptions("slice", { strat: 0 }, known);
 * } catch (e) {
 *   console.log((e as Error).message); // slice options: expected one of start, end, symbols (did you mean "start"?), got "strat"
 * }
 * ```
 */
export function checkOptions<T extends object>(
  where: string,
  options: T | undefined,
  known: OptionNames<T>,
): Partial<T> {
  if (options === undefined) return {};
  if (
    options === null || typeof options !== "object" || Array.isArray(options)
  ) {
    throw new InvalidArgumentError(where, options, "an options object");
  }
  const names = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const near = closest(key, names);
    throw new InvalidArgumentError(
      `${where} options`,
      key,
      `one of ${names.join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`,
    );
  }
  return options;
}

/**
 * `value` when it is a boolean, `fallback` when it is undefined; anything
 * else (`"false"`, `0`) is an {@linkcode InvalidArgumentError}.
 *
 * @example
 * ```ts
 * import { booleanOption } from "./options.ts";
 * console.log(booleanOption("cache", undefined, true)); // true
 * ```
 */
export function booleanOption(
  argument: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new InvalidArgumentError(argument, value, "true or false");
  }
  return value;
}

/**
 * `value` when it is a non-empty string, undefined when it is undefined;
 * anything else is an {@linkcode InvalidArgumentError}.
 *
 * @example
 * ```ts
 * import { stringOption } from "./options.ts";
 * console.log(stringOption("cacheDir", "./cache")); // ./cache
 * ```
 */
export function stringOption(
  argument: string,
  value: unknown,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new InvalidArgumentError(argument, value, "a non-empty string");
  }
  return value;
}

/**
 * `value` when it is a function, undefined when it is undefined; anything
 * else is an {@linkcode InvalidArgumentError}.
 *
 * @example
 * ```ts
 * import { functionOption } from "./options.ts";
 * const warn = functionOption<(m: string) => void>("onWarning", console.warn);
 * ```
 */
export function functionOption<F>(
  argument: string,
  value: unknown,
): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") {
    throw new InvalidArgumentError(argument, value, "a function");
  }
  return value as F;
}

/**
 * Checks that `value` is a positive integer (a window, an interval, a count).
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./options.ts";
 * positiveInteger("window", 20); // 20
 * ```
 */
export function positiveInteger(argument: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(argument, value, "a positive integer");
  }
  return value;
}

/**
 * Checks that `value` is one of `allowed`.
 *
 * @example
 * ```ts
 * import { oneOf } from "./options.ts";
 * oneOf("market", "spot", ["spot", "futures_um"]);
 * ```
 */
export function oneOf<T extends string>(
  argument: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidArgumentError(
      argument,
      value,
      `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    );
  }
  return value as T;
}

/**
 * The candidate nearest to `name` (edit distance at most 3 and at most
 * half its length), if any.
 *
 * @example
 * ```ts
 * import { closest } from "./options.ts";
 * console.log(closest("ts_maen", ["ts_mean", "ts_max"])); // ts_mean
 * ```
 */
export function closest(
  name: string,
  candidates: Iterable<string>,
): string | undefined {
  let best: string | undefined, bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= 3 && bestDistance <= name.length / 2
    ? best
    : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
