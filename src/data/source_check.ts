/**
 * Checks of source files before they are aggregated, from their Parquet
 * footers only: each file is readable, holds the required columns at usable
 * types, and its times lie within its own Hive day. A bad file is a
 * {@linkcode DataFileError} naming it, the column, the type found and the
 * type expected, never a raw DuckDB error or silently wrong bars.
 *
 * @module
 */
import {
  type DuckDBConnection,
  type DuckDBValue,
  listValue,
} from "@duckdb/node-api";
import { type TimestampUnit, timeToMs } from "./adapters/adapter.ts";
import { DataFileError, firstLine } from "../errors.ts";
import { DAY_MS } from "../time.ts";

/** What a source file holds, as the aggregator reads it. */
export interface SourceColumns {
  /** Columns a file must have. */
  required: readonly string[];
  /** Accepted kinds of type per column (columns not listed may be any type). */
  types: ReadonlyMap<string, ColumnType>;
  /** The time column (checked against the file's Hive day) and its unit. */
  time?: { column: string; unit: TimestampUnit };
}

/** Kinds of Parquet column type the check tells apart. */
export type TypeKind =
  | "integer"
  | "floating"
  | "decimal"
  | "boolean"
  | "text"
  | "binary"
  | "timestamp"
  | "date"
  | "time"
  | "list"
  | "map"
  | "struct";

/** The kinds a column accepts and how to say so in an error. */
export interface ColumnType {
  /** Accepted kinds. */
  kinds: readonly TypeKind[];
  /** What was expected, e.g. `"a number (DOUBLE, DECIMAL or an integer)"`. */
  expected: string;
}

/** A number of any Parquet numeric type. */
export const NUMBER: ColumnType = {
  kinds: ["integer", "floating", "decimal"],
  expected: "a number (DOUBLE, FLOAT, DECIMAL or an integer type)",
};
/** An integer. */
export const INTEGER: ColumnType = {
  kinds: ["integer"],
  expected: "an integer (INT64 or INT32)",
};
/** Epoch time as a number in s, ms, µs or ns. */
export const EPOCH_TIME: ColumnType = {
  kinds: ["integer", "floating"],
  expected:
    "epoch time as a number (INT64 or DOUBLE, in s, ms, µs or ns; not a TIMESTAMP or text)",
};
/** A boolean. */
export const BOOLEAN: ColumnType = { kinds: ["boolean"], expected: "BOOLEAN" };

interface SchemaRow {
  file: string;
  name: string;
  type: string | null;
  converted: string | null;
  logical: string | null;
  children: number;
}

/**
 * Checks every file's footer: readable Parquet, the required columns at
 * accepted types, and (when `columns.time` is set and the path has Hive
 * `year=/month=/day=` folders) times within that day, read from the row
 * group statistics (files without statistics are scanned for min and max).
 *
 * @example
 * ```ts ignore
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { checkSourceFiles, NUMBER } from "./source_check.ts";
 * const connection = await (await DuckDBInstance.create(":memory:")).connect();
 * await checkSourceFiles(connection, ["x.parquet"], {
 *   required: ["price"],
 *   types: new Map([["price", NUMBER]]),
 * });
 * ```
 *
 * @throws {DataFileError} naming the first bad file and what is wrong.
 */
export async function checkSourceFiles(
  connection: DuckDBConnection,
  files: readonly string[],
  columns: SourceColumns,
): Promise<void> {
  if (files.length === 0) return;
  let rows: SchemaRow[];
  try {
    const reader = await connection.runAndReadAll(
      `SELECT file_name, name, type, converted_type, logical_type, coalesce(num_children, 0)::INTEGER
       FROM parquet_schema($files)`,
      { files: listValue([...files]) },
    );
    rows = reader.getRows().map((r) => ({
      file: String(r[0]),
      name: String(r[1]),
      type: r[2] === null ? null : String(r[2]),
      converted: r[3] === null ? null : String(r[3]),
      logical: r[4] === null ? null : String(r[4]),
      children: Number(r[5]),
    }));
  } catch (error) {
    throw await unreadableFile(connection, files, error);
  }
  const schemas = topLevelColumns(rows);
  for (const file of files) {
    const have = schemas.get(file) ?? new Map<string, TypeKind>();
    const missing = columns.required.find((c) => !have.has(c));
    if (missing !== undefined) {
      throw new DataFileError(
        file,
        `lacks required column '${missing}' (expected columns: ${
          columns.required.join(", ")
        })`,
        { column: missing },
      );
    }
    for (const [column, type] of columns.types) {
      const found = have.get(column);
      if (found !== undefined && !type.kinds.includes(found)) {
        throw new DataFileError(
          file,
          `column '${column}' is ${found.toUpperCase()}; expected ${type.expected}`,
          { column },
        );
      }
    }
  }
  if (columns.time) await checkFileDays(connection, files, columns.time);
}

