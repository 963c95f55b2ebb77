/**
 * Time inputs and UTC day arithmetic. All times inside factorium are epoch
 * milliseconds, UTC.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";
import { positiveInteger } from "./options.ts";

/** A point in time: a `Date`, an ISO 8601 string (`"2024-01-01"`, `"2024-01-01T12:00Z"`) or epoch milliseconds. */
export type TimeInput = Date | string | number;

/** Milliseconds in one UTC day. */
export const DAY_MS = 86_400_000;

/** Milliseconds per unit of a compact interval (`15m`, `1h`, `500ms`). */
export const INTERVAL_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
};

/**
 * A positive whole interval in the largest unit that divides it.
 *
 * @example
 * ```ts
 * import { formatInterval } from "./time.ts";
 * console.log(formatInterval(900_000), formatInterval(1_500)); // 15m 1500ms
 * ```
 */
export function formatInterval(ms: number): string {
  const [unit, size] = Object.entries(INTERVAL_UNITS).reverse()
    .find(([, size]) => ms % size === 0)!;
  return `${ms / size}${unit}`;
}

/** The largest |epoch ms| a `Date` can hold (±100,000,000 days). */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * Converts a {@linkcode TimeInput} to epoch milliseconds. A date-only or
 * zone-less ISO string is read as UTC; its calendar date must exist
 * (`2024-02-30` is an error, not March 1st); a number must be an integer
 * within the range of a `Date` (±{@linkcode MAX_EPOCH_MS}).
 *
 * @example
 * ```ts
 * import { toEpochMs } from "./time.ts";
 * console.log(toEpochMs("2024-01-01")); // 1704067200000
 * ```
 */
export function toEpochMs(value: TimeInput, argument = "time"): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const zoneless = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value);
    if (!calendarDateExists(value)) {
      throw new InvalidArgumentError(
        argument,
        value,
        "a date that exists in the calendar (months 01-12, days up to the month's last)",
      );
    }
    ms = Date.parse(zoneless ? `${value}Z` : value);
  } else ms = NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new InvalidArgumentError(
      argument,
      value,
      "a Date, an ISO 8601 string or integer epoch milliseconds",
    );
  }
  if (Math.abs(ms) > MAX_EPOCH_MS) {
    throw new InvalidArgumentError(
      argument,
      value,
      `a valid date: epoch milliseconds within ±${MAX_EPOCH_MS}`,
    );
  }
  return ms;
}

/**
 * Whether the `YYYY-MM-DD` an ISO string starts with (if any) is a real
 * calendar date: `Date.parse` rolls `2024-02-30` over to March 1st.
 */
function calendarDateExists(text: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(text)?.[0];
  if (date === undefined) return true;
  const ms = Date.parse(date);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(date);
}

/**
 * The UTC day (`YYYY-MM-DD`) holding an epoch-ms time.
 *
 * @example
 * ```ts
 * import { utcDay } from "./time.ts";
 * console.log(utcDay(1704067200000)); // 2024-01-01
 * ```
 */
export function utcDay(ms: number): string {
  return new Date(floorTo(ms, DAY_MS)).toISOString().slice(0, 10);
}

/**
 * Rounds `ms` down to a multiple of `step` (on the epoch grid).
 *
 * @example
 * ```ts
 * import { floorTo } from "./time.ts";
 * console.log(floorTo(125, 60)); // 120
 * ```
 */
export function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/**
 * Rounds `ms` up to a multiple of `step` (on the epoch grid).
 *
 * @example
 * ```ts
 * import { ceilTo } from "./time.ts";
 * console.log(ceilTo(121, 60)); // 180
 * ```
 */
export function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}

/**
 * Start times (epoch ms) of the UTC days that overlap `[start, end)`.
 *
 * @example
 * ```ts
 * import { daysOverlapping } from "./time.ts";
 * console.log(daysOverlapping(0, 86_400_001).length); // 2
 * ```
 */
export function daysOverlapping(start: number, end: number): number[] {
  const days: number[] = [];
  for (let d = floorTo(start, DAY_MS); d < end; d += DAY_MS) days.push(d);
  return days;
}

