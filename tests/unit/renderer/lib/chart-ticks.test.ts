// The charts' y ticks (issue 24 item 7): never a single labelled value, on linear and log scales.
import { describe, expect, it } from 'vitest';
import { linearTicks, MIN_TICKS, niceStep, yTicks } from '../../../../src-renderer/lib/chart-ticks';

describe('y ticks', () => {
  it('steps by 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(0.23)).toBeCloseTo(0.25, 12);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(0.001)).toBeCloseTo(0.001, 15);
  });

  it('gives a loss between 4.5 and 5.5 several ticks on the log scale, where powers of ten give none', () => {
    const ticks = yTicks(4.5, 5.5, true);
    expect(ticks.length).toBeGreaterThanOrEqual(MIN_TICKS);
    expect(ticks).toEqual([4.5, 4.75, 5, 5.25, 5.5]);
  });

  it('uses 1-2-5 values on a log scale spanning decades', () => {
    expect(yTicks(0.8, 60, true)).toEqual([1, 2, 5, 10, 20, 50]);
  });

  it('keeps at least three ticks on narrow and awkward linear ranges', () => {
    for (const [min, max] of [[2.31, 2.33], [0, 1], [4.1, 4.4], [0.0001, 0.00013], [98, 101]]) {
      const ticks = linearTicks(min, max);
      expect(ticks.length, `${min}..${max}`).toBeGreaterThanOrEqual(MIN_TICKS);
      for (const t of ticks) expect(t).toBeGreaterThanOrEqual(min - 1e-12);
      for (const t of ticks) expect(t).toBeLessThanOrEqual(max + 1e-12);
    }
    expect(linearTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linearTicks(3, 3)).toEqual([3]);
  });
});
