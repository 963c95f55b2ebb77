/**
 * Hand translation of the "101 Formulaic Alphas" formulas that
 * src/factor/alphas.ts (ALPHA101) bundles into calls of the plain-loop
 * operator reference (tests/_factor_reference.ts).
 *
 * Test support only. Each entry is a direct transliteration of the paper's
 * formula (Appendix A, as in tests/fixtures/alpha101_paper.txt; the comment
 * above each entry quotes it, and alphas_test.ts checks the quote against the
 * fixture): same nesting, same operand order.
 * The formula-language names are mapped as in the last section of
 * scratch/ops_spec.md:
 *
 *   rank = cs_rank; delay = ts_shift; delta = ts_delta;
 *   correlation = ts_corr; covariance = ts_cov; scale(x) = cs_scale(x) (a = 1);
 *   SignedPower = signed_pow (a series exponent: sign(x) * pow(abs(x), p));
 *   decay_linear = ts_decay_linear; sum = ts_sum; product = ts_product;
 *   stddev = ts_std; Ts_Rank / Ts_ArgMax / Ts_ArgMin = ts_rank / ts_argmax /
 *   ts_argmin; Log = log; IndNeutralize(x, IndClass.sector) =
 *   group_neutralize(x, "sector") (IndClass.industry -> "industry");
 *   min(x, d) / max(x, d) with a number d = ts_min / ts_max(x, floor(d)), with
 *   two series = element-wise min / max; every window / period argument that
 *   is not an integer is floored (win()); returns = ts_pct_change(close, 1);
 *   adv{d} = ts_mean(volume * vwap, d); `a ^ b` = pow(a, b);
 *   `c ? a : b` = if_else(c, a, b); `||` = or, `&&` = and; comparisons give
 *   1 / 0; arithmetic between two plain numbers is done in JS (e.g.
 *   `(-1 * 1)`, `(1 - 0.178404)`).
 *
 * A number on the LEFT of an element-wise operator is written with lit():
 * `(1 - rank(x))` = sub(lit(1), rank(x)), `(-1 * x)` = mul(lit(-1), x),
 * `(0.5 < r)` = lt(lit(0.5), r). A number on the right is passed as is:
 * `(x * -1)` = mul(x, -1). A ternary branch that is a number is passed to
 * if_else as the number.
 */

import type { Reference, Series } from "./_factor_reference.ts";

/** A non-integer window / period argument is floored (9.91009 -> 9). */
function win(d: number): number {
  return Math.floor(d);
}

/** The price / volume columns, read lazily (only the ones destructured). */
function bars(R: Reference) {
  return {
    get open(): Series {
      return R.col("open");
    },
    get high(): Series {
      return R.col("high");
    },
    get low(): Series {
      return R.col("low");
    },
    get close(): Series {
      return R.col("close");
    },
    get volume(): Series {
      return R.col("volume");
    },
  };
}

/** vwap = the vwap column. */
function vwap(R: Reference): Series {
  return R.col("vwap");
}

/** returns = ts_pct_change(close, 1). */
function returns(R: Reference): Series {
  return R.ts_pct_change(R.col("close"), 1);
}

/** adv{d} = ts_mean(volume * vwap, d) (average dollar volume). */
function adv(R: Reference, d: number): Series {
  return R.ts_mean(R.mul(R.col("volume"), R.col("vwap")), d);
}

/** SignedPower(x, p) with a series exponent: sign(x) * pow(abs(x), p). */
function signedPowSeries(R: Reference, x: Series, p: Series): Series {
  return R.mul(R.sign(x), R.pow(R.abs(x), p));
}

