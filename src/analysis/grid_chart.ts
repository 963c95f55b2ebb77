/**
 * A labelled grid of values as a heatmap: correlation matrices of a factor
 * comparison and the metric of a two-parameter sweep.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { type Chart, finiteRows, noData, render } from "../display/plot.ts";

/** What {@linkcode gridChart} draws. */
export interface GridChart {
  /** The chart's title. */
  title: string;
  /** A line under the title: what the values are, in which unit. */
  subtitle: string;
  /** The label of the colour ramp. */
  legend: string;
  /** Column labels, left to right. */
  x: readonly string[];
  /** Row labels, top to bottom. */
  y: readonly string[];
  /** Axis titles. */
  xLabel: string | null;
  yLabel: string | null;
  /** values[row][column]; NaN draws no cell (a missing value is absent, not zero). */
  values: readonly (readonly number[])[];
  /** Chart width in pixels. */
  width: number;
  /** Pin the colour ramp's ends to ±this (1 for correlations); the largest |value| when absent. */
  extent?: number;
}

/**
 * A diverging heatmap (red below 0, blue above) with the value written in
 * each cell; cells without a value stay empty.
 *
 * @example
 * ```ts ignore
 * const chart = gridChart({ title: "correlation", subtitle: "", legend: "ρ", x: ["a"], y: ["a"], xLabel: null, yLabel: null, values: [[1]], width: 400, extent: 1 });
 * ```
 */
export function gridChart(grid: GridChart): Chart {
  const cells: { x: string; y: string; v: number }[] = [];
  grid.y.forEach((y, r) =>
    grid.x.forEach((x, c) => cells.push({ x, y, v: grid.values[r][c] }))
  );
  const present = finiteRows(cells.map((cell) => cell.v)).map((i) => cells[i]);
  const frame = {
    title: grid.title,
    subtitle: grid.subtitle,
    width: grid.width,
  };
  if (present.length === 0) {
    return noData(frame, "no cell has a value");
  }
  const extent = grid.extent ??
    Math.max(1e-9, ...present.map((cell) => Math.abs(cell.v)));
  const longest = Math.max(...grid.y.map((label) => label.length));
  return render(
    frame,
    {
      height: Math.max(80, grid.y.length * 28 + 60),
      // Room for the row labels, and for the axis title beside them.
      marginLeft: Math.min(260, 24 + 7 * longest + (grid.yLabel ? 24 : 0)),
      marginBottom: 60,
      x: { label: grid.xLabel, domain: [...grid.x], tickRotate: -20 },
      y: { label: grid.yLabel, domain: [...grid.y] },
      color: divergingColor(extent),
      marks: [
        Plot.cell(present, { x: "x", y: "y", fill: "v", inset: 0.5 }),
        Plot.text(present, {
          x: "x",
          y: "y",
          text: (cell: { v: number }) => cell.v.toFixed(2),
          fill: (cell: { v: number }) => cellTextColor(cell.v, extent),
        }),
      ],
    },
    { ramp: grid.legend },
  );
}

/**
 * The colour scale of a diverging heatmap: red below 0, blue above, its
 * ends pinned to ±`extent`.
 *
 * @example
 * ```ts
 * import { divergingColor } from "./grid_chart.ts";
 * console.log(divergingColor(1).domain); // [-1, 1]
 * ```
 */
export function divergingColor(extent: number) {
  return {
    type: "diverging",
    scheme: "RdBu",
    pivot: 0,
    domain: [-extent, extent],
  } as const;
}

/**
 * The colour of the value written in a heatmap cell of `value`: light on
 * the darkest cells (beyond 0.6 of `extent`), dark elsewhere.
 *
 * @example
 * ```ts
 * import { cellTextColor } from "./grid_chart.ts";
 * console.log(cellTextColor(-0.9, 1), cellTextColor(0.2, 1)); // white #111
 * ```
 */
export function cellTextColor(value: number, extent: number): string {
  return Math.abs(value) > 0.6 * extent ? "white" : "#111";
}
