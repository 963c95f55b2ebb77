/**
 * SequentialBars: tick, volume and dollar bars from ticks streamed in trade
 * order. Finished bars go to Polars a chunk at a time, so a bar per trade
 * (`tick: 1`) holds its bars about once, not once per copy of a JS array.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { BarSpec } from "./bar_spec.ts";
import { BAR_FRAME_COLUMNS, INTEGER_COLUMNS } from "./bar_columns.ts";
import { DataFileError } from "../errors.ts";
import {
  addLimbs,
  fractionUnits,
  limbsAtLeast,
  PRICE_DECIMALS,
  QUANTITY_DECIMALS,
  QUANTITY_LIMBS,
  quantityLimbs,
  quantityToNumber,
  thresholdUnits,
  toLimbs,
  VALUE_DECIMALS,
  VALUE_LIMBS,
  valueLimbs,
  valueToNumber,
} from "./exact_units.ts";

/** A tick with a NaN or infinite price or quantity reached the bars. */
export class NonFiniteTick extends Error {}

/** An exact quantity sum: whole units and 1e-8 units (kept below 1e8). */
class QuantitySum {
  whole = 0;
  units = 0;

  add(whole: number, units: number): void {
    this.whole += whole;
    this.units += units;
    if (this.units >= 1e8) {
      this.units -= 1e8;
      this.whole++;
    }
  }
}

/**
 * Accumulates sequential bars from ordered tick chunks. Quantities are
 * summed exactly (whole units and 1e-8 units, each exact in a double below
 * 2^53) and volume thresholds compared in the same units; dollar bars carry
 * the exact traded value as base-1e7 limbs of 1e-20 units (see
 * `exact_units.ts`), so a bar closes on exactly the trade whose decimal sum
 * reaches the threshold. Tick and volume bars, which need the value only for
 * vwap, sum p·q with Neumaier's compensated summation (within a few ulps;
 * deterministic, as the trade order is fixed).
 */
export class SequentialBars {
  #spec: Exclude<BarSpec, { type: "time" }>;
  #symbol: string;
  #files: string[];
  #volumeThreshold: { whole: number; units: number };
  #valueThreshold: Float64Array;
  // Finished bars: full chunks already in Polars, the current one in typed
  // arrays (a bar per trade must not hold the bars several times over).
  #chunks: pl.DataFrame[] = [];
  #out = newChunk();
  #rows = 0;
  // State of the open bar; `count === 0` means no bar is open.
  #count = 0;
  #lastId = -Infinity;
  #start = 0;
  #end = 0;
  #open = 0;
  #high = 0;
  #low = 0;
  #close = 0;
  #volume = new QuantitySum();
  #buyVolume = new QuantitySum();
  #sellVolume = new QuantitySum();
  #value = 0;
  #valueCompensation = 0;
  #valueLimbs = new Float64Array(VALUE_LIMBS);
  // Scratch limbs of the current trade (dollar bars).
  #tradeQuantity = new Float64Array(QUANTITY_LIMBS);
  #tradeValue = new Float64Array(VALUE_LIMBS);
  #buyers = 0;
  #sellers = 0;

