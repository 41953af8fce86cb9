// Inference weights in smaller formats (docs/performance.md, "Smaller weights"): float16, and Q8_0 blocks
// (llama.cpp's shape: 32 int8 weights and one scale). A matrix is packed [nout, ld], one output row's
// weights contiguous and zero-padded to ld, in the layout kernels.wat's matmat_f16 / matmat_q8 read.
// Packing happens at load, after any merge of adapters into the float32 weights.

import { PRECISIONS, type Precision } from '../../shared/config';

export { PRECISIONS, type Precision };

/** Weights per Q8_0 block (and per activation block). */
export const Q8_BLOCK = 32;
/** float16 rows are padded to whole 16-byte vectors. */
export const F16_ALIGN = 8;

/** Whether `s` names a precision. */
export function isPrecision(s: unknown): s is Precision {
  return typeof s === 'string' && (PRECISIONS as readonly string[]).includes(s);
}

/** The row length a packed matrix of `nin` inputs is stored with. */
export function packedLd(precision: Exclude<Precision, 'f32'>, nin: number): number {
  const a = precision === 'q8' ? Q8_BLOCK : F16_ALIGN;
  return Math.ceil(nin / a) * a;
}

/** Bytes a packed [nout, nin] matrix takes: weights, then (q8) the float32 scales (rows padded to a multiple of 4). */
export function packedBytes(precision: Exclude<Precision, 'f32'>, nin: number, nout: number): { weights: number; scales: number } {
  const ld = packedLd(precision, nin);
  return precision === 'q8' ? { weights: nout * ld, scales: Math.ceil(nout / 4) * 4 * (ld / Q8_BLOCK) * 4 } : { weights: nout * ld * 2, scales: 0 };
}

/**
 * Where the scale of row o, block j of a Q8_0 matrix with nb blocks a row lies: the scales of four
 * consecutive rows are stored together, block by block, so matmat_q8 loads them as one vector.
 */
export function q8ScaleIndex(o: number, j: number, nb: number): number {
  return ((o >> 2) * nb + j) * 4 + (o & 3);
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * IEEE float16 bits of `v`, rounded to nearest (ties to even). Magnitudes below the smallest normal
 * float16 (2^-14, 6.1e-5) become 0 or ±2^-14, whichever is nearer, so the kernels never decode a
 * subnormal (slow on x86); beyond 65504 they saturate (no infinities from finite weights).
 */
export function toHalf(v: number): number {
  F32[0] = v;
  const bits = U32[0];
  const sign = (bits >>> 16) & 0x8000;
  const a = Math.abs(F32[0]);
  if (Number.isNaN(a)) return sign | 0x7e00;
  if (a < 2 ** -14) return a >= 2 ** -15 ? sign | 0x0400 : sign;
  if (a >= 65504) return sign | 0x7bff;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15; // 1..30 here
  const mant = bits & 0x7fffff;
  // Round the 23-bit mantissa to 10 bits, ties to even; a carry into the exponent is the right answer.
  const rest = mant & 0x1fff;
  let h = (exp << 10) | (mant >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1;
  return sign | Math.min(h, 0x7bff);
}

/** The value of float16 bits `h` (any, subnormals included). */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A matrix as the kernels see it: `rowOf(o)` gives the float32 weights of output o (nin values). */
export interface RowSource {
  nin: number;
  nout: number;
  /** Writes output row o's nin weights into `into`. */
  row(o: number, into: Float32Array): void;
}

/**
 * A GPT-2 Conv1D weight (PyTorch [nin, nout], y = x·W): output o's weights are column o, so the matrix
 * is transposed once, in tiles, into `buffer` (reused between matrices when it is large enough).
 */
export function conv1dRows(data: Float32Array, nin: number, nout: number, buffer?: Float32Array): RowSource {
  const t = buffer && buffer.length >= nin * nout ? buffer.subarray(0, nin * nout) : new Float32Array(nin * nout);
  const TILE = 64;
  for (let k0 = 0; k0 < nin; k0 += TILE) {
    for (let o0 = 0; o0 < nout; o0 += TILE) {
      const k1 = Math.min(k0 + TILE, nin);
      const o1 = Math.min(o0 + TILE, nout);
      for (let k = k0; k < k1; k++) for (let o = o0; o < o1; o++) t[o * nin + k] = data[k * nout + o];
    }
  }
  return linearRows(t, nin, nout);
}

/** A torch Linear weight ([nout, nin], y = W·x): output o's weights are row o. */
export function linearRows(data: Float32Array, nin: number, nout: number): RowSource {
  return { nin, nout, row: (o, into) => into.set(data.subarray(o * nin, (o + 1) * nin)) };
}

/** Packs `src` as float16 [nout, ld] into `out` (Uint16, nout·ld values; the padding stays zero). */
export function packF16(src: RowSource, out: Uint16Array): void {
  const ld = packedLd('f16', src.nin);
  const row = new Float32Array(src.nin);
  for (let o = 0; o < src.nout; o++) {
    src.row(o, row);
    const base = o * ld;
    for (let k = 0; k < src.nin; k++) out[base + k] = toHalf(row[k]);
  }
}

/**
 * Packs `src` as Q8_0 [nout, ld] into `q` (Int8, nout·ld) and `scales` (Float32, see q8ScaleIndex): per block
 * of 32 weights of a row, scale d = max|w| / 127 and q = round(w / d), as llama.cpp's quantize_row_q8_0.
 */
export function packQ8(src: RowSource, q: Int8Array, scales: Float32Array): void {
  const ld = packedLd('q8', src.nin);
  const nb = ld / Q8_BLOCK;
  const row = new Float32Array(ld);
  for (let o = 0; o < src.nout; o++) {
    src.row(o, row);
    for (let j = 0; j < nb; j++) {
      const k0 = j * Q8_BLOCK;
      const k1 = Math.min(k0 + Q8_BLOCK, src.nin);
      let amax = 0;
      for (let k = k0; k < k1; k++) amax = Math.max(amax, Math.abs(row[k]));
      const d = Math.fround(amax / 127);
      const inv = d > 0 ? 1 / d : 0;
      scales[q8ScaleIndex(o, j, nb)] = d;
      for (let k = k0; k < k1; k++) q[o * ld + k] = Math.max(-127, Math.min(127, roundHalfEven(row[k] * inv)));
    }
  }
}

/** The float32 value a Q8_0 weight stands for (tests, accuracy checks). */
export function q8Value(q: Int8Array, scales: Float32Array, ld: number, o: number, k: number): number {
  return q[o * ld + k] * scales[q8ScaleIndex(o, Math.floor(k / Q8_BLOCK), ld / Q8_BLOCK)];
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds ties up; ties to even (as f32x4.nearest does for the activations) instead.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
