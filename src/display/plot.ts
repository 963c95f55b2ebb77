/**
 * Charts: Observable Plot rendered to standalone SVG on the server side
 * (linkedom as the DOM), as {@linkcode Chart} objects that display inline
 * in Jupyter and save as SVG or HTML.
 *
 * Data leave Polars only after downsampling, as typed arrays: a chart never
 * turns a large frame into row objects.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import pl from "nodejs-polars";
import type { DataFrame } from "../polars.ts";
import { InvalidArgumentError } from "../errors.ts";
import { escapeHtml, htmlPage } from "./html.ts";
import { writeAtomic } from "../atomic.ts";
import { formatInterval } from "../time.ts";
import { checkOptions, type OptionNames } from "../options.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const TITLE_HEIGHT = 22;
const SUBTITLE_HEIGHT = 16;
const LEGEND_ROW = 18;
const UP = "#26a69a";
const DOWN = "#ef5350";
const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * A time-axis tick in UTC, 24-hour: `HH:MM` (`HH:MM:SS` off the minute) within
 * a day, `Jan 2` at midnight, the year at midnight on January 1.
 *
 * @example
 * ```ts
 * import { formatAxisTime } from "./plot.ts";
 * console.log(formatAxisTime(new Date(Date.UTC(2024, 0, 1, 15, 30)))); // 15:30
 * console.log(formatAxisTime(new Date(Date.UTC(2024, 0, 2)))); // Jan 2
 * ```
 */
