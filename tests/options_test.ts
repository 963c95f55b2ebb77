/**
 * Options are checked at the door: a wrong type or an unknown name is an
 * InvalidArgumentError naming the option, before any work is done.
 */
import assert from "node:assert/strict";
import {
  AggBar,
  BarFeed,
  DataLoader,
  downloadData,
  generateSample,
  InvalidArgumentError,
  type LoadAggBarOptions,
  writeBinanceZip,
  writeBybitCsvGz,
} from "../mod.ts";
import { checkOptions } from "../src/options.ts";

const SELECTION = {
  symbols: "BTCUSDT",
  start: "2024-01-01",
  days: 1,
} as const;

/** A value passed as JavaScript would, without a type checker. */
// deno-lint-ignore no-explicit-any
const any = (v: unknown) => v as any;

function rejects(
  what: string,
  run: () => unknown,
  argument: string | RegExp,
  message?: RegExp,
): Promise<void> | void {
  const check = (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `${what}: ${e}`);
    if (typeof argument === "string") assert.equal(e.argument, argument, what);
    else assert.match(e.argument, argument, what);
    if (message) assert.match(e.message, message, what);
    return true;
  };
  try {
    const result = run();
    if (result instanceof Promise) {
      return result.then(
        () => assert.fail(`${what}: no error`),
        (e) => void check(e),
      );
    }
  } catch (e) {
    check(e);
    return;
  }
  assert.fail(`${what}: no error`);
}

Deno.test("checkOptions names an unknown option, lists the known ones and suggests the closest", () => {
  type Slice = { start?: number; end?: number; symbols?: string };
  const known = { start: true, end: true, symbols: true } as const;
  assert.deepEqual(checkOptions<Slice>("slice", undefined, known), {});
  rejects(
    "misspelt",
    () => checkOptions("slice", { strat: 1 } as Slice, known),
    "slice options",
    /^slice options: expected one of start, end, symbols \(did you mean "start"\?\), got "strat"$/,
  );
  rejects(
    "far off",
    () => checkOptions("slice", { interval: 1 } as Slice, known),
    "slice options",
    /expected one of start, end, symbols, got "interval"$/,
  );
  for (const bad of [null, 42, "x", [1]]) {
    rejects(
      `options ${bad}`,
      () => checkOptions("slice", bad as unknown as Slice, known),
      "slice",
      /expected an options object/,
    );
  }
});

