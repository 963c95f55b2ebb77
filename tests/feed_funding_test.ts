/**
 * BarFeed.run: steps on the step grid, and funding paid or received at
 * each settlement a position is held through.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { AggBar, BarFeed } from "../mod.ts";

const M = 60_000, H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** One-minute bars of A (price 100) and B (price 20) over 5 hours. */
function minuteBars(): AggBar {
  const records = [];
  for (let i = 0; i < 300; i++) {
    for (const [symbol, price] of [["A", 100], ["B", 20]] as const) {
      records.push({
        symbol,
        start_time: T0 + i * M,
        end_time: T0 + (i + 1) * M,
        open: price,
        close: price,
      });
    }
  }
  return AggBar.fromRecords(records);
}

Deno.test("BarFeed.run steps on the step grid by default: step 1h runs at 01:00, 02:00 ..., not 00:01, 01:01 ...", async () => {
  const feed = new BarFeed(minuteBars());
  const seen: number[] = [];
  const run = await feed.run((ctx) => {
    seen.push(ctx.at);
  }, { step: "1h" });
  assert.deepEqual(seen, [1, 2, 3, 4, 5].map((h) => T0 + h * H));
  assert.equal(run.start, T0 + H);
  // An explicit start is kept as given.
  const from = await feed.run(() => {}, { step: "1h", start: T0 + 90 * M });
  assert.equal(from.start, T0 + 90 * M);
  // The default step (the bar interval) starts at the first end_time, as before.
  assert.equal((await feed.run(() => {})).start, T0 + M);
});

Deno.test("BarFeed.run with funding takes position × mark × rate at each settlement held through: longs pay, shorts receive", async () => {
  const feed = new BarFeed(minuteBars());
  const funding = pl.DataFrame([
    pl.Series("symbol", ["A", "B", "A", "B", "A"]),
    pl.Series(
      "funding_time",
      BigInt64Array.from(
        [T0 + 30 * M, T0 + 2 * H, T0 + 2 * H, T0 + 3.5 * H, T0 + 9 * H],
        (t) => BigInt(t),
      ),
      pl.Int64,
    ),
    pl.Series("funding_rate", [0.5, 1e-4, 2e-4, -3e-4, 1]),
  ]);
  // At 01:00: buy 10 A, sell 50 B; they fill at the 01:00 bars' opens.
  const run = await feed.run((ctx) => {
    if (ctx.index === 0) {
      ctx.order("A", 10);
      ctx.order("B", -50);
    }
  }, { step: "1h", funding, capital: 10_000 });
  const flows = run.returns.getColumn("funding").toArray() as number[];
  // 00:30: before the run. 02:00 (a step): paid at 03:00 on positions held
  // from 01:00: A long 10 × 100 × 2e-4 = −0.2; B short 50 × 20 × 1e-4 = +0.1.
  // 03:30: B short, negative rate: −50 × 20 × −(−3e-4) = −0.3, paid at 04:00.
  // 09:00: after the run.
  assert.deepEqual(flows.length, 5);
  assert.equal(flows[0], 0);
  assert.equal(flows[1], 0);
  assert.ok(Math.abs(flows[2] - (-0.2 + 0.1)) < 1e-12, `${flows[2]}`);
  assert.ok(Math.abs(flows[3] - -0.3) < 1e-12, `${flows[3]}`);
  assert.equal(flows[4], 0);
  assert.ok(Math.abs(run.cash - (10_000 - 1000 + 1000 - 0.1 - 0.3)) < 1e-9);
  assert.ok(
    !(await feed.run(() => {}, { step: "1h" })).returns.columns
      .includes("funding"),
  );
});
