// The renderer's pure helpers: formatting, smoothing, series alignment, metric merging, form checks
// and routes. (Components and rune classes are exercised by the e2e suite in real Chromium.)
import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../../src-main/shared/contract';
import { alignSeries } from '../../../../src-renderer/lib/chart-data';
import { errorText, formatBytes, formatCount, formatDuration, formatMetric } from '../../../../src-renderer/lib/format';
import { column, mergePoints } from '../../../../src-renderer/lib/metrics';
import { distinctLabels } from '../../../../src-renderer/lib/labels';
import { parseHash } from '../../../../src-renderer/lib/routes';
import { smoothEma } from '../../../../src-renderer/lib/smoothing';
import { allValid, checkAll, checkNumber, normalizeExt } from '../../../../src-renderer/lib/validate';

function point(step: number, fields: Partial<MetricPoint> = {}): MetricPoint {
  return { step, time: step * 1000, trainLoss: null, evalLoss: null, bitsPerByte: null, lr: null, bytesPerSecond: null, ...fields };
}

describe('format', () => {
  it('writes sizes, counts and durations in plain units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatCount(5_880_000)).toBe('5.88 M');
    expect(formatCount(999)).toBe('999');
    expect(formatDuration(12)).toBe('12 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatMetric(1.23456)).toBe('1.235');
    expect(formatMetric(null)).toBe('—');
  });

  it('keeps only the first line of an error', () => {
    expect(errorText(new Error('bad flag\n    at stack'))).toBe('bad flag');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(new Error(''))).toBe('Something went wrong.');
  });
});

describe('smoothEma', () => {
  it('returns the values unchanged at 0 and debiases the start', () => {
    expect(smoothEma([1, 2, 3], 0)).toEqual([1, 2, 3]);
    // Debiased: the first smoothed value equals the first raw value instead of (1-α)·y.
    expect(smoothEma([4, 4, 4], 0.9)).toEqual([4, 4, 4].map(() => expect.closeTo(4, 12)));
    const s = smoothEma([0, 10], 0.5) as number[];
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo((0.5 * 0.5 * 0 + 0.5 * 10) / 0.75, 12);
  });

  it('passes gaps through and rejects a weight outside [0, 1)', () => {
    expect(smoothEma([1, null, 1], 0.5)).toEqual([1, null, 1]);
    expect(() => smoothEma([1], 1)).toThrow(RangeError);
    expect(() => smoothEma([1], -0.1)).toThrow(RangeError);
  });
});

describe('alignSeries', () => {
  it('puts several runs on one sorted step axis with nulls where a run has no point', () => {
    const aligned = alignSeries([
      { label: 'a', xs: [1, 3], ys: [10, 30] },
      { label: 'b', xs: [2, 3], ys: [20, 31] },
    ]);
    expect(aligned).toEqual([[1, 2, 3], [10, null, 30], [null, 20, 31]]);
    expect(alignSeries([])).toEqual([[]]);
  });
});

describe('mergePoints', () => {
  it('appends a batch that follows, and merges overlapping reports of one step', () => {
    const a = [point(1, { trainLoss: 5 }), point(2, { trainLoss: 4 })];
    expect(mergePoints(a, [point(3, { trainLoss: 3 })]).map((p) => p.step)).toEqual([1, 2, 3]);
    const merged = mergePoints(a, [point(2, { evalLoss: 4.5 }), point(0, { trainLoss: 6 })]);
    expect(merged.map((p) => p.step)).toEqual([0, 1, 2]);
    expect(merged[2]).toMatchObject({ trainLoss: 4, evalLoss: 4.5 });
  });

  it('extracts one metric, skipping points without it', () => {
    const pts = [point(1, { evalLoss: 2 }), point(2), point(3, { evalLoss: 1 })];
    expect(column(pts, 'evalLoss')).toEqual({ xs: [1, 3], ys: [2, 1] });
  });
});

describe('validate', () => {
  const spec = { label: 'Top-p', min: 0, max: 1, exclusiveMin: true };
  it('names the field and the limit it breaks', () => {
    expect(checkNumber(0.5, spec)).toBeNull();
    expect(checkNumber(0, spec)).toBe('Top-p must be more than 0.');
    expect(checkNumber(1.5, spec)).toBe('Top-p must be at most 1.');
    expect(checkNumber(null, spec)).toBe('Top-p is required.');
    expect(checkNumber(null, { ...spec, optional: true })).toBeNull();
    expect(checkNumber(2.5, { label: 'Steps', min: 1, max: 10, integer: true })).toBe('Steps must be a whole number.');
  });

  it('checks a whole form', () => {
    const errors = checkAll({ a: 1, b: 0 }, { a: { label: 'A', min: 1, max: 2 }, b: { label: 'B', min: 1, max: 2 } });
    expect(errors).toEqual({ a: null, b: 'B must be at least 1.' });
    expect(allValid(errors)).toBe(false);
    expect(allValid({ a: null })).toBe(true);
  });

  it('normalizes extensions', () => {
    expect(normalizeExt(' .MID ')).toBe('mid');
    expect(normalizeExt('a b')).toBeNull();
    expect(normalizeExt('')).toBeNull();
  });
});

describe('parseHash', () => {
  it('reads the view from the hash and falls back to datasets', () => {
    expect(parseHash('#/train')).toBe('train');
    expect(parseHash('#/library/abc')).toBe('library');
    expect(parseHash('#generate')).toBe('generate');
    // The studio opens on the start path.
    expect(parseHash('')).toBe('start');
    expect(parseHash('#/nope')).toBe('start');
  });
});

describe('distinctLabels', () => {
  it('keeps unique names and numbers repeated ones by creation', () => {
    const labels = distinctLabels([
      { id: 'run_b', name: 'tunes · tiny', created: '2026-11-29T02:00:00Z' },
      { id: 'run_a', name: 'tunes · tiny', created: '2026-11-29T01:00:00Z' },
      { id: 'run_c', name: 'mine', created: '2026-11-29T03:00:00Z' },
    ]);
    expect(Object.fromEntries(labels)).toEqual({ run_a: 'tunes · tiny #1', run_b: 'tunes · tiny #2', run_c: 'mine' });
  });
});
