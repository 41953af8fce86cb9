// Measures this machine's memory read bandwidth as the inference kernels see it (docs/performance.md):
// the wasm SIMD matrix-vector kernels of src-main/engine/infer stream a 512 MiB matrix, far larger than
// any CPU cache, so each pass reads it from DRAM. Run: `npx tsx scripts/bandwidth.ts` (prints JSON).
import { Arena } from '../src-main/engine/infer/arena';

/** Bytes streamed per pass: larger than any L3 cache, so every pass comes from memory. */
const MATRIX_BYTES = 512 * 2 ** 20;
/** The paper model's width: the kernels see the same row lengths as in generation. */
const WIDTH = 768;
const PASSES = 8;

/** Seconds per pass, of wall time and of this process's CPU time (on a shared, loaded machine the CPU figure is the code's own). */
function time(f: () => void): { wall: number; cpu: number } {
  f(); // warm-up: compiles the kernel tier and faults every page in
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < PASSES; i++) f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000 / PASSES, cpu: (c.user + c.system) / 1e6 / PASSES };
}

const arena = new Arena();
const rows = MATRIX_BYTES / 4 / WIDTH;
const x = arena.alloc(Math.max(rows, WIDTH));
const w = arena.alloc(rows * WIDTH);
const y = arena.alloc(Math.max(rows, WIDTH));
arena.seal();
arena.heap.fill(0.001);
// Linear layout [rows, 768]: one dot product per row (the LM head's access pattern).
const oi = time(() => arena.kernels.matvec_oi(x, w, y, WIDTH, rows));
// Conv1D layout [768·k, 768]: four rows a step (every GPT-2 block matrix), same bytes.
const io = time(() => arena.kernels.matvec_io(x, w, x, y, rows, WIDTH, 0));
process.stdout.write(JSON.stringify({
  date: new Date().toISOString(),
  matrixBytes: MATRIX_BYTES,
  matvecOiBytesPerSecond: Math.round(MATRIX_BYTES / oi.wall),
  matvecIoBytesPerSecond: Math.round(MATRIX_BYTES / io.wall),
  matvecOiBytesPerCpuSecond: Math.round(MATRIX_BYTES / oi.cpu),
  matvecIoBytesPerCpuSecond: Math.round(MATRIX_BYTES / io.cpu),
  loadAverage: (await import('node:os')).loadavg()[0],
}) + '\n');
