/**
 * The `factorium` command line (`deno task cli <command>` or
 * `deno run -A src/cli.ts <command>`):
 *
 * - `sample` writes the bundled deterministic sample tick data;
 * - `download` fetches an exchange's daily dumps into the same layout;
 * - `bars` aggregates tick files to bars and writes them to Parquet or CSV;
 * - `info` summarises the bars of a data directory or of a bar file;
 * - `factor "<formula>"` evaluates a formula over bars, prints a summary and
 *   optionally writes the values;
 * - `demo` runs the end-to-end example on the sample data.
 *
 * Every command takes `--help`. Exit codes: 0 success, 1 failure (I/O, an
 * unreadable data file, anything unexpected), 2 bad usage or input (unknown
 * option, malformed value, bad formula, data that does not exist). Errors are
 * one line on stderr starting with `factorium <command>:` (a formula error
 * adds the formula with a caret). Long work draws a progress bar on stderr
 * when it is a terminal and writes nothing there otherwise.
 *
 * @example
 * ```sh
 * deno task cli sample --data-dir ./data --days 2
 * deno task cli download --symbols BTCUSDT --start 2024-01-01 --days 2
 * deno task cli bars --symbols BTCUSDT,ETHUSDT --start 2024-01-01 --days 2 --bar time:5m --out bars.parquet
 * deno task cli info --file bars.parquet
 * deno task cli factor "cs_rank(ts_mean(close, 20))" --file bars.parquet --out alpha.csv
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { extname } from "node:path";
import type { DataType } from "./data/adapters/mod.ts";
import type { SampleDataType, SampleMarket } from "./data/sample.ts";
import {
  FactoriumError,
  firstLine,
  FormulaError,
  InvalidArgumentError,
  MissingDataError,
} from "./errors.ts";
import { toEpochMs } from "./time.ts";
import { closest } from "./options.ts";
import { parseBarSpec } from "./cli/bar_spec.ts";
import type { BarSource, FileFormat, FileTarget } from "./cli/commands.ts";

/** The command actions; loaded on first use (they pull in Polars and DuckDB). */
const actions = () => import("./cli/commands.ts");

const DEMO_SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];

/** A bad command line (exit 2), printed with a pointer to the command's help. */
class UsageError extends Error {}

/** One option of a command, as parsed and as shown in its help. */
interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder of the value in the help, e.g. `DIR`. */
  arg?: string;
  /** Default value of a string option (also shown in the help). */
  default?: string;
  /**
   * Shown in parentheses after the description instead of `(default ...)`:
   * a derived default, "required", or `""` for nothing.
   */
  note?: string;
  /** One-line description. */
  help: string;
}

type Values = Record<string, string | boolean | undefined>;

/** A command's parsed arguments. */
interface Parsed {
  /** Option values, with the defaults filled in. */
  values: Values;
  /** The options given on the command line (rather than defaulted). */
  given: ReadonlySet<string>;
  /** Positional arguments (at most the one the command takes). */
  positionals: string[];
}

/** A subcommand: its options, help text and action. */
interface Command {
  summary: string;
  usage: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** Name of the one positional argument, when the command takes one. */
  positional?: string;
  /** Extra help sections (grammar, examples). */
  notes?: string;
  run(args: Parsed, name: string): Promise<number>;
}

/** A string option, shown as `--name ARG` in the help. */
function valued(
  arg: string,
  help: string,
  more: Pick<OptionSpec, "default" | "note"> = {},
): OptionSpec {
  return { type: "string", arg, help, ...more };
}

/** A boolean option, false unless given. */
function switched(help: string): OptionSpec {
  return { type: "boolean", help };
}

const HELP: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h", help: "show this help", note: "" },
};

