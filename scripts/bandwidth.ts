// Measures this machine's memory read bandwidth as the inference kernels see it (docs/performance.md):
// the wasm SIMD matrix-vector kernels of src-main/engine/infer stream a 512 MiB matrix, far larger than
// any CPU cache, so each pass reads it from DRAM. Run: `npx tsx scripts/bandwidth.ts` (prints JSON).
import { Arena } from '../src-main/engine/infer/arena';

/** Bytes streamed per pass: larger than any L3 cache, so every pass comes from memory. */
const MATRIX_BYTES = 512 * 2 ** 20;
/** The paper model's width: the kernels see the same row lengths as in generation. */
const WIDTH = 768;
const PASSES = 8;

function time(f: () => void): number {
  f(); // warm-up: compiles the kernel tier and faults every page in
  const t0 = performance.now();
  for (let i = 0; i < PASSES; i++) f();
  return (performance.now() - t0) / 1000 / PASSES;
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
  matvecOiBytesPerSecond: Math.round(MATRIX_BYTES / oi),
  matvecIoBytesPerSecond: Math.round(MATRIX_BYTES / io),
}) + '\n');
