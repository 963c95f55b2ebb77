/**
 * Every operator as a test case: our factor and the plain-loop reference
 * of the same definition (shared by the operator and chunked-evaluation
 * tests).
 */
import type { AggBar, Factor } from "../mod.ts";
import type { QuantileDist, Reference, Series } from "./_factor_reference.ts";

export interface Case {
  name: string;
  ours: (agg: AggBar) => Factor;
  ref: (R: Reference) => Series;
}

const INPUTS = ["close", "volume", "flat"] as const;

/** One case per operator and parameter choice (over 250). */
export function cases(): Case[] {
  const list: Case[] = [];
  const add = (
    name: string,
    ours: Case["ours"],
    ref: Case["ref"],
  ) => list.push({ name, ours, ref });

  for (const x of INPUTS) {
    const col = (agg: AggBar) => agg.get(x);
    type Windowed = "tsSum" | "tsMean" | "tsMedian" | "tsMin" | "tsMax";
    const rolling: [Windowed, keyof Reference, number[]][] = [
      ["tsSum", "ts_sum", [1, 5]],
      ["tsMean", "ts_mean", [1, 6]],
      ["tsMedian", "ts_median", [1, 4, 5, 30]],
      ["tsMin", "ts_min", [1, 5, 30]],
      ["tsMax", "ts_max", [1, 5, 30]],
    ];
    for (const [method, refName, windows] of rolling) {
      for (const w of windows) {
        add(
          `${method}(${x}, ${w})`,
          (a) => col(a)[method](w),
          (R) => (R[refName] as (s: Series, w: number) => Series)(R.col(x), w),
        );
      }
    }
    type Moment = "tsStd" | "tsVar" | "tsZscore" | "tsCv" | "tsSkew" | "tsKurt";
    const moments: [Moment, keyof Reference, number[]][] = [
      ["tsStd", "ts_std", [2, 7]],
      ["tsVar", "ts_var", [2, 7]],
      ["tsZscore", "ts_zscore", [5]],
      ["tsCv", "ts_cv", [6]],
      ["tsSkew", "ts_skew", [3, 10]],
      ["tsKurt", "ts_kurt", [4, 10]],
    ];
    for (const [method, refName, windows] of moments) {
      for (const w of windows) {
        add(
          `${method}(${x}, ${w})`,
          (a) => col(a)[method](w),
          (R) => (R[refName] as (s: Series, w: number) => Series)(R.col(x), w),
        );
      }
    }
    type Other =
      | "tsProduct"
      | "tsArgmax"
      | "tsArgmin"
      | "tsRank"
      | "tsScale"
      | "tsDecayLinear"
      | "tsEma";
    const others: [Other, keyof Reference, number[]][] = [
      ["tsProduct", "ts_product", [3]],
      ["tsArgmax", "ts_argmax", [1, 6]],
      ["tsArgmin", "ts_argmin", [6]],
      ["tsRank", "ts_rank", [1, 5]],
      ["tsScale", "ts_scale", [2, 5, 30]],
      ["tsDecayLinear", "ts_decay_linear", [1, 4]],
      ["tsEma", "ts_ema", [1, 5]],
    ];
    for (const [method, refName, windows] of others) {
      for (const w of windows) {
        add(
          `${method}(${x}, ${w})`,
          (a) => col(a)[method](w),
          (R) => (R[refName] as (s: Series, w: number) => Series)(R.col(x), w),
        );
      }
    }
    for (const dist of ["normal", "uniform", "cauchy"] as QuantileDist[]) {
      add(
        `tsQuantile(${x}, 6, ${dist})`,
        (a) => col(a).tsQuantile(6, dist),
        (R) => R.ts_quantile(R.col(x), 6, dist),
      );
    }
    for (const k of [0, 1, 3, -2]) {
      add(
        `tsShift(${x}, ${k})`,
        (a) => col(a).tsShift(k),
        (R) => R.ts_shift(R.col(x), k),
      );
    }
    for (const k of [1, 3]) {
      add(
        `tsDelta(${x}, ${k})`,
        (a) => col(a).tsDelta(k),
        (R) => R.ts_delta(R.col(x), k),
      );
      add(
        `tsPctChange(${x}, ${k})`,
        (a) => col(a).tsPctChange(k),
        (R) => R.ts_pct_change(R.col(x), k),
      );
    }
    for (const lag of [1, 2]) {
      add(
        `tsAutocorr(${x}, 8, ${lag})`,
        (a) => col(a).tsAutocorr(8, lag),
        (R) => R.ts_autocorr(R.col(x), 8, lag),
      );
    }
    add(`tsStep(${x})`, (a) => col(a).tsStep(), (R) => R.ts_step(R.col(x)));

    // Cross section.
    add(`csRank(${x})`, (a) => col(a).csRank(), (R) => R.cs_rank(R.col(x)));
    add(
      `csZscore(${x})`,
      (a) => col(a).csZscore(),
      (R) => R.cs_zscore(R.col(x)),
    );
    add(
      `csDemean(${x})`,
      (a) => col(a).csDemean(),
      (R) => R.cs_demean(R.col(x)),
    );
    add(`csMean(${x})`, (a) => col(a).csMean(), (R) => R.cs_mean(R.col(x)));
    add(
      `csMedian(${x})`,
      (a) => col(a).csMedian(),
      (R) => R.cs_median(R.col(x)),
    );
    add(
      `csScale(${x}, 2)`,
      (a) => col(a).csScale(2),
      (R) => R.cs_scale(R.col(x), 2),
    );
    add(
      `csWinsorize(${x})`,
      (a) => col(a).csWinsorize(),
      (R) => R.cs_winsorize(R.col(x)),
    );
    add(
      `csWinsorize(${x}, 0.2, 0.7)`,
      (a) => col(a).csWinsorize(0.2, 0.7),
      (R) => R.cs_winsorize(R.col(x), 0.2, 0.7),
    );
    add(
      `groupNeutralize(${x}, sector)`,
      (a) => col(a).groupNeutralize("sector"),
      (R) => R.group_neutralize(R.col(x), "sector"),
    );

    // Element-wise, one argument.
    type Unary =
      | "neg"
      | "abs"
      | "sign"
      | "log"
      | "sqrt"
      | "inverse"
      | "not";
    for (const fn of ["neg", "abs", "sign", "log", "sqrt", "inverse", "not"]) {
      add(
        `${fn}(${x})`,
        (a) => col(a)[fn as Unary](),
        (R) => (R[fn as Unary] as (s: Series) => Series)(R.col(x)),
      );
    }
    add(
      `exp(${x} / 100)`,
      (a) => col(a).div(100).exp(),
      (R) => R.exp(R.div(R.col(x), 100)),
    );
  }

  // Two inputs: every pair of distinct inputs, both orders for the fits.
  for (const y of INPUTS) {
    for (const x of INPUTS) {
      if (x === y) continue;
      const pair = `${y}, ${x}`;
      for (
        const [method, refName] of [
          ["tsCov", "ts_cov"],
          ["tsCorr", "ts_corr"],
          ["tsBeta", "ts_beta"],
          ["tsAlpha", "ts_alpha"],
          ["tsResid", "ts_resid"],
        ] as const
      ) {
        add(
          `${method}(${pair}, 6)`,
          (a) => a.get(y)[method](a.get(x), 6),
          (R) => R[refName](R.col(y), R.col(x), 6),
        );
      }
      add(
        `csNeutralize(${pair})`,
        (a) => a.get(y).csNeutralize(a.get(x)),
        (R) => R.cs_neutralize(R.col(y), R.col(x)),
      );
      for (
        const [method, refName] of [
          ["add", "add"],
          ["sub", "sub"],
          ["mul", "mul"],
          ["div", "div"],
          ["pow", "pow"],
          ["min", "min"],
          ["max", "max"],
          ["gt", "gt"],
          ["ge", "ge"],
          ["lt", "lt"],
          ["le", "le"],
          ["eq", "eq"],
          ["ne", "ne"],
          ["and", "and"],
          ["or", "or"],
        ] as const
      ) {
        add(
          `${method}(${pair})`,
          (a) => a.get(y)[method](a.get(x)),
          (R) => R[refName](R.col(y), R.col(x)),
        );
      }
      add(
        `where(${pair})`,
        (a) => a.get(y).where(a.get(x)),
        (R) => R.where(R.col(y), R.col(x)),
      );
      add(
        `where(${pair}, -1)`,
        (a) => a.get(y).where(a.get(x), -1),
        (R) => R.where(R.col(y), R.col(x), -1),
      );
      add(
        `ifElse(${pair})`,
        (a) => a.get(x).ifElse(a.get(y), 7),
        (R) => R.if_else(R.col(x), R.col(y), 7),
      );
      add(
        `signedPow(${pair})`,
        (a) => a.get(y).signedPow(a.get(x)),
        (R) => R.mul(R.sign(R.col(y)), R.pow(R.abs(R.col(y)), R.col(x))),
      );
    }
  }
  // Element-wise with numbers.
  for (const p of [2, 0.5, -1, 3]) {
    add(
      `pow(close, ${p})`,
      (a) => a.get("close").sub(200).pow(p),
      (R) => R.pow(R.sub(R.col("close"), 200), p),
    );
    add(
      `signedPow(close - 200, ${p})`,
      (a) => a.get("close").sub(200).signedPow(p),
      (R) => R.signed_pow(R.sub(R.col("close"), 200), p),
    );
  }
  add(
    "min(volume, 5)",
    (a) => a.get("volume").min(5),
    (R) => R.min(R.col("volume"), 5),
  );
  add(
    "max(volume, 5)",
    (a) => a.get("volume").max(5),
    (R) => R.max(R.col("volume"), 5),
  );
  add(
    "clip(volume, 2, 8)",
    (a) => a.get("volume").clip(2, 8),
    (R) => R.clip(R.col("volume"), 2, 8),
  );
  add(
    "div(volume, 0)",
    (a) => a.get("volume").div(0),
    (R) => R.div(R.col("volume"), 0),
  );
  return list;
}