/** The options of `bars`, `info` and `factor` that say which bars to load. */
const LOAD_OPTIONS: Record<string, OptionSpec> = {
  "data-dir": valued("DIR", "root of the Hive-partitioned tick files", {
    default: "./data",
  }),
  "cache-dir": valued("DIR", "where bars are cached", {
    note: "default <data-dir>/.cache",
  }),
  symbols: valued("A,B,...", "comma-separated symbols, e.g. BTCUSDT,ETHUSDT", {
    note: "required",
  }),
  start: valued(
    "TIME",
    "inclusive start: ISO date/time (UTC unless zoned) or epoch ms",
  ),
  end: valued("TIME", "exclusive end, same forms as --start"),
  days: valued("N", "number of UTC days from --start (or back from --end)"),
  exchange: valued("NAME", "exchange adapter", { default: "binance" }),
  market: valued("M", "spot | futures_um | futures_cm", {
    default: "futures_um",
  }),
  "data-type": valued("T", "aggTrades | trades | klines", {
    default: "aggTrades",
  }),
  bar: valued("SPEC", "bar spec, see below", { default: "time:1m" }),
  "buyer-seller": switched(
    "add num_buyer, num_seller, num_buyer_volume, num_seller_volume",
  ),
  "no-cache": switched("neither read nor fill the bar cache"),
  "allow-missing": switched(
    "load what exists when symbol-days are missing (with a warning)",
  ),
  download: switched(
    "download missing symbol-days from the exchange first (see download)",
  ),
  "base-url": valued("URL", "where --download fetches dumps from", {
    note: "default the exchange's public address",
  }),
};

/** {@linkcode LOAD_OPTIONS} and `--file`, the alternative to a data directory. */
const LOAD_OR_FILE_OPTIONS: Record<string, OptionSpec> = {
  ...LOAD_OPTIONS,
  symbols: { ...LOAD_OPTIONS.symbols, note: "required without --file" },
  file: valued(
    "FILE",
    "read bars from a .parquet or .csv file (as bars writes) instead",
  ),
};

/** `--epoch-ms`: how a CSV `--out` writes times. */
const EPOCH_MS: Record<string, OptionSpec> = {
  "epoch-ms": switched(
    "write times in a .csv --out as epoch milliseconds instead of ISO 8601 UTC",
  ),
};

const BAR_SPEC_HELP = `bar specs (--bar):
  time:N[ms|s|m|h|d]   time bars of N units (no unit: ms), e.g. time:1m, time:15m,
                       time:1h, time:60000; a whole number of milliseconds
  tick:N               a bar every N trades (N a positive integer), e.g. tick:1000
  volume:X             a bar closes on the trade bringing its volume to X, e.g. volume:50
  dollar:X             the same for traded value (price × quantity), e.g. dollar:1e6
  N and X are decimal numbers with an optional exponent (1e6, 2.5, 1500).`;

const RANGE_HELP =
  "The range is --start with --end or --days, or --end with --days (UTC,\nhalf-open).";