export function formatAxisTime(date: Date): string {
  const hm = `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}`;
  if (date.getUTCSeconds() !== 0 || date.getUTCMilliseconds() !== 0) {
    return `${hm}:${pad2(date.getUTCSeconds())}`;
  }
  if (hm !== "00:00") return hm;
  return date.getUTCMonth() === 0 && date.getUTCDate() === 1
    ? String(date.getUTCFullYear())
    : `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

/** The time x axis every time chart uses: UTC, 24-hour ticks. */
export const TIME_AXIS = {
  type: "utc",
  label: "time (UTC)",
  labelAnchor: "center",
  labelArrow: "none",
  tickFormat: formatAxisTime,
} as const;
/**
 * Series colours: Observable's ten and two more, so that the most series a
 * chart draws one by one ({@linkcode MAX_SERIES}) never share a colour.
 */
export const PALETTE: readonly string[] = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
  "#1d2b53",
  "#b5a300",
];
/** Series drawn one by one before a chart switches to a summary. */
const MAX_SERIES = 12;
/** Width of a title character at 14 px, semibold (an upper estimate). */
const TITLE_CHAR_PX = 8;

/**
 * A title that fits `width` pixels: the part before its last ": " (a
 * factor's name) is cut with an ellipsis, the chart kind after it is kept;
 * a title without ": " is cut at its end.
 *
 * @example
 * ```ts
 * import { fitTitle } from "./plot.ts";
 * console.log(fitTitle("ts_mean(ts_mean(close,20),20): IC decay", 200)); // ts_mean(ts_mea…: IC decay
 * ```
 */
export function fitTitle(title: string, width: number): string {
  const most = Math.floor(width / TITLE_CHAR_PX);
  if (title.length <= most) return title;
  const cut = title.lastIndexOf(": ");
  const kind = cut > 0 ? title.slice(cut) : "";
  const room = most - kind.length - 1;
  return room >= 4
    ? `${title.slice(0, room)}…${kind}`
    : `${title.slice(0, Math.max(1, most - 1))}…`;
}

/**
 * A rendered chart: standalone SVG (with `xmlns`) that Jupyter shows inline
 * and that saves as `.svg` or as an `.html` page.
 *
 * @example
 * ```ts ignore
 * const chart = agg.plot({ symbol: "BTCUSDT", kind: "candles" });
 * await chart.save("out/btc.svg");
 * ```
 */
export class Chart {
  /** The chart's title (also its `text/plain` form). */
  readonly title: string;
  #svg: string;

  /** Wraps finished SVG markup; use the plotting functions to make one. */
  constructor(svg: string, title: string) {
    this.#svg = svg;
    this.title = title;
  }

  /** The standalone SVG document (with `xmlns`). */
  toSVG(): string {
    return this.#svg;
  }

  /**
   * The chart as an HTML `<img>` holding the SVG as a base64 data URI: the
   * form that survives `jupyter nbconvert --to html` (nbconvert 6.5 strips
   * the children of an `image/svg+xml` output) and HTML sanitizers.
   *
   * @example
   * ```ts ignore
   * const tag = agg.plot().toImageTag(); // <img src="data:image/svg+xml;base64,…" …>
   * ```
   */
  toImageTag(): string {
    const size = this.#svg.match(
      /^<svg [^>]*?width="([\d.]+)" height="([\d.]+)"/,
    );
    const base64 = Buffer.from(this.#svg, "utf8").toString("base64");
    return `<img class="factorium-chart" src="data:image/svg+xml;base64,${base64}"${
      size ? ` width="${size[1]}" height="${size[2]}"` : ""
    } alt="${escapeHtml(this.title)}" style="max-width: 100%; height: auto;">`;
  }

  /** A standalone HTML page holding the chart. */
  toHTML(): string {
    return htmlPage(this.title, this.#svg);
  }

  /**
   * Writes the chart atomically: SVG for a `.svg` path, an HTML page for
   * `.html`/`.htm`; any other extension is an {@linkcode InvalidArgumentError}.
   */
  async save(path: string): Promise<void> {
    const lower = path.toLowerCase();
    const text = lower.endsWith(".svg")
      ? this.#svg
      : lower.endsWith(".html") || lower.endsWith(".htm")
      ? this.toHTML()
      : undefined;
    if (text !== undefined) {
      return await writeAtomic(path, (tmp) => Deno.writeTextFile(tmp, text));
    }
    throw new InvalidArgumentError(
      "path",
      path,
      "a file name ending in .svg or .html",
    );
  }

  /**
   * Jupyter shows the chart as an `<img>` (`text/html`, which survives
   * export to HTML) and also offers the raw `image/svg+xml`.
   */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return {
      "text/html": this.toImageTag(),
      "image/svg+xml": this.#svg,
      "text/plain": this.title,
    };
  }

  /** Deno's console shows the title. */
  [Symbol.for("Deno.customInspect")](): string {
    return `Chart ${this.title}`;
  }
}

/** Options shared by every chart. */
export interface ChartOptions {
  /** Width in pixels. @default 900 */
  width?: number;
  /** Height of the plot area in pixels (title and legend add to it). @default 360 */
  height?: number;
  /** Most points (or candles, cells along time) drawn per series; more data are bucketed and the title says so. @default 1000 */
  maxPoints?: number;
}

/** Kinds of bar chart: `agg.plot({ kind })`. */
export type BarChartKind = "candles" | "line" | "volume";

/** Options of {@linkcode AggBar.plot}. */
export interface BarChartOptions extends ChartOptions {
  /** `candles` (OHLC of one symbol), `line` (a column per symbol), `volume` (volume bars). @default "candles" for one symbol, else "line" */
  kind?: BarChartKind;
  /** Symbol(s) to draw. @default the first symbol for candles, all symbols (up to 12) otherwise */
  symbol?: string | readonly string[];
  /** The column a `line` chart draws. @default "close" */
  column?: string;
  /** Divide each line by its first value, so symbols at different prices compare. @default true when a line chart has several symbols */
  normalize?: boolean;
}

/** Kinds of factor chart: `factor.plot(kind)`. */
export type FactorChartKind = "timeseries" | "heatmap" | "distribution";

let document: Document | undefined;

function dom(): Document {
  document ??= parseHTML("<!DOCTYPE html><html><body></body></html>")
    .document as unknown as Document;
  return document;
}

/** Title, subtitle, width and legend of a chart. */
export interface Frame {
  title: string;
  subtitle?: string;
  width: number;
  legend?: Legend;
}

/** A chart legend: colour swatches or a ramp. */
export type Legend =
  | { type: "swatches"; items: { label: string; color: string }[] }
  | {
    type: "ramp";
    label: string;
    low: number;
    high: number;
    color: (v: number) => string;
  };

/** Renders Plot options into a titled standalone SVG with an SVG legend. */
export function render(
  frame: Frame,
  options: Plot.PlotOptions,
  legendFrom?: "swatches" | { ramp: string },
): Chart {
  const plot = Plot.plot({
    width: frame.width,
    style: { fontSize: "11px", background: "white", overflow: "visible" },
    marginBottom: 40,
    ...options,
    document: dom(),
  }) as unknown as SVGSVGElement & Plot.Plot;
  let legend = frame.legend;
  if (legendFrom !== undefined) {
    const scale = plot.scale("color");
    if (scale && legendFrom === "swatches") {
      const domain = (scale.domain ?? []) as unknown[];
      legend = {
        type: "swatches",
        items: domain.map((d) => ({
          label: String(d),
          color: String(scale.apply(d)),
        })),
      };
    } else if (scale && typeof legendFrom === "object") {
      const domain = (scale.domain ?? [0, 1]) as number[];
      legend = {
        type: "ramp",
        label: legendFrom.ramp,
        low: Math.min(...domain),
        high: Math.max(...domain),
        color: (v) => String(scale.apply(v)),
      };
    }
  }
  const plotHeight = Number(plot.getAttribute("height"));
  const legendLayout = layoutLegend(legend, frame.width);
  const top = TITLE_HEIGHT + (frame.subtitle ? SUBTITLE_HEIGHT : 0) +
    legendLayout.height;
  plot.setAttribute("x", "0");
  plot.setAttribute("y", String(top));
  const height = top + plotHeight;
  const svg = svgHead(frame, height) +
    (frame.subtitle
      ? `<text x="0" y="${TITLE_HEIGHT + 11}" fill="#555">${
        escapeHtml(frame.subtitle)
      }</text>`
      : "") +
    `<g transform="translate(0,${
      TITLE_HEIGHT + (frame.subtitle ? SUBTITLE_HEIGHT : 0)
    })">${legendLayout.markup}</g>` +
    plot.outerHTML +
    `</svg>`;
  return new Chart(svg, frame.title);
}

