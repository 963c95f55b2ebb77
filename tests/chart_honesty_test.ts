import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  type AggBar,
  DataLoader,
  generateSample,
  InvalidArgumentError,
} from "../mod.ts";
import { downsampleCandles } from "../src/display/plot.ts";
import { sineBars } from "./_factor_data.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

async function loadBars(dataDir: string, intervalMs: number): Promise<AggBar> {
  const loader = new DataLoader({ dataDir });
  try {
    return await loader.loadAggBar({
      symbols: ["BTCUSDT", "ETHUSDT"],
      start: "2024-01-01",
      days: 3,
      bar: { type: "time", intervalMs },
      cache: false,
    });
  } finally {
    await loader.close();
  }
}

/** Bars on a regular 1-minute grid: `count` per symbol. */
function grid(symbols: string[], count: number): AggBar {
  return sineBars(symbols, count, { start: T0 });
}

/** The `d` attributes of the line mark's paths. */
function linePaths(svg: string): string[] {
  const mark = svg.match(/<g [^>]*aria-label="line"[^>]*>(.*?)<\/g>/s);
  assert.ok(mark, "no line mark");
  return [...mark[1].matchAll(/ d="([^"]+)"/g)].map((m) => m[1]);
}

Deno.test("downsampled 5-minute candles of 1-minute bars equal loadAggBar's 5-minute bars (buckets :00–:04)", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "factorium-candles-" });
  try {
    await generateSample({
      dataDir,
      symbols: ["BTCUSDT", "ETHUSDT"],
      start: "2024-01-01",
      days: 3,
      tradesPerDay: 20_000,
      seed: 7,
    });
    const minute = await loadBars(dataDir, MINUTE);
    const five = await loadBars(dataDir, 5 * MINUTE);
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const rows = minute.toPolars().filter(
        pl.col("symbol").eq(pl.lit(symbol)),
      );
      const got = downsampleCandles(rows, 5 * MINUTE)
        .select("start_time", "end_time", "open", "high", "low", "close");
      const want = five.toPolars().filter(pl.col("symbol").eq(pl.lit(symbol)))
        .select("start_time", "end_time", "open", "high", "low", "close");
      assert.ok(want.height > 800, `${want.height} bars`);
      assert.deepEqual(got.toRecords(), want.toRecords());
    }
    // 4320 1-minute bars over 3 days: 864 candles of 5 min, not 865.
    const chart = minute.plot({ symbol: "BTCUSDT", kind: "candles" });
    assert.match(
      chart.toSVG(),
      /downsampled to 864 candles of 5 min \(OHLC of 4320 bars\)/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a downsampled line has no bucket of its own for the last bar (no end spike)", async () => {
  const agg = grid(["A"], 4320);
  for (
    const svg of [
      agg.plot({ kind: "line" }).toSVG(),
      (await agg.get("close").plot("timeseries")).toSVG(),
    ]
  ) {
    const [path] = linePaths(svg);
    // M + one L per further point: 864 buckets of 5 minutes.
    assert.equal(path.split("L").length, 864, svg.slice(0, 300));
  }
});

Deno.test("no two series of a chart share a colour, with the most symbols a line chart draws (12)", async () => {
  const symbols = Array.from({ length: 12 }, (_, i) => `S${i}`);
  const agg = grid(symbols, 30);
  for (
    const svg of [
      agg.plot({ kind: "line" }).toSVG(),
      agg.plot({ kind: "volume", symbol: symbols }).toSVG(),
      (await agg.get("close").plot("timeseries")).toSVG(),
    ]
  ) {
    const legend = svg.match(/<g class="legend">(.*?)<\/g>/s)![1];
    const colours = [...legend.matchAll(/fill="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(colours.length, 12);
    assert.equal(new Set(colours).size, 12, colours.join(" "));
  }
  const strokes = linePaths(agg.plot({ kind: "line" }).toSVG()).length;
  assert.equal(strokes, 12);
  const line = agg.plot({ kind: "line" }).toSVG();
  const used = new Set(
    [...line.matchAll(/<path[^>]* stroke="([^"]+)"/g)].map((m) => m[1]),
  );
  assert.equal(used.size, 12, [...used].join(" "));
  // A 13th series would repeat a colour: asking for it is an error.
  const more = grid([...symbols, "S12"], 5);
  assert.throws(
    () => more.plot({ kind: "line", symbol: more.symbols }),
    (e: Error) =>
      e instanceof InvalidArgumentError &&
      e.message.includes("at most 12 symbols, one colour each"),
  );
});

Deno.test("a long factor name is shortened with an ellipsis in chart titles, never the chart kind", async () => {
  const agg = grid(["A", "B"], 50);
  const long = Array.from({ length: 8 }, () => "ts_mean(").join("") + "close" +
    Array.from({ length: 8 }, () => ",2)").join("");
  const factor = agg.factor(long);
  const analysis = await factor.analyze(agg, {
    periods: [1],
    minSymbols: 2,
    quantiles: 2,
  });
  for (
    const [chart, kind] of [
      [analysis.plot("ic", { width: 400 }), ": Spearman IC per time"],
      [
        analysis.plot("quantile-returns", { width: 400 }),
        ": mean forward return by quantile",
      ],
      [await factor.plot("distribution", { width: 400 }), ": distribution"],
    ] as const
  ) {
    const svg = chart.toSVG();
    const title = svg.match(/<text x="0" y="16"[^>]*>([^<]*)<\/text>/)![1];
    assert.ok(title.endsWith(kind), title);
    assert.ok(title.includes("…"), title);
    assert.ok(title.length * 8 <= 400, `${title.length} characters in 400 px`);
    // The full title is kept for a hover tooltip.
    assert.ok(svg.includes(`<title>${factor.name}${kind}</title>`));
  }
});
