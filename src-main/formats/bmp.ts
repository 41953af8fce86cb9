// Windows BMP validation and repair (BITMAPFILEHEADER + BITMAPINFOHEADER family, uncompressed):
// fixes the file size, image size and planes fields and trailing bytes; rejects truncated pixels.
// Also writes the paper's 32×32 24-bit BMP and reads uncompressed 24/32-bit BMPs.
import { ascii, fixedOrValid, invalid, view, type Verdict } from './verdict';

const FILE_HEADER_BYTES = 14;
/** DIB header sizes in use: CORE (12), INFO (40), V2/V3 (52/56), V4 (108), V5 (124). */
const DIB_SIZES = [12, 40, 52, 56, 108, 124];
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BIT_DEPTHS = [1, 4, 8, 16, 24, 32];

interface BmpHeader { dib: number; width: number; height: number; planes: number; bpp: number; compression: number; imageSize: number; offset: number }

function readHeader(b: Uint8Array): BmpHeader | string {
  const dv = view(b);
  const dib = dv.getUint32(14, true);
  if (!DIB_SIZES.includes(dib) || FILE_HEADER_BYTES + dib > b.length) return `DIB header size ${dib} is not a BMP header`;
  const offset = dv.getUint32(10, true);
  if (dib === 12) {
    return { dib, width: dv.getUint16(18, true), height: dv.getInt16(20, true), planes: dv.getUint16(22, true), bpp: dv.getUint16(24, true), compression: BI_RGB, imageSize: 0, offset };
  }
  return { dib, width: dv.getInt32(18, true), height: dv.getInt32(22, true), planes: dv.getUint16(26, true), bpp: dv.getUint16(28, true), compression: dv.getUint32(30, true), imageSize: dv.getUint32(34, true), offset };
}

/** Largest width×height accepted at all: 2^31 pixels (beyond it int32 arithmetic overflows). */
export const MAX_BMP_PIXELS = 2 ** 31;
/** Largest image decoded to RGBA: 64 Mpx, 256 MiB of pixels (the paper's images are 32×32). */
export const MAX_DECODE_PIXELS = 2 ** 26;

/** Bytes per pixel row, padded to 4 bytes. */
const rowStride = (width: number, bpp: number): number => Math.ceil((width * bpp) / 32) * 4;

export function validateBmp(bytes: Uint8Array): Verdict {
  if (bytes.length < FILE_HEADER_BYTES + 12 || ascii(bytes, 0, 2) !== 'BM') return invalid('not a BMP file: no BM header');
  const h = readHeader(bytes);
  if (typeof h === 'string') return invalid(h);
  if (h.width <= 0 || h.height === 0) return invalid(`image size ${h.width}×${h.height} is empty or negative`);
  // Checked before any size arithmetic: width×height of two int32 fields overflows every integer type
  // a reader might use (docs/security.md), and no real BMP comes near this.
  if (h.width * Math.abs(h.height) > MAX_BMP_PIXELS) return invalid(`image size ${h.width}×${Math.abs(h.height)} overflows: over ${MAX_BMP_PIXELS} pixels`);
  if (!BIT_DEPTHS.includes(h.bpp)) return invalid(`${h.bpp} bits per pixel is not a BMP depth`);
  if (h.offset < FILE_HEADER_BYTES + h.dib || h.offset > bytes.length) return invalid(`pixel offset ${h.offset} is outside the file (${bytes.length} bytes)`);
  let out = bytes.slice();
  const fixes: string[] = [];
  const uncompressed = h.compression === BI_RGB || h.compression === BI_BITFIELDS;
  if (uncompressed) {
    const need = rowStride(h.width, h.bpp) * Math.abs(h.height);
    const present = bytes.length - h.offset;
    if (present < need) return invalid(`pixel data is ${present} bytes, ${h.width}×${Math.abs(h.height)} at ${h.bpp} bits needs ${need}`);
    // V4/V5 headers may place an ICC profile after the pixels: keep what follows them there.
    if (present > need && h.dib < 108) {
      fixes.push(`dropped ${present - need} bytes after the pixels`);
      out = out.slice(0, h.offset + need);
    }
    if (h.dib > 12 && h.imageSize !== 0 && h.imageSize !== need) {
      fixes.push(`image size said ${h.imageSize}, the pixels take ${need}`);
      view(out).setUint32(34, need, true);
    }
  }
  if (h.planes !== 1) {
    fixes.push(`planes said ${h.planes}, must be 1`);
    view(out).setUint16(h.dib === 12 ? 22 : 26, 1, true);
  }
  const fileSize = view(out).getUint32(2, true);
  if (fileSize !== out.length) {
    fixes.push(`file size said ${fileSize}, the file has ${out.length} bytes`);
    view(out).setUint32(2, out.length, true);
  }
  return fixedOrValid(fixes, out);
}

/** The paper's image format: 32×32 pixels, 24-bit. */
export const PAPER_IMAGE_SIZE = 32;

/** RGBA pixels, top row first. */
export interface RgbaImage { width: number; height: number; data: Uint8Array }

/** A 24-bit BI_RGB BMP (INFO header, bottom-up rows) of `image`; alpha is dropped. */
export function encodeBmp24(image: RgbaImage): Uint8Array {
  const stride = rowStride(image.width, 24);
  const offset = FILE_HEADER_BYTES + 40;
  const out = new Uint8Array(offset + stride * image.height);
  const dv = view(out);
  out[0] = 0x42; out[1] = 0x4d;
  dv.setUint32(2, out.length, true); dv.setUint32(10, offset, true); dv.setUint32(14, 40, true);
  dv.setInt32(18, image.width, true); dv.setInt32(22, image.height, true); dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true); dv.setUint32(34, stride * image.height, true);
  // 2835 pixels per metre = 72 dpi, the customary value.
  dv.setInt32(38, 2835, true); dv.setInt32(42, 2835, true);
  for (let y = 0; y < image.height; y++) {
    const row = offset + (image.height - 1 - y) * stride;
    for (let x = 0; x < image.width; x++) {
      const src = (y * image.width + x) * 4;
      out.set([image.data[src + 2], image.data[src + 1], image.data[src]], row + x * 3);
    }
  }
  return out;
}

/** Decodes an uncompressed 24- or 32-bit BMP to RGBA; anything else is a reason string. */
export function decodeBmp(bytes: Uint8Array): RgbaImage | string {
  const verdict = validateBmp(bytes);
  if (verdict.verdict === 'invalid') return verdict.reason ?? 'invalid BMP';
  const b = verdict.repaired ?? bytes;
  const h = readHeader(b) as BmpHeader;
  if (h.compression !== BI_RGB || (h.bpp !== 24 && h.bpp !== 32)) return `only uncompressed 24/32-bit BMPs can be read, this one is ${h.bpp}-bit with compression ${h.compression}`;
  const height = Math.abs(h.height);
  if (h.width * height > MAX_DECODE_PIXELS) return `image size ${h.width}×${height} is too large to decode (over ${MAX_DECODE_PIXELS} pixels)`;
  const stride = rowStride(h.width, h.bpp);
  const data = new Uint8Array(h.width * height * 4);
  for (let y = 0; y < height; y++) {
    // Positive height: rows are stored bottom-up.
    const row = h.offset + (h.height > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < h.width; x++) {
      const src = row + (x * h.bpp) / 8;
      data.set([b[src + 2], b[src + 1], b[src], 255], (y * h.width + x) * 4);
    }
  }
  return { width: h.width, height, data };
}
