/**
 * Evaluating many named factors in one pass over their shared base.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.ts";
import type { DataFrame } from "../polars.ts";
import { ParquetParts } from "../parquet_parts.ts";
import { align } from "./align.ts";
import { KEY_COLUMNS } from "./base.ts";
import {
  autoChunk,
  eachChunk,
  evaluateChunks,
  evaluateOutputs,
} from "./chunks.ts";
import type { Output } from "./evaluate.ts";
import { Factor, placedOf } from "./factor.ts";

/** What {@linkcode sinkFactors} wrote. */
export interface FactorSink {
  /** The Parquet file written. */
  readonly path: string;
  /** Rows written. */
  readonly rows: number;
  /** Time chunks evaluated (see `ChunkStats`). */
  readonly chunks: number;
  /** Most bar rows one chunk evaluated, warm-up included. */
  readonly largestRegion: number;
}

/**
 * Evaluates named factors in one pass over their (shared) base: one frame
 * `start_time, end_time, symbol` plus a column per name. Shared
 * sub-expressions are computed once. Bars kept in files are evaluated a
 * time chunk at a time (of `chunkMs`, or about
 * {@linkcode CHUNK_ROWS} rows), as are in-memory bars when `chunkMs` is
 * given: the same values, with memory bounded by a chunk.
 */
export async function computeFactors(
  factors: Record<string, Factor>,
  chunkMs?: number,
): Promise<DataFrame> {
  const { base, outputs } = placeOutputs(factors);
  return await evaluateOutputs(base, outputs, chunkMs);
}

/**
 * Evaluates named factors and calls `onChunk` with their values in time
 * order: once with all of them, or a time chunk at a time for bars kept in
 * files or when `chunkMs` is given (the frames concatenated are the one
 * frame). Consumers that reduce as they go (a backtest) hold one chunk.
 */
export async function forEachChunk(
  factors: Record<string, Factor>,
  onChunk: (chunk: DataFrame) => void | Promise<void>,
  chunkMs?: number,
): Promise<void> {
  const { base, outputs } = placeOutputs(factors);
  await eachChunk(base, outputs, onChunk, chunkMs);
}

/**
 * Evaluates named factors in time chunks of `chunkMs` and writes them to
 * the Parquet file `path` (atomically: a complete file or none), never
 * holding more than a chunk's values: each chunk is written as a part file,
 * and the parts are streamed into `path`.
 */
export async function sinkFactors(
  factors: Record<string, Factor>,
  path: string,
  chunkMs?: number,
): Promise<FactorSink> {
  const { base, outputs } = placeOutputs(factors);
  const rowsOfBase = base.rows();
  const parts = await ParquetParts.open(path);
  try {
    const stats = await evaluateChunks(
      rowsOfBase,
      outputs,
      chunkMs ?? autoChunk(rowsOfBase),
      (chunk) => parts.write(chunk),
    );
    return {
      path,
      rows: await parts.finish(),
      chunks: stats.chunks,
      largestRegion: stats.largestRegion,
    };
  } finally {
    await parts.discard();
  }
}

/**
 * The names of `factors` after checking there is at least one and each is
 * a Factor (`expected` says what else a value could have been).
 *
 * @example
 * ```ts ignore
 * const names = namedFactors({ mom }, "a Factor");
 * ```
 */
export function namedFactors(
  factors: Record<string, Factor>,
  expected: string,
): string[] {
  const names = Object.keys(factors);
  if (names.length === 0) {
    throw new InvalidArgumentError("factors", factors, "at least one factor");
  }
  for (const name of names) {
    if (!(factors[name] instanceof Factor)) {
      throw new InvalidArgumentError(
        `factors.${name}`,
        factors[name],
        expected,
      );
    }
  }
  return names;
}

function placeOutputs(factors: Record<string, Factor>) {
  const names = namedFactors(factors, "a Factor or a formula string");
  for (const name of names) {
    if (KEY_COLUMNS.includes(name)) {
      throw new InvalidArgumentError(
        "factors",
        name,
        "names other than start_time, end_time and symbol",
      );
    }
  }
  const { base, nodes } = align(
    names.map((name) => placedOf(factors[name])),
  );
  const outputs: Output[] = names.map((name, i) => ({ name, node: nodes[i] }));
  return { base, outputs };
}
