/**
 * ProgressBar: a one-line progress display for long command-line work, drawn
 * on a terminal and silent everywhere else.
 *
 * @module
 */

/** Where a {@linkcode ProgressBar} draws; `Deno.stderr` fits. */
export interface ProgressOutput {
  /** Writes bytes synchronously; returns how many were written. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the output is a terminal; the bar draws only on one. */
  isTerminal(): boolean;
}

/** Options of {@linkcode ProgressBar}. */
export interface ProgressBarOptions {
  /** Text before the bar, e.g. `"aggregating"`. @default "" */
  label?: string;
  /** What is counted, shown in the rate, e.g. `"symbol-days"`. @default "items" */
  unit?: string;
  /** Where to draw. @default Deno.stderr */
  output?: ProgressOutput;
  /** Least time between two redraws, in ms (completion is always drawn). @default 100 */
  intervalMs?: number;
  /** Clock in ms, for tests. @default performance.now */
  now?: () => number;
}

const BAR_WIDTH = 24;
/** Carriage return, then erase to the end of the line. */
const CLEAR = "\r\x1b[K";

/**
 * A progress bar on one terminal line: `label [#####-----] done/total pct%
 * rate unit/s ETA m:ss`, redrawn in place with `\r` at most every
 * `intervalMs`, and erased by {@linkcode ProgressBar.finish}. When the output
 * is not a terminal (a pipe, a file, CI logs) it writes nothing at all.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "./progress.ts";
 * using bar = new ProgressBar({ label: "aggregating", unit: "symbol-days" });
 * for (let done = 0; done <= 10; done++) bar.update(done, 10);
 * // leaving the scope (or bar.finish()) erases the line
 * ```
 */
export class ProgressBar {
  /** Whether anything is drawn (the output is a terminal). */
  readonly enabled: boolean;
  #label: string;
  #unit: string;
  #output: ProgressOutput;
  #intervalMs: number;
  #now: () => number;
  #started: number;
  #lastDraw = -Infinity;
  #drawn = false;
  #encoder = new TextEncoder();

  /** Creates the bar; nothing is drawn before the first update. */
  constructor(options: ProgressBarOptions = {}) {
    this.#label = options.label ?? "";
    this.#unit = options.unit ?? "items";
    this.#output = options.output ?? Deno.stderr;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    this.enabled = this.#output.isTerminal();
  }

  /**
   * Records that `done` of `total` units are finished; redraws when the last
   * redraw is at least `intervalMs` old or the work is complete. `detail`
   * (e.g. bytes and their rate) is shown after the counts. Fits
   * `LoadAggBarOptions.onProgress` as `(done, total) => bar.update(done, total)`.
   */
  update(done: number, total: number, detail?: string): void {
    if (!this.enabled) return;
    const now = this.#now();
    if (now - this.#lastDraw < this.#intervalMs && done < total) return;
    this.#lastDraw = now;
    this.#write(CLEAR + this.#line(done, total, now, detail));
    this.#drawn = true;
  }

  /** Erases the bar's line (if anything was drawn); later updates draw again. */
  finish(): void {
    if (this.#drawn) this.#write(CLEAR);
    this.#drawn = false;
  }

  /** `using bar = new ProgressBar()` erases the line when the scope ends. */
  [Symbol.dispose](): void {
    this.finish();
  }

  #line(
    done: number,
    total: number,
    now: number,
    detail: string | undefined,
  ): string {
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    let text = `${this.#label ? `${this.#label} ` : ""}[${"#".repeat(filled)}${
      "-".repeat(BAR_WIDTH - filled)
    }] ${done}/${total} ${Math.floor(fraction * 100)}%`;
    if (detail) text += ` ${detail}`;
    if (rate > 0) {
      text += ` ${
        rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)
      } ${this.#unit}/s`;
      if (done < total) text += ` ETA ${formatDuration((total - done) / rate)}`;
    }
    return text;
  }

  #write(text: string): void {
    const bytes = this.#encoder.encode(text);
    for (let written = 0; written < bytes.length;) {
      written += this.#output.writeSync(bytes.subarray(written));
    }
  }
}

/**
 * `m:ss` or `h:mm:ss` for a number of seconds.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./progress.ts";
 * console.log(formatDuration(75)); // 1:15
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const ss = String(r).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
