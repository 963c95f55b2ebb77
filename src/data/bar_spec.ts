/**
 * Bar specifications and the validation of user-given symbols, bar specs and
 * data kinds.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.ts";
import { positiveInteger } from "../options.ts";
import { DAY_MS, formatInterval, MAX_RANGE_DAYS } from "../time.ts";

/**
 * The longest time-bar interval: {@linkcode MAX_RANGE_DAYS} days, the
 * longest range a load takes (a longer bar could never close inside one).
 */
export const MAX_INTERVAL_MS = MAX_RANGE_DAYS * DAY_MS;

/**
 * How ticks become bars.
 *
 * - `time`: fixed `intervalMs` buckets on the epoch grid (UTC).
 * - `tick`: a bar every `ticks` trades.
 * - `volume`: a bar closes on the trade that brings its volume to `volume`.
 * - `dollar`: a bar closes on the trade that brings its traded value
 *   (price × quantity) to `dollars`.
 */
export type BarSpec =
  | { type: "time"; intervalMs: number }
  | { type: "tick"; ticks: number }
  | { type: "volume"; volume: number }
  | { type: "dollar"; dollars: number };

/** What an exchange symbol may look like (safe in paths and file names). */
export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9_.-]{0,31}$/;

/**
 * Checks one exchange symbol (`^[A-Z0-9][A-Z0-9_.-]{0,31}$`) and returns it.
 *
 * @example
 * ```ts
 * import { validateSymbol } from "./bar_spec.ts";
 * validateSymbol("BTCUSDT"); // ok
 * ```
 */
export function validateSymbol(symbol: unknown, argument = "symbol"): string {
  if (typeof symbol !== "string" || !SYMBOL_PATTERN.test(symbol)) {
    throw new InvalidArgumentError(
      argument,
      symbol,
      'an upper-case exchange symbol matching ^[A-Z0-9][A-Z0-9_.-]{0,31}$ (e.g. "BTCUSDT")',
    );
  }
  return symbol;
}

/**
 * Normalises `symbols` (one string or a list) to a sorted list of distinct,
 * valid symbols; an empty list is an error.
 *
 * @example
 * ```ts
 * import { validateSymbols } from "./bar_spec.ts";
 * console.log(validateSymbols(["ETHUSDT", "BTCUSDT"])); // ["BTCUSDT", "ETHUSDT"]
 * ```
 */
export function validateSymbols(symbols: unknown): string[] {
  const list = typeof symbols === "string" ? [symbols] : symbols;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidArgumentError(
      "symbols",
      symbols,
      "a symbol or a non-empty list of symbols",
    );
  }
  return [...new Set(list.map((s, i) => validateSymbol(s, `symbols[${i}]`)))]
    .sort();
}

function positiveFinite(argument: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, value, "a positive finite number");
  }
  return value;
}

/**
 * Checks a {@linkcode BarSpec} and returns a clean copy.
 *
 * @example
 * ```ts
 * import { validateBarSpec } from "./bar_spec.ts";
 * validateBarSpec({ type: "volume", volume: 12.5 });
 * ```
 */
export function validateBarSpec(bar: unknown): BarSpec {
  const spec = bar as Record<string, unknown> | null;
  switch (spec?.type) {
    case "time": {
      const intervalMs = positiveInteger("bar.intervalMs", spec.intervalMs);
      if (intervalMs > MAX_INTERVAL_MS) {
        throw new InvalidArgumentError(
          "bar.intervalMs",
          intervalMs,
          `an interval from 1 ms to ${MAX_INTERVAL_MS} ms (${MAX_RANGE_DAYS} days)`,
        );
      }
      return { type: "time", intervalMs };
    }
    case "tick":
      return { type: "tick", ticks: positiveInteger("bar.ticks", spec.ticks) };
    case "volume":
      return {
        type: "volume",
        volume: positiveFinite("bar.volume", spec.volume),
      };
    case "dollar":
      return {
        type: "dollar",
        dollars: positiveFinite("bar.dollars", spec.dollars),
      };
    default:
      throw new InvalidArgumentError(
        "bar",
        bar,
        '{type: "time", intervalMs} | {type: "tick", ticks} | {type: "volume", volume} | {type: "dollar", dollars}',
      );
  }
}

/**
 * A short, file-name-safe key of a bar spec, e.g. `time-60000`, `volume-12.5`.
 *
 * @example
 * ```ts
 * import { barSpecKey } from "./bar_spec.ts";
 * console.log(barSpecKey({ type: "tick", ticks: 100 })); // tick-100
 * ```
 */
export function barSpecKey(spec: BarSpec): string {
  switch (spec.type) {
    case "time":
      return `time-${spec.intervalMs}`;
    case "tick":
      return `tick-${spec.ticks}`;
    case "volume":
      return `volume-${spec.volume}`;
    case "dollar":
      return `dollar-${spec.dollars}`;
  }
}

/**
 * The compact form of a bar spec, as the CLI's `--bar` reads it; a
 * time interval in the largest unit that divides it.
 *
 * @example
 * ```ts
 * import { formatBarSpec } from "./bar_spec.ts";
 * console.log(formatBarSpec({ type: "time", intervalMs: 3_600_000 })); // time:1h
 * ```
 */
export function formatBarSpec(spec: BarSpec): string {
  switch (spec.type) {
    case "time":
      return `time:${formatInterval(spec.intervalMs)}`;
    case "tick":
      return `tick:${spec.ticks}`;
    case "volume":
      return `volume:${spec.volume}`;
    case "dollar":
      return `dollar:${spec.dollars}`;
  }
}