const COMMANDS: Record<string, Command> = {
  sample: {
    summary: "write deterministic sample tick data (Binance Hive layout)",
    usage: "factorium sample [options]",
    description:
      "Writes one Parquet file per symbol and UTC day under --data-dir; existing\nfiles are left alone unless --overwrite.",
    options: {
      "data-dir": valued("DIR", "root directory to write into", {
        default: "./data",
      }),
      symbols: valued("A,B,...", "comma-separated symbols", {
        default: DEMO_SYMBOLS.join(","),
      }),
      start: valued("DATE", "first UTC day (2017-01-01 to 2099-12-31)", {
        default: "2024-01-01",
      }),
      days: valued("N", "number of consecutive UTC days", { default: "3" }),
      "trades-per-day": valued("N", "mean trade rows per symbol-day (≤ 1e8)", {
        default: "20000",
      }),
      market: valued("M", "spot | futures_um | futures_cm", {
        default: "futures_um",
      }),
      "data-type": valued("T", "aggTrades | trades | klines", {
        default: "aggTrades",
      }),
      seed: valued("N", "random seed, any safe integer", { default: "1" }),
      overwrite: switched("replace existing files"),
      ...HELP,
    },
    notes:
      "example:\n  factorium sample --data-dir ./data --symbols BTCUSDT,ETHUSDT --days 2",
    run: sampleCommand,
  },
  download: {
    summary: "download an exchange's daily dumps and convert them to Parquet",
    usage:
      "factorium download --symbols A,B --start TIME (--end TIME | --days N) [options]",
    description:
      `Fetches the daily dump of every symbol and UTC day in the range (and its\nchecksum where the exchange publishes one), verifies it, converts it to the\nParquet layout the other commands read, and records each fetch in a\ndownload.json next to its file. Days already present and verified are\nskipped, so an interrupted download resumes; Ctrl-C removes partial files.\nNetwork errors and 5xx answers are retried with exponential backoff; a day\nthe exchange does not have (404) is reported missing. Prints fetched /\nskipped / missing / failed; exits 1 when a day failed, 130 on Ctrl-C.\n${RANGE_HELP}`,
    options: {
      "data-dir": LOAD_OPTIONS["data-dir"],
      symbols: LOAD_OPTIONS.symbols,
      start: LOAD_OPTIONS.start,
      end: LOAD_OPTIONS.end,
      days: LOAD_OPTIONS.days,
      exchange: valued("NAME", "binance | bybit", { default: "binance" }),
      market: LOAD_OPTIONS.market,
      "data-type": LOAD_OPTIONS["data-type"],
      "base-url": valued("URL", "where the dumps are served from", {
        note: "default the exchange's public address",
      }),
      concurrency: valued("N", "symbol-days fetched at once", {
        default: "4",
      }),
      retries: valued("N", "further attempts after a network error or 5xx", {
        default: "4",
      }),
      force: switched("download again days already present"),
      ...HELP,
    },
    notes:
      "examples:\n  factorium download --symbols BTCUSDT,ETHUSDT --start 2024-01-01 --days 7\n  factorium download --exchange bybit --data-type trades --symbols BTCUSDT --start 2024-01-01 --days 2",
    run: downloadCommand,
  },
  bars: {
    summary: "aggregate tick data to bars and write them to Parquet or CSV",
    usage:
      "factorium bars --symbols A,B --start TIME (--end TIME | --days N) --out FILE [options]",
    description:
      `Loads bars like DataLoader.loadAggBar and writes them to --out (format from\nits extension, .parquet or .csv; written to a temporary file, then renamed).\n${RANGE_HELP}`,
    options: {
      ...LOAD_OPTIONS,
      out: valued("FILE", "output file, .parquet or .csv", {
        note: "required",
      }),
      ...EPOCH_MS,
      ...HELP,
    },
    notes:
      `${BAR_SPEC_HELP}\n\nexample:\n  factorium bars --symbols BTCUSDT,ETHUSDT --start 2024-01-01 --days 3 --bar time:5m --out bars.parquet`,
    run: barsCommand,
  },
  info: {
    summary: "summarise the bars of a data directory or a bar file",
    usage:
      "factorium info (--symbols A,B --start TIME (--end TIME | --days N) [options] | --file FILE)",
    description:
      `Prints the AggBar summary and one row per symbol (bars, first start, last end,\nbars with a missing value).\n${RANGE_HELP}`,
    options: { ...LOAD_OR_FILE_OPTIONS, ...HELP },
    notes:
      `${BAR_SPEC_HELP}\n\nexamples:\n  factorium info --symbols BTCUSDT --start 2024-01-01 --days 1 --bar tick:500\n  factorium info --file bars.parquet`,
    run: infoCommand,
  },
  factor: {
    summary: "evaluate a factor formula over bars and summarise it",
    usage:
      'factorium factor "<formula>" (--symbols A,B --start TIME (--end TIME | --days N) [options] | --file FILE) [--out FILE]',
    description:
      `Evaluates FORMULA (the formula language of agg.factor) over the bars, prints\nits canonical name and summary statistics, and writes start_time, end_time,\nsymbol, factor to --out when given. A formula starting with "-" goes after\n"--": factorium factor --file bars.csv -- "-close".\n${RANGE_HELP}`,
    positional: "FORMULA",
    options: {
      ...LOAD_OR_FILE_OPTIONS,
      out: valued("FILE", "also write the values to a .parquet or .csv file"),
      ...EPOCH_MS,
      ...HELP,
    },
    notes:
      `${BAR_SPEC_HELP}\n\nexample:\n  factorium factor "rank(ts_mean(close, 20)) - 0.5" --symbols BTCUSDT,ETHUSDT --start 2024-01-01 --days 3 --out alpha.parquet`,
    run: factorCommand,
  },
  demo: {
    summary: "run the end-to-end example on the sample data",
    usage: "factorium demo [options]",
    description:
      "Generates the sample if missing, loads 1-minute bars (cold or cached, then\nfrom the cache), prints a summary and the statistics of a few factors\ncomputed in one pass, then dollar bars, and writes an HTML report with\ncharts.",
    options: {
      "data-dir": valued("DIR", "where the sample lives (written if missing)", {
        default: "./data",
      }),
      report: valued("FILE", "the HTML report to write", {
        default: "out/report.html",
      }),
      ...HELP,
    },
    run: async ({ values }) =>
      await (await actions()).demo({
        dataDir: values["data-dir"] as string,
        symbols: DEMO_SYMBOLS,
        report: values.report as string,
      }),
  },
};