/** The opening of a chart's SVG: the element, a white background and the title. */
function svgHead(frame: Frame, height: number): string {
  return `<svg xmlns="${SVG_NS}" width="${frame.width}" height="${height}" viewBox="0 0 ${frame.width} ${height}" font-family="system-ui, sans-serif" font-size="11">` +
    `<title>${escapeHtml(frame.title)}</title>` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="0" y="16" font-size="14" font-weight="600">${
      escapeHtml(fitTitle(frame.title, frame.width))
    }</text>`;
}

/**
 * A chart with no value to draw: the title and one line "no data:
 * <reason>", without axes (an empty axis frame reads as data at zero).
 *
 * @example
 * ```ts
 * import { noData } from "./plot.ts";
 * console.log(noData({ title: "IC", width: 400 }, "no time slice has an IC").toSVG().includes("no data: no time slice has an IC")); // true
 * ```
 */
export function noData(frame: Frame, reason: string): Chart {
  const height = TITLE_HEIGHT + 30;
  const svg = svgHead(frame, height) +
    `<text class="no-data" x="0" y="${TITLE_HEIGHT + 18}" fill="#555">${
      escapeHtml(`no data: ${reason}`)
    }</text></svg>`;
  return new Chart(svg, frame.title);
}

/** Whether any value of `values` is finite. */
export function anyFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) return true;
  }
  return false;
}

/** The indices of the finite values of every array (a mark's present rows). */
export function finiteRows(...columns: ArrayLike<number>[]): number[] {
  const rows: number[] = [];
  const n = columns[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    if (columns.every((c) => Number.isFinite(c[i]))) rows.push(i);
  }
  return rows;
}

function layoutLegend(
  legend: Legend | undefined,
  width: number,
): { markup: string; height: number } {
  if (legend === undefined) return { markup: "", height: 0 };
  if (legend.type === "swatches") {
    if (legend.items.length < 2) return { markup: "", height: 0 };
    let x = 0;
    let row = 0;
    const parts: string[] = [];
    for (const { label, color } of legend.items) {
      const itemWidth = 18 + label.length * 6.5 + 12;
      if (x > 0 && x + itemWidth > width) {
        x = 0;
        row++;
      }
      const y = row * LEGEND_ROW;
      parts.push(
        `<rect x="${x}" y="${y + 3}" width="12" height="12" fill="${
          escapeHtml(color)
        }"/><text x="${x + 16}" y="${y + 13}">${escapeHtml(label)}</text>`,
      );
      x += itemWidth;
    }
    return {
      markup: `<g class="legend">${parts.join("")}</g>`,
      height: (row + 1) * LEGEND_ROW + 4,
    };
  }
  const steps = 16;
  const id = `ramp-${crypto.randomUUID().slice(0, 8)}`;
  const stops = Array.from({ length: steps + 1 }, (_, i) => {
    const v = legend.low + (legend.high - legend.low) * (i / steps);
    return `<stop offset="${(i / steps) * 100}%" stop-color="${
      escapeHtml(legend.color(v))
    }"/>`;
  }).join("");
  const barWidth = 240;
  return {
    markup:
      `<g class="legend"><defs><linearGradient id="${id}">${stops}</linearGradient></defs>` +
      `<text x="0" y="13">${escapeHtml(legend.label)}</text>` +
      `<text x="${legend.label.length * 6.5 + 10}" y="13" fill="#555">${
        formatTick(legend.low)
      }</text>` +
      `<rect x="${
        legend.label.length * 6.5 + 60
      }" y="3" width="${barWidth}" height="12" fill="url(#${id})"/>` +
      `<text x="${
        legend.label.length * 6.5 + 66 + barWidth
      }" y="13" fill="#555">${formatTick(legend.high)}</text></g>`,
    height: LEGEND_ROW + 6,
  };
}

function formatTick(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "";
}

