// Smaller weights (pack.ts) and the kernels that read them (kernels.wat matmat_f16, quantize_q8, matmat_q8):
// float16 and Q8_0 round trips, and each kernel against a float64 loop over the values the format
// stands for, tails (sizes not a multiple of the block) and row ranges included.
import { describe, it, expect } from 'vitest';
import { Arena } from '../../../../src-main/engine/infer/arena';
import { fromHalf, toHalf, packF16, packQ8, packedBytes, packedLd, q8Value, conv1dRows, linearRows, q8ScaleIndex, Q8_BLOCK } from '../../../../src-main/engine/infer/pack';

/** Deterministic values in [-scale, scale) without a library RNG. */
function values(n: number, salt: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) * 0.999 * scale);
}

describe('float16', () => {
  it('round-trips every normal float16 exactly and keeps signs', () => {
    for (let h = 0; h < 0x10000; h++) {
      const exp = (h >>> 10) & 0x1f;
      if (exp === 0 || exp === 31) continue; // subnormals are flushed, inf/NaN never come from weights
      expect(toHalf(fromHalf(h))).toBe(h);
    }
  });

  it('rounds to the nearest float16, ties to even', () => {
    const xs = values(20000, 3, 4);
    for (const x of xs) {
      const h = toHalf(x);
      const v = fromHalf(h);
      // No float16 of the same sign is nearer: the neighbours one step away are not closer.
      for (const n of [h - 1, h + 1]) if (((n ^ h) & 0x8000) === 0 && (n & 0x7fff) !== 0x7fff) expect(Math.abs(fromHalf(n) - x)).toBeGreaterThanOrEqual(Math.abs(v - x));
      expect(Math.abs(v - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
    }
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('flushes subnormals to 0 or the smallest normal, and saturates', () => {
    expect(toHalf(1e-6)).toBe(0);
    expect(toHalf(-1e-6)).toBe(0x8000);
    expect(fromHalf(toHalf(5e-5))).toBe(2 ** -14);
    expect(fromHalf(toHalf(-4e-5))).toBe(-(2 ** -14));
    expect(fromHalf(toHalf(1e6))).toBe(65504);
    expect(fromHalf(toHalf(-1e6))).toBe(-65504);
  });
});

describe('Q8_0 blocks', () => {
  it('round-trips each weight within half a step of its block, the largest exactly', () => {
    const nin = 70, nout = 6; // a last, partial block of 6
    const w = values(nin * nout, 5, 0.1);
    const ld = packedLd('q8', nin);
    const q = new Int8Array(nout * ld);
    const scales = new Float32Array(packedBytes('q8', nin, nout).scales / 4);
    packQ8(linearRows(w, nin, nout), q, scales);
    for (let o = 0; o < nout; o++) {
      for (let j = 0; j < ld / Q8_BLOCK; j++) {
        const block = Array.from(w.subarray(o * nin + j * 32, o * nin + Math.min(nin, (j + 1) * 32)));
        const amax = Math.max(...block.map(Math.abs));
        const d = scales[q8ScaleIndex(o, j, ld / Q8_BLOCK)];
        expect(d).toBeCloseTo(amax / 127, 9);
        block.forEach((v, i) => expect(Math.abs(q8Value(q, scales, ld, o, j * 32 + i) - v)).toBeLessThanOrEqual(d / 2 + 1e-9));
        expect(Math.max(...block.map((_, i) => Math.abs(q[o * ld + j * 32 + i])))).toBe(127);
      }
      for (let k = nin; k < ld; k++) expect(q[o * ld + k]).toBe(0); // padding
    }
  });

  it('packs a zero block as zeros with scale 0', () => {
    const q = new Int8Array(32);
    const scales = new Float32Array(4);
    packQ8(linearRows(new Float32Array(32), 32, 1), q, scales);
    expect([...q].every((v) => v === 0)).toBe(true);
    expect(scales[0]).toBe(0);
  });

  it('reads a Conv1D matrix by its columns', () => {
    const nin = 5, nout = 3;
    const w = values(nin * nout, 2);
    const rows = conv1dRows(w, nin, nout);
    const row = new Float32Array(nin);
    rows.row(2, row);
    expect([...row]).toEqual([0, 1, 2, 3, 4].map((k) => w[k * nout + 2]));
  });
});

/** An arena with float32 buffers (x, bias, y) and the packed matrix. */
function setup(nin: number, nout: number, rows: number) {
  const a = new Arena();
  const x = a.put(values(rows * nin, 1, 2));
  const b = a.put(values(nout, 2, 0.5));
  const y0 = values(rows * nout, 3);
  const y = a.put(y0);
  const f16 = a.allocBytes(packedBytes('f16', nin, nout).weights);
  const qb = packedBytes('q8', nin, nout);
  const q8 = a.allocBytes(qb.weights);
  const q8s = a.allocBytes(qb.scales);
  const ldq = packedLd('q8', nin);
  const xq = a.allocBytes(rows * ldq * 2);
  const xd = a.alloc(rows * ldq / 32);
  a.seal();
  const w = values(nin * nout, 4, 0.05);
  const buf = a.heap.buffer;
  packF16(linearRows(w, nin, nout), new Uint16Array(buf, f16, nout * packedLd('f16', nin)));
  const q = new Int8Array(buf, q8, nout * ldq);
  const s = new Float32Array(buf, q8s, qb.scales / 4);
  packQ8(linearRows(w, nin, nout), q, s);
  const f = (p: number, n: number) => Array.from(a.heap.subarray(p >> 2, (p >> 2) + n));
  return { a, x, b, y, y0, f16, q8, q8s, xq, xd, w, q, s, ldq, f, xs: f(x, rows * nin), bs: f(b, nout) };
}

const SHAPES: Array<[number, number, number]> = [[64, 20, 1], [70, 13, 3], [37, 5, 2], [768, 9, 1]];

describe('matmat_f16', () => {
  for (const [nin, nout, rows] of SHAPES) {
    for (const acc of [0, 1] as const) {
      it(`is the product with the float16 weights for ${rows}x${nin} · ${nin}x${nout}, accumulate ${acc}`, () => {
        const e = setup(nin, nout, rows);
        const ld = packedLd('f16', nin);
        e.a.kernels.matmat_f16(e.x, e.f16, e.b, e.y, nin, ld, acc, rows, nout, nout);
        const got = e.f(e.y, rows * nout);
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < nout; o++) {
            let want = e.bs[o] + (acc ? e.y0[r * nout + o] : 0);
            let mag = Math.abs(want);
            for (let k = 0; k < nin; k++) {
              const t = e.xs[r * nin + k] * fromHalf(toHalf(e.w[o * nin + k]));
              want += t;
              mag += Math.abs(t);
            }
            // float32 accumulation: within a few units in the last place of the magnitudes summed.
            expect(Math.abs(got[r * nout + o] - want)).toBeLessThanOrEqual(mag * 4e-7 * Math.sqrt(nin) + 1e-30);
          }
        }
      });
    }
  }

  it('gives each sample, and any range of rows, exactly the bits of one sample over all rows', () => {
    const nin = 70, nout = 13, rows = 3;
    const e = setup(nin, nout, rows);
    const ld = packedLd('f16', nin);
    e.a.kernels.matmat_f16(e.x, e.f16, e.b, e.y, nin, ld, 0, rows, nout, nout);
    const all = e.f(e.y, rows * nout);
    for (let r = 0; r < rows; r++) {
      for (const [o0, o1] of [[0, 4], [4, 13], [5, 6], [8, 12]]) {
        e.a.kernels.matmat_f16(e.x + r * nin * 4, e.f16 + o0 * ld * 2, e.b + o0 * 4, e.y + (r * nout + o0) * 4, nin, ld, 0, 1, o1 - o0, nout);
      }
      expect(e.f(e.y, rows * nout).slice(r * nout, (r + 1) * nout)).toEqual(all.slice(r * nout, (r + 1) * nout));
    }
  });
});

describe('quantize_q8 and matmat_q8', () => {
  it('quantises activations per block of 32 as the rule says (ties to even, zero tail)', () => {
    const nin = 70, rows = 2;
    const e = setup(nin, 4, rows);
    e.a.kernels.quantize_q8(e.x, e.xq, e.xd, nin, rows, e.ldq);
    const q = new Int16Array(e.a.heap.buffer, e.xq, rows * e.ldq);
    const d = e.f(e.xd, rows * e.ldq / 32);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < e.ldq / 32; j++) {
        const block = e.xs.slice(r * nin + j * 32, r * nin + Math.min(nin, (j + 1) * 32));
        const s = Math.fround(Math.max(...block.map(Math.abs)) / 127);
        expect(d[r * (e.ldq / 32) + j]).toBe(s);
        const inv = Math.fround(1 / s);
        for (let i = 0; i < 32; i++) {
          const v = i < block.length ? Math.fround(block[i] * inv) : 0;
          const r0 = Math.round(v);
          const want = r0 - v === 0.5 && r0 % 2 !== 0 ? r0 - 1 : r0;
          expect(q[r * e.ldq + j * 32 + i]).toBe(want === 0 ? 0 : want);
        }
      }
    }
  });

  for (const [nin, nout, rows] of SHAPES) {
    for (const acc of [0, 1] as const) {
      it(`is the integer block product, scaled, for ${rows}x${nin} · ${nin}x${nout}, accumulate ${acc}; near the float32 product`, () => {
        const e = setup(nin, nout, rows);
        const k = e.a.kernels;
        k.quantize_q8(e.x, e.xq, e.xd, nin, rows, e.ldq);
        k.matmat_q8(e.xq, e.xd, e.q8, e.q8s, e.b, e.y, e.ldq, acc, rows, nout, nout);
        const got = e.f(e.y, rows * nout);
        const xq = new Int16Array(e.a.heap.buffer, e.xq, rows * e.ldq);
        const xd = e.f(e.xd, rows * e.ldq / 32);
        const nb = e.ldq / 32;
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < nout; o++) {
            const base = e.bs[o] + (acc ? e.y0[r * nout + o] : 0);
            let exact = 0;
            let mag = 0;
            let float = 0;
            for (let j = 0; j < nb; j++) {
              let isum = 0;
              for (let i = 0; i < 32; i++) isum += e.q[o * e.ldq + j * 32 + i] * xq[r * e.ldq + j * 32 + i];
              const t = isum * e.s[q8ScaleIndex(o, j, nb)] * xd[r * nb + j];
              exact += t;
              mag += Math.abs(t);
            }
            for (let i = 0; i < nin; i++) float += e.xs[r * nin + i] * e.w[o * nin + i];
            expect(Math.abs(got[r * nout + o] - (base + exact))).toBeLessThanOrEqual((mag + Math.abs(base)) * 1e-6 * Math.sqrt(nb) + 1e-30);
            // Both operands rounded to 8 bits per block: the product stays near the float32 one.
            let scale = 0;
            for (let i = 0; i < nin; i++) scale += Math.abs(e.xs[r * nin + i] * e.w[o * nin + i]);
            expect(Math.abs(exact - float)).toBeLessThanOrEqual(scale * 0.02);
          }
        }
      });
    }
  }

  it('gives each sample, and any range of rows (first row not a multiple of 4 included), exactly the bits of all rows at once', () => {
    const nin = 70, nout = 13, rows = 3;
    const e = setup(nin, nout, rows);
    const k = e.a.kernels;
    const nb = e.ldq / 32;
    k.quantize_q8(e.x, e.xq, e.xd, nin, rows, e.ldq);
    k.matmat_q8(e.xq, e.xd, e.q8, e.q8s, e.b, e.y, e.ldq, 0, rows, nout, nout);
    const all = e.f(e.y, rows * nout);
    for (let r = 0; r < rows; r++) {
      // One row at a time through the single-row path, wherever it lies in its group of four.
      for (let o = 0; o < nout; o++) {
        k.matmat_q8(e.xq + r * e.ldq * 2, e.xd + r * nb * 4, e.q8 + o * e.ldq, e.q8s + ((o >> 2) * nb * 4 + (o & 3)) * 4, e.b + o * 4, e.y + (r * nout + o) * 4, e.ldq, 0, 1, 1, nout);
      }
      expect(e.f(e.y, rows * nout).slice(r * nout, (r + 1) * nout)).toEqual(all.slice(r * nout, (r + 1) * nout));
    }
  });
});
