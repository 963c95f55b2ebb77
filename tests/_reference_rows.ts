/**
 * Shared by the research tests (compare, sweep, walk-forward): a factor's
 * values and closes as the plain-loop reference reads them, and a numeric
 * comparison with the reference.
 */
import assert from "node:assert/strict";
import type { AggBar, Factor } from "../mod.ts";
import type { RefRow } from "./_analysis_reference.ts";

/**
 * The factor (a Factor or a formula) and close of every bar of `bars`
 * whose start_time is in [start, end) (all bars by default).
 */
export async function referenceRows(
  factor: Factor | string,
  bars: AggBar,
  start = -Infinity,
  end = Infinity,
): Promise<RefRow[]> {
  const frame = await bars.compute({ factor, price: bars.get("close") });
  return frame.toRecords()
    .filter((r) =>
      (r.start_time as number) >= start && (r.start_time as number) < end
    )
    .map((r) => ({
      end_time: r.end_time as number,
      symbol: r.symbol as string,
      factor: r.factor as number | null,
      price: r.price as number | null,
    }));
}

/** `actual` is null where `expected` is, else within 1e-9 relative (absolute below 1). */
export function assertNear(
  actual: unknown,
  expected: number | null,
  label: string,
): void {
  if (expected === null || actual === null) {
    assert.deepEqual(actual, expected, label);
    return;
  }
  assert(
    typeof actual === "number" &&
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${label}: ${actual} vs ${expected}`,
  );
}