/** One hand translation per key of ALPHA101. */
export const ALPHA_REFERENCE: Record<string, (R: Reference) => Series> = {
  // (rank(Ts_ArgMax(SignedPower(((returns < 0) ? stddev(returns, 20) : close), 2.), 5)) - 0.5)
  alpha001: (R) => {
    const { close } = bars(R);
    return R.sub(
      R.cs_rank(
        R.ts_argmax(
          R.signed_pow(
            R.if_else(
              R.lt(returns(R), 0),
              R.ts_std(returns(R), 20),
              close,
            ),
            2,
          ),
          5,
        ),
      ),
      0.5,
    );
  },

  // (-1 * correlation(rank(delta(log(volume), 2)), rank(((close - open) / open)), 6))
  alpha002: (R) => {
    const { open, close, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_corr(
        R.cs_rank(R.ts_delta(R.log(volume), 2)),
        R.cs_rank(R.div(R.sub(close, open), open)),
        6,
      ),
    );
  },

  // (-1 * correlation(rank(open), rank(volume), 10))
  alpha003: (R) => {
    const { open, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_corr(R.cs_rank(open), R.cs_rank(volume), 10),
    );
  },

  // (-1 * Ts_Rank(rank(low), 9))
  alpha004: (R) => {
    const { low } = bars(R);
    return R.mul(R.lit(-1), R.ts_rank(R.cs_rank(low), 9));
  },

  // (rank((open - (sum(vwap, 10) / 10))) * (-1 * abs(rank((close - vwap)))))
  alpha005: (R) => {
    const { open, close } = bars(R);
    return R.mul(
      R.cs_rank(R.sub(open, R.div(R.ts_sum(vwap(R), 10), 10))),
      R.mul(R.lit(-1), R.abs(R.cs_rank(R.sub(close, vwap(R))))),
    );
  },

  // (-1 * correlation(open, volume, 10))
  alpha006: (R) => {
    const { open, volume } = bars(R);
    return R.mul(R.lit(-1), R.ts_corr(open, volume, 10));
  },

  // ((adv20 < volume) ? ((-1 * ts_rank(abs(delta(close, 7)), 60)) * sign(delta(close, 7))) : (-1 * 1))
  alpha007: (R) => {
    const { close, volume } = bars(R);
    return R.if_else(
      R.lt(adv(R, 20), volume),
      R.mul(
        R.mul(R.lit(-1), R.ts_rank(R.abs(R.ts_delta(close, 7)), 60)),
        R.sign(R.ts_delta(close, 7)),
      ),
      -1 * 1,
    );
  },

  // (-1 * rank(((sum(open, 5) * sum(returns, 5)) - delay((sum(open, 5) * sum(returns, 5)), 10))))
  alpha008: (R) => {
    const { open } = bars(R);
    return R.mul(
      R.lit(-1),
      R.cs_rank(
        R.sub(
          R.mul(R.ts_sum(open, 5), R.ts_sum(returns(R), 5)),
          R.ts_shift(R.mul(R.ts_sum(open, 5), R.ts_sum(returns(R), 5)), 10),
        ),
      ),
    );
  },

  // ((0 < ts_min(delta(close, 1), 5)) ? delta(close, 1) : ((ts_max(delta(close, 1), 5) < 0) ? delta(close, 1) : (-1 * delta(close, 1))))
  alpha009: (R) => {
    const { close } = bars(R);
    return R.if_else(
      R.lt(R.lit(0), R.ts_min(R.ts_delta(close, 1), 5)),
      R.ts_delta(close, 1),
      R.if_else(
        R.lt(R.ts_max(R.ts_delta(close, 1), 5), 0),
        R.ts_delta(close, 1),
        R.mul(R.lit(-1), R.ts_delta(close, 1)),
      ),
    );
  },

  // rank(((0 < ts_min(delta(close, 1), 4)) ? delta(close, 1) : ((ts_max(delta(close, 1), 4) < 0) ? delta(close, 1) : (-1 * delta(close, 1)))))
  alpha010: (R) => {
    const { close } = bars(R);
    return R.cs_rank(
      R.if_else(
        R.lt(R.lit(0), R.ts_min(R.ts_delta(close, 1), 4)),
        R.ts_delta(close, 1),
        R.if_else(
          R.lt(R.ts_max(R.ts_delta(close, 1), 4), 0),
          R.ts_delta(close, 1),
          R.mul(R.lit(-1), R.ts_delta(close, 1)),
        ),
      ),
    );
  },

  // ((rank(ts_max((vwap - close), 3)) + rank(ts_min((vwap - close), 3))) * rank(delta(volume, 3)))
  alpha011: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.add(
        R.cs_rank(R.ts_max(R.sub(vwap(R), close), 3)),
        R.cs_rank(R.ts_min(R.sub(vwap(R), close), 3)),
      ),
      R.cs_rank(R.ts_delta(volume, 3)),
    );
  },

  // (sign(delta(volume, 1)) * (-1 * delta(close, 1)))
  alpha012: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.sign(R.ts_delta(volume, 1)),
      R.mul(R.lit(-1), R.ts_delta(close, 1)),
    );
  },

  // (-1 * rank(covariance(rank(close), rank(volume), 5)))
  alpha013: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.cs_rank(R.ts_cov(R.cs_rank(close), R.cs_rank(volume), 5)),
    );
  },

  // ((-1 * rank(delta(returns, 3))) * correlation(open, volume, 10))
  alpha014: (R) => {
    const { open, volume } = bars(R);
    return R.mul(
      R.mul(R.lit(-1), R.cs_rank(R.ts_delta(returns(R), 3))),
      R.ts_corr(open, volume, 10),
    );
  },

  // (-1 * sum(rank(correlation(rank(high), rank(volume), 3)), 3))
  alpha015: (R) => {
    const { high, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_sum(
        R.cs_rank(R.ts_corr(R.cs_rank(high), R.cs_rank(volume), 3)),
        3,
      ),
    );
  },

  // (-1 * rank(covariance(rank(high), rank(volume), 5)))
  alpha016: (R) => {
    const { high, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.cs_rank(R.ts_cov(R.cs_rank(high), R.cs_rank(volume), 5)),
    );
  },

  // (((-1 * rank(ts_rank(close, 10))) * rank(delta(delta(close, 1), 1))) * rank(ts_rank((volume / adv20), 5)))
  alpha017: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.mul(
        R.mul(R.lit(-1), R.cs_rank(R.ts_rank(close, 10))),
        R.cs_rank(R.ts_delta(R.ts_delta(close, 1), 1)),
      ),
      R.cs_rank(R.ts_rank(R.div(volume, adv(R, 20)), 5)),
    );
  },

  // (-1 * rank(((stddev(abs((close - open)), 5) + (close - open)) + correlation(close, open, 10))))
  alpha018: (R) => {
    const { open, close } = bars(R);
    return R.mul(
      R.lit(-1),
      R.cs_rank(
        R.add(
          R.add(
            R.ts_std(R.abs(R.sub(close, open)), 5),
            R.sub(close, open),
          ),
          R.ts_corr(close, open, 10),
        ),
      ),
    );
  },

  // ((-1 * sign(((close - delay(close, 7)) + delta(close, 7)))) * (1 + rank((1 + sum(returns, 250)))))
  alpha019: (R) => {
    const { close } = bars(R);
    return R.mul(
      R.mul(
        R.lit(-1),
        R.sign(
          R.add(R.sub(close, R.ts_shift(close, 7)), R.ts_delta(close, 7)),
        ),
      ),
      R.add(
        R.lit(1),
        R.cs_rank(R.add(R.lit(1), R.ts_sum(returns(R), 250))),
      ),
    );
  },

  // (((-1 * rank((open - delay(high, 1)))) * rank((open - delay(close, 1)))) * rank((open - delay(low, 1))))
  alpha020: (R) => {
    const { open, high, low, close } = bars(R);
    return R.mul(
      R.mul(
        R.mul(R.lit(-1), R.cs_rank(R.sub(open, R.ts_shift(high, 1)))),
        R.cs_rank(R.sub(open, R.ts_shift(close, 1))),
      ),
      R.cs_rank(R.sub(open, R.ts_shift(low, 1))),
    );
  },

  // ((((sum(close, 8) / 8) + stddev(close, 8)) < (sum(close, 2) / 2)) ? (-1 * 1) : (((sum(close, 2) / 2) < ((sum(close, 8) / 8) - stddev(close, 8))) ? 1 : (((1 < (volume / adv20)) || ((volume / adv20) == 1)) ? 1 : (-1 * 1))))
  alpha021: (R) => {
    const { close, volume } = bars(R);
    return R.if_else(
      R.lt(
        R.add(R.div(R.ts_sum(close, 8), 8), R.ts_std(close, 8)),
        R.div(R.ts_sum(close, 2), 2),
      ),
      -1 * 1,
      R.if_else(
        R.lt(
          R.div(R.ts_sum(close, 2), 2),
          R.sub(R.div(R.ts_sum(close, 8), 8), R.ts_std(close, 8)),
        ),
        1,
        R.if_else(
          R.or(
            R.lt(R.lit(1), R.div(volume, adv(R, 20))),
            R.eq(R.div(volume, adv(R, 20)), 1),
          ),
          1,
          -1 * 1,
        ),
      ),
    );
  },

  // (-1 * (delta(correlation(high, volume, 5), 5) * rank(stddev(close, 20))))
  alpha022: (R) => {
    const { high, close, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.mul(
        R.ts_delta(R.ts_corr(high, volume, 5), 5),
        R.cs_rank(R.ts_std(close, 20)),
      ),
    );
  },

  // (((sum(high, 20) / 20) < high) ? (-1 * delta(high, 2)) : 0)
  alpha023: (R) => {
    const { high } = bars(R);
    return R.if_else(
      R.lt(R.div(R.ts_sum(high, 20), 20), high),
      R.mul(R.lit(-1), R.ts_delta(high, 2)),
      0,
    );
  },

  // ((((delta((sum(close, 100) / 100), 100) / delay(close, 100)) < 0.05) || ((delta((sum(close, 100) / 100), 100) / delay(close, 100)) == 0.05)) ? (-1 * (close - ts_min(close, 100))) : (-1 * delta(close, 3)))
  alpha024: (R) => {
    const { close } = bars(R);
    return R.if_else(
      R.or(
        R.lt(
          R.div(
            R.ts_delta(R.div(R.ts_sum(close, 100), 100), 100),
            R.ts_shift(close, 100),
          ),
          0.05,
        ),
        R.eq(
          R.div(
            R.ts_delta(R.div(R.ts_sum(close, 100), 100), 100),
            R.ts_shift(close, 100),
          ),
          0.05,
        ),
      ),
      R.mul(R.lit(-1), R.sub(close, R.ts_min(close, 100))),
      R.mul(R.lit(-1), R.ts_delta(close, 3)),
    );
  },

  // rank(((((-1 * returns) * adv20) * vwap) * (high - close)))
  alpha025: (R) => {
    const { high, close } = bars(R);
    return R.cs_rank(
      R.mul(
        R.mul(R.mul(R.mul(R.lit(-1), returns(R)), adv(R, 20)), vwap(R)),
        R.sub(high, close),
      ),
    );
  },

  // (-1 * ts_max(correlation(ts_rank(volume, 5), ts_rank(high, 5), 5), 3))
  alpha026: (R) => {
    const { high, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_max(R.ts_corr(R.ts_rank(volume, 5), R.ts_rank(high, 5), 5), 3),
    );
  },

  // ((0.5 < rank((sum(correlation(rank(volume), rank(vwap), 6), 2) / 2.0))) ? (-1 * 1) : 1)
  alpha027: (R) => {
    const { volume } = bars(R);
    return R.if_else(
      R.lt(
        R.lit(0.5),
        R.cs_rank(
          R.div(
            R.ts_sum(R.ts_corr(R.cs_rank(volume), R.cs_rank(vwap(R)), 6), 2),
            2.0,
          ),
        ),
      ),
      -1 * 1,
      1,
    );
  },

  // scale(((correlation(adv20, low, 5) + ((high + low) / 2)) - close))
  alpha028: (R) => {
    const { high, low, close } = bars(R);
    return R.cs_scale(
      R.sub(
        R.add(R.ts_corr(adv(R, 20), low, 5), R.div(R.add(high, low), 2)),
        close,
      ),
    );
  },

  // (min(product(rank(rank(scale(log(sum(ts_min(rank(rank((-1 * rank(delta((close - 1), 5))))), 2), 1))))), 1), 5) + ts_rank(delay((-1 * returns), 6), 5))
  alpha029: (R) => {
    const { close } = bars(R);
    return R.add(
      // min(x, 5) with a number 5 = ts_min(x, 5)
      R.ts_min(
        R.ts_product(
          R.cs_rank(
            R.cs_rank(
              R.cs_scale(
                R.log(
                  R.ts_sum(
                    R.ts_min(
                      R.cs_rank(
                        R.cs_rank(
                          R.mul(
                            R.lit(-1),
                            R.cs_rank(R.ts_delta(R.sub(close, 1), 5)),
                          ),
                        ),
                      ),
                      2,
                    ),
                    1,
                  ),
                ),
              ),
            ),
          ),
          1,
        ),
        5,
      ),
      R.ts_rank(R.ts_shift(R.mul(R.lit(-1), returns(R)), 6), 5),
    );
  },

  // (((1.0 - rank(((sign((close - delay(close, 1))) + sign((delay(close, 1) - delay(close, 2)))) + sign((delay(close, 2) - delay(close, 3)))))) * sum(volume, 5)) / sum(volume, 20))
  alpha030: (R) => {
    const { close, volume } = bars(R);
    return R.div(
      R.mul(
        R.sub(
          R.lit(1.0),
          R.cs_rank(
            R.add(
              R.add(
                R.sign(R.sub(close, R.ts_shift(close, 1))),
                R.sign(R.sub(R.ts_shift(close, 1), R.ts_shift(close, 2))),
              ),
              R.sign(R.sub(R.ts_shift(close, 2), R.ts_shift(close, 3))),
            ),
          ),
        ),
        R.ts_sum(volume, 5),
      ),
      R.ts_sum(volume, 20),
    );
  },

  // ((rank(rank(rank(decay_linear((-1 * rank(rank(delta(close, 10)))), 10)))) + rank((-1 * delta(close, 3)))) + sign(scale(correlation(adv20, low, 12))))
  alpha031: (R) => {
    const { low, close } = bars(R);
    return R.add(
      R.add(
        R.cs_rank(
          R.cs_rank(
            R.cs_rank(
              R.ts_decay_linear(
                R.mul(R.lit(-1), R.cs_rank(R.cs_rank(R.ts_delta(close, 10)))),
                10,
              ),
            ),
          ),
        ),
        R.cs_rank(R.mul(R.lit(-1), R.ts_delta(close, 3))),
      ),
      R.sign(R.cs_scale(R.ts_corr(adv(R, 20), low, 12))),
    );
  },

  // (scale(((sum(close, 7) / 7) - close)) + (20 * scale(correlation(vwap, delay(close, 5), 230))))
  alpha032: (R) => {
    const { close } = bars(R);
    return R.add(
      R.cs_scale(R.sub(R.div(R.ts_sum(close, 7), 7), close)),
      R.mul(
        R.lit(20),
        R.cs_scale(R.ts_corr(vwap(R), R.ts_shift(close, 5), 230)),
      ),
    );
  },

  // rank((-1 * ((1 - (open / close))^1)))
  alpha033: (R) => {
    const { open, close } = bars(R);
    return R.cs_rank(
      R.mul(R.lit(-1), R.pow(R.sub(R.lit(1), R.div(open, close)), 1)),
    );
  },

  // rank(((1 - rank((stddev(returns, 2) / stddev(returns, 5)))) + (1 - rank(delta(close, 1)))))
  alpha034: (R) => {
    const { close } = bars(R);
    return R.cs_rank(
      R.add(
        R.sub(
          R.lit(1),
          R.cs_rank(R.div(R.ts_std(returns(R), 2), R.ts_std(returns(R), 5))),
        ),
        R.sub(R.lit(1), R.cs_rank(R.ts_delta(close, 1))),
      ),
    );
  },

  // ((Ts_Rank(volume, 32) * (1 - Ts_Rank(((close + high) - low), 16))) * (1 - Ts_Rank(returns, 32)))
  alpha035: (R) => {
    const { high, low, close, volume } = bars(R);
    return R.mul(
      R.mul(
        R.ts_rank(volume, 32),
        R.sub(R.lit(1), R.ts_rank(R.sub(R.add(close, high), low), 16)),
      ),
      R.sub(R.lit(1), R.ts_rank(returns(R), 32)),
    );
  },

  // (((((2.21 * rank(correlation((close - open), delay(volume, 1), 15))) + (0.7 * rank((open - close)))) + (0.73 * rank(Ts_Rank(delay((-1 * returns), 6), 5)))) + rank(abs(correlation(vwap, adv20, 6)))) + (0.6 * rank((((sum(close, 200) / 200) - open) * (close - open)))))
  alpha036: (R) => {
    const { open, close, volume } = bars(R);
    return R.add(
      R.add(
        R.add(
          R.add(
            R.mul(
              R.lit(2.21),
              R.cs_rank(
                R.ts_corr(R.sub(close, open), R.ts_shift(volume, 1), 15),
              ),
            ),
            R.mul(R.lit(0.7), R.cs_rank(R.sub(open, close))),
          ),
          R.mul(
            R.lit(0.73),
            R.cs_rank(
              R.ts_rank(R.ts_shift(R.mul(R.lit(-1), returns(R)), 6), 5),
            ),
          ),
        ),
        R.cs_rank(R.abs(R.ts_corr(vwap(R), adv(R, 20), 6))),
      ),
      R.mul(
        R.lit(0.6),
        R.cs_rank(
          R.mul(
            R.sub(R.div(R.ts_sum(close, 200), 200), open),
            R.sub(close, open),
          ),
        ),
      ),
    );
  },

  // (rank(correlation(delay((open - close), 1), close, 200)) + rank((open - close)))
  alpha037: (R) => {
    const { open, close } = bars(R);
    return R.add(
      R.cs_rank(R.ts_corr(R.ts_shift(R.sub(open, close), 1), close, 200)),
      R.cs_rank(R.sub(open, close)),
    );
  },

  // ((-1 * rank(Ts_Rank(close, 10))) * rank((close / open)))
  alpha038: (R) => {
    const { open, close } = bars(R);
    return R.mul(
      R.mul(R.lit(-1), R.cs_rank(R.ts_rank(close, 10))),
      R.cs_rank(R.div(close, open)),
    );
  },

  // ((-1 * rank((delta(close, 7) * (1 - rank(decay_linear((volume / adv20), 9)))))) * (1 + rank(sum(returns, 250))))
  alpha039: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.mul(
        R.lit(-1),
        R.cs_rank(
          R.mul(
            R.ts_delta(close, 7),
            R.sub(
              R.lit(1),
              R.cs_rank(R.ts_decay_linear(R.div(volume, adv(R, 20)), 9)),
            ),
          ),
        ),
      ),
      R.add(R.lit(1), R.cs_rank(R.ts_sum(returns(R), 250))),
    );
  },

  // ((-1 * rank(stddev(high, 10))) * correlation(high, volume, 10))
  alpha040: (R) => {
    const { high, volume } = bars(R);
    return R.mul(
      R.mul(R.lit(-1), R.cs_rank(R.ts_std(high, 10))),
      R.ts_corr(high, volume, 10),
    );
  },

  // (((high * low)^0.5) - vwap)
  alpha041: (R) => {
    const { high, low } = bars(R);
    return R.sub(R.pow(R.mul(high, low), 0.5), vwap(R));
  },

  // (rank((vwap - close)) / rank((vwap + close)))
  alpha042: (R) => {
    const { close } = bars(R);
    return R.div(
      R.cs_rank(R.sub(vwap(R), close)),
      R.cs_rank(R.add(vwap(R), close)),
    );
  },

  // (ts_rank((volume / adv20), 20) * ts_rank((-1 * delta(close, 7)), 8))
  alpha043: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.ts_rank(R.div(volume, adv(R, 20)), 20),
      R.ts_rank(R.mul(R.lit(-1), R.ts_delta(close, 7)), 8),
    );
  },

  // (-1 * correlation(high, rank(volume), 5))
  alpha044: (R) => {
    const { high, volume } = bars(R);
    return R.mul(R.lit(-1), R.ts_corr(high, R.cs_rank(volume), 5));
  },

  // (-1 * ((rank((sum(delay(close, 5), 20) / 20)) * correlation(close, volume, 2)) * rank(correlation(sum(close, 5), sum(close, 20), 2))))
  alpha045: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.mul(
        R.mul(
          R.cs_rank(R.div(R.ts_sum(R.ts_shift(close, 5), 20), 20)),
          R.ts_corr(close, volume, 2),
        ),
        R.cs_rank(R.ts_corr(R.ts_sum(close, 5), R.ts_sum(close, 20), 2)),
      ),
    );
  },

  // ((0.25 < (((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10))) ? (-1 * 1) : (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < 0) ? 1 : ((-1 * 1) * (close - delay(close, 1)))))
  alpha046: (R) => {
    const { close } = bars(R);
    return R.if_else(
      R.lt(
        R.lit(0.25),
        R.sub(
          R.div(R.sub(R.ts_shift(close, 20), R.ts_shift(close, 10)), 10),
          R.div(R.sub(R.ts_shift(close, 10), close), 10),
        ),
      ),
      -1 * 1,
      R.if_else(
        R.lt(
          R.sub(
            R.div(R.sub(R.ts_shift(close, 20), R.ts_shift(close, 10)), 10),
            R.div(R.sub(R.ts_shift(close, 10), close), 10),
          ),
          0,
        ),
        1,
        R.mul(R.lit(-1 * 1), R.sub(close, R.ts_shift(close, 1))),
      ),
    );
  },

  // ((((rank((1 / close)) * volume) / adv20) * ((high * rank((high - close))) / (sum(high, 5) / 5))) - rank((vwap - delay(vwap, 5))))
  alpha047: (R) => {
    const { high, close, volume } = bars(R);
    return R.sub(
      R.mul(
        R.div(R.mul(R.cs_rank(R.div(R.lit(1), close)), volume), adv(R, 20)),
        R.div(
          R.mul(high, R.cs_rank(R.sub(high, close))),
          R.div(R.ts_sum(high, 5), 5),
        ),
      ),
      R.cs_rank(R.sub(vwap(R), R.ts_shift(vwap(R), 5))),
    );
  },

  // (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < (-1 * 0.1)) ? 1 : ((-1 * 1) * (close - delay(close, 1))))
  alpha049: (R) => {
    const { close } = bars(R);
    return R.if_else(
      R.lt(
        R.sub(
          R.div(R.sub(R.ts_shift(close, 20), R.ts_shift(close, 10)), 10),
          R.div(R.sub(R.ts_shift(close, 10), close), 10),
        ),
        -1 * 0.1,
      ),
      1,
      R.mul(R.lit(-1 * 1), R.sub(close, R.ts_shift(close, 1))),
    );
  },

  // (-1 * ts_max(rank(correlation(rank(volume), rank(vwap), 5)), 5))
  alpha050: (R) => {
    const { volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_max(
        R.cs_rank(R.ts_corr(R.cs_rank(volume), R.cs_rank(vwap(R)), 5)),
        5,
      ),
    );
  },

  // (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < (-1 * 0.05)) ? 1 : ((-1 * 1) * (close - delay(close, 1))))
  alpha051: (R) => {
    const { close } = bars(R);
    return R.if_else(
      R.lt(
        R.sub(
          R.div(R.sub(R.ts_shift(close, 20), R.ts_shift(close, 10)), 10),
          R.div(R.sub(R.ts_shift(close, 10), close), 10),
        ),
        -1 * 0.05,
      ),
      1,
      R.mul(R.lit(-1 * 1), R.sub(close, R.ts_shift(close, 1))),
    );
  },

  // ((((-1 * ts_min(low, 5)) + delay(ts_min(low, 5), 5)) * rank(((sum(returns, 240) - sum(returns, 20)) / 220))) * ts_rank(volume, 5))
  alpha052: (R) => {
    const { low, volume } = bars(R);
    return R.mul(
      R.mul(
        R.add(
          R.mul(R.lit(-1), R.ts_min(low, 5)),
          R.ts_shift(R.ts_min(low, 5), 5),
        ),
        R.cs_rank(
          R.div(
            R.sub(R.ts_sum(returns(R), 240), R.ts_sum(returns(R), 20)),
            220,
          ),
        ),
      ),
      R.ts_rank(volume, 5),
    );
  },

  // (-1 * delta((((close - low) - (high - close)) / (close - low)), 9))
  alpha053: (R) => {
    const { high, low, close } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_delta(
        R.div(R.sub(R.sub(close, low), R.sub(high, close)), R.sub(close, low)),
        9,
      ),
    );
  },

  // ((-1 * ((low - close) * (open^5))) / ((low - high) * (close^5)))
  alpha054: (R) => {
    const { open, high, low, close } = bars(R);
    return R.div(
      R.mul(R.lit(-1), R.mul(R.sub(low, close), R.pow(open, 5))),
      R.mul(R.sub(low, high), R.pow(close, 5)),
    );
  },

  // (-1 * correlation(rank(((close - ts_min(low, 12)) / (ts_max(high, 12) - ts_min(low, 12)))), rank(volume), 6))
  alpha055: (R) => {
    const { high, low, close, volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_corr(
        R.cs_rank(
          R.div(
            R.sub(close, R.ts_min(low, 12)),
            R.sub(R.ts_max(high, 12), R.ts_min(low, 12)),
          ),
        ),
        R.cs_rank(volume),
        6,
      ),
    );
  },

  // (0 - (1 * ((close - vwap) / decay_linear(rank(ts_argmax(close, 30)), 2))))
  alpha057: (R) => {
    const { close } = bars(R);
    return R.sub(
      R.lit(0),
      R.mul(
        R.lit(1),
        R.div(
          R.sub(close, vwap(R)),
          R.ts_decay_linear(R.cs_rank(R.ts_argmax(close, 30)), 2),
        ),
      ),
    );
  },

  // (-1 * Ts_Rank(decay_linear(correlation(IndNeutralize(vwap, IndClass.sector), volume, 3.92795), 7.89291), 5.50322))
  alpha058: (R) => {
    const { volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_rank(
        R.ts_decay_linear(
          R.ts_corr(
            R.group_neutralize(vwap(R), "sector"),
            volume,
            win(3.92795),
          ),
          win(7.89291),
        ),
        win(5.50322),
      ),
    );
  },

  // (-1 * Ts_Rank(decay_linear(correlation(IndNeutralize(((vwap * 0.728317) + (vwap * (1 - 0.728317))), IndClass.industry), volume, 4.25197), 16.2289), 8.19648))
  alpha059: (R) => {
    const { volume } = bars(R);
    return R.mul(
      R.lit(-1),
      R.ts_rank(
        R.ts_decay_linear(
          R.ts_corr(
            R.group_neutralize(
              R.add(R.mul(vwap(R), 0.728317), R.mul(vwap(R), 1 - 0.728317)),
              "industry",
            ),
            volume,
            win(4.25197),
          ),
          win(16.2289),
        ),
        win(8.19648),
      ),
    );
  },

  // (0 - (1 * ((2 * scale(rank(((((close - low) - (high - close)) / (high - low)) * volume)))) - scale(rank(ts_argmax(close, 10))))))
  alpha060: (R) => {
    const { high, low, close, volume } = bars(R);
    return R.sub(
      R.lit(0),
      R.mul(
        R.lit(1),
        R.sub(
          R.mul(
            R.lit(2),
            R.cs_scale(
              R.cs_rank(
                R.mul(
                  R.div(
                    R.sub(R.sub(close, low), R.sub(high, close)),
                    R.sub(high, low),
                  ),
                  volume,
                ),
              ),
            ),
          ),
          R.cs_scale(R.cs_rank(R.ts_argmax(close, 10))),
        ),
      ),
    );
  },

  // (rank((vwap - ts_min(vwap, 16.1219))) < rank(correlation(vwap, adv180, 17.9282)))
  alpha061: (R) => {
    return R.lt(
      R.cs_rank(R.sub(vwap(R), R.ts_min(vwap(R), win(16.1219)))),
      R.cs_rank(R.ts_corr(vwap(R), adv(R, 180), win(17.9282))),
    );
  },

  // ((rank(correlation(vwap, sum(adv20, 22.4101), 9.91009)) < rank(((rank(open) + rank(open)) < (rank(((high + low) / 2)) + rank(high))))) * -1)
  alpha062: (R) => {
    const { open, high, low } = bars(R);
    return R.mul(
      R.lt(
        R.cs_rank(
          R.ts_corr(
            vwap(R),
            R.ts_sum(adv(R, 20), win(22.4101)),
            win(9.91009),
          ),
        ),
        R.cs_rank(
          R.lt(
            R.add(R.cs_rank(open), R.cs_rank(open)),
            R.add(R.cs_rank(R.div(R.add(high, low), 2)), R.cs_rank(high)),
          ),
        ),
      ),
      -1,
    );
  },

  // ((rank(correlation(sum(((open * 0.178404) + (low * (1 - 0.178404))), 12.7054), sum(adv120, 12.7054), 16.6208)) < rank(delta(((((high + low) / 2) * 0.178404) + (vwap * (1 - 0.178404))), 3.69741))) * -1)
  alpha064: (R) => {
    const { open, high, low } = bars(R);
    return R.mul(
      R.lt(
        R.cs_rank(
          R.ts_corr(
            R.ts_sum(
              R.add(R.mul(open, 0.178404), R.mul(low, 1 - 0.178404)),
              win(12.7054),
            ),
            R.ts_sum(adv(R, 120), win(12.7054)),
            win(16.6208),
          ),
        ),
        R.cs_rank(
          R.ts_delta(
            R.add(
              R.mul(R.div(R.add(high, low), 2), 0.178404),
              R.mul(vwap(R), 1 - 0.178404),
            ),
            win(3.69741),
          ),
        ),
      ),
      -1,
    );
  },

  // ((rank(correlation(((open * 0.00817205) + (vwap * (1 - 0.00817205))), sum(adv60, 8.6911), 6.40374)) < rank((open - ts_min(open, 13.635)))) * -1)
  alpha065: (R) => {
    const { open } = bars(R);
    return R.mul(
      R.lt(
        R.cs_rank(
          R.ts_corr(
            R.add(R.mul(open, 0.00817205), R.mul(vwap(R), 1 - 0.00817205)),
            R.ts_sum(adv(R, 60), win(8.6911)),
            win(6.40374),
          ),
        ),
        R.cs_rank(R.sub(open, R.ts_min(open, win(13.635)))),
      ),
      -1,
    );
  },

  // ((rank(decay_linear(delta(vwap, 3.51013), 7.23052)) + Ts_Rank(decay_linear(((((low * 0.96633) + (low * (1 - 0.96633))) - vwap) / (open - ((high + low) / 2))), 11.4157), 6.72611)) * -1)
  alpha066: (R) => {
    const { open, high, low } = bars(R);
    return R.mul(
      R.add(
        R.cs_rank(
          R.ts_decay_linear(R.ts_delta(vwap(R), win(3.51013)), win(7.23052)),
        ),
        R.ts_rank(
          R.ts_decay_linear(
            R.div(
              R.sub(
                R.add(R.mul(low, 0.96633), R.mul(low, 1 - 0.96633)),
                vwap(R),
              ),
              R.sub(open, R.div(R.add(high, low), 2)),
            ),
            win(11.4157),
          ),
          win(6.72611),
        ),
      ),
      -1,
    );
  },

  // ((Ts_Rank(correlation(rank(high), rank(adv15), 8.91644), 13.9333) < rank(delta(((close * 0.518371) + (low * (1 - 0.518371))), 1.06157))) * -1)
  alpha068: (R) => {
    const { high, low, close } = bars(R);
    return R.mul(
      R.lt(
        R.ts_rank(
          R.ts_corr(R.cs_rank(high), R.cs_rank(adv(R, 15)), win(8.91644)),
          win(13.9333),
        ),
        R.cs_rank(
          R.ts_delta(
            R.add(R.mul(close, 0.518371), R.mul(low, 1 - 0.518371)),
            win(1.06157),
          ),
        ),
      ),
      -1,
    );
  },

  // max(Ts_Rank(decay_linear(correlation(Ts_Rank(close, 3.43976), Ts_Rank(adv180, 12.0647), 18.0175), 4.20501), 15.6948), Ts_Rank(decay_linear((rank(((low + open) - (vwap + vwap)))^2), 16.4662), 4.4388))
  alpha071: (R) => {
    const { open, low, close } = bars(R);
    // max of two series = element-wise max
    return R.max(
      R.ts_rank(
        R.ts_decay_linear(
          R.ts_corr(
            R.ts_rank(close, win(3.43976)),
            R.ts_rank(adv(R, 180), win(12.0647)),
            win(18.0175),
          ),
          win(4.20501),
        ),
        win(15.6948),
      ),
      R.ts_rank(
        R.ts_decay_linear(
          R.pow(
            R.cs_rank(R.sub(R.add(low, open), R.add(vwap(R), vwap(R)))),
            2,
          ),
          win(16.4662),
        ),
        win(4.4388),
      ),
    );
  },

  // (rank(decay_linear(correlation(((high + low) / 2), adv40, 8.93345), 10.1519)) / rank(decay_linear(correlation(Ts_Rank(vwap, 3.72469), Ts_Rank(volume, 18.5188), 6.86671), 2.95011)))
  alpha072: (R) => {
    const { high, low, volume } = bars(R);
    return R.div(
      R.cs_rank(
        R.ts_decay_linear(
          R.ts_corr(R.div(R.add(high, low), 2), adv(R, 40), win(8.93345)),
          win(10.1519),
        ),
      ),
      R.cs_rank(
        R.ts_decay_linear(
          R.ts_corr(
            R.ts_rank(vwap(R), win(3.72469)),
            R.ts_rank(volume, win(18.5188)),
            win(6.86671),
          ),
          win(2.95011),
        ),
      ),
    );
  },

  // (max(rank(decay_linear(delta(vwap, 4.72775), 2.91864)), Ts_Rank(decay_linear(((delta(((open * 0.147155) + (low * (1 - 0.147155))), 2.03608) / ((open * 0.147155) + (low * (1 - 0.147155)))) * -1), 3.33829), 16.7411)) * -1)
  alpha073: (R) => {
    const { open, low } = bars(R);
    return R.mul(
      // max of two series = element-wise max
      R.max(
        R.cs_rank(
          R.ts_decay_linear(R.ts_delta(vwap(R), win(4.72775)), win(2.91864)),
        ),
        R.ts_rank(
          R.ts_decay_linear(
            R.mul(
              R.div(
                R.ts_delta(
                  R.add(R.mul(open, 0.147155), R.mul(low, 1 - 0.147155)),
                  win(2.03608),
                ),
                R.add(R.mul(open, 0.147155), R.mul(low, 1 - 0.147155)),
              ),
              -1,
            ),
            win(3.33829),
          ),
          win(16.7411),
        ),
      ),
      -1,
    );
  },

  // ((rank(correlation(close, sum(adv30, 37.4843), 15.1365)) < rank(correlation(rank(((high * 0.0261661) + (vwap * (1 - 0.0261661)))), rank(volume), 11.4791))) * -1)
  alpha074: (R) => {
    const { high, close, volume } = bars(R);
    return R.mul(
      R.lt(
        R.cs_rank(
          R.ts_corr(
            close,
            R.ts_sum(adv(R, 30), win(37.4843)),
            win(15.1365),
          ),
        ),
        R.cs_rank(
          R.ts_corr(
            R.cs_rank(
              R.add(R.mul(high, 0.0261661), R.mul(vwap(R), 1 - 0.0261661)),
            ),
            R.cs_rank(volume),
            win(11.4791),
          ),
        ),
      ),
      -1,
    );
  },

  // (rank(correlation(vwap, volume, 4.24304)) < rank(correlation(rank(low), rank(adv50), 12.4413)))
  alpha075: (R) => {
    const { low, volume } = bars(R);
    return R.lt(
      R.cs_rank(R.ts_corr(vwap(R), volume, win(4.24304))),
      R.cs_rank(
        R.ts_corr(R.cs_rank(low), R.cs_rank(adv(R, 50)), win(12.4413)),
      ),
    );
  },

  // min(rank(decay_linear(((((high + low) / 2) + high) - (vwap + high)), 20.0451)), rank(decay_linear(correlation(((high + low) / 2), adv40, 3.1614), 5.64125)))
  alpha077: (R) => {
    const { high, low } = bars(R);
    // min of two series = element-wise min
    return R.min(
      R.cs_rank(
        R.ts_decay_linear(
          R.sub(R.add(R.div(R.add(high, low), 2), high), R.add(vwap(R), high)),
          win(20.0451),
        ),
      ),
      R.cs_rank(
        R.ts_decay_linear(
          R.ts_corr(R.div(R.add(high, low), 2), adv(R, 40), win(3.1614)),
          win(5.64125),
        ),
      ),
    );
  },

  // (rank(correlation(sum(((low * 0.352233) + (vwap * (1 - 0.352233))), 19.7428), sum(adv40, 19.7428), 6.83313))^rank(correlation(rank(vwap), rank(volume), 5.77492)))
  alpha078: (R) => {
    const { low, volume } = bars(R);
    return R.pow(
      R.cs_rank(
        R.ts_corr(
          R.ts_sum(
            R.add(R.mul(low, 0.352233), R.mul(vwap(R), 1 - 0.352233)),
            win(19.7428),
          ),
          R.ts_sum(adv(R, 40), win(19.7428)),
          win(6.83313),
        ),
      ),
      R.cs_rank(
        R.ts_corr(R.cs_rank(vwap(R)), R.cs_rank(volume), win(5.77492)),
      ),
    );
  },

  // ((rank(Log(product(rank((rank(correlation(vwap, sum(adv10, 49.6054), 8.47743))^4)), 14.9655))) < rank(correlation(rank(vwap), rank(volume), 5.07914))) * -1)
  alpha081: (R) => {
    const { volume } = bars(R);
    return R.mul(
      R.lt(
        R.cs_rank(
          R.log(
            R.ts_product(
              R.cs_rank(
                R.pow(
                  R.cs_rank(
                    R.ts_corr(
                      vwap(R),
                      R.ts_sum(adv(R, 10), win(49.6054)),
                      win(8.47743),
                    ),
                  ),
                  4,
                ),
              ),
              win(14.9655),
            ),
          ),
        ),
        R.cs_rank(
          R.ts_corr(R.cs_rank(vwap(R)), R.cs_rank(volume), win(5.07914)),
        ),
      ),
      -1,
    );
  },

  // ((rank(delay(((high - low) / (sum(close, 5) / 5)), 2)) * rank(rank(volume))) / (((high - low) / (sum(close, 5) / 5)) / (vwap - close)))
  alpha083: (R) => {
    const { high, low, close, volume } = bars(R);
    return R.div(
      R.mul(
        R.cs_rank(
          R.ts_shift(R.div(R.sub(high, low), R.div(R.ts_sum(close, 5), 5)), 2),
        ),
        R.cs_rank(R.cs_rank(volume)),
      ),
      R.div(
        R.div(R.sub(high, low), R.div(R.ts_sum(close, 5), 5)),
        R.sub(vwap(R), close),
      ),
    );
  },

  // SignedPower(Ts_Rank((vwap - ts_max(vwap, 15.3217)), 20.7127), delta(close, 4.96796))
  alpha084: (R) => {
    const { close } = bars(R);
    // the exponent is a series: sign(x) * pow(abs(x), p)
    return signedPowSeries(
      R,
      R.ts_rank(R.sub(vwap(R), R.ts_max(vwap(R), win(15.3217))), win(20.7127)),
      R.ts_delta(close, win(4.96796)),
    );
  },

  // (rank(correlation(((high * 0.876703) + (close * (1 - 0.876703))), adv30, 9.61331))^rank(correlation(Ts_Rank(((high + low) / 2), 3.70596), Ts_Rank(volume, 10.1595), 7.11408)))
  alpha085: (R) => {
    const { high, low, close, volume } = bars(R);
    return R.pow(
      R.cs_rank(
        R.ts_corr(
          R.add(R.mul(high, 0.876703), R.mul(close, 1 - 0.876703)),
          adv(R, 30),
          win(9.61331),
        ),
      ),
      R.cs_rank(
        R.ts_corr(
          R.ts_rank(R.div(R.add(high, low), 2), win(3.70596)),
          R.ts_rank(volume, win(10.1595)),
          win(7.11408),
        ),
      ),
    );
  },

  // ((Ts_Rank(correlation(close, sum(adv20, 14.7444), 6.00049), 20.4195) < rank(((open + close) - (vwap + open)))) * -1)
  alpha086: (R) => {
    const { open, close } = bars(R);
    return R.mul(
      R.lt(
        R.ts_rank(
          R.ts_corr(close, R.ts_sum(adv(R, 20), win(14.7444)), win(6.00049)),
          win(20.4195),
        ),
        R.cs_rank(R.sub(R.add(open, close), R.add(vwap(R), open))),
      ),
      -1,
    );
  },

  // min(rank(decay_linear(((rank(open) + rank(low)) - (rank(high) + rank(close))), 8.06882)), Ts_Rank(decay_linear(correlation(Ts_Rank(close, 8.44728), Ts_Rank(adv60, 20.6966), 8.01266), 6.65053), 2.61957))
  alpha088: (R) => {
    const { open, high, low, close } = bars(R);
    // min of two series = element-wise min
    return R.min(
      R.cs_rank(
        R.ts_decay_linear(
          R.sub(
            R.add(R.cs_rank(open), R.cs_rank(low)),
            R.add(R.cs_rank(high), R.cs_rank(close)),
          ),
          win(8.06882),
        ),
      ),
      R.ts_rank(
        R.ts_decay_linear(
          R.ts_corr(
            R.ts_rank(close, win(8.44728)),
            R.ts_rank(adv(R, 60), win(20.6966)),
            win(8.01266),
          ),
          win(6.65053),
        ),
        win(2.61957),
      ),
    );
  },

  // min(Ts_Rank(decay_linear(((((high + low) / 2) + close) < (low + open)), 14.7221), 18.8683), Ts_Rank(decay_linear(correlation(rank(low), rank(adv30), 7.58555), 6.94024), 6.80584))
  alpha092: (R) => {
    const { open, high, low, close } = bars(R);
    // min of two series = element-wise min
    return R.min(
      R.ts_rank(
        R.ts_decay_linear(
          R.lt(R.add(R.div(R.add(high, low), 2), close), R.add(low, open)),
          win(14.7221),
        ),
        win(18.8683),
      ),
      R.ts_rank(
        R.ts_decay_linear(
          R.ts_corr(R.cs_rank(low), R.cs_rank(adv(R, 30)), win(7.58555)),
          win(6.94024),
        ),
        win(6.80584),
      ),
    );
  },

  // ((rank((vwap - ts_min(vwap, 11.5783)))^Ts_Rank(correlation(Ts_Rank(vwap, 19.6462), Ts_Rank(adv60, 4.02992), 18.0926), 2.70756)) * -1)
  alpha094: (R) => {
    return R.mul(
      R.pow(
        R.cs_rank(R.sub(vwap(R), R.ts_min(vwap(R), win(11.5783)))),
        R.ts_rank(
          R.ts_corr(
            R.ts_rank(vwap(R), win(19.6462)),
            R.ts_rank(adv(R, 60), win(4.02992)),
            win(18.0926),
          ),
          win(2.70756),
        ),
      ),
      -1,
    );
  },

  // (rank((open - ts_min(open, 12.4105))) < Ts_Rank((rank(correlation(sum(((high + low) / 2), 19.1351), sum(adv40, 19.1351), 12.8742))^5), 11.7584))
  alpha095: (R) => {
    const { open, high, low } = bars(R);
    return R.lt(
      R.cs_rank(R.sub(open, R.ts_min(open, win(12.4105)))),
      R.ts_rank(
        R.pow(
          R.cs_rank(
            R.ts_corr(
              R.ts_sum(R.div(R.add(high, low), 2), win(19.1351)),
              R.ts_sum(adv(R, 40), win(19.1351)),
              win(12.8742),
            ),
          ),
          5,
        ),
        win(11.7584),
      ),
    );
  },

  // (max(Ts_Rank(decay_linear(correlation(rank(vwap), rank(volume), 3.83878), 4.16783), 8.38151), Ts_Rank(decay_linear(Ts_ArgMax(correlation(Ts_Rank(close, 7.45404), Ts_Rank(adv60, 4.13242), 3.65459), 12.6556), 14.0365), 13.4143)) * -1)
  alpha096: (R) => {
    const { close, volume } = bars(R);
    return R.mul(
      // max of two series = element-wise max
      R.max(
        R.ts_rank(
          R.ts_decay_linear(
            R.ts_corr(R.cs_rank(vwap(R)), R.cs_rank(volume), win(3.83878)),
            win(4.16783),
          ),
          win(8.38151),
        ),
        R.ts_rank(
          R.ts_decay_linear(
            R.ts_argmax(
              R.ts_corr(
                R.ts_rank(close, win(7.45404)),
                R.ts_rank(adv(R, 60), win(4.13242)),
                win(3.65459),
              ),
              win(12.6556),
            ),
            win(14.0365),
          ),
          win(13.4143),
        ),
      ),
      -1,
    );
  },

  // (rank(decay_linear(correlation(vwap, sum(adv5, 26.4719), 4.58418), 7.18088)) - rank(decay_linear(Ts_Rank(Ts_ArgMin(correlation(rank(open), rank(adv15), 20.8187), 8.62571), 6.95668), 8.07206)))
  alpha098: (R) => {
    const { open } = bars(R);
    return R.sub(
      R.cs_rank(
        R.ts_decay_linear(
          R.ts_corr(
            vwap(R),
            R.ts_sum(adv(R, 5), win(26.4719)),
            win(4.58418),
          ),
          win(7.18088),
        ),
      ),
      R.cs_rank(
        R.ts_decay_linear(
          R.ts_rank(
            R.ts_argmin(
              R.ts_corr(R.cs_rank(open), R.cs_rank(adv(R, 15)), win(20.8187)),
              win(8.62571),
            ),
            win(6.95668),
          ),
          win(8.07206),
        ),
      ),
    );
  },

  // ((rank(correlation(sum(((high + low) / 2), 19.8975), sum(adv60, 19.8975), 8.8136)) < rank(correlation(low, volume, 6.28259))) * -1)
  alpha099: (R) => {
    const { high, low, volume } = bars(R);
    return R.mul(
      R.lt(
        R.cs_rank(
          R.ts_corr(
            R.ts_sum(R.div(R.add(high, low), 2), win(19.8975)),
            R.ts_sum(adv(R, 60), win(19.8975)),
            win(8.8136),
          ),
        ),
        R.cs_rank(R.ts_corr(low, volume, win(6.28259))),
      ),
      -1,
    );
  },

  // ((close - open) / ((high - low) + .001))
  alpha101: (R) => {
    const { open, high, low, close } = bars(R);
    return R.div(R.sub(close, open), R.add(R.sub(high, low), 0.001));
  },
};
