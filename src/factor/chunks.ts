/**
 * Evaluation in time chunks: the outputs of a factor graph computed chunk
 * by chunk (`end_time` in `[t0, t1)`), each on a region of bars that adds
 * the history (and, for look-ahead operators, the future) the chunk needs,
 * so memory is bounded by the chunk, not by the history.
 *
 * Each chunk runs today's evaluator unchanged on its region and keeps the
 * chunk's rows. The region is sized from the graph's reach (see
 * `reach.ts`) measured on the region's own rows: a first guess from the
 * previous chunk (or from the graph's total reach times the bar spacing),
 * doubled until no symbol runs short. Values equal a whole-history
 * evaluation bit for bit, except `ts_ema`, whose unbounded reach is cut
 * where weights fall below 2^-60 (agreement to ~1e-16 of the input's
 * range).
 *
 * @module
 */
import type pl from "nodejs-polars";
import { concatFrames, releaseUnreferenced } from "../polars.ts";
import { Base, type Layout, symbolMajorLayout } from "./base.ts";
import { evaluate, type Output, type Plan, plan } from "./evaluate.ts";
import {
  type BarRows,
  endTimes,
  firstAtOrAfter,
  keysAnd,
  type Span,
  type TimeBounds,
} from "../bar_rows.ts";
import { graphOf, type RegionIndex, requirement, totalReach } from "./reach.ts";

/** What a chunked evaluation did (for tests and benchmarks). */
export interface ChunkStats {
  /** Chunks with rows. */
  readonly chunks: number;
  /** Rows evaluated, warm-up included. */
  readonly rowsEvaluated: number;
  /** Most rows of one region. */
  readonly largestRegion: number;
  /** Regions read again because their warm-up was short. */
  readonly rereads: number;
}

/**
 * Evaluates `outputs` over `rows` in chunks of `chunkMs` of `end_time`
 * (aligned to multiples of `chunkMs` since the epoch), calling `emit` with
 * each chunk's frame (`start_time, end_time, symbol` and one column per
 * output), in time order. Concatenated, the frames equal a whole-history
 * evaluation.
 */
export async function evaluateChunks(
  rows: BarRows,
  outputs: readonly Output[],
  chunkMs: number,
  emit: (chunk: pl.DataFrame) => void | Promise<void>,
): Promise<ChunkStats> {
  const schedule = plan(outputs);
  const columns = keysAnd(schedule.columns);
  const graph = graphOf(outputs.map((o) => o.node));
  const stats = { chunks: 0, rowsEvaluated: 0, largestRegion: 0, rereads: 0 };
  const all = rows.bounds;
  if (all === null) {
    const region = rows.read({ from: -Infinity, to: Infinity }, columns);
    await emit(evaluateRegion(region, columns, outputs, schedule));
    return stats;
  }
  const symbolBounds = rows.symbolBounds();
  // A first warm-up guess: the graph's reach in rows times the average
  // spacing of one symbol's bars.
  const spacing = (all.last - all.first + 1) /
    Math.max(1, rows.numRows / Math.max(1, symbolBounds.size));
  const reach = totalReach(graph);
  let back = reach.back * spacing, ahead = reach.ahead * spacing;
  const rowsBefore = new Map<string, number>();
  for (
    let t0 = Math.floor(all.first / chunkMs) * chunkMs;
    t0 <= all.last;
    t0 += chunkMs
  ) {
    const target = { from: t0, to: t0 + chunkMs };
    let region: pl.DataFrame, layout: Layout, index: RegionIndex;
    let ends: Float64Array, names: string[];
    for (;;) {
      const span = { from: target.from - back, to: target.to + ahead };
      region = rows.read(span, columns);
      layout = symbolMajorLayout(region);
      ends = endTimes(region);
      names = segmentSymbols(region, layout);
      index = regionIndex(ends, names, layout, span, symbolBounds);
      const needed = requirement(graph, target, index);
      const moreBefore = needed.shortBefore && span.from > all.first;
      const moreAfter = needed.shortAfter && span.to <= all.last;
      if (!moreBefore && !moreAfter) break;
      stats.rereads++;
      if (moreBefore) back = Math.max(2 * back, spacing);
      if (moreAfter) ahead = Math.max(2 * ahead, spacing);
    }
    const counts = countRows(index, target);
    if (counts.inChunk.every((n) => n === 0)) continue;
    // Rows of each symbol before the region: those before the chunk less
    // the region's warm-up rows.
    const before = Float64Array.from(
      names,
      (name, s) => (rowsBefore.get(name) ?? 0) - counts.warmUp[s],
    );
    const values = evaluateRegion(region, columns, outputs, schedule, {
      ...layout,
      rowsBefore: before,
    });
    names.forEach((name, s) => {
      rowsBefore.set(name, (rowsBefore.get(name) ?? 0) + counts.inChunk[s]);
    });
    stats.chunks++;
    stats.rowsEvaluated += region.height;
    stats.largestRegion = Math.max(stats.largestRegion, region.height);
    // The evaluation keeps the region's row order, so the region's end
    // times place the chunk's rows.
    const from = firstAtOrAfter(ends, 0, ends.length, target.from);
    const to = firstAtOrAfter(ends, from, ends.length, target.to);
    await emit(values.slice(from, to - from));
    // The region's and the evaluation's buffers are native: free them
    // before the next chunk allocates its own.
    await releaseUnreferenced();
  }
  return stats;
}

