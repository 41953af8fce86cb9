// Hostile files (docs/security.md items 5 and 8): a BMP whose width×height overflows is refused in one line,
// detection reads a bounded prefix (a large file is judged by its first 64 KiB and a UTF-8 sequence
// cut by the prefix does not make text look binary).
import { describe, expect, it } from 'vitest';
import { decodeBmp, detectModality, validateBmp } from '../../../src-main/formats';
import { DETECT_PREFIX_BYTES, detectionPrefix } from '../../../src-main/formats/modality';
import { MAX_BMP_PIXELS } from '../../../src-main/formats/bmp';

/** A BITMAPINFOHEADER BMP claiming the given size, with `pixels` bytes of pixel data. */
function bmpHeader(width: number, height: number, bpp = 24, pixels = 64): Uint8Array {
  const b = new Uint8Array(54 + pixels);
  const dv = new DataView(b.buffer);
  b[0] = 0x42; b[1] = 0x4d;
  dv.setUint32(2, b.length, true); dv.setUint32(10, 54, true); dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true); dv.setInt32(22, height, true); dv.setUint16(26, 1, true); dv.setUint16(28, bpp, true);
  return b;
}

describe('BMP size overflow', () => {
  it('refuses width×height past 2^31 pixels before any size arithmetic, in one line', () => {
    for (const [w, h] of [[0x7fffffff, 0x7fffffff], [65536, 65536], [1, -0x80000000 + 0]]) {
      const v = validateBmp(bmpHeader(w, h));
      expect(v.verdict).toBe('invalid');
      if (w * Math.abs(h) > MAX_BMP_PIXELS) expect(v.reason).toMatch(/overflows/);
      expect(v.reason).not.toMatch(/\n|e\+|\d{16,}/);
      expect(typeof decodeBmp(bmpHeader(w, h))).toBe('string');
    }
  });

  it('still reads an ordinary small BMP', () => {
    const b = bmpHeader(2, 2, 24, 16);
    expect(validateBmp(b).verdict).not.toBe('invalid');
    expect(decodeBmp(b)).toMatchObject({ width: 2, height: 2 });
  });
});

describe('bounded-prefix detection', () => {
  it('judges a large file by its prefix', () => {
    const big = new Uint8Array(8 * DETECT_PREFIX_BYTES).fill(0x61);
    big.set(new TextEncoder().encode('X:1\nT:t\nK:C\n'), 0);
    expect(detectModality(big, 'dat')).toBe('abc');
    big[big.length - 1] = 0x00; // past the prefix: detection does not read it (validation would)
    expect(detectModality(big, 'dat')).toBe('abc');
    big[10] = 0x00;
    expect(detectModality(big, 'dat')).toBe('binary');
  });

  it('does not split a UTF-8 sequence at the cut', () => {
    const text = new TextEncoder().encode('é'.repeat(DETECT_PREFIX_BYTES)); // 2 bytes each; offset cut falls inside one
    const odd = new Uint8Array(text.length + 1);
    odd[0] = 0x61;
    odd.set(text, 1);
    const p = detectionPrefix(odd);
    expect(p.length).toBeLessThanOrEqual(DETECT_PREFIX_BYTES);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(p)).toMatch(/^aé+$/);
    expect(detectModality(odd, 'txt')).toBe('text');
  });
});