/** The option names of {@linkcode ChartOptions}. */
export const CHART_OPTIONS: OptionNames<ChartOptions> = {
  width: true,
  height: true,
  maxPoints: true,
};

const BAR_CHART_OPTIONS: OptionNames<BarChartOptions> = {
  ...CHART_OPTIONS,
  kind: true,
  symbol: true,
  column: true,
  normalize: true,
};

/**
 * Validated chart sizes with their defaults, after checking that `options`
 * has no option but those in `known`.
 */
export function sizes<T extends ChartOptions>(
  options: T,
  known: OptionNames<T>,
): Required<ChartOptions> {
  checkOptions("plot", options, known);
  const width = options.width ?? 900;
  const height = options.height ?? 360;
  const maxPoints = options.maxPoints ?? 1000;
  for (
    const [name, value, min] of [
      ["width", width, 100],
      ["height", height, 80],
      ["maxPoints", maxPoints, 2],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidArgumentError(
        name,
        value,
        `an integer >= ${min}`,
      );
    }
  }
  return { width, height, maxPoints };
}

/** A column as Float64 with NaN for null. */
export function floats(frame: DataFrame, column: string): Float64Array {
  return frame.select(
    pl.col(column).cast(pl.Float64).fillNull(pl.lit(NaN)),
  ).getColumn(column).toTypedArray() as Float64Array;
}

/** A column of epoch ms as Dates. */
export function dates(frame: DataFrame, column: string): Date[] {
  return Array.from(floats(frame, column), (ms) => new Date(ms));
}

function intervalLabel(frame: DataFrame): string {
  if (frame.height === 0) return "";
  const span = frame.select(
    pl.col("end_time").sub(pl.col("start_time")).median().alias("span"),
  ).getColumn("span").get(0) as number;
  return Number.isInteger(span) && span > 0
    ? `${formatInterval(span)} bars`
    : "";
}

const NICE_STEPS = [
  1,
  2,
  5,
  10,
  15,
  30,
  60,
  120,
  300,
  600,
  900,
  1800,
  3600,
  7200,
  10800,
  14400,
  21600,
  43200,
  86400,
  172800,
  604800,
].map((seconds) => seconds * 1000);

/**
 * The width in ms of the time buckets that leave at most `maxPoints`
 * buckets along time: the smallest "nice" span (1 s … 30 min, 1–12 h,
 * days, weeks) that fits, aligned to the epoch. 0 means no bucketing.
 */
function bucketWidth(frame: DataFrame, maxPoints: number): number {
  if (frame.height === 0) return 0;
  if (frame.getColumn("end_time").nUnique() <= maxPoints) return 0;
  const lo = frame.getColumn("end_time").min() as number;
  const hi = frame.getColumn("end_time").max() as number;
  // One bucket more than the span needs, since buckets align to the epoch.
  const least = (hi - lo + 1) / (maxPoints - 1);
  const week = NICE_STEPS[NICE_STEPS.length - 1];
  return NICE_STEPS.find((step) => step >= least) ??
    Math.ceil(least / week) * week;
}

/**
 * The time bucket of each row, `width` ms wide on the epoch grid, by the
 * row's `start_time` (or, without one, by `end_time - 1`, the last instant
 * of an interval that ends there): a bar ending on a bucket boundary
 * belongs to the bucket it lies in, not to a bucket of its own, so 5-minute
 * buckets of 1-minute bars hold :00–:04 as 5-minute bars do.
 */
function bucketed(width: number, columns: readonly string[]): pl.Expr {
  // An Int64 literal: `modulo(3600000)` with a JS number computes in f64
  // and returns 3.6e6 for 3.6e6 % 3.6e6 (nodejs-polars 0.25.2).
  const step = pl.lit(width).cast(pl.Int64);
  const time = columns.includes("start_time")
    ? pl.col("start_time")
    : pl.col("end_time").sub(pl.lit(1).cast(pl.Int64));
  return time.sub(time.modulo(step)).alias("bucket");
}

/**
 * OHLC candles of one symbol's bars (sorted by time) over `step`-ms time
 * buckets: first start, last end, first open, highest high, lowest low,
 * last close per bucket. Over time bars whose interval divides `step`,
 * these are the bars `loadAggBar` makes with a `step` interval.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { downsampleCandles } from "./plot.ts";
 * const bars = pl.DataFrame({
 *   start_time: [0, 60_000], end_time: [60_000, 120_000],
 *   open: [1, 2], high: [3, 4], low: [0.5, 1], close: [2, 3],
 * });
 * console.log(downsampleCandles(bars, 120_000).getColumn("high").toArray()); // [4]
 * ```
 */
