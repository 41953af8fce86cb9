// How fast the inference kernels stream weights from memory on this machine, with one thread or several
// (docs/performance.md): a matrix far larger than any cache, 768 inputs a row as in the paper model, read
// by the LM-head step of the real code path (shard.ts, threads.ts), in the layout and kernel each
// precision uses. Generation of one sample cannot beat this rate divided by the weight bytes per byte.
import { Arena, kernelModule } from './arena';
import { packedBytes, packedLd, type Precision } from './pack';
import { PHASE, Shard, type Layout, type MatrixSlot, type StackSlots } from './shard';
import { ThreadPool } from './threads';

/** The paper model's width: the kernels see the row lengths of generation. */
const WIDTH = 768;

export interface BandwidthResult {
  precision: Precision;
  threads: number;
  /** Weight bytes in the matrix (float32: 4 a weight, float16: 2, Q8_0: 1.125). */
  matrixBytes: number;
  /** Weight bytes read per second of wall time, and per second of this process's CPU time. */
  bytesPerSecond: number;
  bytesPerCpuSecond: number;
  /** Weights multiplied per second (what bounds speed when the kernel, not memory, is the limit). */
  weightsPerSecond: number;
}

/** Streams a matrix of about `bytes` bytes `passes` times (after one untimed pass) on `threads` threads. */
export async function measureBandwidth(precision: Precision, threads: number, bytes = 256 * 2 ** 20, passes = 6): Promise<BandwidthResult> {
  const perWeight = precision === 'f32' ? 4 : precision === 'f16' ? 2 : 1.125;
  const nout = Math.floor(bytes / perWeight / WIDTH / 16) * 16;
  const a = new Arena();
  const ones = a.put(new Float32Array(WIDTH).fill(1));
  const zeros = a.alloc(Math.max(WIDTH, nout));
  const stack: StackSlots = { blocks: [], lnFw: ones, lnFb: zeros, wpe: 0, maxPos: 1, keys: [], values: [], slotBytes: 0 };
  let m: MatrixSlot;
  if (precision === 'f32') m = { nin: WIDTH, nout, layout: 'io', w: a.alloc(WIDTH * nout), ws: 0, b: zeros, ld: WIDTH };
  else {
    const p = packedBytes(precision, WIDTH, nout);
    m = { nin: WIDTH, nout, layout: 'packed', w: a.allocBytes(p.weights), ws: p.scales ? a.allocBytes(p.scales) : 0, b: zeros, ld: packedLd(precision, WIDTH) };
  }
  const ldq = packedLd('q8', 4 * WIDTH);
  const layout: Layout = {
    precision, d: WIDTH, heads: 1, headDim: WIDTH, vocab: nout, eps: 1e-5, stacks: [stack, stack], head: m,
    x: a.alloc(WIDTH), qkv: 0, att: 0, fc: 0, logits: a.alloc(nout),
    threads: Array.from({ length: threads }, () => ({ h: a.alloc(WIDTH), scores: 0, q: a.allocBytes(ldq * 2), qd: a.alloc(ldq / 32) })),
  };
  a.seal();
  fillWeights(a, precision, m);
  const x = a.heap.subarray(layout.x >>> 2, (layout.x >>> 2) + WIDTH);
  for (let i = 0; i < WIDTH; i++) x[i] = Math.sin(i);
  const own = new Shard(layout, a.kernels, a.heap, 0);
  const pool = threads > 1 ? await ThreadPool.start(kernelModule(), a.memory, layout, own, threads) : null;
  try {
    const step = { phase: PHASE.head, stack: 1 as const, layer: 0, rows: 1, prefill: false, pos: 0 };
    const run = () => (pool ? pool.run(step) : own.run(step));
    run(); // faults every page in, and compiles the kernels' optimised tier
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < passes; i++) run();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const matrixBytes = nout * WIDTH * perWeight;
    return {
      precision, threads, matrixBytes,
      bytesPerSecond: (matrixBytes * passes) / wall,
      bytesPerCpuSecond: (matrixBytes * passes) / ((c.user + c.system) / 1e6),
      weightsPerSecond: (nout * WIDTH * passes) / wall,
    };
  } finally {
    await pool?.close();
  }
}

/** Small, varied weights in the format (no need to pack 256 MB properly: the kernels' speed does not depend on the values). */
function fillWeights(a: Arena, precision: Precision, m: MatrixSlot): void {
  const buf = a.heap.buffer;
  if (precision === 'f32') {
    const w = new Float32Array(buf, m.w, m.nin * m.nout);
    for (let i = 0; i < w.length; i++) w[i] = ((i * 2654435761) % 1000) * 1e-5 - 5e-3;
  } else if (precision === 'f16') {
    const w = new Uint16Array(buf, m.w, m.nout * m.ld);
    for (let i = 0; i < w.length; i++) w[i] = 0x1c00 + ((i * 2654435761) & 0x3ff) + ((i & 1) << 15);
  } else {
    const w = new Int8Array(buf, m.w, m.nout * m.ld);
    for (let i = 0; i < w.length; i++) w[i] = ((i * 2654435761) % 255) - 127;
    new Float32Array(buf, m.ws, packedBytes('q8', m.nin, m.nout).scales / 4).fill(1e-3);
  }
}
