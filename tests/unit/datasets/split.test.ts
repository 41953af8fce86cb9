// The import's eval split (datasets/split.ts proposeSplit, issue 24 item 4): an eval/ folder as given;
// otherwise a seeded share held out, at least one file whenever there are two, and said in words.
import { describe, expect, it } from 'vitest';
import { proposeSplit } from '../../../src-main/datasets/split';

const files = (n: number) => Array.from({ length: n }, (_, i) => ({ relPath: `tune-${i}.abc`, pairKey: `tune-${i}` }));

describe('proposeSplit', () => {
  it('holds out one of four files instead of none, and says so', () => {
    const p = proposeSplit(files(4));
    expect(p.splits.filter((s) => s === 'eval')).toHaveLength(1);
    expect(p.note).toBe('no eval/ folder: held out 1 of 4 files at random for evaluation (10 %, at least one); put files in an eval/ folder to choose them');
  });

  it('keeps the eval/ folder as the split, with nothing to say', () => {
    expect(proposeSplit([{ relPath: 'eval/a.abc', pairKey: 'eval/a' }, { relPath: 'b.abc', pairKey: 'b' }])).toEqual({ splits: ['eval', 'train'], note: null });
  });

  it('holds out the fraction of a big folder, keeps pairs together and always leaves training files', () => {
    const pairs = files(30).flatMap((f) => [f, { relPath: f.relPath.replace('.abc', '.mid'), pairKey: f.pairKey }]);
    const p = proposeSplit(pairs, 0.1, 3);
    expect(p.splits.filter((s) => s === 'eval')).toHaveLength(6); // 3 of 30 keys, both files of each
    for (let i = 0; i < pairs.length; i += 2) expect(p.splits[i]).toBe(p.splits[i + 1]);
    expect(proposeSplit(files(2), 0.9).splits.sort()).toEqual(['eval', 'train']);
  });

  it('says that a single file has no eval split', () => {
    expect(proposeSplit(files(1))).toEqual({ splits: ['train'], note: expect.stringMatching(/single file: nothing held out/) });
    expect(proposeSplit([])).toEqual({ splits: [], note: null });
  });
});
