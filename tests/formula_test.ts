import assert from "node:assert/strict";
import {
  AggBar,
  ALPHA101,
  Factor,
  FactoriumError,
  FormulaError,
  InvalidArgumentError,
} from "../mod.ts";
import { random, valuesOf } from "./_factor_data.ts";

const agg = AggBar.fromRecords(
  ["A", "B", "C"].flatMap((symbol, s) =>
    [0, 1, 2, 3, 4].map((t) => ({
      symbol,
      start_time: t * 60_000,
      end_time: (t + 1) * 60_000,
      open: 10 + s + t,
      close: 10 + s * t - t,
      volume: (s + t) % 3,
      vwap: 10 + s,
      sector: s === 2 ? "x" : "y",
    }))
  ),
);

async function values(formula: string | Factor): Promise<(number | null)[]> {
  const factor = typeof formula === "string" ? agg.factor(formula) : formula;
  return valuesOf(await factor.collect(), "factor");
}

const close = agg.get("close");

Deno.test("formula operators follow C precedence, with ^ binding tighter than unary minus", async () => {
  const pairs: [string, Factor][] = [
    ["1 + 2 * close", close.mul(2).add(1)],
    ["(1 + 2) * close", close.mul(3)],
    [
      "close - open - volume",
      close.sub(agg.get("open")).sub(agg.get("volume")),
    ],
    ["close / 2 / 4", close.div(2).div(4)],
    ["-close ^ 2", close.pow(2).neg()],
    ["close * 2 ^ 3 ^ 2", close.mul(512)],
    ["close > 10 == 1", close.gt(10).eq(1)],
    [
      "close > 10 && volume > 0 || open < 12",
      close.gt(10).and(agg.get("volume").gt(0)).or(agg.get("open").lt(12)),
    ],
    [
      "close > 12 ? 1 : close > 9 ? 2 : 3",
      close.gt(12).ifElse(1, close.gt(9).ifElse(2, 3)),
    ],
    ["!(close > 10)", close.gt(10).not()],
    ["+close - -1", close.add(1)],
    ["1 - close", close.neg().add(1)],
    ["2 / close", close.inverse().mul(2)],
    ["3 < close", close.gt(3)],
  ];
  for (const [formula, expected] of pairs) {
    const got = await values(formula);
    const want = await values(expected);
    got.forEach((v, i) => {
      const w = want[i];
      assert.ok(
        v === w ||
          (v !== null && w !== null &&
            Math.abs(v - w) <= 1e-12 * Math.max(1, Math.abs(w))),
        `${formula}: row ${i} ${v} vs ${w}`,
      );
    });
  }
});

Deno.test("formulas fold constants and keep numbers on either side of an operator", () => {
  assert.equal(agg.factor("(-1 * 1) * close").name, "(-1*close)");
  assert.equal(agg.factor("(1 - 0.25) * close").name, "(0.75*close)");
  assert.equal(agg.factor("1 - rank(close)").name, "(1-cs_rank(close))");
  assert.equal(agg.factor("(0.5 < close) ? -1 : 1").name, "((0.5<close)?-1:1)");
  assert.equal(agg.factor("1 > 0 ? close : open").name, "close");
});

Deno.test("the 101-Alphas vocabulary maps onto the operators", () => {
  const same: [string, string][] = [
    ["rank(close)", "cs_rank(close)"],
    ["delay(close, 3)", "ts_shift(close,3)"],
    ["delta(close, 3)", "ts_delta(close,3)"],
    ["correlation(close, open, 9.91009)", "ts_corr(close,open,9)"],
    ["covariance(close, open, 5)", "ts_cov(close,open,5)"],
    ["scale(close)", "cs_scale(close,1)"],
    ["scale(close, 3)", "cs_scale(close,3)"],
    ["SignedPower(close, 2)", "signed_pow(close,2)"],
    ["decay_linear(close, 4.2)", "ts_decay_linear(close,4)"],
    ["Ts_ArgMax(close, 5)", "ts_argmax(close,5)"],
    ["Ts_Rank(close, 5)", "ts_rank(close,5)"],
    ["sum(close, 5)", "ts_sum(close,5)"],
    ["product(close, 5)", "ts_product(close,5)"],
    ["stddev(close, 5)", "ts_std(close,5)"],
    ["min(close, 5)", "ts_min(close,5)"],
    ["max(close, 5.9)", "ts_max(close,5)"],
    ["min(close, open)", "min(close,open)"],
    ["least(close, 5)", "min(close,5)"],
    ["greatest(close, 5)", "max(close,5)"],
    ["returns", "ts_pct_change(close,1)"],
    ["adv20", "ts_mean((volume*vwap),20)"],
    ["IndNeutralize(close, IndClass.sector)", "group_neutralize(close,sector)"],
    ["ts_quantile(close, 5, cauchy)", "ts_quantile(close,5,cauchy)"],
    ["close ^ open", "(close^open)"],
    ["Log(close)", "log(close)"],
  ];
  for (const [formula, name] of same) {
    assert.equal(agg.factor(formula).name, name, formula);
  }
  assert.equal(Factor.parse("rank(close)", agg).name, "cs_rank(close)");
});

