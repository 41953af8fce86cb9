// Y-axis ticks of the metric charts (issue 24 item 7): always at least MIN_TICKS labelled values, on a
// linear or a log scale. uPlot's own log axis ticks only at multiples of a power of ten, so a loss
// between 4.5 and 5.5 got one label; here a log axis takes 1-2-5 values when enough fall inside the
// range, else evenly stepped ones, which a log axis still places correctly.

/** Fewest labelled values on a y axis: with fewer there is no scale to read a curve against. */
export const MIN_TICKS = 3;
/** About as many as fit a 170 px chart without crowding. */
const TARGET_TICKS = 5;
const NICE = [1, 2, 2.5, 5];

/** The nice step (1, 2, 2.5, 5 × 10^k) nearest above `raw`. */
export function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  return (NICE.find((m) => m * mag >= raw - 1e-12 * mag) ?? 10) * mag;
}

/** The nice step just below `step`. */
function finer(step: number): number {
  const mag = 10 ** Math.floor(Math.log10(step) + 1e-9);
  const i = NICE.findIndex((m) => Math.abs(m * mag - step) < 1e-9 * mag);
  return i > 0 ? NICE[i - 1] * mag : 5 * (mag / 10);
}

/** Multiples of a nice step inside [min, max], at least MIN_TICKS of them. */
export function linearTicks(min: number, max: number): number[] {
  if (!(max > min)) return Number.isFinite(min) ? [min] : [];
  let step = niceStep((max - min) / (TARGET_TICKS - 1));
  for (;;) {
    const first = Math.ceil(min / step - 1e-9);
    const ticks: number[] = [];
    for (let k = first; k * step <= max + 1e-9 * step; k++) ticks.push(Number((k * step).toPrecision(12)));
    if (ticks.length >= MIN_TICKS) return ticks;
    step = finer(step);
  }
}

/** 1, 2 and 5 × powers of ten inside [min, max] (min > 0). */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

/** The y ticks of a chart whose scale runs from `min` to `max`. */
export function yTicks(min: number, max: number, log: boolean): number[] {
  if (log && min > 0) {
    const ticks = logTicks(min, max);
    if (ticks.length >= MIN_TICKS) return ticks;
  }
  return linearTicks(min, max);
}
