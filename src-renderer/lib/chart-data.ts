// Aligns the metric series of several runs on one step axis, the shape uPlot's AlignedData needs
// (one shared x array, one y array per series, null where a series has no point).

export interface Series {
  label: string;
  xs: readonly number[];
  ys: readonly (number | null)[];
}

/** A series as drawn: with its line colour. */
export interface ChartSeries extends Series {
  color: string;
  /** Raw values under a smoothed line: drawn faint and left out of the legend (docs/walkthrough.md). */
  raw?: boolean;
  /** Sparse points (evaluations): dashed, with a marker on every point. */
  sparse?: boolean;
}

/** [xs, ...ys] over the sorted union of every series' x values. */
export function alignSeries(series: readonly Series[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const column = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const out: (number | null)[] = new Array(xs.length).fill(null);
    s.xs.forEach((x, i) => {
      out[column.get(x)!] = s.ys[i] ?? null;
    });
    return out;
  });
  return [xs, ...ys];
}