/**
 * Start times (epoch ms) of the UTC months that overlap `[start, end)`.
 *
 * @example
 * ```ts
 * import { monthsOverlapping } from "./time.ts";
 * console.log(monthsOverlapping(Date.UTC(2024, 0, 31), Date.UTC(2024, 2, 1)).length); // 2
 * ```
 */
export function monthsOverlapping(start: number, end: number): number[] {
  const months: number[] = [];
  const first = new Date(start);
  for (
    let m = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1), i = 1;
    m < end;
    m = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i++, 1)
  ) months.push(m);
  return months;
}

/**
 * The longest range a load or download takes: 100 years. Longer ranges are
 * mistakes (`days: 1e6` listed millions of missing symbol-days for 78 s
 * before failing).
 */
export const MAX_RANGE_DAYS = 36_525;

/** A UTC range as `start` and `end`, `start` and `days`, or `end` and `days`. */
export interface RangeOptions {
  /** Inclusive start. */
  start?: TimeInput;
  /** Exclusive end. */
  end?: TimeInput;
  /** Length of the range in days, with `start` or `end`. */
  days?: number;
}

/**
 * Resolves start/end/days to a half-open epoch-ms range `[lo, hi)`.
 *
 * @example
 * ```ts
 * import { resolveRange } from "./time.ts";
 * console.log(resolveRange({ start: "2024-01-01", days: 2 })); // [1704067200000, 1704240000000]
 * ```
 *
 * @throws {InvalidArgumentError} the combination is incomplete or
 * over-determined, a time is invalid, `days` is not a positive integer,
 * start is not before end, or the range is longer than
 * {@linkcode MAX_RANGE_DAYS}.
 */
export function resolveRange(options: RangeOptions): [number, number] {
  const { start, end, days } = options;
  const span = days === undefined
    ? undefined
    : positiveInteger("days", days) * DAY_MS;
  let lo: number, hi: number;
  if (start !== undefined && end !== undefined) {
    if (span !== undefined) {
      throw new InvalidArgumentError(
        "days",
        days,
        "no days when both start and end are given",
      );
    }
    [lo, hi] = [toEpochMs(start, "start"), toEpochMs(end, "end")];
  } else if (start !== undefined && span !== undefined) {
    lo = toEpochMs(start, "start");
    hi = lo + span;
  } else if (end !== undefined && span !== undefined) {
    hi = toEpochMs(end, "end");
    lo = hi - span;
  } else {
    throw new InvalidArgumentError(
      "start/end/days",
      { start, end, days },
      "start and end, start and days, or end and days",
    );
  }
  if (lo >= hi) {
    throw new InvalidArgumentError(
      "start",
      `${new Date(lo).toISOString()} >= end ${new Date(hi).toISOString()}`,
      "start before end",
    );
  }
  if (hi - lo > MAX_RANGE_DAYS * DAY_MS) {
    throw new InvalidArgumentError(
      "start/end/days",
      `${(hi - lo) / DAY_MS} days`,
      `a range of at most ${MAX_RANGE_DAYS} days (100 years)`,
    );
  }
  return [lo, hi];
}

const TIMESTEP = /^(\d+)(ms|s|m|h|d)$/;
const TIMESTEP_EXPECTED =
  'a timestep such as "5m", "1h", "1d" (units ms, s, m, h, d) or a positive integer of milliseconds';

/**
 * Reads a duration (a timestep: `"5m"`, `"1h"`, `"30d"` or a number of
 * milliseconds) as milliseconds; anything else raises an
 * {@linkcode InvalidArgumentError} naming `argument`.
 *
 * @example
 * ```ts
 * import { parseTimestep } from "./time.ts";
 * console.log(parseTimestep("5m"), parseTimestep("1d"), parseTimestep(1_000)); // 300000 86400000 1000
 * ```
 */
export function parseTimestep(value: unknown, argument = "timestep"): number {
  let ms = NaN;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const match = TIMESTEP.exec(value.trim());
    if (match) ms = Number(match[1]) * INTERVAL_UNITS[match[2]];
  }
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new InvalidArgumentError(argument, value, TIMESTEP_EXPECTED);
  }
  return ms;
}
