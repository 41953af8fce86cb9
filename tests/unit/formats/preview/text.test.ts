import { describe, it, expect } from 'vitest';
import { indexText, TextIndexer, textRows, hexRows, hexRowCount, MAX_ROW_BYTES } from '../../../../src-main/formats/preview/text';
import { fixture } from './fixtures';

describe('text view model', () => {
  const bytes = fixture('mixed.txt');
  const index = indexText(bytes);

  it('finds rows at newlines and counts invalid UTF-8 bytes', () => {
    expect(index.rowStarts.length).toBe(4);
    // 0xff; 0xc3 before '(' (bad continuation); 0xe2 0x82 cut by '\n' (each byte invalid)
    expect(index.invalidBytes).toBe(4);
    expect(index.firstInvalid).toBe(new TextEncoder().encode('Byte viewer sample: café, naïve, 日本語.\nA second line with a tab\there.\n').length);
  });

  it('decodes rows lazily into glyphs with byte offsets, marking invalid bytes', () => {
    const [first] = textRows(bytes, index, 0, 1);
    expect(first.map((g) => g.text).join('')).toBe('Byte viewer sample: café, naïve, 日本語.');
    const e = first.find((g) => g.text === 'é')!;
    expect(e.end - e.start).toBe(2);
    expect(first.find((g) => g.text === '日')!.end - first.find((g) => g.text === '日')!.start).toBe(3);
    const [third] = textRows(bytes, index, 2, 3);
    expect(third.map((g) => (g.invalid ? '!' : g.text)).join('')).toBe('!A!(!!');
    expect(third[0].start).toBe(index.firstInvalid);
  });

  it('wraps long lines so a row never exceeds MAX_ROW_BYTES', () => {
    const long = new Uint8Array(1000).fill(0x61);
    const idx = indexText(long);
    expect(idx.rowStarts.length).toBe(Math.ceil(1000 / MAX_ROW_BYTES));
    const multi = new TextEncoder().encode('é'.repeat(200));
    const rows = textRows(multi, indexText(multi), 0, 10);
    expect(rows.flat().every((g) => !g.invalid)).toBe(true); // wrapping never splits a character
  });

  it('numbers lines, not wrapped rows: the rows of one long line share its number', () => {
    const text = new TextEncoder().encode(`X:1\n${'a'.repeat(MAX_ROW_BYTES * 2 + 5)}\nK:D\n`);
    const idx = indexText(text);
    expect(idx.rowStarts.length).toBe(5);
    expect(Array.from(idx.rowLines)).toEqual([1, 2, 2, 2, 3]);
    expect(idx.lineCount).toBe(3);
    expect(index.lineCount).toBe(index.rowStarts.length);
  });

  it('rejects overlong, surrogate and out-of-range sequences', () => {
    for (const seq of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      expect(indexText(Uint8Array.from(seq)).invalidBytes).toBe(seq.length);
    }
  });

  it('gives the same index when built in small slices', () => {
    const big = Uint8Array.from({ length: 5000 }, (_, i) => [0x61, 0x0a, 0xc3, 0xa9, 0xff, 0xe6, 0x97, 0xa5][i % 8]);
    const indexer = new TextIndexer(big);
    let steps = 0;
    while (!indexer.step(97)) steps++;
    expect(steps).toBeGreaterThan(40);
    expect(indexer.result()).toEqual(indexText(big));
  });

  it('shows control characters as visible symbols', () => {
    const b = Uint8Array.from([0x00, 0x41, 0x1b]);
    expect(textRows(b, indexText(b), 0, 1)[0].map((g) => g.text).join('')).toBe('\u2400A\u241b');
  });
});

describe('hex view model', () => {
  it('builds only the requested rows', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i + 60);
    expect(hexRowCount(bytes.length)).toBe(3);
    const rows = hexRows(bytes, 1, 5);
    expect(rows.length).toBe(2);
    expect(rows[0].offset).toBe(16);
    expect(rows[0].hex[0]).toBe('4c');
    expect(rows[0].ascii).toBe('LMNOPQRSTUVWXYZ[');
    expect(rows[1].hex.length).toBe(8);
    expect(hexRows(Uint8Array.from([0, 0x7f, 0x41]), 0, 1)[0].ascii).toBe('..A');
  });
});
