// The WebAssembly kernels: the committed binary is kernels.wat compiled, and each kernel matches a plain
// float64 loop, tails (sizes not a multiple of 4) included.
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import { compileWat, kernelsModuleSource, WAT_PATH } from '../../../../src-main/engine/infer/build-kernels';
import { KERNELS_WASM_BASE64 } from '../../../../src-main/engine/infer/kernels-wasm';
import { Arena } from '../../../../src-main/engine/infer/arena';

/** Deterministic values in [-1, 1) without a library RNG. */
function values(n: number, salt: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) * 0.999);
}

function setup(sizes: number[]): { arena: Arena; ptrs: number[] } {
  const arena = new Arena();
  const ptrs = sizes.map((n, i) => arena.put(values(n, i + 1)));
  arena.seal();
  return { arena, ptrs };
}

function read(arena: Arena, ptr: number, n: number): number[] {
  return Array.from(arena.heap.subarray(ptr >> 2, (ptr >> 2) + n));
}

describe('kernels binary', () => {
  it('is kernels.wat compiled (run build-kernels.ts after editing the .wat)', async () => {
    const binary = await compileWat(await fs.readFile(WAT_PATH, 'utf8'));
    expect(Buffer.from(binary).toString('base64')).toBe(KERNELS_WASM_BASE64);
    expect(kernelsModuleSource(binary)).toBe(await fs.readFile(WAT_PATH.replace(/kernels\.wat$/, 'kernels-wasm.ts'), 'utf8'));
  });
});

describe('matvec_io (Conv1D layout [in, out])', () => {
  for (const [nin, nout] of [[64, 192], [7, 13], [3, 5], [9, 4], [5, 28]]) {
    for (const acc of [0, 1] as const) {
      it(`matches a plain loop for ${nin}x${nout}, accumulate ${acc}`, () => {
        const { arena, ptrs: [x, w, b, y] } = setup([nin, nin * nout, nout, nout]);
        const xs = read(arena, x, nin), ws = read(arena, w, nin * nout), bs = read(arena, b, nout), y0 = read(arena, y, nout);
        arena.kernels.matvec_io(x, w, b, y, nin, nout, acc);
        const got = read(arena, y, nout);
        for (let j = 0; j < nout; j++) {
          let s = bs[j] + (acc ? y0[j] : 0);
          for (let i = 0; i < nin; i++) s += xs[i] * ws[i * nout + j];
          expect(got[j]).toBeCloseTo(s, 5);
        }
      });
    }
  }
});

describe('matvec_oi (Linear layout [out, in])', () => {
  for (const [nin, nout] of [[64, 257], [6, 3]]) {
    it(`matches a plain loop for ${nin}x${nout}`, () => {
      const { arena, ptrs: [x, w, y] } = setup([nin, nin * nout, nout]);
      const xs = read(arena, x, nin), ws = read(arena, w, nin * nout);
      arena.kernels.matvec_oi(x, w, y, nin, nout);
      const got = read(arena, y, nout);
      for (let o = 0; o < nout; o++) {
        let s = 0;
        for (let i = 0; i < nin; i++) s += ws[o * nin + i] * xs[i];
        expect(got[o]).toBeCloseTo(s, 5);
      }
    });
  }
});

describe('attention kernels', () => {
  it('attn_scores and attn_mix read one head out of [pos, d] rows', () => {
    const d = 12, hd = 5, off = 6, npos = 3;
    const { arena, ptrs: [q, k, v, s, out] } = setup([d, npos * d, npos * d, npos, hd]);
    const qs = read(arena, q, d), ks = read(arena, k, npos * d), vs = read(arena, v, npos * d);
    arena.kernels.attn_scores(q + off * 4, k + off * 4, s, npos, hd, d * 4, 0.5);
    const scores = read(arena, s, npos);
    for (let t = 0; t < npos; t++) {
      let dot = 0;
      for (let i = 0; i < hd; i++) dot += qs[off + i] * ks[t * d + off + i];
      expect(scores[t]).toBeCloseTo(0.5 * dot, 5);
    }
    arena.kernels.attn_mix(s, v + off * 4, out, npos, hd, d * 4);
    const mixed = read(arena, out, hd);
    for (let i = 0; i < hd; i++) {
      let m = 0;
      for (let t = 0; t < npos; t++) m += scores[t] * vs[t * d + off + i];
      expect(mixed[i]).toBeCloseTo(m, 5);
    }
  });
});

describe('arena', () => {
  it('gives separate arenas separate memory, and refuses allocation once sealed', () => {
    const a = setup([4]);
    const b = setup([4]);
    a.arena.heap[a.ptrs[0] >> 2] = 42;
    expect(b.arena.heap[b.ptrs[0] >> 2]).not.toBe(42);
    expect(() => a.arena.alloc(1)).toThrow(/sealed/);
  });
});

describe('gelu', () => {
  it('matches GPT-2\'s tanh-approximated GELU within 1e-6 from -12 to 12', () => {
    const n = 2400;
    const arena = new Arena();
    const inputs = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / n);
    const x = arena.put(inputs);
    arena.seal();
    arena.kernels.gelu(x, n);
    const got = arena.heap.subarray(x >> 2, (x >> 2) + n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const u = inputs[i];
      const want = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u ** 3)));
      worst = Math.max(worst, Math.abs(got[i] - want));
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('layer_norm', () => {
  for (const d of [64, 7]) {
    it(`normalises ${d} values as torch.nn.LayerNorm does`, () => {
      const { arena, ptrs: [x, w, b, out] } = setup([d, d, d, d]);
      const xs = read(arena, x, d), ws = read(arena, w, d), bs = read(arena, b, d);
      arena.kernels.layer_norm(x, w, b, out, d, 1e-5);
      const mean = xs.reduce((a, v) => a + v, 0) / d;
      const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
      const got = read(arena, out, d);
      for (let i = 0; i < d; i++) expect(got[i]).toBeCloseTo(((xs[i] - mean) / Math.sqrt(variance + 1e-5)) * ws[i] + bs[i], 5);
    });
  }
});

describe('matmat_io / matmat_oi (several samples per weight read)', () => {
  for (const [nin, nout, rows] of [[64, 192, 3], [7, 13, 2], [9, 4, 5], [5, 28, 1]]) {
    it(`give each of ${rows} samples exactly matvec_io / matvec_oi's result for ${nin}x${nout}`, () => {
      const { arena, ptrs: [x, w, b, y, y1, woi, z, z1] } = setup([rows * nin, nin * nout, nout, rows * nout, nout, nout * nin, rows * nout, nout]);
      for (const acc of [0, 1] as const) {
        const y0 = read(arena, y, rows * nout);
        arena.kernels.matmat_io(x, w, b, y, nin, nout, acc, rows, nout);
        for (let r = 0; r < rows; r++) {
          arena.heap.set(y0.slice(r * nout, (r + 1) * nout), y1 >> 2);
          arena.kernels.matvec_io(x + r * nin * 4, w, b, y1, nin, nout, acc);
          expect(read(arena, y, rows * nout).slice(r * nout, (r + 1) * nout)).toEqual(read(arena, y1, nout));
        }
      }
      arena.kernels.matmat_oi(x, woi, z, nin, nout, rows, nout);
      for (let r = 0; r < rows; r++) {
        arena.kernels.matvec_oi(x + r * nin * 4, woi, z1, nin, nout);
        expect(read(arena, z, rows * nout).slice(r * nout, (r + 1) * nout)).toEqual(read(arena, z1, nout));
      }
    });
  }
});