const USAGE = `usage: factorium <command> [options]

commands:
${
  Object.entries(COMMANDS).map(([name, c]) =>
    `  ${name.padEnd(8)} ${c.summary}`
  ).join("\n")
}
  help     show this help, or a command's: factorium help <command>

Each command takes --help for its options and their defaults.
Exit codes: 0 success, 1 failure, 2 bad usage or input.
`;

/** The help text of one command: usage, description, options with defaults, notes. */
function commandHelp(name: string): string {
  const command = COMMANDS[name];
  const rows = Object.entries(command.options).map(([option, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${option}${
      spec.arg ? ` ${spec.arg}` : ""
    }`;
    const note = spec.note ??
      (spec.type === "boolean"
        ? "default false"
        : spec.default === undefined
        ? ""
        : `default ${spec.default}`);
    return [flag, note ? `${spec.help} (${note})` : spec.help];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return `usage: ${command.usage}

${command.description}

options:
${rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join("\n")}
${command.notes ? `\n${command.notes}\n` : ""}`;
}

/**
 * Runs the command line with `args`; returns the process exit code: 0 ok,
 * 1 failure (I/O, unreadable data, anything unexpected), 2 bad usage or
 * input. Results go to stdout; errors, warnings and the progress bar (on a
 * terminal only) to stderr.
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(["bars", "--symbols", "BTCUSDT", "--start", "2024-01-01", "--days", "1", "--out", "bars.parquet"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const topic = rest[0];
    if (topic === undefined || topic === "--help" || topic === "-h") {
      console.log(USAGE);
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, topic)) {
      console.error(
        `factorium help: unknown command '${topic}' (see factorium --help)`,
      );
      return 2;
    }
    console.log(commandHelp(topic));
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    console.error(
      `factorium: unknown command '${name}' (see factorium --help)`,
    );
    return 2;
  }
  const command = COMMANDS[name];
  const ending = rest.indexOf("--");
  const flags = ending < 0 ? rest : rest.slice(0, ending);
  if (flags.includes("--help") || flags.includes("-h")) {
    console.log(commandHelp(name));
    return 0;
  }
  try {
    return await command.run(parseCommandLine(command, rest), name);
  } catch (error) {
    return report(name, error);
  }
}

/** Parses a command's arguments strictly; every problem is a {@linkcode UsageError}. */
function parseCommandLine(
  command: Command,
  args: string[],
): Parsed {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([name, spec]) => [name, {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
    }]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: command.positional !== undefined,
    });
  } catch (error) {
    if (error instanceof TypeError && "code" in error) {
      // node's messages: "Unknown option '--foo'", "Option '--out <value>'
      // argument missing", "Unexpected argument 'x'. This command ...".
      const text = firstLine(error).split(". ")[0];
      const unknown = /^Unknown option '(-[^']*)'/.exec(text)?.[1];
      throw new UsageError(
        text[0].toLowerCase() + text.slice(1) +
          (unknown ? unknownOptionHint(command, args, unknown) : ""),
      );
    }
    throw error;
  }
  const { values, positionals } = parsed;
  if (command.positional !== undefined) {
    if (positionals.length === 0) {
      throw new UsageError(`missing ${command.positional}`);
    }
    if (positionals.length > 1) {
      throw new UsageError(
        `unexpected argument '${
          positionals[1]
        }' (one ${command.positional} only; quote it)`,
      );
    }
  }
  const defaults = Object.entries(command.options)
    .filter(([, spec]) => spec.default !== undefined)
    .map(([name, spec]) => [name, spec.default]);
  return {
    values: { ...Object.fromEntries(defaults), ...values },
    given: new Set(Object.keys(values)),
    positionals,
  };
}

/**
 * What to say after "unknown option": the `--` separator when a positional
 * argument starts with "-" (`factor "-close"` reads as options -c, -l, ...),
 * else the nearest option name.
 */
function unknownOptionHint(
  command: Command,
  args: string[],
  unknown: string,
): string {
  const ending = args.indexOf("--");
  const flags = ending < 0 ? args : args.slice(0, ending);
  const names = Object.keys(command.options);
  const stray = flags.find((arg) =>
    /^-[^-]/.test(arg) && arg.length > 2 && !/^-\d/.test(arg)
  );
  if (command.positional !== undefined && stray !== undefined) {
    return `; a ${command.positional} starting with "-" goes after "--": factorium ${
      commandName(command)
    } [options] -- "${stray}"`;
  }
  const wanted = unknown.replace(/^-+/, "").split("=")[0];
  // A prefix either way (--out-file, --sym) counts as close.
  const best =
    (wanted.length >= 3
      ? names.find((name) => wanted.startsWith(name) || name.startsWith(wanted))
      : undefined) ?? closest(wanted, names);
  return best ? `; did you mean --${best}?` : "";
}