Deno.test("DataLoader and loadAggBar reject wrong-typed and unknown options before reading anything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium-options-" });
  const file = `${dir}/not-a-dir`;
  await Deno.writeTextFile(file, "x");
  // deno-lint-ignore no-explicit-any
  const loaderWith = (options: any) => () => new DataLoader(options);
  rejects(
    "cacheDir 42",
    loaderWith({ dataDir: dir, cacheDir: 42 }),
    "cacheDir",
  );
  rejects(
    "onWarning 'x'",
    loaderWith({ dataDir: dir, onWarning: "x" }),
    "onWarning",
  );
  rejects(
    "dataDir a file",
    loaderWith({ dataDir: file }),
    "dataDir",
    /a directory, not a file/,
  );
  rejects(
    "cacheDir a file",
    loaderWith({ dataDir: dir, cacheDir: file }),
    "cacheDir",
  );
  rejects(
    "unknown",
    loaderWith({ dataDir: dir, cachedir: dir }),
    "DataLoader options",
    /did you mean "cacheDir"/,
  );

  const loader = new DataLoader({ dataDir: dir });
  const load = (extra: Record<string, unknown>) => () =>
    loader.loadAggBar({ ...SELECTION, ...extra } as LoadAggBarOptions);
  await rejects(
    "buyerSeller 'false'",
    load({ buyerSeller: "false" }),
    "buyerSeller",
    /true or false/,
  );
  await rejects("cache 'no'", load({ cache: "no" }), "cache");
  await rejects(
    "allowMissing 'false'",
    load({ allowMissing: "false" }),
    "allowMissing",
  );
  await rejects("download 'yes'", load({ download: "yes" }), "download");
  await rejects(
    "interval '5m'",
    load({ interval: "5m" }),
    "loadAggBar options",
    /got "interval"/,
  );
  await rejects(
    "buyerseller",
    load({ buyerseller: true }),
    "loadAggBar options",
    /did you mean "buyerSeller"/,
  );
  await rejects(
    "days 1e6",
    load({ start: undefined, end: "2024-01-02", days: 1e6 }),
    "start/end/days",
    /at most 36525 days/,
  );
  await loader.close();
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name),
    ["not-a-dir"],
    "nothing was written: no cache directory",
  );
  await rejects(
    "generateSample unknown",
    () => generateSample(any({ dataDir: dir, tradesPerday: 10 })),
    "generateSample options",
    /did you mean "tradesPerDay"/,
  );
  await rejects(
    "writeBinanceZip unknown",
    () => writeBinanceZip(any({ dataDir: dir, outDir: dir, headers: true })),
    "writeBinanceZip options",
    /did you mean "header"/,
  );
  await rejects(
    "writeBybitCsvGz unknown",
    () => writeBybitCsvGz(any({ dataDir: dir, outDir: dir, descend: true })),
    "writeBybitCsvGz options",
  );
  await rejects(
    "downloadData unknown",
    // deno-lint-ignore no-explicit-any
    () => downloadData({ ...SELECTION, dataDir: dir, retrys: 3 } as any),
    "downloadData options",
    /did you mean "retries"/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("slice, analyze, backtest, the feed and formulas reject wrong-typed and unknown options", async () => {
  const agg = AggBar.fromRecords(
    Array.from({ length: 12 }, (_, i) => ({
      symbol: ["A", "B", "C"][i % 3],
      start_time: Math.floor(i / 3) * 60_000,
      end_time: Math.floor(i / 3) * 60_000 + 60_000,
      close: 10 + i,
    })),
  );
  rejects("slice symbols 42", () => agg.slice(any({ symbols: 42 })), "symbols");
  rejects(
    "slice unknown",
    () => agg.slice(any({ symbol: "A" })),
    "slice options",
    /did you mean "symbols"/,
  );
  const close = agg.get("close");
  await rejects(
    "analyze quantile",
    () => close.analyze(agg, any({ quantile: 3 })),
    "analyze options",
    /did you mean "quantiles"/,
  );
  await rejects(
    "analyze price 1",
    () => close.analyze(agg, any({ price: 1, quantiles: 3 })),
    "price",
  );
  await rejects(
    "backtest costbps",
    () => close.backtest(agg, any({ costbps: 4 })),
    "backtest options",
    /did you mean "costBps"/,
  );
  rejects(
    "formula options",
    () => agg.factor("adv5", any({ adv: "units", foo: 1 })),
    "formula options",
  );
  rejects(
    "BarFeed resampel",
    () => new BarFeed(agg, any({ resampel: ["5m"] })),
    "BarFeed options",
  );
  const feed = new BarFeed(agg);
  rejects(
    "lastPrice column 3",
    () => feed.lastPrice("A", 60_000, any({ column: 3 })),
    "column",
  );
  rejects(
    "history timestpe",
    () => feed.history("A", 1, 60_000, any({ timestpe: "1m" })),
    "history options",
  );
  rejects(
    "plot widht",
    () => agg.plot(any({ widht: 500 })),
    "plot options",
    /did you mean "width"/,
  );
  await rejects(
    "factor plot kind as option",
    () => close.plot("timeseries", any({ kind: "heatmap" })),
    "plot options",
  );
  await rejects(
    "run stpe",
    () => feed.run(() => {}, any({ stpe: "1m" })),
    "run options",
    /did you mean "step"/,
  );
});
