// Line colours for runs on the comparison charts: distinct for colour-blind readers (Okabe–Ito
// palette, https://jfly.uni-koeln.de/color/), in a fixed order so a run keeps its colour.

const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999933'];

/** The colour of the i-th run on a chart. */
export function runColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}