function commandName(command: Command): string {
  return Object.keys(COMMANDS).find((name) => COMMANDS[name] === command) ??
    "";
}

/**
 * Prints an error as `factorium <command>: ...` and returns its exit code:
 * 2 for bad usage or input, 1 for anything else. Expected errors print their
 * message only; others add the stack when `FACTORIUM_DEBUG` is set.
 */
function report(name: string, error: unknown): number {
  const print = (message: string) =>
    console.error(`factorium ${name}: ${message}`);
  if (error instanceof UsageError) {
    print(`${error.message} (see factorium ${name} --help)`);
    return 2;
  }
  if (error instanceof InvalidArgumentError) {
    const flag = asFlag(name, error.argument);
    print(
      flag && error.message.startsWith(`${error.argument}: `)
        ? `${flag}: ${error.message.slice(error.argument.length + 2)}`
        : error.message,
    );
    return 2;
  }
  // generateSample checks its options first: "generateSample: days must be ...".
  const sample = /^generateSample: (\S+) must be (.*)$/s.exec(
    (error as Error)?.message,
  );
  if ((error instanceof RangeError || error instanceof TypeError) && sample) {
    print(`${asFlag(name, sample[1]) ?? sample[1]}: expected ${sample[2]}`);
    return 2;
  }
  if (error instanceof MissingDataError) {
    print(error.message.replace("allowMissing: true", "--allow-missing"));
    return 2;
  }
  if (error instanceof FormulaError) {
    print(error.message);
    return 2;
  }
  if (
    error instanceof FactoriumError || error instanceof Deno.errors.NotFound
  ) {
    print(error.message);
    return 1;
  }
  print(
    debugging() && error instanceof Error ? error.stack! : firstLine(error),
  );
  return 1;
}

/**
 * The flag of command `name` behind a library argument name, if it has one:
 * `dataType` → `--data-type`, `symbols[1]` → `--symbols`, `bar.intervalMs` →
 * `--bar`, `tradesPerDay` → `--trades-per-day`.
 */
function asFlag(name: string, argument: string): string | undefined {
  const option = argument.replace(/[[.].*$/, "")
    .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return Object.hasOwn(COMMANDS[name].options, option)
    ? `--${option}`
    : undefined;
}

/** Whether `FACTORIUM_DEBUG` is set (and readable without a prompt). */
function debugging(): boolean {
  const env = { name: "env", variable: "FACTORIUM_DEBUG" } as const;
  return Deno.permissions.querySync(env).state === "granted" &&
    Boolean(Deno.env.get(env.variable));
}

// ---------------------------------------------------------------------------
// Option values

/** An integer option value no smaller than `min`. */
function integerValue(flag: string, text: string, min: number): number {
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(
      flag,
      text,
      min === 1
        ? "a positive integer"
        : min === 0
        ? "an integer ≥ 0"
        : "a safe integer",
    );
  }
  return value;
}

/** A time option: an ISO 8601 date or time (UTC unless zoned) or epoch ms. */
function timeValue(flag: string, text: string): number {
  try {
    return toEpochMs(/^-?\d{9,}$/.test(text) ? Number(text) : text, flag);
  } catch {
    throw new InvalidArgumentError(
      flag,
      text,
      "an ISO 8601 date or time such as 2024-01-01 or 2024-01-01T12:00 (UTC unless zoned), or epoch ms",
    );
  }
}

