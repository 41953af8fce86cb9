import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildSequences, Sampler } from '../../../../src-main/engine/train/data';
import { conversionPairs, readFolder, type InputFile } from '../../../../src-main/engine/io/files';
import { train } from '../../../../src-main/engine/train/train';
import { parseConversionMode } from '../../../../src-main/shared/patches';
import type { BGPTConfig } from '../../../../src-main/shared/config';
import { tempDir } from '../../../helpers/temp';

const C: BGPTConfig = { patchSize: 4, patchLength: 4, hiddenSize: 16, patchNumLayers: 1, byteNumLayers: 1, numHeads: 1 };

function file(name: string, n: number, fill = 65): InputFile {
  return { name, ext: name.split('.').pop() as string, bytes: new Uint8Array(n).map((_, i) => fill + (i % 20)) };
}

describe('training data', () => {
  it('draws the same windows for the same seed and sample index, cropping long files at head, body and tail', () => {
    const seqs = buildSequences(C, [file('a.txt', 40), file('b.txt', 3)]);
    expect(seqs.map((s) => s.length / 4)).toEqual([12, 3]);
    const a = new Sampler(C, seqs, 1);
    const b = new Sampler(C, seqs, 1);
    const long = seqs[0];
    /** The patch the window starts at within the long file's sequence. */
    const startOf = (w: Int32Array) => Array.from({ length: 9 }, (_, o) => o).find((o) => long.subarray(o * 4, o * 4 + 16).every((v, i) => v === w[i]));
    const starts = new Set<number | undefined>();
    for (let k = 0; k < 200; k++) {
      const w = a.sample(k);
      expect(Array.from(w)).toEqual(Array.from(b.sample(k)));
      expect(w.length).toBeLessThanOrEqual(C.patchLength * C.patchSize);
      if (w.length === 16) starts.add(startOf(w));
    }
    // Head (patch 0), tail (patch 8) and body offsets all occur; every window is a real crop.
    expect(starts.has(0) && starts.has(8)).toBe(true);
    expect(starts.size).toBeGreaterThan(4);
    expect(starts.has(undefined)).toBe(false);
    // Every epoch visits every file once.
    const firstEpoch = [a.sample(0), a.sample(1)].map((w) => w.length);
    expect(firstEpoch.sort()).toEqual([12, 16]);
  });

  it('holds the extension patch only in windows that start at the file start (head), as the reference', () => {
    const seqs = buildSequences(C, [file('long.abc', 60)]);
    const sampler = new Sampler(C, seqs, 7);
    const ext = Array.from(seqs[0].subarray(0, 4));
    const modes = { head: 0, other: 0 };
    for (let k = 0; k < 300; k++) {
      const w = sampler.sample(k);
      const startsAtHead = Array.from(w).every((v, i) => v === seqs[0][i]);
      // The extension patch opens a window exactly when the window is the file's head…
      expect(Array.from(w.subarray(0, 4)).join() === ext.join()).toBe(startsAtHead);
      // …and appears nowhere else in any window.
      for (let p = 1; p < w.length / 4; p++) expect(Array.from(w.subarray(p * 4, p * 4 + 4)).join()).not.toBe(ext.join());
      modes[startsAtHead ? 'head' : 'other'] += 1;
    }
    // Head windows are a third of the draws (one of three crop modes), not more, not fewer.
    expect(modes.head).toBeGreaterThan(60);
    expect(modes.other).toBeGreaterThan(150);
  });

  it('keeps the head of a long conversion pair (the input file\'s beginning)', () => {
    const pairs = conversionPairs([file('t/a.abc', 30), file('t/a.mid', 30)], parseConversionMode('abc->mid') ?? []);
    const seqs = buildSequences(C, [], pairs);
    expect(seqs[0].length / 4).toBeGreaterThan(C.patchLength);
    const sampler = new Sampler(C, seqs, 3, true);
    for (let k = 0; k < 30; k++) expect(Array.from(sampler.sample(k))).toEqual(Array.from(seqs[0].subarray(0, C.patchLength * 4)));
  });

  it('pairs same-named files for conversion in one or both directions', () => {
    const files = [file('x/song.abc', 5), file('x/song.mid', 6), file('x/other.abc', 5), file('x/lone.mid', 2)];
    const one = conversionPairs(files, parseConversionMode('abc->mid') ?? []);
    expect(one.map((p) => [p.input.name, p.target.name])).toEqual([['x/song.abc', 'x/song.mid']]);
    const both = conversionPairs(files, parseConversionMode('abc&mid') ?? []);
    expect(both).toHaveLength(2);
    const seq = buildSequences(C, [], one)[0];
    // abc start patch, 5 bytes in 2 patches, then the mid start patch: no end patch between them.
    expect(seq.length / 4).toBe(1 + 2 + 1 + 2 + 1);
    expect(Array.from(seq.subarray(12, 16))).toEqual([109, 105, 100, 256]);
  });

  it('reads a folder, holds out eval/ or a seeded tenth, and skips empty files', async () => {
    const dir = tempDir('bgpt-folder-');
    for (let i = 0; i < 10; i++) writeFileSync(`${dir}/f${i}.txt`, `file ${i}`);
    writeFileSync(`${dir}/empty.txt`, '');
    const split = await readFolder(dir, 3);
    expect(split.train).toHaveLength(9);
    expect(split.eval).toHaveLength(1);
    expect(split.skipped).toEqual([{ path: `${dir}/empty.txt`, reason: 'empty file' }]);
    expect((await readFolder(dir, 3)).eval[0].name).toBe(split.eval[0].name);
    mkdirSync(`${dir}/eval`);
    writeFileSync(`${dir}/eval/held.txt`, 'held out');
    const withDir = await readFolder(dir, 3);
    expect(withDir.train).toHaveLength(10);
    expect(withDir.eval.map((f) => f.name)).toEqual([`${dir}/eval/held.txt`]);
    await expect(readFolder(`${dir}/nope`, 0)).rejects.toThrow(/no such folder/);
  });

  it('trains in conversion mode', async () => {
    const pairs = conversionPairs([file('a.abc', 9), file('a.mid', 7, 97)], [{ from: 'abc', to: 'mid' }]);
    const r = await train({ config: C, files: [], pairs, evalPairs: pairs, steps: 3, batchSize: 1, out: tempDir('bgpt-conv-'), backend: 'wasm' });
    expect(r.steps).toBe(3);
    expect(r.evalLoss).toBeGreaterThan(0);
  });
});