export function downsampleCandles(rows: DataFrame, step: number): DataFrame {
  return rows.lazy()
    .groupBy(bucketed(step, rows.columns), { maintainOrder: true })
    .agg(
      pl.col("start_time").first(),
      pl.col("end_time").last(),
      pl.col("open").first(),
      pl.col("high").max(),
      pl.col("low").min(),
      pl.col("close").last(),
    )
    .sort("bucket")
    .collectSync();
}

function pickSymbols(
  all: string[],
  wanted: string | readonly string[] | undefined,
  fallback: "first" | "all",
): string[] {
  if (wanted === undefined) {
    return fallback === "first" ? all.slice(0, 1) : all.slice(0, MAX_SERIES);
  }
  const list = typeof wanted === "string" ? [wanted] : [...wanted];
  if (list.length > MAX_SERIES) {
    throw new InvalidArgumentError(
      "symbol",
      `${list.length} symbols`,
      `at most ${MAX_SERIES} symbols, one colour each`,
    );
  }
  for (const s of list) {
    if (!all.includes(s)) {
      throw new InvalidArgumentError(
        "symbol",
        s,
        `one of the AggBar's symbols (${all.slice(0, 10).join(", ")}${
          all.length > 10 ? ", …" : ""
        })`,
      );
    }
  }
  return list;
}

/**
 * Charts bars: candles of one symbol, a line per symbol, or volume. Used by
 * `agg.plot(...)`.
 *
 * @example
 * ```ts ignore
 * import { plotBars } from "./plot.ts";
 * const chart = plotBars(agg.toPolars(), agg.symbols, { kind: "line" });
 * ```
 */
export function plotBars(
  bars: DataFrame,
  symbols: string[],
  options: BarChartOptions = {},
): Chart {
  const { width, height, maxPoints } = sizes(options, BAR_CHART_OPTIONS);
  const kind = options.kind ??
    (symbols.length === 1 || typeof options.symbol === "string"
      ? "candles"
      : "line");
  if (!["candles", "line", "volume"].includes(kind)) {
    throw new InvalidArgumentError(
      "kind",
      kind,
      '"candles", "line" or "volume"',
    );
  }
  const chosen = pickSymbols(
    symbols,
    options.symbol,
    kind === "line" ? "all" : "first",
  );
  if (kind === "candles" && chosen.length > 1) {
    throw new InvalidArgumentError(
      "symbol",
      options.symbol,
      "one symbol for a candles chart",
    );
  }
  const rows = bars.filter(pl.col("symbol").isIn(chosen));
  const interval = intervalLabel(rows);
  const dropped = options.symbol === undefined &&
      symbols.length > chosen.length && kind !== "candles" &&
      kind !== "volume"
    ? ` (first ${chosen.length} of ${symbols.length} symbols)`
    : "";
  if (kind === "candles") {
    return candles(rows, chosen[0] ?? "", interval, width, height, maxPoints);
  }
  if (kind === "volume") {
    return volumeBars(rows, chosen, interval, width, height, maxPoints);
  }
  const column = options.column ?? "close";
  if (!bars.columns.includes(column)) {
    throw new InvalidArgumentError(
      "column",
      column,
      `a column of the bars (${bars.columns.join(", ")})`,
    );
  }
  const normalize = options.normalize ?? chosen.length > 1;
  return lines(rows, {
    column,
    reduce: "last",
    normalize,
    title: `${column}${normalize ? " ÷ first value" : ""}${dropped}`,
    interval,
    width,
    height,
    maxPoints,
  });
}

function candles(
  rows: DataFrame,
  symbol: string,
  interval: string,
  width: number,
  height: number,
  maxPoints: number,
): Chart {
  const step = bucketWidth(rows, maxPoints);
  const ohlc = step === 0 ? rows : downsampleCandles(rows, step);
  const n = ohlc.height;
  const start = floats(ohlc, "start_time");
  const end = floats(ohlc, "end_time");
  const open = floats(ohlc, "open");
  const close = floats(ohlc, "close");
  const low = floats(ohlc, "low");
  const high = floats(ohlc, "high");
  const title = `${symbol} candles${interval ? `, ${interval}` : ""}`;
  // A candle needs its open and close, a wick its low and high: a missing
  // value is drawn as nothing, never as zero.
  const bodies = finiteRows(open, close);
  const wicks = finiteRows(low, high);
  if (bodies.length === 0 && wicks.length === 0) {
    return noData(
      { title, width },
      `no open, close, low or high value in ${rows.height} bars`,
    );
  }
  const middle = (i: number) => new Date((start[i] + end[i]) / 2);
  const color = (i: number) => close[i] >= open[i] ? UP : DOWN;
  return render(
    {
      title,
      subtitle: step === 0
        ? `${n} bars`
        : `downsampled to ${n} candles of ${
          formatSpan(step)
        } (OHLC of ${rows.height} bars)`,
      width,
    },
    {
      height,
      marginLeft: 64,
      x: TIME_AXIS,
      y: { label: "price", grid: true },
      marks: [
        Plot.ruleX(wicks, {
          x: middle,
          y1: (i: number) => low[i],
          y2: (i: number) => high[i],
          stroke: (i: number) =>
            Number.isFinite(open[i] + close[i]) ? color(i) : "#888",
        }),
        Plot.rect(bodies, {
          x1: (i: number) => new Date(start[i]),
          x2: (i: number) => new Date(end[i]),
          y1: (i: number) => open[i],
          y2: (i: number) => close[i],
          fill: color,
          insetLeft: n > 300 ? 0 : 0.5,
          insetRight: n > 300 ? 0 : 0.5,
        }),
      ],
    },
  );
}

