import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  conversionSequence, cropSequence, cropStart, extOf, fileSequence, fitsWindow, parseConversionMode, SPECIAL, startPatch,
} from '../../../src-main/shared/patches';

const DIR = new URL('../../fixtures/parity/tiny-a/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8')) as Record<string, { ext: string; input_ids: number[]; num_patches: number }>;

describe('patch codec', () => {
  it('reproduces the reference input_ids of every parity file', () => {
    for (const [name, e] of Object.entries(expected)) {
      const bytes = new Uint8Array(readFileSync(new URL(name, DIR)));
      expect(extOf(name)).toBe(e.ext);
      const seq = cropSequence(fileSequence(bytes, extOf(name), 16), 16, 64);
      expect(Array.from(seq)).toEqual(e.input_ids);
      expect(seq.length / 16).toBe(e.num_patches);
    }
  });

  it('takes the text after the last dot as the extension, or the whole name', () => {
    expect(extOf('/a/b.c/song.mid')).toBe('mid');
    expect(extOf('README')).toBe('README');
    expect(Array.from(startPatch('abc', 4))).toEqual([97, 98, 99, SPECIAL]);
    expect(Array.from(startPatch('abcdef', 4))).toEqual([97, 98, 99, 100]);
  });

  it('pads the last data patch and appends an end patch', () => {
    const seq = fileSequence(new Uint8Array([1, 2, 3, 4, 5]), 'x', 4);
    expect(Array.from(seq)).toEqual([120, 256, 256, 256, 1, 2, 3, 4, 5, 256, 256, 256, 256, 256, 256, 256]);
    expect(fitsWindow(5, { patchSize: 4, patchLength: 4 })).toBe(true);
    expect(fitsWindow(9, { patchSize: 4, patchLength: 4 })).toBe(false);
  });

  it('crops at the head, the tail, or a seeded body offset', () => {
    expect(cropStart(10, 4, 'head', () => 0.5)).toBe(0);
    expect(cropStart(10, 4, 'tail', () => 0.5)).toBe(6);
    expect(cropStart(10, 4, 'body', () => 0.5)).toBe(4);
    expect(cropStart(10, 4, 'body', () => 0)).toBe(1);
    expect(cropStart(10, 4, 'body', () => 0.9999)).toBe(6);
    expect(cropStart(3, 4, 'tail', () => 0.5)).toBe(0);
    const seq = Int32Array.from({ length: 40 }, (_, i) => i);
    expect(Array.from(cropSequence(seq, 4, 2, 3))).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('builds conversion pairs as the reference: input without its end patch, then the target', () => {
    const seq = conversionSequence(new Uint8Array([1, 2]), 'a', new Uint8Array([3]), 'b', 2);
    expect(Array.from(seq)).toEqual([97, 256, 1, 2, 98, 256, 3, 256, 256, 256]);
    expect(parseConversionMode('abc->mid')).toEqual([{ from: 'abc', to: 'mid' }]);
    expect(parseConversionMode('abc&mid')).toEqual([{ from: 'abc', to: 'mid' }, { from: 'mid', to: 'abc' }]);
    expect(parseConversionMode('abc')).toBeNull();
    expect(parseConversionMode('a->')).toBeNull();
    expect(parseConversionMode('a->b->c')).toBeNull();
  });
});
