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
import pl from "nodejs-polars";
import { Base, KEY_COLUMNS, type Layout, symbolMajorLayout } from "./base.ts";
import { evaluate, type Output, type Plan, plan } from "./evaluate.ts";
import {
  graphOf,
  lowerBound,
  type RegionIndex,
  requirement,
  type Span,
  totalReach,
} from "./reach.ts";

/** First and last `end_time` (both included) of a symbol, or of all bars. */
export interface TimeBounds {
  readonly first: number;
  readonly last: number;
}

/** Bars that can be read by time: what chunked evaluation reads. */
export interface TimeRows {
  /** Column names. */
  readonly columns: readonly string[];
  /** Number of rows. */
  readonly numRows: number;
  /** First and last `end_time`, `null` when there are no rows. */
  readonly bounds: TimeBounds | null;
  /** Per symbol, its first and last `end_time`. */
  symbolBounds(): ReadonlyMap<string, TimeBounds>;
  /**
   * Rows with `end_time` in `span`, sorted by (end_time, symbol) as the
   * bars are, with the key columns and `columns`.
   */
  read(span: Span, columns: readonly string[]): pl.DataFrame;
}

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
 * Bars held in a time-major frame (sorted by end_time, symbol) as
 * {@linkcode TimeRows}: reads are zero-copy slices.
 */
export function frameRows(frame: pl.DataFrame): TimeRows {
  const ends = Float64Array.from(
    frame.getColumn("end_time").cast(pl.Float64).toTypedArray() as Float64Array,
  );
  let bounds: Map<string, TimeBounds> | undefined;
  return {
    columns: frame.columns,
    numRows: frame.height,
    bounds: frame.height === 0
      ? null
      : { first: ends[0], last: ends[ends.length - 1] },
    symbolBounds() {
      bounds ??= boundsBySymbol(frame);
      return bounds;
    },
    read(span, columns) {
      const from = lowerBound(ends, 0, ends.length, span.from);
      const to = lowerBound(ends, from, ends.length, span.to);
      return frame.slice(from, to - from).select(...keysAnd(columns));
    },
  };
}

function boundsBySymbol(frame: pl.DataFrame): Map<string, TimeBounds> {
  const table = frame.lazy().groupBy("symbol").agg(
    pl.col("end_time").min().cast(pl.Float64).alias("first"),
    pl.col("end_time").max().cast(pl.Float64).alias("last"),
  ).collectSync();
  const symbols = table.getColumn("symbol").toArray() as string[];
  const first = table.getColumn("first").toArray() as number[];
  const last = table.getColumn("last").toArray() as number[];
  return new Map(
    symbols.map((s, i) => [s, { first: first[i], last: last[i] }]),
  );
}

function keysAnd(columns: readonly string[]): string[] {
  return [...new Set([...KEY_COLUMNS, ...columns])];
}

/**
 * Evaluates `outputs` over `rows` in chunks of `chunkMs` of `end_time`
 * (aligned to multiples of `chunkMs` since the epoch), calling `emit` with
 * each chunk's frame (`start_time, end_time, symbol` and one column per
 * output), in time order. Concatenated, the frames equal a whole-history
 * evaluation.
 */
export async function evaluateChunks(
  rows: TimeRows,
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
    let span: Span;
    for (;;) {
      span = { from: target.from - back, to: target.to + ahead };
      region = rows.read(span, columns);
      layout = symbolMajorLayout(region);
      index = regionIndex(region, layout, span, symbolBounds);
      const needed = requirement(graph, target, index);
      const moreBefore = needed.shortBefore && span.from > all.first;
      const moreAfter = needed.shortAfter && span.to <= all.last;
      if (!moreBefore && !moreAfter) break;
      stats.rereads++;
      if (moreBefore) back = Math.max(2 * back, spacing);
      if (moreAfter) ahead = Math.max(2 * ahead, spacing);
    }
    const names = segmentSymbols(region, layout);
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
    await emit(rowsIn(values, target));
  }
  return stats;
}

function evaluateRegion(
  region: pl.DataFrame,
  columns: readonly string[],
  outputs: readonly Output[],
  schedule: Plan,
  layout?: Layout,
): pl.DataFrame {
  const base = new Base(columns, "time chunk", () => region, layout);
  return evaluate(base, outputs, schedule);
}

/** The region's rows symbol by symbol, and what lies outside it. */
function regionIndex(
  region: pl.DataFrame,
  { order, segments, firstRows }: Layout,
  span: Span,
  symbolBounds: ReadonlyMap<string, TimeBounds>,
): RegionIndex {
  const ends = region.getColumn("end_time").cast(pl.Float64)
    .toTypedArray() as Float64Array;
  const times = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) times[k] = ends[order[k]];
  const symbol = region.getColumn("symbol");
  const earlier = new Uint8Array(firstRows.length);
  const later = new Uint8Array(firstRows.length);
  firstRows.forEach((row, s) => {
    const bounds = symbolBounds.get(symbol.get(row) as string)!;
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
    const i0 = lowerBound(times, segments[s], segments[s + 1], target.from);
    const i1 = lowerBound(times, i0, segments[s + 1], target.to);
    inChunk[s] = i1 - i0;
    warmUp[s] = i0 - segments[s];
  }
  return { inChunk, warmUp };
}

/** The rows of a time-major frame with `end_time` in `span`. */
function rowsIn(frame: pl.DataFrame, span: Span): pl.DataFrame {
  const ends = frame.getColumn("end_time").cast(pl.Float64)
    .toTypedArray() as Float64Array;
  const from = lowerBound(ends, 0, ends.length, span.from);
  const to = lowerBound(ends, from, ends.length, span.to);
  return frame.slice(from, to - from);
}