function volumeBars(
  rows: DataFrame,
  symbols: string[],
  interval: string,
  width: number,
  height: number,
  maxPoints: number,
): Chart {
  if (!rows.columns.includes("volume")) {
    throw new InvalidArgumentError(
      "kind",
      "volume",
      `bars with a volume column (have ${rows.columns.join(", ")})`,
    );
  }
  const step = bucketWidth(rows, maxPoints);
  const sums = step === 0 ? rows : rows.lazy()
    .groupBy([pl.col("symbol"), bucketed(step, rows.columns)], {
      maintainOrder: true,
    })
    .agg(
      pl.col("start_time").first(),
      pl.col("end_time").last(),
      // A bucket without any volume value stays null (a sum would say 0).
      pl.when(pl.col("volume").fillNan(null).isNotNull().sum().gt(0))
        .then(pl.col("volume").fillNan(null).sum())
        .otherwise(pl.lit(null))
        .alias("volume"),
    )
    .sort(["bucket", "symbol"])
    .collectSync();
  const title = `volume, ${symbols.join(", ")}${
    interval ? `, ${interval}` : ""
  }`;
  const volume = floats(sums, "volume");
  const present = finiteRows(volume);
  if (present.length === 0) {
    return noData({ title, width }, `no volume value in ${rows.height} bars`);
  }
  const start = floats(sums, "start_time"), end = floats(sums, "end_time");
  const series = sums.getColumn("symbol").toArray() as string[];
  return render(
    {
      title,
      subtitle: step === 0
        ? `${rows.height} bars`
        : `downsampled: volume summed over ${formatSpan(step)} buckets`,
      width,
    },
    {
      height,
      marginLeft: 64,
      x: TIME_AXIS,
      y: { label: "volume (base units)", grid: true },
      color: { type: "ordinal", range: PALETTE, domain: symbols },
      marks: [
        Plot.rectY(present, {
          x1: (i: number) => new Date(start[i]),
          x2: (i: number) => new Date(end[i]),
          y: (i: number) => volume[i],
          fill: symbols.length > 1 ? (i: number) => series[i] : "#4269d0",
        }),
        Plot.ruleY([0]),
      ],
    },
    symbols.length > 1 ? "swatches" : undefined,
  );
}

/** How {@linkcode lines} draws a frame of `symbol, end_time, <column>`. */
export interface LineOptions {
  /** How a time bucket summarises its values. */
  reduce: "last" | "mean" | "min";
  /** Fill the area between the line and zero (one series). */
  area?: boolean;
  column: string;
  normalize: boolean;
  title: string;
  interval: string;
  width: number;
  height: number;
  maxPoints: number;
  yLabel?: string;
  /** Series (symbol values) in legend order. @default sorted */
  series?: string[];
  /** Series drawn with a thick line (e.g. a rolling mean over its raw series). @default none */
  bold?: readonly string[];
}