Deno.test("formula errors are FormulaErrors with a caret under the problem", () => {
  const cases: [string, number, RegExp][] = [
    [
      "ts_mean(close 20)",
      14,
      /expected '\)' to close the arguments of ts_mean\(, found '20'/,
    ],
    ["ts_maen(close, 20)", 0, /unknown function 'ts_maen' \(did you mean/],
    [
      "clsoe + 1",
      0,
      /unknown name 'clsoe'; columns are open, close, volume, vwap, sector/,
    ],
    ["cap * close", 0, /market cap/],
    ["rank(close, 3)", 0, /rank\(\) takes 1 argument\(s\), got 2/],
    ["rank(5)", 5, /expected a factor expression, found a number/],
    [
      "ts_mean(close, volume)",
      15,
      /expected a number, found a factor expression/,
    ],
    [
      "ts_mean(close, 0.5)",
      0,
      /tsMean\(window\): expected a positive integer, got 0/,
    ],
    ["min(3, close)", 0, /ambiguous/],
    ["1 + 2", 0, /constant 3/],
    ["close @ 2", 6, /unexpected character '@'/],
    [
      "close close",
      6,
      /expected an operator or the end of the formula, found 'close'/,
    ],
    ["(close + 1", 10, /expected '\)' to close '\('/],
    ["close ? 1", 9, /expected ':'/],
    ["IndClass.sector + 1", 0, /is a group/],
    ["indneutralize(close, IndClass.country)", 0, /groupNeutralize\(column\)/],
    [
      "ts_quantile(close, 5, pareto)",
      22,
      /expected one of normal, uniform, cauchy/,
    ],
    ["1 / 0 * close", 2, /constant expression is Infinity/],
    ["", 0, /expected a formula/],
  ];
  for (const [formula, position, message] of cases) {
    assert.throws(
      () => agg.factor(formula),
      (e: unknown) => {
        assert.ok(e instanceof FormulaError, `${formula}: ${e}`);
        assert.ok(e instanceof FactoriumError);
        assert.match(e.message, message, formula);
        assert.equal(e.position, position, `${formula}: position`);
        const lines = e.message.split("\n");
        assert.equal(lines[1], `  ${formula}`);
        assert.equal(lines[2], `  ${" ".repeat(position)}^`);
        return true;
      },
    );
  }
});

Deno.test("a formula evaluates to the same values as the equivalent method chain", async () => {
  assert.deepEqual(
    await values("indneutralize(close, IndClass.sector)"),
    await values(close.groupNeutralize("sector")),
  );
  assert.deepEqual(await values("returns"), await values(close.tsPctChange(1)));
  assert.deepEqual(
    await values("ts_mean(close, 2) * (volume > 0)"),
    await values(close.tsMean(2).mul(agg.get("volume").gt(0))),
  );
});

Deno.test("adv{d} averages dollar volume by default and volume units with { adv: 'units' }", async () => {
  // Plain loop over the bars above: the mean of the last d values of each
  // symbol, null until d bars exist.
  const rows = agg.toRecords();
  const trailingMean = (value: (row: Record<string, unknown>) => number) =>
    rows.map((row) => {
      const own = rows.filter((r) =>
        r.symbol === row.symbol &&
        (r.start_time as number) <= (row.start_time as number) &&
        (r.start_time as number) > (row.start_time as number) - 2 * 60_000
      );
      return own.length < 2
        ? null
        : own.reduce((sum, r) => sum + value(r), 0) / own.length;
    });
  const dollars = trailingMean((r) =>
    (r.volume as number) * (r.vwap as number)
  );
  const units = trailingMean((r) => r.volume as number);
  assert.ok(units.some((u, i) => u !== null && u !== dollars[i]));

  assert.deepEqual(await values("adv2"), dollars);
  assert.deepEqual(
    await values(agg.factor("adv2", { adv: "dollar" })),
    dollars,
  );
  assert.deepEqual(await values(agg.factor("adv2", { adv: "units" })), units);
  assert.deepEqual(
    await values(Factor.parse("adv2", agg, { adv: "units" })),
    units,
  );
  const frame = await agg.compute({ adv: "adv2" }, { adv: "units" });
  assert.deepEqual(valuesOf(frame, "adv"), units);
  assert.equal(
    agg.factor("adv20", { adv: "units" }).name,
    "ts_mean(volume,20)",
  );
});

Deno.test("alpha007 is -1 on every row of coins priced far above their volume with dollar adv, not with adv in units", async () => {
  // Gap-free bars priced 100-300 with volumes 1-20: volume never exceeds the
  // mean dollar volume, but exceeds the mean volume on about half the bars.
  const rand = random(3);
  const bars = AggBar.fromRecords(
    [0, 1, 2].flatMap((s) => {
      let close = 100 + 100 * s;
      return Array.from({ length: 150 }, (_, t) => {
        close *= 1 + (rand() - 0.5) * 0.02;
        return {
          symbol: `S${s}`,
          start_time: t * 60_000,
          end_time: (t + 1) * 60_000,
          close,
          vwap: close,
          volume: 1 + Math.floor(rand() * 20),
        };
      });
    }),
  );
  const alpha007 = async (options?: { adv: "units" }) =>
    valuesOf(await bars.compute({ a: ALPHA101.alpha007 }, options), "a")
      .filter((v) => v !== null);
  const dollar = await alpha007();
  const units = await alpha007({ adv: "units" });
  assert.ok(dollar.length > 100 && units.length > 100);
  assert.deepEqual(new Set(dollar), new Set([-1]));
  const decided = units.filter((v) => v !== -1).length;
  assert.ok(
    decided > units.length / 4,
    `${decided} of ${units.length} values besides -1`,
  );
});

Deno.test("an unknown adv reading is an InvalidArgumentError naming the option", () => {
  assert.throws(
    () => agg.factor("adv20", { adv: "coins" as "units" }),
    (e: unknown) =>
      e instanceof InvalidArgumentError && e.argument === "adv" &&
      e.message === 'adv: expected one of "dollar", "units", got "coins"',
  );
});
