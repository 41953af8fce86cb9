// Closeness of two sets of music (formats/music-stats.ts, Yang & Lerch 2020): overlap areas of kernel
// density estimates behave as areas should, and features read real tunes.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { closeness, featuresOf, overlapArea, FEATURES } from '../../../src-main/formats/music-stats';
import { abcEvents } from '../../../src-main/formats/music-events';
import { mulberry32 } from '../../../src-main/formats/prng';

const DATASETS = path.resolve(__dirname, '../../../datasets');

describe('overlapArea', () => {
  const rng = mulberry32(4);
  const normal = (mu: number) => Array.from({ length: 400 }, () => mu + Math.sqrt(-2 * Math.log(rng.next() || 1e-9)) * Math.cos(2 * Math.PI * rng.next()));
  it('is about 1 for two samples of one distribution, about 0 for two far apart, and 0.62 for normals one sd apart', () => {
    expect(overlapArea(normal(0), normal(0))).toBeGreaterThan(0.85);
    expect(overlapArea(normal(0), normal(10))).toBeLessThan(0.01);
    // Two unit normals one apart overlap by 2Φ(−1/2) ≈ 0.617.
    expect(overlapArea(normal(0), normal(1))).toBeCloseTo(0.617, 1);
    expect(overlapArea([], [1])).toBe(0);
    expect(overlapArea([2, 2, 2], [2, 2, 2])).toBeGreaterThan(0.99);
  });
});

describe('featuresOf and closeness', () => {
  it('reads a tune\'s pitch classes, intervals, lengths, range and notes per bar', () => {
    const f = featuresOf(abcEvents('X:1\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|\n'))!;
    expect(f['pitch-class'].filter((v) => v > 0)).toHaveLength(7);
    expect(f['pitch-range']).toEqual([12]);
    expect(f['notes-per-bar']).toEqual([4]);
    expect(f['note-length'].reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(featuresOf(abcEvents('X:1\nK:C\nz4|\n'))).toBeNull();
  });
  it('finds the built-in eval tunes closer to the training tunes than transposed-away noise', () => {
    const feats = (dir: string) => readdirSync(dir).slice(0, 100).flatMap((n) => { const f = featuresOf(abcEvents(readFileSync(path.join(dir, n), 'utf8'))); return f ? [f] : []; });
    const train = feats(path.join(DATASETS, 'abc-tunes', 'train'));
    const held = closeness(train, feats(path.join(DATASETS, 'abc-tunes', 'eval')));
    const noise = closeness(train, Array.from({ length: 20 }, (_, i) => featuresOf(abcEvents(`X:1\nL:1/16\nK:C\n${"C,,c''^f,".repeat(4 + i)}|\n`))!));
    expect(held.features.map((f) => f.feature)).toEqual([...FEATURES]);
    for (const [i, f] of held.features.entries()) expect(f.overlap!, f.feature).toBeGreaterThan(noise.features[i].overlap!);
    expect(closeness(train.slice(0, 1), train).features.every((f) => f.overlap === null)).toBe(true);
  });
});
