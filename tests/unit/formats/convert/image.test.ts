// Image decoding refuses by declared size before decoding (issue 20 item 6, docs/security.md): a 100 KB
// PNG declaring 20000×20000 used to make the renderer's import or `bgpt datasets convert` allocate
// gigabytes; a PNG whose tiny header hides a deflate bomb used to be inflated whole. Both paths
// (src-renderer/lib/image-import.ts and datasets/convert.ts) call the same converter, tested through each.
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { imageToBmp, MAX_IMAGE_PIXELS } from '../../../../src-main/formats/convert/image';
import { convertFile } from '../../../../src-main/datasets/convert';
import { convertImages } from '../../../../src-renderer/lib/image-import';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG declaring width×height, whose IDAT holds `rawBytes` zero bytes deflated. */
function png(width: number, height: number, rawBytes: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(rawBytes), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG that is only its SOI and a baseline frame header declaring width×height. */
function jpegHeader(width: number, height: number): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
}

const timed = (f: () => unknown): { ms: number; error: string } => {
  const t0 = performance.now();
  try {
    f();
    return { ms: performance.now() - t0, error: '' };
  } catch (err) {
    return { ms: performance.now() - t0, error: (err as Error).message };
  }
};

describe('image conversion refuses oversized images before decoding', () => {
  it('a 100 KB PNG declaring 20000×20000, through both import paths', () => {
    const bomb = png(20000, 20000, 100 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const direct = timed(() => imageToBmp(bomb));
    expect(direct.error).toBe(`PNG of 20000×20000 pixels is larger than the ${MAX_IMAGE_PIXELS / 2 ** 20}-megapixel limit for conversion`);
    expect(direct.ms).toBeLessThan(1000);
    expect(() => convertFile('huge.png', bomb)).toThrow(direct.error);
    const ui = convertImages([{ name: 'photos/huge.png', bytes: bomb }]);
    expect(ui.converted).toBe(0);
    expect(ui.failed[0].reason).toBe(`not converted (${direct.error}); imported as it is`);
  });

  it('a PNG whose 64×64 header hides 200 MB of deflated data', () => {
    const bomb = png(64, 64, 200 * 1024 * 1024);
    const r = timed(() => imageToBmp(bomb));
    expect(r.error).toMatch(/^PNG image data inflates past the \d+ bytes its 64×64 header allows$/);
    expect(r.ms).toBeLessThan(2000);
  });

  it('a JPEG declaring 20000×20000', () => {
    expect(timed(() => imageToBmp(jpegHeader(20000, 20000))).error).toBe(`JPEG of 20000×20000 pixels is larger than the ${MAX_IMAGE_PIXELS / 2 ** 20}-megapixel limit for conversion`);
  });

  it('still converts a real-sized PNG', () => {
    const ok = png(40, 30, 30 * (1 + 40 * 4));
    const bmp = imageToBmp(ok);
    expect(String.fromCharCode(bmp[0], bmp[1])).toBe('BM');
  });
});
