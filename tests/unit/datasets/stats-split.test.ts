// Statistics (hand-computed entropy and window fit) and the split/pair helpers.
import { describe, it, expect } from 'vitest';
import { StatsAccumulator, entropy } from '../../../src-main/datasets/stats';
import { assignSplits, conversionPairs, pairKeyOf } from '../../../src-main/datasets/split';

describe('StatsAccumulator', () => {
  it('counts sizes and bytes, entropy in bits per byte, fit and crop shares for a window', () => {
    // Window of 4 patches of 16: start + end patches leave 2 data patches = 32 bytes.
    const s = new StatsAccumulator({ patchSize: 16, patchLength: 4 });
    s.add(new Uint8Array(32).fill(7));
    s.add(Uint8Array.from({ length: 33 }, (_, i) => i % 2));
    s.add(new Uint8Array(1));
    const r = s.result();
    expect([r.count, r.totalBytes, r.minSize, r.maxSize, r.meanSize]).toEqual([3, 66, 1, 33, 22]);
    expect(r.byteHistogram[7]).toBe(32);
    expect(r.byteHistogram[0]).toBe(17 + 1);
    expect(r.byteHistogram[1]).toBe(16);
    expect(r.fitShare).toBeCloseTo(2 / 3, 12);
    expect(r.croppedShare).toBeCloseTo(1 / 3, 12);
    const p = [32 / 66, 18 / 66, 16 / 66];
    expect(r.entropyBitsPerByte).toBeCloseTo(-p.reduce((h, q) => h + q * Math.log2(q), 0), 12);
  });
  it('entropy of uniform bytes is 8 bits, of one value 0', () => {
    expect(entropy(new Array(256).fill(10), 2560)).toBeCloseTo(8, 12);
    expect(entropy([5, ...new Array(255).fill(0)], 5)).toBe(0);
    expect(new StatsAccumulator().result()).toMatchObject({ count: 0, entropyBitsPerByte: 0, fitShare: 0 });
  });
});

describe('split helpers', () => {
  it('pair keys keep folder and stem', () => {
    expect(pairKeyOf('a/b/tune.abc')).toBe('a/b/tune');
    expect(pairKeyOf('x.tar.gz')).toBe('x.tar');
    expect(pairKeyOf('dir.d/README')).toBe('dir.d/README');
    expect(pairKeyOf('.hidden')).toBe('.hidden');
  });
  it('an eval/ folder decides the split; otherwise the seeded fraction changes with the seed', () => {
    expect(assignSplits([{ relPath: 'eval/a.mid', pairKey: 'eval/a' }, { relPath: 'b.mid', pairKey: 'b' }])).toEqual(['eval', 'train']);
    const files = Array.from({ length: 40 }, (_, i) => ({ relPath: `f${i}.txt`, pairKey: `f${i}` }));
    const a = assignSplits(files, 0.5, 1);
    expect(a.filter((s) => s === 'eval')).toHaveLength(20);
    expect(assignSplits([...files].reverse(), 0.5, 1)).toEqual([...a].reverse());
    expect(assignSplits(files, 0.5, 2)).not.toEqual(a);
  });
  it('conversion pairs need both sides', () => {
    const files = [
      { pairKey: 'x', ext: 'abc', sha256: 'h1' }, { pairKey: 'x', ext: 'mid', sha256: 'h2' },
      { pairKey: 'y', ext: 'abc', sha256: 'h3' }, { pairKey: 'z', ext: 'txt', sha256: 'h4' },
    ];
    expect(conversionPairs(files, 'abc', 'mid')).toEqual([{ pairKey: 'x', from: 'h1', to: 'h2' }]);
    expect(conversionPairs(files, 'mid', 'abc')).toEqual([{ pairKey: 'x', from: 'h2', to: 'h1' }]);
  });
});