/** The non-empty items of a comma-separated list. */
function listValue(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** A bar or factor file: its format comes from the extension. */
function fileTarget(
  flag: string,
  path: string,
  epochMs: unknown = false,
): FileTarget {
  const ext = extname(path).toLowerCase();
  if (ext !== ".parquet" && ext !== ".csv") {
    throw new InvalidArgumentError(
      flag,
      path,
      "a file name ending in .parquet or .csv",
    );
  }
  return {
    path,
    format: ext.slice(1) as FileFormat,
    epochMs: epochMs === true,
  };
}

/** Checks the bar-loading options, without touching any data. */
function barSource({ values, given }: Parsed, allowFile: boolean): BarSource {
  const has = (name: string) => given.has(name);
  if (allowFile && has("file")) {
    const conflicting = Object.keys(LOAD_OPTIONS).find(has);
    if (conflicting) {
      throw new UsageError(`--file cannot be combined with --${conflicting}`);
    }
    return { kind: "file", file: fileTarget("--file", values.file as string) };
  }
  if (has("base-url") && values.download !== true) {
    throw new UsageError("--base-url needs --download");
  }
  return {
    kind: "data",
    dataDir: values["data-dir"] as string,
    ...(has("cache-dir") ? { cacheDir: values["cache-dir"] as string } : {}),
    options: {
      ...symbolsAndRange(
        { values, given },
        allowFile ? "give --symbols or --file" : "missing --symbols",
      ),
      exchange: values.exchange as string,
      market: values.market as string,
      dataType: values["data-type"] as DataType,
      bar: parseBarSpec(values.bar as string),
      buyerSeller: values["buyer-seller"] === true,
      cache: values["no-cache"] !== true,
      allowMissing: values["allow-missing"] === true,
      ...(values.download === true
        ? {
          download: has("base-url")
            ? { baseUrl: values["base-url"] as string }
            : true,
        }
        : {}),
    },
  };
}

/** `--symbols` and the range options, checked; `missing` is the error without --symbols. */
function symbolsAndRange(
  { values, given }: Pick<Parsed, "values" | "given">,
  missing: string,
): { symbols: string[]; start?: number; end?: number; days?: number } {
  const has = (name: string) => given.has(name);
  if (!has("symbols")) throw new UsageError(missing);
  const symbols = listValue(values.symbols as string);
  if (symbols.length === 0) {
    throw new InvalidArgumentError(
      "--symbols",
      values.symbols,
      "a comma-separated list of symbols",
    );
  }
  if (
    !(has("start") ? has("end") !== has("days") : has("end") && has("days"))
  ) {
    throw new UsageError(
      has("start") && has("end")
        ? "give --end or --days, not both"
        : "give --start with --end or --days, or --end with --days",
    );
  }
  return {
    symbols,
    ...(has("start")
      ? { start: timeValue("--start", values.start as string) }
      : {}),
    ...(has("end") ? { end: timeValue("--end", values.end as string) } : {}),
    ...(has("days")
      ? { days: integerValue("--days", values.days as string, 1) }
      : {}),
  };
}

// ---------------------------------------------------------------------------
// Commands: check the arguments, then load the actions and run them

async function sampleCommand({ values }: Parsed, name: string) {
  const options = {
    dataDir: values["data-dir"] as string,
    symbols: listValue(values.symbols as string),
    start: values.start as string,
    days: integerValue("--days", values.days as string, 1),
    tradesPerDay: integerValue(
      "--trades-per-day",
      values["trades-per-day"] as string,
      1,
    ),
    market: values.market as SampleMarket,
    dataType: values["data-type"] as SampleDataType,
    seed: integerValue("--seed", values.seed as string, -Infinity),
    overwrite: values.overwrite === true,
  };
  return await (await actions()).sample(options, name);
}

async function downloadCommand(args: Parsed, name: string) {
  const { values } = args;
  const options = {
    dataDir: values["data-dir"] as string,
    ...symbolsAndRange(args, "missing --symbols"),
    exchange: values.exchange as string,
    market: values.market as string,
    dataType: values["data-type"] as DataType,
    ...(args.given.has("base-url")
      ? { baseUrl: values["base-url"] as string }
      : {}),
    concurrency: integerValue("--concurrency", values.concurrency as string, 1),
    retries: integerValue("--retries", values.retries as string, 0),
    force: values.force === true,
  };
  return await (await actions()).download(options, name);
}

async function barsCommand(args: Parsed, name: string) {
  const source = barSource(args, false);
  const values = args.values;
  if (values.out === undefined) throw new UsageError("missing --out");
  const out = fileTarget("--out", values.out as string, values["epoch-ms"]);
  return await (await actions()).bars(source, out, name);
}

async function infoCommand(args: Parsed, name: string) {
  return await (await actions()).info(barSource(args, true), name);
}

async function factorCommand(args: Parsed, name: string) {
  const source = barSource(args, true);
  const out = args.values.out === undefined
    ? undefined
    : fileTarget("--out", args.values.out as string, args.values["epoch-ms"]);
  const [formula] = args.positionals;
  return await (await actions()).factor(formula, source, out, name);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
