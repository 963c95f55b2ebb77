/**
 * Typed errors raised by factorium. Every error a user can provoke with bad
 * input is one of these, so callers can `catch` and branch on the class.
 *
 * @module
 */

/**
 * Base class of every error factorium raises on purpose.
 *
 * @example
 * ```ts
 * import { FactoriumError } from "./errors.ts";
 * try {
 *   throw new FactoriumError("boom");
 * } catch (e) {
 *   console.log(e instanceof FactoriumError); // true
 * }
 * ```
 */
export class FactoriumError extends Error {
  /** Creates the error; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An argument has the wrong type or value: the message names the value and
 * what was expected.
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from "./errors.ts";
 * const e = new InvalidArgumentError("intervalMs", 0, "a positive integer");
 * console.log(e.message); // intervalMs: expected a positive integer, got 0
 * ```
 */
export class InvalidArgumentError extends FactoriumError {
  /** Name of the offending argument or option. */
  readonly argument: string;
  /** The value that was passed. */
  readonly value: unknown;
  /** Creates the error from the argument name, the value and what was expected. */
  constructor(argument: string, value: unknown, expected: string) {
    super(`${argument}: expected ${expected}, got ${describe(value)}`);
    this.argument = argument;
    this.value = value;
  }
}

/** One symbol and UTC day for which no source file exists. */
export interface MissingSymbolDay {
  /** Exchange symbol, e.g. `BTCUSDT`. */
  symbol: string;
  /** UTC day as `YYYY-MM-DD`. */
  day: string;
  /** The path that was looked for. */
  path: string;
}

/**
 * Source files are missing for some requested symbol-days. `missing` lists
 * them; pass `allowMissing: true` to load what exists instead.
 *
 * @example
 * ```ts
 * import { MissingDataError } from "./errors.ts";
 * const e = new MissingDataError([{ symbol: "BTCUSDT", day: "2024-01-01", path: "x" }]);
 * console.log(e.missing.length); // 1
 * ```
 */
export class MissingDataError extends FactoriumError {
  /** Every missing symbol-day. */
  readonly missing: MissingSymbolDay[];
  /** Creates the error from the missing symbol-days. */
  constructor(missing: MissingSymbolDay[]) {
    super(
      `${
        describeMissing(missing)
      }; pass allowMissing: true to load what exists`,
    );
    this.missing = missing;
  }
}

/**
 * The missing symbol-days in one line: how many, the first ten, and the
 * first path looked for.
 *
 * @example
 * ```ts
 * import { describeMissing } from "./errors.ts";
 * console.log(describeMissing([{ symbol: "BTCUSDT", day: "2024-01-01", path: "x" }]));
 * // no source file for 1 symbol-day(s): BTCUSDT 2024-01-01 (first looked for x)
 * ```
 */
export function describeMissing(missing: readonly MissingSymbolDay[]): string {
  const shown = missing.slice(0, 10).map((m) => `${m.symbol} ${m.day}`)
    .join(", ");
  const more = missing.length > 10 ? ` and ${missing.length - 10} more` : "";
  return `no source file for ${missing.length} symbol-day(s): ${shown}${more} (first looked for ${
    missing[0]?.path
  })`;
}

/** A symbol-day that could not be downloaded, and why. */
export interface FailedDownload {
  /** Symbol. */
  symbol: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** The dump's address. */
  url: string;
  /** The last error (checksum mismatch, corrupt dump, retries exhausted...). */
  error: Error;
}

/**
 * Some symbol-days could not be downloaded; `failed` lists them with their
 * errors. Nothing was written for them; running again retries them.
 *
 * @example
 * ```ts
 * import { DownloadError } from "./errors.ts";
 * const e = new DownloadError([
 *   { symbol: "BTCUSDT", day: "2024-01-01", url: "https://x/a.zip", error: new Error("HTTP 503") },
 * ]);
 * console.log(e.message); // could not download 1 symbol-day(s): BTCUSDT 2024-01-01 (HTTP 503)
 * ```
 */
export class DownloadError extends FactoriumError {
  /** Every symbol-day that failed. */
  readonly failed: FailedDownload[];
  /** Creates the error from the failed symbol-days. */
  constructor(failed: FailedDownload[]) {
    const shown = failed.slice(0, 5).map((f) =>
      `${f.symbol} ${f.day} (${firstLine(f.error.message)})`
    ).join(", ");
    const more = failed.length > 5 ? ` and ${failed.length - 5} more` : "";
    super(`could not download ${failed.length} symbol-day(s): ${shown}${more}`);
    this.failed = failed;
  }
}

/**
 * A data file exists but cannot be used: it is not valid Parquet (truncated,
 * corrupt) or lacks a required column. `file` names it.
 *
 * @example
 * ```ts
 * import { DataFileError } from "./errors.ts";
 * const e = new DataFileError("/data/x.parquet", "lacks column 'price'");
 * console.log(e.file); // /data/x.parquet
 * ```
 */
export class DataFileError extends FactoriumError {
  /** Path of the unusable file. */
  readonly file: string;
  /** The missing column, when that is the problem. */
  readonly column?: string;
  /** Creates the error for a file, with what is wrong with it. */
  constructor(
    file: string,
    problem: string,
    options?: ErrorOptions & { column?: string },
  ) {
    super(`${file}: ${problem}`, options);
    this.file = file;
    this.column = options?.column;
  }
}

/**
 * A formula cannot be parsed or evaluated. The message shows the formula
 * with a caret under `position` and says what was expected there.
 *
 * @example
 * ```ts
 * import { FormulaError } from "./errors.ts";
 * const e = new FormulaError("ts_mean(close 20)", 14, "expected ',' or ')'");
 * console.log(e.message);
 * // expected ',' or ')' at position 14
 * //   ts_mean(close 20)
 * //                 ^
 * ```
 */
export class FormulaError extends FactoriumError {
  /** The formula text. */
  readonly formula: string;
  /** 0-based offset of the problem in `formula`. */
  readonly position: number;
  /** Creates the error from the formula, the offset and the problem. */
  constructor(
    formula: string,
    position: number,
    problem: string,
    options?: ErrorOptions,
  ) {
    const line = formula.replace(/[\r\n\t]/g, " ");
    super(
      `${problem} at position ${position}\n  ${line}\n  ${
        " ".repeat(position)
      }^`,
      options,
    );
    this.formula = formula;
    this.position = position;
  }
}

/**
 * The first line of an error's message (native add-ons append long plans).
 *
 * @example
 * ```ts
 * import { firstLine } from "./errors.ts";
 * console.log(firstLine(new Error("bad\nplan"))); // bad
 * ```
 */
export function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0];
}

function describe(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (value instanceof Date) {
    text = isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  } else if (Array.isArray(value)) text = `[${value.map(describe).join(", ")}]`;
  else if (value !== null && typeof value === "object") {
    const name = value.constructor?.name;
    text = name && name !== "Object" ? `a ${name}` : safeJson(value);
  } else text = String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * A result did not keep what was asked of it (to bound memory); the message
 * says why and how to get it.
 *
 * @example
 * ```ts
 * import { NotKeptError } from "./errors.ts";
 * const e = new NotKeptError("factorData", "pass { sink: 'rows.parquet' } to analyze");
 * console.log(e.what); // factorData
 * ```
 */
export class NotKeptError extends FactoriumError {
  /** What was not kept. */
  readonly what: string;
  /** Creates the error for `what`, with why and how to get it. */
  constructor(what: string, how: string) {
    super(`${what} was not kept: ${how}`);
    this.what = what;
  }
}