/** One line per symbol, bucketed by time. */
export function lines(rows: DataFrame, options: LineOptions): Chart {
  const step = bucketWidth(rows, options.maxPoints);
  let points = rows.select(
    "symbol",
    ...rows.columns.includes("start_time") ? ["start_time"] : [],
    "end_time",
    pl.col(options.column).cast(pl.Float64).alias("value"),
  );
  if (step > 0) {
    points = points.lazy()
      .groupBy([pl.col("symbol"), bucketed(step, points.columns)], {
        maintainOrder: true,
      })
      .agg(
        pl.col("end_time").last(),
        options.reduce === "last"
          ? pl.col("value").last()
          : options.reduce === "min"
          ? pl.col("value").fillNan(null).min()
          : pl.col("value").fillNan(null).mean(),
      )
      .collectSync();
  }
  if (options.normalize) {
    points = points.withColumns(
      pl.col("value").div(
        pl.col("value").fillNan(null).dropNulls().first().over("symbol"),
      ),
    );
  }
  points = points.sort(["symbol", "end_time"]);
  const values = floats(points, "value");
  if (!anyFinite(values)) {
    return noData(
      { title: options.title, width: options.width },
      `no ${options.column} value in ${rows.height} rows`,
    );
  }
  const symbols = options.series ??
    [...new Set(points.getColumn("symbol").toArray() as string[])].sort();
  const data = { length: points.height };
  const labels = points.getColumn("symbol").toArray() as string[];
  const bold = new Set(options.bold ?? []);
  // A null value is NaN here: Plot breaks the line (and the area) there.
  return render(
    {
      title: options.title,
      subtitle: [
        options.interval,
        step === 0
          ? `${rows.height} points`
          : `downsampled: ${options.reduce} value per ${formatSpan(step)}`,
      ].filter(Boolean).join(" · "),
      width: options.width,
    },
    {
      height: options.height,
      marginLeft: 64,
      x: TIME_AXIS,
      y: { label: options.yLabel ?? options.column, grid: true },
      color: { type: "ordinal", range: PALETTE, domain: symbols },
      marks: [
        options.area
          ? Plot.areaY(data, {
            x: dates(points, "end_time"),
            y: values,
            fill: "#ef5350",
            fillOpacity: 0.35,
          })
          : Plot.ruleY([]),
        ...[false, true].map((thick) =>
          Plot.lineY(data, {
            x: dates(points, "end_time"),
            y: values,
            z: labels,
            stroke: labels,
            strokeWidth: thick ? 2.4 : 1.2,
            filter: labels.map((l) => bold.has(l) === thick),
          })
        ),
      ],
    },
    "swatches",
  );
}

/**
 * Charts a factor's values (`start_time, end_time, symbol, factor`):
 * `timeseries` (a line per symbol, or the cross-sectional mean and
 * 10–90% band for more than 12 symbols), `heatmap` (time × symbol) or
 * `distribution` (a histogram of the present values).
 *
 * @example
 * ```ts ignore
 * import { plotFactor } from "./plot.ts";
 * const chart = plotFactor(await factor.collect(), factor.name, "heatmap");
 * ```
 */
export function plotFactor(
  values: DataFrame,
  name: string,
  kind: FactorChartKind = "timeseries",
  options: ChartOptions = {},
): Chart {
  const { width, height, maxPoints } = sizes(options, CHART_OPTIONS);
  const frame = values.withColumns(pl.col("factor").fillNan(null));
  if (kind === "timeseries") {
    return factorSeries(frame, name, width, height, maxPoints);
  }
  if (kind === "heatmap") {
    return factorHeatmap(frame, name, width, height, maxPoints);
  }
  if (kind === "distribution") {
    return factorHistogram(frame, name, width, height);
  }
  throw new InvalidArgumentError(
    "kind",
    kind,
    '"timeseries", "heatmap" or "distribution"',
  );
}

function factorSeries(
  frame: DataFrame,
  name: string,
  width: number,
  height: number,
  maxPoints: number,
): Chart {
  const symbols = frame.getColumn("symbol").unique().len();
  if (symbols <= MAX_SERIES) {
    return lines(frame, {
      column: "factor",
      reduce: "mean",
      normalize: false,
      title: name,
      interval: intervalLabel(frame),
      width,
      height,
      maxPoints,
      yLabel: "factor value",
    });
  }
  const step = bucketWidth(frame, maxPoints);
  const band = frame.lazy()
    .groupBy(
      step === 0
        ? pl.col("end_time").alias("bucket")
        : bucketed(step, frame.columns),
    )
    .agg(
      pl.col("end_time").max(),
      pl.col("factor").mean().alias("mean"),
      pl.col("factor").quantile(0.1).alias("p10"),
      pl.col("factor").quantile(0.9).alias("p90"),
    )
    .sort("bucket")
    .collectSync();
  const mean = floats(band, "mean");
  if (!anyFinite(mean)) {
    return noData(
      { title: name, width },
      `no factor value in ${frame.height} rows`,
    );
  }
  const data = { length: band.height };
  const x = dates(band, "end_time");
  return render(
    {
      title: name,
      subtitle: `cross-section of ${symbols} symbols: mean and 10–90% band${
        step > 0 ? `, per ${formatSpan(step)}` : ""
      }`,
      width,
      legend: {
        type: "swatches",
        items: [
          { label: "mean", color: "#4269d0" },
          { label: "10–90% of symbols", color: "#c6d3f0" },
        ],
      },
    },
    {
      height,
      marginLeft: 64,
      x: TIME_AXIS,
      y: { label: "factor value", grid: true },
      marks: [
        Plot.areaY(data, {
          x,
          y1: floats(band, "p10"),
          y2: floats(band, "p90"),
          fill: "#c6d3f0",
        }),
        Plot.lineY(data, { x, y: mean, stroke: "#4269d0" }),
      ],
    },
  );
}