  constructor(
    spec: Exclude<BarSpec, { type: "time" }>,
    symbol: string,
    files: string[],
  ) {
    this.#spec = spec;
    this.#symbol = symbol;
    this.#files = files;
    const volume = spec.type === "volume"
      ? thresholdUnits(spec.volume, QUANTITY_DECIMALS)
      : 0n;
    this.#volumeThreshold = {
      whole: Number(volume / 100_000_000n),
      units: Number(volume % 100_000_000n),
    };
    this.#valueThreshold = toLimbs(
      spec.type === "dollar"
        ? thresholdUnits(spec.dollars, VALUE_DECIMALS)
        : 0n,
      VALUE_LIMBS,
    );
  }

  /**
   * Adds a chunk of ticks; returns false (and stops) at the first tick that
   * comes before its predecessor in (id, time) order.
   */
  add(
    id: Float64Array,
    time: Float64Array,
    price: Float64Array,
    qty: Float64Array,
    isBuyerMaker: Uint8Array,
  ): boolean {
    const spec = this.#spec, dollar = spec.type === "dollar";
    const volume = this.#volume, threshold = this.#volumeThreshold;
    for (let i = 0; i < time.length; i++) {
      if (
        id[i] < this.#lastId || (id[i] === this.#lastId && time[i] < this.#end)
      ) return false;
      this.#lastId = id[i];
      const p = price[i], q = qty[i];
      if (!Number.isFinite(p) || !Number.isFinite(q)) {
        throw new NonFiniteTick();
      }
      if (this.#count === 0) this.#openBar(time[i], p);
      this.#count++;
      this.#end = time[i];
      this.#close = p;
      if (p > this.#high) this.#high = p;
      if (p < this.#low) this.#low = p;
      // fractionUnits' common case inline: below 8192 all 8 decimals hold.
      const whole = Math.floor(q);
      const units = q >= 0 && q < 8192
        ? Math.round((q - whole) * 1e8)
        : fractionUnits(q, QUANTITY_DECIMALS);
      volume.add(whole, units);
      if (isBuyerMaker[i] === 0) {
        this.#buyers++;
        this.#buyVolume.add(whole, units);
      } else if (isBuyerMaker[i] === 1) {
        this.#sellers++;
        this.#sellVolume.add(whole, units);
      }
      let full: boolean;
      if (dollar) {
        quantityLimbs(whole, units, this.#tradeQuantity);
        valueLimbs(
          Math.floor(p),
          fractionUnits(p, PRICE_DECIMALS),
          this.#tradeQuantity,
          this.#tradeValue,
        );
        addLimbs(this.#valueLimbs, 0, VALUE_LIMBS, this.#tradeValue);
        full = limbsAtLeast(
          this.#valueLimbs,
          0,
          this.#valueThreshold,
          0,
          VALUE_LIMBS,
        );
      } else {
        // Neumaier: the sum and the low-order bits it lost.
        const term = p * q, sum = this.#value + term;
        this.#valueCompensation += Math.abs(this.#value) >= Math.abs(term)
          ? (this.#value - sum) + term
          : (term - sum) + this.#value;
        this.#value = sum;
        full = spec.type === "tick"
          ? this.#count >= spec.ticks
          : volume.whole > threshold.whole ||
            (volume.whole === threshold.whole &&
              volume.units >= threshold.units);
      }
      if (full) this.#flush();
    }
    return true;
  }

  #openBar(time: number, price: number): void {
    this.#start = time;
    this.#open = this.#high = this.#low = price;
    for (const sum of [this.#volume, this.#buyVolume, this.#sellVolume]) {
      sum.whole = sum.units = 0;
    }
    this.#value = this.#valueCompensation = 0;
    this.#valueLimbs.fill(0);
    this.#buyers = this.#sellers = 0;
  }

  #quantity(sum: QuantitySum): number {
    if (sum.whole >= 2 ** 53) throw this.#tooLarge();
    return quantityToNumber(sum.whole, sum.units);
  }

  #tooLarge(): DataFileError {
    return new DataFileError(
      this.#files[0],
      `the ${this.#symbol} bar starting at ${
        new Date(this.#start).toISOString()
      } trades too much to sum exactly (files: ${this.#files.join(", ")})`,
    );
  }

  #flush(): void {
    const o = this.#out;
    const volume = this.#quantity(this.#volume);
    const value = this.#spec.type === "dollar"
      ? valueToNumber(this.#valueLimbs, 0)
      : this.#value + this.#valueCompensation;
    if (value === undefined) throw this.#tooLarge();
    const row = this.#rows++;
    o.start_time[row] = this.#start;
    o.end_time[row] = this.#end;
    o.open[row] = this.#open;
    o.high[row] = this.#high;
    o.low[row] = this.#low;
    o.close[row] = this.#close;
    o.volume[row] = volume;
    o.vwap[row] = volume > 0 ? value / volume : NaN;
    o.trades[row] = this.#count;
    o.num_buyer[row] = this.#buyers;
    o.num_seller[row] = this.#sellers;
    o.num_buyer_volume[row] = this.#quantity(this.#buyVolume);
    o.num_seller_volume[row] = this.#quantity(this.#sellVolume);
    if (this.#rows === CHUNK_ROWS) this.#moveChunk();
    this.#count = 0;
  }

  /** The current chunk's rows as a frame (without `symbol`), then a new chunk. */
  #moveChunk(): void {
    const rows = this.#rows;
    this.#chunks.push(
      pl.DataFrame(
        Object.entries(this.#out).map(([name, values]) => {
          const series = pl.Series(name, values.subarray(0, rows));
          return INTEGER_COLUMNS.has(name) ? series.cast(pl.Int64) : series;
        }),
      ),
    );
    this.#out = newChunk();
    this.#rows = 0;
  }

  /** Every bar, the open one closed, as a bar frame. */
  toFrame(symbol: string): pl.DataFrame {
    if (this.#count > 0) this.#flush();
    if (this.#rows > 0 || this.#chunks.length === 0) this.#moveChunk();
    const bars = this.#chunks.length === 1
      ? this.#chunks[0]
      : pl.concat(this.#chunks, { how: "vertical", rechunk: false });
    this.#chunks = [];
    return bars.select(
      pl.lit(symbol).cast(pl.Utf8).alias("symbol"),
      ...BAR_FRAME_COLUMNS.slice(1).map((name) =>
        name === "vwap"
          ? pl.when(pl.col("vwap").isNan()).then(pl.lit(null)).otherwise(
            pl.col("vwap"),
          ).alias("vwap")
          : pl.col(name)
      ),
    );
  }
}

/** Bars per chunk: 64 Ki rows × 13 columns of 8 bytes, 6.8 MB. */
const CHUNK_ROWS = 1 << 16;

/** Empty typed arrays of one chunk for every bar column but `symbol`. */
function newChunk(): Record<string, Float64Array> {
  return Object.fromEntries(
    BAR_FRAME_COLUMNS.slice(1).map((c) => [c, new Float64Array(CHUNK_ROWS)]),
  );
}
