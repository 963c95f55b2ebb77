/**
 * The compact bar specs of the command line (`time:1m`, `tick:1000`,
 * `volume:50`, `dollar:1e6`), read into {@linkcode BarSpec}s (and
 * written back by `formatBarSpec` of the data layer).
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.ts";
import {
  type BarSpec,
  formatBarSpec,
  validateBarSpec,
} from "../data/bar_spec.ts";
import { INTERVAL_UNITS } from "../time.ts";

export { formatBarSpec };

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`;
const SPEC = new RegExp(
  `^(time|tick|volume|dollar):(${NUMBER})(ms|s|m|h|d)?$`,
  "i",
);

/** What {@linkcode parseBarSpec} accepts, as its errors say. */
export const BAR_SPEC_GRAMMAR =
  "a bar spec time:N[ms|s|m|h|d], tick:N, volume:X or dollar:X (e.g. time:1m, tick:1000, volume:50, dollar:1e6)";

/**
 * Parses a compact bar spec:
 *
 * - `time:N[ms|s|m|h|d]`: time bars of N units (no unit: milliseconds); the
 *   interval must come to a whole number of milliseconds;
 * - `tick:N`: a bar every N trades, N a positive integer;
 * - `volume:X` / `dollar:X`: a bar closes on the trade that brings its
 *   volume / traded value to X > 0.
 *
 * N and X are decimals with an optional exponent (`1500`, `2.5`, `1e6`); the
 * type and unit are case-insensitive.
 *
 * @example
 * ```ts
 * import { parseBarSpec } from "./bar_spec.ts";
 * console.log(parseBarSpec("time:15m")); // { type: "time", intervalMs: 900000 }
 * console.log(parseBarSpec("dollar:1e6")); // { type: "dollar", dollars: 1000000 }
 * ```
 *
 * @throws {InvalidArgumentError} `text` is not a valid spec (the argument is
 * named `--bar`).
 */
export function parseBarSpec(text: string): BarSpec {
  const match = SPEC.exec(text.trim());
  const type = match?.[1].toLowerCase();
  const value = Number(match?.[2]);
  const unit = match?.[3]?.toLowerCase();
  let spec: unknown;
  if (type === "time") {
    spec = { type, intervalMs: value * INTERVAL_UNITS[unit ?? "ms"] };
  } else if (unit === undefined) {
    if (type === "tick") spec = { type, ticks: value };
    else if (type === "volume") spec = { type, volume: value };
    else if (type === "dollar") spec = { type, dollars: value };
  }
  try {
    return validateBarSpec(spec);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new InvalidArgumentError("--bar", text, BAR_SPEC_GRAMMAR);
    }
    throw error;
  }
}
