/**
 * Float64Buffer: a column of doubles that grows a value at a time, for
 * per-time series whose length is known only at the end (a year of
 * 1-minute bars is 525,600 slices).
 *
 * @module
 */

/**
 * How many values a series collects in buffers before its owner moves them
 * into a frame: large frames, few of them (a year of 1-minute slices in
 * two), and buffers that stay small.
 */
export const FRAME_ROWS = 262_144;

/** The first block's length; each next block doubles, up to {@linkcode MAX_BLOCK}. */
const FIRST_BLOCK = 1_024;
/** The largest block: 512 KiB. */
const MAX_BLOCK = 65_536;

/**
 * Doubles appended one at a time and kept in blocks of typed arrays: 8
 * bytes a value, and growing never copies what is already stored (a JS
 * array of numbers copies itself each time it grows, and for a moment
 * holds both copies).
 *
 * @example
 * ```ts
 * import { Float64Buffer } from "./float64_buffer.ts";
 * const buffer = new Float64Buffer();
 * for (let i = 0; i < 3_000; i++) buffer.push(i / 2);
 * const values = buffer.toArray();
 * console.log(buffer.length, values[2_999]); // 3000 1499.5
 * ```
 */
export class Float64Buffer {
  #blocks: Float64Array[] = [];
  #current = new Float64Array(0);
  #used = 0;
  /** How many values were pushed. */
  length = 0;

  /** Appends `value`. */
  push(value: number): void {
    if (this.#used === this.#current.length) {
      this.#current = new Float64Array(
        Math.min(MAX_BLOCK, Math.max(FIRST_BLOCK, this.length)),
      );
      this.#blocks.push(this.#current);
      this.#used = 0;
    }
    this.#current[this.#used++] = value;
    this.length++;
  }

  /** Copies the values into `target` from `offset` on. */
  copyTo(target: Float64Array, offset = 0): void {
    let at = offset, left = this.length;
    for (const block of this.#blocks) {
      const n = Math.min(block.length, left);
      target.set(n === block.length ? block : block.subarray(0, n), at);
      at += n;
      left -= n;
    }
  }

  /** Drops every value (their memory can be collected). */
  clear(): void {
    this.#blocks = [];
    this.#current = new Float64Array(0);
    this.#used = 0;
    this.length = 0;
  }

  /** The values, in one array of their length. */
  toArray(): Float64Array {
    const out = new Float64Array(this.length);
    this.copyTo(out);
    return out;
  }
}
