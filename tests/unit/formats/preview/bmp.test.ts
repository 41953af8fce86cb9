import { describe, it, expect } from 'vitest';
import { parseBmp } from '../../../../src-main/formats/preview/bmp';
import { fixture } from './fixtures';

function pixel(view: ReturnType<typeof parseBmp>, x: number, y: number): number[] {
  const i = (y * view.width + x) * 4;
  return Array.from(view.rgba.subarray(i, i + 4));
}

describe('parseBmp', () => {
  const bytes = fixture('cross24.bmp');

  it('decodes a 32×32 24-bit bottom-up BMP to RGBA, top row first', () => {
    const view = parseBmp(bytes);
    expect(view.issues).toEqual([]);
    expect([view.width, view.height, view.bitsPerPixel]).toEqual([32, 32, 24]);
    expect(pixel(view, 0, 0)).toEqual([0, 0, 255, 255]); // on the cross
    expect(pixel(view, 5, 2)).toEqual([40, 16, 40, 255]); // R = x*8, G = y*8, B = 40
  });

  it('gives every pixel its byte offset (last file row is the top image row)', () => {
    const view = parseBmp(bytes);
    expect(view.offsets[0]).toBe(54 + 31 * 96);
    expect(view.offsets[32 * 32 - 1]).toBe(54 + 31 * 3);
    expect(bytes[view.offsets[2 * 32 + 5] + 2]).toBe(40); // red byte of pixel (5, 2)
  });

  it('reads paletted 8-bit images', () => {
    const palette = 256 * 4;
    const out = new Uint8Array(54 + palette + 4 * 2);
    const dv = new DataView(out.buffer);
    out.set([0x42, 0x4d]);
    dv.setUint32(10, 54 + palette, true);
    dv.setUint32(14, 40, true);
    dv.setInt32(18, 2, true);
    dv.setInt32(22, -2, true); // top-down
    dv.setUint16(28, 8, true);
    out.set([0, 0, 200, 0], 54 + 7 * 4); // palette entry 7 = red (B, G, R, 0)
    out.set([7, 0, 0, 0, 0, 7], 54 + palette);
    const view = parseBmp(out);
    expect(view.issues).toEqual([]);
    expect(pixel(view, 0, 0)).toEqual([200, 0, 0, 255]);
    expect(pixel(view, 1, 1)).toEqual([200, 0, 0, 255]);
    expect(pixel(view, 1, 0)).toEqual([0, 0, 0, 255]);
  });

  it('keeps the rows of a truncated file and leaves the rest blank', () => {
    const view = parseBmp(bytes.subarray(0, 54 + 96 * 10));
    expect(view.issues[0].message).toMatch(/truncated: 2112 bytes missing/);
    expect(pixel(view, 3, 31)[3]).toBe(255); // bottom rows come first in the file
    expect(pixel(view, 3, 0)).toEqual([0, 0, 0, 0]);
    expect(view.offsets[0]).toBe(-1);
  });

  it('explains what it cannot decode', () => {
    const rle = bytes.slice();
    rle[30] = 1; // BI_RLE8
    expect(parseBmp(rle).issues[0].message).toMatch(/compression 1 is not supported/);
    expect(parseBmp(new Uint8Array(60)).issues[0].message).toMatch(/not a BMP/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setInt32(18, 1_000_000, true);
    expect(parseBmp(huge).issues[0].message).toMatch(/over the \d+-pixel limit/);
  });
});
