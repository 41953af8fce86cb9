// BMP view model: BITMAPFILEHEADER + BITMAPINFOHEADER (or V4/V5, or the OS/2 core header) with
// uncompressed 1/4/8-bit paletted, 24-bit and 32-bit rows (Microsoft "Bitmap Storage" spec), decoded to
// RGBA with each pixel's byte offset in the file so surprisal can colour pixels.
import { issue, type ParseIssue } from './types';

export interface BmpView {
  width: number;
  height: number;
  bitsPerPixel: number;
  /** width*height*4, row 0 at the top; missing pixels stay transparent. */
  rgba: Uint8ClampedArray;
  /** File offset of each pixel's first byte, -1 where the file ended first. */
  offsets: Int32Array;
  issues: ParseIssue[];
}

/** Decoding stops above this many pixels so a hostile header cannot allocate gigabytes. */
const MAX_PIXELS = 4096 * 4096;
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const CORE_HEADER = 12;

interface Header {
  width: number;
  height: number;
  topDown: boolean;
  bpp: number;
  compression: number;
  dataOffset: number;
  palette: Uint8Array[];
}

function failed(issues: ParseIssue[], h?: Partial<Header>): BmpView {
  return { width: h?.width ?? 0, height: h?.height ?? 0, bitsPerPixel: h?.bpp ?? 0, rgba: new Uint8ClampedArray(0), offsets: new Int32Array(0), issues };
}

function readPalette(bytes: Uint8Array, at: number, count: number, entry: number): Uint8Array[] {
  const colours: Uint8Array[] = [];
  for (let i = 0; i < count && at + i * entry + 3 <= bytes.length; i++) {
    const p = at + i * entry;
    colours.push(Uint8Array.of(bytes[p + 2], bytes[p + 1], bytes[p])); // stored as B, G, R
  }
  return colours;
}

function readHeader(bytes: Uint8Array, dv: DataView): Header {
  const infoSize = dv.getUint32(14, true);
  const core = infoSize === CORE_HEADER;
  const width = core ? dv.getUint16(18, true) : dv.getInt32(18, true);
  const rawHeight = core ? dv.getUint16(20, true) : dv.getInt32(22, true);
  const bpp = dv.getUint16(core ? 24 : 28, true);
  const compression = core ? BI_RGB : dv.getUint32(30, true);
  const used = core ? 0 : dv.getUint32(46, true);
  const paletteCount = bpp <= 8 ? used || 1 << bpp : 0;
  const paletteAt = 14 + infoSize + (compression === BI_BITFIELDS && infoSize === 40 ? 12 : 0);
  return {
    width, height: Math.abs(rawHeight), topDown: rawHeight < 0, bpp, compression, dataOffset: dv.getUint32(10, true),
    palette: readPalette(bytes, paletteAt, paletteCount, core ? 3 : 4),
  };
}

function problem(h: Header, bytes: Uint8Array): string | null {
  if (h.width <= 0 || h.height <= 0) return `image size ${h.width}x${h.height} is not positive`;
  if (h.width * h.height > MAX_PIXELS) return `image size ${h.width}x${h.height} is over the ${MAX_PIXELS}-pixel limit`;
  if (![1, 4, 8, 24, 32].includes(h.bpp)) return `${h.bpp} bits per pixel is not supported (1, 4, 8, 24, 32)`;
  if (h.compression !== BI_RGB && !(h.compression === BI_BITFIELDS && h.bpp === 32)) return `compression ${h.compression} is not supported (uncompressed only)`;
  if (h.dataOffset >= bytes.length) return `pixel data offset ${h.dataOffset} is past the end of the ${bytes.length}-byte file`;
  return null;
}

/** RGB of the pixel at column x of a row starting at `row` (paletted pixels pack MSB first). */
function pixelRgb(bytes: Uint8Array, row: number, x: number, h: Header): [number, number, number] {
  if (h.bpp >= 24) {
    const p = row + x * (h.bpp / 8);
    return [bytes[p + 2], bytes[p + 1], bytes[p]];
  }
  const bit = x * h.bpp;
  const index = (bytes[row + (bit >> 3)] >> (8 - h.bpp - (bit & 7))) & ((1 << h.bpp) - 1);
  const c = h.palette[index];
  return c ? [c[0], c[1], c[2]] : [0, 0, 0];
}

/** Decodes a BMP as far as its bytes go; a truncated file keeps the rows it has. */
export function parseBmp(bytes: Uint8Array): BmpView {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return failed([issue('not a BMP file: it does not start with "BM"', 0)]);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 14 + dv.getUint32(14, true) || bytes.length < 54) return failed([issue('the file ends inside the BMP header', bytes.length)]);
  const h = readHeader(bytes, dv);
  const why = problem(h, bytes);
  if (why) return failed([issue(why, 18)], h);
  const issues: ParseIssue[] = [];
  const stride = Math.ceil((h.width * h.bpp) / 32) * 4; // rows are padded to 4 bytes
  const rgba = new Uint8ClampedArray(h.width * h.height * 4);
  const offsets = new Int32Array(h.width * h.height).fill(-1);
  const pixelBytes = Math.ceil(h.bpp / 8);
  for (let r = 0; r < h.height; r++) {
    const row = h.dataOffset + r * stride;
    const y = h.topDown ? r : h.height - 1 - r;
    for (let x = 0; x < h.width; x++) {
      const at = row + Math.floor((x * h.bpp) / 8);
      if (at + pixelBytes > bytes.length) continue;
      const i = y * h.width + x;
      const [r, g, b] = pixelRgb(bytes, row, x, h);
      rgba[i * 4] = r;
      rgba[i * 4 + 1] = g;
      rgba[i * 4 + 2] = b;
      rgba[i * 4 + 3] = 255;
      offsets[i] = at;
    }
  }
  const expected = h.dataOffset + stride * h.height;
  if (bytes.length < expected) issues.push(issue(`pixel data is truncated: ${expected - bytes.length} bytes missing, the rest of the image is left blank`, bytes.length));
  return { width: h.width, height: h.height, bitsPerPixel: h.bpp, rgba, offsets, issues };
}
