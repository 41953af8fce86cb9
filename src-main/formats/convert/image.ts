// Images → the paper's 32×32 24-bit BMP (bGPT §4.1 prepares CIFAR-10 / ImageNet this way).
// PNG is decoded by the maintained `fast-png`, JPEG by `jpeg-js` (pure JS, so the same code runs in
// the renderer: the import panel converts dropped photos before upload), BMP by our reader (../bmp).
// The resize is a box filter (area average) over a centred square crop, written here: it is a few lines.
import { decode as decodePng } from 'fast-png';
import { Unzlib } from 'fflate';
import { decode as decodeJpeg } from 'jpeg-js';
import { decodeBmp, encodeBmp24, PAPER_IMAGE_SIZE, type RgbaImage } from '../bmp';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
/** SOI marker then the first marker's 0xFF (JPEG, ITU-T T.81 §B.1.1.3). */
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
/**
 * Largest image decoded (docs/security.md, "Unbounded memory"): a 24-megapixel camera photo fits. A
 * 100 KB PNG or JPEG may declare 20000×20000 (400 Mpx, 1.6 GB of RGBA); its declared size is read and
 * refused before any pixel is decoded, in the renderer's import and in `bgpt datasets convert` alike.
 */
export const MAX_IMAGE_PIXELS = 40 * 1024 * 1024;
/** jpeg-js's own limits as well (its defaults are 100 MP / 512 MB). */
const JPEG_LIMITS = { maxResolutionInMP: 40, maxMemoryUsageInMB: 256 };

function checkPixels(kind: string, width: number, height: number): void {
  if (width <= 0 || height <= 0) throw new Error(`${kind} declares a ${width}×${height} image`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new Error(`${kind} of ${width}×${height} pixels is larger than the ${MAX_IMAGE_PIXELS / 2 ** 20}-megapixel limit for conversion`);
  }
}

const be32 = (b: Uint8Array, at: number): number => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];

/**
 * A PNG's declared size (IHDR, PNG spec §11.2.2), checked; then its IDAT stream inflated once to count
 * its bytes, without keeping them: fast-png holds the whole inflated stream, and a few KB of deflate can
 * claim gigabytes whatever the header says. Throws past either limit.
 */
function checkPng(bytes: Uint8Array): void {
  if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new Error('PNG without an IHDR header');
  const width = be32(bytes, 16), height = be32(bytes, 20), depth = bytes[24], color = bytes[25];
  checkPixels('PNG', width, height);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[color] ?? 4;
  // Scanlines with their filter byte; Adam7 interlacing adds at most a filter byte per pass row.
  const limit = height * (1 + Math.ceil((width * channels * Math.max(depth, 1)) / 8)) + 7 * height + 1024;
  let inflated = 0;
  const counter = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > limit) throw new Error(`PNG image data inflates past the ${limit} bytes its ${width}×${height} header allows`);
  });
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = be32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
    // In small slices: each pushed slice is inflated whole before it is counted (1 KiB → at most ~1 MiB).
    if (type === 'IDAT') for (let k = 0; k < data.length; k += 1024) counter.push(data.subarray(k, k + 1024), false);
    if (type === 'IEND') break;
    at += 12 + length;
  }
}

/** A JPEG's declared size (its SOFn frame header, ITU-T T.81 §B.2.2), checked before jpeg-js decodes it. */
function checkJpeg(bytes: Uint8Array): void {
  for (let at = 2; at + 9 < bytes.length; ) {
    if (bytes[at] !== 0xff) return; // not a marker where one must be: jpeg-js will say what is wrong
    const marker = bytes[at + 1];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; }
    if (marker === 0xda || marker === 0xd9) return; // scan data or end before any frame header
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const frame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (frame) return checkPixels('JPEG', (bytes[at + 7] << 8) | bytes[at + 8], (bytes[at + 5] << 8) | bytes[at + 6]);
    at += 2 + length;
  }
}

/** jpeg-js's RGBA output as typed arrays (useTArray: no Node Buffer, so it also runs in a browser). */
function jpegToRgba(bytes: Uint8Array): RgbaImage {
  checkJpeg(bytes);
  const img = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, ...JPEG_LIMITS });
  return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
}

/** Whether these bytes are an image imageToBmp can convert (PNG, JPEG or BMP), by their magic. */
export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | 'bmp' | null {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (JPEG_MAGIC.every((b, i) => bytes[i] === b)) return 'jpeg';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  return null;
}

/** fast-png's output (any channel count, 8 or 16 bits, palette) → 8-bit RGBA. */
function pngToRgba(bytes: Uint8Array): RgbaImage {
  checkPng(bytes);
  const png = decodePng(bytes);
  const { width, height, channels, depth } = png;
  const data = new Uint8Array(width * height * 4);
  const scale = depth === 16 ? 1 / 257 : depth < 8 ? 255 / (2 ** depth - 1) : 1;
  for (let p = 0; p < width * height; p++) {
    let rgba: number[];
    if (png.palette) {
      const entry = png.palette[png.data[p]] ?? [0, 0, 0];
      rgba = [entry[0], entry[1], entry[2], entry[3] ?? 255];
    } else {
      const px = Array.from({ length: channels }, (_, c) => Math.round(png.data[p * channels + c] * scale));
      rgba = channels >= 3 ? [px[0], px[1], px[2], px[3] ?? 255] : [px[0], px[0], px[0], px[1] ?? 255];
    }
    data.set(rgba, p * 4);
  }
  return { width, height, data };
}

/** Centre square crop (keeps the aspect ratio), then area-average each target pixel's source box. */
export function resizeSquare(img: RgbaImage, size: number): RgbaImage {
  const side = Math.min(img.width, img.height);
  const x0 = (img.width - side) / 2, y0 = (img.height - side) / 2;
  const data = new Uint8Array(size * size * 4);
  const step = side / size;
  for (let ty = 0; ty < size; ty++) {
    for (let tx = 0; tx < size; tx++) {
      const sum = [0, 0, 0, 0];
      let n = 0;
      const ys = Math.floor(y0 + ty * step), ye = Math.max(ys + 1, Math.floor(y0 + (ty + 1) * step));
      const xs = Math.floor(x0 + tx * step), xe = Math.max(xs + 1, Math.floor(x0 + (tx + 1) * step));
      for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++, n++) for (let c = 0; c < 4; c++) sum[c] += img.data[(y * img.width + x) * 4 + c];
      data.set(sum.map((s) => Math.round(s / n)), (ty * size + tx) * 4);
    }
  }
  return { width: size, height: size, data };
}

/** A PNG, JPEG or BMP file → a 32×32 24-bit BMP; throws with a reason for anything else. */
export function imageToBmp(bytes: Uint8Array, size = PAPER_IMAGE_SIZE): Uint8Array {
  let img: RgbaImage | string;
  const kind = imageKind(bytes);
  if (kind === 'png') img = pngToRgba(bytes);
  else if (kind === 'jpeg') img = jpegToRgba(bytes);
  else if (kind === 'bmp') img = decodeBmp(bytes);
  else img = 'only PNG, JPEG and BMP images can be converted';
  if (typeof img === 'string') throw new Error(img);
  return encodeBmp24(resizeSquare(img, size));
}