/** Rows a chunk holds when no chunk length is given. */
export const CHUNK_ROWS = 1_000_000;

/**
 * The bars' own chunk length, else one (in whole hours) holding about
 * {@linkcode CHUNK_ROWS} rows.
 */
export function autoChunk(rows: BarRows): number {
  if (rows.chunkMs !== undefined) return rows.chunkMs;
  const HOUR_MS = 3_600_000;
  if (rows.bounds === null) return HOUR_MS;
  const span = rows.bounds.last - rows.bounds.first + 1;
  const ms = span * Math.min(1, CHUNK_ROWS / Math.max(1, rows.numRows));
  return Math.max(HOUR_MS, Math.ceil(ms / HOUR_MS) * HOUR_MS);
}

/**
 * Calls `onChunk` with the values of `outputs` on `base` in time order:
 * once with all of them (one pass), or a time chunk at a time (of
 * `chunkMs`, or {@linkcode autoChunk}'s when the bars stay in files).
 * Concatenated, the chunks are the one-pass frame.
 */
export async function eachChunk(
  base: Base,
  outputs: readonly Output[],
  onChunk: (chunk: pl.DataFrame) => void | Promise<void>,
  chunkMs?: number,
): Promise<void> {
  if (chunkMs === undefined && !base.streamed) {
    await onChunk(evaluate(base, outputs));
    return;
  }
  const rows = base.rows();
  await evaluateChunks(rows, outputs, chunkMs ?? autoChunk(rows), onChunk);
}

/** The frame of `outputs` on `base` ({@linkcode eachChunk}'s chunks joined). */
export async function evaluateOutputs(
  base: Base,
  outputs: readonly Output[],
  chunkMs?: number,
): Promise<pl.DataFrame> {
  const frames: pl.DataFrame[] = [];
  await eachChunk(base, outputs, (chunk) => {
    frames.push(chunk);
  }, chunkMs);
  return concatFrames(frames);
}

function evaluateRegion(
  region: pl.DataFrame,
  columns: readonly string[],
  outputs: readonly Output[],
  schedule: Plan,
  layout?: Layout,
): pl.DataFrame {
  const base = new Base(columns, "time chunk", () => region, { layout });
  return evaluate(base, outputs, schedule);
}

/**
 * The region's rows symbol by symbol (`ends`: its end times; `names`: the
 * symbol of each segment), and what lies outside it.
 */
function regionIndex(
  ends: Float64Array,
  names: readonly string[],
  { order, segments }: Layout,
  span: Span,
  symbolBounds: ReadonlyMap<string, TimeBounds>,
): RegionIndex {
  const times = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) times[k] = ends[order[k]];
  const earlier = new Uint8Array(names.length);
  const later = new Uint8Array(names.length);
  names.forEach((name, s) => {
    const bounds = symbolBounds.get(name)!;
    earlier[s] = bounds.first < span.from ? 1 : 0;
    later[s] = bounds.last >= span.to ? 1 : 0;
  });
  return { times, segments, earlier, later };
}

function segmentSymbols(region: pl.DataFrame, layout: Layout): string[] {
  const symbol = region.getColumn("symbol");
  return layout.firstRows.map((row) => symbol.get(row) as string);
}

/** Per symbol, the region's rows in the chunk and before it (warm-up). */
function countRows(
  { times, segments }: RegionIndex,
  target: Span,
): { inChunk: Int32Array; warmUp: Int32Array } {
  const symbols = segments.length - 1;
  const inChunk = new Int32Array(symbols), warmUp = new Int32Array(symbols);
  for (let s = 0; s < symbols; s++) {
    const i0 = firstAtOrAfter(times, segments[s], segments[s + 1], target.from);
    const i1 = firstAtOrAfter(times, i0, segments[s + 1], target.to);
    inChunk[s] = i1 - i0;
    warmUp[s] = i0 - segments[s];
  }
  return { inChunk, warmUp };
}