/** Each file's top-level columns and their kinds (nested fields skipped). */
function topLevelColumns(
  rows: SchemaRow[],
): Map<string, Map<string, TypeKind>> {
  const schemas = new Map<string, Map<string, TypeKind>>();
  for (let i = 0; i < rows.length;) {
    // The root, then its children depth first, each followed by its subtree.
    const root = rows[i++];
    const columns = new Map<string, TypeKind>();
    for (let c = 0; c < root.children; c++) {
      const column = rows[i];
      columns.set(column.name, typeKind(column));
      i = subtreeEnd(rows, i);
    }
    schemas.set(root.file, columns);
  }
  return schemas;
}

function subtreeEnd(rows: SchemaRow[], start: number): number {
  let end = start + 1;
  for (let c = 0; c < rows[start].children; c++) end = subtreeEnd(rows, end);
  return end;
}

function typeKind(row: SchemaRow): TypeKind {
  const converted = row.converted ?? "";
  const logical = row.logical ?? "";
  if (row.children > 0 || row.type === null) {
    return converted === "LIST"
      ? "list"
      : converted.startsWith("MAP")
      ? "map"
      : "struct";
  }
  if (converted === "DECIMAL" || logical.startsWith("Decimal")) {
    return "decimal";
  }
  if (converted.startsWith("TIMESTAMP") || logical.startsWith("Timestamp")) {
    return "timestamp";
  }
  if (converted === "DATE") return "date";
  if (converted.startsWith("TIME")) return "time";
  switch (row.type) {
    case "BOOLEAN":
      return "boolean";
    case "INT32":
    case "INT64":
      return "integer";
    case "INT96":
      return "timestamp";
    case "FLOAT":
    case "DOUBLE":
      return "floating";
    default:
      return converted === "UTF8" || converted === "ENUM" ||
          logical.startsWith("String")
        ? "text"
        : "binary";
  }
}

/** The first file DuckDB cannot open, as a DataFileError. */
async function unreadableFile(
  connection: DuckDBConnection,
  files: readonly string[],
  error: unknown,
): Promise<DataFileError> {
  for (const file of files) {
    try {
      await connection.run("SELECT 1 FROM parquet_schema($file)", { file });
    } catch (fileError) {
      return new DataFileError(
        file,
        `is not a readable Parquet file (${firstLine(fileError)})`,
        { cause: fileError },
      );
    }
  }
  return new DataFileError(files[0], firstLine(error), { cause: error });
}

const HIVE_DAY = /\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//;

/**
 * Throws when a file's times leave its Hive day: a wrong unit or a file in
 * the wrong folder would otherwise lose its rows to the range filter.
 */
async function checkFileDays(
  connection: DuckDBConnection,
  files: readonly string[],
  time: { column: string; unit: TimestampUnit },
): Promise<void> {
  const days = new Map<string, number>();
  for (const file of files) {
    const day = HIVE_DAY.exec(file);
    if (day) days.set(file, Date.UTC(+day[1], +day[2] - 1, +day[3]));
  }
  if (days.size === 0) return;
  const spans = new Map<string, { min: number; max: number }>();
  const widen = (file: string, min: DuckDBValue, max: DuckDBValue) => {
    if (min === null || max === null) return;
    const span = spans.get(file) ?? { min: Infinity, max: -Infinity };
    span.min = Math.min(span.min, Number(min));
    span.max = Math.max(span.max, Number(max));
    spans.set(file, span);
  };
  const statistics = await connection.runAndReadAll(
    `SELECT file_name, bool_and(stats_min_value IS NOT NULL OR row_group_num_rows = 0),
       min(TRY_CAST(stats_min_value AS DOUBLE)), max(TRY_CAST(stats_max_value AS DOUBLE))
     FROM parquet_metadata($files) WHERE path_in_schema = $column GROUP BY file_name`,
    { files: listValue([...days.keys()]), column: time.column },
  );
  const unknown: string[] = [];
  for (const [file, complete, min, max] of statistics.getRows()) {
    if (complete) widen(String(file), min, max);
    else unknown.push(String(file));
  }
  if (unknown.length > 0) {
    const scanned = await connection.runAndReadAll(
      `SELECT filename, min(CAST("${time.column}" AS DOUBLE)), max(CAST("${time.column}" AS DOUBLE))
       FROM read_parquet($files, filename = true, union_by_name = true) GROUP BY filename`,
      { files: listValue(unknown) },
    );
    for (const [file, min, max] of scanned.getRows()) {
      widen(String(file), min, max);
    }
  }
  const iso = (ms: number) =>
    Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
      ? new Date(ms).toISOString()
      : String(ms);
  for (const [file, day] of days) {
    const span = spans.get(file);
    if (!span) continue;
    const { min, max } = span;
    const [lo, hi] = [timeToMs(min, time.unit), timeToMs(max, time.unit)];
    if (lo < day || hi >= day + DAY_MS) {
      throw new DataFileError(
        file,
        `column '${time.column}' holds times from ${iso(lo)} to ${
          iso(hi)
        } (raw ${min} to ${max}, read as ${
          time.unit === "auto" ? "s, ms, µs or ns by magnitude" : time.unit
        }), outside the file's own day ${
          new Date(day).toISOString().slice(0, 10)
        } (its year=/month=/day= folders); move the file to its day or fix its times`,
        { column: time.column },
      );
    }
  }
}