const MAX_HEATMAP_ROWS = 40;

function factorHeatmap(
  frame: DataFrame,
  name: string,
  width: number,
  height: number,
  maxPoints: number,
): Chart {
  const all = frame.getColumn("symbol").unique().sort().toArray() as string[];
  const symbols = all.slice(0, MAX_HEATMAP_ROWS);
  const rows = frame.filter(pl.col("symbol").isIn(symbols));
  const columns = Math.min(maxPoints, 200);
  const step = bucketWidth(rows, columns);
  const cells = step === 0 ? rows : rows.lazy()
    .groupBy([pl.col("symbol"), bucketed(step, rows.columns)])
    .agg(
      pl.col("start_time").min(),
      pl.col("end_time").max(),
      pl.col("factor").mean(),
    )
    .collectSync();
  const present = cells.filter(pl.col("factor").isNotNull());
  if (present.height === 0) {
    return noData(
      { title: name, width },
      `no factor value in ${frame.height} rows`,
    );
  }
  const data = { length: present.height };
  const rowHeight = Math.max(
    8,
    Math.min(24, Math.floor(height / symbols.length)),
  );
  return render(
    {
      title: name,
      subtitle: [
        all.length > symbols.length
          ? `first ${symbols.length} of ${all.length} symbols`
          : `${symbols.length} symbol(s)`,
        step === 0 ? "one cell per bar" : `mean per ${formatSpan(step)}`,
        "blank = null",
      ].join(" · "),
      width,
    },
    {
      height: Math.max(80, symbols.length * rowHeight + 50),
      marginLeft: 90,
      x: TIME_AXIS,
      y: { label: null, domain: symbols },
      color: { type: "linear", scheme: "RdYlBu", reverse: true },
      marks: [
        Plot.barX(data, {
          x1: dates(present, "start_time"),
          x2: dates(present, "end_time"),
          y: present.getColumn("symbol").toArray() as string[],
          fill: floats(present, "factor"),
        }),
      ],
    },
    { ramp: "factor" },
  );
}

const BINS = 50;

function factorHistogram(
  frame: DataFrame,
  name: string,
  width: number,
  height: number,
): Chart {
  const values = frame.select(pl.col("factor").cast(pl.Float64))
    .getColumn("factor").dropNulls().toTypedArray() as Float64Array;
  const nullShare = frame.height ? 1 - values.length / frame.height : 0;
  return histogram(values, {
    title: `${name}: distribution`,
    subtitle: (bins) =>
      `${values.length} present values in ${bins} bins · null share ${
        (nullShare * 100).toFixed(1)
      }%`,
    empty: `no factor value in ${frame.height} rows`,
    xLabel: "factor value",
    yLabel: "count (rows)",
    width,
    height,
  });
}

/** Titles and size of {@linkcode histogram}. */
export interface HistogramOptions {
  title: string;
  /** The subtitle, given the number of bins used. */
  subtitle: (bins: number) => string;
  /** Why there is no value, shown instead of axes when `values` is empty. */
  empty: string;
  xLabel: string;
  yLabel: string;
  width: number;
  height: number;
}

/** A 50-bin histogram of finite values (one bin when they are all equal). */
export function histogram(
  values: Float64Array,
  options: HistogramOptions,
): Chart {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) {
    return noData(
      { title: options.title, width: options.width },
      options.empty,
    );
  }
  const bins = lo === hi ? 1 : BINS;
  const counts = new Float64Array(bins);
  const binWidth = bins > 1 ? (hi - lo) / bins : 1;
  for (const v of values) {
    counts[Math.min(bins - 1, Math.floor((v - lo) / binWidth))]++;
  }
  const x1 = Array.from(
    counts,
    (_, i) => bins === 1 ? lo - 0.5 : lo + i * binWidth,
  );
  const x2 = Array.from(
    counts,
    (_, i) => bins === 1 ? lo + 0.5 : lo + (i + 1) * binWidth,
  );
  return render(
    {
      title: options.title,
      subtitle: options.subtitle(bins),
      width: options.width,
    },
    {
      height: options.height,
      marginLeft: 64,
      x: { label: options.xLabel },
      y: { label: options.yLabel, grid: true },
      marks: [
        Plot.rectY({ length: bins }, {
          x1,
          x2,
          y: counts,
          fill: "#4269d0",
          insetLeft: 0.5,
        }),
        Plot.ruleY([0]),
      ],
    },
  );
}

function formatSpan(ms: number): string {
  if (ms >= 86_400_000) return `${+(ms / 86_400_000).toPrecision(3)} d`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toPrecision(3)} h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toPrecision(3)} min`;
  return `${+(ms / 1000).toPrecision(3)} s`;
}
